"""Internal chat over the dashboard socket: access, sanitising, ordering, catch-up, idempotency."""

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connection, transaction

from internalchat import services
from internalchat.models import Message, Room
from tests.factories import DepartmentRoomFactory, MembershipFactory, OperatorFactory
from tests.live import dashboard_socket, events_until_quiet, receive_event

pytestmark = pytest.mark.django_db(transaction=True)

XSS_PAYLOADS = [
    "<script>window.__xss=1</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=window.__xss=1>",
    "<IMG SRC=javascript:window.__xss=1>",
    '<img src="x" onerror="window.__xss=1"/>',
    "<svg onload=window.__xss=1>",
    "<svg><script>window.__xss=1</script></svg>",
    "<svg><animate onbegin=window.__xss=1 attributeName=x dur=1s>",
    "<body onload=window.__xss=1>",
    "<iframe src=javascript:window.__xss=1></iframe>",
    "<iframe srcdoc='<script>parent.__xss=1</script>'></iframe>",
    '<a href="javascript:window.__xss=1">click</a>',
    '<a href="JaVaScRiPt:window.__xss=1">click</a>',
    '<a href="jav&#x09;ascript:window.__xss=1">click</a>',
    '<a href="data:text/html,<script>window.__xss=1</script>">data</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<a href="https://ok.example" onmouseover="window.__xss=1">hover</a>',
    '<b onclick="window.__xss=1">bold</b>',
    '<i style="background:url(javascript:window.__xss=1)">styled</i>',
    "<div class=faq-card onclick=window.__xss=1>card</div>",
    "<details open ontoggle=window.__xss=1>",
    "<video><source onerror=window.__xss=1></video>",
    "<audio src=x onerror=window.__xss=1>",
    "<input autofocus onfocus=window.__xss=1>",
    "<object data=javascript:window.__xss=1>",
    "<embed src=javascript:window.__xss=1>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    '<noscript><p title="</noscript><img src=x onerror=window.__xss=1>">',
    "<<script>script>window.__xss=1<</script>/script>",
    "<scr<script>ipt>window.__xss=1</scr</script>ipt>",
    "<b><i>unclosed <u>nest <img src=x onerror=window.__xss=1",
    "</textarea><script>window.__xss=1</script>",
    "<!--<img src=x onerror=window.__xss=1>-->",
    "<style>@import 'javascript:window.__xss=1';</style>x",
    "<meta http-equiv=refresh content='0;url=javascript:window.__xss=1'>",
    "<form action=javascript:window.__xss=1><button>go</button></form>",
    "<base href=javascript:/>",
    "<link rel=stylesheet href=javascript:window.__xss=1>",
    '"><img src=x onerror=window.__xss=1>',
    '<a href="&#106;avascript:window.__xss=1">entity</a>',
]
ACTIVE = [
    "<script", "onerror", "onload", "onclick", "javascript:", "<svg", "<iframe", "<img",
    "<style", "onfocus", "<object", "<embed", "ontoggle", "<form", "data:", "<meta",
]  # fmt: skip


@pytest.fixture
def reference(transactional_db):
    room = DepartmentRoomFactory(department__name="Reference", department__slug="reference")
    alice, bob, eve = (OperatorFactory(display_name=n) for n in ("Alice", "Bob", "Eve"))
    for operator in (alice, bob):
        MembershipFactory(department=room.department, operator=operator)
    return room, alice, bob, eve


async def receive_skipping_messages(communicator, event, timeout=5):
    """The next frame of this event type, skipping pings, presence and room messages."""
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame.get("event") == event:
            return frame
        assert frame.get("event") in {"ping", "presence.changed", "room.message"}, frame


async def next_message(communicator, timeout=5):
    return (await receive_event(communicator, "room.message", timeout))["message"]


