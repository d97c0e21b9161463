"""Groups heard once per process: for sockets that only ever listen, by the thousand.

An open widget page listens for its widget's status and says nothing; a library's site may hold
ten thousand of them open on one daphne. As a Channels consumer each would keep a channel of its
own: a channel-layer receive waiting (two tasks and a queue), an entry in the group's sorted set
in Redis, its name in every message sent to the group, and a dispatch through Django's
`close_old_connections` in the one shared sync thread for each frame it hears. Here the process
joins each group once, with one channel, and hands every frame to its sockets itself; a socket
costs an entry in a set.

- `await local_groups().enter(group, listener)` before the socket reads the state the group
  announces changes of, so a change between the two is heard: False (nothing joined) when the
  channel layer is down, and the socket should refuse its handshake;
- `await local_groups().leave(group, listener)` when it closes.

A listener is an async function called with each frame's `live.event` message (its `text`
encoded once). Frames reach the group as `libchat.core.live.live_send` sends them. Dashboards
hear their internal chat rooms this way too (`libchat.core.live.fan_out_per_process`): a
message to a room of 200 is one channel-layer message per process, not 200. Memberships are renewed
every hour, as the channel layer forgets them after a day (a library's public terminal keeps
the page open longer), and again after the channel layer failed.
"""

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Awaitable, Callable

from channels.layers import get_channel_layer
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

Listener = Callable[[dict], Awaitable[None]]

RENEW_SECONDS = 3600
RETRY_SECONDS = 1
# A frame goes to this many sockets between turns of the event loop, so a group of ten thousand
# does not hold up everything else the process is doing, and so the frames already handed out
# leave: daphne's transport only writes to a socket on the loop's next turn, and a room of 200
# written all at once after the last hand-out waited on the slowest (bench scenario 2). A small
# batch lets the first readers parse while the rest are handed out.
SENDS_PER_TURN = 25


class LocalGroups:
    """The groups this event loop's sockets listen to, each joined with a channel of its own."""

    def __init__(self):
        self.layer = get_channel_layer()
        self.listeners: dict[str, set[Listener]] = {}
        self.channels: dict[str, str] = {}
        self.receivers: dict[str, asyncio.Task] = {}
        self.renewal: asyncio.Task | None = None
        # Joining and leaving a group take turns: a leave's discard must not land after the join
        # of the next socket for the same group.
        self.changing = asyncio.Lock()

    async def enter(self, group: str, listener: Listener) -> bool:
        listeners = self.listeners.get(group)
        if listeners is not None:  # joined already: no round trip to Redis
            listeners.add(listener)
            return True
        async with self.changing:
            if group not in self.listeners:
                channel = await self.layer.new_channel()
                try:
                    await self.layer.group_add(group, channel)
                except (RedisError, OSError):
                    return False
                self.listeners[group], self.channels[group] = set(), channel
                self.receivers[group] = asyncio.create_task(self._receive(group, channel))
                if self.renewal is None:
                    self.renewal = asyncio.create_task(self._renew())
            self.listeners[group].add(listener)
        return True

    async def leave(self, group: str, listener: Listener) -> None:
        listeners = self.listeners.get(group)
        if listeners is None:
            return
        listeners.discard(listener)
        if listeners:
            return
        async with self.changing:
            if self.listeners.get(group):  # someone came back meanwhile
                return
            del self.listeners[group]
            channel = self.channels.pop(group)
            self.receivers.pop(group).cancel()
            if not self.listeners and self.renewal is not None:
                self.renewal.cancel()
                self.renewal = None
            with contextlib.suppress(RedisError, OSError):
                await self.layer.group_discard(group, channel)

    async def _receive(self, group: str, channel: str) -> None:
        while True:
            try:
                message = await self.layer.receive(channel)
            except Exception:
                logger.warning("local group %s: the channel layer failed; retrying", group)
                await asyncio.sleep(RETRY_SECONDS)
                # Redis may have restarted empty: join again rather than wait for the renewal.
                with contextlib.suppress(RedisError, OSError):
                    await self.layer.group_add(group, channel)
                continue
            if message.get("type") != "live.event":
                logger.warning("local group %s: %r is no live event", group, message.get("type"))
                continue
            await self._hand_out(group, message)

    async def _hand_out(self, group: str, message: dict) -> None:
        for count, listener in enumerate(list(self.listeners.get(group, ())), start=1):
            try:
                await listener(message)
            except Exception:  # one socket's failure is not its neighbours'
                logger.exception("local group %s: a listener failed", group)
            if count % SENDS_PER_TURN == 0:
                await asyncio.sleep(0)

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            for group, channel in list(self.channels.items()):
                with contextlib.suppress(RedisError, OSError):
                    await self.layer.group_add(group, channel)


_by_loop: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def local_groups() -> LocalGroups:
    """This event loop's groups (a channel layer's connections belong to one loop)."""
    loop = asyncio.get_running_loop()
    if loop not in _by_loop:
        _by_loop[loop] = LocalGroups()
    return _by_loop[loop]
