"""Recompute widget statuses when anything they depend on changes.

Presence changes arrive after commit (`accounts.signals.presence_changed`). Saves and deletes of
widgets, fallbacks, opening hours, closed dates, departments, memberships and operators' active
flags - from services, the admin or the shell alike - schedule the refresh for after their
transaction commits.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import Operator
from accounts.signals import presence_changed
from departments.models import Department, Membership
from widgets import services
from widgets.models import Widget, WidgetClosedDate, WidgetFallback, WidgetOpeningSpan


@receiver(presence_changed)
def widgets_follow_presence(sender, operator_ids, **kwargs):
    services.widget_status_refresh_now(operator_ids=operator_ids)


@receiver([post_save, post_delete], sender=Widget)
def widget_changed(sender, instance: Widget, **kwargs):
    services.widget_status_refresh_on_commit(widget_ids={instance.pk})


@receiver([post_save, post_delete], sender=WidgetFallback)
@receiver([post_save, post_delete], sender=WidgetOpeningSpan)
@receiver([post_save, post_delete], sender=WidgetClosedDate)
def widget_part_changed(sender, instance, **kwargs):
    services.widget_status_refresh_on_commit(widget_ids={instance.widget_id})


@receiver([post_save, post_delete], sender=Membership)
def membership_changed(sender, instance: Membership, **kwargs):
    services.widget_status_refresh_on_commit(department_ids={instance.department_id})


@receiver([post_save, post_delete], sender=Department)
def department_changed(sender, instance: Department, **kwargs):
    services.widget_status_refresh_on_commit(department_ids={instance.pk})


@receiver(post_save, sender=Operator)
def operator_changed(sender, instance: Operator, update_fields=None, **kwargs):
    # Logging in saves last_login alone; only the flags that decide who may chat matter here.
    if update_fields is not None and not {"is_active", "is_operator"} & set(update_fields):
        return
    services.widget_status_refresh_on_commit(operator_ids={instance.pk})
