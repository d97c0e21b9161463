"""The operator console of the Chats tab: one screen for a busy reference desk (issue 13)."""

import re

import pytest
from playwright.sync_api import expect

from accounts.services import libchat_sign_out
from chats.models import PatronChat
from internalchat import services as internal
from tests.browser.desks import library_desk, reference_widget
from tests.browser.pages import outside_the_loop, screenshot, sign_in
from tests.factories import OperatorFactory
from widgets import selectors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


RECORD_SOUNDS = """
window.__sounds = 0;
window.AudioContext = class {
  constructor() { this.currentTime = 0; this.destination = {}; }
  createOscillator() {
    return { frequency: {}, connect: (to) => to, start() { window.__sounds += 1; }, stop() {} };
  }
  createGain() { return { gain: {}, connect: (to) => to }; }
};
"""


def _desk(*names: str, **widget_options):
    def create():
        operators = [OperatorFactory(display_name=name) for name in names]
        return (*operators, reference_widget(*operators, **widget_options))

    return outside_the_loop(create)


def _online(page):
    sign_in(page)
    return page


def _operator(browser, log_in, operator, *, viewport=None, init_script=""):
    context = browser.new_context(viewport=viewport or {"width": 1366, "height": 768})
    if init_script:
        context.add_init_script(init_script)
    return _online(log_in(context.new_page(), operator))


def _patron(browser, base_url, widget, name, question=None):
    """A patron who started a chat on the widget's own page; their page."""
    patron = browser.new_context().new_page()
    patron.goto(f"{base_url}/widget/{widget.pk}/")
    # The page's modules ran (its status socket is open), and the widget is online once the
    # operators' sign-in reached its status (at once, or pushed live).
    expect(patron.locator("body")).to_have_attribute("data-socket", "open")
    expect(patron.locator("body")).to_have_attribute("data-online", "true")
    patron.get_by_label("Your name (optional)").fill(name)
    patron.get_by_label("Your question").fill(question or f"{name} asks: do you have Middlemarch?")
    patron.get_by_role("button", name="Start Chat").click()
    expect(patron.locator("#patron-status")).to_contain_text("in line")
    return patron


def _say(patron, text):
    patron.get_by_label("Your message").fill(text)
    patron.get_by_label("Your message").press("Enter")


def _row(page, name):
    return page.locator("#my-chat-list li").filter(has=page.locator(".row-name", has_text=name))


def _fits_one_screen(page):
    return page.evaluate("() => document.scrollingElement.scrollHeight <= window.innerHeight")


def test_the_console_fits_one_screen_with_three_chats_and_the_internal_rail(
    browser, log_in, live_server_daphne
):
    alice, bob, widget = _desk("Alice", "Bob")
    alices = _operator(browser, log_in, alice)
    patrons = {}
    for name in ("Ada", "Bea", "Cy"):
        patrons[name] = _patron(browser, live_server_daphne.url, widget, name)
        alices.get_by_role("button", name=f"Claim Chat with {name}").click()
        expect(alices.get_by_role("article", name=f"Chat with {name}")).to_be_visible()
    for n in range(12):
        _say(patrons["Cy"], f"Line {n} of a long question about interlibrary loans and renewals.")
    _patron(browser, live_server_daphne.url, widget, "Dee")
    expect(alices.get_by_role("list", name="Waiting patrons")).to_contain_text("Dee")

    pane = alices.get_by_role("article", name="Chat with Cy")
    expect(pane.locator(".chat-messages li.from-patron")).to_have_count(12)
    expect(alices.locator("#my-chat-list li")).to_have_count(3)
    expect(alices.get_by_role("list", name="Internal rooms")).to_contain_text("Reference")
    expect(alices.get_by_role("list", name="Internal rooms")).to_contain_text("All Staff")
    # The rail, the conversation with its reply box, and the patron panel side by side.
    rail = alices.locator("#rail").bounding_box()
    talk = pane.locator(".conversation").bounding_box()
    panel = pane.get_by_role("complementary", name="About Cy").bounding_box()
    assert rail["x"] + rail["width"] <= talk["x"] <= talk["x"] + talk["width"] <= panel["x"]
    reply = pane.get_by_role("textbox", name="Reply to Cy")
    expect(reply).to_be_in_viewport()
    expect(pane.get_by_role("button", name="Send Message")).to_be_in_viewport()
    expect(pane.locator(".chat-messages li").last).to_be_in_viewport()
    # The server's record of the chat fills the rest of the panel.
    expect(pane.locator(".patron-record-slot .patron-record")).to_have_count(1)
    expect(pane.locator(".patron-record dd.operators")).to_have_text("Alice")
    expect(pane.get_by_role("complementary", name="About Cy")).to_contain_text("Main site")
    screenshot(alices, "console-1366x768")
    assert _fits_one_screen(alices)

    alices.set_viewport_size({"width": 1920, "height": 1080})
    expect(reply).to_be_in_viewport()
    screenshot(alices, "console-1920x1080")
    assert _fits_one_screen(alices)

    # The Internal rail opens a room in the middle, and the chats stay a click away.
    alices.get_by_role("list", name="Internal rooms").get_by_role(
        "button", name="Reference"
    ).click()
    expect(alices.locator("#chat-title")).to_have_text("Reference")
    expect(pane).to_be_hidden()
    assert _fits_one_screen(alices)
    _row(alices, "Cy").get_by_role("button").click()
    expect(pane).to_be_visible()
    expect(reply).to_be_focused()


