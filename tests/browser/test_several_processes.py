"""Several processes serve one site: two daphne processes, a Celery worker and beat, one database
and one Redis. What happens through one daphne is seen through the other."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import log_in_at
from tests.factories import OperatorFactory
from tests.processes import Celery, Server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAST_PRESENCE = {
    "LIBCHAT_PING_SECONDS": "1",
    "LIBCHAT_ALIVE_SECONDS": "4",
    "LIBCHAT_PRESENCE_EXPIRE_SECONDS": "1",
}


@pytest.fixture
def site():
    processes = [
        Server(extra_env=FAST_PRESENCE),
        Server(extra_env=FAST_PRESENCE),
        Celery("worker", extra_env=FAST_PRESENCE),
        Celery("beat", extra_env=FAST_PRESENCE),
    ]
    yield processes
    for process in processes:
        process.stop()


def test_sign_in_on_one_daphne_shows_on_the_other_and_beat_expires_a_crashed_one(browser, site):
    first, second, _worker, _beat = site
    alice, bob = OperatorFactory(display_name="Alice"), OperatorFactory(display_name="Bob")
    bob_page = log_in_at(browser.new_context().new_page(), second.url, bob)
    alice_page = log_in_at(browser.new_context().new_page(), first.url, alice)
    expect(bob_page.locator("#libchat-global")).to_have_text("LibChat is Offline")

    alice_page.get_by_role("button", name="Sign In").click()
    expect(bob_page.locator("#libchat-global")).to_have_text("LibChat is Online")
    alice_row = bob_page.locator(f'[data-presence-operator="{alice.pk}"]')
    expect(alice_row).to_contain_text("Online")

    alice_page.get_by_role("button", name=re.compile("Your status")).click()
    alice_page.get_by_role("menuitem", name="Internal").click()
    expect(alice_row).to_contain_text("Internal")

    # Alice's daphne dies without closing her socket: only the beat job can notice she is gone.
    first.process.kill()
    first.process.wait()
    expect(bob_page.locator("#libchat-global")).to_have_text("LibChat is Offline", timeout=15000)
    expect(alice_row).to_contain_text("Offline")
