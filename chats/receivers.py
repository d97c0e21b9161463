"""Patron chats follow their claimants' presence (sent after commit by accounts), open
dashboards follow the queues of widgets and departments their operators answer, while they take
patron chats, an offered chat's offer goes when the chat leaves its holder, a holder whose desk
has closed is signed out when their last chat leaves them, and a deleted chat's files leave the
disk with it."""

import logging
import time
from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.selectors import operators_active, operators_taking_chats
from accounts.signals import presence_changed
from chats import groups, selectors, services
from chats.live_actions import chat_queue_groups
from chats.models import PatronAttachment, PatronChat
from chats.signals import chat_released
from departments.models import Department, Membership
from libchat.core.live import groups_replace, live_send, operator_group
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


@receiver(presence_changed)
def queues_follow_presence(sender, operator_ids, **kwargs):
    # Signing in, Online, Away, Internal, signing out, a dashboard gone quiet: whether these
    # operators take patron chats may have changed (`accounts.selectors.operators_taking_chats`).
    _queues_follow(set(operator_ids))


def _queues_follow(operator_ids: set[int]) -> None:
    # Open dashboards hold exactly the queues their operators now answer and take, and their
    # Waiting list is redrawn: a chat of a department they stopped monitoring leaves the list,
    # one of a widget they now answer appears, all of them go when the operator goes Away and
    # come back with Online, without a reload. Claims and reads check access anyway.
    # Only the Waiting list: the chats an operator holds stay theirs whoever answers what (and
    # a widget with chats cannot be deleted), so their panes and messages are not sent again.
    try:
        for operator in operators_active(operator_ids=operator_ids):
            groups_replace(operator.pk, groups.QUEUE_GROUP_PREFIX, chat_queue_groups(operator))
            as_of = time.time()  # before the read: a chat queued after it may be missing
            live_send(
                operator_group(operator.pk),
                {
                    "event": "chat.waiting_list",
                    "waiting": selectors.chats_waiting_for(operator=operator),
                    "as_of": as_of,
                },
            )
    except Exception:
        logger.exception("following chat queues failed for %r", operator_ids)


@receiver(chat_released, sender=PatronChat)
def offers_follow_the_chat(sender, chat: PatronChat, **kwargs):
    # The chat left its holder (ended, requeued, handed over): an offer of it has nothing left
    # to give, and its receiver is told.
    services.transfer_offers_withdraw(chat=chat)


@receiver(chat_released, sender=PatronChat)
def holder_signs_off_after_the_last_chat(sender, chat: PatronChat, **kwargs):
    # A scheduled sign-off may be waiting for this holder's last chat; it is looked at once the
    # release has committed, when the chat no longer counts as theirs.
    if chat.claimed_by_id:
        transaction.on_commit(partial(_sign_off_follow, chat.claimed_by_id))


def _sign_off_follow(operator_id: int) -> None:
    # The chat's end has committed; a failure here must not become the ender's error.
    try:
        services.claimant_sign_off_follow(operator_id=operator_id)
    except Exception:
        logger.exception("the scheduled sign-off after the last chat failed for %s", operator_id)


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def member_follows_queues(sender, instance: Membership, **kwargs):
    transaction.on_commit(partial(_queues_follow, {instance.operator_id}))


@receiver(post_save, sender=Widget)
@receiver(post_delete, sender=Widget)
@receiver(post_save, sender=WidgetFallback)
@receiver(post_delete, sender=WidgetFallback)
@receiver(post_save, sender=Department)
def operators_follow_queues(sender, instance, **kwargs):
    # Who answered the widget before the change is gone from the saved row, so every operator
    # taking chats follows. The others hear no queue and list no waiting chat whatever changed
    # (`chat_queue_groups`, `chats_waiting_for`), and going Online redraws both: asking all who
    # may chat cost a department's save 1.6 s at 200 operators, in the admin's request.
    transaction.on_commit(_queues_follow_taking)


def _queues_follow_taking() -> None:
    _queues_follow(operators_taking_chats())


@receiver(post_delete, sender=PatronAttachment)
def attachment_file_delete(sender, instance: PatronAttachment, **kwargs):
    # A chat deleted in the admin takes its messages and their attachments (cascade); the
    # stored file goes once the deletion has committed, so a rollback keeps it.
    transaction.on_commit(partial(instance.file.storage.delete, instance.file.name))
