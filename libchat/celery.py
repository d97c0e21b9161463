"""The Celery app: a worker runs the tasks and beat runs the schedule in settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "libchat.settings")

app = Celery("libchat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
