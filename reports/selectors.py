"""Every figure of the Reports page, each one SQL aggregation over the chat record (GROUP BY over
dates truncated in the library's TIME_ZONE, percentiles in the database), never a loop over
chats. `report_figures` returns them all for one set of filters, in a fixed number of queries."""

from datetime import date, datetime, timedelta

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

from accounts.models import StatusInterval
from accounts.selectors import active_sessions_with_reachability
from chats.filters import chat_scope_q
from chats.models import ChatEvent, ChatParticipant, ChatTag, OfflineTicket, PatronChat
from chats.selectors import chat_filter_choices
from departments.models import Membership
from reports.filters import ReportFilters
from reports.sql import Percentile, Seconds
from widgets.models import WidgetOnlineInterval
from widgets.selectors import widgets_routed_to

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ANSWERED_WITHIN_SECONDS = [60, 120, 300]
# Handling-time histogram: the upper edge of each bin, in minutes; the last bin is open.
HANDLING_BINS_MINUTES = [2, 5, 10, 15, 30, 60]
TRANSFER_KINDS = [ChatEvent.Kind.TRANSFERRED, ChatEvent.Kind.TO_DEPARTMENT]
COMMENTS_SHOWN = 100
VOLUME_SERIES = ("answered", "missed", "in_progress", "tickets")

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


def now_panel(*, now: datetime | None = None) -> dict:
    """Who is signed in and their status, the chats waiting and the longest wait, and the chats
    each operator holds: the live desk, in three queries."""
    now = now or timezone.now()
    sessions = list(
        active_sessions_with_reachability(now)
        .select_related("operator")
        .order_by("operator__display_name", "operator__username")
    )
    waiting = PatronChat.objects.filter(state=PatronChat.State.WAITING).aggregate(
        count=Count("pk"), oldest=Min("created_at")
    )
    holding = dict(
        PatronChat.objects.filter(state=PatronChat.State.ACTIVE)
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


def filter_choices() -> dict:
    """What the filters offer: widgets, departments, operators and tags, by name."""
    return chat_filter_choices()


def report_figures(filters: ReportFilters, *, now: datetime | None = None) -> dict:
    """Every figure of the page for these filters (the JSON endpoint's answer)."""
    transfers = transfer_counts(filters)
    return {
        "filters": filters.as_query(),
        "time_zone": str(_tz()),
        "summary": summary(filters),
        "volume": volume(filters),
        "heatmap": heatmap(filters),
        "waits": waits(filters),
        "handling": handling_histogram(filters),
        "ratings": rating_distribution(filters),
        "rating_over_time": rating_over_time(filters),
        "tags": tag_counts(filters),
        "comments": comments(filters),
        "operators": per_operator(filters, transfers),
        "departments": per_department(filters, transfers),
        "widgets": per_widget(filters, transfers),
        "coverage": coverage(filters, now=now),
        "widget_hours": widget_coverage(filters, now=now),
        "now": now_panel(now=now),
    }
