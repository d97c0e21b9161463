"""Internal chat over the dashboard socket: send, history, read, catch-up after a reconnect."""

from django.utils.translation import gettext

from internalchat import selectors, services
from internalchat.models import ROOM_GROUP_PREFIX
from libchat.core.db import database_sync_to_async
from libchat.core.live import dashboard_action, dashboard_groups, fan_out_per_process
from libchat.core.protocol import FrameError
from libchat.core.ratelimit import operator_message_rate_check

# A message to a room of 200 is one channel-layer message per daphne, handed to its sockets
# there (bench scenario 2), rather than 200 each received on its own.
fan_out_per_process(ROOM_GROUP_PREFIX)


@dashboard_groups
def room_groups(operator) -> list[str]:
    # Only a read on the connect path, which every tab takes at once after a restart. Missing
    # rooms are created by the catch-up the page sends next; creating one joins its members.
    return [room.group for room in selectors.rooms_for(operator=operator)]


def _int(frame: dict, key: str, *, required: bool = True) -> int | None:
    value = frame.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FrameError("bad_frame", gettext('"%(key)s" must be a whole number.') % {"key": key})
    return value


async def _room(consumer, frame: dict):
    room_id = _int(frame, "room_id")
    room = await database_sync_to_async(selectors.room_for_member)(
        operator=consumer.operator, room_id=room_id
    )
    if room is None:
        raise FrameError("forbidden", gettext("You are not a member of that room."))
    return room


@dashboard_action("room.send")
async def room_send(consumer, frame: dict) -> None:
    room_id = _int(frame, "room_id")
    body, client_msg_id = frame.get("body"), frame.get("client_msg_id")
    if not isinstance(body, str) or not isinstance(client_msg_id, str):
        raise FrameError("bad_frame", gettext('"body" and "client_msg_id" must be text.'))
    message = await database_sync_to_async(_room_send)(
        operator=consumer.operator, room_id=room_id, body=body, client_msg_id=client_msg_id
    )
    await consumer.send_json(
        {"event": "room.sent", "client_msg_id": client_msg_id, "message_id": message.pk}
    )


def _room_send(*, operator, room_id: int, body: str, client_msg_id: str):
    # One trip to a database thread for the whole send, and one membership check (the one that
    # loads the room): each trip waits for a thread and then for the event loop (bench 2).
    operator_message_rate_check(operator_id=operator.pk)
    return services.message_send_to(
        room_id=room_id, sender=operator, body=body, client_msg_id=client_msg_id
    )


@dashboard_action("room.history")
async def room_history(consumer, frame: dict) -> None:
    room = await _room(consumer, frame)
    before_id = _int(frame, "before_id", required=False)
    page = await database_sync_to_async(selectors.room_history)(room=room, before_id=before_id)
    await consumer.send_json(
        {
            "event": "room.history",
            "room_id": room.pk,
            "messages": page.messages,
            "has_more": page.has_more,
        }
    )


@dashboard_action("room.read")
async def room_read(consumer, frame: dict) -> None:
    room = await _room(consumer, frame)
    await database_sync_to_async(services.room_mark_read)(
        room=room, operator=consumer.operator, last_id=_int(frame, "last_id")
    )


@dashboard_action("room.catch_up")
async def room_catch_up(consumer, frame: dict) -> None:
    """The client sends the last id it holds per room; it gets what it missed and its badges."""
    rooms = frame.get("rooms") or {}
    if not isinstance(rooms, dict):
        raise FrameError("bad_frame", gettext('"rooms" maps room ids to the last message id held.'))
    try:
        last_ids = {int(room_id): int(last_id) for room_id, last_id in rooms.items()}
    except (TypeError, ValueError) as exc:
        raise FrameError(
            "bad_frame", gettext("Room ids and message ids are whole numbers.")
        ) from exc
    await database_sync_to_async(services.rooms_ensure_for)(operator=consumer.operator)
    messages = await database_sync_to_async(selectors.room_catch_up)(
        operator=consumer.operator, last_ids=last_ids
    )
    counts = await database_sync_to_async(selectors.unread_counts)(operator=consumer.operator)
    await consumer.send_json(
        {
            "event": "room.catch_up",
            "messages": messages,
            "complete": len(messages) < selectors.CATCH_UP_LIMIT,
            "unread": [{"room": c.room, "unread": c.unread} for c in counts],
        }
    )


@dashboard_action("mention.read")
async def mention_read(consumer, frame: dict) -> None:
    """Mark some of the operator's own mentions read; ids of others' mentions change nothing."""
    ids = frame.get("mention_ids")
    if (
        not isinstance(ids, list)
        or not 0 < len(ids) <= 100
        or not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in ids)
    ):
        raise FrameError("bad_frame", gettext('"mention_ids" is a list of up to 100 mention ids.'))
    await database_sync_to_async(services.mention_mark_read)(
        operator=consumer.operator, mention_ids=ids
    )
