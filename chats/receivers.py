"""Patron chats follow their claimants' presence (sent after commit by accounts), and open
dashboards join the queues of widgets and departments their operators come to answer."""

import logging
from functools import partial

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import Operator
from accounts.signals import presence_changed
from chats import selectors, services
from chats.live import chat_queue_groups
from departments.models import Membership
from libchat.live import groups_join
from widgets.models import Widget, WidgetFallback

logger = logging.getLogger(__name__)


@receiver(presence_changed)
def claimants_follow_presence(sender, operator_ids, **kwargs):
    # The presence change has committed; a failure here must not become the signer-out's error.
    # The chats-watch beat job catches up within 15 seconds.
    try:
        services.claimants_presence_follow(operator_ids=set(operator_ids))
    except Exception:
        logger.exception("requeue after a presence change failed for %r", operator_ids)


def _queues_join(operator_ids: set[int]) -> None:
    # Open dashboards join the queues their operators can now answer; the Waiting list of a
    # dashboard opened earlier then hears new chats without a reload. Leaving needs nothing:
    # every claim and read checks access again.
    try:
        for operator in Operator.objects.filter(pk__in=operator_ids):
            groups_join(operator.pk, chat_queue_groups(operator))
    except Exception:
        logger.exception("joining chat queues failed for %r", operator_ids)


@receiver(post_save, sender=Membership)
def member_joins_queues(sender, instance: Membership, **kwargs):
    if instance.monitoring:
        transaction.on_commit(partial(_queues_join, {instance.operator_id}))


@receiver(post_save, sender=Widget)
@receiver(post_save, sender=WidgetFallback)
def answerers_join_queues(sender, instance, **kwargs):
    widget_id = instance.pk if sender is Widget else instance.widget_id
    transaction.on_commit(partial(_answerers_join, widget_id))


def _answerers_join(widget_id: int) -> None:
    widget = Widget.objects.filter(pk=widget_id).first()
    if widget is not None:
        _queues_join(selectors.widget_answerer_ids(widget=widget))
