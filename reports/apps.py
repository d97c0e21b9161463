from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Statistics of the desk (volume, waits, ratings, people, coverage, now): its own app because
    it only reads the record that chats, widgets and accounts write, sits above all of them, and
    carries its own permission ("View reports") that is not an operator's right."""

    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        # The SQLite percentile aggregate, the Now panel's socket group and its pushes.
        from reports import live, receivers, sql, tasks  # noqa: F401
