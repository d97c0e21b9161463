"""A transfer to an operator is an offer: accepted, it is a transfer; declined, unanswered in
time, or overtaken by the chat itself (the patron left, the holder went), the chat stays where
it was, the holder is told, and the chat's record says so."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from accounts import services as account_services
from chats import selectors, services
from chats.errors import ChatAccessDenied, ChatInvalid
from chats.models import ChatEvent, PatronChat, TransferOffer
from chats.services import offers as offers_module
from chats.tasks import chats_watch
from tests.chats.people import desk, start
from tests.factories import OperatorFactory
from tests.live import as_read
from tests.widgets.people import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def told():
    """Every frame the offers service sends, as (group, frame)."""
    sent = []

    def record(group, frame):
        sent.append((group, as_read(frame)))

    with mock.patch.object(offers_module, "live_send", record):
        yield sent


def _held():
    """Alice holds Maria's chat; Carol, at the same desk, could take it."""
    d = desk()
    alice, carol = d.operators
    chat, _ = start(d.widget, name="Maria", question="Where are the maps?")
    services.chat_claim(chat=chat, operator=alice)
    return d, chat, alice, carol


def _events(chat):
    history = chat.events.order_by("at", "pk")
    return [(e.kind, e.operator_id, e.to_operator_id, e.note) for e in history]


def test_an_offer_leaves_the_chat_with_its_holder_and_reaches_the_receiver(
    django_capture_on_commit_callbacks, told
):
    d, chat, alice, carol = _held()
    with django_capture_on_commit_callbacks(execute=True):
        offer = services.transfer_offer_make(
            chat=chat, operator=alice, to_operator=carol, note="Knows the maps"
        )
    chat.refresh_from_db()
    assert (chat.state, chat.claimed_by) == ("active", alice)  # still Alice's to answer
    services.message_send(chat=chat, operator=alice, body="One moment, please.")
    frames = dict(told)
    shown = frames[f"operator.{carol.pk}"]
    assert shown["event"] == "chat.offer"
    assert {k: shown["offer"][k] for k in ("id", "chat_id", "name", "preview", "from", "note")} == {
        "id": offer.pk,
        "chat_id": chat.pk,
        "name": "Maria",
        "preview": "Where are the maps?",
        "from": alice.name,
        "note": "Knows the maps",
    }
    assert frames[f"operator.{alice.pk}"]["message"] == (
        f"Waiting for {carol.name} to accept the transfer…"
    )
    assert selectors.offers_open_for(operator=carol)[0]["id"] == offer.pk
    assert selectors.chats_open_for(operator=alice)[0]["offer_pending"] is True
    with pytest.raises(ChatInvalid, match="has not answered your transfer yet"):
        services.transfer_offer_make(chat=chat, operator=alice, to_operator=carol)


def test_an_accepted_offer_is_a_transfer(django_capture_on_commit_callbacks):
    d, chat, alice, carol = _held()
    offer = services.transfer_offer_make(chat=chat, operator=alice, to_operator=carol, note="Maps")
    with pytest.raises(ChatAccessDenied):  # only the operator it is offered to answers it
        services.transfer_offer_accept(offer_id=offer.pk, operator=d.outsider)
    with django_capture_on_commit_callbacks(execute=True):
        services.transfer_offer_accept(offer_id=offer.pk, operator=carol)
    chat.refresh_from_db()
    assert (chat.state, chat.claimed_by) == ("active", carol)
    assert _events(chat)[-1] == ("transferred", alice.pk, carol.pk, "Maps")
    offer.refresh_from_db()
    assert offer.outcome == TransferOffer.Outcome.ACCEPTED
    assert selectors.offers_open_for(operator=carol) == []
    with pytest.raises(ChatInvalid, match="closed"):
        services.transfer_offer_decline(offer_id=offer.pk, operator=carol)


