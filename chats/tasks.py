"""Celery tasks for patron chats: the scheduled watch (requeue chats of unreachable claimants,
alert about unclaimed ones, end chats whose patron left, lapse transfer offers nobody answered),
the desks' scheduled sign-offs, the transcript email, the answers to tickets and the daily
retention run."""

import smtplib

from celery import shared_task

from chats import services


@shared_task
def chats_watch() -> dict[str, int]:
    return {
        "requeued": services.chats_requeue_unreachable(),
        "alerted": services.chats_alert_unclaimed(),
        "abandoned": services.chats_end_abandoned(),
        "offers_lapsed": services.transfer_offers_lapse(),
    }


@shared_task
def sign_off_scheduled() -> dict[str, int]:
    return services.sign_offs_run()


# A mail server that is down or refuses for a while is tried again, backing off, for about an hour.
@shared_task(autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=60, max_retries=6)
def chat_transcript_email_send(chat_id: int, base_url: str, email_id: int | None = None) -> None:
    services.chat_transcript_send(chat_id=chat_id, base_url=base_url, email_id=email_id)


# Failures are recorded on the answer (shown with Retry), not retried here: an operator sees them.
@shared_task
def ticket_answer_email_send(reply_id: int, base_url: str = "") -> str:
    return services.ticket_answer_mail(reply_id=reply_id, base_url=base_url)


@shared_task
def patron_retention_daily() -> dict[str, int]:
    run = services.patron_retention_run()
    return {
        "chats_deleted": run.chats_deleted,
        "chats_anonymised": run.chats_anonymised,
        "tickets_deleted": run.tickets_deleted,
        "tickets_anonymised": run.tickets_anonymised,
        "files_deleted": run.files_deleted,
    }
