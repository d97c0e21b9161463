"""The Now panel follows presence at once (sent by accounts after commit)."""

import logging

from django.dispatch import receiver

from accounts.signals import presence_changed
from reports.live import now_push

logger = logging.getLogger(__name__)


@receiver(presence_changed)
def now_follows_presence(sender, operator_ids, **kwargs):
    # The change has committed; the periodic push catches up if this one fails.
    try:
        now_push()
    except Exception:
        logger.exception("pushing the Now panel failed")