def test_a_background_patron_message_raises_its_rows_unread_the_title_and_rings(
    browser, log_in, live_server_daphne
):
    alice, bob, widget = _desk("Alice", "Bob")
    alices = _operator(browser, log_in, alice, init_script=RECORD_SOUNDS)
    ada = _patron(browser, live_server_daphne.url, widget, "Ada")
    alices.get_by_role("button", name="Claim Chat with Ada").click()
    bea = _patron(browser, live_server_daphne.url, widget, "Bea")
    alices.get_by_role("button", name="Claim Chat with Bea").click()
    expect(alices.get_by_role("textbox", name="Reply to Bea")).to_be_focused()
    expect(alices).to_have_title("Chats · LibChat")
    sounds = alices.evaluate("() => window.__sounds")

    _say(ada, "Is Middlemarch on the shelf?")  # Ada's chat is not the one in view
    _say(ada, "Or out on loan?")
    badge = _row(alices, "Ada").locator(".row-unread")
    expect(badge).to_have_text("2, 2 unread")
    expect(alices).to_have_title("(2) Chats · LibChat")
    expect(_row(alices, "Ada").locator(".row-time")).to_have_text(re.compile(r"\d?\d:\d\d"))
    assert alices.evaluate("() => window.__sounds") > sounds
    _say(bea, "Thanks!")  # in view: no count
    expect(alices.get_by_role("article", name="Chat with Bea")).to_contain_text("Bea: Thanks!")
    expect(_row(alices, "Bea").locator(".row-unread")).to_be_hidden()

    # Internal messages count in the same title.
    def bob_says():
        room = internal.room_department_get_or_create(department=widget.first_department)
        internal.message_send(room=room, sender=bob, body="Busy desk?", client_msg_id="b1")

    outside_the_loop(bob_says)
    expect(alices).to_have_title("(3) Chats · LibChat")
    rooms = alices.get_by_role("list", name="Internal rooms")
    expect(rooms.get_by_role("button", name="Reference")).to_contain_text("1, 1 unread")

    # The patron typing and leaving show on the row too.
    ada.get_by_label("Your message").press_sequentially("And also", delay=400)  # a person typing
    expect(alices.locator("#my-chats .typing").filter(has_text="Ada is typing")).to_have_count(1)
    expect(_row(alices, "Ada").locator(".row-state")).to_have_text("typing…")
    _row(alices, "Ada").get_by_role("button").click()
    expect(badge).to_be_hidden()
    expect(alices).to_have_title("(1) Chats · LibChat")
    expect(alices.get_by_role("textbox", name="Reply to Ada")).to_be_focused()
    ada.close()
    expect(_row(alices, "Ada").locator(".row-state")).to_have_text("left")


