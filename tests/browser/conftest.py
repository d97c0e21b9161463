import os

import pytest
from playwright.sync_api import Page

from tests.browser.pages import log_in_at

# Playwright's sync API keeps an event loop running in the test thread, and pytest-django sets
# up and flushes the test database from that thread. Those ORM calls are synchronous code; the
# server under test is a separate daphne process where Django's check stays on.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def log_in(live_server_daphne):
    def log_in(page: Page, operator, path: str = "/dashboard/") -> Page:
        return log_in_at(page, live_server_daphne.url, operator, path)

    return log_in
