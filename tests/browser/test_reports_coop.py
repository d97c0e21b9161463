"""The Co-op section of Reports as a consortium's admin uses it: the chart of chats each library
answered for the others, its table holding the chart's numbers, its CSV holding the table's, and
the co-op filter kept in the address; no refusal by the page's policy, no accessibility fault."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.pages import log_in_at, outside_the_loop
from tests.browser.test_every_page_and_state import PolicyWatch
from tests.browser.test_reports import shown, table_rows
from tests.factories import OperatorFactory
from tests.processes import Server
from tests.reports.coop_dataset import coop_week

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEEK = "/dashboard/reports/?from=2026-01-05&to=2026-01-11&grain=day"


@pytest.fixture
def chicago_server(transactional_db):
    server = Server(extra_env={"TIME_ZONE": "America/Chicago"})
    yield server
    server.stop()


def test_the_coop_chart_its_table_and_its_csv_hold_the_same_pairs(browser, chicago_server):
    cw = outside_the_loop(coop_week)
    admin = OperatorFactory(display_name="Root", username="root", is_superuser=True, is_staff=True)
    watch = PolicyWatch(browser, chicago_server.url)
    context = watch.context()
    page = context.new_page()
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in_at(page, chicago_server.url, admin, "/dashboard/reports/")
    page.goto(chicago_server.url + WEEK)
    shown(page, "Showing 2026-01-05 to 2026-01-11.")

    coop = page.locator("#figure-coop")
    expect(coop.get_by_role("heading", name="Co-op")).to_be_visible()
    expect(page.locator("#chart-coop")).to_have_attribute("data-drawn", "3")
    expect(page.locator("#table-coop")).to_be_hidden()
    coop.get_by_role("button", name="Show as table").click()
    expect(page.locator("#table-coop")).to_be_visible()
    header, *rows = table_rows(page, "coop")
    assert header == ["Answered by", "Library of the patron", "Chats answered", "Median wait (min)"]
    assert rows == [
        ["Avon Libraries", "Bexley Libraries", "2", "3.5"],
        ["Bexley Libraries", "Avon Libraries", "1", "1"],
        ["Bexley Libraries", "Dunmore Library", "1", "0.8"],
    ]
    # The chart draws the same counts: a bar per answering library, a colour per patron's.
    chart = page.evaluate(
        """() => {
            const d = Chart.getChart(document.getElementById("chart-coop")).data;
            return { labels: d.labels, sets: d.datasets.map(s => [s.label, s.data]) };
        }"""
    )
    drawn = {
        (answering, label.removeprefix("Patrons of "), str(n))
        for label, values in chart["sets"]
        for answering, n in zip(chart["labels"], values, strict=True)
        if n
    }
    assert drawn == {(a, h, n) for a, h, n, _ in rows}

    with page.expect_download() as download:
        coop.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == "coop-2026-01-05-2026-01-11.csv"
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert list(csv.reader(io.StringIO(text, newline=""))) == [header, *rows]

    watch.clean(page, "Reports with a co-op")
    watch.accessible()

    # The co-op filter is kept in the address like the others.
    page.get_by_role("combobox", name="Co-op").select_option(label="State 24/7")
    page.get_by_role("button", name="Show report").click()
    expect(page).to_have_url(f"{chicago_server.url}{WEEK}&coop={cw.coop.pk}")
    expect(page.locator("#table-coop")).to_contain_text("Dunmore Library")
    context.close()
