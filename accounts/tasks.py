"""Scheduled jobs for presence."""

from celery import shared_task

from accounts.services import connections_expire


@shared_task
def presence_expire() -> int:
    return connections_expire()
