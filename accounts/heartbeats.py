"""Pongs of this process's dashboard sockets, written to the database together.

An idle server's work was mostly heartbeat writes, one UPDATE and one thread hop per pong
(BENCHMARKS.md, scenario 4). Pongs now wait up to LIBCHAT_HEARTBEAT_FLUSH_SECONDS and are
written by one UPDATE for all of them, so a record is at most one ping interval plus that old
when the next lands, well inside the window in which a connection counts as alive.

Nothing another process needs waits here: a pong not yet written only delays a timestamp, and a
process that dies takes its sockets with it.
"""

import asyncio
import logging
import weakref

from django.conf import settings

from accounts import services
from accounts.models import Operator
from libchat.core.db import database_sync_to_async

logger = logging.getLogger(__name__)


class HeartbeatBatch:
    """The pongs of one event loop (one daphne process) waiting to be written."""

    def __init__(self):
        self.pending: dict[str, tuple[Operator, str]] = {}
        self.closed: set[str] = set()  # sockets that closed while their pongs were being written
        self.flusher: asyncio.Task | None = None

    def add(self, *, channel_name: str, operator: Operator, browser_key: str) -> None:
        self.pending[channel_name] = (operator, browser_key)
        if self.flusher is None or self.flusher.done():
            self.flusher = asyncio.get_running_loop().create_task(self._flush_soon())

    def discard(self, channel_name: str) -> None:
        """The socket closed: its row is deleted, so a waiting pong must not write it again."""
        self.pending.pop(channel_name, None)
        if self.flusher is not None and not self.flusher.done():
            self.closed.add(channel_name)

    async def _flush_soon(self) -> None:
        await asyncio.sleep(settings.LIBCHAT_HEARTBEAT_FLUSH_SECONDS)
        pongs, self.pending = self.pending, {}
        try:
            missing = await database_sync_to_async(services.connections_heartbeat)(pongs=pongs)
            # A record the expiry job removed is made again, unless its socket has closed since
            # (checked here in the event loop, where sockets close).
            for channel_name in missing - self.closed:
                operator, browser_key = pongs[channel_name]
                await database_sync_to_async(services.connection_open)(
                    operator=operator, channel_name=channel_name, browser_key=browser_key
                )
        except Exception:
            # The next pongs try again; until then these connections only look older.
            logger.exception("writing %d heartbeats failed", len(pongs))
        finally:
            self.closed.clear()


_batches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def heartbeat_batch() -> HeartbeatBatch:
    """The batch of the running event loop."""
    loop = asyncio.get_running_loop()
    if loop not in _batches:
        _batches[loop] = HeartbeatBatch()
    return _batches[loop]
