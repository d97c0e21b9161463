"""Reads of internal chat: who may use a room, history pages, catch-up and unread counts.

Everything here returns evaluated data, so consumers may call it through database_sync_to_async.
"""

from dataclasses import dataclass

from django.db import DatabaseError, connection
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext

from accounts.models import Operator
from departments.models import Membership
from departments.selectors import monitored_department_ids_subquery
from internalchat import search
from internalchat.lines import LINES
from internalchat.models import Attachment, Mention, Message, ReadMarker, Room
from libchat.core.richtext import text_as_html

HISTORY_PAGE = 50
CATCH_UP_LIMIT = 500


def _accessible_rooms_q(operator: Operator) -> Q:
    member_of_department = Exists(
        Membership.objects.filter(department=OuterRef("department"), operator=operator)
    )
    return (
        Q(kind=Room.Kind.ALL_STAFF, system_id=operator.system_id)
        | (Q(kind=Room.Kind.DEPARTMENT, department__active=True) & Q(member_of_department))
        | (Q(kind=Room.Kind.DIRECT) & (Q(operator_low=operator) | Q(operator_high=operator)))
    )


def rooms_for(*, operator: Operator) -> list[Room]:
    """Every room the operator may read and post in (none for an inactive account)."""
    if not operator.may_chat:
        return []
    return list(Room.objects.filter(_accessible_rooms_q(operator)))


def room_for_department(*, department_id: int) -> Room | None:
    return Room.objects.filter(department_id=department_id).first()


def room_for_member(*, operator: Operator, room_id: int) -> Room | None:
    """The room if the operator may use it, else None (unknown and forbidden look the same)."""
    if not operator.may_chat:
        return None
    return Room.objects.filter(_accessible_rooms_q(operator), pk=room_id).first()


def _room_members(room: Room):
    operators = Operator.objects.may_chat()
    if room.kind == Room.Kind.DEPARTMENT:
        operators = operators.filter(memberships__department_id=room.department_id)
    elif room.kind == Room.Kind.DIRECT:
        operators = operators.filter(pk__in=[room.operator_low_id, room.operator_high_id])
    else:
        operators = operators.filter(system_id=room.system_id)
    return operators


def room_member_ids(*, room: Room) -> list[int]:
    """Active operators who may use the room."""
    return list(_room_members(room).values_list("pk", flat=True))


def room_members(*, room: Room) -> list[Operator]:
    """The same operators as `room_member_ids`, as accounts, in one query."""
    return list(_room_members(room))


def room_mentionable(*, room: Room, operator: Operator) -> dict:
    """Whom the operator may @mention in the room, for the editor's typeahead: its members, and
    its department (a department room) or every active department of its system (All Staff);
    nobody in All
    Staff unless the operator is an admin. Two queries at most."""
    from departments.models import Department

    if room.kind == Room.Kind.ALL_STAFF and not (operator.is_staff or operator.is_superuser):
        return {"operators": [], "departments": []}
    operators = [{"id": o.pk, "name": o.name} for o in _room_members(room)]
    departments = []
    if room.kind == Room.Kind.DEPARTMENT:
        departments = Department.objects.filter(pk=room.department_id, active=True)
    elif room.kind == Room.Kind.ALL_STAFF:
        departments = Department.objects.filter(active=True, system_id=room.system_id).order_by(
            "name"
        )
    return {
        "operators": operators,
        "departments": [{"id": d.pk, "name": d.name} for d in departments],
    }


def room_describe(room: Room) -> dict:
    """How the dashboard finds a room's entry in its lists."""
    return {
        "id": room.pk,
        "kind": room.kind,
        "department_id": room.department_id,
        "operator_ids": [room.operator_low_id, room.operator_high_id]
        if room.kind == Room.Kind.DIRECT
        else [],
    }


def attachment_as_dict(attachment: Attachment) -> dict:
    return {
        "id": attachment.pk,
        "name": attachment.original_name,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "is_image": attachment.is_image,
        "url": reverse("internalchat:file", args=[attachment.pk]),
    }


