"""A patron who uses the keyboard alone (issue 18): from the library's page, open the widget,
start a chat, send, end, rate and close it, with Tab, Enter, arrows and Escape; the cursor is
always where the next thing to do is."""

import re

import pytest
from playwright.sync_api import expect

from chats.models import PatronChat
from tests.browser.desks import library_desk
from tests.browser.pages import outside_the_loop
from tests.browser.test_console import _operator
from widgets import selectors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _tab_to(page, target, *, most: int = 12, back: bool = False):
    """Press Tab (or Shift+Tab) until `target` has the cursor, as a keyboard user would."""
    for _ in range(most):
        if target.evaluate("element => element === element.ownerDocument.activeElement"):
            break
        page.keyboard.press("Shift+Tab" if back else "Tab")
    expect(target).to_be_focused()


def test_a_patron_chats_from_the_library_page_with_the_keyboard_alone(
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
    chat = patron.frame_locator('iframe[title="Ask a Librarian"]')

    # Open: the cursor goes to the form's first field; Escape closes and gives the button back.
    _tab_to(patron, button)
    patron.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(chat.get_by_label("Your name (optional)")).to_be_focused()
    patron.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    patron.keyboard.press("Enter")
    name = chat.get_by_label("Your name (optional)")
    expect(name).to_be_focused()

    # Start Chat: the cursor goes to the message box.
    patron.keyboard.type("Ada")
    _tab_to(patron, chat.get_by_label("Your question"))
    patron.keyboard.type("Where is the map room?")
    _tab_to(patron, chat.get_by_role("button", name="Start Chat"))
    patron.keyboard.press("Enter")
    message_box = chat.get_by_placeholder("Type your message…")
    expect(message_box).to_be_focused()
    expect(chat.locator("#patron-status")).to_contain_text("in line")

    alices.get_by_role("button", name="Claim Chat with Ada").click()
    expect(chat.get_by_text("You are chatting with Alice")).to_be_visible()
    expect(message_box).to_be_focused()  # the claim did not move the patron's cursor
    patron.keyboard.type("Is it open on Sundays?")
    patron.keyboard.press("Enter")
    pane = alices.get_by_role("article", name="Chat with Ada")
    expect(pane).to_contain_text("Ada: Is it open on Sundays?")

    # End Chat asks first; Escape answers "keep chatting" and leaves the widget open.
    end = chat.get_by_role("button", name="End Chat")
    _tab_to(patron, end)
    patron.keyboard.press("Enter")
    keep = chat.get_by_role("button", name="Keep chatting")
    expect(keep).to_be_focused()
    patron.keyboard.press("Escape")
    expect(end).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "true")
    patron.keyboard.press("Enter")
    expect(keep).to_be_focused()
    patron.keyboard.press("Shift+Tab")
    patron.keyboard.press("Enter")

    # Ended: the cursor goes on to what follows; rate with the arrows, comment, send.
    ended = chat.locator("#patron-ended-title")
    expect(ended).to_be_visible()
    expect(ended).to_be_focused()
    patron.keyboard.press("Tab")
    expect(chat.get_by_role("radio", name="1")).to_be_focused()
    for _ in range(4):
        patron.keyboard.press("ArrowRight")
    expect(chat.get_by_role("radio", name="5")).to_be_checked()
    _tab_to(patron, chat.get_by_label("Comment (optional)"))
    patron.keyboard.type("Quick and kind.")
    _tab_to(patron, chat.get_by_role("button", name="Send Rating"))
    patron.keyboard.press("Enter")
    thanks = chat.get_by_text("Thank you for your feedback.")
    expect(thanks).to_be_focused()
    rated = outside_the_loop(lambda: list(PatronChat.objects.values_list("rating", "comment")))
    assert rated == [(5, "Quick and kind.")]

    # Escape closes the widget; the cursor is back on the library page's button.
    patron.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    expect(patron.locator('iframe[title="Ask a Librarian"]')).to_be_hidden()
