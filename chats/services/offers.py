"""Transfers to an operator are offers: the receiver accepts or declines, and the holder keeps
the chat until then. Declined, or not answered within LIBCHAT_TRANSFER_OFFER_SECONDS, the chat
stays with the holder, who is told, and the chat's record says so. An offer lapses by the
chats-watch beat job (every 15 s, in any process, after any restart) or by a late Accept.

Each write locks the chat first, then its offer, the order every chat write takes, so an
Accept racing an End, a requeue or a lapse serialises on the chat: one wins, the other finds
the offer closed.
"""

from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Operator
from accounts.selectors import operator_takes_chats, operator_text
from chats import selectors
from chats.errors import ChatAccessDenied, ChatInvalid
from chats.models import ChatEvent, PatronChat, TransferOffer
from chats.services.lifecycle import NOT_TAKING_CHATS, chat_transfer
from libchat.core.live import live_send, operator_group
from libchat.core.messages import MESSAGE_MAX_CHARS

Outcome = TransferOffer.Outcome


def transfer_offer_make(
    *, chat: PatronChat, operator: Operator, to_operator: Operator, note: str = ""
) -> TransferOffer:
    """Offer the chat its holder `operator` holds to `to_operator`, who could claim it. One
    offer at a time per chat (the database holds it too)."""
    if (
        to_operator.pk == operator.pk
        or to_operator.system_id != operator.system_id
        or not operator_takes_chats(operator=to_operator)
    ):
        raise ChatInvalid(
            gettext("%(name)s cannot take chats right now.") % {"name": to_operator.name},
            chat_id=chat.pk,
        )
    with transaction.atomic():
        locked = _held_locked(
            chat=chat,
            operator=operator,
            refusal=gettext("Only the operator who holds this chat can transfer it."),
        )
        if waiting_for := _pending(locked).first():
            raise ChatInvalid(
                gettext("%(name)s has not answered your transfer yet.")
                % {"name": waiting_for.to_operator.name},
                chat_id=chat.pk,
            )
        now = timezone.now()
        offer = TransferOffer.objects.create(
            chat=locked,
            from_operator=operator,
            to_operator=to_operator,
            note=note.strip()[:MESSAGE_MAX_CHARS],
            created_at=now,
            expires_at=now + timedelta(seconds=settings.LIBCHAT_TRANSFER_OFFER_SECONDS),
        )
        transaction.on_commit(partial(_announce_offered, offer.pk))
    return offer


def _announce_offered(offer_id: int) -> None:
    offer = TransferOffer.objects.select_related(
        "chat__widget", "from_operator", "to_operator"
    ).get(pk=offer_id)
    live_send(
        operator_group(offer.to_operator_id),
        {"event": "chat.offer", "offer": selectors.offer_as_event(offer)},
    )
    live_send(
        operator_group(offer.from_operator_id),
        {
            "event": "chat.offer_made",
            "chat_id": offer.chat_id,
            "message": operator_text(
                offer.from_operator,
                lambda: (
                    gettext("Waiting for %(name)s to accept the transfer…")
                    % {"name": offer.to_operator.name}
                ),
            ),
        },
    )


def _pending_locked(*, offer_id: int, operator: Operator | None) -> TransferOffer:
    """The offer (the receiver's, when `operator` is given) with its chat locked; ChatInvalid
    once it is closed."""
    offers = TransferOffer.objects.filter(pk=offer_id)
    if operator is not None:
        offers = offers.filter(to_operator=operator)
    chat_id = offers.values_list("chat_id", flat=True).first()
    if chat_id is None:
        raise ChatAccessDenied(gettext("No such transfer offer."), offer_id=offer_id)
    PatronChat.objects.select_for_update().get(pk=chat_id)
    offer = (
        TransferOffer.objects.select_for_update(of=("self",))
        .select_related("chat__widget", "from_operator", "to_operator")
        .get(pk=offer_id)
    )
    if offer.outcome != Outcome.PENDING:
        raise ChatInvalid(
            gettext("This transfer offer is closed: %(outcome)s.")
            % {"outcome": str(offer.get_outcome_display()).lower()},
            offer_id=offer_id,
        )
    return offer


def transfer_offer_accept(*, offer_id: int, operator: Operator) -> PatronChat:
    """The receiver takes the offered chat: it is transferred to them as any transfer is. An
    offer past its time lapses here instead (the holder is told) and the receiver is refused."""
    if not operator_takes_chats(operator=operator):
        raise ChatInvalid(gettext(NOT_TAKING_CHATS), offer_id=offer_id)
    with transaction.atomic():
        offer = _pending_locked(offer_id=offer_id, operator=operator)
        now = timezone.now()
        lapsed = offer.expires_at <= now
        if lapsed:
            _close(offer, Outcome.UNANSWERED, now=now)
        else:
            offer.outcome, offer.answered_at = Outcome.ACCEPTED, now
            offer.save(update_fields=["outcome", "answered_at"])
            chat = chat_transfer(
                chat=offer.chat,
                operator=offer.from_operator,
                to_operator=operator,
                note=offer.note,
            )
    if lapsed:
        raise ChatInvalid(
            gettext("The transfer ran out after %(seconds)s s: the chat stayed with %(name)s.")
            % {
                "seconds": settings.LIBCHAT_TRANSFER_OFFER_SECONDS,
                "name": offer.from_operator.name,
            },
            offer_id=offer_id,
        )
    return chat