def room_name(room: Room, *, viewer: Operator) -> str:
    """What the viewer calls the room: its department, All Staff, or the other operator."""
    if room.kind == Room.Kind.DEPARTMENT:
        return room.department.name
    if room.kind == Room.Kind.ALL_STAFF:
        return gettext("All Staff")
    other = room.operator_high if room.operator_low_id == viewer.pk else room.operator_low
    return other.name


def mentions_as_dict(mentions) -> tuple[dict[str, str], list[int]]:
    """The names a message's `@{o:ID}` / `@{d:ID}` tokens show, as they are now, and who it
    mentions. The page puts each name into the body's text (never into its markup)."""
    names, ids = {}, []
    for mention in mentions:
        ids.append(mention.operator_id)
        names[f"o:{mention.operator_id}"] = mention.operator.name
        if mention.via_department_id is not None:
            names[f"d:{mention.via_department_id}"] = mention.via_department.name
    return names, sorted(ids)


def message_as_dict(
    message: Message,
    attachments: list[Attachment] | None = None,
    mentions: list[Mention] | None = None,
) -> dict:
    """The message as the dashboard shows it; its files and mentions are read from the database
    unless the caller, which has just stored them (or prefetched them), passes them."""
    if attachments is None:
        attachments = message.attachments.all()
    if mentions is None:
        mentions = message.mentions.all()
    names, mentioned_ids = mentions_as_dict(mentions)
    # A line from LibChat itself is written out in the active language, its reader's.
    body = text_as_html(LINES.text(message.line, message.line_args)) if message.line else None
    return {
        "id": message.pk,
        "room_id": message.room_id,
        "sender_id": message.sender_id,
        "sender_name": message.sender.name,
        "body": body or message.body,
        "client_msg_id": message.client_msg_id,
        "created_at": message.created_at.isoformat(),
        "attachments": [attachment_as_dict(a) for a in attachments],
        "mentions": names,
        "mentioned_ids": mentioned_ids,
    }


def _messages():
    return Message.objects.select_related("sender").prefetch_related(
        "attachments",
        Prefetch("mentions", Mention.objects.select_related("operator", "via_department")),
    )


@dataclass(frozen=True)
class HistoryPage:
    messages: list[dict]  # oldest first
    has_more: bool


def room_history(*, room: Room, before_id: int | None = None) -> HistoryPage:
    """The 50 messages before `before_id` (or the latest 50): three queries (the messages, their
    files, their mentions), whatever the size."""
    messages = _messages().filter(room=room).order_by("-id")
    if before_id is not None:
        messages = messages.filter(id__lt=before_id)
    page = list(messages[: HISTORY_PAGE + 1])
    return HistoryPage(
        messages=[message_as_dict(m) for m in reversed(page[:HISTORY_PAGE])],
        has_more=len(page) > HISTORY_PAGE,
    )


@dataclass(frozen=True)
class HistoryWindow:
    messages: list[dict]  # oldest first
    has_more: bool  # older messages than the first
    has_newer: bool  # newer messages than the last


def room_history_after(*, room: Room, after_id: int) -> HistoryWindow:
    """The 50 messages after `after_id`, oldest first: the way back down from a search result."""
    page = list(_messages().filter(room=room, id__gt=after_id).order_by("id")[: HISTORY_PAGE + 1])
    return HistoryWindow(
        messages=[message_as_dict(m) for m in page[:HISTORY_PAGE]],
        has_more=True,
        has_newer=len(page) > HISTORY_PAGE,
    )


def room_history_around(*, room: Room, message_id: int) -> HistoryWindow:
    """Up to 25 messages before `message_id`, it, and up to 25 after: where a search result or
    a mention opens a room. Five queries (the ids either side, then the messages, their files
    and their mentions), whatever the size."""
    half = HISTORY_PAGE // 2
    in_room = Message.objects.filter(room=room)
    older = list(
        in_room.filter(id__lt=message_id).order_by("-id").values_list("id", flat=True)[: half + 1]
    )[::-1]
    newer = list(
        in_room.filter(id__gte=message_id).order_by("id").values_list("id", flat=True)[: half + 2]
    )
    has_more, has_newer = len(older) > half, len(newer) > half + 1
    shown = older[-half:] + newer[: half + 1]
    messages = list(_messages().filter(id__in=shown).order_by("id")) if shown else []
    return HistoryWindow(
        messages=[message_as_dict(m) for m in messages], has_more=has_more, has_newer=has_newer
    )


