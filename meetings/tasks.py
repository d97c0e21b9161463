"""Celery tasks for meetings: the guest invitation email."""

from celery import shared_task

from meetings import services


@shared_task
def guest_invite_email_send(invite_id: int, link: str) -> None:
    services.guest_invite_email_send(invite_id=invite_id, link=link)
