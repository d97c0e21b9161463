"""Every figure of the Reports page. Directly: each one SQL aggregation over the chat record
(GROUP BY over dates truncated in the library's TIME_ZONE, percentiles in the database), never a
loop over chats. From the daily roll-up (`reports.rollup`) when it holds the range: its closed
days' rows, and the few days it does not hold yet built from their chats the same way.
`report_figures` returns them all for one set of filters, in a fixed number of queries."""

from datetime import date, datetime, time, timedelta

from django.db.models import (
    Avg,
    Count,
    DateField,
    F,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import (
    Coalesce,
    ExtractHour,
    ExtractIsoWeekDay,
    Greatest,
    Least,
    NullIf,
    Trunc,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Operator, StatusInterval
from accounts.selectors import active_sessions_with_reachability
from chats.filters import chat_scope_q
from chats.models import ChatEvent, ChatParticipant, ChatTag, OfflineTicket, PatronChat
from chats.selectors import chat_filter_choices
from departments.models import Department, Membership
from reports.filters import ReportFilters
from reports.models import (
    ReportDay,
    ReportMonth,
    ReportWeek,
    RolledDay,
    RolledMonth,
    RolledWeek,
)
from reports.rollup import (
    COUNTS,
    HISTOGRAMS,
    KEYS,
    TALLY_FIELDS,
    RowKey,
    Tally,
    hist_percentiles,
    month_days,
    tallies_build,
    week_days,
)
from reports.sql import Percentile, Seconds, rows_summed
from widgets.models import Widget, WidgetOnlineInterval
from widgets.selectors import widgets_routed_to

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ANSWERED_WITHIN_SECONDS = [60, 120, 300]
# Handling-time histogram: the upper edge of each bin, in minutes; the last bin is open.
HANDLING_BINS_MINUTES = [2, 5, 10, 15, 30, 60]
TRANSFER_KINDS = [ChatEvent.Kind.TRANSFERRED, ChatEvent.Kind.TO_DEPARTMENT]
COMMENTS_SHOWN = 100
VOLUME_SERIES = ("answered", "missed", "in_progress", "tickets")
# At most this many days of a range that the roll-up does not hold are built from their chats at
# read time (today, and a day or two the job has not reached); more, and the page is computed
# directly (an install that never rolled up, a job that stopped).
LIVE_DAYS_MAX = 3

WAIT = Seconds("first_claimed_at", "created_at")
FIRST_RESPONSE = Seconds("first_response_at", "created_at")
HANDLING = Seconds("ended_at", "first_claimed_at")
ANSWERED = Q(first_response_at__isnull=False)
MISSED = Q(first_response_at__isnull=True, ended_at__isnull=False)
IN_PROGRESS = Q(first_response_at__isnull=True, ended_at__isnull=True)


# An operator's name as `Operator.name` gives it: the display name, else the username.
OPERATOR_NAME = Coalesce(NullIf("operator__display_name", Value("")), "operator__username")


def _tz():
    return timezone.get_current_timezone()


def _chat_q(filters: ReportFilters, prefix: str = "") -> Q:
    """The chats a report counts, as a condition on a chat reached through `prefix`: started in
    the range, narrowed as Transcripts narrow (widget, department, operator, tag)."""
    p = prefix
    q = Q(**{f"{p}created_at__gte": filters.since, f"{p}created_at__lt": filters.until})
    if filters.system_id:
        q &= Q(**{f"{p}widget__system_id": filters.system_id})
    return q & chat_scope_q(
        widget_id=filters.widget_id,
        department_id=filters.department_id,
        operator_id=filters.operator_id,
        tag_id=filters.tag_id,
        prefix=prefix,
    )


def _chats(filters: ReportFilters) -> QuerySet:
    return PatronChat.objects.filter(_chat_q(filters)).order_by()


def _tickets(filters: ReportFilters) -> QuerySet:
    q = Q(created_at__gte=filters.since, created_at__lt=filters.until)
    if filters.widget_id:
        q &= Q(widget_id=filters.widget_id)
    if filters.department_id:
        q &= Q(widget__first_department_id=filters.department_id)
    if filters.operator_id:
        q &= Q(answered_by_id=filters.operator_id)
    if filters.system_id:
        q &= Q(widget__system_id=filters.system_id)
    if filters.tag_id:
        q &= Q(pk__isnull=True)  # tickets carry no tags: none is of a tag
    return OfflineTicket.objects.filter(q).order_by()


def _period(field: str, grain: str) -> Trunc:
    return Trunc(field, grain, output_field=DateField(), tzinfo=_tz())


def periods(filters: ReportFilters) -> list[date]:
    """Every period of the range, so a day without chats shows as a zero, not a gap."""
    first = filters.start
    if filters.grain == "week":
        first -= timedelta(days=first.weekday())
    elif filters.grain == "month":
        first = first.replace(day=1)
    found = []
    while first <= filters.end:
        found.append(first)
        if filters.grain == "day":
            first += timedelta(days=1)
        elif filters.grain == "week":
            first += timedelta(days=7)
        else:
            first = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return found


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def volume(filters: ReportFilters) -> dict:
    """Chats answered, missed and in progress, and offline tickets, per day, week or month:
    one UNION ALL of two GROUP BYs."""
    chats = (
        _chats(filters)
        .annotate(period=_period("created_at", filters.grain))
        .values("period")
        .annotate(
            answered=Count("pk", filter=ANSWERED),
            missed=Count("pk", filter=MISSED),
            in_progress=Count("pk", filter=IN_PROGRESS),
            tickets=Value(0, output_field=IntegerField()),
        )
    )
    tickets = (
        _tickets(filters)
        .annotate(period=_period("created_at", filters.grain))
        .values("period")
        .annotate(
            answered=Value(0, output_field=IntegerField()),
            missed=Value(0, output_field=IntegerField()),
            in_progress=Value(0, output_field=IntegerField()),
            tickets=Count("pk"),
        )
    )
    counted = {p: dict.fromkeys(VOLUME_SERIES, 0) for p in periods(filters)}
    for row in chats.union(tickets, all=True):
        into = counted.setdefault(row["period"], dict.fromkeys(VOLUME_SERIES, 0))
        for key in VOLUME_SERIES:
            into[key] += row[key]
    return {
        "grain": filters.grain,
        "rows": [{"period": p.isoformat(), **counts} for p, counts in sorted(counted.items())],
    }


def heatmap(filters: ReportFilters) -> dict:
    """Chats started per weekday and hour of the day, in the library's time zone."""
    counts = (
        _chats(filters)
        .annotate(
            weekday=ExtractIsoWeekDay("created_at", tzinfo=_tz()),
            hour=ExtractHour("created_at", tzinfo=_tz()),
        )
        .values("weekday", "hour")
        .annotate(chats=Count("pk"))
    )
    grid = [[0] * 24 for _ in WEEKDAYS]
    for row in counts:
        grid[row["weekday"] - 1][row["hour"]] = row["chats"]
    return {"rows": [{"weekday": name, "hours": grid[i]} for i, name in enumerate(WEEKDAYS)]}


def waits(filters: ReportFilters) -> dict:
    """Per day: wait (asked → first claim) and first response (asked → first operator line),
    median and 90th percentile, in seconds."""
    rows = (
        _chats(filters)
        .annotate(day=_period("created_at", "day"))
        .values("day")
        .annotate(
            wait_median=Percentile(WAIT, 0.5),
            wait_p90=Percentile(WAIT, 0.9),
            first_response_median=Percentile(FIRST_RESPONSE, 0.5),
            first_response_p90=Percentile(FIRST_RESPONSE, 0.9),
        )
        .order_by("day")
    )
    keys = ("wait_median", "wait_p90", "first_response_median", "first_response_p90")
    return {
        "rows": [
            {"day": row["day"].isoformat(), **{k: _rounded(row[k]) for k in keys}} for row in rows
        ]
    }


def summary(filters: ReportFilters) -> dict:
    """The range in a few numbers, and the share of chats answered within 1, 2 and 5 minutes
    (first response; the share is of every chat started, missed ones included)."""
    within = {
        f"within_{s}": Count(
            "pk", filter=Q(first_response_at__lte=F("created_at") + timedelta(seconds=s))
        )
        for s in ANSWERED_WITHIN_SECONDS
    }
    row = _chats(filters).aggregate(
        chats=Count("pk"),
        answered=Count("pk", filter=ANSWERED),
        missed=Count("pk", filter=MISSED),
        in_progress=Count("pk", filter=IN_PROGRESS),
        wait_median=Percentile(WAIT, 0.5),
        wait_p90=Percentile(WAIT, 0.9),
        first_response_median=Percentile(FIRST_RESPONSE, 0.5),
        first_response_p90=Percentile(FIRST_RESPONSE, 0.9),
        handling_median=Percentile(HANDLING, 0.5),
        rating_average=Avg("rating"),
        rated=Count("rating"),
        **within,
    )
    total = row["chats"]
    answered_within = [
        {
            "label": gettext("%(min)s min") % {"min": s // 60},
            "chats": row.pop(f"within_{s}"),
        }
        for s in ANSWERED_WITHIN_SECONDS
    ]
    for share in answered_within:
        share["share"] = round(share["chats"] / total, 4) if total else None
    for key in (
        "wait_median",
        "wait_p90",
        "first_response_median",
        "first_response_p90",
        "handling_median",
    ):
        row[key] = _rounded(row[key])
    row["rating_average"] = _rounded(row["rating_average"], 2)
    return {**row, "answered_within": answered_within}


def _handling_label(low: int, high: int | None) -> str:
    """A bin's label in the reader's language (the figures are made for one request)."""
    if low == 0:
        return gettext("under %(max)s min") % {"max": high}
    if high is None:
        return gettext("%(min)s min or more") % {"min": low}
    return gettext("%(min)s–%(max)s min") % {"min": low, "max": high}


def handling_histogram(filters: ReportFilters) -> dict:
    """Handling time (first claim → end) of ended chats, counted in bins of minutes."""
    edges = [0, *HANDLING_BINS_MINUTES, None]
    bins = {}
    for i, (low, high) in enumerate(zip(edges, edges[1:], strict=False)):
        condition = Q(ended_at__gte=F("first_claimed_at") + timedelta(minutes=low))
        if high is not None:
            condition &= Q(ended_at__lt=F("first_claimed_at") + timedelta(minutes=high))
        bins[f"bin_{i}"] = Count("pk", filter=condition)
    counts = (
        _chats(filters)
        .filter(first_claimed_at__isnull=False, ended_at__isnull=False)
        .aggregate(**bins)
    )
    return {
        "rows": [
            {"label": _handling_label(low, high), "chats": counts[f"bin_{i}"]}
            for i, (low, high) in enumerate(zip(edges, edges[1:], strict=False))
        ]
    }


def rating_distribution(filters: ReportFilters) -> dict:
    counts = _chats(filters).aggregate(
        **{f"rating_{n}": Count("pk", filter=Q(rating=n)) for n in range(1, 6)}
    )
    return {"rows": [{"rating": n, "chats": counts[f"rating_{n}"]} for n in range(1, 6)]}


def tag_counts(filters: ReportFilters) -> dict:
    """Chats per tag (a chat with two tags counts for each), in the admin's order: every tag
    offered, and any other that chats of the range carry; then the chats with no tag."""
    tagged = PatronChat.tags.through.objects.filter(_chat_q(filters, prefix="patronchat__"))
    counts = dict(
        tagged.values("chattag_id")
        .annotate(chats=Count("patronchat_id"))
        .values_list("chattag_id", "chats")
    )
    tags = ChatTag.objects.filter(Q(active=True) | Q(pk__in=list(counts))).order_by(
        "position", "name"
    )
    rows = [
        {
            "tag": tag.name,
            "read_scale": tag.scale == ChatTag.Scale.READ,
            "chats": counts.get(tag.pk, 0),
        }
        for tag in tags
    ]
    return {"rows": rows, "untagged": _chats(filters).filter(tags__isnull=True).count()}


def rating_over_time(filters: ReportFilters) -> dict:
    rows = {
        row["period"]: row
        for row in _chats(filters)
        .filter(rating__isnull=False)
        .annotate(period=_period("created_at", filters.grain))
        .values("period")
        .annotate(average=Avg("rating"), rated=Count("pk"))
    }
    return {
        "grain": filters.grain,
        "rows": [
            {
                "period": p.isoformat(),
                "average": _rounded(rows[p]["average"], 2) if p in rows else None,
                "rated": rows[p]["rated"] if p in rows else 0,
            }
            for p in periods(filters)
        ],
    }


def comments(filters: ReportFilters) -> list[dict]:
    """The patrons' comments, newest first, each linked to its transcript."""
    rows = (
        _chats(filters)
        .exclude(comment="")
        .order_by("-created_at", "-pk")
        .values("pk", "created_at", "rating", "comment", "widget__name")[:COMMENTS_SHOWN]
    )
    return [
        {
            "chat_id": row["pk"],
            "at": timezone.localtime(row["created_at"]).isoformat(timespec="minutes"),
            "rating": row["rating"],
            "comment": row["comment"],
            "widget": row["widget__name"],
            "url": reverse("chats:transcript", args=[row["pk"]]),
        }
        for row in rows
    ]


def transfer_counts(filters: ReportFilters) -> dict[str, dict[int, int]]:
    """Transfers of the report's chats, counted by who made them, who received them, the
    chat's widget and the department whose queue received them: one GROUP BY over the transfer
    events (a few in a hundred), its few hundred groups then summed four ways. (A correlated
    subquery in each table would be grouped on, and so run once per chat.)"""
    groups = (
        ChatEvent.objects.filter(_chat_q(filters, "chat__"), kind__in=TRANSFER_KINDS)
        .order_by()
        .values("operator_id", "to_operator_id", "to_department_id", "chat__widget_id")
        .annotate(n=Count("pk"))
    )
    found: dict[str, dict[int, int]] = {"made": {}, "received": {}, "widget": {}, "department": {}}
    keys = {
        "made": "operator_id",
        "received": "to_operator_id",
        "widget": "chat__widget_id",
        "department": "to_department_id",
    }
    for group in groups:
        for by, key in keys.items():
            if group[key] is not None:
                found[by][group[key]] = found[by].get(group[key], 0) + group["n"]
    return found


def _people_row(row: dict) -> dict:
    for key in ("wait_median", "handling_median"):
        row[key] = _rounded(row[key])
    row["rating_average"] = _rounded(row["rating_average"], 2)
    return row


def per_operator(filters: ReportFilters, transfers: dict | None = None) -> list[dict]:
    """Each operator's part: chats taken part in, answered (they wrote to the patron), median
    wait before their claim (or before the chat was handed to them), median handling time of
    those chats, their average rating, and transfers made and received."""
    participations = ChatParticipant.objects.filter(_chat_q(filters, "chat__"))
    if filters.operator_id:
        participations = participations.filter(operator_id=filters.operator_id)
    rows = (
        participations.order_by()
        .values("operator_id")
        .annotate(
            name=OPERATOR_NAME,
            chats=Count("pk"),
            answered=Count("pk", filter=Q(first_message_at__isnull=False)),
            wait_median=Percentile(Seconds("joined_at", "chat__created_at"), 0.5),
            handling_median=Percentile(Seconds("chat__ended_at", "chat__first_claimed_at"), 0.5),
            rating_average=Avg("chat__rating"),
        )
        .order_by("-chats", "name")
    )
    transfers = transfers or transfer_counts(filters)
    return [
        _people_row(
            {
                **row,
                "transfers_made": transfers["made"].get(row["operator_id"], 0),
                "transfers_received": transfers["received"].get(row["operator_id"], 0),
            }
        )
        for row in rows
    ]


def _group_metrics() -> dict:
    return {
        "chats": Count("pk"),
        "answered": Count("pk", filter=ANSWERED),
        "wait_median": Percentile(WAIT, 0.5),
        "handling_median": Percentile(HANDLING, 0.5),
        "rating_average": Avg("rating"),
    }


def per_widget(filters: ReportFilters, transfers: dict | None = None) -> list[dict]:
    rows = (
        _chats(filters)
        .values("widget_id")
        .annotate(
            name=F("widget__name"),
            **_group_metrics(),
        )
        .order_by("-chats", "name")
    )
    transfers = transfers or transfer_counts(filters)
    return [
        _people_row({**row, "transfers_made": transfers["widget"].get(row["widget_id"], 0)})
        for row in rows
    ]


def per_department(filters: ReportFilters, transfers: dict | None = None) -> list[dict]:
    """By the department a chat was transferred to, else its widget's first choice (a widget
    first answered by an operator has none: "No department")."""
    rows = (
        _chats(filters)
        .annotate(dept=Coalesce("department_id", "widget__first_department_id"))
        .values("dept")
        .annotate(
            name=Coalesce(
                "department__name",
                "widget__first_department__name",
                Value(gettext("No department")),
            ),
            **_group_metrics(),
        )
        .order_by("-chats", "name")
    )
    transfers = transfers or transfer_counts(filters)
    found = []
    for row in rows:
        department_id = row.pop("dept")
        received = transfers["department"].get(department_id, 0)
        found.append(
            _people_row({"department_id": department_id, **row, "transfers_received": received})
        )
    return found


def coverage(filters: ReportFilters, *, now: datetime | None = None) -> dict:
    """Hours each operator was signed in (any status) and Online within the range, from the
    status record (`StatusInterval`), each interval clipped to the range and to now."""
    now = now or timezone.now()
    since, until = filters.since, min(filters.until, now)
    clipped = Seconds(
        Least(Coalesce("ended_at", Value(now)), Value(until)), Greatest("started_at", Value(since))
    )
    intervals = StatusInterval.objects.filter(started_at__lt=until).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=since)
    )
    if filters.operator_id:
        intervals = intervals.filter(operator_id=filters.operator_id)
    if filters.system_id:
        intervals = intervals.filter(operator__system_id=filters.system_id)
    if filters.department_id:
        members = Membership.objects.filter(department_id=filters.department_id)
        intervals = intervals.filter(operator_id__in=members.values("operator_id"))
    rows = (
        intervals.order_by()
        .values("operator_id")
        .annotate(
            name=OPERATOR_NAME,
            signed_in=Sum(clipped),
            online=Sum(clipped, filter=Q(status="online")),
        )
        .order_by("name")
    )
    return {
        "operators": [
            {
                "operator_id": row["operator_id"],
                "name": row["name"],
                "signed_in_hours": round((row["signed_in"] or 0) / 3600, 2),
                "online_hours": round((row["online"] or 0) / 3600, 2),
            }
            for row in rows
        ]
    }


def _hours_split(start: datetime, end: datetime, grid: list[list[float]], tz) -> None:
    """Add the seconds from start to end into grid[weekday][hour], by the library's clock."""
    at = start
    while at < end:
        local = at.astimezone(tz)
        # Up to the next full hour of the local clock (time zone changes fall on one).
        step = timedelta(
            minutes=60 - local.minute, seconds=-local.second, microseconds=-local.microsecond
        )
        upto = min(at + step, end)
        grid[local.weekday()][local.hour] += (upto - at).total_seconds()
        at = upto


def widget_coverage(filters: ReportFilters, *, now: datetime | None = None) -> dict:
    """Hours each widget was online within the range, and the same hours by weekday and hour of
    the day (summed over the widgets), from the record of `WidgetOnlineInterval`, each interval
    clipped to the range and to now. One query; its intervals (a few a day per widget, not per
    chat) are split into the hours of the library's clock here."""
    now = now or timezone.now()
    since, until = filters.since, min(filters.until, now)
    intervals = WidgetOnlineInterval.objects.filter(started_at__lt=until).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=since)
    )
    if filters.widget_id:
        intervals = intervals.filter(widget_id=filters.widget_id)
    if filters.system_id:
        intervals = intervals.filter(widget__system_id=filters.system_id)
    if filters.department_id or filters.operator_id:
        routed = widgets_routed_to(
            operator_id=filters.operator_id, department_id=filters.department_id
        )
        intervals = intervals.filter(widget_id__in=routed)
    tz = _tz()
    grid = [[0.0] * 24 for _ in WEEKDAYS]
    seconds: dict[int, float] = {}
    names: dict[int, str] = {}
    for widget_id, name, started_at, ended_at in intervals.order_by().values_list(
        "widget_id", "widget__name", "started_at", "ended_at"
    ):
        start, end = max(started_at, since), min(ended_at or now, until)
        if end <= start:
            continue
        names[widget_id] = name
        seconds[widget_id] = seconds.get(widget_id, 0.0) + (end - start).total_seconds()
        _hours_split(start, end, grid, tz)
    return {
        "widgets": [
            {"widget_id": pk, "name": names[pk], "online_hours": round(seconds[pk] / 3600, 2)}
            for pk in sorted(seconds, key=lambda pk: (names[pk], pk))
        ],
        "rows": [
            {"weekday": name, "hours": [round(s / 3600, 2) for s in grid[i]]}
            for i, name in enumerate(WEEKDAYS)
        ],
    }


