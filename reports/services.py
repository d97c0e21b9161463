"""Keeping the daily roll-up (`ReportDay`): a day is rolled in one transaction that locks its
`RolledDay` marker, deletes the day's rows and writes them again from the chats, so a second
worker or a late run waits and then writes the same rows (idempotent), and a reader sees the old
day or the new one, never half of each.

What is re-rolled each run, so data that changes after its day catches up: the last
`LIBCHAT_REPORTS_REROLL_DAYS` closed days (a late rating, a tag added the next morning), every
day after the newest one rolled (beat was down), and days rolled while a chat was still open or
a ticket unanswered (until they are closed, for `LIBCHAT_REPORTS_OPEN_DAYS`). A day that
retention may have deleted chats of (older than "Delete patron chats after") is never rolled
again: its rows keep the figures of the deleted chats, as anonymising keeps them."""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from libchat.core.models import SiteSettings
from reports.models import ReportDay, ReportMonth, ReportWeek, RolledDay, RolledMonth, RolledWeek
from reports.rollup import (
    KEYS,
    TALLY_FIELDS,
    Tally,
    month_days,
    open_items,
    tallies_build,
    week_days,
)


def day_span(day: date) -> tuple[datetime, datetime]:
    """The day's first instant and the next day's, in the library's time zone."""
    return (
        timezone.make_aware(datetime.combine(day, time.min)),
        timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min)),
    )


def rollup_day(*, day: date, now: datetime | None = None) -> int:
    """Roll up one closed day wholesale; returns the rows written."""
    now = now or timezone.now()
    if day >= timezone.localdate(now):
        raise ValueError(f"{day} has not ended: only closed days are rolled up")
    span = [day_span(day)]
    with transaction.atomic():
        marker, created = RolledDay.objects.select_for_update().get_or_create(
            day=day, defaults={"rolled_at": now}
        )
        rows = [ReportDay(**t.as_row()) for t in tallies_build(span)]
        ReportDay.objects.filter(day=day).delete()
        ReportDay.objects.bulk_create(rows, batch_size=1000)
        marker.rolled_at = now
        marker.open_items = open_items(span)
        marker.version += 1
        marker.save()
    rollup_week(monday=day - timedelta(days=day.weekday()))
    rollup_month(first=day.replace(day=1))
    return len(rows)


def rollup_week(*, monday: date) -> bool:
    """Sum the rows of the week's seven days into `ReportWeek`, once all are rolled; returns
    whether it did (see `_period_sum`)."""
    return _period_sum(week_days(monday), RolledWeek, ReportWeek, "monday")


def rollup_month(*, first: date) -> bool:
    """Sum the rows of a calendar month's days into `ReportMonth`, once all are rolled; returns
    whether it did (see `_period_sum`)."""
    return _period_sum(month_days(first), RolledMonth, ReportMonth, "first")


def _period_sum(days: list[date], marker_model, row_model, field: str) -> bool:
    """Sum the days' rows into the period's, under a lock on its marker row; the versions of the
    days are read first, so a day re-rolled meanwhile leaves the period unused (its days are read
    instead) until that day's own call sums it again."""
    start = days[0]
    with transaction.atomic():
        marker, _ = marker_model.objects.select_for_update().get_or_create(
            pk=start, defaults={"versions": 0}
        )
        versions = list(RolledDay.objects.filter(day__in=days).values_list("version", flat=True))
        row_model.objects.filter(**{field: start}).delete()
        if len(versions) < len(days):
            marker.delete()
            return False
        scope = KEYS[1:]  # widget, department, operator, tag, system
        sums: dict[tuple, Tally] = {}
        for row in ReportDay.objects.filter(day__in=days).values(*TALLY_FIELDS):
            key = tuple(row[name] for name in scope)
            if key not in sums:
                sums[key] = Tally(**dict(zip(scope, key, strict=True)))
            sums[key].add(row)
        rows = []
        for t in sums.values():
            row = t.as_row()
            del row["day"]
            rows.append(row_model(**{field: start}, **row))
        row_model.objects.bulk_create(rows, batch_size=1000)
        marker.versions = sum(versions)
        marker.save()
    return True


def frozen_before(now: datetime) -> date | None:
    """The first day that may be rolled again: earlier days may have lost chats to retention."""
    days = SiteSettings.load().delete_patron_chats_days
    return timezone.localdate(now - timedelta(days=days)) + timedelta(days=1) if days else None


def rollup_due(*, now: datetime | None = None) -> list[date]:
    """The closed days the next run rolls (see the module's docstring)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = {today - timedelta(days=n) for n in range(1, settings.LIBCHAT_REPORTS_REROLL_DAYS + 1)}
    newest = RolledDay.objects.order_by("-day").values_list("day", flat=True).first()
    if newest is not None:
        due.update(newest + timedelta(days=n) for n in range(1, (today - newest).days))
    open_since = today - timedelta(days=settings.LIBCHAT_REPORTS_OPEN_DAYS)
    due.update(
        RolledDay.objects.filter(open_items__gt=0, day__gte=open_since).values_list(
            "day", flat=True
        )
    )
    first = frozen_before(now)
    if first is not None:
        kept = set(
            RolledDay.objects.filter(day__lt=first, day__in=due).values_list("day", flat=True)
        )
        due -= kept
    return sorted(due)


def rollup_run(*, now: datetime | None = None) -> int:
    """The beat job: roll every due day, and sum a few whole months not summed yet; returns
    the days rolled."""
    now = now or timezone.now()
    days = rollup_due(now=now)
    for day in days:
        rollup_day(day=day, now=now)
    rollup_months_missing()
    return len(days)


def rollup_months_missing(*, limit: int = 12) -> int:
    """Sum up to `limit` months whose days are all rolled but which have no sum yet (days
    rolled before months were summed, on an upgrade), newest first; returns how many."""
    summed = set(RolledMonth.objects.values_list("first", flat=True))
    months = (
        RolledDay.objects.annotate(first=TruncMonth("day"))
        .values("first")
        .annotate(days=Count("day"))
        .order_by("-first")
    )
    done = 0
    for month in months:
        first = month["first"]
        whole = month["days"] == len(month_days(first))
        if first in summed or not whole:
            continue
        rollup_month(first=first)
        done += 1
        if done == limit:
            break
    return done


def rollup_rebuild(*, start: date, end: date, now: datetime | None = None) -> tuple[int, int]:
    """Roll up every closed day from start to end (an upgrade over years of chats, or after a
    fix), except days already rolled that retention may have deleted chats of. Returns the days
    rolled and the days kept."""
    now = now or timezone.now()
    end = min(end, timezone.localdate(now) - timedelta(days=1))
    first = frozen_before(now)
    rolled = set(
        RolledDay.objects.filter(day__gte=start, day__lte=end).values_list("day", flat=True)
    )
    done = kept = 0
    day = start
    while day <= end:
        if first is not None and day < first and day in rolled:
            kept += 1
        else:
            rollup_day(day=day, now=now)
            done += 1
        day += timedelta(days=1)
    return done, kept
