"""The daily roll-up: the page's figures read from it equal the figures computed from the chats
(counts exactly, percentiles to a bin's width) for every filter, on the hand-built week of
dataset.py (a chat across midnight in Chicago, a transferred chat, a missed one, a ticket); the
job picks up what changes after a day was rolled, and runs twice to the same rows."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import F

from chats.models import ChatEvent, ChatTag, PatronChat
from chats.services.lifecycle import chat_rate
from libchat.core.models import SiteSettings
from reports import rollup, selectors
from reports.filters import ReportFilters
from reports.models import ReportDay, ReportMonth, ReportWeek, RolledDay, RolledMonth
from reports.rollup import BIN_LOWS, Tally, bin_of, hist_percentile
from reports.services import rollup_day, rollup_due, rollup_rebuild, rollup_run
from reports.sql import rows_summed
from reports.tasks import reports_rollup
from systems.models import System
from tests.factories import WidgetFactory
from tests.reports.dataset import END, NOW, START, chat, event, local, took_part, week
from widgets.models import Widget

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("chicago")]


def filters(grain="day", start=START, end=END, **narrow) -> ReportFilters:
    return ReportFilters(start=start, end=end, grain=grain, **narrow)


def roll(start=START - timedelta(days=1), end=END + timedelta(days=1)) -> None:
    rollup_rebuild(start=start, end=end, now=NOW)


def direct(f: ReportFilters) -> dict:
    return selectors._direct_figures(f)


def from_rollup(f: ReportFilters) -> dict:
    live = selectors._live_days(f, NOW)
    assert live is not None, "the roll-up should answer these filters"
    return selectors._rolled_figures(f, live)


def narrowings(w) -> list[dict]:
    research = ChatTag.objects.get(name="Research")
    read_4 = w.a.tags.exclude(pk=research.pk).get()
    return [
        {},
        {"widget_id": w.reference_widget.pk},
        {"widget_id": w.circulation_widget.pk},
        {"department_id": w.reference.pk},
        {"department_id": w.circulation.pk},
        {"operator_id": w.alice.pk},
        {"operator_id": w.bob.pk},
        {"operator_id": w.carol.pk},
        {"tag_id": research.pk},
        {"tag_id": read_4.pk},
        {"tag_id": research.pk, "operator_id": w.bob.pk},
        {"tag_id": research.pk, "widget_id": w.reference_widget.pk},
        {"department_id": w.circulation.pk, "tag_id": research.pk},
        {"operator_id": w.alice.pk, "widget_id": w.reference_widget.pk},
        {"operator_id": w.bob.pk, "department_id": w.circulation.pk},
        {"operator_id": w.alice.pk, "department_id": w.reference.pk, "tag_id": research.pk},
    ]


@pytest.mark.parametrize("grain", ["day", "week", "month"])
def test_figures_from_the_rollup_equal_the_direct_ones_under_every_filter(w, grain):
    roll()
    assert RolledDay.objects.count() == 9
    for narrow in narrowings(w):
        f = filters(grain, **narrow)
        assert from_rollup(f) == direct(f), narrow


def test_the_chat_across_midnight_counts_on_its_local_day_in_the_rollup(w):
    roll()
    rows = {r["period"]: r for r in from_rollup(filters())["volume"]["rows"]}
    assert rows["2026-01-06"]["answered"] == 1  # C: 23:50 Tuesday in Chicago, Wednesday in UTC
    assert rows["2026-01-07"]["answered"] == 1  # D alone
    heat = from_rollup(filters())["heatmap"]["rows"]
    assert heat[1]["hours"][23] == 1  # Tuesday, 23h


def test_a_week_is_read_whole_only_while_none_of_its_days_was_rolled_again(w):
    roll()
    f = filters()
    rolled = selectors._rolled_days(f, NOW)
    assert selectors._full_periods(f, [], rolled) == ([], [START])
    summed = ReportWeek.objects.filter(monday=START, tag_id=None, widget_id=None, system_id=None)
    assert summed.exclude(operator_id=None).count() == 3  # Alice, Bob, Carol
    assert summed.get(operator_id=None).chats == 4
    # A day rolled again by a worker that has not summed the week yet: its days are read.
    RolledDay.objects.filter(day=date(2026, 1, 7)).update(version=F("version") + 1)
    rolled = selectors._rolled_days(f, NOW)
    assert selectors._full_periods(f, [], rolled) == ([], [])
    assert from_rollup(f) == direct(f)
    rollup_day(day=date(2026, 1, 7), now=NOW)
    assert selectors._full_periods(f, [], selectors._rolled_days(f, NOW)) == ([], [START])
    assert from_rollup(f) == direct(f)


def test_a_whole_month_is_read_from_its_sum_and_its_weeks_and_days_around_it(w):
    # January rolled whole (a February morning): a range from the last days of December to
    # early February reads January's sum, and the days around it; the figures are the same.
    later = datetime(2026, 2, 10, 12, tzinfo=UTC)
    rollup_rebuild(start=date(2025, 12, 20), end=date(2026, 2, 9), now=later)
    f = filters(start=date(2025, 12, 22), end=date(2026, 2, 9), grain="month")
    rolled = selectors._rolled_days(f, later)
    january = date(2026, 1, 1)
    assert selectors._full_periods(f, [], rolled) == (
        [january],
        [date(2025, 12, 22), date(2026, 2, 2)],  # whole weeks outside January
    )
    summed = ReportMonth.objects.filter(first=january, tag_id=None, widget_id=None, system_id=None)
    days = ReportDay.objects.filter(
        day__month=1, tag_id=None, widget_id=None, operator_id=None, system_id=None
    )
    assert summed.get(operator_id=None).chats == sum(d.chats for d in days) > 4
    assert selectors._rolled_figures(f, []) == direct(f)
    # A day of January rolled again, not summed yet: January is read by its weeks and days.
    RolledDay.objects.filter(day=date(2026, 1, 7)).update(version=F("version") + 1)
    months, weeks = selectors._full_periods(f, [], selectors._rolled_days(f, later))
    assert months == [] and START not in weeks and date(2026, 1, 12) in weeks
    assert selectors._rolled_figures(f, []) == direct(f)
    rollup_day(day=date(2026, 1, 7), now=later)
    assert selectors._full_periods(f, [], selectors._rolled_days(f, later))[0] == [january]


def test_days_not_rolled_yet_are_built_from_the_chats(w):
    roll(end=date(2026, 1, 8))  # the 9th, 10th and 11th are left live
    f = filters()
    assert selectors._live_days(f, NOW) == [date(2026, 1, 9), date(2026, 1, 10), END]
    # A chat on the 10th, answered after 75 s, that only the live part can know of.
    t = local(10, 15)
    late = chat(
        w.reference_widget,
        t,
        claimed=t + timedelta(seconds=70),
        ended=t + timedelta(minutes=10),
    )
    PatronChat.objects.filter(pk=late.pk).update(first_response_at=t + timedelta(seconds=75))
    took_part(late, w.bob, t + timedelta(seconds=70), t + timedelta(seconds=75))
    figures = selectors.report_figures(f, now=NOW)
    assert figures["summary"]["chats"] == 5
    assert {k: figures[k] for k in direct(f)} == direct(f)


def test_a_range_with_too_many_days_not_rolled_up_is_computed_directly(w):
    f = filters()
    assert selectors._live_days(f, NOW) is None  # nothing rolled: seven days missing
    figures = selectors.report_figures(f, now=NOW)
    assert figures["summary"]["chats"] == 4
    assert {k: figures[k] for k in direct(f)} == direct(f)


def test_percentiles_are_within_a_bin_of_the_direct_ones(w):
    """Waits off the bins' edges: 0.4 s into a second, 3.7 s into a 5 s bin, 17 s into 30 s."""
    waits = [12.4, 47.9, 133.7, 251.2, 430.0, 617.0, 1290.5, 2950.3, 95.5, 3.2]
    for n, seconds in enumerate(waits):
        t = local(9, 8) + timedelta(minutes=n)
        claimed = t + timedelta(seconds=seconds)
        chat(
            w.reference_widget,
            t,
            claimed=claimed,
            responded=claimed,
            ended=claimed + timedelta(seconds=seconds * 2),
        )
    roll()
    exact, rolled = direct(filters())["summary"], from_rollup(filters())["summary"]
    for key in (
        "wait_median",
        "wait_p90",
        "first_response_median",
        "first_response_p90",
        "handling_median",
    ):
        width = 30 if exact[key] >= 600 else 5 if exact[key] >= 120 else 1
        assert abs(rolled[key] - exact[key]) <= width, key
    assert rolled["answered_within"] == exact["answered_within"]  # counts stay exact
    assert from_rollup(filters())["handling"] == direct(filters())["handling"]


