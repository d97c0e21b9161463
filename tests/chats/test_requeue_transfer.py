"""A claimant who leaves gives the chat back; transfers; the unclaimed alert; tickets; email."""

import re
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services as account_services
from accounts.models import DashboardConnection
from chats import selectors, services
from chats.errors import ChatAccessDenied, ChatInvalid, WidgetOffline
from chats.models import OfflineTicket, PatronChat
from chats.services import lifecycle, transcripts
from libchat.celery import app as celery_app
from tests.chats.people import desk, start
from tests.factories import DepartmentFactory, MembershipFactory, OperatorFactory, WidgetFactory
from tests.live import as_read
from tests.widgets.people import signed_in
from widgets.models import Widget

pytestmark = pytest.mark.django_db


def bodies(chat):
    return [m["body"] for m in selectors.chat_messages(chat_id=chat.pk)]


def test_a_claimant_who_signs_out_puts_the_chat_back_at_the_front_and_the_patron_is_told(
    django_capture_on_commit_callbacks,
):
    d = desk()
    held, _ = start(d.widget)
    services.chat_claim(chat=held, operator=d.operators[0])
    later, _ = start(d.widget)
    with django_capture_on_commit_callbacks(execute=True):
        account_services.libchat_sign_out(operator=d.operators[0])
    held.refresh_from_db()
    assert held.state == PatronChat.State.WAITING and held.claimed_by is None
    assert selectors.queue_positions(widget_id=d.widget.pk) == {held.pk: 1, later.pk: 2}
    assert bodies(held)[-1] == (
        f"{d.operators[0].name} signed out. You are back at the front of the line."
    )
    services.chat_claim(chat=held, operator=d.operators[1])


def claimant_last_answers_at(operator, when):
    DashboardConnection.objects.filter(operator=operator).update(last_seen=when)


def test_a_claimed_chat_is_requeued_90_seconds_after_its_claimants_last_answer():
    d = desk()
    chat, _ = start(d.widget)
    services.chat_claim(chat=chat, operator=d.operators[0])
    last_pong = timezone.now()
    claimant_last_answers_at(d.operators[0], last_pong)
    assert services.chats_requeue_unreachable(now=last_pong + timedelta(seconds=61)) == 0
    assert services.chats_requeue_unreachable(now=last_pong + timedelta(seconds=89)) == 0
    assert PatronChat.objects.get(pk=chat.pk).state == PatronChat.State.ACTIVE
    assert services.chats_requeue_unreachable(now=last_pong + timedelta(seconds=91)) == 1
    chat.refresh_from_db()
    assert chat.state == PatronChat.State.WAITING
    assert "could not be reached" in bodies(chat)[-1]


def test_the_first_watchdog_run_after_90_silent_seconds_requeues_even_if_the_tab_expired():
    # The crash case: no close reaches the server, the expiry job removes the silent tab's record
    # after the alive window, and the watchdog's first look at the claimant is already late.
    d = desk()
    chat, _ = start(d.widget)
    services.chat_claim(chat=chat, operator=d.operators[0])
    last_pong = timezone.now()
    claimant_last_answers_at(d.operators[0], last_pong)
    account_services.connections_expire(now=last_pong + timedelta(seconds=61))
    assert not DashboardConnection.objects.exists()
    assert services.chats_requeue_unreachable(now=last_pong + timedelta(seconds=89)) == 0
    assert services.chats_requeue_unreachable(now=last_pong + timedelta(seconds=91)) == 1


def test_a_claimant_whose_tab_closed_is_requeued_90_seconds_after_its_last_answer():
    d = desk()
    chat, _ = start(d.widget)
    services.chat_claim(chat=chat, operator=d.operators[0])
    last_pong = timezone.now()
    claimant_last_answers_at(d.operators[0], last_pong)
    (connection,) = DashboardConnection.objects.filter(operator=d.operators[0])
    account_services.connection_close(channel_name=connection.channel_name)
    assert services.chats_requeue_unreachable(now=last_pong + timedelta(seconds=89)) == 0
    assert services.chats_requeue_unreachable(now=last_pong + timedelta(seconds=91)) == 1


