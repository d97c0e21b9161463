"""@mentions over the dashboard socket: the mentioned operator hears of it (wherever the room
is), refusals come back as error frames and store nothing, and mention.read marks only one's own."""

import pytest
from channels.db import database_sync_to_async

from internalchat import services
from internalchat.models import Mention, Message
from tests.factories import DepartmentRoomFactory, MembershipFactory, OperatorFactory
from tests.internalchat.test_consumers import ACTIVE, XSS_PAYLOADS
from tests.live import dashboard_socket, receive_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reference(transactional_db):
    room = DepartmentRoomFactory(department__name="Reference", department__slug="reference")
    alice, bob, eve = (OperatorFactory(display_name=n) for n in ("Alice", "Bob", "Eve"))
    for operator in (alice, bob):
        MembershipFactory(department=room.department, operator=operator)
    return room, alice, bob, eve


async def _events_within(communicator, seconds):
    """The events of the frames that arrive within `seconds` (until a quiet `seconds`)."""
    events = []
    while not await communicator.receive_nothing(timeout=seconds):
        events.append((await communicator.receive_json_from()).get("event"))
    return events


def _send(room_id, body, client_msg_id):
    return {"action": "room.send", "room_id": room_id, "body": body, "client_msg_id": client_msg_id}


async def test_the_mentioned_operator_hears_of_it_with_the_room_and_message(reference):
    room, alice, bob, _ = reference
    alice_socket, _, _ = await dashboard_socket(alice)
    bob_socket, _, _ = await dashboard_socket(bob)
    await alice_socket.send_json_to(_send(room.pk, f"@{{o:{bob.pk}}} desk?", "c1"))
    heard = await receive_event(bob_socket, "mention.new")
    assert heard["room_name"] == "Reference" and heard["room"]["id"] == room.pk
    assert heard["message"]["mentions"] == {f"o:{bob.pk}": "Bob"}
    assert heard["message"]["sender_name"] == "Alice"
    mention = await database_sync_to_async(Mention.objects.get)(operator=bob)
    assert heard["mention_id"] == mention.pk
    # The sender is not told of the mention: only the message's own frames.
    assert "mention.new" not in await _events_within(alice_socket, 0.5)
    await alice_socket.disconnect()
    await bob_socket.disconnect()


def _systems(alice, bob):
    systems = DepartmentRoomFactory(department__name="Systems", department__slug="systems")
    MembershipFactory(department=systems.department, operator=alice)
    MembershipFactory(department=systems.department, operator=bob, monitoring=False)
    return systems


def _systems(alice, bob):
    systems = DepartmentRoomFactory(department__name="Systems", department__slug="systems")
    MembershipFactory(department=systems.department, operator=alice)
    MembershipFactory(department=systems.department, operator=bob, monitoring=False)
    return systems


async def test_a_mention_reaches_an_operator_who_does_not_monitor_the_department(reference):
    room, alice, bob, _ = reference
    # Bob is a member of Systems but monitors only Reference.
    systems = await database_sync_to_async(_systems)(alice, bob)
    alice_socket, _, _ = await dashboard_socket(alice)
    bob_socket, _, _ = await dashboard_socket(bob)
    await alice_socket.send_json_to(_send(systems.pk, f"@{{o:{bob.pk}}} the server", "c2"))
    heard = await receive_event(bob_socket, "mention.new")
    assert heard["room_name"] == "Systems"
    await alice_socket.disconnect()
    await bob_socket.disconnect()


@pytest.mark.parametrize("who", ["outsider", "unknown", "all_staff_not_admin"])
async def test_a_refused_mention_is_an_error_frame_and_stores_nothing(reference, who):
    room, alice, bob, eve = reference
    target, body = room.pk, f"@{{o:{eve.pk}}} hi"
    if who == "unknown":
        body = "@{o:987654} hi"
    if who == "all_staff_not_admin":
        all_staff = await database_sync_to_async(services.room_all_staff_get_or_create)()
        target, body = all_staff.pk, f"@{{o:{bob.pk}}} hi"
    alice_socket, _, _ = await dashboard_socket(alice)
    eve_socket, _, _ = await dashboard_socket(eve)
    await alice_socket.send_json_to(_send(target, body, "refused-1"))
    error = await receive_event(alice_socket, "error")
    assert error["code"] in {"mention_not_in_room", "mention_forbidden"}
    assert error["client_msg_id"] == "refused-1" and error["message"]
    assert not await database_sync_to_async(Message.objects.exists)()
    assert not await database_sync_to_async(Mention.objects.exists)()
    assert "mention.new" not in await _events_within(eve_socket, 0.3)
    await alice_socket.disconnect()
    await eve_socket.disconnect()


async def test_mention_read_marks_only_ones_own_mentions(reference):
    room, alice, bob, eve = reference
    message = await database_sync_to_async(services.message_send)(
        room=room, sender=alice, body=f"@{{o:{bob.pk}}} hi", client_msg_id="x"
    )
    mention = await database_sync_to_async(Mention.objects.get)(message=message)
    for intruder in (alice, eve):
        socket, _, _ = await dashboard_socket(intruder)
        await socket.send_json_to({"action": "mention.read", "mention_ids": [mention.pk]})
        await socket.send_json_to({"action": "mention.read", "mention_ids": ["1; x"]})
        assert (await receive_event(socket, "error"))["code"] == "bad_frame"
        await socket.disconnect()
    await database_sync_to_async(mention.refresh_from_db)()
    assert mention.read_at is None
    bob_socket, _, _ = await dashboard_socket(bob)
    await bob_socket.send_json_to({"action": "mention.read", "mention_ids": [mention.pk]})
    assert (await receive_event(bob_socket, "mention.read"))["mention_ids"] == [mention.pk]
    await database_sync_to_async(mention.refresh_from_db)()
    assert mention.read_at is not None
    await bob_socket.disconnect()


async def test_xss_corpus_through_the_mention_path_stores_no_active_content(reference):
    """Payloads as the mentioned operator's display name and around the mention token: the body
    keeps no active markup and the name travels as data, never inside the body's HTML."""
    room, alice, bob, _ = reference
    alice_socket, _, _ = await dashboard_socket(alice)
    bob_socket, _, _ = await dashboard_socket(bob)
    for index, payload in enumerate(XSS_PAYLOADS):
        bob.display_name = payload[:150]
        await database_sync_to_async(bob.save)()
        body = f"#{index} @{{o:{bob.pk}}} {payload}"
        await alice_socket.send_json_to(_send(room.pk, body, f"xss-{index}"))
        heard = await receive_event(bob_socket, "mention.new")
        message = heard["message"]
        assert message["body"].startswith(f"#{index}")
        for marker in ACTIVE:
            assert marker not in message["body"].lower(), (payload, message["body"])
        assert message["mentions"] == {f"o:{bob.pk}": payload[:150]}
    assert await database_sync_to_async(Mention.objects.count)() == len(XSS_PAYLOADS)
    await alice_socket.disconnect()
    await bob_socket.disconnect()
