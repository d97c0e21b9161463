"""The Reports tab as a supervisor uses it: every chart drawn, each chart's table holding the
numbers the chart draws, each CSV holding them too, filters that change the figures and the
address (a bookmark brings the same report back), the Now panel following a sign-in without a
reload, a narrow screen, and not one violation of the site's Content-Security-Policy."""

import csv
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import Page, expect

from accounts.services import libchat_sign_in
from tests.browser.pages import SCREENSHOTS, log_in_at, outside_the_loop, screenshot
from tests.browser.test_every_page_and_state import PolicyWatch
from tests.factories import OperatorFactory
from tests.processes import Server
from tests.reports.dataset import week

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEEK = "/dashboard/reports/?from=2026-01-05&to=2026-01-11&grain=day"
CHARTS = [
    "volume", "heatmap", "waits", "answered_within", "handling", "ratings", "rating_over_time",
    "coverage", "widget_hours", "widget_hours_by_hour",
]  # fmt: skip
# Charts whose table is the chart's labels (first column) and one column per dataset.
SERIES_CHARTS = [c for c in CHARTS if c not in ("heatmap", "widget_hours_by_hour")]


@pytest.fixture
def chicago_server(transactional_db):
    """LibChat in the library's time zone, America/Chicago: days are counted there."""
    server = Server(extra_env={"TIME_ZONE": "America/Chicago", "LIBCHAT_PING_SECONDS": "2"})
    yield server
    server.stop()


@pytest.fixture
def supervisor():
    operator = OperatorFactory(display_name="Sam", username="sam")
    operator.user_permissions.add(
        Permission.objects.get(codename="view_reports", content_type__app_label="reports")
    )
    return operator


def shown(page: Page, query: str) -> None:
    """The figures for this range arrived and were drawn."""
    expect(page.locator("#report-status")).to_have_text(query)


def table_rows(page: Page, figure: str) -> list[list[str]]:
    return page.locator(f"#table-{figure} table").evaluate(
        """t => [...t.rows].map(r => [...r.cells].map(c => c.textContent))"""
    )


def chart_series(page: Page, figure: str) -> dict[str, list[str]]:
    """The chart's own numbers (what Chart.js draws): each dataset's values by its label."""
    return page.evaluate(
        """id => {
            const d = Chart.getChart(document.getElementById(`chart-${id}`)).data;
            return Object.fromEntries(d.datasets.map(s =>
              [s.label, s.data.map(v => v === null ? "" : String(v))]));
        }""",
        figure,
    )


def same_numbers(page: Page, figure: str) -> None:
    """Each of the chart's series is a column of its table, value for value, row for row."""
    header, *rows = table_rows(page, figure)
    series = chart_series(page, figure)
    assert series, figure
    for label, values in series.items():
        column = next(i for i, name in enumerate(header) if name.startswith(label))
        assert [row[column] for row in rows] == values, (figure, label)


def volume_row(page: Page, day: str) -> list[str]:
    return next(r for r in table_rows(page, "volume") if r[0] == day)