def now_panel(*, now: datetime | None = None, system_id: int | None = None) -> dict:
    """Who is signed in and their status, the chats waiting and the longest wait, and the chats
    each operator holds: the live desk (of one system, given its id), in three queries."""
    now = now or timezone.now()
    sessions = active_sessions_with_reachability(now)
    chats = PatronChat.objects.all()
    if system_id:
        sessions = sessions.filter(operator__system_id=system_id)
        chats = chats.filter(widget__system_id=system_id)
    sessions = list(
        sessions.select_related("operator").order_by("operator__display_name", "operator__username")
    )
    waiting = chats.filter(state=PatronChat.State.WAITING).aggregate(
        count=Count("pk"), oldest=Min("created_at")
    )
    holding = dict(
        chats.filter(state=PatronChat.State.ACTIVE)
        .order_by()
        .values("claimed_by_id")
        .annotate(n=Count("pk"))
        .values_list("claimed_by_id", "n")
    )
    signed_in = {s.operator_id for s in sessions}
    operators = [
        {
            "operator_id": s.operator_id,
            "name": s.operator.name,
            "status": s.status if s.reachable else "offline",
            "status_label": s.get_status_display()
            if s.reachable
            else f"{s.get_status_display()} (not reachable)",
            # The page words the status from these in the reader's language (this frame is
            # sent to every reader at once).
            "signed_in": True,
            "chosen_status": s.status,
            "reachable": s.reachable,
            "chats": holding.get(s.operator_id, 0),
        }
        for s in sessions
    ]
    # A chat still held by someone who signed out (until the watchdog requeues it) is counted too.
    operators += [
        {
            "operator_id": op_id,
            "name": "",
            "status": "offline",
            "status_label": "Signed out",
            "signed_in": False,
            "chosen_status": "offline",
            "reachable": False,
            "chats": n,
        }
        for op_id, n in holding.items()
        if op_id not in signed_in
    ]
    oldest = waiting["oldest"]
    return {
        "at": timezone.localtime(now).isoformat(timespec="seconds"),
        "waiting": waiting["count"],
        "longest_wait_seconds": round((now - oldest).total_seconds()) if oldest else None,
        "in_progress": sum(holding.values()),
        "operators": operators,
    }


