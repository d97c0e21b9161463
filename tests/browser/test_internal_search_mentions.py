"""Searching internal chat history and @mentions, as two operators use them, in Chromium
against a real daphne. Both use the Internal tab (the same section as on the Chats tab)."""

import pytest
from playwright.sync_api import expect

from tests.browser.pages import outside_the_loop
from tests.browser.test_internal_chat import RECORD_NOTIFICATIONS
from tests.factories import DepartmentFactory, MembershipFactory, MessageFactory, OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INTERNAL = "/dashboard/internal/"


def _two_departments():
    reference = DepartmentFactory(name="Reference", slug="reference")
    systems = DepartmentFactory(name="Systems", slug="systems")
    alice = OperatorFactory(display_name="Alice Archer", show_internal_tab=True)
    bob = OperatorFactory(display_name="Bob Binder", show_internal_tab=True)
    carol = OperatorFactory(display_name="Carol Cole", show_internal_tab=True)
    for operator in (alice, bob, carol):
        MembershipFactory(department=reference, operator=operator)
    MembershipFactory(department=systems, operator=alice)
    # Bob is in Systems but does not monitor it: it is not in his lists.
    MembershipFactory(department=systems, operator=bob, monitoring=False)
    return reference, systems, alice, bob


def test_typeahead_mention_notifies_the_other_operator_who_opens_it_from_mentions(browser, log_in):
    _, systems, alice, bob = outside_the_loop(_two_departments)
    bob_context = browser.new_context()
    bob_context.add_init_script(RECORD_NOTIFICATIONS)
    bob_page = log_in(bob_context.new_page(), bob, INTERNAL)
    expect(bob_page.locator(f'.room-link[data-department-id="{systems.pk}"]')).to_have_count(0)
    alice_page = log_in(browser.new_context().new_page(), alice, INTERNAL)

    alice_page.locator(f'.room-link[data-department-id="{systems.pk}"]').click()
    expect(alice_page.locator("#chat-title")).to_have_text("Systems")
    editor = alice_page.get_by_role("textbox", name="Message")
    editor.press_sequentially("The server @")
    suggestions = alice_page.get_by_role("listbox", name="People to mention")
    options = suggestions.get_by_role("option")
    # The department first, then its members.
    expect(options).to_have_text(
        ["@Systems (everyone in the department)", "@Alice Archer", "@Bob Binder"]
    )
    editor.press_sequentially("b")
    expect(options).to_have_text(["@Bob Binder"])
    editor.press("Escape")  # closes the list and keeps the text
    expect(suggestions).to_be_hidden()
    expect(editor).to_have_text("The server @b")
    editor.press("Backspace")
    expect(options).to_have_count(3)
    # Arrows move, Enter picks.
    editor.press("ArrowDown")
    editor.press("ArrowDown")
    expect(options.nth(2)).to_have_attribute("aria-selected", "true")
    editor.press("Enter")
    expect(suggestions).to_be_hidden()
    expect(editor.locator(".mention")).to_have_text("@Bob Binder")
    editor.press_sequentially("is down")
    editor.press("Enter")
    sent = alice_page.locator("#chat-messages .message").last
    expect(sent.locator(".mention")).to_have_text("@Bob Binder")

    # Bob hears of it although Systems is not among his lists, and sees it in Mentions.
    mention = bob_page.locator("#mentions-list .mention-link")
    expect(mention).to_have_count(1)
    expect(mention).to_contain_text("Alice Archer in Systems")
    expect(mention).to_have_class("mention-link unread")
    expect(bob_page.locator("#mentions-badge")).to_have_text("1, 1 unread")
    bob_page.wait_for_function(
        "window.__notifications.includes('Alice Archer mentioned you in Systems')"
    )
    assert bob_page.evaluate("window.__beeps") >= 1
    assert bob_page.evaluate("window.__notifications.length") == 1  # not also as a message

    mention.click()
    expect(bob_page.locator("#chat-title")).to_have_text("Systems")
    found = bob_page.locator("#chat-messages .message.found")
    expect(found.locator(".mention.me")).to_have_text("@Bob Binder")
    expect(found.locator(".body")).to_have_text("The server @Bob Binder is down")
    expect(mention).to_have_class("mention-link")
    expect(bob_page.locator("#mentions-badge")).to_be_hidden()
    bob_page.reload()
    expect(bob_page.locator("#mentions-list .mention-link")).to_have_class("mention-link")


def _history(room, sender, total, needle_at):
    for i in range(total):
        body = f"Message {i}" if i != needle_at else "The <b>microfilm</b> reader jams again"
        MessageFactory(room=room, sender=sender, body=body)


def test_search_finds_highlights_and_opens_the_room_at_the_message(browser, log_in):
    reference, _, alice, bob = outside_the_loop(_two_departments)
    room = reference.internal_room
    outside_the_loop(_history, room, bob, 160, needle_at=60)
    outside_the_loop(
        MessageFactory,
        room=room,
        sender=bob,
        body="&lt;img src=x onerror=window.__xss=1&gt; microfilm",
    )
    page = log_in(browser.new_context().new_page(), alice, INTERNAL)

    search = page.get_by_role("searchbox", name="Search messages")
    search.fill("-microfilm")
    search.press("Enter")
    expect(page.locator("#internal-search-status")).to_contain_text("Add a word to look for")
    search.fill('"microfilm reader"')
    search.press("Enter")
    results = page.locator("#internal-search-list li")
    expect(results).to_have_count(1)
    # FTS5 marks the phrase, PostgreSQL each of its words.
    expect(results.locator("mark").first).to_contain_text("microfilm")
    expect(results.locator("mark").last).to_contain_text("reader")
    expect(results).to_contain_text("Bob Binder in Reference")
    search.fill("microfilm")
    search.press("Enter")
    expect(results).to_have_count(2)
    assert page.evaluate("window.__xss") is None
    # Newest first, the markup typed shown as text.
    expect(results.first).to_contain_text("onerror=window.__xss=1>")
    expect(results.first.locator("img")).to_have_count(0)

    results.nth(1).get_by_role("button").click()
    expect(page.locator("#chat-title")).to_have_text("Reference")
    found = page.locator("#chat-messages .message.found")
    expect(found).to_contain_text("The microfilm reader jams again")
    expect(found).to_be_in_viewport()
    shown = page.locator("#chat-messages .message")
    expect(shown).to_have_count(51)
    expect(shown.first).to_contain_text("Message 35")
    page.get_by_role("button", name="Load more history...").click()
    expect(shown.first).to_contain_text("Message 0")
    expect(page.get_by_role("button", name="Load more history...")).to_be_hidden()
    newer = page.get_by_role("button", name="Load newer messages...")
    newer.click()
    expect(shown.last).to_contain_text("Message 135")
    newer.click()
    expect(shown.last).to_contain_text("onerror")
    expect(newer).to_be_hidden()
    expect(shown).to_have_count(161)
