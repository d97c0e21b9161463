"""Every figure of the Reports page on a hand-built week with known answers (dataset.py), bucketed
in the library's time zone, not UTC."""

from datetime import date, timedelta

import pytest
from django.http import QueryDict

from chats.models import ChatTag
from libchat.core.queries import QueryRefused
from reports import selectors
from reports.filters import ReportFilters, filters_parse
from reports.sql import percentile_cont
from tests.reports.dataset import END, NOW, START, TZ, local, week

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("chicago")]


def filters(grain="day", **narrow) -> ReportFilters:
    return ReportFilters(start=START, end=END, grain=grain, **narrow)


def by(rows, key):
    return {row[key]: row for row in rows}


def test_summary_counts_answered_missed_and_the_times_in_the_database(w):
    s = selectors.summary(filters())
    assert (s["chats"], s["answered"], s["missed"], s["in_progress"]) == (4, 3, 1, 0)
    # Waits 30, 90 and 200 s; first responses 60, 150 and 250 s; handling 1170, 1710 and 400 s.
    assert (s["wait_median"], s["wait_p90"]) == (90.0, 178.0)
    assert (s["first_response_median"], s["first_response_p90"]) == (150.0, 230.0)
    assert s["handling_median"] == 1170.0
    assert (s["rating_average"], s["rated"]) == (4.0, 3)
    assert s["answered_within"] == [
        {"label": "1 min", "chats": 1, "share": 0.25},
        {"label": "2 min", "chats": 1, "share": 0.25},
        {"label": "5 min", "chats": 3, "share": 0.75},
    ]


def test_volume_per_day_puts_the_chat_across_midnight_on_its_local_day(w):
    rows = by(selectors.volume(filters())["rows"], "period")
    assert list(rows) == [f"2026-01-{d:02d}" for d in range(5, 12)]
    assert rows["2026-01-05"] | {} == {
        "period": "2026-01-05",
        "answered": 1,
        "missed": 1,
        "in_progress": 0,
        "tickets": 0,
    }
    assert rows["2026-01-06"]["answered"] == 1  # Tuesday 23:50 in Chicago, Wednesday in UTC
    assert rows["2026-01-07"]["answered"] == 1
    assert rows["2026-01-08"]["tickets"] == 1
    assert sum(r["answered"] + r["missed"] for r in rows.values()) == 4


def test_volume_per_week_and_month(w):
    assert selectors.volume(filters("week"))["rows"] == [
        {"period": "2026-01-05", "answered": 3, "missed": 1, "in_progress": 0, "tickets": 1}
    ]
    assert selectors.volume(filters("month"))["rows"] == [
        {"period": "2026-01-01", "answered": 3, "missed": 1, "in_progress": 0, "tickets": 1}
    ]


def test_heatmap_counts_chats_by_local_weekday_and_hour(w):
    rows = by(selectors.heatmap(filters())["rows"], "weekday")
    assert rows["Monday"]["hours"][10] == 2
    assert rows["Tuesday"]["hours"][23] == 1
    assert rows["Wednesday"]["hours"][9] == 1
    assert sum(sum(r["hours"]) for r in rows.values()) == 4


def test_waits_per_day_median_and_90th_percentile(w):
    rows = by(selectors.waits(filters())["rows"], "day")
    assert rows["2026-01-05"] == {
        "day": "2026-01-05",
        "wait_median": 30.0,  # the missed chat has no wait
        "wait_p90": 30.0,
        "first_response_median": 60.0,
        "first_response_p90": 60.0,
    }
    assert rows["2026-01-06"]["wait_median"] == 90.0
    assert rows["2026-01-07"]["first_response_p90"] == 250.0


def test_handling_histogram(w):
    rows = selectors.handling_histogram(filters())["rows"]
    assert [(r["label"], r["chats"]) for r in rows] == [
        ("under 2 min", 0),
        ("2–5 min", 0),
        ("5–10 min", 1),
        ("10–15 min", 0),
        ("15–30 min", 2),
        ("30–60 min", 0),
        ("60 min or more", 0),
    ]


def test_ratings_and_comments(w):
    assert [r["chats"] for r in selectors.rating_distribution(filters())["rows"]] == [0, 0, 1, 1, 1]
    over = by(selectors.rating_over_time(filters())["rows"], "period")
    assert over["2026-01-05"] == {"period": "2026-01-05", "average": 5.0, "rated": 1}
    assert over["2026-01-08"] == {"period": "2026-01-08", "average": None, "rated": 0}
    comments = selectors.comments(filters())
    assert [(c["chat_id"], c["comment"], c["rating"]) for c in comments] == [
        (w.a.pk, "Very helpful", 5)
    ]
    assert comments[0]["url"] == f"/dashboard/transcripts/{w.a.pk}/"
    assert comments[0]["at"] == "2026-01-05T10:00-06:00"


