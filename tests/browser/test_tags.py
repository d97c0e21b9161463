"""Tags and a supervisor's Transcripts through the pages: an operator tags a chat in the console
while the patron keeps writing, a reload keeps the tags, and after the chat a supervisor finds it
by its tag, exports the list and reads the transcript as text (issue 14)."""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from chats.models import ChatTag
from tests.browser.desks import reference_widget
from tests.browser.pages import outside_the_loop, screenshot, settled, sign_in
from tests.factories import OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _desk():
    def create():
        alice = OperatorFactory(display_name="Alice")
        supervisor = OperatorFactory(display_name="Sam", is_superuser=True, is_staff=True)
        ChatTag.objects.create(name="Directional", position=1)
        ChatTag.objects.create(name="Research", position=2)
        # One READ level switched on (a browser test's database has no migration rows).
        read_3 = {"active": True, "scale": ChatTag.Scale.READ, "position": 103}
        ChatTag.objects.update_or_create(name="READ 3", defaults=read_3)
        return alice, supervisor, reference_widget(alice)

    return outside_the_loop(create)


def _patron(browser, base_url, widget, name):
    patron = browser.new_context().new_page()
    patron.goto(f"{base_url}/widget/{widget.pk}/")
    expect(patron.locator("body")).to_have_attribute("data-online", "true")
    patron.get_by_label("Your name (optional)").fill(name)
    patron.get_by_label("Your question").fill("Where are the atlases?")
    patron.get_by_role("button", name="Start Chat").click()
    expect(patron.locator("#patron-status")).to_contain_text("in line")
    return patron


def test_an_operator_tags_a_chat_as_it_goes_and_a_supervisor_finds_and_exports_it(
    browser, log_in, live_server_daphne
):
    alice, supervisor, widget = _desk()
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    alices = log_in(context.new_page(), alice)
    sign_in(alices)
    patron = _patron(browser, live_server_daphne.url, widget, "Ada")
    alices.get_by_role("button", name="Claim Chat with Ada").click()
    pane = alices.get_by_role("article", name="Chat with Ada")
    tags = pane.get_by_role("group", name=re.compile("^Tags"))
    expect(tags.get_by_role("checkbox")).to_have_count(3)  # Directional, Research, READ 3

    # Half a reply typed; the tag is ticked with the keyboard; the patron writes meanwhile.
    reply = pane.get_by_role("textbox", name="Reply to Ada")
    reply.fill("The atlases are on")
    # The boxes come on once the pane knows the chat's tags.
    expect(tags.get_by_role("checkbox", name="Research")).to_be_enabled()
    tags.get_by_role("checkbox", name="Research").focus()
    alices.keyboard.press("Space")
    patron.get_by_label("Your message").fill("Also maps?")
    patron.get_by_label("Your message").press("Enter")
    expect(pane.locator(".chat-messages li.from-patron").last).to_contain_text("Also maps?")
    expect(pane.locator(".tags-status")).to_have_text("Saved. Tags: Research.")
    tags.get_by_role("checkbox", name="READ 3").check()
    expect(pane.locator(".tags-status")).to_have_text("Saved. Tags: Research, READ 3.")
    expect(reply).to_have_text("The atlases are on")  # the typed reply is untouched
    reply.press_sequentially(" the second floor.")
    pane.get_by_role("button", name="Send Message").click()
    expect(patron.locator(".chat-messages")).to_contain_text("The atlases are on the second floor.")

    # A reload brings the pane back with its tags as the server keeps them.
    alices.reload()
    settled(alices)
    pane = alices.get_by_role("article", name="Chat with Ada")
    tags = pane.get_by_role("group", name=re.compile("^Tags"))
    expect(tags.get_by_role("checkbox", name="Research")).to_be_checked()
    expect(tags.get_by_role("checkbox", name="READ 3")).to_be_checked()
    expect(tags.get_by_role("checkbox", name="Directional")).not_to_be_checked()
    screenshot(alices, "console-tags")
    pane.get_by_role("button", name="End Chat").click()
    pane.get_by_role("button", name="End Chat").last.click()
    expect(pane.locator(".typing")).to_contain_text("ended")
    # After the end, the chat can still be tagged from its pane.
    tags.get_by_role("checkbox", name="READ 3").uncheck()
    expect(pane.locator(".tags-status")).to_have_text("Saved. Tags: Research.")

    # The supervisor, on a narrow screen, finds it by its tag and exports what is filtered.
    sams_context = browser.new_context(
        viewport={"width": 390, "height": 844}, accept_downloads=True
    )
    sams = log_in(sams_context.new_page(), supervisor, "/dashboard/transcripts/")
    sams.get_by_text("Filters", exact=True).click()  # folded away until used
    sams.get_by_label("Tag").select_option(label="Research")
    sams.get_by_label("Answered", exact=True).select_option(label="Answered")
    sams.get_by_role("button", name="Search").click()
    expect(sams).to_have_url(re.compile(r"tag=\d+.*outcome=answered"))
    row = sams.locator("table.records tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Ada")
    expect(row).to_contain_text("Research")
    assert sams.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth + 1")
    screenshot(sams, "transcripts-filtered-390")
    with sams.expect_download() as download:
        sams.get_by_role("link", name="Download this chat as CSV").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [(r["Operators"], r["Tags"], r["Outcome"]) for r in rows] == [
        ("Alice", "Research", "Answered")
    ]
    sams.get_by_label("Tag").select_option(label="Directional")
    sams.get_by_role("button", name="Search").click()
    expect(sams.get_by_text("No transcripts match these filters.")).to_be_visible()

    # The transcript: its tags can still change, and it downloads as text.
    sams.go_back()
    sams.locator("table.records tbody tr a").first.click()
    tags = sams.get_by_role("group", name=re.compile("^Tags"))
    expect(tags.get_by_role("checkbox", name="Research")).to_be_checked()
    tags.get_by_role("checkbox", name="Directional").check()
    expect(sams.locator(".tags-status")).to_have_text("Saved. Tags: Directional, Research.")
    with sams.expect_download() as download:
        sams.get_by_role("link", name="Download as text").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Tags: Directional, Research" in text and "Ada: Also maps?" in text
