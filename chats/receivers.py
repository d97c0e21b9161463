"""Patron chats follow their claimants' presence (sent after commit by accounts)."""

import logging

from django.dispatch import receiver

from accounts.signals import presence_changed
from chats import services

logger = logging.getLogger(__name__)


@receiver(presence_changed)
def claimants_follow_presence(sender, operator_ids, **kwargs):
    # The presence change has committed; a failure here must not become the signer-out's error.
    # The chats-watch beat job catches up within 15 seconds.
    try:
        services.claimants_presence_follow(operator_ids=set(operator_ids))
    except Exception:
        logger.exception("requeue after a presence change failed for %r", operator_ids)
