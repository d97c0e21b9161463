"""Meeting signalling over the sockets: only participants, only the addressed one."""

import asyncio
import re
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from libchat.asgi import application
from meetings import services
from meetings.models import MAX_PARTICIPANTS, GuestInvite, Meeting, Participant
from tests.factories import OperatorFactory
from tests.live import ORIGIN, ClosingServer, dashboard_socket, receive_close, receive_event

pytestmark = pytest.mark.django_db(transaction=True)

OFFER = {"description": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}}


@database_sync_to_async
def group_meeting(host, invitees):
    return services.meeting_start(
        host=host, invitees=invitees, kind=Meeting.Kind.GROUP, title="Reference meeting"
    )


async def joined(operator, meeting):
    socket, _, _ = await dashboard_socket(operator)
    await socket.send_json_to({"action": "meeting.join", "meeting": meeting.pk})
    frame = await receive_event(socket, "meeting.joined")
    return socket, frame["me"]["id"]


async def test_a_signal_reaches_only_the_addressed_participant():
    host, b, c = await database_sync_to_async(OperatorFactory.create_batch)(3)
    meeting = await group_meeting(host, [b, c])
    host_socket, host_id = await joined(host, meeting)
    b_socket, b_id = await joined(b, meeting)
    c_socket, c_id = await joined(c, meeting)

    await b_socket.send_json_to(
        {"action": "meeting.signal", "meeting": meeting.pk, "to": host_id, "signal": OFFER}
    )
    signal = await receive_event(host_socket, "meeting.signal")
    assert signal == {"event": "meeting.signal", "meeting": meeting.pk, "from": b_id,
                      "signal": OFFER}  # fmt: skip
    # C is in the same meeting but was not addressed: it hears nothing but joins and leaves.
    while not await c_socket.receive_nothing(timeout=0.3):
        frame = await c_socket.receive_json_from()
        assert frame["event"] != "meeting.signal"
    for socket in (host_socket, b_socket, c_socket):
        await socket.disconnect()


async def test_an_outsider_cannot_join_or_signal():
    host, invited, outsider = await database_sync_to_async(OperatorFactory.create_batch)(3)
    meeting = await group_meeting(host, [invited])
    host_socket, host_id = await joined(host, meeting)
    socket, _, _ = await dashboard_socket(outsider)
    await socket.send_json_to({"action": "meeting.join", "meeting": meeting.pk})
    assert (await receive_event(socket, "error"))["code"] == "not_invited"
    await socket.send_json_to(
        {"action": "meeting.signal", "meeting": meeting.pk, "to": host_id, "signal": OFFER}
    )
    assert (await receive_event(socket, "error"))["code"] == "not_in_meeting"
    assert await host_socket.receive_nothing(timeout=0.3) or (
        (await host_socket.receive_json_from())["event"] != "meeting.signal"
    )
    count = await database_sync_to_async(Participant.objects.filter(operator=outsider).count)()
    assert count == 0
    await socket.disconnect()
    await host_socket.disconnect()


@pytest.mark.parametrize(
    "signal",
    [
        {"description": {"type": "offer", "sdp": "<script>"}},
        {"description": {"type": "rollback", "sdp": "v=0"}},
        {"candidate": {"candidate": 5}},
        {"description": OFFER["description"], "candidate": {"candidate": "x"}},
        "v=0",
    ],
)
async def test_a_malformed_signal_gets_an_error_and_is_not_passed_on(signal):
    host, b = await database_sync_to_async(OperatorFactory.create_batch)(2)
    meeting = await group_meeting(host, [b])
    host_socket, host_id = await joined(host, meeting)
    b_socket, _ = await joined(b, meeting)
    await b_socket.send_json_to(
        {"action": "meeting.signal", "meeting": meeting.pk, "to": host_id, "signal": signal}
    )
    assert (await receive_event(b_socket, "error"))["code"] == "bad_signal"
    await host_socket.disconnect()
    await b_socket.disconnect()