def test_the_watchdog_requeues_at_once_a_chat_whose_claimants_sign_out_went_unfollowed():
    # The sign-out's own follow-up runs after commit (none here), and may fail; the beat catches up.
    d = desk()
    chat, _ = start(d.widget)
    services.chat_claim(chat=chat, operator=d.operators[0])
    account_services.libchat_sign_out(operator=d.operators[0])
    assert PatronChat.objects.get(pk=chat.pk).state == PatronChat.State.ACTIVE
    assert services.chats_requeue_unreachable() == 1
    chat.refresh_from_db()
    assert chat.state == PatronChat.State.WAITING
    assert "signed out" in bodies(chat)[-1]


def test_a_requeue_time_shorter_than_the_alive_window_never_takes_a_reachable_claimants_chat(
    settings,
):
    settings.LIBCHAT_REQUEUE_AFTER_SECONDS = 10
    d = desk()
    chat, _ = start(d.widget)
    services.chat_claim(chat=chat, operator=d.operators[0])
    last_pong = timezone.now()
    claimant_last_answers_at(d.operators[0], last_pong)
    assert services.chats_requeue_unreachable(now=last_pong + timedelta(seconds=30)) == 0
    assert services.chats_requeue_unreachable(now=last_pong + timedelta(seconds=61)) == 1


def test_a_claimant_back_within_90_seconds_keeps_the_chat():
    d = desk()
    chat, _ = start(d.widget)
    services.chat_claim(chat=chat, operator=d.operators[0])
    last_pong = timezone.now()
    claimant_last_answers_at(d.operators[0], last_pong)
    assert services.chats_requeue_unreachable(now=last_pong + timedelta(seconds=80)) == 0
    claimant_last_answers_at(d.operators[0], last_pong + timedelta(seconds=85))
    assert services.chats_requeue_unreachable(now=last_pong + timedelta(seconds=100)) == 0
    assert services.chats_requeue_unreachable(now=last_pong + timedelta(seconds=174)) == 0
    assert PatronChat.objects.get(pk=chat.pk).claimed_by == d.operators[0]


def test_a_chat_unclaimed_for_two_minutes_alerts_once():
    d = desk()
    chat, _ = start(d.widget)
    now = timezone.now()
    assert services.chats_alert_unclaimed(now=now + timedelta(seconds=119)) == 0
    assert services.chats_alert_unclaimed(now=now + timedelta(seconds=121)) == 1
    assert services.chats_alert_unclaimed(now=now + timedelta(seconds=200)) == 0
    assert PatronChat.objects.get(pk=chat.pk).unclaimed_alert_at is not None


def test_transfer_to_a_department_queues_it_there_and_only_its_monitors_can_claim():
    d = desk()
    circulation = DepartmentFactory(name="Circulation")
    carol = OperatorFactory(display_name="Carol")
    MembershipFactory(operator=carol, department=circulation)
    signed_in(carol)
    chat, _ = start(d.widget)
    services.chat_claim(chat=chat, operator=d.operators[0])
    with pytest.raises(ChatAccessDenied):
        services.chat_transfer(chat=chat, operator=d.operators[1], to_department=circulation)
    services.chat_transfer(
        chat=chat, operator=d.operators[0], to_department=circulation, note="Renewals question"
    )
    chat.refresh_from_db()
    assert (chat.state, chat.department, chat.claimed_by) == ("waiting", circulation, None)
    assert "Renewals question" in chat.internal_note
    assert bodies(chat)[-1] == f"{d.operators[0].name} transferred the chat to Circulation."
    assert [c["id"] for c in selectors.chats_waiting_for(operator=carol)] == [chat.pk]
    assert selectors.chats_waiting_for(operator=d.operators[1]) == []
    with pytest.raises(ChatAccessDenied):
        services.chat_claim(chat=chat, operator=d.operators[1])
    services.chat_claim(chat=chat, operator=carol)
    assert PatronChat.objects.get(pk=chat.pk).claimed_by == carol


