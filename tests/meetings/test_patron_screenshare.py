"""A screenshare offered in a patron chat: the patron takes part through the chat's token."""

import re
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from chats import services as chat_services
from chats.models import PatronMessage
from meetings import services
from meetings.models import Meeting, Participant
from tests.chats.people import desk, start
from tests.chats.test_consumers import patron_socket
from tests.live import dashboard_socket, events_until_quiet, receive_close, receive_event

pytestmark = pytest.mark.django_db(transaction=True)

OFFER = {"description": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}}


@database_sync_to_async
def claimed_chats(count: int = 1):
    """A desk whose first operator claimed `count` chats; returns (operator, outsider-operator,
    [(chat, token), ...])."""
    d = desk()
    chats = []
    for n in range(count):
        chat, token = start(d.widget, name=f"Patron {n + 1}")
        chat_services.chat_claim(chat=chat, operator=d.operators[0])
        chats.append((chat, token))
    return d.operators[0], d.operators[1], chats


async def offered(operator, chat):
    """The operator's dashboard offers the screenshare and joins it, as the pane does."""
    socket, _, _ = await dashboard_socket(operator)
    await socket.send_json_to({"action": "meeting.offer", "chat_id": chat.pk})
    meeting_id = (await receive_event(socket, "meeting.offered"))["meeting"]
    await socket.send_json_to({"action": "meeting.join", "meeting": meeting_id})
    operator_id = (await receive_event(socket, "meeting.joined"))["me"]["id"]
    return socket, meeting_id, operator_id


async def accepted(token, meeting_id):
    patron = await patron_socket(token)
    await receive_event(patron, "chat.hello")
    await patron.send_json_to({"action": "meeting.join", "meeting": meeting_id})
    joined = await receive_event(patron, "meeting.joined")
    return patron, joined


def system_lines(chat) -> list[str]:
    """The chat's system lines; a test's screenshare lasts a second or so, written "N s"."""
    bodies = (
        PatronMessage.objects.filter(chat=chat, sender="system")
        .order_by("number")
        .values_list("body", flat=True)
    )
    return [
        re.sub(r"^Screenshare ended after \d s\.$", "Screenshare ended after N s.", b)
        for b in bodies
    ]


chat_lines = database_sync_to_async(system_lines)


async def test_patron_accepts_and_signals_reach_only_the_addressed_participant():
    operator, _, [(chat, token), (other_chat, other_token)] = await claimed_chats(2)
    bystander = await patron_socket(other_token)  # another patron of the same operator
    await receive_event(bystander, "chat.hello")
    patron = await patron_socket(token)
    await receive_event(patron, "chat.hello")

    socket, meeting_id, operator_id = await offered(operator, chat)
    offer = await receive_event(patron, "screenshare.offer")
    assert offer == {"event": "screenshare.offer", "meeting": meeting_id, "operator": operator.name}

    await patron.send_json_to({"action": "meeting.join", "meeting": meeting_id})
    joined = await receive_event(patron, "meeting.joined")
    assert [p["id"] for p in joined["participants"]] == [operator_id]
    assert joined["me"]["patron"] is True and joined["me"]["name"] == "Patron 1"
    assert (await receive_event(socket, "participant.joined"))["participant"]["patron"] is True
    started = await receive_event(patron, "chat.message")
    assert started["message"]["body"] == f"Screenshare with {operator.name} started."

    await patron.send_json_to(
        {"action": "meeting.signal", "meeting": meeting_id, "to": operator_id, "signal": OFFER}
    )
    signal = await receive_event(socket, "meeting.signal")
    assert signal["from"] == joined["me"]["id"] and signal["signal"] == OFFER
    await socket.send_json_to(
        {"action": "meeting.signal", "meeting": meeting_id, "to": joined["me"]["id"],
         "signal": OFFER}
    )  # fmt: skip
    assert (await receive_event(patron, "meeting.signal"))["from"] == operator_id
    assert "meeting.signal" not in await events_until_quiet(bystander)
    assert "screenshare.offer" not in await events_until_quiet(bystander, quiet=0.1)
    for communicator in (socket, patron, bystander):
        await communicator.disconnect()


async def test_a_patron_of_another_chat_cannot_join_or_signal_into_the_screenshare():
    operator, _, [(chat, _), (_, intruder_token)] = await claimed_chats(2)
    socket, meeting_id, operator_id = await offered(operator, chat)
    intruder = await patron_socket(intruder_token)
    await receive_event(intruder, "chat.hello")

    await intruder.send_json_to({"action": "meeting.join", "meeting": meeting_id})
    assert (await receive_event(intruder, "error"))["code"] == "not_in_meeting"
    await intruder.send_json_to(
        {"action": "meeting.signal", "meeting": meeting_id, "to": operator_id, "signal": OFFER}
    )
    assert (await receive_event(intruder, "error"))["code"] == "not_in_meeting"
    assert "meeting.signal" not in await events_until_quiet(socket)
    assert not await database_sync_to_async(
        Participant.objects.filter(patron_chat__isnull=False).exists
    )()
    await socket.disconnect()
    await intruder.disconnect()


