"""LibChat's own lines in a conversation ("Alice joined the chat.", "Started Reference meeting."):
each app keeps a table of what can happen and its sentence, a message stores the line's name
and the names and numbers in it, and each reader gets it written out in their language. A
duration is kept as seconds and written out in the reader's words too."""

from datetime import timedelta

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from libchat.core.durations import duration_text


class Lines:
    """One app's lines: their names and sentences (marked with `gettext_noop`)."""

    def __init__(self, sentences: dict[str, str]):
        self.sentences = sentences

    def text(self, line: str, args: dict) -> str:
        """The line in the active language."""
        values = dict(args)
        if "seconds" in values:
            values["duration"] = duration_text(timedelta(seconds=values["seconds"]))
        return gettext(self.sentences[line]) % values

    def stored(self, line: str, args: dict) -> str:
        """The line as a message's body keeps it (for search, exports and anything reading the
        table itself): in the site's language, English unless set otherwise."""
        with translation.override(settings.LANGUAGE_CODE):
            return self.text(line, args)
