"""Shared fixtures: the Redis the suite runs on, every frame sent checked against the event
catalogue, a real daphne server, Chromium pages."""

import json
import os

import pytest

from tests.processes import Server


def pytest_configure(config):
    # Celery tasks (mail) run in place once the service's transaction commits, as the worker
    # would run them; tests that need a real worker start one (tests/processes.py).
    from libchat.celery import app

    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    # Without REDIS_URL the suite runs on the embedded Redis, like `make run` does; under
    # pytest-xdist each worker starts its own (libchat/test_workers.py), the controller none.
    xdist_controller = getattr(config.option, "numprocesses", None) and not hasattr(
        config, "workerinput"
    )
    if "REDIS_URL" not in os.environ and not xdist_controller:
        from django.conf import settings

        from libchat.embedded import redis_start

        config._embedded_redis = redis_start(settings.EMBEDDED_REDIS_SOCKET)


def pytest_collection_modifyitems(config, items):
    # Playwright's sync API keeps an event loop running in the main thread for the rest of the
    # session once a browser test starts, so the async socket tests must all run before it, and
    # so must tests whose broadcasts after commit use async_to_sync, which refuses to run there.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


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


@pytest.fixture(autouse=True)
def event_mismatches(monkeypatch):
    """Every frame a consumer sends in this process is checked against the event catalogue
    (`libchat.core.events`): a test whose consumers send an unknown event, or one without its
    fields, fails. The frames go out all the same, so the test's own asserts run first; the
    list of mismatches is the fixture's value, for the tests of the check itself."""
    from channels.generic.websocket import AsyncJsonWebsocketConsumer

    from libchat.core.events import EventMismatch, event_check
    from libchat.core.live import LiveEvents

    mismatches: list[str] = []

    def check(consumer, frame) -> None:
        try:
            event_check(frame)
        except EventMismatch as mismatch:
            mismatches.append(f"{type(consumer).__name__}: {mismatch}")

    send_json, live_event = AsyncJsonWebsocketConsumer.send_json, LiveEvents.live_event

    async def send_json_checked(self, content, close=False):
        check(self, content)
        await send_json(self, content, close=close)

    async def live_event_checked(self, event):
        check(self, json.loads(event["text"]))
        await live_event(self, event)

    monkeypatch.setattr(AsyncJsonWebsocketConsumer, "send_json", send_json_checked)
    monkeypatch.setattr(LiveEvents, "live_event", live_event_checked)
    yield mismatches
    if mismatches:
        pytest.fail("Frames outside the event catalogue:\n" + "\n".join(mismatches))


@pytest.fixture
def back_to_latest():
    """For tests that migrate the database back: fully migrated again after them, as the
    tests that follow expect it."""
    from tests.migrating import migrate_to_latest

    yield
    migrate_to_latest()


@pytest.fixture
def live_server_daphne(transactional_db, tmp_path):
    """A real daphne on a free port, reading the test database; data must be committed."""
    mail_dir = tmp_path / "mail"
    server = Server(
        extra_env={
            "LIBCHAT_PING_SECONDS": "2",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            "CELERY_TASK_ALWAYS_EAGER": "true",
        }
    )
    server.mail_dir = mail_dir
    yield server
    # At once: its pages are closed, and it would take a few tenths of a second to stop.
    server.kill()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Meetings: fake camera, microphone and screen, granted without a prompt; real local IPs in
    # ICE candidates instead of mDNS names, which this sandbox cannot resolve.
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's chromium, never a downloaded browser. A missing one fails the test, never skips it.
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}
