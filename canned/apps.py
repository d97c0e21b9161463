from django.apps import AppConfig


class CannedConfig(AppConfig):
    """Canned replies for the reply editor, shared and personal: above chats, because a reply's
    variables are filled from the patron chat it is inserted into."""

    name = "canned"
    verbose_name = "Canned replies"
