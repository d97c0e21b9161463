"""Patron chats on the dashboard socket: the Waiting list, claim, reply, typing, transfer, end.

Each handler parses the frame, calls a service or selector in a database thread and replies;
a refusal reaches the dashboard socket, which sends it as an error frame with the service's
message ("This chat was taken by X.").
"""

from accounts.selectors import operator_by_id, operator_takes_chats
from chats import groups, selectors, services
from chats.errors import ChatError
from departments.selectors import department_by_id, monitored_department_ids
from libchat.core.db import database_sync_to_async
from libchat.core.live import dashboard_action, dashboard_groups
from libchat.core.protocol import FrameError
from libchat.core.ratelimit import operator_message_rate_check
from widgets.selectors import widget_ids_answerable_by


@dashboard_groups
def chat_queue_groups(operator) -> list[str]:
    """A dashboard hears the queues (new chats, unclaimed alerts) of the widgets and departments
    its operator answers while the operator takes patron chats; `chats.receivers` makes open
    dashboards follow when either changes."""
    if not operator_takes_chats(operator=operator):
        return []
    return [
        *(groups.widget_queue_group(pk) for pk in widget_ids_answerable_by(operator=operator)),
        *(groups.department_queue_group(pk) for pk in monitored_department_ids(operator=operator)),
    ]


def _id(frame: dict, key: str) -> int:
    value = frame.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise FrameError("bad_frame", f'"{key}" must be a number.')
    return value


def _target(frame: dict) -> dict:
    """The operator or department a transfer frame names, as service arguments."""
    if "operator_id" in frame:
        target = {"to_operator": operator_by_id(operator_id=_id(frame, "operator_id"))}
    elif "department_id" in frame:
        target = {"to_department": department_by_id(department_id=_id(frame, "department_id"))}
    else:
        raise FrameError("bad_frame", 'Name an "operator_id" or a "department_id".')
    if None in target.values():
        raise FrameError("not_found", "No such transfer target.")
    return target


@database_sync_to_async
def _run(operator, action: str, frame: dict) -> dict | None:
    if action == "sync":
        return {
            "event": "chat.sync",
            "waiting": selectors.chats_waiting_for(operator=operator),
            "mine": selectors.chats_open_for(operator=operator),
        }
    if action == "targets":
        return {"event": "chat.targets", **selectors.transfer_targets(operator=operator)}
    chat = selectors.chat_for_operator(operator=operator, chat_id=_id(frame, "chat_id"))
    if action == "claim":
        try:
            chat = services.chat_claim(chat=chat, operator=operator)
        except ChatError as error:
            return {"event": "chat.claim_failed", "chat_id": chat.pk, "message": error.message}
        return {
            "event": "chat.opened",
            "chat": {
                **selectors.chat_summary(chat),
                "messages": selectors.chat_messages(chat_id=chat.pk),
            },
        }
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
    elif action == "transfer":
        services.chat_transfer(
            chat=chat, operator=operator, note=str(frame.get("note", "")), **_target(frame)
        )
    return None


def _handler(action: str):
    async def handle(consumer, frame: dict) -> None:
        reply = await _run(consumer.operator, action, frame)
        if reply:
            await consumer.send_json(reply)

    return handle


for _action in ("sync", "targets", "claim", "send", "typing", "end", "transfer"):
    dashboard_action(f"patron.{_action}")(_handler(_action))
