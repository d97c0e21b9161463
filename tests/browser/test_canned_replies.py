"""Canned replies as an operator uses them: "/" or the Canned button in a reply box, a pick with
the keyboard, the variables filled for the chat, in patron chats and in internal chat."""

import re

import pytest
from playwright.sync_api import expect

from canned import services
from libchat.core.models import SiteSettings
from tests.browser.desks import reference_widget
from tests.browser.pages import outside_the_loop
from tests.browser.test_console import _operator, _patron, _row, _say
from tests.factories import DepartmentFactory, MembershipFactory, OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WELCOME = "Hi {patron_name}, this is {operator_name} at {library_name}."


def _desk_with_replies():
    """Alice, who monitors Reference; the Main site widget; a library name; replies shared
    with everyone, with Reference, with Circulation (not hers) and her own."""

    def create():
        alice = OperatorFactory(display_name="Alice")
        widget = reference_widget(alice)
        settings_row = SiteSettings.load()
        settings_row.library_name = "Springfield Public Library"
        settings_row.save()
        services.canned_reply_create(title="Welcome", shortcut="hi", body=WELCOME)
        services.canned_reply_create(
            department=widget.first_department,
            title="Opening hours",
            shortcut="hours",
            body="We are open <b>9 to 5</b> on {widget_title}.",
        )
        services.canned_reply_create(
            department=DepartmentFactory(name="Circulation"), title="Circulation only", body="c"
        )
        services.canned_reply_create(
            owner=alice, title="One moment", shortcut="wait", body="One moment, {patron_name}."
        )
        return alice, widget

    return outside_the_loop(create)


def _claimed(page, name):
    page.get_by_role("button", name=f"Claim Chat with {name}").click()
    pane = page.get_by_role("article", name=f"Chat with {name}")
    expect(pane.get_by_role("textbox", name=f"Reply to {name}")).to_be_focused()
    return pane


def test_slash_filters_enter_inserts_the_filled_reply_and_the_patron_reads_it_edited(
    browser, log_in, live_server_daphne
):
    alice, widget = _desk_with_replies()
    alices = _operator(browser, log_in, alice)
    ada = _patron(browser, live_server_daphne.url, widget, "Ada")
    pane = _claimed(alices, "Ada")
    reply = pane.get_by_role("textbox", name="Reply to Ada")
    listbox = pane.get_by_role("listbox", name="Canned replies")
    options = listbox.get_by_role("option")

    reply.press_sequentially("/")
    # Hers, Reference's, everyone's; never Circulation's.
    expect(options).to_have_count(3)
    expect(options.nth(0)).to_contain_text("One moment")
    expect(options).not_to_contain_text(["Circulation only"])
    reply.press_sequentially("h")
    # Shortcuts that start with what is typed come first (hers, her departments', everyone's).
    expect(options.nth(0)).to_have_text(re.compile(r"^Opening hours /hours · Reference$"))
    expect(options.nth(1)).to_have_text(re.compile(r"^Welcome /hi · Everyone$"))
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    reply.press("ArrowUp")  # wraps round to the last
    expect(options.last).to_have_attribute("aria-selected", "true")
    reply.press("ArrowDown")
    reply.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    expect(reply).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id"))
    expect(reply).to_be_focused()  # the list is read from the reply box, which keeps the caret
    reply.press("Enter")

    expect(listbox).to_be_hidden()
    expect(reply).to_have_text("Hi Ada, this is Alice at Springfield Public Library.")
    expect(reply).to_be_focused()
    reply.press_sequentially(" How can I help?")
    reply.press("Enter")
    said = "Hi Ada, this is Alice at Springfield Public Library. How can I help?"
    expect(ada.locator("#patron-messages li.from-operator .body")).to_have_text(said)
    expect(reply).to_be_empty()

    # Escape closes the list and "/" typed on is only text; a shared reply keeps its markup.
    reply.press_sequentially("/ho")
    expect(options).to_have_count(1)
    reply.press("Escape")
    expect(listbox).to_be_hidden()
    reply.press_sequentially("u")
    expect(listbox).to_be_hidden()
    reply.press("Control+a")
    reply.press("Backspace")
    reply.press_sequentially("/hours")
    expect(options).to_have_count(1)
    reply.press("Enter")
    reply.press("Enter")
    expect(ada.locator("#patron-messages li.from-operator b")).to_have_text("9 to 5")
    expect(ada.locator("#patron-messages li.from-operator .body").last).to_have_text(
        "We are open 9 to 5 on Chat with a librarian."
    )