def transfer_offer_decline(*, offer_id: int, operator: Operator) -> TransferOffer:
    """The receiver says no: the chat stays with its holder, who is told."""
    with transaction.atomic():
        offer = _pending_locked(offer_id=offer_id, operator=operator)
        _close(offer, Outcome.DECLINED, now=timezone.now())
    return offer


def transfer_offers_lapse(*, now: datetime | None = None) -> int:
    """Close every offer nobody answered in time (the chats-watch beat job). Returns how many."""
    now = now or timezone.now()
    due = TransferOffer.objects.filter(outcome=Outcome.PENDING, expires_at__lte=now)
    lapsed = 0
    for offer_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            try:
                offer = _pending_locked(offer_id=offer_id, operator=None)
            except ChatInvalid:
                continue  # answered meanwhile
            _close(offer, Outcome.UNANSWERED, now=now)
            lapsed += 1
    return lapsed


def transfer_offer_cancel(*, chat: PatronChat, operator: Operator) -> TransferOffer:
    """The holder takes back the offer they made (Cancel transfer): the chat stays with them
    and the receiver, whose rail showed it, is told. The record keeps nothing: nothing moved."""
    with transaction.atomic():
        locked = _held_locked(
            chat=chat,
            operator=operator,
            refusal=gettext("Only the operator who holds this chat can cancel its transfer."),
        )
        offer = _pending(locked).select_for_update(of=("self",)).first()
        if offer is None:
            raise ChatInvalid(
                gettext("There is no transfer of this chat waiting for an answer."), chat_id=chat.pk
            )
        _close(offer, Outcome.WITHDRAWN, now=timezone.now(), by_sender=True)
    return offer


def transfer_offers_withdraw(*, chat: PatronChat) -> None:
    """The chat left its holder (ended, requeued, transferred elsewhere) with an offer open:
    the offer goes, and the receiver is told. In the caller's transaction, chat locked."""
    now = timezone.now()
    for offer in _pending(chat):
        _close(offer, Outcome.WITHDRAWN, now=now)


def _held_locked(*, chat: PatronChat, operator: Operator, refusal: str) -> PatronChat:
    """The chat, locked (every chat write's first step), when `operator` holds it; else refused
    with `refusal`, the sentence that says so."""
    locked = PatronChat.objects.select_for_update().get(pk=chat.pk)
    if locked.state != PatronChat.State.ACTIVE or locked.claimed_by_id != operator.pk:
        raise ChatAccessDenied(refusal, chat_id=chat.pk)
    return locked


def _pending(chat: PatronChat):
    """The chat's open offer (one at most), with what closing it tells each side."""
    return chat.offers.filter(outcome=Outcome.PENDING).select_related(
        "chat__widget", "from_operator", "to_operator"
    )


def _close(offer: TransferOffer, outcome: str, *, now: datetime, by_sender: bool = False) -> None:
    """Close an open offer (chat locked by the caller); a refusal or lapse goes in the chat's
    record, and both sides hear of it after commit."""
    offer.outcome, offer.answered_at = outcome, now
    offer.save(update_fields=["outcome", "answered_at"])
    if outcome == Outcome.WITHDRAWN and by_sender:
        to_receiver = operator_text(
            offer.to_operator,
            lambda: gettext("%(by)s cancelled the transfer of %(patron)s's chat.") % _names(offer),
        )
        to_sender = operator_text(
            offer.from_operator,
            lambda: (
                gettext("You cancelled the transfer to %(to)s: the chat stays with you.")
                % _names(offer)
            ),
        )
    elif outcome == Outcome.WITHDRAWN:
        to_receiver = operator_text(
            offer.to_operator,
            lambda: (
                gettext("%(by)s's transfer of %(patron)s's chat was withdrawn: the chat moved on.")
                % _names(offer)
            ),
        )
        to_sender = None
    else:
        declined = outcome == Outcome.DECLINED
        ChatEvent.objects.create(
            chat=offer.chat,
            kind=ChatEvent.Kind.DECLINED if declined else ChatEvent.Kind.UNANSWERED,
            at=now,
            operator=offer.from_operator,
            to_operator=offer.to_operator,
            note=offer.note,
        )
        to_sender = operator_text(
            offer.from_operator,
            lambda: (
                (
                    gettext("%(to)s declined the transfer.")
                    if declined
                    else gettext("%(to)s did not answer the transfer.")
                )
                % _names(offer)
            ),
        )
        to_receiver = operator_text(
            offer.to_operator,
            lambda: (
                (
                    gettext("You declined %(patron)s's chat.")
                    if declined
                    else gettext(
                        "%(by)s's transfer of %(patron)s's chat ran out: it stayed with %(by)s."
                    )
                )
                % _names(offer)
            ),
        )
    transaction.on_commit(partial(_announce_closed, offer, to_sender, to_receiver))


def _names(offer: TransferOffer) -> dict[str, str]:
    """The names the sentences about an offer fill in."""
    return {
        "patron": offer.chat.name or gettext("the patron"),
        "to": offer.to_operator.name,
        "by": offer.from_operator.name,
    }


def _announce_closed(offer: TransferOffer, to_sender: str | None, to_receiver: str) -> None:
    live_send(
        operator_group(offer.to_operator_id),
        {
            "event": "chat.offer_closed",
            "offer_id": offer.pk,
            "chat_id": offer.chat_id,
            "message": to_receiver,
        },
    )
    if to_sender:
        live_send(
            operator_group(offer.from_operator_id),
            {"event": "chat.transfer_answered", "chat_id": offer.chat_id, "message": to_sender},
        )
