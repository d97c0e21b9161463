"""Scheduled jobs for widgets."""

from celery import shared_task

from widgets.services import widget_status_refresh


@shared_task
def widget_status_refresh_all() -> int:
    """Refresh the cached status of every active widget (beat, every minute).

    Returns how many widgets were pushed to their open pages (their status flipped).
    """
    return len(widget_status_refresh())
