"""Two libraries in a co-op, as their staff and a patron see them: a chat Avon's desk cannot take
falls to the co-op and Bexley's co-op monitor answers it, reading Avon's policy notes; Avon keeps
the transcript. And Avon's staff find Bexley's operators in Internal Chat and write to them."""

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from tests.browser.pages import outside_the_loop, patron_ends_chat, sign_in, timed
from tests.factories import (
    CoopMembershipFactory,
    MembershipFactory,
    OperatorFactory,
    SystemFactory,
    WidgetFactory,
    WidgetFallbackFactory,
)
from tests.systems.test_logo import logo_png
from widgets import selectors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def coop_libraries(library_url: str) -> dict:
    """Avon (with a logo) and Bexley in the State 24/7 co-op. Avon's widget, on the library's
    site, falls back to the co-op after Avon's Reference desk (Alice, Avon's system admin); Bob
    of Bexley monitors the co-op queue."""

    def create():
        avon, bexley = SystemFactory(name="Avon Libraries"), SystemFactory(name="Bexley Libraries")
        avon.logo.save("avon.png", ContentFile(logo_png()))
        notes = CoopMembershipFactory(
            system=avon,
            coop__name="State 24/7",
            hours="Mon-Fri 9-5",
            services="No renewals by chat",
            follow_ups="ask@avon.example",
        )
        CoopMembershipFactory(coop=notes.coop, system=bexley)
        desk = MembershipFactory(
            department__system=avon,
            department__name="Avon Reference",
            operator__system=avon,
            operator__display_name="Alice of Avon",
            operator__is_staff=True,
            operator__is_system_admin=True,
        )
        widget = WidgetFactory(
            system=avon,
            name="Avon site",
            title="Ask Avon",
            allowed_origins=library_url,
            first_department=desk.department,
        )
        WidgetFallbackFactory(widget=widget, department=None, coop=notes.coop, position=1)
        bob = OperatorFactory(system=bexley, display_name="Bob of Bexley", monitors_coop=True)
        return {"alice": desk.operator, "bob": bob, "widget": widget}

    return outside_the_loop(create)


def test_a_chat_avon_cannot_take_is_answered_by_bexley_and_avon_keeps_the_transcript(
    browser, log_in, live_server_daphne, sites, tmp_path
):
    library = sites()
    people = coop_libraries(library.url)
    # Alice of Avon is not signed in to LibChat: Avon's desk falls through to the co-op.
    bexley = log_in(browser.new_context().new_page(), people["bob"])
    sign_in(bexley)

    snippet = selectors.widget_embed_snippet(
        widget=people["widget"], base_url=live_server_daphne.url
    )
    patron = browser.new_context().new_page()
    patron.goto(library.page("avon.html", snippet))
    patron.get_by_role("button", name="Ask Avon: Online").click()
    chat = patron.frame_locator('iframe[title="Ask Avon"]')
    # Avon's logo heads its widget, named for the library, and loads (the page's CSP allows it).
    logo = chat.get_by_role("banner").get_by_role("img", name="Avon Libraries")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.naturalWidth") == 160
    chat.get_by_role("banner").screenshot(path=tmp_path / "widget-header.png")
    chat.get_by_label("Your name (optional)").fill("Ada")
    chat.get_by_label("Your question").fill("Can I renew my books by chat?")
    chat.get_by_role("button", name="Start Chat").click()

    bexley.get_by_role("button", name="Claim Chat with Ada").click()
    expect(chat.get_by_text("Bob of Bexley joined the chat.")).to_be_visible()
    about = bexley.get_by_role("complementary", name="About Ada")
    expect(about.get_by_role("heading", name="Home library: Avon Libraries")).to_be_visible()
    notes = about.get_by_label("Policy notes for State 24/7")
    expect(notes).to_contain_text("No renewals by chat")
    expect(notes).to_contain_text("ask@avon.example")
    reply = bexley.get_by_role("textbox", name="Reply to Ada")
    reply.fill("Avon renews at the desk or online; ask@avon.example follows up.")
    reply.press("Enter")
    expect(chat.get_by_text("ask@avon.example follows up.")).to_be_visible()
    # The first answer reloads the panel (it says Answered now): the notes are read from that.
    expect(about.locator("dd.answered")).to_have_text("Answered")
    expect(notes).to_contain_text("No renewals by chat")
    bexley.screenshot(path=tmp_path / "coop-console.png")

    # On a phone-wide screen the home library and its notes are still there, and nothing
    # scrolls sideways.
    bexley.set_viewport_size({"width": 360, "height": 740})
    notes.scroll_into_view_if_needed()
    expect(notes).to_be_in_viewport()
    assert (
        bexley.evaluate(
            "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
        )
        <= 0
    )

    patron_ends_chat(chat)
    avon = log_in(browser.new_context().new_page(), people["alice"], "/dashboard/transcripts/")
    avon.get_by_role("table").get_by_role("link").click()
    expect(avon.get_by_role("heading", name="Chat with Ada · Avon site")).to_be_visible()
    expect(avon.get_by_role("list", name="Messages").get_by_role("listitem")).to_have_text(
        [
            timed("Bob of Bexley joined the chat."),
            timed("Bob of Bexley: Avon renews at the desk or online; ask@avon.example follows up."),
            timed("Ada ended the chat."),
        ]
    )


def test_avon_finds_bexleys_operator_under_bexley_and_writes_by_keyboard(
    browser, log_in, live_server_daphne, sites, tmp_path
):
    people = coop_libraries(sites().url)
    bexley = log_in(browser.new_context().new_page(), people["bob"])
    sign_in(bexley)
    avon = log_in(browser.new_context().new_page(), people["alice"])
    internal = avon.get_by_role("navigation", name="Internal chat rooms")
    partners = internal.get_by_role("list", name="Bexley Libraries")
    bob = partners.get_by_role("button", name="Bob of Bexley")
    # Bob is signed in: his dot says so, as a colleague's would.
    expect(bob.locator(".dot")).to_have_class("dot status-online")
    bob.focus()
    avon.keyboard.press("Enter")
    expect(avon.locator("#chat-title")).to_have_text("Bob of Bexley")
    editor = avon.get_by_role("textbox", name="Message")
    editor.focus()
    avon.keyboard.type("Could Bexley cover our desk at five?")
    avon.keyboard.press("Enter")
    expect(avon.locator("#chat-messages .body")).to_have_text(
        "Could Bexley cover our desk at five?"
    )
    avon.set_viewport_size({"width": 1200, "height": 800})
    internal.screenshot(path=tmp_path / "coop-internal-chat.png")

    # A one-to-one room is its writer: "Alice of Avon: …", not "Alice of Avon in Alice of Avon".
    expect(bexley.locator("#internal-announcer")).to_have_text(
        "Alice of Avon: Could Bexley cover our desk at five?"
    )
    alice = bexley.get_by_role("list", name="Avon Libraries").get_by_role(
        "button", name="Alice of Avon"
    )
    expect(alice.locator(".badge")).to_have_attribute("data-unread", "1")
    alice.click()
    expect(bexley.locator("#chat-messages .body")).to_have_text(
        "Could Bexley cover our desk at five?"
    )