def test_keyboard_alone_moves_between_chats_and_claims_the_next_waiting(
    browser, log_in, live_server_daphne
):
    alice, widget = _desk("Alice")
    alices = _operator(browser, log_in, alice)
    patrons = {
        name: _patron(browser, live_server_daphne.url, widget, name) for name in ("Ada", "Bea")
    }
    expect(alices.get_by_role("list", name="Waiting patrons").locator("li")).to_have_count(2)
    alices.keyboard.press("Alt+n")  # Claim next waiting chat: Ada, first in line
    expect(alices.get_by_role("textbox", name="Reply to Ada")).to_be_focused()
    alices.keyboard.press("Alt+n")
    expect(alices.get_by_role("textbox", name="Reply to Bea")).to_be_focused()
    alices.keyboard.type("For Bea")
    alices.keyboard.press("Alt+ArrowUp")
    expect(alices.get_by_role("textbox", name="Reply to Ada")).to_be_focused()
    expect(alices.get_by_role("article", name="Chat with Bea")).to_be_hidden()
    alices.keyboard.type("For Ada")
    alices.keyboard.press("Enter")
    expect(patrons["Ada"].get_by_role("list", name="Messages")).to_contain_text("Alice: For Ada")
    alices.keyboard.press("Alt+ArrowDown")
    expect(alices.get_by_role("textbox", name="Reply to Bea")).to_be_focused()
    alices.keyboard.press("Enter")
    expect(patrons["Bea"].get_by_role("list", name="Messages")).to_contain_text("Alice: For Bea")
    expect(patrons["Ada"].get_by_role("list", name="Messages")).not_to_contain_text("For Bea")
    alices.keyboard.press("Alt+ArrowDown")  # round to the first
    expect(alices.get_by_role("textbox", name="Reply to Ada")).to_be_focused()

    # Ctrl+K finds a chat by its patron's name.
    alices.keyboard.press("Control+k")
    alices.keyboard.type("bea")
    alices.keyboard.press("Enter")
    expect(alices.get_by_role("textbox", name="Reply to Bea")).to_be_focused()
    alices.keyboard.press("Alt+n")
    expect(alices.get_by_role("status").filter(has_text="No patrons")).to_have_text(
        "No patrons are waiting."
    )


def test_the_waiting_list_keeps_the_patrons_order_after_a_requeue(
    browser, log_in, live_server_daphne
):
    alice, bob, widget = _desk("Alice", "Bob")
    alices = _operator(browser, log_in, alice)
    bobs = _operator(browser, log_in, bob)
    patrons = {
        name: _patron(browser, live_server_daphne.url, widget, name)
        for name in ("Ada", "Bea", "Cy")
    }
    bobs_waiting = bobs.get_by_role("list", name="Waiting patrons").locator("li strong")
    expect(bobs_waiting).to_have_text(["Ada", "Bea", "Cy"])
    alices.get_by_role("button", name="Claim Chat with Cy").click()
    expect(patrons["Cy"].get_by_text("You are chatting with Alice")).to_be_visible()
    expect(bobs_waiting).to_have_text(["Ada", "Bea"])

    outside_the_loop(libchat_sign_out, operator=alice)  # Cy goes back to the front of the line
    expect(patrons["Cy"].get_by_role("list", name="Messages")).to_contain_text(
        "back at the front of the line"
    )
    expect(bobs_waiting).to_have_text(["Cy", "Ada", "Bea"])
    for place, name in enumerate(["Cy", "Ada", "Bea"], start=1):  # as the patrons read it
        expect(patrons[name].locator("#patron-status")).to_have_text(
            f"You are number {place} in line"
        )
    bobs.keyboard.press("Alt+n")
    expect(bobs.get_by_role("textbox", name="Reply to Cy")).to_be_focused()
    expect(patrons["Ada"].locator("#patron-status")).to_have_text("You are number 1 in line")


def test_a_chat_sent_to_a_department_queue_and_claimed_back_is_live_at_once(
    browser, log_in, live_server_daphne
):
    alice, widget = _desk("Alice")
    alices = _operator(browser, log_in, alice)
    ada = _patron(browser, live_server_daphne.url, widget, "Ada")
    alices.get_by_role("button", name="Claim Chat with Ada").click()
    pane = alices.get_by_role("article", name="Chat with Ada")
    pane.get_by_text("Transfer", exact=True).click()
    pane.get_by_label("Transfer to").select_option(label="Reference (department queue)")
    pane.get_by_role("button", name="Transfer Chat").click()
    expect(pane.locator(".typing")).to_have_text("You transferred the chat to Reference's queue.")
    expect(pane.get_by_role("textbox", name="Reply to Ada")).to_be_hidden()

    alices.get_by_role("button", name="Claim Chat with Ada").click()
    expect(ada.get_by_text("You are chatting with Alice")).to_be_visible()
    reply = pane.get_by_role("textbox", name="Reply to Ada")
    expect(reply).to_be_visible()
    expect(reply).to_be_focused()
    reply.fill("Back with you.")
    reply.press("Enter")
    expect(ada.get_by_role("list", name="Messages")).to_contain_text("Alice: Back with you.")
    expect(pane.get_by_role("button", name="End Chat")).to_be_visible()
    expect(pane.get_by_role("button", name="Close now")).to_be_hidden()


