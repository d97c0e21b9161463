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
- `fan_out_per_process(prefix)` makes the groups named with `prefix` heard once per process
  and handed to its sockets there (`libchat.core.local_groups`), for groups that carry only
  `live_send` frames to many sockets at once (an internal chat room of 200).
- A part of a frame made with `in_readers_language(make)` is written out by `make()` once per
  shipped language, and each socket sends its page the frame in its own `language` (an
  operator's choice in Settings, or the browser's the socket opened with): an internal room's
  lines, or a notice to an operator who follows their browser, whose language only their sockets
  know. A frame without one is still encoded once.

The patron's chat socket (`chats.consumers`) is extended the same way, so the apps built on chats
(meetings) add to it without chats knowing them:

- `patron_action("meeting.join")` registers an async handler `(socket, frame) -> dict | None`;
  a returned frame is the reply. Raise a `Refusal` to refuse.
- `on_patron_connect` registers a sync function `(chat) -> dict` whose fields join the `hello`
  frame (run in a database thread at connect; for example a screenshare offer still open).
- `on_patron_disconnect` registers an async function `(socket) -> None` run when it closes.

A name registered twice is refused. Handlers see a socket through the `DashboardSocket` and
`PatronSocket` protocols: what they may read and use of a consumer, and nothing else.
"""

import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Protocol

from asgiref.sync import async_to_sync
from autobahn.exception import Disconnected
from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Model
from django.utils import translation
from django.utils.translation import get_supported_language_variant
from redis.exceptions import RedisError

from libchat.core.languages import shipped_languages
from libchat.core.local_groups import local_groups

# The core imports no app: to it an operator is the user model (accounts.Operator, the
# AUTH_USER_MODEL) and a patron's chat a model (chats.PatronChat).


class Socket(Protocol):
    """Any of our consumers, as a registered handler sees it."""

    channel_name: str
    channel_layer: BaseChannelLayer
    joined: set[str]  # groups joined beyond the socket's own; left when it closes

    async def send_json(self, content: dict, close: bool = False) -> None: ...


class DashboardSocket(Socket, Protocol):
    operator: AbstractBaseUser


class PatronSocket(Socket, Protocol):
    chat: Model


DashboardHandler = Callable[[DashboardSocket, dict], Awaitable[None]]
DashboardHook = Callable[[DashboardSocket], Awaitable[None]]
GroupProvider = Callable[[AbstractBaseUser], list[str]]
PatronHandler = Callable[[PatronSocket, dict], Awaitable[dict | None]]
PatronHook = Callable[[PatronSocket], Awaitable[None]]
HelloProvider = Callable[[Model], dict]

_actions: dict[str, DashboardHandler] = {}
_group_providers: list[GroupProvider] = []
_disconnect_hooks: list[DashboardHook] = []
_patron_actions: dict[str, PatronHandler] = {}
_patron_hello_providers: list[HelloProvider] = []
_patron_disconnect_hooks: list[PatronHook] = []


def _action_register(registry: dict, socket: str, name: str) -> Callable:
    def register(handler):
        if name in registry:
            raise ValueError(f"{socket} action {name!r} registered twice")
        registry[name] = handler
        return handler

    return register


def dashboard_action(name: str) -> Callable[[DashboardHandler], DashboardHandler]:
    return _action_register(_actions, "dashboard", name)


def dashboard_groups(provider: GroupProvider) -> GroupProvider:
    _group_providers.append(provider)
    return provider


def on_dashboard_disconnect(hook: DashboardHook) -> DashboardHook:
    _disconnect_hooks.append(hook)
    return hook


async def run_disconnect_hooks(consumer: DashboardSocket) -> None:
    for hook in _disconnect_hooks:
        await hook(consumer)


def registered_actions() -> dict[str, DashboardHandler]:
    return _actions


def groups_for(operator: AbstractBaseUser) -> list[str]:
    return [group for provider in _group_providers for group in provider(operator)]


def patron_action(name: str) -> Callable[[PatronHandler], PatronHandler]:
    return _action_register(_patron_actions, "patron", name)


def on_patron_connect(provider: HelloProvider) -> HelloProvider:
    _patron_hello_providers.append(provider)
    return provider


def on_patron_disconnect(hook: PatronHook) -> PatronHook:
    _patron_disconnect_hooks.append(hook)
    return hook


def registered_patron_actions() -> dict[str, PatronHandler]:
    return _patron_actions


def patron_hello_fields(chat: Model) -> dict:
    fields: dict = {}
    for provider in _patron_hello_providers:
        fields.update(provider(chat))
    return fields


async def run_patron_disconnect_hooks(socket: PatronSocket) -> None:
    for hook in _patron_disconnect_hooks:
        await hook(socket)


def operator_group(operator_id: int) -> str:
    return f"operator.{operator_id}"


class InReadersLanguage:
    """A part of a frame that each receiving socket's page reads in its own language."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], object]):
        self.make = make


