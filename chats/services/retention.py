"""The library's retention settings applied to patron chats and offline tickets: after one number
of days the patron's details and the conversation are removed (the chat stays, for the reports),
after another the chat or ticket is deleted with its files.

The daily job works in batches of `RETENTION_BATCH` chats or tickets, each in a transaction of
its own, so a first run over years of chats never holds one long transaction or lock; it stops
at `RETENTION_SECONDS` and the next day's run goes on. Stored files leave storage after the
commit that deleted their rows (the PatronAttachment `post_delete` receiver).
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from chats.models import (
    ChatEvent,
    OfflineTicket,
    PatronAttachment,
    PatronChat,
    PatronMessage,
    RetentionRun,
    TicketReply,
    TranscriptEmail,
    TransferOffer,
)
from chats.signals import chats_anonymised
from libchat.core.models import SiteSettings

RETENTION_BATCH = 500
RETENTION_SECONDS = 15 * 60
# What an anonymised chat's messages and a ticket's thread say instead of their words.
REMOVED_TEXT = "(removed)"


@dataclass(frozen=True)
class RetentionPreview:
    """What a run with these settings would do now."""

    chats_deleted: int
    tickets_deleted: int
    files_deleted: int
    chats_anonymised: int
    tickets_anonymised: int


def _cutoff(days: int, now: datetime) -> datetime | None:
    return now - timedelta(days=days) if days > 0 else None


def _chats_to_delete(cutoff: datetime | None) -> QuerySet:
    if cutoff is None:
        return PatronChat.objects.none()
    # A waiting or active chat has no end: only ended chats are ever deleted.
    return PatronChat.objects.filter(state=PatronChat.State.ENDED, ended_at__lt=cutoff)


def _chats_to_anonymise(cutoff: datetime | None, delete_cutoff: datetime | None) -> QuerySet:
    if cutoff is None:
        return PatronChat.objects.none()
    chats = PatronChat.objects.filter(
        state=PatronChat.State.ENDED, ended_at__lt=cutoff, anonymised_at__isnull=True
    )
    return chats if delete_cutoff is None else chats.exclude(ended_at__lt=delete_cutoff)


def _tickets_to_delete(cutoff: datetime | None) -> QuerySet:
    if cutoff is None:
        return OfflineTicket.objects.none()
    return OfflineTicket.objects.filter(created_at__lt=cutoff)


def _tickets_to_anonymise(cutoff: datetime | None, delete_cutoff: datetime | None) -> QuerySet:
    if cutoff is None:
        return OfflineTicket.objects.none()
    tickets = OfflineTicket.objects.filter(created_at__lt=cutoff, anonymised_at__isnull=True)
    return tickets if delete_cutoff is None else tickets.exclude(created_at__lt=delete_cutoff)


def retention_preview(
    *, delete_days: int, anonymise_days: int, now: datetime | None = None
) -> RetentionPreview:
    """How many chats, tickets and files a run with these numbers of days would delete or
    anonymise now (a chat due for both is counted as deleted only)."""
    now = now or timezone.now()
    delete_cutoff = _cutoff(delete_days, now)
    anonymise_cutoff = _cutoff(anonymise_days, now)
    deleted = _chats_to_delete(delete_cutoff)
    return RetentionPreview(
        chats_deleted=deleted.count(),
        tickets_deleted=_tickets_to_delete(delete_cutoff).count(),
        files_deleted=PatronAttachment.objects.filter(message__chat__in=deleted).count(),
        chats_anonymised=_chats_to_anonymise(anonymise_cutoff, delete_cutoff).count(),
        tickets_anonymised=_tickets_to_anonymise(anonymise_cutoff, delete_cutoff).count(),
    )


def _next_ids(queryset: QuerySet) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True)[:RETENTION_BATCH])


def _chats_delete(ids: list[int], now: datetime) -> int:
    """Delete these chats with everything that hangs on them (messages, files, events,
    participants, offers, tags; blocks keep, their chat set to none). Returns the files."""
    files = PatronAttachment.objects.filter(message__chat_id__in=ids).count()
    PatronChat.objects.filter(pk__in=ids).delete()
    return files


def _chats_anonymise(ids: list[int], now: datetime) -> int:
    """Remove the patron's details and the conversation's words from these chats, keep what the
    reports count (times, widget, department, operators, events, rating, tags). The comment is
    the patron's own words: it goes, the rating stays. Staff notes go too (they are about the
    patron), and LibChat's lines that name the patron; other apps are told (`chats_anonymised`).
    Returns the files deleted."""
    ids = list(
        PatronChat.objects.select_for_update()
        .filter(pk__in=ids, anonymised_at__isnull=True)
        .values_list("pk", flat=True)
    )
    chats_anonymised.send(sender=PatronChat, chat_ids=ids)
    lines = PatronMessage.objects.filter(chat_id__in=ids)
    lines.exclude(sender=PatronMessage.Sender.SYSTEM).update(body=REMOVED_TEXT)
    # LibChat's own lines are kept, but some name the patron ("Ada left the chat.").
    lines.filter(sender=PatronMessage.Sender.SYSTEM, body__contains=F("chat__name")).exclude(
        chat__name=""
    ).update(body=REMOVED_TEXT, line="", line_args={})  # no line left to write the name out
    PatronChat.objects.filter(pk__in=ids).update(
        name="",
        email="",
        question="",
        comment="",
        internal_note="",
        page_url="",
        browser="",
        patron_ref="",
        address_hash="",
        anonymised_at=now,
    )
    ChatEvent.objects.filter(chat_id__in=ids).exclude(note="").update(note="")
    TransferOffer.objects.filter(chat_id__in=ids).exclude(note="").update(note="")
    # Where the transcript was emailed is the patron's (or someone's) address: it goes; when,
    # by whom and whether it went stay.
    TranscriptEmail.objects.filter(chat_id__in=ids).update(to="", error="")
    attachments = PatronAttachment.objects.filter(message__chat_id__in=ids)
    files = attachments.count()
    attachments.delete()
    return files


def _tickets_delete(ids: list[int], now: datetime) -> int:
    OfflineTicket.objects.filter(pk__in=ids).delete()
    return 0


def _tickets_anonymise(ids: list[int], now: datetime) -> int:
    """Remove the patron's name, email and question, and the words of the thread (answers
    quote or address the patron; notes are about them)."""
    OfflineTicket.objects.filter(pk__in=ids, anonymised_at__isnull=True).update(
        name="", email="", question="", anonymised_at=now
    )
    TicketReply.objects.filter(ticket_id__in=ids).update(body=REMOVED_TEXT, mail_error="")
    return 0


def patron_retention_run(*, now: datetime | None = None) -> RetentionRun:
    """Apply the site's "Delete patron chats after" and "Remove patron name, email and page
    after" days: delete first (a chat due for both is not anonymised on its way out), then
    anonymise; a batch per transaction, until nothing is due or the time budget is spent.
    The run is recorded after each batch."""
    now = now or timezone.now()
    site = SiteSettings.load()
    delete_cutoff = _cutoff(site.delete_patron_chats_days, now)
    anonymise_cutoff = _cutoff(site.anonymise_patron_chats_days, now)
    run = RetentionRun.objects.create(
        started_at=timezone.now(), delete_before=delete_cutoff, anonymise_before=anonymise_cutoff
    )
    steps = [
        (_chats_to_delete(delete_cutoff), "chats_deleted", _chats_delete),
        (_tickets_to_delete(delete_cutoff), "tickets_deleted", _tickets_delete),
        (
            _chats_to_anonymise(anonymise_cutoff, delete_cutoff),
            "chats_anonymised",
            _chats_anonymise,
        ),
        (
            _tickets_to_anonymise(anonymise_cutoff, delete_cutoff),
            "tickets_anonymised",
            _tickets_anonymise,
        ),
    ]
    deadline = time.monotonic() + RETENTION_SECONDS
    run.complete = all(
        _batches(run, due, counter, apply, now, deadline) for due, counter, apply in steps
    )
    run.finished_at = timezone.now()
    run.save()
    return run


def _batches(
    run: RetentionRun, due: QuerySet, counter: str, apply, now: datetime, deadline: float
) -> bool:
    """Apply one step to what is due, a batch per transaction, counting on the run; False when
    the time budget ran out with some left."""
    while time.monotonic() < deadline:
        with transaction.atomic():
            ids = _next_ids(due)
            if not ids:
                return True
            run.files_deleted += apply(ids, now)
            setattr(run, counter, getattr(run, counter) + len(ids))
            run.save()
    return False
