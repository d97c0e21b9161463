"""Keep department rooms in step with departments and memberships.

Every department has its room from the start; a new member's open dashboards join the room's
group after the commit, and a removed member's leave it.
"""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from departments.models import Department, Membership
from internalchat import selectors, services
from libchat.core import live


@receiver(post_save, sender=Department)
def department_room_create(sender, instance: Department, created: bool, **kwargs):
    if created:
        services.room_department_get_or_create(department=instance)


def _membership_groups(membership: Membership, change) -> None:
    room = selectors.room_for_department(department_id=membership.department_id)
    if room is not None:
        transaction.on_commit(partial(change, membership.operator_id, [room.group]))


@receiver(post_save, sender=Membership)
def membership_room_join(sender, instance: Membership, created: bool, **kwargs):
    if created:
        _membership_groups(instance, live.groups_join)


@receiver(post_delete, sender=Membership)
def membership_room_leave(sender, instance: Membership, **kwargs):
    _membership_groups(instance, live.groups_leave)
