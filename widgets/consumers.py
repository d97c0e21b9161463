"""The public widget-status socket: an open widget page hears its widget go online or offline.

No login and nothing to send: patrons only listen. It lives on our own origin (the widget iframe),
so the usual allowed-hosts origin check applies.
"""

import asyncio
import contextlib

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from libchat.core.db import database_sync_to_async
from libchat.core.live import LiveEvents
from libchat.core.protocol import FrameError, frame_parse, refusal_as_event
from widgets import selectors, services

CLOSE_NOT_FOUND = 4404
GROUP_RENEW_SECONDS = 3600


class WidgetStatusConsumer(LiveEvents, AsyncJsonWebsocketConsumer):
    async def connect(self):
        widget_id = self.scope["url_route"]["kwargs"]["widget_id"]
        # Join before reading, so a flip between the two is heard rather than lost.
        self.group = services.widget_group(widget_id)
        if not await self.groups_enter([self.group]):
            await self.close()
            return
        state = await database_sync_to_async(selectors.widget_state_get)(widget_id=widget_id)
        if state is None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.accept()
        await self.send_json(state.as_event())
        self.renewal = asyncio.create_task(self._renew_group())

    async def disconnect(self, code):
        if hasattr(self, "renewal"):
            self.renewal.cancel()
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _renew_group(self):
        # Group memberships expire in the channel layer after a day; a library's public terminal
        # may keep the page open longer.
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                await asyncio.sleep(GROUP_RENEW_SECONDS)
                await self.channel_layer.group_add(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        try:
            frame_parse(text_data, allowed_actions=set())
        except FrameError as error:
            await self.send_json(refusal_as_event(error))

    async def widget_status(self, event):
        # The frame `widgets.services` made (WidgetPublicState.as_event), without the routing.
        await self.send_json({key: value for key, value in event.items() if key != "type"})
