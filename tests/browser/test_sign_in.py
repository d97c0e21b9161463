"""What an operator does in the dashboard header, in Chromium against a real daphne."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.desks import reference_widget
from tests.browser.pages import outside_the_loop, settled, sign_in, slow_network
from tests.factories import OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def header(page):
    return page.locator("header.topbar")


def test_sign_in_status_and_sign_out_with_confirmation(page, log_in):
    operator = OperatorFactory()
    log_in(page, operator)
    expect(page.locator("#libchat-global")).to_have_text("LibChat is Offline")
    expect(page.locator("#libchat-me")).to_contain_text("LibChat: You are offline: Sign In")
    expect(page.locator("#my-dot")).to_have_attribute("data-status", "offline")

    sign_in(page)
    expect(page.locator("#libchat-me")).to_contain_text("LibChat: You are online: Go Chat")
    expect(page.locator("#libchat-global")).to_have_text("LibChat is Online")
    expect(page.locator("#my-dot")).to_have_attribute("data-status", "online")

    for status in ["Away", "Internal", "Online"]:
        page.get_by_role("button", name=re.compile("Your status")).click()
        page.get_by_role("menuitem", name=status).click()
        expect(page.locator("#my-dot")).to_have_attribute("data-status", status.lower())
        expect(page.locator("#libchat-me")).to_contain_text(f"You are {status.lower()}: Go Chat")

    page.get_by_role("button", name=re.compile("Your status")).click()
    page.get_by_role("menuitem", name="Sign out").click()
    dialog = page.get_by_role("dialog", name="Sign out of LibChat?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.locator("#my-dot")).to_have_attribute("data-status", "online")

    page.get_by_role("button", name=re.compile("Your status")).click()
    page.get_by_role("menuitem", name="Sign out").click()
    dialog.get_by_role("button", name="Sign out").click()
    expect(page.locator("#libchat-me")).to_contain_text("LibChat: You are offline: Sign In")
    expect(page.locator("#my-dot")).to_have_attribute("data-status", "offline")
    expect(page.locator("#libchat-global")).to_have_text("LibChat is Offline")


def test_a_second_browser_says_signed_in_elsewhere_and_takes_the_session_live(browser, log_in):
    operator = OperatorFactory()
    first = log_in(browser.new_context().new_page(), operator)
    sign_in(first)
    expect(first.locator("#my-dot")).to_have_attribute("data-status", "online")

    second_context = browser.new_context()
    second = log_in(second_context.new_page(), operator)
    second_tab = second_context.new_page()
    second_tab.goto(second.url)
    settled(second_tab)
    for page in (second, second_tab):
        expect(page.locator("#libchat-me")).to_contain_text(
            "LibChat: You are signed in at another location: Sign in here"
        )
        expect(page.locator("#me-online")).to_be_hidden()
        expect(page.locator("#my-dot")).to_have_attribute("data-status", "offline")
    second.get_by_role("button", name=re.compile("Your status")).click()
    expect(second.get_by_role("menuitem", name="Away")).to_be_hidden()
    expect(second.get_by_role("menuitem", name="Sign out")).to_be_hidden()
    second.get_by_role("menuitem", name="Sign in here").click()
    expect(
        second.get_by_role("heading", name="You are signed in at another location")
    ).to_be_visible()
    slow_network(second, latency_ms=150)
    second.get_by_role("button", name="End the other session and sign in here").click()
    # The page asking stays up, and turns online live, until the dashboard asked for replaces it:
    # its dot alone does not say the new page is there and ready for the status menu.
    expect(
        second.get_by_role("heading", name="You are signed in at another location")
    ).to_be_hidden()
    settled(second)
    expect(second.locator("#my-dot")).to_have_attribute("data-status", "online")

    # The other tab of the browser that now holds the session follows without a reload.
    expect(second_tab.locator("#libchat-me")).to_contain_text("LibChat: You are online: Go Chat")
    expect(second_tab.locator("#my-dot")).to_have_attribute("data-status", "online")

    expect(first.get_by_role("alert")).to_contain_text("you signed in at another location")
    expect(first.locator("#libchat-me")).to_contain_text(
        "You are signed in at another location: Sign in here"
    )
    expect(first.locator("#my-dot")).to_have_attribute("data-status", "offline")
    expect(first.locator("body")).to_have_attribute("data-socket", "closed")

    # Signing out from the holder turns the other browser's header to offline, live.
    second.get_by_role("button", name=re.compile("Your status")).click()
    second.get_by_role("menuitem", name="Sign out").click()
    second.get_by_role("dialog", name="Sign out of LibChat?").get_by_role(
        "button", name="Sign out"
    ).click()
    expect(second_tab.locator("#libchat-me")).to_contain_text("You are offline: Sign In")


def test_another_operators_sign_in_turns_my_header_online_without_reload(browser, log_in):
    alice, bob = OperatorFactory(display_name="Alice"), OperatorFactory(display_name="Bob")
    bob_page = log_in(browser.new_context().new_page(), bob)
    expect(bob_page.locator("#libchat-global")).to_have_text("LibChat is Offline")
    alice_row = bob_page.locator(f'[data-presence-operator="{alice.pk}"]')
    expect(alice_row).to_contain_text("Offline")

    alice_page = log_in(browser.new_context().new_page(), alice)
    sign_in(alice_page)

    expect(bob_page.locator("#libchat-global")).to_have_text("LibChat is Online")
    expect(alice_row).to_contain_text("Online")
    expect(alice_row.locator(".dot")).to_have_attribute("data-status", "online")

    alice_page.get_by_role("button", name=re.compile("Your status")).click()
    alice_page.get_by_role("menuitem", name="Away").click()
    expect(alice_row).to_contain_text("Away")

    alice_page.context.close()  # closing her last tab: she is no longer reachable
    expect(bob_page.locator("#libchat-global")).to_have_text("LibChat is Offline")
    expect(alice_row).to_contain_text("Offline")


def test_command_bar_connects_and_disconnects(page, log_in):
    log_in(page, OperatorFactory())
    page.keyboard.press("Control+k")
    command = page.get_by_role("textbox", name="Command")
    expect(command).to_be_focused()
    command.fill("connect")
    expect(page.get_by_role("option", name="LibChat > Connect")).to_be_visible()
    expect(page.get_by_role("option", name="LibChat > Disconnect")).to_be_hidden()
    command.press("Enter")
    settled(page)
    expect(page.locator("#libchat-me")).to_contain_text("You are online: Go Chat")

    page.get_by_role("button", name=re.compile("Commands")).click()
    command.fill("disconn")
    command.press("Enter")
    page.get_by_role("dialog", name="Sign out of LibChat?").get_by_role(
        "button", name="Sign out"
    ).click()
    expect(page.locator("#libchat-me")).to_contain_text("You are offline: Sign In")


def test_logged_in_but_not_signed_in_the_chats_tab_invites_to_sign_in_not_to_claim(
    browser, log_in, live_server_daphne
):
    def create():
        alice, carol = OperatorFactory(display_name="Alice"), OperatorFactory(display_name="Carol")
        return alice, carol, reference_widget(alice, carol)

    alice, carol, widget = outside_the_loop(create)
    alices = log_in(browser.new_context().new_page(), alice)
    sign_in(alices)
    patron = browser.new_context().new_page()
    patron.goto(f"{live_server_daphne.url}/widget/{widget.pk}/")
    patron.get_by_label("Your name (optional)").fill("Ada")
    patron.get_by_label("Your question").fill("Do you have Middlemarch?")
    patron.get_by_role("button", name="Start Chat").click()
    expect(alices.get_by_role("list", name="Waiting patrons")).to_contain_text("Ada")

    # Carol, logged in to the site but never signed in to LibChat, is not offered Ada's chat.
    carols = log_in(browser.new_context().new_page(), carol)
    invitation = carols.get_by_role(
        "region", name="Sign in to LibChat to see and answer patron chats"
    )
    expect(invitation).to_be_visible()
    expect(carols.get_by_role("heading", name="Waiting")).to_be_hidden()
    expect(carols.get_by_role("list", name="Waiting patrons")).to_be_hidden()
    expect(carols.get_by_role("button", name="Claim Chat with Ada")).to_have_count(0)

    invitation.get_by_role("button", name="Sign In").click()
    settled(carols)
    expect(carols.locator("#libchat-me")).to_contain_text("You are online: Go Chat")
    expect(invitation).to_be_hidden()
    expect(carols.get_by_role("list", name="Waiting patrons")).to_contain_text("Ada")
    carols.get_by_role("button", name="Claim Chat with Ada").click()
    expect(patron.get_by_text("You are chatting with Carol")).to_be_visible()
