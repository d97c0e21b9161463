"""The health check and the production settings check."""

import asyncio
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import websockets
from django.urls import reverse

from tests.factories import WidgetFactory
from tests.processes import Server, subprocess_env

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_healthz_names_each_part_ok(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "database": "ok", "redis": "ok", "channel_layer": "ok",
    }  # fmt: skip


@pytest.mark.django_db
def test_healthz_says_which_part_failed(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["redis"].startswith("failed")
    assert body["database"] == "ok"


@pytest.fixture
def server(transactional_db):
    server = Server()
    yield server
    server.stop()


def test_healthz_answers_at_once_while_a_socket_waits_idle_on_the_same_server(server):
    # A load balancer probes a daphne that holds open widget pages; each socket waits on the
    # channel layer the whole time, and the probe must not wait behind them.
    widget = WidgetFactory()
    socket_url = server.url.replace("http://", "ws://") + f"/ws/widget-status/{widget.pk}/"

    async def probe_with_an_idle_socket_open():
        async with websockets.connect(
            socket_url, additional_headers={"Origin": server.url}
        ) as socket:
            assert json.loads(await socket.recv())["event"] == "widget.status"
            return await asyncio.to_thread(
                urllib.request.urlopen, server.url + reverse("healthz"), timeout=3
            )

    response = asyncio.run(probe_with_an_idle_socket_open())
    assert response.status == 200
    assert json.loads(response.read())["channel_layer"] == "ok"


def test_check_deploy_is_clean_with_the_documented_production_variables():
    env = subprocess_env(
        DEBUG="false",
        SECRET_KEY="x" * 60 + "production-secret-for-the-check-only",
        ALLOWED_HOSTS="chat.library.example",
        DATABASE_URL=os.environ.get("DATABASE_URL", "sqlite:////tmp/libchat-check.sqlite3"),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout, json.dumps(result.stdout)