def test_bins_are_second_wide_under_two_minutes_and_wider_above():
    assert [bin_of(s) for s in (0, 0.99, 1, 119.5, 120, 124.9, 599, 600, 629, 3600, 99999)] == [
        0,
        0,
        1,
        119,
        120,
        120,
        595,
        600,
        600,
        3600,
        14400,
    ]
    assert all(b - a <= 300 for a, b in zip(BIN_LOWS, BIN_LOWS[1:], strict=False))
    assert hist_percentile({30: 1, 90: 1, 200: 1}, 0.9) == pytest.approx(178.0)
    assert hist_percentile({}, 0.5) is None


def test_a_late_rating_is_picked_up_by_the_next_run(w):
    t = local(8, 14)
    e = chat(
        w.reference_widget,
        t,
        claimed=t + timedelta(seconds=20),
        responded=t + timedelta(seconds=40),
        ended=t + timedelta(minutes=5),
    )
    took_part(e, w.carol, t + timedelta(seconds=20), t + timedelta(seconds=40))
    monday_after = datetime(2026, 1, 12, 9, tzinfo=UTC)
    rollup_run(now=monday_after)
    assert from_rollup(filters())["summary"]["rated"] == 3
    chat_rate(chat=e, rating=2)  # the patron rates it on the 12th, four days after
    assert from_rollup(filters())["summary"]["rated"] == 3  # not until the job runs again
    rollup_run(now=monday_after + timedelta(hours=1))
    summary = from_rollup(filters())["summary"]
    assert (summary["rated"], summary["rating_average"]) == (4, 3.5)
    assert from_rollup(filters()) == direct(filters())