async def test_a_ninth_participant_is_refused_with_a_clear_message():
    operators = await database_sync_to_async(OperatorFactory.create_batch)(MAX_PARTICIPANTS + 1)
    meeting = await group_meeting(operators[0], operators[1:])
    sockets = [(await joined(o, meeting))[0] for o in operators[:MAX_PARTICIPANTS]]
    ninth, _, _ = await dashboard_socket(operators[-1])
    await ninth.send_json_to({"action": "meeting.join", "meeting": meeting.pk})
    error = await receive_event(ninth, "error")
    assert error["code"] == "full"
    assert "8 people at most" in error["message"]
    for socket in [*sockets, ninth]:
        await socket.disconnect()


async def guest_socket(token, *, app=application):
    communicator = WebsocketCommunicator(
        app, f"/ws/meetings/guest/{token}/", headers=[(b"origin", ORIGIN)]
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


@database_sync_to_async
def invite_guest(meeting, inviter, *, display_name="Pat Guest"):
    links = []
    services.guest_invite_create(
        meeting=meeting, inviter=inviter, email="guest@example.org", join_url_for=links.append
    )
    invite = GuestInvite.objects.latest("pk")
    invite.display_name = display_name
    invite.save()
    return links and invite, links


async def test_guest_with_a_valid_link_joins_and_an_expired_or_forged_one_is_refused():
    host, b = await database_sync_to_async(OperatorFactory.create_batch)(2)
    meeting = await group_meeting(host, [b])
    host_socket, _ = await joined(host, meeting)
    invite, tokens = await invite_guest(meeting, host)
    token = tokens[0]

    guest = await guest_socket(token)
    joined_frame = await receive_event(guest, "meeting.joined")
    assert joined_frame["me"]["name"] == "Pat Guest" and joined_frame["me"]["guest"] is True
    await guest.disconnect()

    forged = await guest_socket("not-a-real-token")
    assert (await receive_event(forged, "error"))["code"] == "bad_token"
    assert (await receive_close(forged))["code"] == 4403

    await database_sync_to_async(GuestInvite.objects.filter(pk=invite.pk).update)(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    expired = await guest_socket(token)
    assert (await receive_event(expired, "error"))["code"] == "expired"
    await host_socket.disconnect()


async def test_host_removes_a_guest_who_is_told_and_cannot_come_back():
    host, b = await database_sync_to_async(OperatorFactory.create_batch)(2)
    meeting = await group_meeting(host, [b])
    host_socket, _ = await joined(host, meeting)
    _, tokens = await invite_guest(meeting, host)
    guest = await guest_socket(tokens[0])
    guest_id = (await receive_event(guest, "meeting.joined"))["me"]["id"]

    await host_socket.send_json_to(
        {"action": "meeting.remove", "meeting": meeting.pk, "participant": guest_id}
    )
    removed = await receive_event(guest, "meeting.removed")
    assert "removed you" in removed["message"]
    left = await receive_event(host_socket, "participant.left")
    assert left["participant"] == guest_id

    again = await guest_socket(tokens[0])
    assert (await receive_event(again, "error"))["code"] == "removed"
    await host_socket.disconnect()


async def test_a_guest_who_closes_the_page_as_a_frame_reaches_it_is_seen_to_leave():
    host, b = await database_sync_to_async(OperatorFactory.create_batch)(2)
    meeting = await group_meeting(host, [b])
    host_socket, _ = await joined(host, meeting)
    _, tokens = await invite_guest(meeting, host)
    server = ClosingServer()
    guest = await guest_socket(tokens[0], app=server)
    guest_id = (await receive_event(guest, "meeting.joined"))["me"]["id"]

    server.closed = True  # the guest closes the page as a colleague joins
    b_socket, _ = await joined(b, meeting)
    await asyncio.wait_for(server.refused.wait(), timeout=5)
    await guest.disconnect()
    assert (await receive_event(host_socket, "participant.left"))["participant"] == guest_id
    for socket in (host_socket, b_socket):
        await socket.disconnect()


async def test_only_the_host_may_remove_a_guest():
    host, b = await database_sync_to_async(OperatorFactory.create_batch)(2)
    meeting = await group_meeting(host, [b])
    host_socket, _ = await joined(host, meeting)
    b_socket, _ = await joined(b, meeting)
    _, tokens = await invite_guest(meeting, host)
    guest = await guest_socket(tokens[0])
    guest_id = (await receive_event(guest, "meeting.joined"))["me"]["id"]
    await b_socket.send_json_to(
        {"action": "meeting.remove", "meeting": meeting.pk, "participant": guest_id}
    )
    assert (await receive_event(b_socket, "error"))["code"] == "not_host"
    assert await database_sync_to_async(
        Participant.objects.filter(pk=guest_id, left_at__isnull=True).exists
    )()
    for socket in (host_socket, b_socket, guest):
        await socket.disconnect()


async def test_the_meeting_ends_when_the_last_one_leaves_and_guest_links_die():
    host, b = await database_sync_to_async(OperatorFactory.create_batch)(2)
    meeting = await group_meeting(host, [b])
    host_socket, _ = await joined(host, meeting)
    _, tokens = await invite_guest(meeting, host)
    await host_socket.disconnect()
    await database_sync_to_async(meeting.refresh_from_db)()
    assert meeting.ended_at is not None
    guest = await guest_socket(tokens[0])
    assert (await receive_event(guest, "error"))["code"] == "ended"


async def test_a_guest_left_alone_when_the_staff_leave_is_told_the_meeting_ended():
    host, b = await database_sync_to_async(OperatorFactory.create_batch)(2)
    meeting = await group_meeting(host, [b])
    host_socket, _ = await joined(host, meeting)
    b_socket, _ = await joined(b, meeting)
    _, tokens = await invite_guest(meeting, host)
    guest = await guest_socket(tokens[0])
    await receive_event(guest, "meeting.joined")

    await host_socket.send_json_to({"action": "meeting.leave", "meeting": meeting.pk})
    await receive_event(guest, "participant.left")
    assert await guest.receive_nothing(timeout=0.3)  # a colleague is still there
    await b_socket.send_json_to({"action": "meeting.leave", "meeting": meeting.pk})
    assert (await receive_event(guest, "meeting.ended"))["meeting"] == meeting.pk
    await database_sync_to_async(meeting.refresh_from_db)()
    assert meeting.ended_at is not None
    assert not await database_sync_to_async(
        Participant.objects.filter(meeting=meeting, left_at__isnull=True).exists
    )()
    for socket in (host_socket, b_socket, guest):
        await socket.disconnect()


@database_sync_to_async
def _start_from_department_room():
    from internalchat.services import room_department_get_or_create
    from tests.factories import MembershipFactory

    host = MembershipFactory(operator__display_name="Hana")
    MembershipFactory(department=host.department)
    room = room_department_get_or_create(department=host.department)
    members = [m.operator for m in host.department.memberships.all()]
    meeting = services.meeting_start(
        host=host.operator, invitees=members, kind=Meeting.Kind.GROUP,
        title="Reference meeting", room=room,
    )  # fmt: skip
    return host.operator, meeting, room


@database_sync_to_async
def _room_bodies(room):
    from internalchat.models import Message

    return list(Message.objects.filter(room=room).order_by("pk").values_list("body", flat=True))


async def test_a_meeting_started_in_a_room_posts_its_start_and_end_there():
    host, meeting, room = await _start_from_department_room()
    assert await _room_bodies(room) == ["Started Reference meeting."]
    socket, _ = await joined(host, meeting)
    await socket.disconnect()  # the last one out ends the meeting
    bodies = await _room_bodies(room)
    assert re.fullmatch(r"Reference meeting ended after \d+ s\.", bodies[-1])
    assert len(bodies) == 2


async def test_a_long_meeting_ends_with_its_length_in_hours_and_minutes():
    _, meeting, room = await _start_from_department_room()
    await database_sync_to_async(Meeting.objects.filter(pk=meeting.pk).update)(
        started_at=timezone.now() - timedelta(hours=1, minutes=5, seconds=10)
    )
    await database_sync_to_async(services.meeting_end)(meeting=meeting)
    assert (await _room_bodies(room))[-1] == "Reference meeting ended after 1 h 5 min."
