"""Two operators at one desk (issue 13): who else is looking at a waiting chat, transfers that
ask the receiver first, and unread counts that outlive a reload."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import screenshot, settled
from tests.browser.test_console import _desk, _operator, _patron, _row, _say

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _waiting_open(page, name):
    page.get_by_role("list", name="Waiting patrons").get_by_role(
        "button", name=name, exact=True
    ).click()
    preview = page.locator("#waiting-preview")
    expect(preview.get_by_role("heading")).to_contain_text(name)
    return preview


def test_two_operators_opening_one_waiting_chat_each_see_the_other_looking(
    browser, log_in, live_server_daphne
):
    alice, bob, widget = _desk("Alice", "Bob")
    alices = _operator(browser, log_in, alice)
    bobs = _operator(browser, log_in, bob)
    _patron(browser, live_server_daphne.url, widget, "Maria", "Where are the city maps?")
    _patron(browser, live_server_daphne.url, widget, "Tom")
    for page in (alices, bobs):
        expect(page.get_by_role("list", name="Waiting patrons").locator("li strong")).to_have_text(
            ["Maria", "Tom"]
        )

    at_alice = _waiting_open(alices, "Maria")
    expect(at_alice).to_contain_text("Where are the city maps?")
    looking_at_alice = at_alice.get_by_role("status").first
    expect(looking_at_alice).to_have_text("")
    at_bob = _waiting_open(bobs, "Maria")
    expect(looking_at_alice).to_have_text("Bob is looking at this chat")
    expect(at_bob.get_by_role("status").first).to_have_text("Alice is looking at this chat")
    screenshot(alices, "console-looking")

    # Bob opens Tom's chat instead: Alice's line goes; Tom's preview names Alice nowhere.
    _waiting_open(bobs, "Tom")
    expect(looking_at_alice).to_have_text("")
    expect(at_bob.get_by_role("status").first).to_have_text("")
    # Back to Maria's, then to an Internal room: looking, then not.
    _waiting_open(bobs, "Maria")
    expect(looking_at_alice).to_have_text("Bob is looking at this chat")
    bobs.get_by_role("list", name="Internal rooms").get_by_role("button", name="All Staff").click()
    expect(looking_at_alice).to_have_text("")
    # Back again, then his tab closes: gone.
    _waiting_open(bobs, "Maria")
    expect(looking_at_alice).to_have_text("Bob is looking at this chat")
    bobs.context.close()
    expect(looking_at_alice).to_have_text("")

    # From the preview, Claim Chat: the chat opens, cursor in its reply box.
    at_alice.get_by_role("button", name="Claim Chat with Maria").click()
    expect(alices.get_by_role("textbox", name="Reply to Maria")).to_be_focused()
    expect(at_alice).to_be_hidden()


def test_a_preview_says_when_another_operator_claims_the_chat(browser, log_in, live_server_daphne):
    alice, bob, widget = _desk("Alice", "Bob")
    alices = _operator(browser, log_in, alice)
    bobs = _operator(browser, log_in, bob)
    _patron(browser, live_server_daphne.url, widget, "Maria")
    at_alice = _waiting_open(alices, "Maria")
    _waiting_open(bobs, "Maria").get_by_role("button", name="Claim Chat with Maria").click()
    expect(at_alice.get_by_text("Bob claimed this chat.")).to_be_visible()
    expect(at_alice.get_by_role("button", name="Claim Chat with Maria")).to_be_hidden()


def test_a_transfer_asks_the_receiver_who_keeps_typing_in_her_own_chat(
    browser, log_in, live_server_daphne
):
    alice, carol, widget = _desk("Alice", "Carol")
    alices = _operator(browser, log_in, alice)
    carols = _operator(browser, log_in, carol)
    maria = _patron(browser, live_server_daphne.url, widget, "Maria", "Where are the city maps?")
    alices.get_by_role("button", name="Claim Chat with Maria").click()
    _patron(browser, live_server_daphne.url, widget, "Tom")
    carols.get_by_role("button", name="Claim Chat with Tom").click()
    to_tom = carols.get_by_role("textbox", name="Reply to Tom")
    expect(to_tom).to_be_focused()
    carols.keyboard.type("The printers are on fl")

    pane = alices.get_by_role("article", name="Chat with Maria")

    def transfer_to_carol(note):
        pane.get_by_text("Transfer", exact=True).click()
        pane.get_by_label("Transfer to").select_option(label="Carol")
        pane.get_by_label("Note for the next operator (optional)").fill(note)
        pane.get_by_role("button", name="Transfer Chat").click()
        expect(pane.locator(".transfer-status")).to_have_text(
            "Waiting for Carol to accept the transfer…"
        )

    transfer_to_carol("Knows the map room")
    offer = carols.get_by_role("listitem", name="Alice offers you Maria's chat")
    expect(offer).to_contain_text("Where are the city maps?")
    expect(offer).to_contain_text("Note: Knows the map room")
    expect(offer).to_contain_text(re.compile(r"\d+ s left to answer"))
    # Her cursor and her words stay in Tom's chat.
    expect(to_tom).to_be_focused()
    carols.keyboard.type("oor 1.")
    expect(to_tom).to_have_text("The printers are on floor 1.")
    carols.keyboard.press("Enter")
    expect(carols.get_by_role("article", name="Chat with Tom")).to_contain_text(
        "Carol: The printers are on floor 1."
    )
    expect(_row(carols, "Maria")).to_have_count(0)
    screenshot(carols, "console-transfer-offer")

    # A reload keeps the offer; Decline, from the keyboard.
    carols.reload()
    settled(carols)
    decline = offer.get_by_role("button", name="Decline Maria's chat from Alice")
    decline.focus()
    carols.keyboard.press("Enter")
    expect(offer).to_have_count(0)
    expect(carols.get_by_text("You declined Maria's chat.")).to_be_visible()
    expect(pane.locator(".transfer-status")).to_have_text("Carol declined the transfer.")
    expect(pane.get_by_role("textbox", name="Reply to Maria")).to_be_visible()
    expect(pane.locator(".patron-record-slot")).to_contain_text(
        "Carol declined the transfer from Alice; Alice kept the chat."
    )
    expect(maria.get_by_text("You are chatting with Alice")).to_be_visible()

    # Alice asks again and thinks better of it: Cancel transfer takes the offer back at once.
    transfer_to_carol("Changed my mind")
    expect(offer).to_contain_text("Note: Changed my mind")
    pane.get_by_role("button", name="Cancel transfer").click()
    expect(offer).to_have_count(0)
    expect(carols.get_by_text("Alice cancelled the transfer of Maria's chat.")).to_be_visible()
    expect(pane.locator(".transfer-status")).to_have_text(
        "You cancelled the transfer to Carol: the chat stays with you."
    )
    expect(pane.get_by_role("button", name="Cancel transfer")).to_be_hidden()
    expect(maria.get_by_text("You are chatting with Alice")).to_be_visible()

    # Asked again, Carol accepts: a transfer as before, and her Accept opens it.
    transfer_to_carol("Second try")
    offer.get_by_role("button", name="Accept Maria's chat from Alice").click()
    expect(carols.get_by_role("textbox", name="Reply to Maria")).to_be_focused()
    expect(pane.locator(".typing")).to_have_text("You transferred the chat to Carol.")
    expect(maria.get_by_text("You are chatting with Carol")).to_be_visible()


def test_unread_counts_outlive_a_reload(browser, log_in, live_server_daphne):
    alice, widget = _desk("Alice")
    alices = _operator(browser, log_in, alice)
    patrons = {}
    for name in ("Bea", "Ada"):
        patrons[name] = _patron(browser, live_server_daphne.url, widget, name)
        alices.get_by_role("button", name=f"Claim Chat with {name}").click()
        expect(alices.get_by_role("textbox", name=f"Reply to {name}")).to_be_focused()
        expect(patrons[name].get_by_text("You are chatting with Alice")).to_be_visible()
    _row(alices, "Bea").get_by_role(
        "button"
    ).click()  # Bea's chat in view (the first, as after a reload)
    expect(alices.get_by_role("textbox", name="Reply to Bea")).to_be_focused()
    _say(patrons["Ada"], "Are you there?")
    _say(patrons["Ada"], "Hello?")
    badge = _row(alices, "Ada").locator(".row-unread")
    expect(badge).to_have_text("2, 2 unread")

    alices.reload()
    settled(alices)
    expect(badge).to_have_text("2, 2 unread")
    expect(_row(alices, "Bea").locator(".row-unread")).to_be_hidden()
    expect(alices).to_have_title("(2) Chats · LibChat")
    _row(alices, "Ada").get_by_role("button").click()
    expect(badge).to_be_hidden()
    alices.reload()
    settled(alices)
    expect(_row(alices, "Ada")).to_have_count(1)
    expect(badge).to_be_hidden()
    expect(alices).to_have_title("Chats · LibChat")


def test_on_a_phone_a_transfer_offer_shows_on_the_chats_button_without_moving_the_cursor(
    browser, log_in, live_server_daphne
):
    # At 390 px the rail, where offers sit, hides behind "Chats (n)": the offer must show there.
    alice, carol, widget = _desk("Alice", "Carol")
    alices = _operator(browser, log_in, alice)
    carols = _operator(browser, log_in, carol, viewport={"width": 390, "height": 844})
    _patron(browser, live_server_daphne.url, widget, "Maria")
    alices.get_by_role("button", name="Claim Chat with Maria").click()
    _patron(browser, live_server_daphne.url, widget, "Tom")
    toggle = carols.locator("#rail-toggle")
    toggle.click()
    carols.get_by_role("button", name="Claim Chat with Tom").click()
    to_tom = carols.get_by_role("textbox", name="Reply to Tom")
    expect(to_tom).to_be_focused()
    expect(toggle).to_have_text("Chats (1)")
    carols.keyboard.type("Floor")

    pane = alices.get_by_role("article", name="Chat with Maria")
    pane.get_by_text("Transfer", exact=True).click()
    pane.get_by_label("Transfer to").select_option(label="Carol")
    pane.get_by_role("button", name="Transfer Chat").click()
    expect(toggle).to_have_text("Chats (2) · 1 transfer for you")
    expect(toggle).to_be_in_viewport()
    expect(to_tom).to_be_focused()
    carols.keyboard.type(" 2.")
    expect(to_tom).to_have_text("Floor 2.")

    toggle.click()
    offer = carols.get_by_role("listitem", name="Alice offers you Maria's chat")
    expect(offer).to_be_in_viewport()
    offer.get_by_role("button", name="Accept Maria's chat from Alice").click()
    expect(carols.get_by_role("textbox", name="Reply to Maria")).to_be_focused()
    expect(toggle).to_have_text("Chats (2)")