def filter_choices(*, system_id: int | None = None) -> dict:
    """What the filters offer: widgets, departments, operators and tags, by name (of one
    system's, given its id)."""
    return chat_filter_choices(system_id=system_id)


def _direct_figures(filters: ReportFilters) -> dict:
    transfers = transfer_counts(filters)
    return {
        "summary": summary(filters),
        "volume": volume(filters),
        "heatmap": heatmap(filters),
        "waits": waits(filters),
        "handling": handling_histogram(filters),
        "ratings": rating_distribution(filters),
        "rating_over_time": rating_over_time(filters),
        "tags": tag_counts(filters),
        "operators": per_operator(filters, transfers),
        "departments": per_department(filters, transfers),
        "widgets": per_widget(filters, transfers),
    }


def _rolled_days(filters: ReportFilters, now: datetime | None) -> dict[date, int]:
    """The days of the range the roll-up holds, with their versions (one query)."""
    return dict(
        RolledDay.objects.filter(day__gte=filters.start, day__lte=filters.end).values_list(
            "day", "version"
        )
    )


def _live_days(
    filters: ReportFilters, now: datetime | None, rolled: dict[date, int] | None = None
) -> list[date] | None:
    """The days of the range up to today that the roll-up does not hold, or None when there
    are too many of them to build from the chats: then the page is direct."""
    if rolled is None:
        rolled = _rolled_days(filters, now)
    today = timezone.localdate(now) if now else timezone.localdate()
    last = min(filters.end, today)
    days = [
        filters.start + timedelta(days=n)
        for n in range((last - filters.start).days + 1)
        if filters.start + timedelta(days=n) not in rolled
    ]
    return None if len(days) > LIVE_DAYS_MAX else days


