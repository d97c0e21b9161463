from django.apps import AppConfig


class ChatsConfig(AppConfig):
    """Patron conversations (queue, claim, messages, end): its own app because patrons are not
    operators, talk through widgets with a per-chat token, and outlive the widget settings."""

    name = "chats"
    verbose_name = "Patron chats"

    def ready(self):
        from chats import live_actions, receivers  # noqa: F401  (dashboard actions, presence receiver)
