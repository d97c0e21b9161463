"""`make bench`: LibChat measured side by side with a reference, on this machine."""