async def test_a_message_reaches_every_member_socket_with_its_id(reference):
    room, alice, bob, _ = reference
    alice_socket, _, _ = await dashboard_socket(alice)
    bob_socket, _, _ = await dashboard_socket(bob)
    await alice_socket.send_json_to(
        {"action": "room.send", "room_id": room.pk, "body": "<b>Hi</b>", "client_msg_id": "m1"}
    )
    sent = await receive_skipping_messages(alice_socket, "room.sent")
    received = await next_message(bob_socket)
    assert received["id"] == sent["message_id"]
    assert received["body"] == "<b>Hi</b>"
    assert received["sender_name"] == "Alice"
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_a_send_over_the_socket_checks_membership_once_in_one_database_trip(
    reference, monkeypatch
):
    # Each trip to a database thread waits for a thread and then for the event loop, and the
    # membership check is a query: the send's latency to a room of 200 (bench scenario 2).
    from internalchat import live_actions, selectors

    checks, trips = [], []
    check = selectors.room_for_member

    def counted_check(**kwargs):
        checks.append(kwargs["room_id"])
        return check(**kwargs)

    def counted_trip(function):
        trips.append(function)
        return database_sync_to_async(function)

    monkeypatch.setattr(selectors, "room_for_member", counted_check)
    monkeypatch.setattr(live_actions, "database_sync_to_async", counted_trip)
    room, alice, bob, _ = reference
    alice_socket, _, _ = await dashboard_socket(alice)
    await alice_socket.send_json_to(
        {"action": "room.send", "room_id": room.pk, "body": "Hi", "client_msg_id": "m1"}
    )
    await receive_skipping_messages(alice_socket, "room.sent")
    assert checks == [room.pk]
    assert len(trips) == 1
    await alice_socket.disconnect()


async def test_a_rooms_sockets_in_one_process_share_one_membership_and_each_hears_once(
    reference,
):
    # Bob has two tabs open; a message to the room is one channel-layer message for the
    # process, handed to the three sockets there (bench scenario 2), each once.
    room, alice, bob, _ = reference
    sockets = [(await dashboard_socket(o))[0] for o in (alice, bob, bob)]
    layer = get_channel_layer()
    members = layer._group_key(room.group)
    assert await layer.connection(0).zcard(members) == 1

    await sockets[0].send_json_to(
        {"action": "room.send", "room_id": room.pk, "body": "One", "client_msg_id": "m1"}
    )
    for socket in sockets:
        assert (await next_message(socket))["body"] == "One"
    await sockets[2].disconnect()  # a tab closed: the others still hear
    await sockets[0].send_json_to(
        {"action": "room.send", "room_id": room.pk, "body": "Two", "client_msg_id": "m2"}
    )
    for socket in sockets[:2]:
        assert (await next_message(socket))["body"] == "Two"
        assert "room.message" not in await events_until_quiet(socket)  # once, not twice
    for socket in sockets[:2]:
        await socket.disconnect()
    assert not await layer.connection(0).zcard(members)


async def test_a_non_member_cannot_post_or_read_history_over_the_socket(reference):
    room, alice, bob, eve = reference
    direct = await database_sync_to_async(services.room_direct_get_or_create)(
        operator=alice, other=bob
    )
    eve_socket, _, _ = await dashboard_socket(eve)
    for target in (room, direct):
        await eve_socket.send_json_to(
            {"action": "room.send", "room_id": target.pk, "body": "hi", "client_msg_id": "e"}
        )
        assert (await receive_event(eve_socket, "error"))["code"] == "forbidden"
        await eve_socket.send_json_to({"action": "room.history", "room_id": target.pk})
        assert (await receive_event(eve_socket, "error"))["code"] == "forbidden"
        await eve_socket.send_json_to({"action": "room.read", "room_id": target.pk, "last_id": 1})
        assert (await receive_event(eve_socket, "error"))["code"] == "forbidden"
    await eve_socket.send_json_to({"action": "room.catch_up", "rooms": {str(room.pk): 0}})
    catch_up = await receive_event(eve_socket, "room.catch_up")
    assert catch_up["messages"] == []
    assert room.pk not in {entry["room"]["id"] for entry in catch_up["unread"]}
    assert not await database_sync_to_async(Message.objects.exists)()
    await eve_socket.disconnect()


SEND = {"action": "room.send", "room_id": "ROOM", "body": "x", "client_msg_id": "a"}


@pytest.mark.parametrize(
    "frame, code",
    [
        ({**SEND, "room_id": 999999}, "forbidden"),
        ({**SEND, "room_id": "1; drop"}, "bad_frame"),
        ({**SEND, "room_id": None}, "bad_frame"),
        ({"action": "room.send", "body": "x", "client_msg_id": "a"}, "bad_frame"),
        ({**SEND, "client_msg_id": 5}, "bad_frame"),
        ({**SEND, "body": "   "}, "empty"),
        ({**SEND, "body": "x" * 4001}, "too_long"),
        ({**SEND, "client_msg_id": ""}, "bad_client_msg_id"),
        ({"action": "groups.join", "groups": ["internalchat.room.1"]}, "unknown_action"),
        ({**SEND, "type": "groups.join", "body": ""}, "empty"),
    ],
)
async def test_bad_frames_get_a_clear_error_and_store_nothing(reference, frame, code):
    room, alice, _, _ = reference
    frame = {key: room.pk if value == "ROOM" else value for key, value in frame.items()}
    alice_socket, _, _ = await dashboard_socket(alice)
    await alice_socket.send_json_to(frame)
    error = await receive_event(alice_socket, "error")
    assert error["code"] == code
    assert error["message"]
    if code in {"empty", "too_long"}:  # the page learns which message was refused
        assert error["client_msg_id"] == "a"
    assert not await database_sync_to_async(Message.objects.exists)()
    await alice_socket.disconnect()