def _day_spans(days: list[date]) -> list[tuple[datetime, datetime]]:
    return [
        (
            timezone.make_aware(datetime.combine(day, time.min)),
            timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min)),
        )
        for day in days
    ]


def _in_scope(t: Tally | RowKey, filters: ReportFilters, widgets: dict) -> bool:
    """Whether a row counts chats of the filters' system, tag, operator, widget and department (a
    row of every widget counts for no widget or department, of every system or of one)."""
    if t.tag_id != filters.tag_id:
        return False
    if filters.operator_id and t.operator_id != filters.operator_id:
        return False
    if t.widget_id is None:
        return t.system_id == filters.system_id and not (filters.widget_id or filters.department_id)
    if filters.system_id and t.system_id != filters.system_id:
        return False
    if filters.widget_id and t.widget_id != filters.widget_id:
        return False
    return not filters.department_id or _department_of(t, widgets) == filters.department_id


def _system_q(filters: ReportFilters) -> Q:
    """The stored rows of the filters' system: its widgets' and its rows of every widget; of no
    system, every widget's and the rows of every widget of every system."""
    if filters.system_id:
        return Q(system_id=filters.system_id)
    return Q(widget_id__isnull=False) | Q(system_id__isnull=True)


def _stored_rows(filters: ReportFilters, widgets: dict) -> QuerySet:
    """Stored rows of the filters' system, tag, operator, widget and department."""
    stored = ReportDay.objects.filter(
        _system_q(filters), day__gte=filters.start, day__lte=filters.end
    ).order_by()
    if filters.tag_id:
        stored = stored.filter(tag_id=filters.tag_id)
    else:
        stored = stored.filter(tag_id__isnull=True)
    if filters.operator_id:
        stored = stored.filter(operator_id=filters.operator_id)
    if filters.widget_id:
        stored = stored.filter(widget_id=filters.widget_id)
    if filters.department_id:
        firsts = [
            pk for pk, w in widgets.items() if w["first_department_id"] == filters.department_id
        ]
        stored = stored.filter(
            Q(department_id=filters.department_id)
            | Q(department_id__isnull=True, widget_id__in=firsts)
        )
    return stored