def test_links_times_end_confirmation_transfer_choice_and_chats_leaving_the_rail(
    browser, log_in, live_server_daphne
):
    alice, bob, widget = _desk("Alice", "Bob")
    alices = _operator(browser, log_in, alice)
    _operator(browser, log_in, bob)
    ada = _patron(browser, live_server_daphne.url, widget, "Ada")
    alices.get_by_role("button", name="Claim Chat with Ada").click()
    pane = alices.get_by_role("article", name="Chat with Ada")

    # Typed addresses are links on both sides; javascript: is not.
    _say(ada, "See https://catalogue.example/item?id=7&x=1. And javascript:alert(1)")
    theirs = pane.locator(".chat-messages li.from-patron").get_by_role("link")
    expect(theirs).to_have_count(1)
    expect(theirs).to_have_attribute("href", "https://catalogue.example/item?id=7&x=1")
    expect(theirs).to_have_attribute("target", "_blank")
    expect(theirs).to_have_attribute("rel", re.compile("noopener noreferrer"))
    reply = pane.get_by_role("textbox", name="Reply to Ada")
    reply.fill("Try http://library.example/hours too")
    reply.press("Enter")
    mine = ada.locator("#patron-messages li.from-operator").get_by_role("link")
    expect(mine).to_have_attribute("href", "http://library.example/hours")
    expect(mine).to_have_attribute("rel", re.compile("noopener noreferrer"))
    # Every message shows its time, on both sides.
    for lines in (
        pane.locator(".chat-messages li"),
        ada.locator("#patron-messages li[data-id]:not([data-id='0'])"),
    ):
        expect(lines.first.locator("time")).to_have_text(re.compile(r"\d?\d:\d\d"))
        # Read at one instant: a line arriving between two counts would make them differ.
        assert lines.evaluate_all("ls => ls.every((l) => l.querySelector('time[datetime]'))")

    # Transfer preselects nobody and refuses until someone is chosen.
    pane.get_by_text("Transfer", exact=True).click()
    expect(pane.get_by_label("Transfer to")).to_have_value("")
    expect(pane.get_by_label("Transfer to").locator("option").first).to_have_text("Choose…")
    pane.get_by_role("button", name="Transfer Chat").click()
    expect(pane.get_by_role("alert").filter(has_text="Choose")).to_have_text(
        "Choose who to transfer the chat to."
    )
    expect(ada.get_by_text("You are chatting with Alice")).to_be_visible()
    pane.get_by_text("Transfer", exact=True).click()

    # End Chat asks in the page, from the keyboard; Keep chatting changes nothing.
    pane.get_by_role("button", name="End Chat").focus()
    alices.keyboard.press("Enter")
    asking = pane.get_by_role("group", name="End this chat?")
    expect(asking.get_by_role("button", name="Keep chatting")).to_be_focused()
    alices.keyboard.press("Enter")
    expect(asking).to_be_hidden()
    assert PatronChat.objects.get().state == "active"
    alices.clock.install()  # her clock runs on, and the test can jump it past the pane's 10 s
    pane.get_by_role("button", name="End Chat").click()
    asking.get_by_label("Internal note (optional)").fill("Asked about hours")
    asking.get_by_role("button", name="End Chat").click()
    expect(ada.get_by_text("Alice ended the chat.")).to_be_visible()
    expect(pane.get_by_text("It leaves My Chats in 10 s")).to_be_visible()
    alices.clock.fast_forward(10_000)
    # It leaves on its own; the record stays in Transcripts, times and links included.
    expect(_row(alices, "Ada")).to_have_count(0, timeout=15_000)
    expect(pane).to_have_count(0)
    alices.goto(f"{live_server_daphne.url}/dashboard/transcripts/")
    alices.get_by_role("table").get_by_role("link").click()
    lines = alices.get_by_role("list", name="Messages").get_by_role("listitem")
    expect(lines.first.locator("time[datetime]")).to_have_text(re.compile(r"\d?\d:\d\d"))
    expect(
        lines.get_by_role("link", name="https://catalogue.example/item?id=7&x=1")
    ).to_be_visible()


