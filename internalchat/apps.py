from django.apps import AppConfig


class InternalchatConfig(AppConfig):
    """Department, one-to-one and All Staff rooms between operators."""

    name = "internalchat"
    verbose_name = "Internal chat"

    def ready(self):
        from internalchat import live_actions, receivers  # noqa: F401  registers them