def _full_periods(
    filters: ReportFilters, live: list[date], rolled: dict[date, int]
) -> tuple[list[date], list[date]]:
    """The months inside the range whose summed rows are current, then the Mondays of the weeks
    inside the range and outside those months whose summed rows are current (one query): all
    their days rolled, none re-rolled since they were summed."""
    months = RolledMonth.objects.filter(first__gte=filters.start, first__lte=filters.end)
    weeks = RolledWeek.objects.filter(monday__gte=filters.start, monday__lte=filters.end)
    periods = months.annotate(kind=Value("month")).values_list("first", "versions", "kind")
    periods = periods.union(
        weeks.annotate(kind=Value("week")).values_list("monday", "versions", "kind"), all=True
    )
    found: dict[str, list[date]] = {"month": [], "week": []}
    covered: set[date] = set()
    for start, versions, kind in sorted(periods, key=lambda p: p[2] != "month"):
        days = month_days(start) if kind == "month" else week_days(start)
        if days[-1] > filters.end or any(d in live or d not in rolled for d in days):
            continue
        if covered.intersection(days) or sum(rolled[d] for d in days) != versions:
            continue
        found[kind].append(start)
        covered.update(days)
    return found["month"], found["week"]


# What the figures read of a row of the scope, and of an operator's row over every widget.
SCOPE_FIELDS = tuple(f for f in TALLY_FIELDS if f not in ("day", "operator_wait"))
OPERATOR_FIELDS = (
    "operator_id",
    "widget_id",
    "chats",
    "operator_answered",
    "rating_1",
    "rating_2",
    "rating_3",
    "rating_4",
    "rating_5",
    "transfers_made",
    "transfers_received",
    "handling",
    "operator_wait",
)
# What the per-day figures read of a day's row (not the histograms of the totals).
DAY_FIELDS = tuple(
    f for f in TALLY_FIELDS if f not in ("handling", "operator_wait", "tags", "to_departments")
)


