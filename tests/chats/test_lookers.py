"""The collision guard and transfer offers over the dashboard socket: two operators opening the
same waiting chat each hear who else is looking, until they look away, claim or disconnect; an
offer reaches the receiver's socket, and the answer the sender's."""

import time

import pytest
from channels.db import database_sync_to_async
from django.test import override_settings

from chats import services
from chats.services import lookers
from tests.chats.people import desk, start
from tests.chats.test_consumers import next_event
from tests.live import dashboard_socket

pytestmark = pytest.mark.django_db(transaction=True)


def _names(frame) -> list[str]:
    return [looker["name"] for looker in frame["lookers"]]


async def _lookers_of(communicator, chat_id: int, expected: list[str]) -> list[str]:
    """The lookers the socket is told of this chat, once they are `expected` (the frames of
    earlier changes on the way are skipped); a timeout when they never are."""
    while True:
        frame = await next_event(communicator, "chat.lookers")
        if frame["chat_id"] == chat_id and _names(frame) == expected:
            return expected


async def _no_lookers_frame(communicator) -> bool:
    """No chat.lookers frame arrives before the socket goes quiet (other frames may)."""
    while not await communicator.receive_nothing(timeout=0.4):
        if (await communicator.receive_json_from())["event"] == "chat.lookers":
            return False
    return True


async def test_two_operators_looking_at_one_waiting_chat_see_each_other_until_one_looks_away():
    d = await database_sync_to_async(desk)()
    alice, bob = d.operators
    chat, _ = await database_sync_to_async(start)(d.widget, name="Maria")
    other, _ = await database_sync_to_async(start)(d.widget, name="Tom")
    alices, _, _ = await dashboard_socket(alice)
    bobs, _, _ = await dashboard_socket(bob)
    outsiders, _, _ = await dashboard_socket(d.outsider)

    await alices.send_json_to({"action": "patron.look", "chat_id": chat.pk})
    assert await _lookers_of(bobs, chat.pk, [alice.name])
    await bobs.send_json_to({"action": "patron.look", "chat_id": chat.pk})
    both = sorted([alice.name, bob.name])
    assert await _lookers_of(alices, chat.pk, both)
    assert await _lookers_of(bobs, chat.pk, both)
    assert await _no_lookers_frame(outsiders)  # not his queue: he hears nothing of it

    # Bob opens another chat: he is no longer looking at Maria's.
    await bobs.send_json_to({"action": "patron.look", "chat_id": other.pk})
    assert await _lookers_of(alices, chat.pk, [alice.name])
    assert await _lookers_of(alices, other.pk, [bob.name])
    # Saying it again (each ping) changes nothing anyone sees.
    await bobs.send_json_to({"action": "patron.look", "chat_id": other.pk})
    assert await _no_lookers_frame(alices)
    await bobs.send_json_to({"action": "patron.look", "chat_id": chat.pk})
    assert await _lookers_of(alices, chat.pk, both)
    # Bob looks at nothing (an Internal room): gone again.
    await bobs.send_json_to({"action": "patron.look", "chat_id": None})
    assert await _lookers_of(alices, chat.pk, [alice.name])
    await bobs.send_json_to({"action": "patron.look", "chat_id": chat.pk})
    assert await _lookers_of(alices, chat.pk, both)
    # Bob's tab closes: Alice reads that nobody else is looking.
    await bobs.disconnect()
    assert await _lookers_of(alices, chat.pk, [alice.name])
    for communicator in (alices, outsiders):
        await communicator.disconnect()


async def test_looking_needs_a_waiting_chat_the_operator_may_take():
    d = await database_sync_to_async(desk)()
    alice, bob = d.operators
    chat, _ = await database_sync_to_async(start)(d.widget)
    await database_sync_to_async(services.chat_claim)(chat=chat, operator=alice)
    bobs, _, _ = await dashboard_socket(bob)
    await bobs.send_json_to({"action": "patron.look", "chat_id": chat.pk})
    error = await next_event(bobs, "error")
    assert (error["code"], error["message"]) == ("invalid", "This chat is no longer waiting.")
    outsiders, _, _ = await dashboard_socket(d.outsider)
    waiting, _ = await database_sync_to_async(start)(d.widget)
    await outsiders.send_json_to({"action": "patron.look", "chat_id": waiting.pk})
    assert (await next_event(outsiders, "error"))["code"] == "forbidden"
    await outsiders.send_json_to({"action": "patron.look", "chat_id": "1"})
    assert (await next_event(outsiders, "error"))["code"] == "bad_frame"
    for communicator in (bobs, outsiders):
        await communicator.disconnect()