def test_chats_transferred_to_a_department_share_its_line_and_leave_their_widgets_line(
    django_capture_on_commit_callbacks,
):
    reference, music = desk(), desk()
    circulation = DepartmentFactory(name="Circulation")
    carol = OperatorFactory(display_name="Carol")
    MembershipFactory(operator=carol, department=circulation)
    signed_in(carol)
    first, _ = start(reference.widget)
    second, _ = start(music.widget)
    waiting_at_reference, _ = start(reference.widget)
    for chat, d in ((first, reference), (second, music)):
        services.chat_claim(chat=chat, operator=d.operators[0])
        services.chat_transfer(chat=chat, operator=d.operators[0], to_department=circulation)
    first.refresh_from_db()
    second.refresh_from_db()
    # The department's line holds both widgets' chats in the order they arrived there; the
    # widget's own line no longer counts the chat that moved on.
    assert selectors.queue_positions(department_id=circulation.pk) == {first.pk: 1, second.pk: 2}
    assert selectors.queue_position(chat=second) == 2
    assert selectors.queue_positions(widget_id=reference.widget.pk) == {waiting_at_reference.pk: 1}

    # Carol drops out: the chat she held goes back to the front of Circulation's line.
    services.chat_claim(chat=second, operator=carol)
    assert selectors.queue_position(chat=first) == 1
    with django_capture_on_commit_callbacks(execute=True):
        account_services.libchat_sign_out(operator=carol)
    second.refresh_from_db()
    assert selectors.queue_positions(department_id=circulation.pk) == {second.pk: 1, first.pk: 2}


def test_transfer_to_an_operator_needs_them_reachable_and_hands_the_chat_over():
    d = desk()
    away = OperatorFactory()
    signed_in(away, reachable=False)
    chat, _ = start(d.widget)
    services.chat_claim(chat=chat, operator=d.operators[0])
    with pytest.raises(ChatInvalid, match="cannot take chats"):
        services.chat_transfer(chat=chat, operator=d.operators[0], to_operator=away)
    services.chat_transfer(chat=chat, operator=d.operators[0], to_operator=d.operators[1])
    chat.refresh_from_db()
    assert (chat.state, chat.claimed_by) == ("active", d.operators[1])
    with pytest.raises(ChatAccessDenied):
        services.message_send(chat=chat, operator=d.operators[0], body="still mine?")
    services.message_send(chat=chat, operator=d.operators[1], body="Hello, I can help.")


def test_offline_form_creates_a_ticket_and_message_only_mode_creates_nothing():
    form = WidgetFactory(offline_behaviour=Widget.Offline.TICKET_FORM)
    ticket = services.ticket_create(
        widget=form, name="Ada", email="ada@example.org", question="Do you open Sundays?"
    )
    assert OfflineTicket.objects.get() == ticket
    with pytest.raises(ValidationError) as refused:
        services.ticket_create(widget=form, email="nope", question="")
    assert set(refused.value.message_dict) == {"email", "question"}
    message_only = WidgetFactory(offline_behaviour=Widget.Offline.MESSAGE)
    with pytest.raises(WidgetOffline):
        services.ticket_create(widget=message_only, email="ada@example.org", question="Hi")
    assert OfflineTicket.objects.count() == 1


def test_the_transcript_is_emailed_to_the_address_the_patron_gave(
    django_capture_on_commit_callbacks,
):
    d = desk(title="Ask a Librarian")
    chat, _ = start(d.widget, name="Ada", email="ada@example.org", question="Hours?")
    services.chat_claim(chat=chat, operator=d.operators[0])
    services.message_send(chat=chat, body="Open late? <b>Please</b>\n")  # typed, not markup
    services.message_send(chat=chat, operator=d.operators[0], body="Until <b>8</b> &amp; later")
    services.chat_end(chat=chat)
    with django_capture_on_commit_callbacks(execute=True):  # the worker's mail
        services.chat_transcript_email(chat=chat)
    (email,) = mail.outbox
    assert email.to == ["ada@example.org"] and email.subject == "Your chat with Ask a Librarian"
    text = email.body
    assert "Ada: Open late? <b>Please</b>\n" in text
    assert f"{d.operators[0].name}: Until 8 & later" in text
    assert text.index("joined the chat") < text.index("Open late") < text.index("Until 8")
    # LibChat's own lines have no speaker, as on the transcript page: no "*:".
    lines = text.splitlines()
    assert re.fullmatch(rf"\[\d\d:\d\d UTC\] {d.operators[0].name} joined the chat\.", lines[2])
    assert re.fullmatch(r"\[\d\d:\d\d UTC\] Ada ended the chat\.", lines[-1])
    assert "*:" not in text
    nameless, _ = start(d.widget)
    with pytest.raises(ChatInvalid):
        services.chat_transcript_email(chat=nameless)


