"""Extension points of the staff dashboard socket, so each app adds its own live features.

- `dashboard_action("room.send")` registers an async handler `(consumer, frame) -> None` for a
  client action; only registered actions pass the allowlist. Raise a `Refusal` to refuse: the
  socket sends it as an error frame (`libchat.core.protocol.refusal_as_event`).
- `dashboard_groups` registers a sync function `(operator) -> list[str]` naming the groups a new
  socket joins (run in a database thread at connect).
- `on_dashboard_disconnect` registers an async function `(consumer) -> None` run when a socket
  closes (for example to leave a meeting joined through it).
- `live_send(group, frame)` sends a ready server frame `{"event": ...}` to every socket in a group
  (`live_send_to(channel_name, frame)` to one socket); the frame is encoded to JSON once, and a
  consumer that mixes in `LiveEvents` writes that text as it is;
  `groups_join(operator_id, groups)` / `groups_leave(...)` make an operator's open sockets join or
  leave groups (for example when a room is created); `groups_replace(operator_id, prefix, groups)`
  makes them hold exactly `groups` among those named with `prefix` (for example the chat queues
  after a monitoring change). Call them after commit.
"""

import json
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

ActionHandler = Callable[[Any, dict], Awaitable[None]]
GroupProvider = Callable[[Any], list[str]]

_actions: dict[str, ActionHandler] = {}
_group_providers: list[GroupProvider] = []
_disconnect_hooks: list[Callable[[Any], Awaitable[None]]] = []


def dashboard_action(name: str) -> Callable[[ActionHandler], ActionHandler]:
    def register(handler: ActionHandler) -> ActionHandler:
        if name in _actions:
            raise ValueError(f"dashboard action {name!r} registered twice")
        _actions[name] = handler
        return handler

    return register


def dashboard_groups(provider: GroupProvider) -> GroupProvider:
    _group_providers.append(provider)
    return provider


def on_dashboard_disconnect(hook: Callable[[Any], Awaitable[None]]):
    _disconnect_hooks.append(hook)
    return hook


async def run_disconnect_hooks(consumer) -> None:
    for hook in _disconnect_hooks:
        await hook(consumer)


def registered_actions() -> dict[str, ActionHandler]:
    return _actions


def groups_for(operator) -> list[str]:
    return [group for provider in _group_providers for group in provider(operator)]


def operator_group(operator_id: int) -> str:
    return f"operator.{operator_id}"


def _live_event(frame: dict) -> dict:
    # Encoded here, once, rather than by each of a room's hundreds of receiving consumers.
    return {"type": "live.event", "text": json.dumps(frame)}


def live_send(group: str, frame: dict) -> None:
    async_to_sync(get_channel_layer().group_send)(group, _live_event(frame))


def live_send_to(channel_name: str, frame: dict) -> None:
    async_to_sync(get_channel_layer().send)(channel_name, _live_event(frame))


class LiveEvents:
    """Mixed into a WebSocket consumer: the frames `live_send` addresses to it reach its page."""

    async def live_event(self, event):
        await self.send(text_data=event["text"])


def groups_join(operator_id: int, groups: list[str]) -> None:
    async_to_sync(get_channel_layer().group_send)(
        operator_group(operator_id), {"type": "groups.join", "groups": groups}
    )


def groups_leave(operator_id: int, groups: list[str]) -> None:
    async_to_sync(get_channel_layer().group_send)(
        operator_group(operator_id), {"type": "groups.leave", "groups": groups}
    )


def groups_replace(operator_id: int, prefix: str, groups: list[str]) -> None:
    async_to_sync(get_channel_layer().group_send)(
        operator_group(operator_id),
        {"type": "groups.replace", "prefix": prefix, "groups": groups},
    )
