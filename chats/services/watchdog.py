"""The chats nobody is in any more: claimants who signed out or cannot be reached (their chats go
back to the queue), waiting chats nobody has claimed (an alert), patrons who left (the chat ends).
Run by the chats-watch beat job and after presence changes."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.selectors import operators_unreachable_since, presence_for
from chats import selectors
from chats.groups import queue_groups
from chats.models import ChatEvent, PatronChat
from chats.services.lifecycle import chat_end, chat_requeue
from libchat.core.live import live_send


def claimants_presence_follow(*, operator_ids: set[int]) -> int:
    """After a presence change: requeue the chats of claimants who signed out. One who is only
    unreachable keeps their chats for now (`chats_requeue_unreachable`). Returns how many chats
    were requeued."""
    presence = presence_for(operator_ids=operator_ids)
    signed_out = [operator_id for operator_id, seen in presence.items() if not seen.signed_in]
    theirs = PatronChat.objects.filter(
        state=PatronChat.State.ACTIVE, claimed_by__in=signed_out
    ).select_related("claimed_by")
    return sum(chat_requeue(chat=chat, reason=ChatEvent.Reason.SIGNED_OUT) for chat in theirs)


def chats_requeue_unreachable(*, now: datetime | None = None) -> int:
    """Requeue the chats of claimants nobody has heard from for LIBCHAT_REQUEUE_AFTER_SECONDS.

    The silence counts from the claimant's last answer to a ping (their session keeps it when
    their tabs close or expire), not from when a presence change or this job noticed it, so a
    crashed browser's chats go back that long after it stopped, give or take this job's period.
    Chats of claimants who signed out without the presence change being followed go back at
    once. Returns how many chats were requeued.
    """
    now = now or timezone.now()
    active = PatronChat.objects.filter(state=PatronChat.State.ACTIVE)
    claimant_ids = set(active.values_list("claimed_by_id", flat=True))
    signed_out = claimants_presence_follow(operator_ids=claimant_ids)
    cutoff = now - timedelta(seconds=settings.LIBCHAT_REQUEUE_AFTER_SECONDS)
    silent = operators_unreachable_since(operator_ids=claimant_ids, now=now)
    due_ids = [operator_id for operator_id, since in silent.items() if since <= cutoff]
    due = active.filter(claimed_by__in=due_ids).select_related("claimed_by")
    return signed_out + sum(
        chat_requeue(chat=chat, reason=ChatEvent.Reason.UNREACHABLE) for chat in due
    )


def chats_alert_unclaimed(*, now: datetime | None = None) -> int:
    """Alert everyone who could take a chat that has waited LIBCHAT_UNCLAIMED_ALERT_SECONDS;
    once per wait. Returns how many chats raised an alert."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.LIBCHAT_UNCLAIMED_ALERT_SECONDS)
    due = list(
        PatronChat.objects.filter(
            state=PatronChat.State.WAITING, queued_at__lte=cutoff, unclaimed_alert_at=None
        ).select_related("widget", "claimed_by")
    )
    for chat in due:
        alerted = PatronChat.objects.filter(pk=chat.pk, unclaimed_alert_at=None).update(
            unclaimed_alert_at=now
        )
        if alerted:
            frame = {"event": "chat.alert", "chat": selectors.chat_summary(chat)}
            for group in queue_groups(chat):
                live_send(group, frame)
    return len(due)


def chats_end_abandoned(*, now: datetime | None = None) -> int:
    """End chats whose patron's page has stopped answering pings (tab closed, laptop shut):
    a waiting chat after LIBCHAT_PATRON_GONE_SECONDS, so nobody claims a chat nobody is in; a
    claimed one after LIBCHAT_PATRON_GONE_ACTIVE_SECONDS, so the operator is not left holding
    it. Returns how many ended."""
    now = now or timezone.now()
    waiting_cutoff = now - timedelta(seconds=settings.LIBCHAT_PATRON_GONE_SECONDS)
    active_cutoff = now - timedelta(seconds=settings.LIBCHAT_PATRON_GONE_ACTIVE_SECONDS)
    gone = PatronChat.objects.filter(
        Q(state=PatronChat.State.WAITING, patron_seen_at__lt=waiting_cutoff)
        | Q(state=PatronChat.State.ACTIVE, patron_seen_at__lt=active_cutoff)
    )
    ended = 0
    for chat in gone:
        chat_end(chat=chat, left=True)
        ended += 1
    return ended
