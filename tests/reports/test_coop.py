"""The Co-op report: chats each library of a co-op answered for the others, with the median wait,
counted from the hand-built week of coop_dataset.py; who sees which pairs; what it costs."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission

from reports.coop import coop_answers
from reports.filters import ReportFilters
from tests.factories import CoopMembershipFactory, OperatorFactory
from tests.reports.coop_dataset import coop_week, more_chats

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("chicago")]

PAGE = "/dashboard/reports/"
DATA = "/dashboard/reports/data/"
WEEK = {"from": "2026-01-05", "to": "2026-01-11"}

AVON_FOR_BEXLEY = ("Avon Libraries", "Bexley Libraries", 2, 210.0)
BEXLEY_FOR_AVON = ("Bexley Libraries", "Avon Libraries", 1, 60.0)
BEXLEY_FOR_DUNMORE = ("Bexley Libraries", "Dunmore Library", 1, 45.0)


@pytest.fixture
def cw():
    return coop_week()


def week_filters(**fields) -> ReportFilters:
    return ReportFilters(start=date(2026, 1, 5), end=date(2026, 1, 11), grain="day", **fields)


def pairs(figure: dict) -> list[tuple]:
    return [(r["answering"], r["home"], r["chats"], r["wait_median"]) for r in figure["rows"]]


def reader(system) -> OperatorFactory:
    operator = OperatorFactory(system=system)
    operator.user_permissions.add(
        Permission.objects.get(codename="view_reports", content_type__app_label="reports")
    )
    return operator


def test_each_pair_counts_the_chats_one_library_answered_for_another(cw):
    # A transferred chat counts for the system that wrote after the transfer; one answered
    # within its library, one handed on before a word, one outside the co-op and one outside
    # the range do not count.
    assert pairs(coop_answers(week_filters())) == [
        AVON_FOR_BEXLEY,
        BEXLEY_FOR_AVON,
        BEXLEY_FOR_DUNMORE,
    ]


def test_a_system_sees_only_the_pairs_it_is_part_of(cw):
    assert pairs(coop_answers(week_filters(system_id=cw.avon.pk))) == [
        AVON_FOR_BEXLEY,
        BEXLEY_FOR_AVON,
    ]
    assert pairs(coop_answers(week_filters(system_id=cw.dunmore.pk))) == [BEXLEY_FOR_DUNMORE]
    assert pairs(coop_answers(week_filters(system_id=cw.corby.pk))) == []


def test_the_widget_and_coop_filters_narrow_the_pairs(cw):
    bexley_widget = cw.widgets["Bexley Libraries"]
    assert pairs(coop_answers(week_filters(widget_id=bexley_widget.pk))) == [AVON_FOR_BEXLEY]
    # Corby joins Avon in a second co-op: Ann's answer to Corby now counts, except in State 24/7.
    CoopMembershipFactory(system=cw.avon, coop__name="Western")
    CoopMembershipFactory(coop=cw.avon.coops.get(name="Western"), system=cw.corby)
    everything = pairs(coop_answers(week_filters()))
    assert ("Avon Libraries", "Corby Library", 1, 10.0) in everything
    assert pairs(coop_answers(week_filters(coop_id=cw.coop.pk))) == [
        AVON_FOR_BEXLEY,
        BEXLEY_FOR_AVON,
        BEXLEY_FOR_DUNMORE,
    ]


def test_the_json_scopes_the_coop_report_to_the_readers_system(cw, client):
    client.force_login(reader(cw.dunmore))
    data = client.get(DATA, {**WEEK, "with": "coop", "system": cw.avon.pk}).json()
    assert pairs(data["coop"]) == [BEXLEY_FOR_DUNMORE]
    client.force_login(reader(cw.bexley))
    data = client.get(DATA, {**WEEK, "with": "coop"}).json()
    assert pairs(data["coop"]) == [AVON_FOR_BEXLEY, BEXLEY_FOR_AVON, BEXLEY_FOR_DUNMORE]
    client.force_login(OperatorFactory(is_superuser=True))
    data = client.get(DATA, {**WEEK, "with": "coop", "system": cw.dunmore.pk}).json()
    assert pairs(data["coop"]) == [BEXLEY_FOR_DUNMORE]
    assert "coop" not in client.get(DATA, WEEK).json()


def test_the_coop_section_shows_to_readers_a_coop_concerns(cw, client):
    client.force_login(OperatorFactory(is_superuser=True))
    page = client.get(PAGE, WEEK).content.decode()
    assert 'id="figure-coop"' in page and 'id="filter-coop"' in page and "State 24/7" in page
    client.force_login(reader(cw.avon))
    page = client.get(PAGE, WEEK).content.decode()
    assert 'id="figure-coop"' in page and "State 24/7" in page
    client.force_login(reader(cw.corby))
    page = client.get(PAGE, WEEK).content.decode()
    assert 'id="figure-coop"' not in page and 'name="coop"' not in page


def test_without_the_permission_the_coop_report_is_refused(cw, client):
    client.force_login(OperatorFactory(system=cw.avon))
    assert client.get(PAGE, WEEK).status_code == 403
    response = client.get(DATA, {**WEEK, "with": "coop"})
    assert response.status_code == 403
    assert "coop" not in response.json()


def test_the_coop_figure_costs_one_query_whatever_the_data(cw, client, django_assert_num_queries):
    client.force_login(OperatorFactory(is_superuser=True))
    client.get(DATA, WEEK)  # the session and user are cached from here on
    with django_assert_num_queries(23):
        client.get(DATA, WEEK)
    with django_assert_num_queries(24):
        client.get(DATA, {**WEEK, "with": "coop"})
    for _ in range(5):
        more_chats(cw.widgets, ann=cw.ann, abe=cw.abe, bob=cw.bob)
    with django_assert_num_queries(24):
        data = client.get(DATA, {**WEEK, "with": "coop"}).json()
    assert [r["chats"] for r in data["coop"]["rows"]] == [12, 6, 6]