def test_per_operator_credits_everyone_who_took_part_and_counts_transfers(w):
    rows = by(selectors.per_operator(filters()), "name")
    assert rows["Alice"] | {} == {
        "operator_id": w.alice.pk,
        "name": "Alice",
        "chats": 2,
        "answered": 2,
        "wait_median": 115.0,  # 30 s (A) and 200 s (D)
        "handling_median": 785.0,  # 1170 s and 400 s
        "rating_average": 4.5,
        "transfers_made": 1,
        "transfers_received": 0,
    }
    bob, carol = rows["Bob"], rows["Carol"]
    assert (bob["chats"], bob["answered"], bob["wait_median"]) == (2, 2, 195.0)  # 300 s and 90 s
    assert (bob["transfers_made"], bob["transfers_received"]) == (0, 1)
    assert (carol["chats"], carol["answered"], carol["wait_median"]) == (1, 0, 540.0)
    assert (carol["transfers_made"], carol["transfers_received"]) == (1, 0)


def test_per_department_and_widget(w):
    departments = by(selectors.per_department(filters()), "name")
    reference, circulation = departments["Reference desk"], departments["Circulation desk"]
    assert (reference["chats"], reference["answered"], reference["wait_median"]) == (2, 1, 200.0)
    assert reference["transfers_received"] == 0
    # Chat A counts for Circulation, where it was transferred; chat C is its widget's.
    assert (circulation["chats"], circulation["answered"]) == (2, 2)
    assert (circulation["wait_median"], circulation["handling_median"]) == (60.0, 1440.0)
    assert circulation["transfers_received"] == 1
    widgets = by(selectors.per_widget(filters()), "name")
    ask = widgets["Ask a Librarian"]
    assert (ask["chats"], ask["answered"], ask["wait_median"], ask["rating_average"]) == (
        3,
        2,
        115.0,
        4.5,
    )
    assert ask["transfers_made"] == 2
    assert widgets["Circulation chat"]["chats"] == 1


def test_coverage_clips_each_status_interval_to_the_range(w):
    rows = by(selectors.coverage(filters(), now=NOW)["operators"], "name")
    assert (rows["Alice"]["signed_in_hours"], rows["Alice"]["online_hours"]) == (4.0, 3.0)
    assert rows["Carol"]["online_hours"] == 1.0  # from 23:00 the day before the range
    assert rows["Bob"]["online_hours"] == 2.0  # still signed in: up to the range's end


def test_widget_hours_clip_each_online_interval_and_fall_on_the_local_clock(w):
    hours = selectors.widget_coverage(filters(), now=NOW)
    assert [(r["name"], r["online_hours"]) for r in hours["widgets"]] == [
        ("Ask a Librarian", 3.5),
        ("Circulation chat", 1.25),  # 00:00-00:30 Monday, and 23:15 Sunday up to the range's end
    ]
    grid = {r["weekday"]: r["hours"] for r in hours["rows"]}
    assert grid["Monday"][:13] == [0.5, 0, 0, 0, 0, 0, 0, 0, 0, 1.0, 1.0, 1.0, 0.5]
    assert grid["Sunday"][23] == 0.75
    assert sum(map(sum, grid.values())) == 4.75
    narrowed = selectors.widget_coverage(filters(department_id=w.reference.pk), now=NOW)
    assert [r["name"] for r in narrowed["widgets"]] == ["Ask a Librarian"]
    one = selectors.widget_coverage(filters(widget_id=w.circulation_widget.pk), now=NOW)
    assert [r["name"] for r in one["widgets"]] == ["Circulation chat"]


def test_widget_hours_follow_the_clock_across_a_daylight_saving_change():
    from tests.factories import WidgetFactory
    from widgets.models import WidgetOnlineInterval

    widget = WidgetFactory(name="Ask")
    # 8 March 2026, 01:30 CST to 03:30 CDT: one real hour, the clock skipping 02:00-03:00.
    WidgetOnlineInterval.objects.create(
        widget=widget, started_at=local(8, 1, 30, month=3), ended_at=local(8, 3, 30, month=3)
    )
    day = ReportFilters(start=date(2026, 3, 8), end=date(2026, 3, 8), grain="day")
    hours = selectors.widget_coverage(day, now=NOW.replace(month=4))
    assert hours["widgets"][0]["online_hours"] == 1.0
    sunday = hours["rows"][6]["hours"]
    assert (sunday[1], sunday[2], sunday[3]) == (0.5, 0, 0.5)


