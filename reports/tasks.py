from celery import shared_task

from reports.live import now_push


@shared_task(ignore_result=True)
def reports_now_push() -> None:
    now_push()
