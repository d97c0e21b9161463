"""Blocking an abusive patron and lifting the block.

An operator who may see a chat blocks its patron for an hour, a day, a week or until an admin
lifts it, with a reason. The chat ends with a neutral line, and until the block ends the widget
shows that patron its offline side and refuses their chats and tickets with the same words as
any other refusal (`chats.services.lifecycle.patron_admit`). The patron is known again by the
keyed hash of their address and by the id their browser keeps; either matches.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from accounts.models import Operator
from chats.errors import ChatInvalid
from chats.models import PatronBlock, PatronChat
from chats.services.lifecycle import chat_end_blocked

# The choices of the console's form, in its order: value -> (label, how long; None = until lifted).
BLOCK_DURATIONS: dict[str, tuple[str | Promise, timedelta | None]] = {
    "1h": (gettext_lazy("1 hour"), timedelta(hours=1)),
    "24h": (gettext_lazy("24 hours"), timedelta(hours=24)),
    "7d": (gettext_lazy("7 days"), timedelta(days=7)),
    "lifted": (gettext_lazy("Until lifted"), None),
}
BLOCK_REASON_MAX_CHARS = 500


def patron_block(
    *, chat: PatronChat, operator: Operator, duration: str, reason: str
) -> PatronBlock:
    """Block the patron of `chat` (the caller checked that `operator` may see it) and end the
    chat. Refused with ChatInvalid for a duration not offered, a missing or overlong reason, or
    a chat from before LibChat kept anything to know its patron by."""
    if duration not in BLOCK_DURATIONS:
        choices = ", ".join(str(label) for label, _ in BLOCK_DURATIONS.values())
        raise ChatInvalid(
            gettext("Choose how long to block the patron: %(choices)s.") % {"choices": choices}
        )
    reason = reason.strip()
    if not reason:
        raise ChatInvalid(gettext("Give a reason for the block: the admins read it."))
    if len(reason) > BLOCK_REASON_MAX_CHARS:
        raise ChatInvalid(
            gettext("Keep the reason under %(max)s characters; this one has %(length)s.")
            % {"max": BLOCK_REASON_MAX_CHARS, "length": len(reason)}
        )
    if not chat.address_hash and not chat.patron_ref:
        raise ChatInvalid(
            gettext("This chat is too old to tell its patron again: it cannot be blocked.")
        )
    length = BLOCK_DURATIONS[duration][1]
    with transaction.atomic():
        now = timezone.now()
        block = PatronBlock.objects.create(
            system_id=chat.widget.system_id,
            address_hash=chat.address_hash,
            patron_ref=chat.patron_ref,
            chat=chat,
            reason=reason,
            blocked_by=operator,
            expires_at=now + length if length else None,
        )
        chat_end_blocked(chat=chat, operator=operator, reason=reason)
    return block


def patron_block_lift(*, block: PatronBlock, operator: Operator) -> bool:
    """Lift a block now, recording who did; conditional, so lifting twice keeps the first.
    Returns whether this call lifted it."""
    lifted = PatronBlock.objects.filter(pk=block.pk, lifted_at__isnull=True).update(
        lifted_at=timezone.now(), lifted_by=operator
    )
    block.refresh_from_db()
    return bool(lifted)
