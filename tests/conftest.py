"""Shared fixtures: the Redis the suite runs on, a real daphne server, Chromium pages."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    # Without REDIS_URL the suite runs on the embedded Redis, like `make run` does.
    if "REDIS_URL" not in os.environ:
        from django.conf import settings

        from libchat.embedded import redis_start

        config._embedded_redis = redis_start(settings.EMBEDDED_REDIS_SOCKET)


def pytest_unconfigure(config):
    process = getattr(config, "_embedded_redis", None)
    if process is not None:
        from libchat.embedded import redis_stop

        redis_stop(process)


@pytest.fixture(autouse=True)
def _clean_redis():
    """Each test starts with an empty cache and channel layer (the suite owns its Redis db)."""
    from channels.layers import channel_layers
    from django.core.cache import cache

    cache._cache.get_client(write=True).flushdb()
    # A channel layer binds its locks to the event loop that used it; each test has its own loop.
    channel_layers.backends.clear()
    yield


def database_url() -> str:
    from django.db import connection

    params = connection.settings_dict
    if params["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{params['NAME']}"
    user = quote(params["USER"] or "")
    password = f":{quote(params['PASSWORD'])}" if params["PASSWORD"] else ""
    host = params["HOST"] or "localhost"
    port = f":{params['PORT']}" if params["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{params['NAME']}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A daphne process serving LibChat on the test database."""

    def __init__(self, extra_env: dict | None = None):
        from django.conf import settings

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "DEBUG": "true",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.log = open(ROOT / "var" / f"daphne-{self.port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
             "libchat.asgi:application"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._wait()

    def _wait(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited: {Path(self.log.name).read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("daphne did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture
def live_server_daphne(transactional_db):
    """A real daphne on a free port, reading the test database; data must be committed."""
    server = Server(extra_env={"LIBCHAT_PING_SECONDS": "2"})
    yield server
    server.stop()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's chromium, never a downloaded browser. A missing one fails the test, never skips it.
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}