def room_catch_up(*, operator: Operator, last_ids: dict[int, int]) -> list[dict]:
    """Messages after the given last id of each of the operator's rooms, oldest first."""
    allowed = {room.pk for room in rooms_for(operator=operator)} & set(last_ids)
    if not allowed:
        return []
    after = Q()
    for room_id in sorted(allowed):
        after |= Q(room_id=room_id, id__gt=last_ids[room_id])
    return [message_as_dict(m) for m in _messages().filter(after).order_by("id")[:CATCH_UP_LIMIT]]


SEARCH_LIMIT = 30


def message_search(*, operator: Operator, query: str, limit: int = SEARCH_LIMIT) -> list[dict]:
    """The newest messages matching `query` (search.py's language) in the rooms the operator may
    read, each with a snippet whose matching words are in <mark> and all else escaped; three
    queries whatever the size (the rooms, the matches, their rooms and senders). Raises
    search.SearchRefused for a query that cannot run."""
    terms = search.query_parse(query)
    if not operator.may_chat or search.query_contradicts(terms):
        return []
    limit = max(1, min(int(limit), 100))
    room_ids = list(Room.objects.filter(_accessible_rooms_q(operator)).values_list("id", flat=True))
    sql, params = search.matching_ids_sql(
        query=query.strip(), terms=terms, room_ids=room_ids, limit=limit
    )
    # websearch_to_tsquery reads any text; FTS5 gets only quoted strings, but should one still
    # not parse, it is the query's fault: say so (SQLite leaves the transaction usable).
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
    except DatabaseError as exc:  # an expression FTS5 still cannot read
        raise search.SearchRefused("bad_query", gettext("That search could not be read.")) from exc
    if not found:
        return []
    snippets = dict(found)
    messages = Message.objects.filter(pk__in=snippets).select_related(
        "sender", "room__department", "room__operator_low", "room__operator_high"
    )
    return [
        {
            "message_id": m.pk,
            "room": room_describe(m.room),
            "room_name": room_name(m.room, viewer=operator),
            "sender_name": m.sender.name,
            "created_at": m.created_at.isoformat(),
            "snippet": search.snippet_html(snippets[m.pk]),
        }
        for m in sorted(messages, key=lambda m: -m.pk)
    ]


MENTIONS_SHOWN = 30


def mentions_for(*, operator: Operator, limit: int = MENTIONS_SHOWN) -> list[dict]:
    """The operator's own mentions by others, unread first then newest, in one query; only
    those in rooms the operator may still read."""
    rooms = Room.objects.filter(_accessible_rooms_q(operator)).values("id")
    mentions = (
        Mention.objects.filter(operator=operator, message__room__in=rooms)
        .exclude(message__sender=operator)
        .select_related(
            "message__sender",
            "message__room__department",
            "message__room__operator_low",
            "message__room__operator_high",
        )
        .annotate(unread=Case(When(read_at__isnull=True, then=1), default=0))
        .order_by("-unread", "-id")[:limit]
    )
    if not operator.may_chat:
        return []
    return [
        {
            "mention_id": m.pk,
            "unread": m.read_at is None,
            "message_id": m.message_id,
            "room": room_describe(m.message.room),
            "room_name": room_name(m.message.room, viewer=operator),
            "sender_name": m.message.sender.name,
            "created_at": m.message.created_at.isoformat(),
            "text": m.message.body_text[:200],
        }
        for m in mentions
    ]


@dataclass(frozen=True)
class RoomUnread:
    room: dict
    unread: int


