from django.apps import AppConfig


class WidgetsConfig(AppConfig):
    """Chat widgets, who monitors them, their cached status and embed snippet."""

    name = "widgets"

    def ready(self):
        from widgets import receivers  # noqa: F401