@override_settings(LIBCHAT_LOOKING_SECONDS=60)
def test_a_looker_whose_process_died_fades_after_a_minute_without_a_word(monkeypatch):
    # Its socket never said goodbye (the daphne process was killed): the entry stays in Redis
    # until its time runs out; readers leave it out once it is older than a minute.
    d = desk()
    chat, _ = start(d.widget)
    monkeypatch.setattr(lookers, "live_send", lambda group, frame: None)
    services.chat_look(channel_name="specific.dead!1", operator=d.operators[0], chat=chat)
    services.chat_look(channel_name="specific.live!2", operator=d.operators[1], chat=chat)
    assert len(services.chat_lookers(chat_id=chat.pk)) == 2
    now = time.time()
    monkeypatch.setattr(lookers.time, "time", lambda: now + 45)
    services.chat_look(channel_name="specific.live!2", operator=d.operators[1], chat=chat)  # ping
    monkeypatch.setattr(lookers.time, "time", lambda: now + 61)
    assert services.chat_lookers(chat_id=chat.pk) == [
        {"id": d.operators[1].pk, "name": d.operators[1].name}
    ]


async def _offered(note: str = ""):
    """Alice holds Maria's chat and offers it to Carol over her socket; Carol's socket has the
    offer. Returns (alice, carol, chat, alices, carols, offer)."""
    d = await database_sync_to_async(desk)()
    alice, carol = d.operators
    chat, _ = await database_sync_to_async(start)(d.widget, name="Maria")
    alices, _, _ = await dashboard_socket(alice)
    carols, _, _ = await dashboard_socket(carol)
    await alices.send_json_to({"action": "patron.claim", "chat_id": chat.pk})
    await next_event(alices, "chat.opened")
    await alices.send_json_to(
        {"action": "patron.transfer", "chat_id": chat.pk, "operator_id": carol.pk, "note": note}
    )
    offer = (await next_event(carols, "chat.offer"))["offer"]
    return alice, carol, chat, alices, carols, offer


async def test_an_offer_reaches_the_receivers_socket_and_a_decline_the_senders():
    alice, carol, chat, alices, carols, offer = await _offered(note="Maps")
    assert (offer["name"], offer["from"], offer["note"]) == ("Maria", alice.name, "Maps")
    made = await next_event(alices, "chat.offer_made")
    assert made["message"] == f"Waiting for {carol.name} to accept the transfer…"
    # A reload finds the offer again.
    await carols.send_json_to({"action": "patron.sync"})
    assert [o["id"] for o in (await next_event(carols, "chat.sync"))["offers"]] == [offer["id"]]

    await carols.send_json_to({"action": "patron.offer_decline", "offer_id": offer["id"]})
    answered = await next_event(alices, "chat.transfer_answered")
    assert answered["message"] == f"{carol.name} declined the transfer."
    closed = await next_event(carols, "chat.offer_closed")
    assert (closed["offer_id"], closed["message"]) == (offer["id"], "You declined Maria's chat.")
    await carols.send_json_to({"action": "patron.offer_accept", "offer_id": offer["id"]})
    refused = await next_event(carols, "error")
    assert refused["offer_id"] == offer["id"] and "closed" in refused["message"]
    await carols.send_json_to({"action": "patron.offer_accept", "offer_id": "x"})
    assert (await next_event(carols, "error"))["code"] == "bad_frame"
    for communicator in (alices, carols):
        await communicator.disconnect()


async def test_the_holder_cancels_an_offer_over_the_socket_and_only_the_holder():
    alice, carol, chat, alices, carols, offer = await _offered()

    await carols.send_json_to({"action": "patron.transfer_cancel", "chat_id": chat.pk})
    refused = await next_event(carols, "error")
    assert refused["chat_id"] == chat.pk  # not her chat: she cannot even see it
    await alices.send_json_to({"action": "patron.transfer_cancel", "chat_id": chat.pk})
    answered = await next_event(alices, "chat.transfer_answered")
    assert (
        answered["message"]
        == f"You cancelled the transfer to {carol.name}: the chat stays with you."
    )
    closed = await next_event(carols, "chat.offer_closed")
    assert (closed["offer_id"], closed["message"]) == (
        offer["id"],
        f"{alice.name} cancelled the transfer of Maria's chat.",
    )
    await alices.send_json_to({"action": "patron.transfer_cancel", "chat_id": chat.pk})
    again = await next_event(alices, "error")
    assert "no transfer of this chat waiting" in again["message"]
    for communicator in (alices, carols):
        await communicator.disconnect()
