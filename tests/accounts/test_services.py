"""Sign-in, status and presence through the service layer."""

import os
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts import selectors, services
from accounts.models import DashboardConnection, LibChatSession, Status
from tests.factories import DashboardConnectionFactory, OperatorFactory

pytestmark = pytest.mark.django_db


def connect(operator, browser_key, channel="specific.x!1", seen=None):
    return DashboardConnectionFactory(
        operator=operator,
        browser_key=browser_key,
        channel_name=channel,
        last_seen=seen or timezone.now(),
    )


def test_sign_in_sets_status_online():
    operator = OperatorFactory()
    session = services.libchat_sign_in(operator=operator, browser_key="a" * 32)
    assert session.status == Status.ONLINE
    assert selectors.active_session(operator=operator) == session


def test_signing_in_again_from_the_same_browser_keeps_the_session():
    operator = OperatorFactory()
    first = services.libchat_sign_in(operator=operator, browser_key="a" * 32)
    assert services.libchat_sign_in(operator=operator, browser_key="a" * 32) == first
    assert LibChatSession.objects.count() == 1


def test_sign_in_from_another_browser_is_refused_until_asked_to_end_the_other():
    operator = OperatorFactory()
    first = services.libchat_sign_in(operator=operator, browser_key="a" * 32)
    with pytest.raises(services.SignedInElsewhere):
        services.libchat_sign_in(operator=operator, browser_key="b" * 32)
    first.refresh_from_db()
    assert first.is_active

    second = services.libchat_sign_in(operator=operator, browser_key="b" * 32, end_other=True)
    first.refresh_from_db()
    assert not first.is_active
    assert first.end_reason == LibChatSession.EndReason.REPLACED
    assert selectors.active_session(operator=operator) == second


@pytest.mark.parametrize(
    "attrs, message",
    [({"is_active": False}, "inactive"), ({"is_operator": False}, "not a LibChat operator")],
)
def test_inactive_and_non_operators_cannot_sign_in(attrs, message):
    operator = OperatorFactory(**attrs)
    with pytest.raises(PermissionDenied, match=message):
        services.libchat_sign_in(operator=operator, browser_key="a" * 32)
    assert not LibChatSession.objects.exists()


@pytest.mark.parametrize("status", ["online", "internal", "away"])
def test_status_can_be_set_to_each_of_the_three(status):
    operator = OperatorFactory()
    services.libchat_sign_in(operator=operator, browser_key="a" * 32)
    services.operator_status_set(operator=operator, status=status)
    assert selectors.active_session(operator=operator).status == status


@pytest.mark.parametrize("bad", ["offline", "busy", "", "ONLINE"])
def test_status_outside_the_three_is_refused_and_nothing_changes(bad):
    operator = OperatorFactory()
    services.libchat_sign_in(operator=operator, browser_key="a" * 32)
    services.operator_status_set(operator=operator, status="away")
    with pytest.raises(services.StatusRefused):
        services.operator_status_set(operator=operator, status=bad)
    assert selectors.active_session(operator=operator).status == "away"


def test_status_needs_a_sign_in():
    with pytest.raises(services.NotSignedIn):
        services.operator_status_set(operator=OperatorFactory(), status="away")


def test_status_from_a_browser_that_does_not_hold_the_session_is_refused():
    operator = OperatorFactory()
    services.libchat_sign_in(operator=operator, browser_key="a" * 32)
    with pytest.raises(services.NotSignedInHere, match="another location"):
        services.operator_status_set(operator=operator, status="away", browser_key="b" * 32)
    assert selectors.active_session(operator=operator).status == "online"
    services.operator_status_set(operator=operator, status="away", browser_key="a" * 32)
    assert selectors.active_session(operator=operator).status == "away"


def test_sign_out_ends_the_session():
    operator = OperatorFactory()
    services.libchat_sign_in(operator=operator, browser_key="a" * 32)
    assert services.libchat_sign_out(operator=operator) is True
    assert selectors.active_session(operator=operator) is None
    assert services.libchat_sign_out(operator=operator) is False


def test_reachable_needs_a_sign_in_and_a_live_connection_from_that_browser():
    operator = OperatorFactory()
    connect(operator, "a" * 32)
    assert not selectors.libchat_online()  # connected but not signed in

    services.libchat_sign_in(operator=operator, browser_key="a" * 32)
    assert selectors.libchat_online()
    assert selectors.presence_for(operator_ids=[operator.pk])[operator.pk].reachable

    DashboardConnection.objects.update(last_seen=timezone.now() - timedelta(seconds=61))
    assert not selectors.libchat_online()
    presence = selectors.presence_for(operator_ids=[operator.pk])[operator.pk]
    assert presence.signed_in and not presence.reachable
    assert presence.shown_status == Status.OFFLINE


def test_expiry_removes_only_stale_connections():
    operator = OperatorFactory()
    now = timezone.now()
    connect(operator, "a" * 32, channel="specific.x!stale", seen=now - timedelta(seconds=61))
    connect(operator, "a" * 32, channel="specific.x!fresh", seen=now - timedelta(seconds=59))
    assert services.connections_expire(now=now) == 1
    assert list(DashboardConnection.objects.values_list("channel_name", flat=True)) == [
        "specific.x!fresh"
    ]


def test_heartbeats_of_many_sockets_cost_two_queries_and_name_the_ones_expired_meanwhile(
    django_assert_num_queries,
):
    operator = OperatorFactory()
    now = timezone.now()
    for n in range(50):
        connect(operator, "a" * 32, channel=f"specific.x!{n}", seen=now - timedelta(seconds=30))
    pongs = {f"specific.x!{n}": (operator, "a" * 32) for n in range(50)}
    with django_assert_num_queries(2):
        assert services.connections_heartbeat(pongs=pongs) == set()
    assert DashboardConnection.objects.filter(last_seen__lt=now).count() == 0

    gone = {"specific.x!gone": (operator, "a" * 32)}
    assert services.connections_heartbeat(pongs=gone) == {"specific.x!gone"}


def test_presence_timings_that_would_drop_every_dashboard_are_refused_at_start(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    call_command("check")
    settings.LIBCHAT_HEARTBEAT_FLUSH_SECONDS = 45
    with pytest.raises(SystemCheckError, match="LIBCHAT_ALIVE_SECONDS"):
        call_command("check")


def test_the_default_flush_wait_fits_short_presence_windows():
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.LIBCHAT_HEARTBEAT_FLUSH_SECONDS)"
    env = {"LIBCHAT_PING_SECONDS": "1", "LIBCHAT_ALIVE_SECONDS": "4"}
    shown = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert float(shown.split()[-1]) == 1.5  # ping 1 s + 1.5 s stays inside the 4 s window
