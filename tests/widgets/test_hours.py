"""Opening hours and the away message: when a widget is open, what it says when all are Away,
and that the status API and the start of a chat follow them."""

from datetime import UTC, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import DashboardConnection
from chats.models import PatronChat
from tests.factories import OperatorFactory, WidgetFactory
from tests.widgets.people import signed_in
from tests.widgets.test_admin import form_data
from widgets import selectors, services
from widgets.hours import OpeningHours
from widgets.models import (
    Widget,
    WidgetClosedDate,
    WidgetOpeningSpan,
    opening_spans_validate,
)

pytestmark = pytest.mark.django_db

MON, FRI, SAT, SUN = 0, 4, 5, 6
NINE_TO_FIVE = ((9 * 60, 17 * 60),)


def weekdays(spans=NINE_TO_FIVE, days=range(5)):
    return dict.fromkeys(days, spans)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# 2026-03-02 is a Monday; the server's zone is UTC.
@pytest.mark.parametrize(
    "at, is_open",
    [
        ("2026-03-02 12:00", True),
        ("2026-03-02 08:59:59", False),
        ("2026-03-02 09:00", True),  # opening time: open
        ("2026-03-02 16:59:59", True),
        ("2026-03-02 17:00", False),  # closing time: closed
        ("2026-03-07 12:00", False),  # a Saturday
    ],
)
def test_a_time_inside_outside_and_at_the_boundaries(at, is_open):
    assert OpeningHours("UTC", weekdays()).is_open(utc(at)) is is_open


def test_no_schedule_is_always_open_and_a_closed_date_closes_the_whole_day():
    assert OpeningHours("UTC").is_open(utc("2026-03-07 03:00"))
    assert not OpeningHours("UTC").keeps_hours
    holiday = OpeningHours("UTC", weekdays(), frozenset({datetime(2026, 3, 3).date()}))
    assert not holiday.is_open(utc("2026-03-03 12:00"))
    assert holiday.next_opening(utc("2026-03-03 12:00")) == utc("2026-03-04 09:00")
    assert holiday.is_open(utc("2026-03-04 12:00"))


def test_the_next_opening_across_the_week_and_several_spans_a_day():
    hours = OpeningHours("UTC", weekdays(((9 * 60, 12 * 60), (13 * 60, 17 * 60))))
    assert hours.next_opening(utc("2026-03-02 12:30")) == utc("2026-03-02 13:00")  # lunch
    assert hours.next_opening(utc("2026-03-06 17:00")) == utc("2026-03-09 09:00")  # Friday
    assert hours.next_opening(utc("2026-03-02 10:00")) is None  # open now
    assert OpeningHours("UTC", {}, frozenset()).next_opening(utc("2026-03-02 10:00")) is None


def test_hours_are_read_in_the_widgets_time_zone_not_the_servers():
    # 9:00 to 17:00 in New York is 14:00 to 22:00 UTC in winter.
    hours = OpeningHours("America/New_York", weekdays())
    assert not hours.is_open(utc("2026-03-02 13:59"))
    assert hours.is_open(utc("2026-03-02 14:00"))
    assert hours.is_open(utc("2026-03-02 21:59"))
    # Monday 23:00 UTC is still Monday 18:00 in New York: closed until Tuesday 9:00 there.
    assert hours.next_opening(utc("2026-03-02 23:00")) == utc("2026-03-03 14:00")


def test_daylight_saving_keeps_the_wall_clock_hours():
    # New York springs forward on Sunday 2026-03-08: 9:00 is 14:00 UTC before, 13:00 after.
    hours = OpeningHours("America/New_York", weekdays())
    assert hours.next_opening(utc("2026-03-06 23:00")) == utc("2026-03-09 13:00")
    assert hours.is_open(utc("2026-03-09 13:00"))
    assert not hours.is_open(utc("2026-03-09 21:00"))  # 17:00 EDT
    # A span starting in the skipped hour (2:30 does not exist that night) still opens.
    night = OpeningHours("America/New_York", {SUN: ((150, 240),)})
    assert night.next_opening(utc("2026-03-08 05:00")) == utc("2026-03-08 07:30")
    # Falling back (2026-11-01): a midnight-to-midnight day is 25 hours, all of them open.
    sunday = OpeningHours("America/New_York", {SUN: ((0, 24 * 60),)})
    assert sunday.is_open(utc("2026-11-01 05:30")) and sunday.is_open(utc("2026-11-01 06:30"))
    assert not sunday.is_open(utc("2026-11-02 05:00"))


