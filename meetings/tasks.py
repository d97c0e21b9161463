"""Celery tasks for meetings: the guest invitation email."""

import smtplib

from celery import shared_task

from meetings import services


# As chats.tasks.chat_transcript_email_send: a failing mail server is tried again, backing off.
@shared_task(autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=60, max_retries=6)
def guest_invite_email_send(invite_id: int, link: str, language: str | None = None) -> None:
    services.guest_invite_email_send(invite_id=invite_id, link=link, language=language)
