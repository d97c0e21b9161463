"""A librarian offers a screenshare in a patron chat; the patron takes it inside the widget iframe
embedded on the library's own site (another origin), and each shows the other their screen."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import outside_the_loop
from tests.browser.test_meetings import ALL_CONNECTED, RECEIVES
from tests.browser.test_widgets import sites  # noqa: F401 (fixture)
from tests.factories import DepartmentFactory, MembershipFactory, OperatorFactory
from widgets import selectors, services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_offers_a_screenshare_and_patron_and_operator_each_share_their_screen(
    browser,
    log_in,
    live_server_daphne,
    sites,  # noqa: F811
):
    library = sites()

    def create():
        reference = DepartmentFactory(name="Reference")
        alice = OperatorFactory(display_name="Alice")
        MembershipFactory(operator=alice, department=reference)
        widget = services.widget_create(
            name="Main site",
            allowed_origins=[library.url],
            first_choice=reference,
            title="Ask a Librarian",
        )
        return alice, widget

    alice, widget = outside_the_loop(create)
    snippet = selectors.widget_embed_snippet(widget=widget, base_url=live_server_daphne.url)
    operator = log_in(browser.new_context().new_page(), alice)
    operator.get_by_role("button", name="Sign In").click()
    expect(operator.locator("#my-dot")).to_have_attribute("data-status", "online")

    patron = browser.new_context().new_page()
    patron.goto(library.page("index.html", snippet))
    patron.get_by_role("button", name="Ask a Librarian: Online").click()
    chat = patron.frame_locator('iframe[title="Ask a Librarian"]')
    chat.get_by_label("Your name (optional)").fill("Ada")
    chat.get_by_label("Your question").fill("How do I renew online?")
    chat.get_by_role("button", name="Start Chat").click()
    operator.get_by_role("button", name="Claim Chat with Ada").click()
    pane = operator.get_by_role("article", name="Chat with Ada")
    expect(chat.get_by_text("You are chatting with Alice")).to_be_visible()

    pane.get_by_role("button", name="Offer screenshare").click()
    expect(pane.get_by_role("status").filter(has_text="Waiting for Ada to accept")).to_be_visible()
    offer = chat.get_by_role("alert").filter(has_text="Alice offers a screenshare")
    expect(offer).to_be_visible()
    chat.get_by_role("button", name="Accept").click()
    expect(pane.get_by_text("Ada accepted: Share screen to show yours.")).to_be_visible()

    widget_frame = next(f for f in patron.frames if f.url.endswith(f"/widget/{widget.pk}/"))
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
    operator.wait_for_function(RECEIVES, arg=["video", 1], timeout=20000)
    expect(pane.get_by_label("Ada's screen")).to_be_visible()
    expect(pane.locator(".meeting-participants")).to_contain_text("sharing screen")

    pane.get_by_role("button", name="Leave").click()
    expect(pane.get_by_text("The screenshare ended.")).to_be_visible()
    expect(chat.get_by_label("Alice's screen")).to_have_count(0)
    ended = re.compile(r"Screenshare ended after \d+ min\.")
    expect(chat.get_by_role("list", name="Messages")).to_contain_text(ended)
    expect(pane.get_by_role("list", name="Messages")).to_contain_text(ended)

    pane.get_by_role("button", name="End Chat").click()
    expect(chat.get_by_role("heading", name="Alice ended the chat.")).to_be_visible()
    # A rating the server refuses (only a tampered page can send one) says why, in the form.
    chat.get_by_label("1").evaluate("(radio) => { radio.value = '9'; radio.checked = true; }")
    chat.get_by_role("button", name="Send Rating").click()
    expect(chat.get_by_role("alert")).to_have_text("Choose a rating from 1 to 5.")
    operator.goto(f"{live_server_daphne.url}/dashboard/transcripts/")
    operator.get_by_role("table").get_by_role("link").click()
    lines = operator.get_by_role("list", name="Messages").get_by_role("listitem")
    expect(lines).to_have_text(
        [
            "Alice joined the chat.",
            "Screenshare with Alice started.",
            ended,
            "Alice ended the chat.",
        ]
    )
