"""A librarian offers a screenshare in a patron chat; the patron takes it inside the widget iframe
embedded on the library's own site (another origin), and each shows the other their screen."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import timed
from tests.browser.test_meetings import ALL_CONNECTED, RECEIVES
from tests.browser.test_patron_chats import assert_in_view, claimed_chat_with_ada

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_offers_a_screenshare_and_patron_and_operator_each_share_their_screen(
    browser,
    log_in,
    live_server_daphne,
    sites,
):
    operator, patron, chat, pane = claimed_chat_with_ada(
        browser, log_in, live_server_daphne.url, sites()
    )

    pane.get_by_role("button", name="Offer screenshare").click()
    expect(pane.get_by_role("status").filter(has_text="Waiting for Ada to accept")).to_be_visible()
    offer = chat.get_by_role("alert").filter(has_text="Alice offers a screenshare")
    expect(offer).to_be_visible()
    chat.get_by_role("button", name="Accept").click()
    expect(pane.get_by_text("Ada accepted: Share screen to show yours.")).to_be_visible()

    widget_frame = next(f for f in patron.frames if "/widget/" in f.url)
    for page in (operator, widget_frame):
        page.wait_for_function(ALL_CONNECTED, arg=1, timeout=20000)
    expect(chat.get_by_role("list", name="Messages")).to_contain_text(
        "Screenshare with Alice started."
    )

    # The librarian shows their screen; the patron sees it in the widget.
    pane.get_by_role("button", name="Share screen").click()
    widget_frame.wait_for_function(RECEIVES, arg=["video", 1], timeout=20000)
    expect(chat.get_by_label("Alice's screen")).to_be_visible()

    # The patron shares theirs from inside the cross-origin iframe (allow="display-capture").
    chat.get_by_role("button", name="Share screen").click()
    expect(chat.get_by_role("button", name="Stop sharing")).to_be_visible()
    # Two screens on the widget's stage, and its buttons and the chat's still in view.
    controls = ("Stop sharing", "Leave", "Send", "End Chat")
    assert_in_view(patron, *(chat.get_by_role("button", name=name) for name in controls))
    operator.wait_for_function(RECEIVES, arg=["video", 1], timeout=20000)
    expect(pane.get_by_label("Ada's screen")).to_be_visible()
    expect(pane.locator(".meeting-participants")).to_contain_text("sharing screen")

    pane.get_by_role("button", name="Leave").click()
    expect(chat.get_by_label("Alice's screen")).to_have_count(0)
    # A screenshare of a few seconds reads in seconds, and each side is told once: by the line.
    ended = re.compile(r"^Screenshare ended after (\d+ min )?\d+ s\.$")
    expect(chat.get_by_role("list", name="Messages").get_by_text(ended)).to_have_count(1)
    expect(pane.get_by_role("list", name="Messages").get_by_text(ended)).to_have_count(1)
    expect(pane.locator(".screenshare-note")).to_have_text("")

    pane.get_by_role("button", name="End Chat").click()
    pane.get_by_role("group", name="End this chat?").get_by_role("button", name="End Chat").click()
    expect(chat.get_by_role("heading", name="Alice ended the chat.")).to_be_visible()
    expect(pane.locator(".typing")).to_have_text("You ended the chat.")
    # The end is said once on each side, in the reader's words, and no stale note is left.
    expect(chat.get_by_text("Alice ended the chat.")).to_have_count(1)
    expect(pane.get_by_text(re.compile("ended the chat"))).to_have_count(1)
    expect(pane.get_by_text("The screenshare ended.")).to_have_count(0)
    # A rating the server refuses (only a tampered page can send one) says why, in the form.
    chat.get_by_label("1").evaluate("(radio) => { radio.value = '9'; radio.checked = true; }")
    chat.get_by_role("button", name="Send Rating").click()
    expect(chat.get_by_role("alert")).to_have_text("Choose a rating from 1 to 5.")
    operator.goto(f"{live_server_daphne.url}/dashboard/transcripts/")
    operator.get_by_role("table").get_by_role("link").click()
    lines = operator.get_by_role("list", name="Messages").get_by_role("listitem")
    expect(lines).to_have_text(
        [
            timed("Alice joined the chat."),
            timed("Screenshare with Alice started."),
            timed(ended),
            timed("Alice ended the chat."),
        ]
    )
