import os
import socket
import subprocess
import sys
import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import log_in_at
from tests.processes import free_port

# Playwright's sync API keeps an event loop running in the test thread, and pytest-django sets
# up and flushes the test database from that thread. Those ORM calls are synchronous code; the
# server under test is a separate daphne process where Django's check stays on.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# How long an expectation waits for what a person would see before it fails: the suite runs two
# browsers and two servers side by side on CI's two cores, where a page can stall for seconds
# while another test's server starts. A passing expectation returns as soon as it holds.
expect.set_options(timeout=10_000)


@pytest.fixture(autouse=True)
def _pages_closed(request):
    """Close every page a test opened when it ends, before its servers stop. Left open, they
    lived on for the whole session in the shared browser, their sockets retrying servers long
    gone: hundreds of renderers by the end, and a two-core machine's tests slowed to a crawl."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    for server in ("live_server_daphne", "sites"):
        if server in request.fixturenames:
            request.getfixturevalue(server)  # set up first, so stopped after the pages close
    yield
    for context in list(browser.contexts):
        context.close()


@pytest.fixture
def log_in(live_server_daphne):
    def log_in(page: Page, operator, path: str = "/dashboard/") -> Page:
        return log_in_at(page, live_server_daphne.url, operator, path)

    return log_in


LIBRARY_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Springfield Public Library</title></head>
<body><main><h1>Springfield Public Library</h1><p>Open 9 to 5.</p>
{body}
</main></body></html>
"""


class StaticSite:
    """A library's site: Python's http.server serving a directory on another port, addressed as
    `localhost` while LibChat is `127.0.0.1`, so the widget's iframe is another site's (a port
    alone does not make one): the browser treats its cookies as third-party ones."""

    def __init__(self, directory):
        self.directory = directory
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(self.port), "--bind", "127.0.0.1",
             "--directory", str(directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("http.server did not start")

    def page(self, name: str, body: str) -> str:
        (self.directory / name).write_text(LIBRARY_PAGE.replace("{body}", body))
        return f"{self.url}/{name}"

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=5)


@pytest.fixture
def sites(tmp_path):
    started = []

    def start():
        directory = tmp_path / f"site{len(started)}"
        directory.mkdir()
        started.append(StaticSite(directory))
        return started[-1]

    yield start
    for site in started:
        site.stop()
