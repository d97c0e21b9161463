"""`python -m libchat.serve` is daphne whose access log never holds a patron's or guest's secret."""

import asyncio
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import websockets
from django.urls import reverse

from libchat.logs import path_redact
from tests.chats.people import desk, start
from tests.processes import Server


def test_every_path_that_carries_a_secret_is_redacted():
    for path in [
        reverse("chats:file", args=["k3y"]),
        reverse("meetings:join", args=["k3y"]),
        "/ws/widget/k3y/",
        "/ws/meetings/guest/k3y/",
    ]:
        assert "k3y" not in path_redact(f"GET {path}?x=1"), path
    assert path_redact("GET /widget/7/?q=k3y") == "GET /widget/7/?q=k3y"  # nothing secret


@pytest.fixture
def server(transactional_db):
    server = Server()
    yield server
    server.stop()


def test_the_access_log_shows_a_patron_socket_without_its_token(server):
    chat, token = start(desk().widget, name="Ada")
    url = server.url.replace("http://", "ws://") + f"/ws/widget/{token}/"

    async def say_hello():
        async with websockets.connect(url, additional_headers={"Origin": server.url}) as socket:
            return json.loads(await socket.recv())

    assert asyncio.run(say_hello())["event"] == "chat.hello"  # the token really opened the chat
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(server.url + reverse("chats:file", args=["guess" * 8]), timeout=10)

    server.stop()  # flushes the log
    log = Path(server.log.name).read_text()
    assert "WSCONNECT /ws/widget/[secret]/" in log
    assert "GET /widget/files/[secret]/" in log
    assert "Not Found: /widget/files/[secret]/" in log  # Django's own line about the 404
    assert token not in log and "guessguess" not in log
    # Nor the client's address (LIBCHAT_LOG_PATRON_IPS is off): "-" where daphne writes it.
    access = [line for line in log.splitlines() if '] "' in line]
    assert access and all(line.startswith("- - - [") for line in access)