def test_every_chart_is_drawn_with_its_table_and_csv_and_filters_live_in_the_address(
    browser, chicago_server, supervisor
):
    w = outside_the_loop(week)
    watch = PolicyWatch(browser, chicago_server.url)
    context = watch.context()
    page = context.new_page()
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in_at(page, chicago_server.url, supervisor, "/dashboard/reports/")
    page.goto(chicago_server.url + WEEK)
    shown(page, "Showing 2026-01-05 to 2026-01-11.")
    expect(page.get_by_role("link", name="Reports")).to_have_attribute("aria-current", "page")

    # Every chart is drawn, by Chart.js, with data.
    for figure in CHARTS:
        canvas = page.locator(f"#chart-{figure}")
        expect(canvas).to_be_visible()
        expect(canvas).to_have_attribute("data-drawn", str(len(table_rows(page, figure)) - 1))
        assert page.evaluate(
            "id => Chart.getChart(document.getElementById(`chart-${id}`)).data.datasets.length",
            figure,
        )

    # Show as table: the same numbers as the chart.
    volume = page.locator("#figure-volume")
    expect(page.locator("#table-volume")).to_be_hidden()
    volume.get_by_role("button", name="Show as table").click()
    expect(page.locator("#table-volume")).to_be_visible()
    expect(volume.get_by_role("button", name="Hide table")).to_have_attribute(
        "aria-expanded", "true"
    )
    for figure in SERIES_CHARTS:
        same_numbers(page, figure)
    # Known answers: Tuesday's chat at 23:50 in Chicago is Tuesday's, not Wednesday's (UTC).
    assert volume_row(page, "2026-01-05") == ["2026-01-05", "1", "1", "0", "0"]
    assert volume_row(page, "2026-01-06") == ["2026-01-06", "1", "0", "0", "0"]
    assert volume_row(page, "2026-01-08") == ["2026-01-08", "0", "0", "0", "1"]
    # Hours online: each widget's record, clipped to the range.
    assert table_rows(page, "widget_hours")[1:] == [
        ["Ask a Librarian", "3.5"],
        ["Circulation chat", "1.25"],
    ]
    page.locator("#figure-widget_hours_by_hour").screenshot(
        path=SCREENSHOTS / "reports-widget-hours.png"
    )
    summary = page.locator("#summary")
    expect(summary.locator("div", has_text="Chats")).to_have_text("Chats4")
    expect(summary.locator("div", has_text="Median wait")).to_have_text("Median wait1 min 30 s")
    comments = page.locator("#table-comments")
    expect(comments).to_contain_text("Very helpful")
    expect(comments.get_by_role("link", name=f"Chat {w.a.pk}")).to_have_attribute(
        "href", f"/dashboard/transcripts/{w.a.pk}/"
    )
    expect(page.locator("#table-operators")).to_contain_text("Alice")

    # The CSV holds the table's numbers.
    for figure in ["volume", "waits", "operators"]:
        with page.expect_download() as download:
            page.locator(f"#figure-{figure}").get_by_role("link", name="Download CSV").click()
        assert download.value.suggested_filename == f"{figure}-2026-01-05-2026-01-11.csv"
        text = Path(download.value.path()).read_text(encoding="utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert rows == table_rows(page, figure), figure

    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "reports-1366")

    # A filter changes the figures and the address.
    page.get_by_label("Widget", exact=True).select_option(label="Circulation chat")
    page.get_by_role("button", name="Show report").click()
    expect(page).to_have_url(f"{chicago_server.url}{WEEK}&widget={w.circulation_widget.pk}")
    expect(summary.locator("div", has_text="Chats")).to_have_text("Chats1")
    shown(page, "Showing 2026-01-05 to 2026-01-11.")
    assert volume_row(page, "2026-01-05") == ["2026-01-05", "0", "0", "0", "0"]
    assert volume_row(page, "2026-01-08") == ["2026-01-08", "0", "0", "0", "1"]
    same_numbers(page, "volume")

    # The address is the bookmark: reloaded, it shows the same report.
    page.reload()
    expect(page.get_by_label("Widget", exact=True)).to_have_value(str(w.circulation_widget.pk))
    expect(summary.locator("div", has_text="Chats")).to_have_text("Chats1")
    # Back: the report before the filter, its figures too.
    page.go_back()
    expect(page).to_have_url(f"{chicago_server.url}{WEEK}")
    expect(summary.locator("div", has_text="Chats")).to_have_text("Chats4")
    expect(page.get_by_label("Widget", exact=True)).to_have_value("")

    watch.clean(page, "Reports")
    watch.accessible()
    context.close()


def test_the_now_panel_follows_a_sign_in_without_a_reload(browser, chicago_server, supervisor):
    bob = OperatorFactory(display_name="Bob")
    context = browser.new_context()
    page = context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    log_in_at(page, chicago_server.url, supervisor, "/dashboard/reports/")
    now = page.locator(".report-now")
    expect(now).to_contain_text("Nobody is signed in to LibChat.")
    expect(now).to_contain_text("0 waiting")

    outside_the_loop(libchat_sign_in, operator=bob, browser_key="b" * 32)
    expect(now.get_by_role("row", name="Bob")).to_contain_text("Online (not reachable)")

    # On a phone-sized screen the charts fit the width; the keyboard reaches every toggle.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#figure-volume").get_by_role("button", name="Show as table").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#table-volume")).to_be_visible()
    screenshot(page, "reports-390")
    context.close()


def test_an_operator_without_the_permission_sees_no_reports_tab(browser, chicago_server):
    context = browser.new_context()
    page = context.new_page()
    log_in_at(page, chicago_server.url, OperatorFactory())
    expect(page.get_by_role("link", name="Settings")).to_be_visible()
    expect(page.get_by_role("link", name="Reports")).to_have_count(0)
    response = page.goto(f"{chicago_server.url}/dashboard/reports/")
    assert response.status == 403
    expect(page.get_by_text('Reports need the "View reports" permission')).to_be_visible()
    context.close()
