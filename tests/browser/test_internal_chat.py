"""Internal chat as two operators use it, in Chromium against a real daphne."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import outside_the_loop, settled, xss_corpus_send
from tests.factories import (
    DepartmentFactory,
    FaqFactory,
    MembershipFactory,
    MessageFactory,
    OperatorFactory,
)
from tests.internalchat.test_services import PNG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _reference():
    FaqFactory(
        question="When are you open?", answer="Weekdays 9 to 5 (opening hours).",
        link="https://library.example/hours",
    )  # fmt: skip
    FaqFactory(question="Hidden opening hours?", group__public=False)
    department = DepartmentFactory(name="Reference", slug="reference")
    alice = OperatorFactory(display_name="Alice")
    bob = OperatorFactory(display_name="Bob")
    for operator in (alice, bob):
        MembershipFactory(department=department, operator=operator)
    return department, alice, bob


@pytest.fixture
def reference(browser):
    # A new membership is announced to open sockets after commit.
    return outside_the_loop(_reference)


# Records what the page asks of the browser's notifications and sounds.
RECORD_NOTIFICATIONS = """
window.__notifications = [];
window.__beeps = 0;
window.__audioContexts = 0;
window.Notification = class {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title) { window.__notifications.push(title); }
};
window.AudioContext = class {
  constructor() { window.__audioContexts += 1; this.currentTime = 0; this.destination = {}; }
  createOscillator() {
    return { frequency: {}, connect: (to) => to, start() { window.__beeps += 1; }, stop() {} };
  }
  createGain() { return { gain: {}, connect: (to) => to }; }
};
"""


def room_link(page, department):
    return page.locator(f'.room-link[data-department-id="{department.pk}"]')


def test_bold_emoji_and_a_file_reach_the_other_operator_whose_badge_clears(
    browser, log_in, reference, live_server_daphne
):
    department, alice, bob = reference
    bob_context = browser.new_context()
    bob_context.add_init_script(RECORD_NOTIFICATIONS)
    bob_page = log_in(bob_context.new_page(), bob)
    alice_page = log_in(browser.new_context().new_page(), alice)
    badge = room_link(bob_page, department).locator(".badge")
    expect(badge).to_be_hidden()

    room_link(alice_page, department).click()
    expect(alice_page.locator("#chat-title")).to_have_text("Reference")
    editor = alice_page.get_by_role("textbox", name="Message")
    alice_page.get_by_role("button", name="Bold").click()
    editor.press_sequentially("Thorny question")
    editor.press("Enter")
    expect(alice_page.locator("#chat-messages b")).to_have_text("Thorny question")
    announcer = bob_page.locator("#internal-announcer")
    expect(announcer).to_have_text("Alice in Reference: Thorny question")

    alice_page.get_by_role("button", name="Insert an emoji").click()
    emoji = alice_page.locator("emoji-picker").get_by_role("menuitem").first
    emoji.click()
    expect(editor).not_to_be_empty()
    chosen = editor.inner_text().strip()
    alice_page.get_by_role("button", name="Send Message").click()
    expect(alice_page.locator("#chat-messages .body").nth(1)).to_have_text(chosen)

    alice_page.locator("#attach-input").set_input_files(
        {"name": "floor-map.png", "mimeType": "image/png", "buffer": PNG}
    )
    expect(alice_page.locator("#chat-messages .attachment")).to_contain_text("floor-map.png")

    alice_page.get_by_role("button", name="FAQs").click()
    alice_page.get_by_role("searchbox", name="Search FAQs").fill("hours")
    alice_page.get_by_role("button", name="When are you open?").click()
    alice_page.get_by_role("button", name="Send Message").click()
    expect(alice_page.locator("#chat-messages .faq-card")).to_contain_text("9 to 5")

    expect(badge).to_be_visible()
    expect(badge).to_have_attribute("data-unread", "4")
    expect(bob_page).to_have_title("(4) Chats · LibChat")  # the page name stays
    # Bob is not looking at Reference: a desktop notification and a sound for each message.
    assert bob_page.evaluate("window.__notifications") == ["Alice in Reference"] * 4
    assert bob_page.evaluate("window.__beeps") == 4
    assert bob_page.evaluate("window.__audioContexts") == 1  # one for the page, not one a ring

    room_link(bob_page, department).click()
    messages = bob_page.locator("#chat-messages .message")
    expect(messages).to_have_count(4)
    card = messages.nth(3).locator(".faq-card")
    expect(card.locator("b")).to_have_text("When are you open?")
    expect(card.get_by_role("link")).to_have_attribute("href", "https://library.example/hours")
    expect(messages.nth(0).locator("b")).to_have_text("Thorny question")
    expect(messages.nth(1).locator(".body")).to_have_text(chosen)
    expect(messages.nth(2).locator("img.thumb")).to_have_attribute("alt", "floor-map.png")
    expect(badge).to_be_hidden()
    expect(bob_page).to_have_title(re.compile(r"^Chats"))

    # Now Reference is in view: a new message shows and is announced, with no notification.
    alice_page.get_by_role("textbox", name="Message").fill("Thanks!")
    alice_page.get_by_role("textbox", name="Message").press("Enter")
    expect(messages).to_have_count(5)
    expect(announcer).to_have_text("Alice in Reference: Thanks!")
    expect(badge).to_be_hidden()
    assert len(bob_page.evaluate("window.__notifications")) == 4

    bob_page.get_by_role("button", name="Members").click()
    members = bob_page.get_by_role("list", name="Members of Reference")
    expect(members).to_contain_text("Alice")
    expect(members).to_contain_text("Bob")

    href = messages.nth(2).locator("a.attachment").get_attribute("href")
    download = bob_page.request.get(live_server_daphne.url + href)
    assert download.status == 200
    assert download.body() == PNG
    assert download.headers["content-disposition"].startswith("attachment")

    # Bob's own row in the Members list follows his status too.
    bobs_row = members.get_by_role("listitem").filter(has_text="Bob")
    expect(bobs_row).to_contain_text("Offline")
    bob_page.get_by_role("banner").get_by_role(
        "button", name="Sign In"
    ).click()  # a form: the page reloads
    settled(bob_page).get_by_role("button", name="Members").click()
    expect(bobs_row).to_contain_text("Online")
    bob_page.locator("#status-menu-button").click()
    bob_page.get_by_role("menuitem", name="Away").click()
    expect(bobs_row).to_contain_text("Away")  # over the socket, without a reload


def test_120_messages_load_50_at_a_time_until_the_button_disappears(browser, log_in, reference):
    department, alice, bob = reference
    MessageFactory.create_batch(120, room=department.internal_room, sender=alice)
    page = log_in(browser.new_context().new_page(), bob)
    room_link(page, department).click()
    messages = page.locator("#chat-messages .message")
    expect(messages).to_have_count(50)
    expect(messages.last).to_contain_text("Message")
    load_more = page.get_by_role("button", name="Load more history...")
    load_more.click()
    expect(messages).to_have_count(100)
    load_more.click()
    expect(messages).to_have_count(120)
    expect(load_more).to_be_hidden()
    ids = [int(i) for i in messages.evaluate_all("(els) => els.map((e) => e.dataset.messageId)")]
    assert ids == sorted(ids) and len(set(ids)) == 120


def test_the_xss_corpus_sent_through_the_socket_runs_no_script_when_rendered(
    browser, log_in, reference
):
    department, alice, bob = reference
    bob_page = log_in(browser.new_context().new_page(), bob)
    dialogs = []
    bob_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    room_link(bob_page, department).click()
    expect(bob_page.locator("#chat-pane")).to_be_visible()

    alice_page = log_in(browser.new_context().new_page(), alice)
    sent = xss_corpus_send(alice_page, "room.send", room_id=department.internal_room.pk)
    expect(bob_page.locator("#chat-messages .message")).to_have_count(sent, timeout=30_000)
    bob_page.wait_for_timeout(500)  # event handlers and timers would have fired by now
    assert bob_page.evaluate("window.__xss") is None
    bob_page.reload()  # and once more through the history page
    room_link(bob_page, department).click()
    expect(bob_page.locator("#chat-messages .message")).to_have_count(sent)
    bob_page.wait_for_timeout(500)
    assert bob_page.evaluate("window.__xss") is None
    assert dialogs == [], json.dumps(dialogs)


def test_nothing_typed_is_lost_and_the_error_line_tells_the_current_problem(
    browser, log_in, reference
):
    department, alice, _ = reference
    page = log_in(browser.new_context().new_page(), alice)
    room_link(page, department).click()
    expect(page.locator("#chat-title")).to_have_text("Reference")
    editor = page.get_by_role("textbox", name="Message")
    error = page.locator("#chat-error")

    page.locator("#attach-input").set_input_files(
        {"name": "tool.exe", "mimeType": "application/octet-stream", "buffer": b"MZ" + b"\0" * 200}
    )
    expect(error).to_contain_text("tool.exe")
    editor.fill("Hello")  # new input clears the old error
    expect(error).to_be_empty()

    too_long = "x" * 4050
    editor.fill(too_long)
    page.get_by_role("button", name="Send Message").click()
    expect(error).to_have_text("Messages can be 4,000 characters at most; this one has 4,050.")
    expect(editor).to_have_text(too_long)  # kept, to be shortened
    expect(page.locator("#chat-messages .message")).to_have_count(0)

    editor.fill("   ")
    editor.press("Enter")
    expect(error).to_have_text("Type a message first.")

    # Whatever the page misses, a message the server refuses comes back into the editor.
    page.locator("[data-editor]").first.evaluate("(root) => { root.dataset.maxChars = '0'; }")
    editor.fill(too_long)
    editor.press("Enter")
    expect(error).to_have_text("Messages can be 4,000 characters at most; this one has 4,050.")
    expect(editor).to_have_text(too_long)
    page.locator("[data-editor]").first.evaluate("(root) => { root.dataset.maxChars = '4000'; }")

    editor.fill("x" * 4000)
    editor.press("Enter")
    expect(page.locator("#chat-messages .message")).to_have_count(1)
    expect(editor).to_be_empty()
    expect(error).to_be_empty()
