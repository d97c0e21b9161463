"""Shared fixtures: the Redis the suite runs on, a real daphne server, Chromium pages."""

import os

import pytest

from tests.processes import Server


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


def pytest_collection_modifyitems(config, items):
    # Once a browser test ran, Playwright keeps an event loop running in the main thread, where
    # async_to_sync (every broadcast after commit) refuses to run: browser tests go last.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def _clean_redis():
    """Each test starts with an empty cache and channel layer (the suite owns its Redis db)."""
    from channels.layers import channel_layers
    from django.core.cache import cache

    cache._cache.get_client(write=True).flushdb()
    # A channel layer binds its locks to the event loop that used it; each test has its own loop.
    channel_layers.backends.clear()
    yield


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