def test_the_holder_cancels_an_offer_and_may_offer_again(django_capture_on_commit_callbacks, told):
    d, chat, alice, carol = _held()
    offer = services.transfer_offer_make(chat=chat, operator=alice, to_operator=carol)
    with pytest.raises(ChatAccessDenied, match="Only the operator who holds"):
        services.transfer_offer_cancel(chat=chat, operator=carol)  # not hers to cancel
    with django_capture_on_commit_callbacks(execute=True):
        services.transfer_offer_cancel(chat=chat, operator=alice)
    offer.refresh_from_db()
    chat.refresh_from_db()
    assert offer.outcome == TransferOffer.Outcome.WITHDRAWN
    assert (chat.state, chat.claimed_by) == ("active", alice)
    assert selectors.offers_open_for(operator=carol) == []
    assert (f"operator.{carol.pk}", {
        "event": "chat.offer_closed", "offer_id": offer.pk, "chat_id": chat.pk,
        "message": f"{alice.name} cancelled the transfer of Maria's chat.",
    }) in told  # fmt: skip
    assert (f"operator.{alice.pk}", {
        "event": "chat.transfer_answered", "chat_id": chat.pk,
        "message": f"You cancelled the transfer to {carol.name}: the chat stays with you.",
    }) in told  # fmt: skip
    # Carol's late Accept finds it closed; nothing to cancel twice; a new offer may go.
    with pytest.raises(ChatInvalid, match="closed"):
        services.transfer_offer_accept(offer_id=offer.pk, operator=carol)
    with pytest.raises(ChatInvalid, match="no transfer of this chat waiting"):
        services.transfer_offer_cancel(chat=chat, operator=alice)
    services.transfer_offer_make(chat=chat, operator=alice, to_operator=carol)


def test_a_declined_offer_goes_back_to_the_sender_with_a_line_and_a_record(
    django_capture_on_commit_callbacks, told
):
    d, chat, alice, carol = _held()
    offer = services.transfer_offer_make(chat=chat, operator=alice, to_operator=carol, note="Maps")
    with django_capture_on_commit_callbacks(execute=True):
        services.transfer_offer_decline(offer_id=offer.pk, operator=carol)
    chat.refresh_from_db()
    assert (chat.state, chat.claimed_by) == ("active", alice)
    assert (f"operator.{alice.pk}", {
        "event": "chat.transfer_answered", "chat_id": chat.pk,
        "message": f"{carol.name} declined the transfer.",
    }) in told  # fmt: skip
    assert _events(chat)[-1] == ("declined", alice.pk, carol.pk, "Maps")
    assert chat.events.last().description == (  # the record says it in words
        f"{carol.name} declined the transfer from {alice.name}; {alice.name} kept the chat"
    )
    # Carol's part in the chat is not counted: she never held it.
    assert list(chat.participants.values_list("operator", flat=True)) == [alice.pk]
    with pytest.raises(ChatInvalid, match="closed"):
        services.transfer_offer_accept(offer_id=offer.pk, operator=carol)
    # Alice may offer it again, to someone else or to Carol.
    services.transfer_offer_make(chat=chat, operator=alice, to_operator=carol)


