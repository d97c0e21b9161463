"""Who may see reports (the "View reports" permission, per operator or by group; admins), what
the JSON endpoint answers, and what it costs."""

import pytest
from django.contrib.auth.models import Group, Permission

from reports.selectors import now_panel
from tests.factories import OperatorFactory
from tests.reports.dataset import week

pytestmark = pytest.mark.django_db

PAGE = "/dashboard/reports/"
DATA = "/dashboard/reports/data/"
WEEK = "?from=2026-01-05&to=2026-01-11"


def view_reports() -> Permission:
    return Permission.objects.get(codename="view_reports", content_type__app_label="reports")


@pytest.fixture(autouse=True)
def chicago(settings):
    settings.TIME_ZONE = "America/Chicago"


def test_an_operator_without_the_permission_gets_403_on_the_page_and_the_json(client):
    client.force_login(OperatorFactory())
    page = client.get(PAGE)
    assert page.status_code == 403
    assert "View reports" in page.content.decode()
    data = client.get(DATA)
    assert data.status_code == 403
    assert "View reports" in data.json()["error"]
    assert "Reports</a>" not in client.get("/dashboard/").content.decode()


def test_someone_not_logged_in_is_sent_to_log_in_or_told(client):
    assert client.get(PAGE).status_code == 302
    assert client.get(DATA).status_code == 401


@pytest.mark.parametrize("how", ["operator", "group", "admin"])
def test_the_permission_given_to_the_operator_or_their_group_or_an_admin_opens_reports(client, how):
    operator = OperatorFactory(is_superuser=how == "admin", is_staff=how == "admin")
    if how == "operator":
        operator.user_permissions.add(view_reports())
    elif how == "group":
        group = Group.objects.create(name="Supervisors")
        group.permissions.add(view_reports())
        operator.groups.add(group)
    client.force_login(operator)
    page = client.get(PAGE + WEEK)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'aria-current="page">Reports</a>' in html
    assert 'value="2026-01-05"' in html
    assert client.get(DATA + WEEK).status_code == 200


def test_the_json_holds_every_figure_for_the_filters(client):
    w = week()
    admin = OperatorFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    data = client.get(DATA + WEEK + f"&widget={w.reference_widget.pk}&grain=week").json()
    assert data["filters"] == {
        "from": "2026-01-05",
        "to": "2026-01-11",
        "grain": "week",
        "widget": str(w.reference_widget.pk),
    }
    assert data["time_zone"] == "America/Chicago"
    assert set(data) >= {
        "summary", "volume", "heatmap", "waits", "handling", "ratings", "rating_over_time",
        "comments", "operators", "departments", "widgets", "coverage", "widget_hours", "now",
    }  # fmt: skip
    assert data["summary"]["chats"] == 3
    assert data["volume"]["rows"] == [
        {"period": "2026-01-05", "answered": 2, "missed": 1, "in_progress": 0, "tickets": 0}
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [("?from=yesterday", "'from' must be a date"), ("?operator=-1", "'operator' must be the id")],
)
def test_bad_filters_are_a_400_with_the_reason(client, query, message):
    client.force_login(OperatorFactory(is_superuser=True))
    response = client.get(DATA + query)
    assert response.status_code == 400
    assert message in response.json()["error"]
    page = client.get(PAGE + query)
    assert page.status_code == 400
    assert message in page.content.decode().replace("&#x27;", "'")


def test_the_json_costs_a_fixed_number_of_queries(client, django_assert_num_queries):
    admin = OperatorFactory(is_superuser=True)
    client.force_login(admin)
    week()
    client.get(DATA + WEEK)  # the session and user are cached from here on
    with django_assert_num_queries(23):  # session, user, the roll-up days and the figures' 20
        client.get(DATA + WEEK)
    week(copy=1)
    with django_assert_num_queries(23):
        client.get(DATA + WEEK + "&grain=month")


def test_the_now_panel_is_pushed_to_dashboards_of_those_who_may_view_reports():
    from reports.live import NOW_GROUP, now_group

    viewer = OperatorFactory()
    viewer.user_permissions.add(view_reports())
    viewer = type(viewer).objects.get(pk=viewer.pk)  # a fresh permission cache
    assert now_group(viewer) == [NOW_GROUP]
    assert now_group(OperatorFactory()) == []
    assert now_panel()["waiting"] == 0
