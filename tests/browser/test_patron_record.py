"""The record of a chat started from a library's page: the page and the browser it came from,
and the same patron's earlier chat, found by the id the library's pages keep for them."""

import re

import pytest
from playwright.sync_api import expect

from chats.models import PatronChat
from chats.services.patron_context import browser_describe
from tests.browser.desks import library_desk
from tests.browser.pages import patron_ends_chat, screenshot, sign_in
from widgets import selectors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ask(chat, question: str) -> None:
    chat.get_by_label("Your name (optional)").fill("Ada")
    chat.get_by_label("Your question").fill(question)
    chat.get_by_role("button", name="Start Chat").click()


def test_the_record_shows_the_page_and_browser_and_the_patrons_earlier_chat(
    browser, log_in, live_server_daphne, sites, tmp_path
):
    library = sites()

    alice, widget = library_desk(library)
    operator = log_in(browser.new_context().new_page(), alice)
    sign_in(operator)

    snippet = selectors.widget_embed_snippet(widget=widget, base_url=live_server_daphne.url)
    page_url = library.page("maps.html", snippet) + "?topic=atlas"
    patron = browser.new_context().new_page()
    patron.goto(page_url + "#opening-hours")
    patron.get_by_role("button", name="Ask a Librarian: Online").click()
    chat = patron.frame_locator('iframe[title="Ask a Librarian"]')
    ask(chat, "Do you have the 1850 atlas?")
    operator.get_by_role("button", name="Claim Chat with Ada").click()
    expect(chat.get_by_text("Alice joined the chat.")).to_be_visible()
    first = PatronChat.objects.get()
    browser_words = browser_describe(patron.evaluate("navigator.userAgent"))

    # The console's patron panel, beside the chat: where it came from and who holds it.
    about = operator.get_by_role("complementary", name="About Ada")
    expect(about.get_by_role("link", name=page_url)).to_have_attribute("href", page_url)
    expect(about.locator("dd.browser")).to_have_text(browser_words)
    expect(about.get_by_role("list", name="Earlier chats")).to_have_text("None")
    expect(about.locator("dd.answered")).to_have_text("Not answered")
    expect(about.locator("dd.first-response")).to_have_text("—")
    operator.get_by_role("textbox", name="Reply to Ada").fill(
        "Yes: it is in the Map Room, shelf 4. Shall I hold it for you?"
    )
    operator.get_by_role("textbox", name="Reply to Ada").press("Enter")
    expect(chat.get_by_text("Shall I hold it for you?")).to_be_visible()
    # Her answer shows in the panel's times at once, not when the chat ends.
    expect(about.locator("dd.answered")).to_have_text("Answered")
    expect(about.locator("dd.operators")).to_have_text("Alice")
    screenshot(patron, "widget")

    panel = operator.context.new_page()
    panel.goto(f"{live_server_daphne.url}/chats/{first.pk}/record/")
    link = panel.get_by_role("link", name=page_url)
    expect(link).to_have_attribute("href", page_url)  # without the page's own fragment
    assert browser_words.endswith("on Linux")
    expect(panel.locator("dd.browser")).to_have_text(browser_words)
    expect(panel.locator("dd.operators")).to_have_text("Alice")
    expect(panel.get_by_role("list", name="Earlier chats")).to_have_text("None")

    # Ada ends the chat and asks again later, giving no email: her browser's patron id, kept
    # by the library's site, finds her first chat.
    patron_ends_chat(chat)
    chat.get_by_role("button", name="Start a new chat").click()
    ask(chat, "And a map of the county?")
    operator.get_by_role("button", name="Claim Chat with Ada").click()
    expect(chat.get_by_text("Alice joined the chat.")).to_be_visible()
    second = PatronChat.objects.exclude(pk=first.pk).get()
    about = operator.locator(f"#chat-pane-{second.pk}").get_by_role("complementary")
    expect(about.get_by_role("list", name="Earlier chats")).to_contain_text(
        "Do you have the 1850 atlas?"
    )
    assert second.patron_ref == first.patron_ref != ""
    panel.goto(f"{live_server_daphne.url}/chats/{second.pk}/record/")
    earlier = panel.get_by_role("list", name="Earlier chats").get_by_role(
        "link", name="Do you have the 1850 atlas?"
    )
    expect(earlier).to_have_attribute("href", f"/dashboard/transcripts/{first.pk}/")
    panel.set_viewport_size({"width": 420, "height": 900})
    panel.screenshot(path=tmp_path / "patron-record.png", full_page=True)

    with panel.context.expect_page() as opened:
        earlier.click()  # the transcript opens in a tab of its own, the console stays
    transcript = opened.value
    expect(transcript.get_by_role("heading", name="Chat with Ada · Main site")).to_be_visible()
    expect(transcript.get_by_role("link", name=page_url)).to_be_visible()
    expect(transcript.locator("dd.browser")).to_have_text(browser_words)
    expect(transcript.locator("dd.answered")).to_have_text("Answered")
    screenshot(transcript, "transcript")


def test_with_send_the_page_address_off_the_widget_keeps_the_page_to_itself(
    browser, log_in, live_server_daphne, sites
):
    library = sites()

    alice, widget = library_desk(library, send_page_url=False)
    operator = log_in(browser.new_context().new_page(), alice)
    sign_in(operator)
    snippet = selectors.widget_embed_snippet(widget=widget, base_url=live_server_daphne.url)
    patron = browser.new_context().new_page()
    patron.goto(library.page("account.html", snippet) + "?card=12345")
    patron.get_by_role("button", name="Ask a Librarian: Online").click()
    frame = patron.locator('iframe[title="Ask a Librarian"]')
    expect(frame).to_have_attribute("src", re.compile(r"#patron=[0-9a-f]{32}$"))
    ask(patron.frame_locator('iframe[title="Ask a Librarian"]'), "Is my card still valid?")
    expect(operator.get_by_role("button", name="Claim Chat with Ada")).to_be_visible()
    chat = PatronChat.objects.get()
    assert chat.page_url == "" and chat.patron_ref and chat.browser
