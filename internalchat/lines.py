"""The lines LibChat itself writes into an internal chat room, for now a meeting's start and end
("Started Reference meeting."), posted as the meeting's host. Each is stored as what happened
(`Message.line`) and the names and numbers in it (`line_args`), and written out in each
reader's language, in the history and live. The body keeps the line in English, for search."""

from django.utils.translation import gettext_noop

from libchat.core.lines import Lines

LINES = Lines(
    {
        "meeting_started": gettext_noop("Started %(title)s."),
        "meeting_ended": gettext_noop("%(title)s ended after %(duration)s."),
    }
)
