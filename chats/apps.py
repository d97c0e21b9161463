from django.apps import AppConfig


class ChatsConfig(AppConfig):
    """Patron conversations (queue, claim, messages, end): its own app because patrons are not
    operators, talk through widgets with a per-chat token, and outlive the widget settings."""

    name = "chats"
    verbose_name = "Patron chats"

    def ready(self):
        from chats import live  # noqa: F401  (registers the dashboard socket actions)
