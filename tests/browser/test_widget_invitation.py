"""The widget's invitation (issue 14): after the seconds the admin set, while a librarian is
Online, the chat opens itself on the library's page with the invitation, and the cursor stays
where the patron has it; a patron who closes it is not invited again in that tab, on any page of
the site. The page's clock is Playwright's, so the seconds pass without being waited for."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.desks import library_desk
from tests.browser.test_console import _operator
from widgets import selectors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_widget_invites_once_per_tab_and_never_takes_the_cursor(
    browser, log_in, live_server_daphne, sites
):
    library = sites()
    alice, widget = library_desk(
        library, kind="floating", invite_after_seconds=30, invite_message="Need a hand finding it?"
    )
    _operator(browser, log_in, alice)  # Alice is Online: the widget may invite
    snippet = selectors.widget_embed_snippet(widget=widget, base_url=live_server_daphne.url)
    search = '<label>Search the catalogue <input type="search"></label>'
    index = library.page("index.html", search + snippet)
    catalogue = library.page("catalogue.html", snippet)
    context = browser.new_context()

    def visit(url):
        page = context.new_page()
        page.clock.install()
        page.goto(url)
        expect(
            page.get_by_role("button", name=re.compile("^Ask a Librarian: Online"))
        ).to_be_visible()
        return page

    patron = visit(index)
    search = patron.get_by_role("searchbox", name="Search the catalogue")
    search.fill("maps")  # the patron is busy on the page
    button = patron.get_by_role("button", name=re.compile("^Ask a Librarian"))
    # The page's clock also runs in real time while the page loads (seconds on a busy machine),
    # so "not yet" is asked 5 s before the invitation is due, not 1 s.
    patron.clock.run_for(25_000)
    expect(button).to_have_attribute("aria-expanded", "false")  # not yet
    patron.clock.run_for(6_000)
    expect(button).to_have_attribute("aria-expanded", "true")
    chat = patron.frame_locator('iframe[title="Ask a Librarian"]')
    expect(chat.get_by_role("status").filter(has_text="Need a hand finding it?")).to_be_visible()
    expect(search).to_be_focused()  # still typing where they were
    search.press_sequentially(" of Ohio")
    expect(search).to_have_value("maps of Ohio")

    button.click()  # closed: no more invitations in this tab, on any page of the site
    expect(button).to_have_attribute("aria-expanded", "false")
    patron.goto(catalogue)
    expect(
        patron.get_by_role("button", name=re.compile("^Ask a Librarian: Online"))
    ).to_be_visible()
    patron.clock.run_for(120_000)
    expect(button).to_have_attribute("aria-expanded", "false")

    # Another tab is another visit: invited there.
    other = visit(catalogue)
    other.clock.run_for(31_000)
    expect(other.get_by_role("button", name=re.compile("^Ask a Librarian"))).to_have_attribute(
        "aria-expanded", "true"
    )