async def test_xss_corpus_through_the_socket_stores_no_active_content(reference):
    room, alice, bob, _ = reference
    assert len(XSS_PAYLOADS) >= 30
    alice_socket, _, _ = await dashboard_socket(alice)
    bob_socket, _, _ = await dashboard_socket(bob)
    for index, payload in enumerate(XSS_PAYLOADS):
        await alice_socket.send_json_to(
            {"action": "room.send", "room_id": room.pk, "body": f"#{index} {payload}",
             "client_msg_id": f"xss-{index}"}
        )  # fmt: skip
        body = (await next_message(bob_socket))["body"]
        assert body.startswith(f"#{index}")
        for marker in ACTIVE:
            assert marker not in body.lower(), (payload, body)
    stored = await database_sync_to_async(list)(Message.objects.values_list("body", flat=True))
    assert len(stored) == len(XSS_PAYLOADS)
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_the_same_client_msg_id_twice_over_the_socket_is_stored_and_broadcast_once(
    reference,
):
    room, alice, bob, _ = reference
    alice_socket, _, _ = await dashboard_socket(alice)
    bob_socket, _, _ = await dashboard_socket(bob)
    frame = {"action": "room.send", "room_id": room.pk, "body": "once", "client_msg_id": "dup"}
    await alice_socket.send_json_to(frame)
    await alice_socket.send_json_to(frame)
    first = await receive_skipping_messages(alice_socket, "room.sent")
    second = await receive_skipping_messages(alice_socket, "room.sent")
    assert first["message_id"] == second["message_id"]
    assert (await next_message(bob_socket))["id"] == first["message_id"]
    assert await bob_socket.receive_nothing(timeout=0.5)
    assert await database_sync_to_async(Message.objects.count)() == 1
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_no_broadcast_when_the_transaction_rolls_back(reference):
    room, alice, bob, _ = reference
    bob_socket, _, _ = await dashboard_socket(bob)

    def send_then_fail():
        with transaction.atomic():
            services.message_send(room=room, sender=alice, body="never", client_msg_id="rb")
            raise RuntimeError("something later in the same transaction failed")

    with pytest.raises(RuntimeError):
        await database_sync_to_async(send_then_fail)()
    assert await bob_socket.receive_nothing(timeout=1)
    assert not await database_sync_to_async(Message.objects.exists)()
    await bob_socket.disconnect()


async def test_reconnect_catch_up_delivers_missed_messages_once_in_order(reference):
    room, alice, bob, _ = reference
    bob_socket, _, _ = await dashboard_socket(bob)
    send = database_sync_to_async(services.message_send)
    seen = await send(room=room, sender=alice, body="before", client_msg_id="b0")
    assert (await next_message(bob_socket))["id"] == seen.pk
    await bob_socket.disconnect()

    missed = [
        (await send(room=room, sender=alice, body=f"missed {i}", client_msg_id=f"m{i}")).pk
        for i in range(5)
    ]
    bob_socket, _, _ = await dashboard_socket(bob)
    await bob_socket.send_json_to({"action": "room.catch_up", "rooms": {str(room.pk): seen.pk}})
    catch_up = await receive_event(bob_socket, "room.catch_up")
    assert catch_up["complete"] is True
    assert [m["id"] for m in catch_up["messages"]] == missed
    assert [m["body"] for m in catch_up["messages"]] == [f"missed {i}" for i in range(5)]
    unread = {entry["room"]["id"]: entry["unread"] for entry in catch_up["unread"]}
    assert unread[room.pk] == 6
    assert await bob_socket.receive_nothing(timeout=0.5)
    await bob_socket.disconnect()