def unread_counts(*, operator: Operator) -> list[RoomUnread]:
    """Unread messages from others in each of the operator's rooms, in one query."""
    if not operator.may_chat:
        return []
    last_read = Subquery(
        ReadMarker.objects.filter(room=OuterRef("pk"), operator=operator).values("last_read_id")[:1]
    )
    unread = (
        Message.objects.filter(room=OuterRef("pk"), id__gt=OuterRef("last_read"))
        .exclude(sender=operator)
        .values("id")[:UNREAD_COUNTED]
    )
    rooms = (
        Room.objects.filter(_accessible_rooms_q(operator))
        .annotate(last_read=Coalesce(last_read, Value(0)))
        .annotate(unread=_CountOf(unread))
        .order_by("pk")
    )
    return [RoomUnread(room_describe(room), room.unread) for room in rooms]


# A badge shows "99+" beyond 99, so counting stops at 100: a reader a million messages behind
# costs no more than one a hundred behind (BENCHMARKS.md, scenario 5).
UNREAD_COUNTED = 100


class _CountOf(Subquery):
    """How many rows a (sliced) subquery yields."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()


@dataclass(frozen=True)
class DepartmentEntry:
    department_id: int
    room_id: int | None
    name: str
    unread: int
    members: list  # accounts.selectors.OperatorRow


@dataclass(frozen=True)
class OperatorEntry:
    row: object  # accounts.selectors.OperatorRow
    room_id: int | None
    unread: int


@dataclass(frozen=True)
class PartnerGroup:
    system_name: str
    operators: list[OperatorEntry]


@dataclass(frozen=True)
class Sidebar:
    departments: list[DepartmentEntry]
    operators: list[OperatorEntry]
    all_staff_room_id: int | None
    all_staff_unread: int
    partners: list[PartnerGroup]  # co-op partners' operators, by system; none for one library


def sidebar_for(*, operator: Operator, directory: list | None = None) -> Sidebar:
    """The Internal Chat lists: the departments the operator monitors (with their members),
    every other operator of their system, their system's All Staff, and the operators of the
    systems sharing a co-op with theirs, by system; each with its unread count. Reads only, in
    three queries plus the operator directory's two (none when the page already holds the
    directory).

    A room not created yet (All Staff on a new site) is listed without an id; the socket creates
    it at connect and the catch-up reply tells the page its id."""
    from accounts.selectors import OperatorRow, operator_directory, presence_for

    counts = unread_counts(operator=operator)
    by_department = {c.room["department_id"]: c for c in counts if c.room["department_id"]}
    all_staff = next((c for c in counts if c.room["kind"] == Room.Kind.ALL_STAFF), None)
    direct = {}
    for c in counts:
        if c.room["kind"] == Room.Kind.DIRECT:
            direct[next(i for i in c.room["operator_ids"] if i != operator.pk)] = c
    monitored = monitored_department_ids_subquery(operator=operator)
    memberships = list(
        Membership.objects.filter(department_id__in=monitored, operator__is_active=True)
        .select_related("operator", "department")
        .order_by("department__name", "operator__display_name", "operator__username")
    )
    presence = presence_for(operator_ids={m.operator_id for m in memberships})
    departments: dict[int, DepartmentEntry] = {}
    for m in memberships:
        if m.department_id not in departments:
            count = by_department.get(m.department_id)
            departments[m.department_id] = DepartmentEntry(
                m.department_id,
                count.room["id"] if count else None,
                m.department.name,
                count.unread if count else 0,
                [],
            )
        departments[m.department_id].members.append(
            OperatorRow(m.operator_id, m.operator.name, presence[m.operator_id])
        )
    if directory is None:
        directory = operator_directory(
            exclude=operator, system_id=operator.system_id, coop_partners=True
        )
    operators, partners = [], {}
    for row in directory:
        entry = OperatorEntry(
            row,
            direct[row.id].room["id"] if row.id in direct else None,
            direct[row.id].unread if row.id in direct else 0,
        )
        (partners.setdefault(row.system_name, []) if row.system_name else operators).append(entry)
    return Sidebar(
        list(departments.values()),
        operators,
        all_staff.room["id"] if all_staff else None,
        all_staff.unread if all_staff else 0,
        [PartnerGroup(name, partners[name]) for name in sorted(partners)],
    )
