"""Several processes serve one site: three daphne processes, a Celery worker and beat, one
database and one Redis. What happens through one daphne is seen through the others."""

import re

import pytest
from playwright.sync_api import expect

from internalchat.services import room_department_get_or_create
from tests.browser.pages import log_in_at, outside_the_loop, sign_in
from tests.factories import DepartmentFactory, MembershipFactory, OperatorFactory
from tests.processes import Celery, Server
from widgets import services as widget_services

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
        Server(extra_env=FAST_PRESENCE),
        Celery("worker", extra_env=FAST_PRESENCE),
        Celery("beat", extra_env=FAST_PRESENCE),
    ]
    yield processes
    for process in processes:
        process.stop()


def _people():
    reference = DepartmentFactory(name="Reference", slug="reference")
    alice, bob, carol = (OperatorFactory(display_name=n) for n in ("Alice", "Bob", "Carol"))
    for operator in (alice, bob, carol):
        MembershipFactory(department=reference, operator=operator)
    room_department_get_or_create(department=reference)
    widget = widget_services.widget_create(
        name="Main site", allowed_origins=["http://127.0.0.1:8001"], first_choice=alice
    )
    return alice, bob, carol, widget


def test_three_daphnes_share_presence_messages_and_widget_status(browser, site):
    first, second, third, _worker, _beat = site
    alice, bob, carol, widget = outside_the_loop(_people)
    bob_page = log_in_at(browser.new_context().new_page(), first.url, bob)
    carol_page = log_in_at(browser.new_context().new_page(), second.url, carol)
    widget_page = browser.new_context().new_page()
    widget_page.goto(f"{second.url}/widget/{widget.pk}/")
    widget_status = widget_page.locator("#widget-status-text")
    expect(widget_status).to_have_text("Offline")
    for page in (bob_page, carol_page):
        expect(page.locator("#libchat-global")).to_have_text("LibChat is Offline")

    # Alice signs in through the third daphne: the others' headers and the widget follow.
    alice_page = log_in_at(browser.new_context().new_page(), third.url, alice)
    sign_in(alice_page)
    for page in (bob_page, carol_page):
        expect(page.locator("#libchat-global")).to_have_text("LibChat is Online")
        expect(page.locator(f'[data-presence-operator="{alice.pk}"]').first).to_contain_text(
            "Online"
        )
    expect(widget_status).to_have_text("Online")

    # A message sent through the first daphne reaches a socket on the second.
    carol_page.locator('.room-link[data-room-name="Reference"]').click()
    bob_page.locator('.room-link[data-room-name="Reference"]').click()
    bob_page.get_by_role("textbox", name="Message").fill("Across processes")
    bob_page.get_by_role("button", name="Send Message").click()
    expect(carol_page.locator("#chat-messages")).to_contain_text("Across processes")

    alice_page.get_by_role("button", name=re.compile("Your status")).click()
    alice_page.get_by_role("menuitem", name="Away").click()
    expect(widget_status).to_have_text("Offline")  # Away does not answer patrons
    alice_page.get_by_role("button", name=re.compile("Your status")).click()
    alice_page.get_by_role("menuitem", name="Online").click()
    expect(widget_status).to_have_text("Online")

    # Alice's daphne dies without closing her socket: only the beat job can notice she is gone,
    # and it tells the dashboards on both other daphnes and the widget.
    third.process.kill()
    third.process.wait()
    for page in (bob_page, carol_page):
        expect(page.locator("#libchat-global")).to_have_text("LibChat is Offline", timeout=15000)
    expect(widget_status).to_have_text("Offline")
