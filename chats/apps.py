from django.apps import AppConfig


class ChatsConfig(AppConfig):
    """Patron conversations (queue, claim, messages, end): its own app because patrons are not
    operators, talk through widgets with a per-chat token, and outlive the widget settings."""

    name = "chats"
    verbose_name = "Patron chats"

    def ready(self):
        # Dashboard actions, the presence receiver, and tasks that services start by name.
        from chats import live_actions, receivers, tasks  # noqa: F401
        from chats.selectors import patron_blocked
        from libchat.core.addresses import patron_check

        # The widget's page (widgets, below chats) shows a blocked patron its offline side.
        patron_check(patron_blocked)
