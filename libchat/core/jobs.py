"""Celery tasks a service starts once its transaction commits, named rather than imported.

A task is thin and calls its app's services, so a service that starts one cannot import it without
an import circle; it names it instead (`"chats.tasks.chat_transcript_email_send"`), as Zulip's
actions name the queue they publish to. An app whose services start tasks imports them in its
`ready()`, so every process knows them by name; under `CELERY_TASK_ALWAYS_EAGER` (the tests) a task
runs in place.
"""

from functools import partial

from celery import current_app
from django.db import transaction


def task_enqueue_on_commit(task_name: str, **kwargs) -> None:
    """Hand the task to the worker after commit (nothing if the transaction rolls back); an
    unknown name fails here, in the caller, rather than after the commit."""
    transaction.on_commit(partial(current_app.tasks[task_name].delay, **kwargs))
