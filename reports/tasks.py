from celery import shared_task

from reports.live import now_push
from reports.services import rollup_run


@shared_task(ignore_result=True)
def reports_now_push() -> None:
    now_push()


@shared_task(ignore_result=True)
def reports_rollup() -> None:
    rollup_run()
