"""A ticket answered inside LibChat, the way a desk does it: two operators open the same ticket,
one answers while the other writes, the patron gets the answer by email with the question
quoted, and a staff note stays behind (issue 14)."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from chats import services
from tests.browser.desks import reference_widget
from tests.browser.pages import outside_the_loop, screenshot, sign_in
from tests.browser.test_console import RECORD_SOUNDS
from tests.browser.test_keyboard_patron import _tab_to
from tests.factories import OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_operators_answer_a_ticket_and_the_patron_gets_both_answers_by_email(
    browser, log_in, live_server_daphne
):
    def create():
        alice, bob = OperatorFactory(display_name="Alice"), OperatorFactory(display_name="Bob")
        widget = reference_widget(alice, bob, offline_behaviour="ticket_form")
        return alice, bob, widget

    alice, bob, widget = outside_the_loop(create)
    # Alice is at the desk, signed in: a new ticket rings and is counted in her header and rail.
    alices_context = browser.new_context()
    alices_context.add_init_script(RECORD_SOUNDS)
    alices = log_in(alices_context.new_page(), alice)
    sign_in(alices)
    expect(alices.locator("#open-tickets")).to_be_hidden()
    outside_the_loop(
        lambda: services.ticket_create(
            widget=widget, name="Ada", email="ada@example.org", question="Can I renew by phone?"
        )
    )
    expect(alices.get_by_role("link", name="1 open ticket")).to_be_visible()
    expect(alices.locator("#rail-tickets")).to_have_text("Tickets (1)")
    alices.wait_for_function("() => window.__sounds >= 1")  # it rang, as a waiting chat does
    screenshot(alices, "console-open-ticket")
    alices.get_by_role("link", name="1 open ticket").click()
    bobs = log_in(browser.new_context().new_page(), bob, "/dashboard/tickets/")
    for page in (alices, bobs):
        page.get_by_role("link", name="Can I renew by phone?").click()
        expect(page.get_by_role("heading", name=re.compile("Ticket from Ada"))).to_be_visible()
        # The reply box takes typing once the editor's script holds it, never before.
        expect(page.get_by_label("Your answer, or a note for staff")).to_be_editable()

    # Alice starts writing; Bob answers first.
    alices.get_by_label("Your answer, or a note for staff").fill("Yes: call 555-0100")
    bobs.get_by_label("Your answer, or a note for staff").fill("Yes, during opening hours.")
    bobs.get_by_role("button", name="Send Answer").click()
    expect(bobs.get_by_role("status")).to_contain_text("Answer sent to ada@example.org")
    expect(bobs.locator(".ticket-status")).to_contain_text("Answered by Bob")
    # Alice's text is still hers to finish, with the keyboard alone; a reload keeps it.
    box = alices.get_by_label("Your answer, or a note for staff")
    expect(box).to_have_text("Yes: call 555-0100")
    alices.reload()
    expect(box).to_be_editable()
    expect(box).to_have_text("Yes: call 555-0100")
    box.press("End")
    box.press_sequentially(", option 2.")
    box.press("Enter")  # in an email, Enter adds a line
    box.press_sequentially("Ask for Ada.")
    box.press("Control+b")
    box.press_sequentially("Thanks!")
    _tab_to(alices, alices.get_by_role("button", name="Send Answer"))
    alices.keyboard.press("Enter")
    thread = alices.get_by_role("list", name="Thread")
    expect(thread.locator("li")).to_have_count(3)  # the question and both answers
    expect(thread).to_contain_text("Yes, during opening hours.")
    expect(thread).to_contain_text("Yes: call 555-0100, option 2.")
    expect(thread.locator("li").last.locator(".body b")).to_have_text("Thanks!")
    expect(alices.locator(".ticket-status")).to_contain_text("Answered by Bob")  # first credit
    expect(alices.locator("#open-tickets")).to_be_hidden()  # none open any more

    # A note for staff: stays in LibChat.
    expect(alices.get_by_label("Your answer, or a note for staff")).to_be_editable()
    alices.get_by_label("Your answer, or a note for staff").fill("Ada also asked at the desk.")
    alices.get_by_role("button", name="Add note").click()
    expect(alices.get_by_role("status")).to_contain_text("Patrons never see notes.")
    expect(thread.locator("li.staff-note")).to_contain_text("(staff only)")
    expect(thread.locator(".mail-sent")).to_have_count(2)
    screenshot(alices, "ticket")
    # What was posted is the server's: no draft comes back with the next visit.
    alices.reload()
    expect(box).to_be_editable()
    expect(box).to_have_text("")

    mails = [p.read_text() for p in Path(live_server_daphne.mail_dir).glob("*.log")]
    answers = [m for m in mails if "Re: your question to" in m]
    assert len(answers) == 2 and not any("Ada also asked" in m for m in mails)
    assert all("> Can I renew by phone?" in m and "To: ada@example.org" in m for m in answers)
    assert any("option 2.\nAsk for Ada.Thanks!" in m for m in answers)  # text, no tags


def test_an_operator_follows_up_a_chat_from_its_pane_and_the_ticket_is_counted(
    browser, log_in, live_server_daphne
):
    def create():
        alice = OperatorFactory(display_name="Alice")
        widget = reference_widget(alice)
        return alice, widget

    alice, widget = outside_the_loop(create)
    context = browser.new_context()
    alices = log_in(context.new_page(), alice)
    sign_in(alices)

    def a_chat():
        chat, _ = services.chat_start(
            widget=widget, name="Ada", email="ada@example.org", question="Is my ILL here?"
        )
        services.chat_claim(chat=chat, operator=alice)

    outside_the_loop(a_chat)
    alices.reload()
    pane = alices.get_by_role("article", name="Chat with Ada")
    reply = pane.get_by_role("textbox", name="Reply to Ada")
    reply.fill("Let me check")  # half-typed, and it stays so
    with context.expect_page() as opened:
        pane.get_by_role("link", name="Follow up with a ticket").click()
    follow_up = opened.value
    follow_up.get_by_label(re.compile("What is left to answer")).fill("ILL arrival")
    follow_up.get_by_label("Me (Alice)").check()
    follow_up.get_by_role("button", name="Make follow-up ticket").click()
    expect(follow_up.get_by_role("heading", name=re.compile("Ticket from Ada"))).to_be_visible()
    expect(follow_up.get_by_text("Assigned to")).to_be_visible()
    # The console, in the other tab, counts it without a reload; the reply is untouched.
    expect(alices.get_by_role("link", name="1 open ticket")).to_be_visible()
    expect(reply).to_have_text("Let me check")