def in_readers_language(make: Callable[[], object]) -> InReadersLanguage:
    return InReadersLanguage(make)


def in_each_language(part: object) -> dict[str, object]:
    """A part written out in every shipped language, for a message that is no live frame (a
    channel-layer event its consumer reads itself): the consumer takes its language's."""
    if not isinstance(part, InReadersLanguage):
        return dict.fromkeys(shipped_languages(), part)
    written = {}
    for code in shipped_languages():
        with translation.override(code):
            written[code] = part.make()
    return written


def _encoded(frame: dict, language: str) -> tuple[str, bool]:
    """The frame as JSON in one language, and whether any part of it depends on the language."""
    found = False

    def write_out(part):
        nonlocal found
        if isinstance(part, InReadersLanguage):
            found = True
            return part.make()
        raise TypeError(f"{type(part).__name__} is not JSON serializable")

    with translation.override(language):
        return json.dumps(frame, default=write_out), found


def frame_text(frame: dict, language: str) -> str:
    """The frame as a socket speaking `language` sends it."""
    return _encoded(frame, language)[0]


def _live_event(frame: dict) -> dict:
    # Encoded here, once per language at most, rather than by each of a room's hundreds of
    # receiving consumers.
    site = get_supported_language_variant(settings.LANGUAGE_CODE)  # "en-us" is written "en"
    text, per_language = _encoded(frame, site)
    event = {"type": "live.event", "text": text}
    if per_language:
        event["texts"] = {
            code: _encoded(frame, code)[0] for code in shipped_languages() if code != site
        }
    return event


def live_send(group: str, frame: dict) -> None:
    async_to_sync(get_channel_layer().group_send)(group, _live_event(frame))


def live_send_to(channel_name: str, frame: dict) -> None:
    async_to_sync(get_channel_layer().send)(channel_name, _live_event(frame))


_PER_PROCESS_PREFIXES: set[str] = set()


def fan_out_per_process(prefix: str) -> None:
    """Sockets join the groups named with `prefix` through their process's one membership: a
    frame to the group is one channel-layer message per process instead of one per socket.
    Only for groups `live_send` alone sends to (other messages would not reach the sockets)."""
    _PER_PROCESS_PREFIXES.add(prefix)


def heard_per_process(group: str) -> bool:
    return group.startswith(tuple(_PER_PROCESS_PREFIXES))


class LiveEvents:
    """Mixed into every WebSocket consumer: the frames `live_send` addresses to it reach its page,
    and a frame sent just after the client closed is dropped rather than end the consumer."""

    async def live_event(self, event):
        # A frame written out per language is sent in this socket's (the site's if it has none).
        text = event.get("texts", {}).get(getattr(self, "language", None), event["text"])
        await self.send(text_data=text)

    async def __call__(self, scope, receive, send):
        # Between the client's close and the `websocket.disconnect` daphne then delivers, daphne
        # refuses a send ("Attempt to send on a closed protocol"). Raised, it would end the
        # consumer before `disconnect()` ran, leaving its connection row and groups behind.
        async def send_unless_closed(message):
            with contextlib.suppress(Disconnected):
                await send(message)

        await super().__call__(scope, receive, send_unless_closed)

    async def groups_enter(self, groups: set[str] | list[str]) -> bool:
        """Join every group, before `accept`: False (and none joined) when the channel layer is
        down, so the consumer refuses the handshake instead of accepting a socket that cannot
        hear anything. A page that never saw its socket open keeps backing off (socket.js); one
        accepted, then closed 1011 a moment later, would come back at once, every second."""
        joined = []
        try:
            for group in groups:
                await self.group_join(group)
                joined.append(group)
        except (RedisError, OSError):
            for group in joined:
                with contextlib.suppress(RedisError, OSError):
                    await self.group_leave(group)
            return False
        return True

    async def group_join(self, group: str) -> None:
        """Join one group: with this socket's channel, or through the process's membership
        (`fan_out_per_process`). Raises RedisError or OSError when the channel layer is down."""
        if not heard_per_process(group):
            await self.channel_layer.group_add(group, self.channel_name)
        elif not await local_groups().enter(group, self.live_event):
            raise OSError(f"the channel layer refused {group}")

    async def group_leave(self, group: str) -> None:
        if heard_per_process(group):
            await local_groups().leave(group, self.live_event)
        else:
            await self.channel_layer.group_discard(group, self.channel_name)


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
