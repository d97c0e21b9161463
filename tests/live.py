"""Helpers for socket tests: a logged-in WebsocketCommunicator on the real ASGI application."""

import asyncio
import json

from autobahn.exception import Disconnected
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from libchat.asgi import application
from libchat.core.live import frame_text

ORIGIN = b"http://localhost"


@database_sync_to_async
def login_cookie(operator) -> str:
    client = Client()
    client.force_login(operator)
    return client.cookies["sessionid"].value


class ClosingServer:
    """The application as daphne serves it when a client closes: from the close until daphne
    delivers `websocket.disconnect`, a frame the application sends is refused with autobahn's
    `Disconnected`. Set `closed` when the client closes; `refused` is set by the first refusal."""

    def __init__(self, app=application):
        self.app = app
        self.closed = False
        self.refused = asyncio.Event()

    async def __call__(self, scope, receive, send):
        async def send_unless_closed(message):
            if self.closed and message["type"] == "websocket.send":
                self.refused.set()
                raise Disconnected("Attempt to send on a closed protocol")
            await send(message)

        await self.app(scope, receive, send_unless_closed)


async def dashboard_socket(
    operator=None,
    *,
    session_key=None,
    origin=ORIGIN,
    path="/ws/dashboard/",
    app=application,
    accept_language="",
):
    """Connect a dashboard socket; returns (communicator, connected, hello-or-close-code)."""
    headers = [(b"origin", origin)] if origin else []
    if accept_language:
        headers.append((b"accept-language", accept_language.encode()))
    if operator is not None or session_key is not None:
        key = session_key or await login_cookie(operator)
        headers.append((b"cookie", f"sessionid={key}".encode()))
    communicator = WebsocketCommunicator(app, path, headers=headers)
    connected, code = await communicator.connect()
    if not connected:
        return communicator, False, code
    hello = await communicator.receive_json_from(timeout=5)
    return communicator, True, hello


async def events_until_quiet(communicator, quiet: float = 0.5) -> list[str]:
    """The event types of the frames received until none arrives for `quiet` seconds."""
    events = []
    while not await communicator.receive_nothing(timeout=quiet):
        events.append((await communicator.receive_json_from())["event"])
    return events


async def receive_event(communicator, event: str, timeout: float = 5):
    """The next frame of this event type, skipping the others (pings, presence, ...)."""
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame.get("event") == event:
            return frame


async def receive_close(communicator, timeout: float = 5) -> dict:
    """Skip the frames still queued and return the close message."""
    while True:
        output = await communicator.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output


def as_read(frame: dict, language: str = "en") -> dict:
    """A frame given to `live_send` as a socket speaking `language` sends it to its page."""
    return json.loads(frame_text(frame, language))