def test_an_offer_nobody_answers_in_60_seconds_lapses_by_the_beat_job(
    django_capture_on_commit_callbacks, told
):
    d, chat, alice, carol = _held()
    offer = services.transfer_offer_make(chat=chat, operator=alice, to_operator=carol)
    made = offer.created_at
    assert services.transfer_offers_lapse(now=made + timedelta(seconds=59)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.transfer_offers_lapse(now=made + timedelta(seconds=60)) == 1
    offer.refresh_from_db()
    assert offer.outcome == TransferOffer.Outcome.UNANSWERED
    assert _events(chat)[-1] == ("unanswered", alice.pk, carol.pk, "")
    assert (f"operator.{alice.pk}", {
        "event": "chat.transfer_answered", "chat_id": chat.pk,
        "message": f"{carol.name} did not answer the transfer.",
    }) in told  # fmt: skip
    closed = [frame for group, frame in told if group == f"operator.{carol.pk}"][-1]
    assert closed["event"] == "chat.offer_closed" and "ran out" in closed["message"]
    assert services.transfer_offers_lapse(now=made + timedelta(seconds=120)) == 0  # once


def test_the_chats_watch_job_lapses_offers_from_the_database_alone():
    # What a restarted worker sees: nothing in memory, only the row and its expiry.
    d, chat, alice, carol = _held()
    offer = services.transfer_offer_make(chat=chat, operator=alice, to_operator=carol)
    TransferOffer.objects.filter(pk=offer.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert chats_watch()["offers_lapsed"] == 1
    chat.refresh_from_db()
    assert chat.claimed_by == alice


def test_a_late_accept_lapses_the_offer_and_is_refused(django_capture_on_commit_callbacks, told):
    d, chat, alice, carol = _held()
    offer = services.transfer_offer_make(chat=chat, operator=alice, to_operator=carol)
    TransferOffer.objects.filter(pk=offer.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ChatInvalid, match="ran out after 60 s"),
    ):
        services.transfer_offer_accept(offer_id=offer.pk, operator=carol)
    chat.refresh_from_db()
    assert chat.claimed_by == alice
    offer.refresh_from_db()
    assert offer.outcome == TransferOffer.Outcome.UNANSWERED  # kept, though the accept failed
    assert [f["message"] for g, f in told if f["event"] == "chat.transfer_answered"] == [
        f"{carol.name} did not answer the transfer."
    ]


def test_the_patron_leaving_meanwhile_withdraws_the_offer(django_capture_on_commit_callbacks, told):
    d, chat, alice, carol = _held()
    offer = services.transfer_offer_make(chat=chat, operator=alice, to_operator=carol)
    with django_capture_on_commit_callbacks(execute=True):
        services.chat_end(chat=chat, left=True)
    offer.refresh_from_db()
    assert offer.outcome == TransferOffer.Outcome.WITHDRAWN
    closed = [frame for group, frame in told if group == f"operator.{carol.pk}"][-1]
    assert closed["event"] == "chat.offer_closed" and "withdrawn" in closed["message"]
    with pytest.raises(ChatInvalid, match="closed"):
        services.transfer_offer_accept(offer_id=offer.pk, operator=carol)
    assert PatronChat.objects.get(pk=chat.pk).state == "ended"


def test_the_sender_gone_meanwhile_withdraws_the_offer_and_the_chat_waits_in_line(
    django_capture_on_commit_callbacks,
):
    d, chat, alice, carol = _held()
    offer = services.transfer_offer_make(chat=chat, operator=alice, to_operator=carol)
    with django_capture_on_commit_callbacks(execute=True):
        account_services.libchat_sign_out(operator=alice)  # her chats go back to the queue
    offer.refresh_from_db()
    assert offer.outcome == TransferOffer.Outcome.WITHDRAWN
    with pytest.raises(ChatInvalid, match="closed"):
        services.transfer_offer_accept(offer_id=offer.pk, operator=carol)
    chat.refresh_from_db()
    assert chat.state == "waiting"
    services.chat_claim(chat=chat, operator=carol)  # from the Waiting list, like anyone


def test_an_offer_goes_only_to_someone_who_could_claim_and_accepting_needs_online():
    d, chat, alice, carol = _held()
    away = OperatorFactory()
    signed_in(away, reachable=False)
    with pytest.raises(ChatInvalid, match="cannot take chats"):
        services.transfer_offer_make(chat=chat, operator=alice, to_operator=away)
    with pytest.raises(ChatInvalid, match="cannot take chats"):
        services.transfer_offer_make(chat=chat, operator=alice, to_operator=alice)
    with pytest.raises(ChatAccessDenied):
        services.transfer_offer_make(chat=chat, operator=carol, to_operator=d.outsider)
    offer = services.transfer_offer_make(chat=chat, operator=alice, to_operator=carol)
    account_services.operator_status_set(operator=carol, status="away")
    with pytest.raises(ChatInvalid, match="Online"):
        services.transfer_offer_accept(offer_id=offer.pk, operator=carol)
    services.transfer_offer_decline(offer_id=offer.pk, operator=carol)  # Away may still say no
    assert ChatEvent.objects.filter(chat=chat, kind="declined").count() == 1
