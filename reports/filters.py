"""What a report is about: the date range (days in the library's TIME_ZONE), the period the
volume is counted by, and the widget, department and operator it is narrowed to. Read from the
query string, so a report's address is its bookmark."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext

from libchat.core.queries import QueryRefused, query_date, query_id, query_range_check

GRAINS = ("day", "week", "month")
MAX_DAYS = 3 * 366 + 31  # three years and a month: the longest range the page offers
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class ReportFilters:
    start: date
    end: date  # inclusive
    grain: str
    widget_id: int | None = None
    department_id: int | None = None
    operator_id: int | None = None
    tag_id: int | None = None
    # A library system's chats, operators and widgets only: a superuser's choice, or forced
    # to the reader's own system on a server of several (reports.views).
    system_id: int | None = None
    coop_id: int | None = None  # narrows the Co-op figure (reports.coop) to one co-op

    @property
    def since(self) -> datetime:
        """The start day's first instant in the library's time zone."""
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        """The first instant after the end day, in the library's time zone."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def as_query(self) -> dict[str, str]:
        query = {"from": self.start.isoformat(), "to": self.end.isoformat(), "grain": self.grain}
        for name, value in [
            ("widget", self.widget_id),
            ("department", self.department_id),
            ("operator", self.operator_id),
            ("tag", self.tag_id),
            ("system", self.system_id),
            ("coop", self.coop_id),
        ]:
            if value is not None:
                query[name] = str(value)
        return query


def auto_grain(start: date, end: date) -> str:
    """Days for up to two months, weeks up to a year, months beyond."""
    days = (end - start).days + 1
    return "day" if days <= 62 else "week" if days <= 366 else "month"


def filters_parse(query: QueryDict, *, today: date | None = None) -> ReportFilters:
    """The filters of a request, or QueryRefused. By default the last 30 days up to today."""
    today = today or timezone.localdate()
    end = query_date(query, "to", today)
    start = query_date(query, "from", end - timedelta(days=DEFAULT_DAYS - 1))
    query_range_check(start, end)
    if (end - start).days + 1 > MAX_DAYS:
        raise QueryRefused(gettext("A report covers %(max)s days at most.") % {"max": MAX_DAYS})
    grain = query.get("grain", "").strip() or auto_grain(start, end)
    if grain not in GRAINS:
        raise QueryRefused(
            gettext("'grain' must be day, week or month, not %(grain)r.") % {"grain": grain}
        )
    return ReportFilters(
        start=start,
        end=end,
        grain=grain,
        widget_id=query_id(query, "widget"),
        department_id=query_id(query, "department"),
        operator_id=query_id(query, "operator"),
        tag_id=query_id(query, "tag"),
        system_id=query_id(query, "system"),
        coop_id=query_id(query, "coop"),
    )
