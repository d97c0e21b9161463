"""Transcripts leaving LibChat as files: the filtered Transcripts list as CSV, one row per chat
(streamed, a chunk of chats at a time, so 100,000 rows never sit in memory), and one chat's
transcript as plain text. Their words (the CSV's header and outcomes, the text's labels and
LibChat's lines) are in the active language, the downloading operator's; times stay ISO."""

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext_lazy

from chats.models import PatronChat
from chats.services.transcripts import transcript_line

CSV_HEADER = [
    pgettext_lazy("transcripts CSV column", "Chat"),
    pgettext_lazy("transcripts CSV column", "Started"),
    pgettext_lazy("transcripts CSV column", "Ended"),
    pgettext_lazy("transcripts CSV column", "Outcome"),
    pgettext_lazy("transcripts CSV column", "Wait (s)"),
    pgettext_lazy("transcripts CSV column", "First response (s)"),
    pgettext_lazy("transcripts CSV column", "Handling time (s)"),
    pgettext_lazy("transcripts CSV column", "Widget"),
    pgettext_lazy("transcripts CSV column", "Department"),
    pgettext_lazy("transcripts CSV column", "Operators"),
    pgettext_lazy("transcripts CSV column", "Rating"),
    pgettext_lazy("transcripts CSV column", "Comment"),
    pgettext_lazy("transcripts CSV column", "Tags"),
    pgettext_lazy("transcripts CSV column", "Transcript"),
]
# A cell a spreadsheet would run as a formula ("=HYPERLINK(...)" typed by a patron as a
# comment) is written with a leading apostrophe, which shows it as the text it was.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Lines:
    """What csv.writer writes to: each row comes back as its line of text."""

    def write(self, line: str) -> str:
        return line


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _when(at: datetime | None) -> str:
    return timezone.localtime(at).isoformat(timespec="seconds") if at else ""


def _seconds(span: timedelta | None) -> str:
    return str(round(span.total_seconds())) if span is not None else ""


def csv_row(chat: PatronChat, transcript_url: str) -> list[str]:
    department = chat.department or chat.widget.first_department
    return [
        str(chat.pk),
        _when(chat.created_at),
        _when(chat.ended_at),
        gettext("Answered") if chat.answered else gettext("Missed"),
        _seconds(chat.wait),
        _seconds(chat.first_response),
        _seconds(chat.handling_time),
        _text(chat.widget.name),
        _text(department.name if department else ""),
        _text("; ".join(took.operator.name for took in chat.took_part)),
        str(chat.rating or ""),
        _text(chat.comment),
        _text("; ".join(tag.name for tag in chat.tag_list)),
        transcript_url,
    ]


def csv_lines(
    chunks: Iterable[list[PatronChat]], transcript_url, *, language: str
) -> Iterator[str]:
    """The CSV's lines, the header first, its words in `language`; `transcript_url(chat)` is
    the row's link. A chunk is read from the database only when the one before has been sent,
    after the view has returned: the language is set for each chunk (never across a yield,
    which would leave it to whatever the thread runs in between)."""
    writer = csv.writer(_Lines())
    with translation.override(language):
        header = writer.writerow([str(name) for name in CSV_HEADER])
    yield "\ufeff" + header  # the BOM tells Excel it is UTF-8
    for chunk in chunks:
        with translation.override(language):
            lines = "".join(writer.writerow(csv_row(chat, transcript_url(chat))) for chat in chunk)
        yield lines


def transcript_text(chat: PatronChat, messages: list[dict], base_url: str) -> str:
    """A chat as staff read it on its transcript page, as plain text: the record, then every
    line with its time (UTC) and who wrote it, as the patron's emailed transcript has them.
    `messages` are read in the active language, LibChat's lines with them."""
    department = chat.department or chat.widget.first_department
    none = "—"
    head = [
        gettext("Chat %(number)s with %(name)s · %(title)s")
        % {"number": chat.pk, "name": chat.name or gettext("a patron"), "title": chat.widget.title},
        gettext("Started: %(value)s") % {"value": _when(chat.created_at)},
        gettext("Ended: %(value)s") % {"value": _when(chat.ended_at)},
        gettext("Email: %(value)s") % {"value": chat.email or none},
        gettext("Question: %(value)s") % {"value": chat.question or none},
        gettext("Widget: %(value)s") % {"value": chat.widget.name},
        gettext("Department: %(value)s") % {"value": department.name if department else none},
        gettext("Operators: %(value)s")
        % {"value": ", ".join(took.operator.name for took in chat.took_part) or none},
        gettext("Rating: %(value)s") % {"value": f"{chat.rating}/5" if chat.rating else none},
        gettext("Comment: %(value)s") % {"value": chat.comment or none},
        gettext("Tags: %(value)s")
        % {"value": ", ".join(tag.name for tag in chat.tag_list) or none},
    ]
    if chat.anonymised_at:
        head.append(chat.anonymised_notice)
    if chat.internal_note:  # one line per note: "Alice → Bob: wants maps"
        head += [
            gettext("Staff notes:"),
            *(f"  {line}" for line in chat.internal_note.splitlines()),
        ]
    patron = chat.name or gettext("Patron")
    lines = [transcript_line(chat, message, base_url, patron=patron) for message in messages]
    return "\n".join([*head, "", *lines, ""])
