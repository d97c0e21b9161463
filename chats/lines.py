"""The lines LibChat itself writes into a patron's chat ("Alice joined the chat."). Each is
stored as what happened (`PatronMessage.line`) and the names in it (`line_args`), and written
out in the language of whoever reads it: the patron in theirs, an operator in theirs, a
transcript in its reader's. The message's body keeps the line in English, for search, the CSV
export and anything that reads the table itself."""

from django.utils.translation import gettext_noop

from libchat.core.lines import Lines

LINES = Lines(
    {
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
)
