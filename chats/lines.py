"""The lines LibChat itself writes into a patron's chat ("Alice joined the chat."). Each is
stored as what happened (`PatronMessage.line`) and the names in it (`line_args`), and written
out in the language of whoever reads it: the patron in theirs, an operator in theirs, a
transcript in its reader's. The message's body keeps the line in English, for search, the CSV
export and anything that reads the table itself."""

from datetime import timedelta

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from libchat.core.durations import duration_text

LINES = {
    "joined": gettext_noop("%(who)s joined the chat."),
    "ended": gettext_noop("%(who)s ended the chat."),
    "left": gettext_noop("%(who)s left the chat."),
    "patron_ended": gettext_noop("The patron ended the chat."),
    "patron_left": gettext_noop("The patron left the chat."),
    "over": gettext_noop("This chat has ended."),
    "transferred": gettext_noop("%(who)s transferred the chat to %(target)s."),
    "requeued_signed_out": gettext_noop(
        "%(who)s signed out. You are back at the front of the line."
    ),
    "requeued_unreachable": gettext_noop(
        "%(who)s could not be reached. You are back at the front of the line."
    ),
    "screenshare_started": gettext_noop("Screenshare with %(who)s started."),
    "screenshare_ended": gettext_noop("Screenshare ended after %(duration)s."),
}


def line_text(line: str, args: dict) -> str:
    """The line in the active language. A duration is kept as seconds and written out here."""
    values = dict(args)
    if "seconds" in values:
        values["duration"] = duration_text(timedelta(seconds=values["seconds"]))
    return gettext(LINES[line]) % values


def line_stored(line: str, args: dict) -> str:
    """The line as the body keeps it: in the site's language, English unless set otherwise."""
    with translation.override(settings.LANGUAGE_CODE):
        return line_text(line, args)