async def test_a_patron_cannot_signal_before_accepting_nor_into_a_staff_meeting():
    operator, colleague, [(chat, token)] = await claimed_chats()
    socket, meeting_id, operator_id = await offered(operator, chat)
    patron = await patron_socket(token)
    await receive_event(patron, "chat.hello")
    await patron.send_json_to(
        {"action": "meeting.signal", "meeting": meeting_id, "to": operator_id, "signal": OFFER}
    )
    assert (await receive_event(patron, "error"))["code"] == "not_in_meeting"

    staff = await database_sync_to_async(Meeting.objects.create)(
        kind=Meeting.Kind.GROUP, title="Reference meeting", host=colleague
    )
    await patron.send_json_to({"action": "meeting.join", "meeting": staff.pk})
    assert (await receive_event(patron, "error"))["code"] == "not_in_meeting"
    assert "meeting.signal" not in await events_until_quiet(socket)
    await socket.disconnect()
    await patron.disconnect()


@pytest.mark.parametrize(
    "signal",
    [
        {"description": {"type": "offer", "sdp": "<script>alert(1)</script>"}},
        {"description": {"type": "answer", "sdp": "v=0" + "x" * 60001}},
        {"candidate": {"candidate": ["a"]}},
    ],
)
async def test_a_malformed_signal_from_the_patron_is_refused_and_not_passed_on(signal):
    operator, _, [(chat, token)] = await claimed_chats()
    socket, meeting_id, operator_id = await offered(operator, chat)
    patron, _ = await accepted(token, meeting_id)
    await patron.send_json_to(
        {"action": "meeting.signal", "meeting": meeting_id, "to": operator_id, "signal": signal}
    )
    assert (await receive_event(patron, "error"))["code"] == "bad_signal"
    assert "meeting.signal" not in await events_until_quiet(socket)
    # The screenshare goes on: a good signal still passes.
    await patron.send_json_to(
        {"action": "meeting.signal", "meeting": meeting_id, "to": operator_id, "signal": OFFER}
    )
    assert (await receive_event(socket, "meeting.signal"))["signal"] == OFFER
    await socket.disconnect()
    await patron.disconnect()


async def test_only_the_claimant_may_offer_a_screenshare():
    operator, colleague, [(chat, token)] = await claimed_chats()
    waiting, _ = await database_sync_to_async(lambda: start(chat.widget))()
    patron = await patron_socket(token)
    await receive_event(patron, "chat.hello")
    socket, _, _ = await dashboard_socket(colleague)  # may answer the widget, did not claim
    for chat_id in (chat.pk, waiting.pk, 999999, str(chat.pk), True):
        await socket.send_json_to({"action": "meeting.offer", "chat_id": chat_id})
        error = await receive_event(socket, "error")
        assert error == {
            "event": "error",
            "code": "not_your_chat",
            "message": "Offer a screenshare in a chat you claimed.",
        }
    assert not await database_sync_to_async(Meeting.objects.exists)()
    assert "screenshare.offer" not in await events_until_quiet(patron)
    await socket.disconnect()
    await patron.disconnect()


async def test_the_patron_declines_and_the_operator_is_told():
    operator, _, [(chat, token)] = await claimed_chats()
    socket, meeting_id, _ = await offered(operator, chat)
    patron = await patron_socket(token)
    assert (await receive_event(patron, "chat.hello"))["screenshare"] == {
        "meeting": meeting_id,
        "operator": operator.name,
    }
    await patron.send_json_to({"action": "meeting.decline", "meeting": meeting_id})
    declined = await receive_event(socket, "meeting.declined")
    assert (declined["chat_id"], declined["by"]) == (chat.pk, "Patron 1")
    await receive_event(socket, "meeting.ended")
    meeting = await database_sync_to_async(Meeting.objects.get)(pk=meeting_id)
    assert meeting.ended_at is not None
    assert await chat_lines(chat) == [f"{operator.name} joined the chat."]  # nothing started
    await socket.disconnect()
    await patron.disconnect()