def _rolled_rows(
    filters: ReportFilters, live: list[date], rolled: dict[date, int], widgets: dict
) -> tuple[dict[date, Tally], Tally, list[Tally], list[Tally]]:
    """What the figures are read from: the scope's rows by day, their total, its rows per widget
    and department, and the operators' rows. Narrowed to a widget or department, they are the
    day rows of that widget (its operators' among them); else the day rows of every widget
    for the days, and for the range the months and weeks that are whole and current, and the
    other days (three queries). The live days' rows are built from their chats."""
    op = filters.operator_id
    stored = _stored_rows(filters, widgets)
    if live:
        stored = stored.exclude(day__in=live)
    narrowed = bool(filters.widget_id or filters.department_id)

    def wanted(key: RowKey) -> bool:
        # Of the scope; unless narrowed to a widget or operator, an operator's row of one
        # widget is read by no figure.
        if not _in_scope(key, filters, widgets):
            return False
        return narrowed or bool(op) or key.operator_id is None or key.widget_id is None

    built = tallies_build(_day_spans(live), wanted=wanted) if live else []
    if narrowed:
        rows = [Tally(**row) for row in stored.values(*TALLY_FIELDS)] + built
        scope = [r for r in rows if r.operator_id == op]
        by_day = _grouped(scope, lambda r: r.day, empty=True)
        operator_rows = [r for r in rows if r.operator_id is not None]
        return by_day, _summed(by_day.values()), scope, operator_rows

    everywhere = Q(widget_id__isnull=True)
    daily = (
        stored.filter(everywhere, operator_id=op)
        if op
        else stored.filter(everywhere, operator_id__isnull=True)
    )
    by_day = {row["day"]: Tally(**row) for row in daily.values(*DAY_FIELDS)}
    months, weeks = _full_periods(filters, live, rolled)
    covered = {d for monday in weeks for d in week_days(monday)}
    covered.update(d for first in months for d in month_days(first))
    other_days = [d for d in rolled if d not in covered and d not in live]
    system = _system_q(filters)
    in_months = ReportMonth.objects.filter(
        Q(first__in=months) if months else Q(first__isnull=True), system, tag_id=filters.tag_id
    )
    in_weeks = ReportWeek.objects.filter(
        Q(monday__in=weeks) if weeks else Q(monday__isnull=True), system, tag_id=filters.tag_id
    )
    if op:
        in_months = in_months.filter(operator_id=op)
        in_weeks = in_weeks.filter(operator_id=op)
    in_days = stored.filter(Q(day__in=other_days) if other_days else Q(day__isnull=True))
    # Of the scope, every widget's and each widget's (for no operator: the rows of none, as the
    # indexes on tag and operator find them); and each operator's over every widget, read for
    # the Operators table only: its fields (narrowed to an operator, it is also the total of the
    # scope).
    if op:
        ours, theirs = Q(widget_id__isnull=False), Q(widget_id__isnull=True)
    else:
        ours = Q(operator_id__isnull=True)
        theirs = Q(widget_id__isnull=True, operator_id__isnull=False)
    their_fields = SCOPE_FIELDS + ("operator_wait",) if op else OPERATOR_FIELDS

    def periods_and_days(q: Q, fields: tuple) -> list[Tally]:
        # Summed by scope in the database where it can (the figures only ever add them up).
        rows = in_months.filter(q).order_by().values(*fields)
        rows = rows.union(
            in_weeks.filter(q).order_by().values(*fields),
            in_days.filter(q).values(*fields),
            all=True,
        )
        summed = rows_summed(
            rows,
            keys=tuple(f for f in fields if f in KEYS),
            counts=tuple(f for f in fields if f in COUNTS),
            objects=tuple(f for f in fields if f in (*HISTOGRAMS, "tags", "to_departments")),
            lists=tuple(f for f in fields if f == "hours"),
        )
        return [Tally(**row) for row in summed]

    rows = periods_and_days(ours, SCOPE_FIELDS) + periods_and_days(theirs, their_fields)
    for t in built:
        if t.widget_id is None and t.operator_id == op:
            by_day[t.day] = t
    rows += built
    total = _summed(r for r in rows if r.widget_id is None and r.operator_id == op)
    scope = [r for r in rows if r.widget_id is not None and r.operator_id == op]
    operator_rows = [r for r in rows if r.widget_id is None and r.operator_id is not None]
    return by_day, total, scope, operator_rows