async def test_twenty_concurrent_senders_every_client_sees_the_same_increasing_order(reference):
    room, alice, bob, _ = reference
    senders = await database_sync_to_async(OperatorFactory.create_batch)(20)
    for sender in senders:
        await database_sync_to_async(MembershipFactory)(department=room.department, operator=sender)
    sockets = [(await dashboard_socket(o))[0] for o in (alice, bob)]
    barrier = threading.Barrier(20)

    def send(index):
        try:
            barrier.wait()
            services.message_send(
                room=room, sender=senders[index], body=f"from {index}", client_msg_id="c"
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    await asyncio.get_running_loop().run_in_executor(None, lambda: [t.join() for t in threads])
    orders = []
    for socket in sockets:
        orders.append([(await next_message(socket))["id"] for _ in range(20)])
        await socket.disconnect()
    assert orders[0] == orders[1]
    assert orders[0] == sorted(orders[0]) and len(set(orders[0])) == 20


async def test_reading_clears_the_badge_in_the_operators_other_tabs(reference):
    room, alice, bob, _ = reference
    message = await database_sync_to_async(services.message_send)(
        room=room, sender=alice, body="read me", client_msg_id="r"
    )
    tab_one, _, _ = await dashboard_socket(bob)
    tab_two, _, _ = await dashboard_socket(bob)
    await tab_one.send_json_to({"action": "room.read", "room_id": room.pk, "last_id": message.pk})
    read = await receive_event(tab_two, "room.read")
    assert read == {"event": "room.read", "room_id": room.pk, "last_read_id": message.pk}
    await tab_one.disconnect()
    await tab_two.disconnect()


async def test_a_new_direct_room_reaches_the_other_operators_open_socket(reference):
    _, alice, bob, _ = reference
    bob_socket, _, _ = await dashboard_socket(bob)
    room = await database_sync_to_async(services.room_direct_get_or_create)(
        operator=alice, other=bob
    )
    await asyncio.sleep(0.2)  # the join travels through the channel layer first
    await database_sync_to_async(services.message_send)(
        room=room, sender=alice, body="psst", client_msg_id="d"
    )
    frame = await receive_event(bob_socket, "room.message")
    assert frame["room"]["operator_ids"] == sorted([alice.pk, bob.pk])
    assert frame["message"]["body"] == "psst"
    await bob_socket.disconnect()


async def test_the_catch_up_creates_all_staff_on_a_new_site_and_the_socket_hears_it(reference):
    _, alice, bob, _ = reference
    assert not await database_sync_to_async(Room.objects.filter(kind="all_staff").exists)()
    bob_socket, _, _ = await dashboard_socket(bob)
    await bob_socket.send_json_to({"action": "room.catch_up", "rooms": {}})
    catch_up = await receive_event(bob_socket, "room.catch_up")
    all_staff = next(e["room"] for e in catch_up["unread"] if e["room"]["kind"] == "all_staff")
    await asyncio.sleep(0.2)  # the join travels through the channel layer first
    room = await database_sync_to_async(Room.objects.get)(pk=all_staff["id"])
    await database_sync_to_async(services.message_send)(
        room=room, sender=alice, body="Staff meeting at 3", client_msg_id="s"
    )
    assert (await next_message(bob_socket))["body"] == "Staff meeting at 3"
    await bob_socket.disconnect()


async def test_an_operators_flood_of_internal_messages_is_stopped_on_every_tab(reference, settings):
    settings.LIBCHAT_OPERATOR_MESSAGES_PER_MINUTE = 20
    room, alice, bob, _ = reference
    tabs = [(await dashboard_socket(alice))[0] for _ in range(2)]
    for n in range(100):  # from two tabs at once: the allowance is the operator's, not a tab's
        await tabs[n % 2].send_json_to(
            {"action": "room.send", "room_id": room.pk, "body": f"#{n}", "client_msg_id": f"c{n}"}
        )
    answers = []
    for tab in tabs:
        while len(answers) < 50 * (tabs.index(tab) + 1):
            frame = await tab.receive_json_from(timeout=10)
            if frame["event"] in {"room.sent", "error"}:
                answers.append(frame)
    refused = [a for a in answers if a["event"] == "error"]
    stored = await database_sync_to_async(Message.objects.filter(room=room).count)()
    assert 20 <= stored <= 40  # twenty a minute; the flood may straddle two windows
    assert len(refused) == 100 - stored
    assert {(r["code"], r["message"]) for r in refused} == {
        ("rate_limited", "You are sending messages too fast. Wait a moment.")
    }
    assert all(r["client_msg_id"].startswith("c") for r in refused)  # its text goes back
    for tab in tabs:
        await tab.disconnect()