def test_the_next_change_is_the_next_boundary_of_the_hours():
    hours = OpeningHours("UTC", weekdays())
    assert hours.next_change(utc("2026-03-02 10:00")) == utc("2026-03-02 17:00")
    assert hours.next_change(utc("2026-03-02 17:00")) == utc("2026-03-03 00:00")
    assert OpeningHours("UTC").next_change(utc("2026-03-02 10:00")) is None


def test_spans_must_close_after_they_open_and_not_overlap():
    widget = WidgetFactory()
    span = WidgetOpeningSpan(widget=widget, weekday=MON, opens_at=time(17), closes_at=time(9))
    with pytest.raises(ValidationError) as error:
        span.full_clean()
    assert "must be after the opening time" in str(error.value.message_dict["closes_at"])
    WidgetOpeningSpan(widget=widget, weekday=MON, opens_at=time(17), closes_at=time(0)).full_clean()
    with pytest.raises(ValidationError, match="Monday: the hours from 11:00 overlap"):
        opening_spans_validate([(MON, time(9), time(12)), (MON, time(11), time(14))])
    with pytest.raises(ValidationError, match="Friday: the hours from 23:00 overlap"):
        opening_spans_validate([(FRI, time(20), time(0)), (FRI, time(23), time(23, 30))])
    opening_spans_validate([(MON, time(9), time(12)), (MON, time(12), time(17))])  # adjacent
    opening_spans_validate([(MON, time(9), time(12)), (SAT, time(9), time(12))])
    with pytest.raises(IntegrityError), transaction.atomic():
        WidgetOpeningSpan.objects.create(
            widget=widget, weekday=MON, opens_at=time(17), closes_at=time(9)
        )


def test_the_admin_refuses_overlapping_spans_with_a_clear_error(admin_client):
    alice = OperatorFactory()
    widget = WidgetFactory(first_operator=alice, first_department=None)
    data = form_data(
        first_operator=alice,
        time_zone="Europe/Paris",
        away_message="We'll be right back",
        away_behaviour="queue",
        **{
            "opening_spans-TOTAL_FORMS": "2",
            "opening_spans-0-weekday": "0",
            "opening_spans-0-opens_at": "09:00",
            "opening_spans-0-closes_at": "12:00",
            "opening_spans-1-weekday": "0",
            "opening_spans-1-opens_at": "11:00",
            "opening_spans-1-closes_at": "14:00",
            "closed_dates-TOTAL_FORMS": "1",
            "closed_dates-0-date": "2026-12-25",
            "closed_dates-0-reason": "Christmas",
        },
    )
    url = f"/admin/widgets/widget/{widget.pk}/change/"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Monday: the hours from 11:00 overlap the hours before them." in response.text
    data["opening_spans-1-opens_at"] = "13:00"
    response = admin_client.post(url, data)
    assert response.status_code == 302
    widget.refresh_from_db()
    assert (widget.time_zone, widget.away_behaviour) == ("Europe/Paris", "queue")
    assert [str(s) for s in widget.opening_spans.all()] == [
        "Monday 09:00-12:00",
        "Monday 13:00-14:00",
    ]
    assert [str(d) for d in widget.closed_dates.all()] == ["Closed 2026-12-25"]


def answered(operator) -> None:
    """The operator's open dashboard answered the ping just now, as the clock moved on."""
    DashboardConnection.objects.filter(operator=operator).update(last_seen=timezone.now())


