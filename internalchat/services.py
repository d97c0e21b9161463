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
from django.utils.translation import gettext

from accounts.models import Operator
from departments.models import Department
from internalchat import selectors
from internalchat.lines import LINES
from internalchat.models import Attachment, Mention, Message, ReadMarker, Room, ScrubRun
from internalchat.search import MENTION_TOKEN, body_plain_text
from libchat.core import live
from libchat.core.messages import CheckedMessage, message_check, message_sent_before
from libchat.core.models import SiteSettings
from libchat.core.refusals import Refusal
from libchat.core.richtext import text_as_html
from libchat.core.uploads import files_storing
from systems.selectors import default_system, systems_share_coop

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
        raise RoomRefused("forbidden", _not_a_member())


def _not_a_member() -> str:
    return gettext("You are not a member of this room.")


def message_announce(*, group: str, frame: dict) -> None:
    live.live_send(group, frame)


class MentionRefused(Refusal):
    """A mention the sender may not make: someone not in the room, or anyone in All Staff by
    someone who is not an admin. Nothing was stored."""


MENTIONS_MAX = 20


def _mentions_resolve(room: Room, sender: Operator, text: str) -> tuple[list[Mention], str]:
    """The Mention rows (unsaved) for the `@{o:ID}` / `@{d:ID}` tokens in the text a body shows,
    and that text with each token as "@name". A token inside a link's address is not a mention:
    only the text is read."""
    tokens = {(kind, int(pk)) for kind, pk in MENTION_TOKEN.findall(text)}
    if not tokens:
        return [], text
    if room.kind == Room.Kind.ALL_STAFF and not (sender.is_staff or sender.is_superuser):
        raise MentionRefused(
            "mention_forbidden", gettext("Only admins can mention people in All Staff.")
        )
    if len(tokens) > MENTIONS_MAX:
        raise MentionRefused(
            "too_many_mentions",
            gettext("A message can mention %(max)s people at most.") % {"max": MENTIONS_MAX},
        )
    members = {m.pk: m for m in selectors.room_members(room=room)}
    department_ids = [pk for kind, pk in tokens if kind == "d"]
    departments = {d.pk: d for d in Department.objects.filter(pk__in=department_ids, active=True)}
    department_members: dict[int, list[int]] = {pk: [] for pk in departments}
    if departments:
        for department_id, operator_id in (
            Operator.objects.may_chat()
            .filter(memberships__department_id__in=departments)
            .values_list("memberships__department_id", "pk")
        ):
            department_members[department_id].append(operator_id)
    mentions: dict[int, Mention] = {}
    names: dict[str, str] = {}
    for kind, pk in sorted(tokens, key=lambda token: token[0] != "d"):
        if kind == "d":
            ids = department_members.get(pk)
            if not ids:
                raise MentionRefused(
                    "mention_unknown", gettext("That department has nobody to mention.")
                )
            if not set(ids) <= set(members):
                raise MentionRefused(
                    "mention_not_in_room",
                    gettext("Not everyone in %(department)s is in this room.")
                    % {"department": departments[pk].name},
                )
            for operator_id in ids:
                mentions.setdefault(
                    operator_id,
                    Mention(operator=members[operator_id], via_department=departments[pk]),
                )
            names[f"d:{pk}"] = departments[pk].name
        else:
            if pk not in members:
                raise MentionRefused(
                    "mention_not_in_room",
                    gettext("You can only mention people who are in this room."),
                )
            mentions.setdefault(pk, Mention(operator=members[pk]))
            names[f"o:{pk}"] = members[pk].name
    shown = MENTION_TOKEN.sub(lambda m: "@" + names[f"{m[1]}:{m[2]}"], text)
    return list(mentions.values()), shown


def _mentions_announce(mentions: list[Mention], frame: dict) -> None:
    for mention in mentions:
        if mention.read_at is None:
            live.live_send(
                live.operator_group(mention.operator_id),
                {**frame, "event": "mention.new", "mention_id": mention.pk},
            )


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
    return _message_store(
        room=room, sender=sender, body=body, client_msg_id=client_msg_id, files=files
    )


def message_send_to(*, room_id: int, sender: Operator, body: str, client_msg_id: str) -> Message:
    """`message_send` for a caller that holds only the room's id (the dashboard socket): the
    membership check is the query that loads the room, so a send costs one query less."""
    room = selectors.room_for_member(operator=sender, room_id=room_id)
    if room is None:
        raise RoomRefused("forbidden", _not_a_member())
    return _message_store(room=room, sender=sender, body=body, client_msg_id=client_msg_id)


def _message_store(
    *,
    room: Room,
    sender: Operator,
    body: str,
    client_msg_id: str,
    files: list[UploadedFile] | tuple = (),
) -> Message:
    """The send itself, for a sender whose membership of the room was just checked."""
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
    mentions, body_text = _mentions_resolve(room, sender, body_plain_text(checked.body))
    try:
        return _message_insert(room, sender, checked, body_text, mentions)
    except IntegrityError:
        # A concurrent retry stored the same client_msg_id first: the whole transaction rolled
        # back, no savepoint around the insert (two statements less on every send's path).
        existing = message_sent_before(
            sent=Message.objects.filter(sender=sender), client_msg_id=checked.client_msg_id
        )
        if existing is None:
            raise
        return existing


