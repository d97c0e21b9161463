"""Signals other apps listen to. Sent only after the change they describe has committed."""

from django.dispatch import Signal

# Sent with operator_ids (a set) once presence of those operators may have changed.
presence_changed = Signal()
