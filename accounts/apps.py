from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Operators, their LibChat sign-in sessions, status, presence and notification preferences."""

    name = "accounts"
    verbose_name = "Operators"

    def ready(self):
        from accounts import checks, receivers  # noqa: F401
