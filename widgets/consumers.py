"""The public widget-status socket: an open widget page hears its widget go online or offline.

No login and nothing to send: patrons only listen. It lives on our own origin (the widget iframe),
so the usual allowed-hosts origin check applies.

A library's site may hold ten thousand of these open on one daphne, so the socket is a plain ASGI
application rather than a Channels consumer: it costs about what a bare socket does, it hears its
widget's group through the process's one membership (`libchat.core.local_groups`), and a warm
state is read from Redis in the event loop, holding no cache connection of its own.
"""

import asyncio
import contextlib
import contextvars
import json

from autobahn.exception import Disconnected

from libchat.core.db import database_sync_to_async
from libchat.core.local_groups import local_groups
from libchat.core.protocol import FrameError, frame_parse, refusal_as_event
from widgets import selectors, services
from widgets.status_api import widget_state_cached

CLOSE_NOT_FOUND = 4404


class StatusPage:
    """One open page: the frames it is sent, and those heard before its socket was accepted
    (held, then sent after the state it was greeted with, so none is lost in between)."""

    __slots__ = ("send", "held")

    def __init__(self, send):
        self.send = send
        self.held: list[str] | None = []

    async def hear(self, text: str) -> None:
        if self.held is not None:
            self.held.append(text)
            return
        # Between the client's close and the `websocket.disconnect` daphne then delivers, daphne
        # refuses a send; the page is gone and leaves when that message arrives.
        with contextlib.suppress(Disconnected):
            await self.send({"type": "websocket.send", "text": text})

    async def heard(self, event: dict) -> None:
        """A frame the widget's group carried (`libchat.core.local_groups`)."""
        await self.hear(event["text"])

    async def greet(self, frame: dict) -> None:
        await self.send({"type": "websocket.accept"})
        held, self.held = self.held, None
        for text in [json.dumps(frame), *held]:
            await self.hear(text)


async def widget_state(widget_id: int):
    found, state = await widget_state_cached(widget_id=widget_id)
    if found:
        return state
    # A miss is computed in a thread, in a context of its own: what Django keeps per context
    # (its cache backend and that backend's Redis connection) then ends with the call rather
    # than stay with the socket for as long as the page is open.
    read = database_sync_to_async(selectors.widget_state_get)(widget_id=widget_id)
    return await asyncio.create_task(read, context=contextvars.Context())


async def widget_status_socket(scope, receive, send):
    widget_id = scope["url_route"]["kwargs"]["widget_id"]
    if (await receive())["type"] != "websocket.connect":
        return
    page, group, groups = StatusPage(send), services.widget_group(widget_id), local_groups()
    # Join before reading, so a flip between the two is heard rather than lost.
    if not await groups.enter(group, page.heard):
        await send({"type": "websocket.close"})
        return
    try:
        state = await widget_state(widget_id)
        if state is None:
            await send({"type": "websocket.close", "code": CLOSE_NOT_FOUND})
            return
        await page.greet(state.as_event())
        while (message := await receive())["type"] == "websocket.receive":
            try:
                frame_parse(message.get("text"), allowed_actions=set())
            except FrameError as error:
                await page.hear(json.dumps(refusal_as_event(error)))
    finally:
        await groups.leave(group, page.heard)
