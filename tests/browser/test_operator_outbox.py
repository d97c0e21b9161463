"""The operator's reply box keeps what was typed: replies sent while the dashboard's socket is
down wait in an outbox and go once it is back; a half-typed reply survives a reload."""

import pytest
from playwright.sync_api import expect

from internalchat.services import room_department_get_or_create
from tests.browser.desks import reference_widget
from tests.browser.pages import outside_the_loop, settled, sign_in, timed
from tests.factories import MembershipFactory, OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The page's network to LibChat's sockets, cut and restored from the test: open sockets close,
# new ones go to a port where nothing listens until window.__restore().
CUTTABLE_SOCKETS = """
window.__sockets = [];
let cut = false;
window.WebSocket = class extends window.WebSocket {
  constructor(url, ...rest) {
    super(cut ? "ws://127.0.0.1:9/" : url, ...rest);
    window.__sockets.push(this);
  }
};
window.__cut = () => { cut = true; for (const ws of window.__sockets) ws.close(); };
window.__restore = () => { cut = false; };
"""


def reconnected(page) -> None:
    """Restore the page's network; its socket comes back at its next retry, which the backoff
    may have put several seconds away."""
    page.evaluate("window.__restore()")
    expect(page.locator("body")).to_have_attribute("data-socket", "open", timeout=30000)


@pytest.fixture
def claimed(browser, log_in, live_server_daphne):
    """Alice (her page able to lose its sockets) has claimed a patron's chat: her page, the
    chat's pane, the patron's page, the patron's list of messages."""

    def create():
        alice = OperatorFactory(display_name="Alice")
        return alice, reference_widget(alice)

    alice, widget = outside_the_loop(create)
    context = browser.new_context()
    context.add_init_script(CUTTABLE_SOCKETS)
    operator = log_in(context.new_page(), alice)
    sign_in(operator)
    patron = browser.new_context().new_page()
    patron.goto(f"{live_server_daphne.url}/widget/{widget.pk}/")
    patron.get_by_label("Your question").fill("Do you have Middlemarch?")
    patron.get_by_role("button", name="Start Chat").click()
    expect(patron.get_by_text("You are number 1 in line")).to_be_visible()
    operator.get_by_role("button", name="Claim Chat with Patron").click()
    expect(patron.get_by_text("You are chatting with Alice")).to_be_visible()
    pane = operator.get_by_role("article", name="Chat with Patron")
    expect(pane.get_by_label("Reply to Patron")).to_be_visible()
    return operator, pane, patron, patron.get_by_role("list", name="Messages")


def test_replies_sent_while_disconnected_wait_and_reach_the_patron_once_in_order(claimed):
    operator, pane, patron, patron_lines = claimed
    operator.evaluate("window.__cut()")
    expect(operator.locator("body")).to_have_attribute("data-socket", "closed")

    reply = pane.get_by_label("Reply to Patron")
    for text in ("First while away", "Second while away"):
        reply.fill(text)
        reply.press("Enter")
        expect(reply).to_have_text("")
    waiting = pane.get_by_role("list", name="Waiting to send").get_by_role("listitem")
    expect(waiting).to_have_text(
        ["First while away Waiting to send", "Second while away Waiting to send"]
    )

    reconnected(operator)
    expect(waiting).to_have_count(0)
    expect(patron_lines.get_by_role("listitem").filter(has_text="while away")).to_have_text(
        [timed("Alice: First while away"), timed("Alice: Second while away")]
    )
    pane_lines = pane.get_by_role("list", name="Messages").get_by_role("listitem")
    expect(pane_lines.filter(has_text="while away")).to_have_count(2)
    # Nothing more comes: a reconnect resends only what the server never answered.
    operator.evaluate("window.__cut()")
    expect(operator.locator("body")).to_have_attribute("data-socket", "closed")
    reconnected(operator)
    reply.fill("Back for good")
    reply.press("Enter")
    expect(patron_lines).to_contain_text("Alice: Back for good")
    expect(patron_lines.get_by_role("listitem").filter(has_text="while away")).to_have_count(2)


def test_a_half_typed_reply_survives_a_reload_and_goes_once_sent(claimed):
    operator, pane, patron, patron_lines = claimed
    reply = pane.get_by_label("Reply to Patron")
    reply.fill("It is on the shelf, floor")
    operator.reload()
    settled(operator)
    expect(reply).to_have_text("It is on the shelf, floor")

    reply.press("End")
    reply.press_sequentially(" 2.")
    reply.press("Enter")
    expect(patron_lines).to_contain_text("Alice: It is on the shelf, floor 2.")
    operator.reload()
    settled(operator)
    expect(pane.get_by_role("list", name="Messages")).to_contain_text("floor 2.")
    expect(reply).to_have_text("")


def test_internal_chat_keeps_each_rooms_draft_and_sends_what_waited(browser, log_in):
    def create():
        host = MembershipFactory(operator__display_name="Hana", department__name="Reference")
        other = MembershipFactory(department=host.department, operator__display_name="Omar")
        room_department_get_or_create(department=host.department)
        return host.operator, other.operator

    hana, omar = outside_the_loop(create)
    context = browser.new_context()
    context.add_init_script(CUTTABLE_SOCKETS)
    page = log_in(context.new_page(), hana)
    omars = log_in(browser.new_context().new_page(), omar)
    message = page.get_by_role("textbox", name="Message")

    page.locator('.room-link[data-room-name="Reference"]').click()
    message.fill("For Reference, later")
    page.locator('.room-link[data-room-name="Omar"]').click()
    expect(page.locator("#chat-title")).to_have_text("Omar")
    expect(message).to_have_text("")
    page.locator('.room-link[data-room-name="Reference"]').click()
    expect(message).to_have_text("For Reference, later")
    message.fill("")

    page.evaluate("window.__cut()")
    expect(page.locator("body")).to_have_attribute("data-socket", "closed")
    message.fill("Sent while away")
    message.press("Enter")
    waiting = page.get_by_role("list", name="Waiting to send").get_by_role("listitem")
    expect(waiting).to_have_text(["Sent while away Waiting to send"])
    reconnected(page)
    expect(waiting).to_have_count(0)
    omars.locator('.room-link[data-room-name="Reference"]').click()
    expect(omars.locator("#chat-messages").get_by_text("Sent while away")).to_have_count(1)