def test_close_now_and_keep_open_for_a_transferred_chat(browser, log_in, live_server_daphne):
    alice, bob, widget = _desk("Alice", "Bob")
    alices = _operator(browser, log_in, alice)
    bobs = _operator(browser, log_in, bob)
    for name in ("Ada", "Bea"):
        _patron(browser, live_server_daphne.url, widget, name)
        alices.get_by_role("button", name=f"Claim Chat with {name}").click()
    pane = alices.get_by_role("article", name="Chat with Bea")
    # Alice's clock runs as ever, but the test can move it on: the pane's 10 s timer is the
    # page's own, so jumping past it shows whether Keep open stopped it, without waiting.
    alices.clock.install()
    pane.get_by_text("Transfer", exact=True).click()
    pane.get_by_label("Transfer to").select_option(label="Bob")
    pane.get_by_role("button", name="Transfer Chat").click()
    bobs.get_by_role("button", name="Accept Bea's chat from Alice").click()
    expect(pane.locator(".typing")).to_have_text("You transferred the chat to Bob.")
    pane.get_by_role("button", name="Keep open").click()
    expect(pane.get_by_text("Kept open until you close it.")).to_be_visible()
    # Her focus leaves the pane (a pane she is working in would wait for her anyway).
    alices.evaluate("document.activeElement.blur()")
    alices.clock.fast_forward(11_000)  # past the 10 s it would have stayed
    expect(pane).to_be_visible()
    pane.get_by_role("button", name="Close now").click()
    expect(_row(alices, "Bea")).to_have_count(0)
    expect(alices.get_by_role("textbox", name="Reply to Ada")).to_be_focused()
    # Bob got it in his rail, and his Accept opened it.
    expect(_row(bobs, "Bea")).to_have_count(1)
    expect(bobs.get_by_role("textbox", name="Reply to Bea")).to_be_focused()


def test_a_closed_widget_counts_new_replies_on_its_button_and_in_the_page_title(
    browser, log_in, live_server_daphne, sites
):
    library = sites()

    alice, widget = library_desk(library)
    alices = _operator(browser, log_in, alice)
    patron = browser.new_context().new_page()
    patron.goto(
        library.page(
            "index.html",
            selectors.widget_embed_snippet(widget=widget, base_url=live_server_daphne.url),
        )
    )
    button = patron.get_by_role("button", name=re.compile("^Ask a Librarian: Online"))
    button.click()
    chat = patron.frame_locator('iframe[title="Ask a Librarian"]')
    chat.get_by_label("Your question").fill("Do you have Middlemarch?")
    chat.get_by_role("button", name="Start Chat").click()
    alices.get_by_role("button", name="Claim Chat with Patron").click()
    expect(chat.get_by_role("banner")).to_contain_text("Chatting with a librarian")
    expect(chat.get_by_role("banner")).not_to_contain_text("Offline")
    button.click()  # the patron closes the widget
    expect(button).to_have_attribute("aria-expanded", "false")
    news = button.get_by_text("New reply")
    expect(news).to_be_hidden()
    title = patron.title()  # the library page's own
    reply = alices.get_by_role("textbox", name="Reply to Patron")
    reply.fill("Yes, on floor 2.")
    reply.press("Enter")
    expect(news).to_be_visible()
    expect(button).to_have_accessible_name("Ask a Librarian: Online New reply")
    expect(patron).to_have_title(f"(1) {title}")
    reply.fill("Ask at the desk for the key.")
    reply.press("Enter")
    # Two replies: counted on the button and in front of the page's title.
    expect(button).to_have_accessible_name("Ask a Librarian: Online 2 new replies")
    expect(patron).to_have_title(f"(2) {title}")
    button.click()
    expect(chat.get_by_role("list", name="Messages")).to_contain_text("Alice: Yes, on floor 2.")
    expect(button.locator(".libchat-news")).to_be_hidden()
    expect(button).to_have_accessible_name("Ask a Librarian: Online")
    expect(patron).to_have_title(title)