def test_a_transcript_the_mail_server_refused_is_sent_on_a_later_try(
    monkeypatch, django_capture_on_commit_callbacks
):
    d = desk()
    chat, _ = start(d.widget, name="Ada", email="ada@example.org")
    services.chat_end(chat=chat)
    refusals = [smtplib.SMTPServerDisconnected("Connection unexpectedly closed")]
    real_send_mail = transcripts.send_mail

    def flaky_send_mail(**kwargs):
        if refusals:
            raise refusals.pop()
        return real_send_mail(**kwargs)

    monkeypatch.setattr(transcripts, "send_mail", flaky_send_mail)
    # As a worker does: a retry runs the task again rather than failing the caller.
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)
    with django_capture_on_commit_callbacks(execute=True):  # the worker's mail, tried again
        services.chat_transcript_email(chat=chat)
    assert refusals == [] and [m.to for m in mail.outbox] == [["ada@example.org"]]


def test_a_waiting_chat_whose_patron_left_is_ended_and_leaves_the_queue():
    d = desk()
    gone, _ = start(d.widget, name="Ada")
    still_here, _ = start(d.widget)
    claimed, _ = start(d.widget)
    services.chat_claim(chat=claimed, operator=d.operators[0])
    later = timezone.now() + timedelta(seconds=121)
    PatronChat.objects.filter(pk=still_here.pk).update(patron_seen_at=later)
    assert services.chats_end_abandoned(now=later - timedelta(seconds=2)) == 0
    assert services.chats_end_abandoned(now=later) == 1
    gone.refresh_from_db()
    assert gone.state == PatronChat.State.ENDED
    assert bodies(gone) == ["Ada left the chat."]
    assert selectors.queue_positions(widget_id=d.widget.pk) == {still_here.pk: 1}
    assert PatronChat.objects.get(pk=claimed.pk).state == PatronChat.State.ACTIVE


def test_a_claimed_chat_whose_patron_left_is_ended_after_ten_minutes(
    django_capture_on_commit_callbacks,
):
    d = desk()
    chat, _ = start(d.widget, name="Ada")
    services.chat_claim(chat=chat, operator=d.operators[0])
    seen = PatronChat.objects.get(pk=chat.pk).patron_seen_at
    # A phone asleep for a few minutes keeps its chat; the operator's pane shows the patron away.
    assert services.chats_end_abandoned(now=seen + timedelta(seconds=599)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.chats_end_abandoned(now=seen + timedelta(seconds=601)) == 1
    chat.refresh_from_db()
    assert chat.state == PatronChat.State.ENDED
    assert bodies(chat)[-1] == "Ada left the chat."


def test_the_operator_reads_a_plain_sentence_for_how_their_chat_left_them(
    monkeypatch, django_capture_on_commit_callbacks
):
    frames = []
    monkeypatch.setattr(lifecycle, "live_send", lambda group, frame: frames.append(as_read(frame)))
    told = lambda: [f["message"] for f in frames if f["event"] in ("chat.ended", "ended")]  # noqa: E731
    d = desk()
    alice = d.operators[0]
    circulation = DepartmentFactory(name="Circulation")
    MembershipFactory(operator=alice, department=circulation)
    chat, _ = start(d.widget, name="Ada")
    services.chat_claim(chat=chat, operator=alice)
    with django_capture_on_commit_callbacks(execute=True):
        services.chat_transfer(chat=chat, operator=alice, to_department=circulation)
    assert told() == ["You transferred the chat to Circulation's queue."]

    frames.clear()
    services.chat_claim(chat=chat, operator=alice)
    with django_capture_on_commit_callbacks(execute=True):
        account_services.libchat_sign_out(operator=alice)
    assert told() == ["The chat went back to the queue: you signed out."]

    frames.clear()
    signed_in(alice)
    services.chat_claim(chat=chat, operator=alice)
    with django_capture_on_commit_callbacks(execute=True):
        services.chat_end(chat=chat, operator=alice)
    # The patron hears who ended it; the operator's own pane does not name them.
    assert told() == [f"{alice.name} ended the chat.", "You ended the chat."]
