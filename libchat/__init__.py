"""LibChat: the project package (settings, URLs, ASGI, Celery app and the dashboard shell)."""

from libchat.celery import app as celery_app

__all__ = ["celery_app"]
