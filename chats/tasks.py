"""Scheduled jobs for patron chats: requeue chats of unreachable claimants, alert about unclaimed
ones, end chats whose patron left."""

from celery import shared_task

from chats import services


@shared_task
def chats_watch() -> dict[str, int]:
    return {
        "requeued": services.chats_requeue_unreachable(),
        "alerted": services.chats_alert_unclaimed(),
        "abandoned": services.chats_end_abandoned(),
    }