def test_filters_narrow_every_figure(w):
    mine = filters(operator_id=w.bob.pk)
    assert selectors.summary(mine)["chats"] == 2
    assert list(by(selectors.per_operator(mine), "name")) == ["Bob"]
    reference = filters(department_id=w.reference.pk)
    assert selectors.summary(reference)["chats"] == 2  # B and D; A went to Circulation
    circulation_widget = filters(widget_id=w.circulation_widget.pk)
    assert sum(r["tickets"] for r in selectors.volume(circulation_widget)["rows"]) == 1
    assert selectors.summary(circulation_widget)["chats"] == 1


def test_tag_counts_each_tag_offered_and_the_chats_with_none(w):
    tags = selectors.tag_counts(filters())
    counted = {row["tag"]: row["chats"] for row in tags["rows"]}
    # Every READ level is offered (0 where none), in the admin's order after the library's own;
    # "Directional" is switched off and carried only by a chat outside the range: not listed.
    assert list(counted) == ["Research", *(f"READ {n}" for n in range(1, 7))]
    assert (counted["Research"], counted["READ 4"], counted["READ 1"]) == (2, 1, 0)
    assert tags["untagged"] == 2  # B and C
    assert [row["read_scale"] for row in tags["rows"]][:2] == [False, True]
    later = ReportFilters(start=date(2026, 1, 12), end=date(2026, 1, 12), grain="day")
    assert {r["tag"]: r["chats"] for r in selectors.tag_counts(later)["rows"]}["Directional"] == 1


def test_a_tag_narrows_every_figure_and_leaves_out_tickets(w):
    research = ChatTag.objects.get(name="Research")
    tagged = filters(tag_id=research.pk)
    assert selectors.summary(tagged)["chats"] == 2  # A and D
    assert sum(r["tickets"] for r in selectors.volume(tagged)["rows"]) == 0
    assert set(by(selectors.per_operator(tagged), "name")) == {"Alice", "Bob", "Carol"}
    assert selectors.tag_counts(filters(tag_id=research.pk, operator_id=w.bob.pk))["untagged"] == 0


def test_now_panel_shows_who_is_signed_in_the_queue_and_chats_held(w):
    from accounts.models import LibChatSession
    from tests.factories import DashboardConnectionFactory
    from tests.reports.dataset import chat

    LibChatSession.objects.create(operator=w.alice, browser_key="a" * 32, status="online")
    DashboardConnectionFactory(operator=w.alice, browser_key="a" * 32, last_seen=NOW)
    LibChatSession.objects.create(operator=w.bob, browser_key="b" * 32, status="away")
    waiting = chat(w.reference_widget, NOW - timedelta(minutes=5))
    held = chat(w.reference_widget, NOW - timedelta(minutes=3))
    held.state, held.claimed_by = "active", w.alice
    held.save()
    del waiting
    now = selectors.now_panel(now=NOW)
    assert (now["waiting"], now["longest_wait_seconds"], now["in_progress"]) == (1, 300, 1)
    assert [(o["name"], o["status"], o["status_label"], o["chats"]) for o in now["operators"]] == [
        ("Alice", "online", "Online", 1),
        ("Bob", "offline", "Away (not reachable)", 0),
    ]


def test_every_figure_in_a_fixed_number_of_queries(w, django_assert_num_queries):
    with django_assert_num_queries(21):
        selectors.report_figures(filters(), now=NOW)
    week(copy=1)  # twice the data: the same number of queries
    with django_assert_num_queries(21):
        selectors.report_figures(filters(grain="week"), now=NOW)


def test_percentile_fallback_matches_postgresql_definition():
    assert percentile_cont([30, 90, 200], 0.9) == pytest.approx(178.0)
    assert percentile_cont([5], 0.5) == 5
    assert percentile_cont([], 0.5) is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-01", "'from' must be a date"),
        ("from=2026-02-01&to=2026-01-01", "starts after it ends"),
        ("from=2020-01-01&to=2026-01-01", "days at most"),
        ("grain=hour", "'grain' must be day, week or month"),
        ("widget=abc", "'widget' must be the id"),
    ],
)
def test_bad_filters_say_why(query, message):
    with pytest.raises(QueryRefused, match=message):
        filters_parse(QueryDict(query))


def test_default_filters_are_the_last_30_days():
    f = filters_parse(QueryDict(""), today=END)
    assert (f.start, f.end, f.grain) == (END - timedelta(days=29), END, "day")
    assert f.since == local(13, 0, month=12).replace(year=2025)
    assert f.since.tzinfo == TZ or f.since.utcoffset() == timedelta(hours=-6)