def test_a_day_rolled_with_a_chat_still_open_is_rolled_again_until_it_ends(w):
    t = local(9, 16)
    stuck = chat(w.reference_widget, t, claimed=t + timedelta(seconds=30))
    took_part(stuck, w.alice, t + timedelta(seconds=30))
    rollup_run(now=datetime(2026, 1, 12, 9, tzinfo=UTC))
    assert RolledDay.objects.get(day=date(2026, 1, 9)).open_items == 1
    assert from_rollup(filters())["summary"]["in_progress"] == 1
    PatronChat.objects.filter(pk=stuck.pk).update(
        state=PatronChat.State.ENDED, ended_at=t + timedelta(minutes=3)
    )
    event(stuck, ChatEvent.Kind.ENDED, t + timedelta(minutes=3))
    three_weeks_on = datetime(2026, 2, 2, 9, tzinfo=UTC)  # the 9th is long out of the last 7 days
    assert date(2026, 1, 9) in rollup_due(now=three_weeks_on)
    rollup_run(now=three_weeks_on)
    assert RolledDay.objects.get(day=date(2026, 1, 9)).open_items == 0
    assert from_rollup(filters()) == direct(filters())
    assert date(2026, 1, 9) not in rollup_due(now=three_weeks_on + timedelta(hours=1))


def test_the_job_rolls_the_same_rows_twice_and_catches_up_after_beat_was_down(w):
    rollup_run(now=datetime(2026, 1, 6, 9, tzinfo=UTC))
    assert sorted(RolledDay.objects.values_list("day", flat=True))[-1] == date(2026, 1, 5)
    ten_days_later = datetime(2026, 1, 16, 9, tzinfo=UTC)
    rollup_run(now=ten_days_later)
    first = sorted(
        map(str, ReportDay.objects.values_list(*[f.name for f in ReportDay._meta.fields[1:]]))
    )
    rollup_run(now=ten_days_later)
    again = sorted(
        map(str, ReportDay.objects.values_list(*[f.name for f in ReportDay._meta.fields[1:]]))
    )
    assert first == again
    days = set(RolledDay.objects.values_list("day", flat=True))
    assert {START + timedelta(days=n) for n in range(10)} <= days  # no gap from the 5th to the 15th
    assert from_rollup(filters()) == direct(filters())


def test_rolled_days_keep_the_figures_of_chats_retention_deleted(w):
    roll()
    site = SiteSettings.load()
    site.delete_patron_chats_days = 5
    site.save()
    PatronChat.objects.filter(pk=w.d.pk).delete()  # what retention does to an old chat
    assert rollup_rebuild(start=START, end=END, now=NOW) == (0, 7)
    assert date(2026, 1, 7) not in rollup_due(now=NOW)
    assert from_rollup(filters())["summary"]["chats"] == 4  # D still counted
    assert direct(filters())["summary"]["chats"] == 3


