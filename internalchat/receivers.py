"""Every department has its internal chat room from the start."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from departments.models import Department
from internalchat.models import Room


@receiver(post_save, sender=Department)
def department_room_create(sender, instance: Department, created: bool, **kwargs):
    if created:
        Room.objects.get_or_create(kind=Room.Kind.DEPARTMENT, department=instance)
