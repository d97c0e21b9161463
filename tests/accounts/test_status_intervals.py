"""The status record: every sign-in, status change and sign-out leaves an interval behind."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from accounts import services
from accounts.models import LibChatSession, Status, StatusInterval
from tests.factories import OperatorFactory

pytestmark = pytest.mark.django_db


def record(operator):
    return list(
        StatusInterval.objects.filter(operator=operator)
        .order_by("started_at", "pk")
        .values_list("status", "ended_at")
    )


def test_sign_in_status_changes_and_sign_out_make_consecutive_intervals():
    operator = OperatorFactory()
    services.libchat_sign_in(operator=operator, browser_key="a" * 32)
    services.operator_status_set(operator=operator, status=Status.AWAY)
    services.operator_status_set(operator=operator, status=Status.AWAY)  # no change, no interval
    services.operator_status_set(operator=operator, status=Status.ONLINE)
    services.libchat_sign_out(operator=operator)

    intervals = list(StatusInterval.objects.filter(operator=operator).order_by("started_at", "pk"))
    assert [i.status for i in intervals] == ["online", "away", "online"]
    assert all(i.ended_at is not None for i in intervals)
    # Each interval ends where the next begins: no gap, no overlap.
    for before, after in zip(intervals, intervals[1:], strict=False):
        assert before.ended_at == after.started_at
    session = LibChatSession.objects.get(operator=operator)
    assert intervals[0].started_at == session.started_at
    assert intervals[-1].ended_at == session.ended_at


def test_signing_in_elsewhere_ends_the_old_interval_and_opens_one():
    operator = OperatorFactory()
    services.libchat_sign_in(operator=operator, browser_key="a" * 32)
    services.operator_status_set(operator=operator, status=Status.INTERNAL)
    services.libchat_sign_in(operator=operator, browser_key="b" * 32, end_other=True)
    statuses = record(operator)
    assert [s for s, _ in statuses] == ["online", "internal", "online"]
    assert [ended is None for _, ended in statuses] == [False, False, True]


def test_an_admin_ending_the_session_closes_the_interval():
    operator = OperatorFactory()
    services.libchat_sign_in(operator=operator, browser_key="a" * 32)
    services.libchat_sign_out(operator=operator, reason=LibChatSession.EndReason.ENDED_BY_ADMIN)
    assert StatusInterval.objects.get(operator=operator).ended_at is not None


def test_the_admin_lists_intervals_read_only():
    admin_user = OperatorFactory(is_staff=True, is_superuser=True)
    request = RequestFactory().get("/admin/accounts/statusinterval/")
    request.user = admin_user
    model_admin = site._registry[StatusInterval]
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_the_admin_list_page_shows_the_record(client):
    admin_user = OperatorFactory(is_staff=True, is_superuser=True)
    operator = OperatorFactory(display_name="Alice Archer")
    services.libchat_sign_in(operator=operator, browser_key="a" * 32)
    client.force_login(admin_user)
    response = client.get("/admin/accounts/statusinterval/")
    assert response.status_code == 200
    assert "Alice Archer" in response.content.decode()
