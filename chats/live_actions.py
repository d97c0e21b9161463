"""Patron chats on the dashboard socket: the Waiting list, looking at a waiting chat, claim,
reply, typing, transfer (to an operator: an offer they accept or decline, or the holder
cancels), end.

Each handler parses the frame, calls a service or selector in a database thread and replies;
a refusal reaches the dashboard socket, which sends it as an error frame with the service's
message ("This chat was taken by X.").
"""

import contextlib
import time

from django.utils.translation import gettext
from redis.exceptions import RedisError

from accounts.selectors import operator_by_id, operator_takes_chats
from chats import groups, selectors, services
from chats.errors import ChatError, ChatInvalid
from departments.selectors import department_by_id, monitored_department_ids
from libchat.core.db import database_sync_to_async
from libchat.core.live import dashboard_action, dashboard_groups, on_dashboard_disconnect
from libchat.core.protocol import FrameError
from libchat.core.ratelimit import operator_message_rate_check
from widgets.selectors import widget_ids_answerable_by, widgets_of_coops_monitored_by


@dashboard_groups
def chat_queue_groups(operator) -> list[str]:
    """A dashboard hears the queues (new chats, unclaimed alerts) of the widgets and departments
    its operator answers while the operator takes patron chats; `chats.receivers` makes open
    dashboards follow when either changes."""
    if not operator_takes_chats(operator=operator):
        return []
    widget_ids = set(widget_ids_answerable_by(operator=operator))
    if operator.monitors_coop:
        coop_widgets = widgets_of_coops_monitored_by(operator=operator)
        widget_ids |= {row["pk"] for row in coop_widgets}
    return [
        *(groups.widget_queue_group(pk) for pk in sorted(widget_ids)),
        *(groups.department_queue_group(pk) for pk in monitored_department_ids(operator=operator)),
    ]


def _id(frame: dict, key: str) -> int:
    value = frame.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise FrameError("bad_frame", gettext('"%(key)s" must be a number.') % {"key": key})
    return value


def _target(frame: dict) -> dict:
    """The operator or department a transfer frame names, as service arguments."""
    if "operator_id" in frame:
        target = {"to_operator": operator_by_id(operator_id=_id(frame, "operator_id"))}
    elif "department_id" in frame:
        target = {"to_department": department_by_id(department_id=_id(frame, "department_id"))}
    else:
        raise FrameError("bad_frame", gettext('Name an "operator_id" or a "department_id".'))
    if None in target.values():
        raise FrameError("not_found", gettext("No such transfer target."))
    return target


def _opened(chat) -> dict:
    return {
        "event": "chat.opened",
        "chat": {
            **selectors.chat_summary(chat),
            "messages": selectors.chat_messages(chat_id=chat.pk),
        },
    }


def _offer_answer(operator, action: str, frame: dict) -> dict | None:
    offer_id = _id(frame, "offer_id")
    if action == "offer_decline":
        services.transfer_offer_decline(offer_id=offer_id, operator=operator)
        return None
    return _opened(services.transfer_offer_accept(offer_id=offer_id, operator=operator))


def _look(operator, channel_name: str, frame: dict) -> None:
    """The socket looks at a waiting chat it may take (`chat_id`), or at none (null)."""
    chat = None
    if frame.get("chat_id") is not None:
        chat = selectors.chat_for_operator(operator=operator, chat_id=_id(frame, "chat_id"))
        if chat.state != chat.State.WAITING or not operator_takes_chats(operator=operator):
            raise ChatInvalid(gettext("This chat is no longer waiting."), chat_id=chat.pk)
    services.chat_look(channel_name=channel_name, operator=operator, chat=chat)


@database_sync_to_async
def _run(operator, action: str, frame: dict) -> dict | None:
    if action == "sync":
        as_of = time.time()  # before the reads: a change after it may be missing from them
        return {
            "event": "chat.sync",
            "as_of": as_of,
            "waiting": selectors.chats_waiting_for(operator=operator),
            "mine": selectors.chats_open_for(operator=operator),
            "offers": selectors.offers_open_for(operator=operator),
        }
    if action == "targets":
        return {"event": "chat.targets", **selectors.transfer_targets(operator=operator)}
    if action in ("offer_accept", "offer_decline"):
        return _offer_answer(operator, action, frame)
    chat = selectors.chat_for_operator(operator=operator, chat_id=_id(frame, "chat_id"))
    if action == "claim":
        try:
            chat = services.chat_claim(chat=chat, operator=operator)
        except ChatError as error:
            return {"event": "chat.claim_failed", "chat_id": chat.pk, "message": error.message}
        return _opened(chat)
    if action == "send":
        operator_message_rate_check(operator_id=operator.pk)
        message = services.message_send(
            chat=chat,
            operator=operator,
            body=str(frame.get("body", "")),
            client_msg_id=str(frame.get("client_msg_id", "")),
        )
        return {
            "event": "chat.sent",
            "chat_id": chat.pk,
            "client_msg_id": message.client_msg_id,
        }
    if action == "typing":
        services.chat_typing(chat=chat, operator=operator)
    elif action == "end":
        services.chat_end(chat=chat, operator=operator, note=str(frame.get("note", "")))
    elif action == "transfer_cancel":
        services.transfer_offer_cancel(chat=chat, operator=operator)
    elif action == "transfer":
        target, note = _target(frame), str(frame.get("note", ""))
        if "to_operator" in target:  # an operator is asked first
            services.transfer_offer_make(chat=chat, operator=operator, note=note, **target)
        else:
            services.chat_transfer(chat=chat, operator=operator, note=note, **target)
    return None


def _handler(action: str):
    async def handle(consumer, frame: dict) -> None:
        reply = await _run(consumer.operator, action, frame)
        if reply:
            await consumer.send_json(reply)

    return handle


_ACTIONS = ("sync", "targets", "claim", "send", "typing", "end", "transfer", "transfer_cancel")
for _action in (*_ACTIONS, "offer_accept", "offer_decline"):
    dashboard_action(f"patron.{_action}")(_handler(_action))


@dashboard_action("patron.look")
async def look(consumer, frame: dict) -> None:
    await database_sync_to_async(_look)(consumer.operator, consumer.channel_name, frame)


@on_dashboard_disconnect
async def look_away(consumer) -> None:
    # With Redis out of reach the socket must still close cleanly (its presence row goes in
    # the hooks' wake); the looker it leaves behind fades by itself (chats.services.lookers).
    with contextlib.suppress(RedisError, OSError):
        await database_sync_to_async(services.chat_look)(
            channel_name=consumer.channel_name, operator=consumer.operator, chat=None
        )
