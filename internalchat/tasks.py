"""Celery tasks of internal chat."""

from celery import shared_task

from internalchat import services


@shared_task
def history_scrub_daily() -> int:
    return services.history_scrub().messages_removed