def test_a_message_arriving_while_the_list_is_open_moves_neither_focus_nor_list(
    browser, log_in, live_server_daphne
):
    alice, widget = _desk_with_replies()
    alices = _operator(browser, log_in, alice)
    ada = _patron(browser, live_server_daphne.url, widget, "Ada")
    bea = _patron(browser, live_server_daphne.url, widget, "Bea")
    _claimed(alices, "Bea")
    pane = _claimed(alices, "Ada")
    reply = pane.get_by_role("textbox", name="Reply to Ada")
    listbox = pane.get_by_role("listbox", name="Canned replies")

    reply.press_sequentially("/wa")
    expect(listbox.get_by_role("option")).to_have_count(1)
    _say(ada, "Are you there?")
    _say(bea, "Hello? Anyone?")
    expect(pane.locator(".chat-messages li.from-patron").last).to_contain_text("Are you there?")
    expect(_row(alices, "Bea").locator(".row-unread")).to_have_attribute("data-unread", "1")

    # The list is still open in Ada's chat, the caret still in her reply box.
    expect(pane).to_be_visible()
    expect(listbox).to_be_visible()
    expect(reply).to_be_focused()
    expect(alices.get_by_role("listbox", name="Canned replies").filter(visible=True)).to_have_count(
        1
    )
    reply.press("Enter")
    expect(reply).to_have_text("One moment, Ada.")
    bea_pane = alices.locator('#my-chats article[aria-label="Chat with Bea"]')
    expect(bea_pane.locator('[data-part="editor"]')).to_be_empty()


def test_the_canned_button_at_320_px_and_in_internal_chat(browser, log_in, live_server_daphne):
    def create():
        department = DepartmentFactory(name="Reference", slug="reference")
        alice = OperatorFactory(display_name="Alice")
        MembershipFactory(department=department, operator=alice)
        services.canned_reply_create(title="Welcome", shortcut="hi", body=WELCOME)
        services.canned_reply_create(title="Hours", shortcut="hours", body="Open 9 to 5.")
        return department, alice

    department, alice = outside_the_loop(create)
    page = log_in(browser.new_context(viewport={"width": 320, "height": 640}).new_page(), alice)
    page.goto(f"{live_server_daphne.url}/dashboard/internal/")
    page.locator(f'.room-link[data-department-id="{department.pk}"]').click()
    expect(page.locator("#chat-title")).to_have_text("Reference")
    editor = page.get_by_role("textbox", name="Message")

    page.get_by_role("button", name="Canned").click()
    search = page.get_by_role("combobox", name="Search canned replies")
    expect(search).to_be_focused()
    options = page.get_by_role("listbox", name="Canned replies").get_by_role("option")
    expect(options).to_have_count(2)
    search.press_sequentially("welc")
    expect(options).to_have_count(1)
    expect(options.first).to_be_in_viewport()
    box = options.first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 320
    search.press("Enter")
    # No patron in internal chat: a neutral word, never "{patron_name}"; no library name set.
    expect(editor).to_have_text("Hi there, this is Alice at the library.")
    expect(editor).to_be_focused()
    editor.press("Enter")
    expect(page.locator("#chat-messages .body").last).to_have_text(
        "Hi there, this is Alice at the library."
    )

    page.get_by_role("button", name="Canned").click()
    expect(search).to_be_focused()
    search.press("Escape")
    expect(search).to_be_hidden()
    expect(editor).to_be_focused()
