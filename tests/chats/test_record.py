"""A chat's true record: who held it (claims, transfers with notes, requeues, the end), its
wait, first response and handling time, every operator who took part; shown in Transcripts."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import DashboardConnection
from accounts.services import libchat_sign_out
from chats import selectors, services
from chats.models import ChatEvent, PatronChat
from tests.chats.people import desk, start
from tests.factories import MembershipFactory, OperatorFactory
from tests.widgets.people import signed_in

pytestmark = pytest.mark.django_db

ASKED = datetime(2026, 3, 2, 14, 0, 0, tzinfo=UTC)


def beat() -> None:
    """Every dashboard answers a ping now, so the operators stay reachable as time moves."""
    DashboardConnection.objects.update(last_seen=timezone.now())


def fresh(chat: PatronChat) -> PatronChat:
    return PatronChat.objects.get(pk=chat.pk)


def test_a_chat_transferred_twice_and_requeued_once_reports_its_times_and_every_operator():
    d = desk(operators=3)
    alice, bob, carol = d.operators
    with time_machine.travel(ASKED, tick=False) as clock:
        beat()
        chat, _ = start(d.widget, name="Ada")
        clock.shift(timedelta(seconds=30))
        beat()
        services.chat_claim(chat=chat, operator=alice)
        clock.shift(timedelta(seconds=20))
        services.message_send(chat=chat, operator=alice, body="Let me look.")
        clock.shift(timedelta(seconds=70))
        beat()
        services.chat_transfer(
            chat=fresh(chat), operator=alice, to_operator=bob, note="Needs an ILL form"
        )
        clock.shift(timedelta(seconds=60))
        services.message_send(chat=chat, operator=bob, body="Here is the form.")
        services.chat_transfer(
            chat=fresh(chat), operator=bob, to_department=d.widget.first_department, note="Maps"
        )
        clock.shift(timedelta(seconds=60))
        beat()
        services.chat_claim(chat=fresh(chat), operator=carol)
        clock.shift(timedelta(seconds=60))
        assert services.chat_requeue(chat=fresh(chat), reason=ChatEvent.Reason.SIGNED_OUT)
        clock.shift(timedelta(seconds=30))
        beat()
        services.chat_claim(chat=fresh(chat), operator=alice)
        clock.shift(timedelta(seconds=90))
        services.chat_end(chat=fresh(chat), operator=alice)

    chat = selectors.transcript_for(operator=alice, chat_id=chat.pk)
    assert chat.answered
    assert chat.wait == timedelta(seconds=30)
    assert chat.first_response == timedelta(seconds=50)
    # From Alice's first claim to the end, the requeue and the transfers included.
    assert chat.handling_time == timedelta(seconds=20 + 70 + 60 + 60 + 60 + 30 + 90)
    assert [took.operator for took in chat.took_part] == [alice, bob, carol]
    assert [took.first_message_at is not None for took in chat.took_part] == [True, True, False]
    assert [(e.kind, e.description, e.note) for e in chat.record] == [
        ("claimed", f"{alice.name} claimed it", ""),
        ("transferred", f"{alice.name} transferred it to {bob.name}", "Needs an ILL form"),
        (
            "to_department",
            f"{bob.name} transferred it to {d.widget.first_department.name}'s queue",
            "Maps",
        ),
        ("claimed", f"{carol.name} claimed it", ""),
        ("requeued", f"Back to the queue: {carol.name} signed out", ""),
        ("claimed", f"{alice.name} claimed it", ""),
        ("ended", f"{alice.name} ended it", ""),
    ]
    assert chat.record[0].at == ASKED + timedelta(seconds=30)
    assert chat.record[-1].at == chat.ended_at


def test_a_claimed_chat_nobody_wrote_in_is_not_answered_and_a_requeue_keeps_the_first_claim():
    d = desk()
    alice, bob = d.operators
    with time_machine.travel(ASKED, tick=False) as clock:
        chat, _ = start(d.widget)
        clock.shift(timedelta(seconds=40))
        services.chat_claim(chat=chat, operator=alice)
        clock.shift(timedelta(seconds=10))
        services.chat_requeue(chat=fresh(chat), reason=ChatEvent.Reason.UNREACHABLE)
        clock.shift(timedelta(seconds=10))
        beat()
        services.chat_claim(chat=fresh(chat), operator=bob)
        services.message_send(chat=chat, body="Hello?")  # the patron's line answers nothing
        clock.shift(timedelta(seconds=5))
        services.chat_end(chat=fresh(chat))
    chat = fresh(chat)
    assert not chat.answered and chat.first_response is None
    assert chat.first_claimed_at == ASKED + timedelta(seconds=40)
    assert chat.handling_time == timedelta(seconds=25) and chat.wait == timedelta(seconds=40)
    assert set(chat.operators.all()) == {alice, bob}
    ended = chat.events.get(kind=ChatEvent.Kind.ENDED)
    assert ended.reason == ChatEvent.Reason.BY_PATRON and ended.operator == bob  # who held it


def fourteen_line_chat_answered_by_alice_then_carol(d, alice, carol, committed) -> PatronChat:
    """Observation 6 of the console issue: Alice answers, hands the chat to Carol, Carol signs
    out and the chat goes back to the queue; the patron gives up and ends it. 14 lines."""
    with time_machine.travel(ASKED, tick=False) as clock:
        beat()
        chat, _ = start(d.widget, name="Ada", question="Do you have the 1850 atlas?")
        clock.shift(timedelta(seconds=12))
        services.chat_claim(chat=chat, operator=alice)  # 1: Alice joined
        for n in range(3):
            clock.shift(timedelta(seconds=8))
            services.message_send(chat=chat, operator=alice, body=f"Alice line {n}")  # 2-4
            services.message_send(chat=chat, body=f"Ada line {n}")  # 5-7
        beat()
        services.chat_transfer(chat=fresh(chat), operator=alice, to_operator=carol)  # 8
        for n in range(2):
            clock.shift(timedelta(seconds=10))
            services.message_send(chat=chat, operator=carol, body=f"Carol line {n}")  # 9-10
            services.message_send(chat=chat, body=f"Ada again {n}")  # 11-12
        clock.shift(timedelta(seconds=30))
        with committed(execute=True):  # the presence change requeues her chats: 13
            libchat_sign_out(operator=carol)
        assert fresh(chat).state == PatronChat.State.WAITING
        clock.shift(timedelta(seconds=20))
        services.chat_end(chat=fresh(chat))  # 14
    assert fresh(chat).last_message_id == 14
    return fresh(chat)


def test_a_chat_answered_by_alice_then_carol_and_requeued_reads_answered_with_both(
    client, django_capture_on_commit_callbacks
):
    d = desk(operators=1)
    (alice,) = d.operators
    # Carol answers another desk's widget: she reads this chat only because she took part.
    carol = OperatorFactory(display_name="Carol Both")
    MembershipFactory(operator=carol)
    signed_in(carol)
    chat = fourteen_line_chat_answered_by_alice_then_carol(
        d, alice, carol, django_capture_on_commit_callbacks
    )
    # Asked → Alice's claim 12 s; her first line 8 s later; handling from her claim to the end.
    assert chat.handling_time == timedelta(seconds=24 + 20 + 30 + 20)
    client.force_login(alice)
    page = client.get(f"/dashboard/transcripts/{chat.pk}/").content.decode()
    assert '<dd class="answered" data-answered="true">Answered</dd>' in page
    assert '<dd class="wait">12 s</dd>' in page and '<dd class="first-response">20 s</dd>' in page
    assert '<dd class="handling">1 min 34 s</dd>' in page
    assert f'<dd class="operators">{alice.name}, Carol Both</dd>' in page
    assert "Back to the queue: Carol Both signed out." in page
    listing = client.get("/dashboard/transcripts/").content.decode()
    assert f"<td>{alice.name}, Carol Both</td>" in listing
    assert "<td>Answered</td>" in listing and "<td>1 min 34 s</td>" in listing
    # Alice handed the chat on, and it was requeued from Carol: she still finds it, as does
    # Carol, though neither holds it now.
    client.force_login(carol)
    assert client.get(f"/dashboard/transcripts/{chat.pk}/").status_code == 200
