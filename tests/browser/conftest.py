import os

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

# Playwright's sync API keeps an event loop running in the test thread, and pytest-django sets
# up and flushes the test database from that thread. Those ORM calls are synchronous code; the
# server under test is a separate daphne process where Django's check stays on.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def log_in(live_server_daphne):
    def log_in(page: Page, operator, path: str = "/dashboard/") -> Page:
        page.goto(f"{live_server_daphne.url}/accounts/login/?next={path}")
        page.get_by_label("Username").fill(operator.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("body")).to_have_attribute("data-socket", "open")
        return page

    return log_in
