"""The staff dashboard socket: one per tab, carrying presence and every app's live events.

Core actions (pong, set_status) live here; apps add theirs through `libchat.core.live`.
"""

import asyncio
import contextlib
import itertools

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import translation

from accounts import selectors, services
from accounts.heartbeats import heartbeat_batch
from libchat.core import live
from libchat.core.db import database_sync_to_async
from libchat.core.languages import scope_accept_language
from libchat.core.protocol import frame_parse, refusal_as_event
from libchat.core.refusals import Refusal

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_SESSION_ENDED = 4409

_expiring: set[asyncio.Task] = set()  # held here, or the loop could drop them half-way


def _expire_after(grace: float) -> None:
    """Once the reconnect grace of a closed last dashboard is over, make its leaving heard
    (unless a new page of the operator's connected meanwhile). Should this process stop first,
    the beat's presence-expire does it within LIBCHAT_PRESENCE_EXPIRE_SECONDS."""

    async def expire():
        await asyncio.sleep(grace + 0.25)
        await database_sync_to_async(services.connections_expire)()

    task = asyncio.get_running_loop().create_task(expire())
    _expiring.add(task)
    task.add_done_callback(_expiring.discard)


class DashboardConsumer(live.LiveEvents, AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        session_key = getattr(self.scope.get("session"), "session_key", None)
        if user is None or not user.is_authenticated or not session_key:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not user.may_chat:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.operator = user
        # What this socket answers (refusals, confirmations) and the notices it passes on are in
        # the dashboard's language, found as the pages' middleware finds it (an operator who
        # follows their browser reads its language, which only this socket knows).
        self.language = selectors.operator_language(
            operator=user, accept_language=scope_accept_language(self.scope)
        )
        self.browser_key = selectors.browser_key_for(session_key)
        self.joined = {
            services.DASHBOARD_GROUP,
            live.operator_group(user.pk),
            services.browser_group(self.browser_key),
            *await database_sync_to_async(live.groups_for)(user),
        }
        if not await self.groups_enter(self.joined):
            await self.close()
            return
        await self.accept()
        await database_sync_to_async(services.connection_open)(
            operator=user, channel_name=self.channel_name, browser_key=self.browser_key
        )
        await self.send_json({"event": "hello", **await self._state()})
        self.ping_task = asyncio.create_task(self._ping_forever())

    async def disconnect(self, code):
        if not hasattr(self, "ping_task"):
            return
        self.ping_task.cancel()
        heartbeat_batch().discard(self.channel_name)
        await live.run_disconnect_hooks(self)
        for group in self.joined:
            await self.group_leave(group)
        if await database_sync_to_async(services.connection_close)(channel_name=self.channel_name):
            _expire_after(settings.LIBCHAT_RECONNECT_GRACE_SECONDS)

    async def receive(self, text_data=None, bytes_data=None):
        handlers = live.registered_actions()
        frame = None
        # The threads the actions run in inherit the language.
        with translation.override(self.language):
            try:
                action, frame = frame_parse(
                    text_data, allowed_actions={"pong", "set_status", *handlers}
                )
                if action in handlers:
                    await handlers[action](self, frame)
                else:
                    await getattr(self, f"action_{action}")(frame)
            except Refusal as refusal:
                await self.send_json(refusal_as_event(refusal, frame=frame))

    async def action_pong(self, frame):
        # Written with the other sockets' pongs of the next few seconds (accounts.heartbeats).
        heartbeat_batch().add(
            channel_name=self.channel_name, operator=self.operator, browser_key=self.browser_key
        )

    async def action_set_status(self, frame):
        await database_sync_to_async(services.operator_status_set)(
            operator=self.operator, status=str(frame.get("status")), browser_key=self.browser_key
        )

    async def _ping_forever(self):
        # The server pings and the page answers when the frame arrives, so a background tab
        # whose timers the browser throttles still answers on time. Group memberships expire in
        # the channel layer after a day; a tab may stay open longer, so they are renewed hourly.
        pings_per_renewal = max(1, 3600 // settings.LIBCHAT_PING_SECONDS)
        with contextlib.suppress(asyncio.CancelledError):
            for count in itertools.count(1):
                await asyncio.sleep(settings.LIBCHAT_PING_SECONDS)
                await self.send_json({"event": "ping"})
                if count % pings_per_renewal == 0:  # (the process renews its own memberships)
                    for group in self.joined:
                        if not live.heard_per_process(group):
                            await self.channel_layer.group_add(group, self.channel_name)

    @database_sync_to_async
    def _state(self) -> dict:
        header = selectors.header_state(operator=self.operator, browser_key=self.browser_key)
        return {
            "libchat_online": header.libchat_online,
            "me": {
                "id": self.operator.pk,
                "signed_in": header.signed_in,
                "signed_in_here": header.signed_in_here,
                "status": header.status,
            },
        }

    # Messages from the channel layer (frames for the page: `live.LiveEvents`)
    async def groups_join(self, event):
        for group in event["groups"]:
            self.joined.add(group)
            await self.group_join(group)

    async def groups_leave(self, event):
        for group in event["groups"]:
            self.joined.discard(group)
            await self.group_leave(group)

    async def groups_replace(self, event):
        wanted = set(event["groups"])
        held = {group for group in self.joined if group.startswith(event["prefix"])}
        await self.groups_leave({"groups": sorted(held - wanted)})
        await self.groups_join({"groups": sorted(wanted - held)})

    async def presence_changed(self, event):
        operators = event["operators"]
        mine = event.get("session_browsers", {}).get(str(self.operator.pk))
        if mine is not None:
            operators = [
                {**p, "signed_in_here": bool(mine) and mine == self.browser_key}
                if p["id"] == self.operator.pk
                else p
                for p in operators
            ]
        await self.send_json(
            {
                "event": "presence.changed",
                "libchat_online": event["libchat_online"],
                "operators": operators,
            }
        )

    async def session_ended(self, event):
        # A frame queued by an older process has no message: the page uses the reason's words.
        message = event.get("messages", {}).get(self.language, event.get("message", ""))
        await self.send_json(
            {"event": "session.ended", "reason": event["reason"], "message": message}
        )
        await self.close(code=CLOSE_SESSION_ENDED)

    async def connection_expired(self, event):
        await self.close()