def operator_widget(**options) -> tuple:
    alice = OperatorFactory()
    widget = WidgetFactory(first_operator=alice, first_department=None, **options)
    for weekday in range(5):
        WidgetOpeningSpan.objects.create(
            widget=widget, weekday=weekday, opens_at=time(9), closes_at=time(17)
        )
    return alice, widget


def test_outside_its_hours_a_widget_is_offline_whoever_is_online(time_machine):
    time_machine.move_to("2026-03-02 18:00:00+00:00", tick=False)  # Monday evening
    alice, widget = operator_widget()
    signed_in(alice)
    status = selectors.widget_statuses(widget_ids=[widget.pk])[widget.pk]
    assert (status.online, status.closed, status.opens_at) == (False, True, utc("2026-03-03 09"))
    WidgetClosedDate.objects.create(widget=widget, date=datetime(2026, 3, 3).date())
    status = selectors.widget_statuses(widget_ids=[widget.pk])[widget.pk]
    assert status.opens_at == utc("2026-03-04 09:00")
    time_machine.move_to("2026-03-04 09:00:00+00:00", tick=False)
    answered(alice)
    assert selectors.widget_statuses(widget_ids=[widget.pk])[widget.pk].online


@pytest.mark.parametrize(
    "behaviour, online", [(Widget.Away.QUEUE, True), (Widget.Away.OFFLINE, False)]
)
def test_when_all_who_monitor_are_away_the_widget_says_so_and_follows_its_choice(behaviour, online):
    alice = OperatorFactory()
    widget = WidgetFactory(
        first_operator=alice,
        first_department=None,
        away_message="We'll be right back",
        away_behaviour=behaviour,
    )
    signed_in(alice, status="away")
    services.widget_status_refresh(widget_ids=[widget.pk])
    state = selectors.widget_state_get(widget_id=widget.pk)
    assert (state.online, state.away) == (online, True)
    # Without words of its own, the widget says nothing of Away, as before; its choice holds.
    Widget.objects.filter(pk=widget.pk).update(away_message="")
    services.widget_status_refresh(widget_ids=[widget.pk])
    state = selectors.widget_state_get(widget_id=widget.pk)
    assert (state.online, state.away) == (online, False)


def test_away_counts_only_within_the_hours_and_only_when_nobody_is_online(time_machine):
    time_machine.move_to("2026-03-02 12:00:00+00:00", tick=False)
    alice, widget = operator_widget(away_behaviour=Widget.Away.QUEUE)
    bob = OperatorFactory()
    widget.fallbacks.create(position=1, operator=bob)
    signed_in(alice, status="away")
    signed_in(bob)
    status = selectors.widget_statuses(widget_ids=[widget.pk])[widget.pk]
    assert (status.online, status.away, status.serving) == (True, False, 1)
    time_machine.move_to("2026-03-02 20:00:00+00:00", tick=False)
    answered(alice)
    status = selectors.widget_statuses(widget_ids=[widget.pk])[widget.pk]
    assert (status.online, status.away, status.closed) == (False, False, True)


def test_the_status_api_follows_the_hours_and_says_no_more(client, time_machine):
    time_machine.move_to("2026-03-02 16:59:00+00:00", tick=False)
    alice, widget = operator_widget()
    signed_in(alice)
    url = f"/api/1.0/chat/widgets/status/{widget.pk}"
    assert client.get(url).json() == {"online": True}
    time_machine.move_to("2026-03-02 17:00:01+00:00", tick=False)
    services.widget_status_refresh()  # the beat, a minute at most after closing time
    assert client.get(url).json() == {"online": False}
    assert selectors.widget_state_get(widget_id=widget.pk).opens_at == "2026-03-03T09:00:00+00:00"


def test_the_cached_state_does_not_outlive_the_hour(time_machine, settings):
    time_machine.move_to("2026-03-02 16:59:30+00:00", tick=False)
    alice, widget = operator_widget()
    signed_in(alice)
    services.widget_status_refresh(widget_ids=[widget.pk])
    state = selectors.widget_public_states(widget_ids=[widget.pk])[widget.pk]
    assert selectors.state_cache_seconds(state=state) == 30
    assert selectors.state_cache_seconds() == 2 * settings.LIBCHAT_WIDGET_REFRESH_SECONDS


