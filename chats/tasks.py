"""Scheduled jobs for patron chats: requeue chats of unreachable claimants, alert unclaimed ones."""

from celery import shared_task

from chats import services


@shared_task
def chats_watch() -> dict[str, int]:
    return {
        "requeued": services.chats_requeue_unreachable(),
        "alerted": services.chats_alert_unclaimed(),
    }