def _message_insert(
    room: Room, sender: Operator, checked: CheckedMessage, body_text: str, mentions: list[Mention]
) -> Message:
    with (
        files_storing("internalchat", checked.files) as stored,
        _room_send_lock(room.pk),
        transaction.atomic(),
    ):
        message = Message.objects.create(
            room=room,
            sender=sender,
            body=checked.body,
            body_text=body_text,
            client_msg_id=checked.client_msg_id,
        )
        attachments = Attachment.objects.bulk_create(
            Attachment(message=message, file=name, **item.described()) for item, name in stored
        )
        for mention in mentions:
            mention.message = message
            if mention.operator_id == sender.pk:
                mention.read_at = message.created_at  # nobody is told of their own mention
        Mention.objects.bulk_create(mentions)
        stored.keep()
        message.sender = sender
        frame = _message_frame(room, message, attachments, mentions)
        transaction.on_commit(partial(message_announce, group=room.group, frame=frame))
        if mentions:
            mentioned = {
                "room": frame["room"],
                # In a direct room, the one told is the other operator: the room is the sender.
                "room_name": sender.name
                if room.kind == Room.Kind.DIRECT
                else selectors.room_name(room, viewer=sender),
                "message": frame["message"],
            }
            transaction.on_commit(partial(_mentions_announce, mentions, mentioned))
    return message


def _message_frame(
    room: Room, message: Message, attachments: list[Attachment], mentions: list[Mention]
) -> dict:
    if message.line:  # LibChat's own line: each member's page reads it in its language
        written = live.in_readers_language(
            partial(selectors.message_as_dict, message, attachments, mentions)
        )
    else:
        written = selectors.message_as_dict(message, attachments, mentions)
    return {"event": "room.message", "room": selectors.room_describe(room), "message": written}


def room_line_post(
    *, room: Room, sender: Operator, line: str, args: dict, client_msg_id: str
) -> Message:
    """Post a line from LibChat itself into a room, in `sender`'s name (a meeting's start, as
    its host): one of `internalchat.lines.LINES` with the names and numbers it holds, written
    out in each reader's language. Once per `client_msg_id`, like a send."""
    existing = message_sent_before(
        sent=Message.objects.filter(sender=sender), client_msg_id=client_msg_id
    )
    if existing is not None:
        return existing
    text = LINES.stored(line, args)
    with _room_send_lock(room.pk), transaction.atomic():
        message = Message.objects.create(
            room=room,
            sender=sender,
            body=text_as_html(text),
            body_text=text,
            client_msg_id=client_msg_id,
            line=line,
            line_args=args,
        )
        frame = _message_frame(room, message, [], [])
        transaction.on_commit(partial(message_announce, group=room.group, frame=frame))
    return message


def _rooms_announce(room: Room) -> None:
    for operator_id in selectors.room_member_ids(room=room):
        live.groups_join(operator_id, [room.group])


def room_direct_get_or_create(*, operator: Operator, other: Operator) -> Room:
    """The one room of this pair of operators; the other may be offline (the message waits).
    Operators of two systems talk one to one only when their systems share a co-op."""
    if other.pk == operator.pk or not other.may_chat:
        raise RoomRefused("bad_operator", gettext("Choose another active operator."))
    if not systems_share_coop(system_id=operator.system_id, other_id=other.system_id):
        raise RoomRefused(
            "other_system",
            gettext("%(name)s works for another library system, which shares no co-op with yours.")
            % {"name": other.name},
        )
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


def room_all_staff_get_or_create(*, system_id: int | None = None) -> Room:
    """The All Staff room of a system (of the default system when none is named)."""
    if system_id is None:
        system_id = default_system().pk
    with transaction.atomic():
        room, created = Room.objects.get_or_create(kind=Room.Kind.ALL_STAFF, system_id=system_id)
        if created:
            transaction.on_commit(partial(_rooms_announce, room))
    return room


def rooms_ensure_for(*, operator: Operator) -> None:
    """Create the operator's system's All Staff room and their department rooms if they are
    missing."""
    room_all_staff_get_or_create(system_id=operator.system_id)
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


def mention_mark_read(*, operator: Operator, mention_ids: list[int]) -> int:
    """Mark the operator's own mentions read (others' ids are ignored: nobody reads another's
    Mentions list); tell the operator's other tabs. Returns how many changed."""
    ids = [int(i) for i in mention_ids][:100]
    with transaction.atomic():
        changed = Mention.objects.filter(
            operator=operator, pk__in=ids, read_at__isnull=True
        ).update(read_at=timezone.now())
        if changed:
            transaction.on_commit(
                partial(
                    live.live_send,
                    live.operator_group(operator.pk),
                    {"event": "mention.read", "mention_ids": ids},
                )
            )
    return changed