def test_a_chat_cannot_be_started_outside_the_hours_even_from_a_stale_page(client, time_machine):
    time_machine.move_to("2026-03-02 16:59:00+00:00", tick=False)
    alice, widget = operator_widget(offline_message="Back tomorrow.")
    signed_in(alice)
    services.widget_status_refresh(widget_ids=[widget.pk])  # cached: online
    time_machine.move_to("2026-03-02 17:00:05+00:00", tick=False)
    response = client.post(f"/widget/{widget.pk}/chat/", {"question": "Still there?"})
    assert response.status_code == 409
    assert response.json()["error"] == "widget_offline"
    assert PatronChat.objects.count() == 0


def test_the_widget_page_carries_the_next_opening_and_the_away_message(client, time_machine):
    time_machine.move_to("2026-03-02 18:00:00+00:00", tick=False)
    alice, widget = operator_widget(away_message="We'll be right back", time_zone="Europe/Paris")
    signed_in(alice, status="away")
    page = client.get(f"/widget/{widget.pk}/").text
    assert 'data-online="false"' in page and 'data-away="false"' in page  # closed, not away
    assert 'data-opens-at="2026-03-03T08:00:00+00:00"' in page  # 9:00 in Paris
    assert 'data-time-zone="Europe/Paris"' in page
    assert '<p id="away-message" class="away-message" hidden>' in page
    time_machine.move_to("2026-03-03 08:30:00+00:00", tick=False)
    answered(alice)
    services.widget_status_refresh(widget_ids=[widget.pk])
    page = client.get(f"/widget/{widget.pk}/").text
    assert 'data-away="true"' in page and 'data-opens-at=""' in page
    assert '<p id="away-message" class="away-message">We&#x27;ll be right back</p>' in page


def test_editing_the_hours_refreshes_the_status_at_once(django_capture_on_commit_callbacks):
    alice = OperatorFactory()
    widget = WidgetFactory(first_operator=alice, first_department=None)
    signed_in(alice)
    services.widget_status_refresh(widget_ids=[widget.pk])
    tomorrow = (timezone.now().weekday() + 1) % 7
    with django_capture_on_commit_callbacks(execute=True):
        span = WidgetOpeningSpan.objects.create(
            widget=widget, weekday=tomorrow, opens_at=time(9), closes_at=time(17)
        )
    assert selectors.widget_state_get(widget_id=widget.pk).online is False
    with django_capture_on_commit_callbacks(execute=True):
        span.delete()
    assert selectors.widget_state_get(widget_id=widget.pk).online is True


def test_the_admin_page_says_the_widget_is_outside_its_hours_and_when_it_opens(
    admin_client, time_machine
):
    time_machine.move_to("2026-03-06 18:00:00+00:00", tick=False)  # a Friday evening
    alice, widget = operator_widget(time_zone="Europe/Paris")
    signed_in(alice)
    page = admin_client.get(f"/admin/widgets/widget/{widget.pk}/change/").text
    assert (
        "Offline</span> (outside its opening hours; it opens Monday 2026-03-09 09:00 "
        "(Europe/Paris))" in page
    )


@pytest.mark.parametrize("behaviour, code", [(Widget.Away.QUEUE, 201), (Widget.Away.OFFLINE, 409)])
def test_a_patron_may_start_a_chat_while_all_are_away_only_if_the_widget_says_so(
    client, behaviour, code
):
    alice = OperatorFactory()
    widget = WidgetFactory(
        first_operator=alice,
        first_department=None,
        away_message="Back soon",
        away_behaviour=behaviour,
    )
    signed_in(alice, status="away")
    response = client.post(f"/widget/{widget.pk}/chat/", {"question": "Is anyone there?"})
    assert response.status_code == code
    assert PatronChat.objects.filter(widget=widget, state="waiting").count() == (code == 201)
