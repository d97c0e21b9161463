"""Transcripts leaving LibChat as files: the filtered Transcripts list as CSV, one row per chat
(streamed, a chunk of chats at a time, so 100,000 rows never sit in memory), and one chat's
transcript as plain text."""

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from django.utils import timezone, translation

from chats.models import PatronChat
from chats.services.transcripts import transcript_line

CSV_HEADER = [
    "Chat",
    "Started",
    "Ended",
    "Outcome",
    "Wait (s)",
    "First response (s)",
    "Handling time (s)",
    "Widget",
    "Department",
    "Operators",
    "Rating",
    "Comment",
    "Tags",
    "Transcript",
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
        "Answered" if chat.answered else "Missed",
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


def csv_lines(chunks: Iterable[list[PatronChat]], transcript_url) -> Iterator[str]:
    """The CSV's lines, the header first; `transcript_url(chat)` is the row's link. A chunk is
    read from the database only when the one before has been sent."""
    writer = csv.writer(_Lines())
    yield "\ufeff" + writer.writerow(CSV_HEADER)  # the BOM tells Excel it is UTF-8
    for chunk in chunks:
        yield "".join(writer.writerow(csv_row(chat, transcript_url(chat))) for chat in chunk)


def transcript_text(chat: PatronChat, messages: list[dict], base_url: str) -> str:
    """A chat as staff read it on its transcript page, as plain text: the record, then every
    line with its time (UTC) and who wrote it."""
    department = chat.department or chat.widget.first_department
    head = [
        f"Chat {chat.pk} with {chat.name or 'a patron'} · {chat.widget.title}",
        f"Started: {_when(chat.created_at)}",
        f"Ended: {_when(chat.ended_at)}",
        f"Email: {chat.email or '—'}",
        f"Question: {chat.question or '—'}",
        f"Widget: {chat.widget.name}",
        f"Department: {department.name if department else '—'}",
        f"Operators: {', '.join(took.operator.name for took in chat.took_part) or '—'}",
        f"Rating: {f'{chat.rating}/5' if chat.rating else '—'}",
        f"Comment: {chat.comment or '—'}",
        f"Tags: {', '.join(tag.name for tag in chat.tag_list) or '—'}",
    ]
    if chat.anonymised_at:
        with translation.override(None):  # the file's words are English throughout
            head.append(chat.anonymised_notice)
    if chat.internal_note:  # one line per note: "Alice → Bob: wants maps"
        head += ["Staff notes:", *(f"  {line}" for line in chat.internal_note.splitlines())]
    lines = [
        transcript_line(chat, message, base_url, patron=chat.name or "Patron")
        for message in messages
    ]
    return "\n".join([*head, "", *lines, ""])