async def test_ending_the_chat_ends_the_screenshare_and_the_transcript_tells_it():
    operator, _, [(chat, token)] = await claimed_chats()
    socket, meeting_id, _ = await offered(operator, chat)
    patron, _ = await accepted(token, meeting_id)
    await socket.send_json_to({"action": "patron.end", "chat_id": chat.pk})
    assert (await receive_event(patron, "meeting.ended"))["meeting"] == meeting_id
    await receive_event(socket, "meeting.ended")

    meeting = await database_sync_to_async(Meeting.objects.get)(pk=meeting_id)
    assert meeting.ended_at is not None
    assert not await database_sync_to_async(
        Participant.objects.filter(meeting=meeting, left_at__isnull=True).exists
    )()
    assert await chat_lines(chat) == [
        f"{operator.name} joined the chat.",
        f"Screenshare with {operator.name} started.",
        "Screenshare ended after N s.",
        f"{operator.name} ended the chat.",
    ]
    # The ended chat's token opens nothing any more, a screenshare least of all.
    again = await patron_socket(token)
    assert (await receive_event(again, "error"))["code"] == "unknown_chat"
    assert (await receive_close(again))["code"] == 4404
    await socket.disconnect()


async def test_requeueing_the_chat_ends_the_screenshare():
    operator, _, [(chat, token)] = await claimed_chats()
    socket, meeting_id, _ = await offered(operator, chat)
    patron, _ = await accepted(token, meeting_id)

    @database_sync_to_async
    def requeue():
        chat.refresh_from_db()
        return chat_services.chat_requeue(chat=chat, reason="signed_out")

    assert await requeue()
    assert (await receive_event(patron, "meeting.ended"))["meeting"] == meeting_id
    lines = await chat_lines(chat)
    assert lines[-2:] == [
        "Screenshare ended after N s.",
        f"{operator.name} signed out. You are back at the front of the line.",
    ]
    await socket.disconnect()
    await patron.disconnect()


async def test_when_the_patron_leaves_the_screenshare_is_over():
    operator, _, [(chat, token)] = await claimed_chats()
    socket, meeting_id, _ = await offered(operator, chat)
    patron, _ = await accepted(token, meeting_id)
    await patron.disconnect()  # the iframe closed
    assert (await receive_event(socket, "meeting.ended"))["meeting"] == meeting_id
    assert (await chat_lines(chat))[-1] == "Screenshare ended after N s."
    await socket.disconnect()


def test_transferring_the_chat_ends_the_screenshare():
    d = desk()
    chat, _ = start(d.widget, name="Ada")
    chat_services.chat_claim(chat=chat, operator=d.operators[0])
    meeting = services.patron_screenshare_offer(operator=d.operators[0], chat_id=chat.pk)
    services.meeting_join(meeting=meeting, patron_chat=chat, channel_name="patron-channel")
    chat_services.chat_transfer(chat=chat, operator=d.operators[0], to_operator=d.operators[1])
    meeting.refresh_from_db()
    assert meeting.ended_at is not None
    assert system_lines(chat)[-2:] == [
        "Screenshare ended after N s.",
        f"{d.operators[0].name} transferred the chat to {d.operators[1].name}.",
    ]
    # The new claimant may offer one of their own; the old one may not.
    with pytest.raises(services.MeetingError):
        services.patron_screenshare_offer(operator=d.operators[0], chat_id=chat.pk)
    assert services.patron_screenshare_offer(operator=d.operators[1], chat_id=chat.pk).is_running


def test_nobody_can_be_invited_by_email_into_a_patron_screenshare():
    d = desk()
    chat, _ = start(d.widget, name="Ada")
    chat_services.chat_claim(chat=chat, operator=d.operators[0])
    meeting = services.patron_screenshare_offer(operator=d.operators[0], chat_id=chat.pk)
    services.meeting_join(meeting=meeting, operator=d.operators[0], channel_name="operator")
    sent = []
    with pytest.raises(services.MeetingError) as refused:
        services.guest_invite_create(
            meeting=meeting, inviter=d.operators[0], email="x@example.org", join_url_for=sent.append
        )
    assert refused.value.code == "patron_only" and sent == []


def test_a_short_screenshare_says_how_many_seconds_it_lasted():
    d = desk()
    chat, _ = start(d.widget, name="Ada")
    chat_services.chat_claim(chat=chat, operator=d.operators[0])
    meeting = services.patron_screenshare_offer(operator=d.operators[0], chat_id=chat.pk)
    services.meeting_join(meeting=meeting, patron_chat=chat, channel_name="patron-channel")
    Participant.objects.filter(meeting=meeting).update(
        joined_at=timezone.now() - timedelta(seconds=10)
    )
    services.meeting_end(meeting=meeting)
    # Not "after 1 min": the chat reads lengths the way the transcripts list does.
    assert system_lines(chat)[-1] == "Screenshare ended after 10 s."
