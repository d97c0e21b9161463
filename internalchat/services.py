"""Every write to internal chat: rooms, messages and their files, read markers, scrubbing.

A message is stored in a transaction and announced to its room's group only after the commit
(`transaction.on_commit`), so nobody hears of a message the database does not hold.
"""

import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import Operator
from departments.models import Department
from internalchat import selectors
from internalchat.models import Attachment, Message, ReadMarker, Room, ScrubRun
from libchat.core import live
from libchat.core.messages import message_check, message_sent_before
from libchat.core.models import SiteSettings
from libchat.core.refusals import Refusal
from libchat.core.uploads import files_storing

SCRUB_BATCH = 500
_SEND_LOCK_NAMESPACE = 4_401_001
_EMBEDDED_SEND_LOCK = threading.Lock()


@contextmanager
def _room_send_lock(room_id: int):
    """Serialise sends to one room, commit and announcement included, across processes: ids then
    commit, and reach every socket, in increasing order. SQLite serialises writers but not their
    announcements; the embedded mode has one web process, so a process lock does."""
    if connection.vendor != "postgresql":
        with _EMBEDDED_SEND_LOCK:
            yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [_SEND_LOCK_NAMESPACE, room_id])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_SEND_LOCK_NAMESPACE, room_id])


class RoomRefused(Refusal):
    """Not a member of the room, or a direct room with nobody who can use it."""


def _member_check(room: Room, operator: Operator) -> None:
    if selectors.room_for_member(operator=operator, room_id=room.pk) is None:
        raise RoomRefused("forbidden", "You are not a member of this room.")


def message_announce(*, group: str, frame: dict) -> None:
    live.live_send(group, frame)


def message_send(
    *,
    room: Room,
    sender: Operator,
    body: str,
    client_msg_id: str,
    files: list[UploadedFile] | tuple = (),
) -> Message:
    """Store a message once per `client_msg_id` and announce it after commit; the body is
    staff rich text, checked and cleaned by the one message core (`libchat.core.messages`).

    A resend with a known `client_msg_id` stores nothing and returns the stored message.
    """
    _member_check(room, sender)
    checked = message_check(
        body=body,
        client_msg_id=client_msg_id,
        files=files,
        markup=True,
        client_msg_id_required=True,
    )
    existing = message_sent_before(
        sent=Message.objects.filter(sender=sender), client_msg_id=checked.client_msg_id
    )
    if existing is not None:
        return existing
    with (
        files_storing("internalchat", checked.files) as stored,
        _room_send_lock(room.pk),
        transaction.atomic(),
    ):
        try:
            with transaction.atomic():
                message = Message.objects.create(
                    room=room, sender=sender, body=checked.body, client_msg_id=checked.client_msg_id
                )
        except IntegrityError:
            return Message.objects.get(sender=sender, client_msg_id=checked.client_msg_id)
        attachments = Attachment.objects.bulk_create(
            Attachment(message=message, file=name, **item.described()) for item, name in stored
        )
        stored.keep()
        message.sender = sender
        frame = {
            "event": "room.message",
            "room": selectors.room_describe(room),
            "message": selectors.message_as_dict(message, attachments),
        }
        transaction.on_commit(partial(message_announce, group=room.group, frame=frame))
    return message


def _rooms_announce(room: Room) -> None:
    for operator_id in selectors.room_member_ids(room=room):
        live.groups_join(operator_id, [room.group])


def room_direct_get_or_create(*, operator: Operator, other: Operator) -> Room:
    """The one room of this pair of operators; the other may be offline (the message waits)."""
    if other.pk == operator.pk or not other.may_chat:
        raise RoomRefused("bad_operator", "Choose another active operator.")
    low, high = sorted([operator.pk, other.pk])
    with transaction.atomic():
        room, created = Room.objects.get_or_create(
            kind=Room.Kind.DIRECT, operator_low_id=low, operator_high_id=high
        )
        if created:
            transaction.on_commit(partial(_rooms_announce, room))
    return room


def room_department_get_or_create(*, department: Department) -> Room:
    with transaction.atomic():
        room, created = Room.objects.get_or_create(kind=Room.Kind.DEPARTMENT, department=department)
        if created:
            transaction.on_commit(partial(_rooms_announce, room))
    return room


def room_all_staff_get_or_create() -> Room:
    with transaction.atomic():
        room, created = Room.objects.get_or_create(kind=Room.Kind.ALL_STAFF)
        if created:
            transaction.on_commit(partial(_rooms_announce, room))
    return room


def rooms_ensure_for(*, operator: Operator) -> None:
    """Create the All Staff room and the operator's department rooms if they are missing."""
    room_all_staff_get_or_create()
    missing = Department.objects.filter(
        memberships__operator=operator, active=True, internal_room__isnull=True
    )
    for department in missing:
        room_department_get_or_create(department=department)


def room_mark_read(*, room: Room, operator: Operator, last_id: int) -> ReadMarker:
    """Move the operator's read watermark forward to `last_id` (never back, never past the end),
    and tell the operator's other tabs."""
    _member_check(room, operator)
    newest = room.messages.aggregate(newest=Max("id"))["newest"] or 0
    last_id = max(0, min(int(last_id), newest))
    with transaction.atomic():
        marker, _ = ReadMarker.objects.get_or_create(room=room, operator=operator)
        ReadMarker.objects.filter(pk=marker.pk).update(
            last_read_id=Greatest("last_read_id", last_id)
        )
        marker.refresh_from_db()
        transaction.on_commit(
            partial(
                live.live_send,
                live.operator_group(operator.pk),
                {"event": "room.read", "room_id": room.pk, "last_read_id": marker.last_read_id},
            )
        )
    return marker


def _scrub_cutoff(days: int, now: datetime) -> datetime | None:
    return now - timedelta(days=days) if days > 0 else None


def scrub_preview(*, days: int, now: datetime | None = None) -> tuple[int, int]:
    """How many messages and files a scrub with this many days would remove now."""
    cutoff = _scrub_cutoff(days, now or timezone.now())
    if cutoff is None:
        return 0, 0
    old = Message.objects.filter(created_at__lt=cutoff)
    return old.count(), Attachment.objects.filter(message__in=old).count()


def history_scrub(*, now: datetime | None = None) -> ScrubRun:
    """Delete messages older than the site's "Scrub Internal Chat Messages" days, with their
    files, in small batches so the table is never locked for long; record the run."""
    cutoff = _scrub_cutoff(SiteSettings.load().scrub_internal_days, now or timezone.now())
    messages_removed = files_removed = 0
    while cutoff is not None:
        with transaction.atomic():
            ids = list(
                Message.objects.filter(created_at__lt=cutoff)
                .order_by("id")
                .values_list("id", flat=True)[:SCRUB_BATCH]
            )
            if not ids:
                break
            names = list(
                Attachment.objects.filter(message_id__in=ids).values_list("file", flat=True)
            )
            Message.objects.filter(id__in=ids).delete()
        for name in names:
            default_storage.delete(name)
        messages_removed += len(ids)
        files_removed += len(names)
    return ScrubRun.objects.create(
        cutoff=cutoff, messages_removed=messages_removed, files_removed=files_removed
    )