def _department_of(t: Tally | RowKey, widgets: dict) -> int | None:
    if t.department_id is not None:
        return t.department_id
    widget = widgets.get(t.widget_id)
    return widget["first_department_id"] if widget else None


def _summed(rows) -> Tally:
    total = Tally()
    for row in rows:
        total.add(row)
    return total


def _median(hist: dict) -> float | None:
    return _rounded(hist_percentiles(hist, 0.5)[0])


def _median_p90(hist: dict) -> list[float | None]:
    return [_rounded(value) for value in hist_percentiles(hist, 0.5, 0.9)]


def _group_figures(t: Tally) -> dict:
    return {
        "chats": t.chats,
        "answered": t.answered,
        "wait_median": _median(t.wait),
        "handling_median": _median(t.handling),
        "rating_average": _rounded(t.rating_average, 2),
    }


def _grouped(rows, key, *, empty: bool = False) -> dict:
    """The rows summed by key; a group with no chat (tickets only) is left out unless `empty`."""
    groups: dict = {}
    for row in rows:
        groups.setdefault(key(row), Tally()).add(row)
    return groups if empty else {k: t for k, t in groups.items() if t.chats}


def _day_waits(day: date, t: Tally) -> dict:
    wait_median, wait_p90 = _median_p90(t.wait)
    first_response_median, first_response_p90 = _median_p90(t.first_response)
    return {
        "day": day.isoformat(),
        "wait_median": wait_median,
        "wait_p90": wait_p90,
        "first_response_median": first_response_median,
        "first_response_p90": first_response_p90,
    }