def test_only_closed_days_are_rolled(w):
    with pytest.raises(ValueError, match="has not ended"):
        rollup_day(day=date(2026, 1, 20), now=NOW)


def test_the_command_rolls_up_a_range(w, capsys):
    with time_machine.travel(NOW, tick=False):
        call_command("reports_rollup", "--from", "2026-01-05", "--to", "2026-01-11")
    assert "Rolled up 7 days." in capsys.readouterr().out
    assert RolledDay.objects.filter(day__range=(START, END)).count() == 7
    assert from_rollup(filters()) == direct(filters())


def test_the_beat_task_is_scheduled_and_runs_idempotently(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["reports-rollup"]
    assert entry["task"] == "reports.tasks.reports_rollup"
    widget = WidgetFactory()
    with time_machine.travel(NOW, tick=False):
        yesterday = local(19, 10)
        chat(widget, yesterday, ended=yesterday + timedelta(minutes=2))
        reports_rollup.delay()
        reports_rollup.delay()
        f = filters(start=date(2026, 1, 19), end=date(2026, 1, 19))
        assert selectors._live_days(f, NOW) == []
        assert from_rollup(f)["summary"]["missed"] == 1
    assert RolledDay.objects.count() == 7
    # Its widget's row, every widget's, and every widget's of its system.
    assert ReportDay.objects.filter(day=date(2026, 1, 19)).count() == 3


def test_figures_from_the_rollup_in_a_fixed_number_of_queries(w, django_assert_num_queries):
    ten_days = filters(start=date(2026, 1, 2), end=date(2026, 1, 11))
    roll(start=ten_days.start)
    # The roll-up's days, weeks, chat rows, operator rows by day and by week; widgets, tags,
    # departments and operators; the comments, the two coverages and the Now panel (3) as the
    # direct page reads them.
    with django_assert_num_queries(15):
        selectors.report_figures(ten_days, now=NOW)
    week(copy=1)
    long = filters(grain="week", start=date(2025, 2, 1), end=date(2026, 1, 11))
    roll(start=long.start)
    with django_assert_num_queries(15):
        selectors.report_figures(long, now=NOW)


def test_rows_summed_in_the_database_add_up_as_python_does():
    # Each scope's rows summed by the database (PostgreSQL; elsewhere they come back as they
    # are) equal the same rows added up one by one: counts, histograms bin by bin, hours hour by
    # hour, a scope with a missing key (every widget) kept apart from the others.
    def row(day, widget_id, operator_id, chats, wait, hours):
        return ReportDay(
            day=date(2026, 1, day), widget_id=widget_id, operator_id=operator_id, chats=chats,
            wait=wait, hours=hours,
        )  # fmt: skip

    ReportDay.objects.bulk_create(
        [
            row(5, None, None, 3, {"0": 1, "30": 2}, [1] * 24),
            row(6, None, None, 4, {"30": 1, "600": 3}, [2] * 24),
            row(5, 7, None, 2, {"30": 2}, [0] * 23 + [2]),
            row(5, None, 9, 1, {"4": 1}, []),
            row(6, None, 9, 2, {}, []),
        ]
    )
    fields = ("widget_id", "operator_id", "chats", "wait", "hours")
    rows = ReportDay.objects.order_by().values(*fields)
    summed = rows_summed(
        rows, keys=("widget_id", "operator_id"), counts=("chats",), objects=("wait",),
        lists=("hours",),
    )  # fmt: skip

    def by_scope(tallies):
        groups = {}
        for t in tallies:
            groups.setdefault((t.widget_id, t.operator_id), Tally()).add(t)
        return {key: (t.chats, t.wait, t.hours) for key, t in groups.items()}

    scopes = by_scope(Tally(**r) for r in summed)
    assert scopes == by_scope(Tally(**r) for r in rows)
    assert scopes[(None, None)] == (7, {"0": 1, "30": 3, "600": 3}, [3] * 24)
    assert scopes[(None, 9)] == (3, {"4": 1}, [0] * 24)


def test_whole_months_rolled_before_months_were_summed_are_summed_by_the_job(w):
    later = datetime(2026, 2, 10, 12, tzinfo=UTC)
    rollup_rebuild(start=date(2026, 1, 1), end=date(2026, 1, 31), now=later)
    ReportMonth.objects.all().delete()
    RolledMonth.objects.all().delete()  # as on an install upgraded with days rolled
    f = filters(start=date(2026, 1, 1), end=date(2026, 1, 31), grain="week")
    assert selectors._full_periods(f, [], selectors._rolled_days(f, later))[0] == []
    with time_machine.travel(later, tick=False):
        rollup_run()
    assert selectors._full_periods(f, [], selectors._rolled_days(f, later))[0] == [date(2026, 1, 1)]
    assert selectors._rolled_figures(f, []) == direct(f)


def two_systems(w) -> System:
    """Circulation's widget (chat C and the ticket) moved into a second library system."""
    other = System.objects.create(name="County Library", slug="county")
    Widget.objects.filter(pk=w.circulation_widget.pk).update(system=other)
    return other


@pytest.mark.parametrize("grain", ["day", "week"])
def test_each_systems_figures_from_the_rollup_equal_its_direct_ones(w, grain):
    other = two_systems(w)
    home = w.reference_widget.system_id
    roll()
    for system_id in (home, other.pk):
        for narrow in narrowings(w):
            f = filters(grain, system_id=system_id, **narrow)
            assert from_rollup(f) == direct(f), (system_id, narrow)
    county = from_rollup(filters(grain, system_id=other.pk))
    assert county["summary"]["chats"] == 1  # chat C
    assert sum(r["tickets"] for r in county["volume"]["rows"]) == 1
    assert from_rollup(filters(grain, system_id=home))["summary"]["chats"] == 3
    # Both systems together: the figures of the single system they were before.
    assert from_rollup(filters(grain)) == direct(filters(grain))
    assert from_rollup(filters(grain))["summary"]["chats"] == 4


def test_a_system_filtered_page_reads_the_rollup_in_as_many_queries(w, django_assert_num_queries):
    other = two_systems(w)
    roll()
    with django_assert_num_queries(15):
        selectors.report_figures(filters(), now=NOW)
    with django_assert_num_queries(15):
        figures = selectors.report_figures(filters(system_id=other.pk), now=NOW)
    assert figures["summary"]["chats"] == 1


def test_the_migration_gives_a_rollup_made_before_systems_its_rows_per_system(w):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("reports.migrations.0004_rollup_system")
    other = two_systems(w)
    roll()

    def stored():
        return {
            model: sorted(
                model.objects.values(*[f.attname for f in model._meta.concrete_fields][1:]),
                key=repr,
            )
            for model in (ReportDay, ReportWeek, ReportMonth)
        }

    rolled = stored()
    # The roll-up as the previous version kept it: no system anywhere.
    for model in (ReportDay, ReportWeek, ReportMonth):
        model.objects.filter(widget_id__isnull=True, system_id__isnull=False).delete()
        model.objects.update(system_id=None)
    migration.rows_per_system(apps, None)
    assert stored() == rolled
    f = filters(system_id=other.pk)
    assert from_rollup(f) == direct(f)


def test_live_days_of_every_filter_and_system_equal_the_direct_figures(w):
    other = two_systems(w)
    roll(end=date(2026, 1, 8))  # the 9th, 10th and 11th are built from their chats
    t = local(9, 15)
    late = chat(
        w.circulation_widget, t, claimed=t + timedelta(seconds=40), ended=t + timedelta(minutes=5)
    )
    took_part(late, w.bob, t + timedelta(seconds=40), t + timedelta(seconds=50))
    for system_id in (None, w.reference_widget.system_id, other.pk):
        for narrow in narrowings(w):
            f = filters(system_id=system_id, **narrow)
            assert from_rollup(f) == direct(f), (system_id, narrow)


def test_the_page_builds_only_the_live_rows_its_figures_read(w, monkeypatch):
    other = two_systems(w)
    roll(end=date(2026, 1, 4))  # the whole week is live
    built = []

    def tallies_build(spans, **kwargs):
        built[:] = rollup.tallies_build(spans, **kwargs)
        return built

    monkeypatch.setattr(selectors, "tallies_build", tallies_build)
    f = filters(start=date(2026, 1, 5), end=date(2026, 1, 7))
    selectors._rolled_figures(f, selectors._live_days(f, NOW))
    # Every widget's rows of every system, each widget's and each operator's over every widget:
    # no row of a tag, of one system's every widget or of an operator at one widget.
    assert built and all(t.tag_id is None for t in built)
    assert not [t for t in built if t.widget_id is None and t.system_id is not None]
    assert not [t for t in built if t.widget_id is not None and t.operator_id is not None]
    county = filters(start=date(2026, 1, 5), end=date(2026, 1, 7), system_id=other.pk)
    selectors._rolled_figures(county, selectors._live_days(county, NOW))
    assert built and {t.system_id for t in built} == {other.pk}
