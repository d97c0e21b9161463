from django.apps import AppConfig


class FaqsConfig(AppConfig):
    """Public FAQ groups and FAQs operators search and share; patron chats will share them too."""

    name = "faqs"
    verbose_name = "FAQs"
