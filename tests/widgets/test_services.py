"""Creating widgets, and the cached status following every change at once, without the beat."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import DashboardConnection, LibChatSession
from departments import services as department_services
from tests.factories import (
    DashboardConnectionFactory,
    DepartmentFactory,
    OperatorFactory,
    WidgetFactory,
)
from tests.widgets.people import signed_in
from widgets import selectors, services
from widgets.models import Widget, WidgetFallback, WidgetOnlineInterval
from widgets.tasks import widget_status_refresh_all

pytestmark = pytest.mark.django_db

ORIGINS = ["https://www.library.example"]


def cached_online(widget) -> bool | None:
    state = selectors.widget_state_get(widget_id=widget.pk)
    return None if state is None else state.online


def test_widget_create_with_ordered_fallbacks():
    reference, circulation = DepartmentFactory(), DepartmentFactory()
    bob = OperatorFactory()
    widget = services.widget_create(
        name="Main site",
        allowed_origins=["https://www.library.example/", "HTTP://LOCALHOST:8001"],
        first_choice=reference,
        fallbacks=[circulation, bob],
    )
    assert widget.first_department == reference
    assert widget.origins == ["https://www.library.example", "http://localhost:8001"]
    assert [(f.position, f.department, f.operator) for f in widget.fallbacks.all()] == [
        (1, circulation, None),
        (2, None, bob),
    ]
    assert (widget.ask_name, widget.ask_email, widget.ask_question) == (
        "optional",
        "optional",
        "required",
    )


@pytest.mark.parametrize(
    "case, message",
    [
        ("fallback is first choice", "Fallback 1 is the first choice already."),
        ("fallback repeats", "Fallback 2 repeats an earlier fallback."),
        ("no first choice", "Choose who monitors the widget first"),
        ("bad origin", "is not a valid origin"),
        ("no origin", "Enter at least one origin"),
    ],
)
def test_bad_widget_input_is_refused_and_changes_nothing(case, message):
    reference, circulation = DepartmentFactory(), DepartmentFactory()
    arguments = {
        "fallback is first choice": dict(first_choice=reference, fallbacks=[reference]),
        "fallback repeats": dict(first_choice=reference, fallbacks=[circulation, circulation]),
        "no first choice": dict(first_choice=None),
        "bad origin": dict(
            first_choice=reference, allowed_origins=["https://ok.example", "javascript:alert(1)"]
        ),
        "no origin": dict(first_choice=reference, allowed_origins=[" ", ""]),
    }[case]
    arguments.setdefault("allowed_origins", ORIGINS)
    with pytest.raises(ValidationError) as error:
        services.widget_create(name="Broken", **arguments)
    assert message in str(error.value)
    assert not Widget.objects.exists()
    assert not WidgetFallback.objects.exists()


@pytest.mark.parametrize(
    "origin",
    ["https://library.example/path", "ftp://library.example", "https://", "library.example",
     "https://user:pw@library.example", "https://library.example?x=1", "https://library.example:99999"],
)  # fmt: skip
def test_an_origin_is_scheme_host_and_port_only(origin):
    widget = WidgetFactory.build(allowed_origins=origin, first_department=DepartmentFactory())
    with pytest.raises(ValidationError) as error:
        widget.full_clean()
    assert "allowed_origins" in error.value.message_dict


def test_the_database_refuses_a_widget_with_two_or_no_first_choices():
    with pytest.raises(IntegrityError), transaction.atomic():
        WidgetFactory(first_operator=OperatorFactory())  # and the factory's department
    with pytest.raises(IntegrityError), transaction.atomic():
        WidgetFactory(first_department=None)


def test_the_database_refuses_a_repeated_fallback():
    widget = WidgetFactory()
    circulation = DepartmentFactory()
    WidgetFallback.objects.create(widget=widget, position=1, department=circulation)
    with pytest.raises(IntegrityError), transaction.atomic():
        WidgetFallback.objects.create(widget=widget, position=2, department=circulation)


def test_a_sign_in_flips_the_cached_status_at_once_and_sign_out_flips_it_back(
    client, django_capture_on_commit_callbacks, django_assert_num_queries
):
    alice = OperatorFactory()
    widget = WidgetFactory(first_operator=alice, first_department=None)
    url = reverse("widgets:status", args=[widget.pk])
    assert client.get(url).json() == {"online": False}
    DashboardConnectionFactory(operator=alice, browser_key="b" * 32)

    with django_capture_on_commit_callbacks(execute=True):
        account_services.libchat_sign_in(operator=alice, browser_key="b" * 32)
    with django_assert_num_queries(0):  # no beat ran: the presence change refreshed the cache
        assert client.get(url).json() == {"online": True}

    with django_capture_on_commit_callbacks(execute=True):
        account_services.operator_status_set(operator=alice, status="away")
    assert client.get(url).json() == {"online": False}

    with django_capture_on_commit_callbacks(execute=True):
        account_services.operator_status_set(operator=alice, status="online")
    assert client.get(url).json() == {"online": True}

    with django_capture_on_commit_callbacks(execute=True):
        account_services.libchat_sign_out(operator=alice)
    assert client.get(url).json() == {"online": False}


def test_closing_the_last_dashboard_flips_the_status_after_the_reconnect_grace(
    django_capture_on_commit_callbacks, settings
):
    alice = OperatorFactory()
    widget = WidgetFactory(first_operator=alice, first_department=None)
    session = signed_in(alice)
    assert cached_online(widget) is True
    channel = alice.connections.get(browser_key=session.browser_key).channel_name
    closed = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        kept = account_services.connection_close(channel_name=channel, now=closed)
    assert kept and cached_online(widget) is True  # a reload would connect again meanwhile
    grace = settings.LIBCHAT_RECONNECT_GRACE_SECONDS
    with django_capture_on_commit_callbacks(execute=True):
        account_services.connections_expire(now=closed + timedelta(seconds=grace - 0.5))
    assert cached_online(widget) is True
    with django_capture_on_commit_callbacks(execute=True):
        account_services.connections_expire(now=closed + timedelta(seconds=grace + 0.5))
    assert cached_online(widget) is False


def test_monitoring_and_membership_changes_flip_the_status(django_capture_on_commit_callbacks):
    reference = DepartmentFactory()
    alice = OperatorFactory()
    signed_in(alice)
    widget = WidgetFactory(first_department=reference)
    assert cached_online(widget) is False

    with django_capture_on_commit_callbacks(execute=True):
        department_services.membership_add(department=reference, operator=alice)
    assert cached_online(widget) is True

    with django_capture_on_commit_callbacks(execute=True):
        department_services.monitoring_set(operator=alice, monitored_department_ids=set())
    assert cached_online(widget) is False

    with django_capture_on_commit_callbacks(execute=True):
        department_services.monitoring_set(operator=alice, monitored_department_ids={reference.pk})
    assert cached_online(widget) is True

    with django_capture_on_commit_callbacks(execute=True):
        alice.memberships.get().delete()  # an admin removes her from the department
    assert cached_online(widget) is False


def test_widget_configuration_changes_flip_the_status(django_capture_on_commit_callbacks):
    alice, bob = OperatorFactory(), OperatorFactory()
    signed_in(bob)
    widget = WidgetFactory(first_operator=alice, first_department=None)
    assert cached_online(widget) is False

    with django_capture_on_commit_callbacks(execute=True):
        services.widget_fallbacks_set(widget=widget, fallbacks=[bob])
    assert cached_online(widget) is True

    with django_capture_on_commit_callbacks(execute=True):
        widget.active = False
        widget.save()
    assert cached_online(widget) is None  # inactive: the status API answers 404

    with django_capture_on_commit_callbacks(execute=True):
        widget.active = True
        widget.allowed_origins = "https://new.library.example"
        widget.save()
    assert selectors.widget_state_get(widget_id=widget.pk).origins == (
        "https://new.library.example",
    )


def test_the_beat_refresh_catches_what_no_event_announced():
    alice = OperatorFactory()
    widget = WidgetFactory(first_operator=alice, first_department=None)
    assert cached_online(widget) is False
    signed_in(alice)  # written straight to the database: nobody was told
    assert cached_online(widget) is False
    assert widget_status_refresh_all() == 1
    assert cached_online(widget) is True
    assert widget_status_refresh_all() == 0  # nothing flipped, nothing pushed


def test_a_widget_saved_with_a_bad_origin_does_not_stop_the_others_refreshing(client):
    alice = OperatorFactory()
    signed_in(alice)
    good = WidgetFactory(first_operator=alice, first_department=None)
    broken = WidgetFactory(first_operator=alice, first_department=None, allowed_origins="nope")
    services.widget_status_refresh()
    assert cached_online(good) is True
    assert selectors.widget_state_get(widget_id=broken.pk).origins == ()
    frame = client.get(reverse("widgets:frame", args=[broken.pk]))
    assert "frame-ancestors 'none'" in frame["Content-Security-Policy"]


def test_deactivating_a_signed_in_operator_flips_the_status(django_capture_on_commit_callbacks):
    alice = OperatorFactory()
    signed_in(alice)
    widget = WidgetFactory(first_operator=alice, first_department=None)
    assert cached_online(widget) is True
    with django_capture_on_commit_callbacks(execute=True):
        alice.is_active = False
        alice.save()
    assert cached_online(widget) is False


def test_the_beat_refreshes_every_widget_each_minute(settings):
    from libchat.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["widget-status-refresh"]
    assert entry["schedule"] == 60.0
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_each_flip_is_kept_as_an_online_interval_for_the_reports(time_machine):
    def at(moment, status=None):
        """The clock moves on; Alice's open dashboard keeps answering, her status may change."""
        time_machine.move_to(f"2026-03-02 {moment}:00+00:00", tick=False)
        DashboardConnection.objects.filter(operator=alice).update(last_seen=timezone.now())
        if status:
            LibChatSession.objects.filter(operator=alice).update(status=status)
        services.widget_status_refresh()

    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    alice, bob = OperatorFactory(), OperatorFactory()
    widget = WidgetFactory(first_operator=alice, first_department=None)
    quiet = WidgetFactory(first_operator=bob, first_department=None)
    signed_in(alice)
    at("09:00")
    at("09:30")  # still online: the same interval goes on
    at("10:15", status="away")
    at("11:00", status="online")
    kept = [
        (i.started_at.strftime("%H:%M"), i.ended_at and i.ended_at.strftime("%H:%M"))
        for i in WidgetOnlineInterval.objects.filter(widget=widget).order_by("started_at")
    ]
    assert kept == [("09:00", "10:15"), ("11:00", None)]
    assert not WidgetOnlineInterval.objects.filter(widget=quiet).exists()


def test_a_refresh_that_changes_nothing_writes_nothing(django_assert_num_queries):
    alice = OperatorFactory()
    WidgetFactory(first_operator=alice, first_department=None)
    signed_in(alice)
    services.widget_status_refresh()
    with django_assert_num_queries(8):  # the widgets' state (7) and the open intervals (1)
        services.widget_status_refresh()
