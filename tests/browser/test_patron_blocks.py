"""Blocking a patron from the console: the operator blocks from the chat pane, and the patron's
widget, on the library's page, reads only that the chat ended and then the offline message."""

import re

import pytest
from playwright.sync_api import expect

from chats.models import PatronBlock
from tests.browser.desks import library_desk
from tests.browser.pages import sign_in
from widgets import selectors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFLINE = "Nobody can chat right now. Email ask@springfield.example."


def test_an_operator_blocks_a_patron_and_the_patrons_widget_goes_offline(
    browser, log_in, live_server_daphne, sites
):
    library = sites()
    alice, widget = library_desk(library, offline_message=OFFLINE)
    operator = log_in(browser.new_context().new_page(), alice)
    sign_in(operator)

    snippet = selectors.widget_embed_snippet(widget=widget, base_url=live_server_daphne.url)
    page_url = library.page("index.html", snippet)
    patron = browser.new_context().new_page()
    patron.goto(page_url)
    patron.get_by_role("button", name="Ask a Librarian: Online").click()
    chat = patron.frame_locator('iframe[title="Ask a Librarian"]')
    chat.get_by_label("Your name (optional)").fill("Troll")
    chat.get_by_label("Your question").fill("Spam spam spam")
    chat.get_by_role("button", name="Start Chat").click()
    operator.get_by_role("button", name="Claim Chat with Troll").click()
    expect(chat.get_by_text("Alice joined the chat.")).to_be_visible()

    # In the chat pane: Block this patron asks how long and why; no reason is refused there.
    pane = operator.get_by_role("article", name="Chat with Troll")
    pane.get_by_text("Block this patron").click()
    pane.get_by_label("Block for").select_option(label="24 hours")
    pane.get_by_role("button", name="Block Patron").click()
    expect(pane.get_by_role("alert").filter(has_text="Give a reason")).to_have_text(
        "Give a reason for the block: the admins read it."
    )
    assert not PatronBlock.objects.exists()
    pane.get_by_label("Reason (for the admins)").fill("Spam, three chats in a row")
    pane.get_by_role("button", name="Block Patron").click()
    expect(pane.get_by_role("status").filter(has_text="Patron blocked")).to_have_text(
        re.compile(r"Patron blocked until .+\. The chat has ended\.")
    )
    expect(pane.get_by_text("You blocked the patron and ended the chat.")).to_be_visible()

    # The patron reads that the chat ended, no word of a block, then the widget's offline side.
    expect(chat.get_by_role("heading", name="This chat has ended.")).to_be_visible()
    expect(chat.get_by_text(OFFLINE)).to_be_visible()
    expect(chat.locator("#widget-status-text")).to_have_text("Offline")
    expect(patron.get_by_role("button", name="Ask a Librarian: Offline")).to_be_visible()
    assert "block" not in chat.locator("main").inner_text().lower()
    chat.get_by_role("button", name="Start a new chat").click()
    expect(chat.get_by_text(OFFLINE)).to_be_visible()
    expect(chat.get_by_role("button", name="Start Chat")).to_be_hidden()

    # Coming back (the library's page reloaded): still offline for them, while Alice is Online.
    patron.reload()
    expect(patron.get_by_role("button", name="Ask a Librarian: Offline")).to_be_visible()
    patron.get_by_role("button", name="Ask a Librarian: Offline").click()
    expect(chat.get_by_text(OFFLINE)).to_be_visible()
    expect(chat.get_by_role("button", name="Start Chat")).to_be_hidden()
    # (Everyone here comes from 127.0.0.1, so any other browser would be turned away too: that
    # others are served is tests/chats/test_block_views.py's to show.)
