"""The reports' own data: the "View reports" permission, and the roll-up of the chat record that a
beat job keeps: `ReportDay` rows per local day and widget, department, operator and tag,
`ReportWeek` and `ReportMonth` their weekly and monthly sums, `RolledDay`, `RolledWeek` and
`RolledMonth` which days, weeks and months it holds (rows per library system too). A year's
figures read a thousand rows instead of every chat; the chats stay the record, and the roll-up
can be rebuilt from them at any time."""

from django.db import models

# The permission as `has_perm` names it.
VIEW_REPORTS = "reports.view_reports"


class Report(models.Model):
    """No table: the anchor of the "View reports" permission."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", "View reports")]

    def __str__(self) -> str:
        return "Reports"


class RolledDay(models.Model):
    """A local day (settings.TIME_ZONE) whose chats and tickets are in `ReportDay`. Rolling a day
    locks this row, deletes the day's rows and writes them again, in one transaction."""

    day = models.DateField(primary_key=True)
    rolled_at = models.DateTimeField()
    open_items = models.PositiveIntegerField(
        default=0,
        help_text="Chats not ended and tickets not answered when it was rolled: re-rolled until "
        "there are none.",
    )

    version = models.PositiveIntegerField(
        default=0, help_text="Grows by one each time the day is rolled (see `RolledWeek`)."
    )

    class Meta:
        verbose_name = "rolled-up day"

    def __str__(self) -> str:
        return self.day.isoformat()


class RollupRow(models.Model):
    """What the chats that started on a day (`ReportDay`) or in a week (`ReportWeek`) count, for
    one scope, by its widget, department, operator and tag (see `reports.rollup` for which rows
    a chat is counted in). Histograms are {bin's lower edge in seconds: chats}. Ids, not foreign
    keys: the figures outlive a deleted tag or operator."""

    widget_id = models.BigIntegerField(null=True)
    department_id = models.BigIntegerField(null=True)
    operator_id = models.BigIntegerField(null=True)
    tag_id = models.BigIntegerField(null=True)
    # The library system of the chats: a widget's row is of the widget's system; the rows of
    # every widget are kept once for every system (none) and once for each system, so a report
    # of one system reads its own rows.
    system_id = models.BigIntegerField(null=True)
    chats = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    missed = models.PositiveIntegerField(default=0)
    in_progress = models.PositiveIntegerField(default=0)
    tickets = models.PositiveIntegerField(default=0)
    untagged = models.PositiveIntegerField(default=0)
    transfers = models.PositiveIntegerField(default=0)
    within_60 = models.PositiveIntegerField(default=0)  # first response within 60 s
    within_120 = models.PositiveIntegerField(default=0)
    within_300 = models.PositiveIntegerField(default=0)
    rating_1 = models.PositiveIntegerField(default=0)  # chats rated 1
    rating_2 = models.PositiveIntegerField(default=0)
    rating_3 = models.PositiveIntegerField(default=0)
    rating_4 = models.PositiveIntegerField(default=0)
    rating_5 = models.PositiveIntegerField(default=0)
    hours = models.JSONField(default=list)  # chats started in each hour 0–23 of the local day
    wait = models.JSONField(default=dict)
    first_response = models.JSONField(default=dict)
    handling = models.JSONField(default=dict)
    tags = models.JSONField(default=dict)  # {tag id: chats carrying it}
    to_departments = models.JSONField(default=dict)  # {department id: transfers to its queue}
    # An operator's row only: chats they wrote in, transfers they made and received, and the
    # seconds from the patron asking to their joining.
    operator_answered = models.PositiveIntegerField(default=0)
    transfers_made = models.PositiveIntegerField(default=0)
    transfers_received = models.PositiveIntegerField(default=0)
    operator_wait = models.JSONField(default=dict)

    class Meta:
        abstract = True


class ReportDay(RollupRow):
    """A local day's row."""

    day = models.DateField()

    class Meta:
        indexes = [
            # The rows a page reads: of a tag (or none) and an operator (or none), or of a
            # widget (none: summed over every widget).
            models.Index(fields=["tag_id", "operator_id", "day"], name="report_day_operator"),
            models.Index(fields=["tag_id", "widget_id", "day"], name="report_day_widget"),
            models.Index(fields=["day"], name="report_day_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} widget {self.widget_id}"


class RolledWeek(models.Model):
    """A week (Monday to Sunday, local days) whose rows are summed into `ReportWeek`. Its rows
    are used only while `versions` is the sum of its seven days' `RolledDay.version` (no day
    rolled again since)."""

    monday = models.DateField(primary_key=True)
    versions = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.monday.isoformat()


class ReportWeek(RollupRow):
    """A week's row, Monday to Sunday: the sum of its seven days' rows of the same scope, so a
    year's totals read 52 weeks, not 365 days."""

    monday = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["tag_id", "operator_id", "monday"], name="report_week_operator"),
            models.Index(fields=["tag_id", "widget_id", "monday"], name="report_week_widget"),
            models.Index(fields=["monday"], name="report_week_monday"),
        ]

    def __str__(self) -> str:
        return f"week of {self.monday}, widget {self.widget_id}"


class RolledMonth(models.Model):
    """A calendar month (local days) whose rows are summed into `ReportMonth`, used only while
    `versions` is the sum of its days' `RolledDay.version`, as `RolledWeek`."""

    first = models.DateField(primary_key=True, help_text="The month's first day.")
    versions = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.first.strftime("%Y-%m")


class ReportMonth(RollupRow):
    """A calendar month's row: the sum of its days' rows of the same scope, so a year's operator
    figures read twelve months rather than 52 weeks."""

    first = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["tag_id", "operator_id", "first"], name="report_month_operator"),
            models.Index(fields=["tag_id", "widget_id", "first"], name="report_month_widget"),
            models.Index(fields=["first"], name="report_month_first"),
        ]

    def __str__(self) -> str:
        return f"month of {self.first:%Y-%m}, widget {self.widget_id}"
