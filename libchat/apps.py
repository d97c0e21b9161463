from django.apps import AppConfig


class LibchatConfig(AppConfig):
    """The dashboard shell: base pages, header indicators, command bar, health check."""

    name = "libchat"
    verbose_name = "LibChat Set-up"