def test_on_a_narrow_screen_the_rail_is_a_list_and_the_chat_fills_the_screen(
    browser, log_in, live_server_daphne
):
    alice, widget = _desk("Alice")
    phone = {"width": 390, "height": 844}
    alices = _operator(browser, log_in, alice, viewport=phone)
    _patron(browser, live_server_daphne.url, widget, "Ada")
    _patron(browser, live_server_daphne.url, widget, "Bea")
    rail_button = alices.get_by_role("button", name=re.compile(r"^Chats \(\d+\)$"))
    expect(rail_button).to_have_text("Chats (2)")
    expect(alices.locator("#rail")).to_be_hidden()
    rail_button.click()
    expect(rail_button).to_have_attribute("aria-expanded", "true")
    alices.get_by_role("button", name="Claim Chat with Ada").click()
    pane = alices.get_by_role("article", name="Chat with Ada")
    expect(pane).to_be_visible()
    expect(alices.locator("#rail")).to_be_hidden()
    reply = pane.get_by_role("textbox", name="Reply to Ada")
    expect(reply).to_be_focused()
    box = pane.bounding_box()
    assert box["width"] >= 340  # the conversation takes the width of the screen
    expect(reply).to_be_in_viewport()
    expect(pane.get_by_role("button", name="Send Message")).to_be_in_viewport()
    screenshot(alices, "console-390")
    assert _fits_one_screen(alices)
    rail_button.click()
    expect(alices.get_by_role("list", name="My chats")).to_contain_text("Ada")
    expect(pane).to_be_hidden()


def _sideways(page) -> int:
    """How far the page scrolls sideways: WCAG 1.4.10 wants none at 320 CSS px."""
    return page.evaluate(
        "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )


def test_at_320_px_nothing_scrolls_sideways_or_covers_the_reply_box(
    browser, log_in, live_server_daphne
):
    # 320 x 640: a small phone, or a 1280 px window zoomed to 400 % (WCAG 1.4.10).
    alice, widget = _desk("Alice")
    small = {"width": 320, "height": 640}
    alices = _operator(browser, log_in, alice, viewport=small)
    patron = browser.new_context(viewport=small).new_page()
    patron.goto(f"{live_server_daphne.url}/widget/{widget.pk}/")
    expect(patron.locator("body")).to_have_attribute("data-online", "true")
    assert _sideways(patron) == 0
    patron.get_by_label("Your name (optional)").fill("Ada")
    patron.get_by_label("Your question").fill(
        "Do you keep the Proceedingsofthesocietyforlongwords?"
    )
    patron.get_by_role("button", name="Start Chat").click()
    expect(patron.locator("#patron-status")).to_contain_text("in line")
    assert _sideways(patron) == 0

    alices.get_by_role("button", name=re.compile(r"^Chats \(\d+\)$")).click()
    alices.get_by_role("button", name="Claim Chat with Ada").click()
    pane = alices.get_by_role("article", name="Chat with Ada")
    reply = pane.get_by_role("textbox", name="Reply to Ada")
    reply.fill("https://www.library.example/catalogue/a/long/link/that/goes/on/and/on")
    # A real click: it fails if anything lies over the button (the patron panel once did).
    pane.get_by_role("button", name="Send Message").click()
    expect(patron.get_by_role("log", name="Conversation")).to_contain_text("Alice: https://")
    assert _sideways(patron) == 0 and _sideways(alices) == 0
    tall = alices.evaluate("() => document.scrollingElement.scrollHeight")
    for n in range(20):
        _say(patron, f"Line {n} of a long question about interlibrary loans.")
    expect(pane.locator(".chat-messages")).to_contain_text("Line 19 of")
    # The messages scroll in their own box: a long chat makes the page no longer...
    assert alices.evaluate("() => document.scrollingElement.scrollHeight") <= tall
    expect(reply).to_be_in_viewport()
    # ...and what does not fit below (the patron panel) is a scroll away, not under the box.
    panel = pane.get_by_role("complementary", name="About Ada")
    panel.scroll_into_view_if_needed()
    expect(panel.get_by_text("Pre-chat answers")).to_be_in_viewport()
    for path in ["/dashboard/settings/", "/dashboard/transcripts/", "/dashboard/tickets/"]:
        alices.goto(live_server_daphne.url + path)
        expect(alices.get_by_role("navigation", name="Dashboard")).to_be_visible()
        assert _sideways(alices) == 0, path
