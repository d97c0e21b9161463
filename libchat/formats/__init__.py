"""Date and time formats where LibChat departs from Django's for a language (FORMAT_MODULE_PATH)."""