def _period_of(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def _rolled_figures(
    filters: ReportFilters, live: list[date], rolled: dict[date, int] | None = None
) -> dict:
    """The figures `_direct_figures` gives, read from the roll-up: counts exactly, percentiles
    to a bin's width."""
    if rolled is None:
        rolled = _rolled_days(filters, None)
    widgets = {
        w["pk"]: w
        for w in Widget.objects.values(
            "pk", "name", "first_department_id", "first_department__name"
        )
    }
    by_day, total, scope_rows, operator_rows = _rolled_rows(filters, live, rolled, widgets)

    within = [
        {"label": f"{s // 60} min", "chats": getattr(total, f"within_{s}")}
        for s in ANSWERED_WITHIN_SECONDS
    ]
    for share in within:
        share["share"] = round(share["chats"] / total.chats, 4) if total.chats else None
    summary_ = {
        "chats": total.chats,
        "answered": total.answered,
        "missed": total.missed,
        "in_progress": total.in_progress,
        **dict(zip(("wait_median", "wait_p90"), _median_p90(total.wait), strict=True)),
        **dict(
            zip(
                ("first_response_median", "first_response_p90"),
                _median_p90(total.first_response),
                strict=True,
            )
        ),
        "handling_median": _median(total.handling),
        "rating_average": _rounded(total.rating_average, 2),
        "rated": total.rated,
        "answered_within": within,
    }

    by_period: dict[date, Tally] = {}
    for day, t in by_day.items():
        by_period.setdefault(_period_of(day, filters.grain), Tally()).add(t)
    volume_rows = {p: dict.fromkeys(VOLUME_SERIES, 0) for p in periods(filters)}
    for p, t in by_period.items():
        volume_rows[p] = {key: getattr(t, key) for key in VOLUME_SERIES}
    grid = [[0] * 24 for _ in WEEKDAYS]
    for day, t in by_day.items():
        grid[day.weekday()] = [a + b for a, b in zip(grid[day.weekday()], t.hours, strict=True)]
    edges = [0, *HANDLING_BINS_MINUTES, None]
    handling = [
        {
            "label": _handling_label(low, high),
            "chats": sum(
                n
                for edge, n in total.handling.items()
                if low * 60 <= int(edge) and (high is None or int(edge) < high * 60)
            ),
        }
        for low, high in zip(edges, edges[1:], strict=False)
    ]
    rated = {p: t for p, t in by_period.items() if t.rated}

    tag_ids = {int(k): n for k, n in total.tags.items()}
    tags = ChatTag.objects.filter(Q(active=True) | Q(pk__in=list(tag_ids))).order_by(
        "position", "name"
    )
    departments = dict(Department.objects.values_list("pk", "name"))

    by_operator = _grouped(operator_rows, lambda r: r.operator_id)
    names = dict(
        Operator.objects.filter(pk__in=list(by_operator))
        .annotate(shown=Coalesce(NullIf("display_name", Value("")), "username"))
        .values_list("pk", "shown")
    )
    operators = sorted(
        (
            {
                "operator_id": op,
                "name": names.get(op, ""),
                **_group_figures(t),
                "answered": t.operator_answered,
                "wait_median": _median(t.operator_wait),
                "transfers_made": t.transfers_made,
                "transfers_received": t.transfers_received,
            }
            for op, t in by_operator.items()
        ),
        key=lambda row: (-row["chats"], row["name"]),
    )

    widget_rows = sorted(
        (
            {
                "widget_id": pk,
                "name": widgets[pk]["name"],
                **_group_figures(t),
                "transfers_made": t.transfers,
            }
            for pk, t in _grouped(scope_rows, lambda r: r.widget_id).items()
        ),
        key=lambda row: (-row["chats"], row["name"]),
    )
    department_rows = []
    for dept, t in _grouped(scope_rows, lambda r: _department_of(r, widgets)).items():
        name = departments.get(dept, "No department") if dept is not None else "No department"
        department_rows.append(
            {
                "department_id": dept,
                "name": name,
                **_group_figures(t),
                "transfers_received": total.to_departments.get(str(dept), 0) if dept else 0,
            }
        )
    department_rows.sort(key=lambda row: (-row["chats"], row["name"]))

    return {
        "summary": summary_,
        "volume": {
            "grain": filters.grain,
            "rows": [{"period": p.isoformat(), **c} for p, c in sorted(volume_rows.items())],
        },
        "heatmap": {
            "rows": [{"weekday": name, "hours": grid[i]} for i, name in enumerate(WEEKDAYS)]
        },
        "waits": {"rows": [_day_waits(day, t) for day, t in sorted(by_day.items()) if t.chats]},
        "handling": {"rows": handling},
        "ratings": {"rows": [{"rating": n, "chats": c} for n, c in enumerate(total.ratings, 1)]},
        "rating_over_time": {
            "grain": filters.grain,
            "rows": [
                {
                    "period": p.isoformat(),
                    "average": _rounded(rated[p].rating_average, 2) if p in rated else None,
                    "rated": rated[p].rated if p in rated else 0,
                }
                for p in periods(filters)
            ],
        },
        "tags": {
            "rows": [
                {
                    "tag": tag.name,
                    "read_scale": tag.scale == ChatTag.Scale.READ,
                    "chats": tag_ids.get(tag.pk, 0),
                }
                for tag in tags
            ],
            "untagged": total.untagged,
        },
        "operators": operators,
        "departments": department_rows,
        "widgets": widget_rows,
    }


def report_figures(filters: ReportFilters, *, now: datetime | None = None) -> dict:
    """Every figure of the page for these filters (the JSON endpoint's answer): from the
    roll-up where it holds the range, else directly."""
    rolled = _rolled_days(filters, now)
    live = _live_days(filters, now, rolled)
    figures = _direct_figures(filters) if live is None else _rolled_figures(filters, live, rolled)
    return {
        "filters": filters.as_query(),
        "time_zone": str(_tz()),
        **figures,
        "comments": comments(filters),
        "coverage": coverage(filters, now=now),
        "widget_hours": widget_coverage(filters, now=now),
        "now": now_panel(now=now, system_id=filters.system_id),
    }
