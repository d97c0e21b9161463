"""A department's scheduled sign-off times: taken once each, late runs, the admin's checks."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from departments.models import Department, SignOffTime
from departments.services import sign_off_take
from systems.models import System
from tests.factories import DepartmentFactory, SystemFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
WEDNESDAY = 2  # 2 January 2030 is a Wednesday


def at(hour: int, minute: int = 0, second: int = 0, *, day: int = 2) -> datetime:
    return datetime(2030, 1, day, hour, minute, second, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def library_time_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"
    System.objects.update(time_zone="Europe/Paris")  # the library's, which its desks close by


def desk_closing(hour: int = 21, minute: int = 0, weekday: int = WEDNESDAY) -> Department:
    department = DepartmentFactory()
    SignOffTime.objects.create(department=department, weekday=weekday, time=time(hour, minute))
    return department


def fresh(department: Department) -> Department:
    return Department.objects.get(pk=department.pk)


def test_a_time_is_taken_once_at_the_first_run_at_or_after_it_and_its_warning_a_minute_before():
    department = desk_closing()
    assert sign_off_take(department=fresh(department), now=at(20, 58), warning=True) is None
    assert sign_off_take(department=fresh(department), now=at(20, 59), warning=True) == at(21)
    assert sign_off_take(department=fresh(department), now=at(20, 59, 30), warning=True) is None
    assert sign_off_take(department=fresh(department), now=at(20, 59), warning=False) is None
    assert sign_off_take(department=fresh(department), now=at(21), warning=False) == at(21)
    assert sign_off_take(department=fresh(department), now=at(21, 0, 40), warning=False) is None
    assert sign_off_take(department=fresh(department), now=at(21, 1), warning=False) is None


def test_of_two_jobs_that_read_the_department_at_once_only_one_takes_the_time():
    department = desk_closing()
    first, second = fresh(department), fresh(department)
    assert sign_off_take(department=first, now=at(21), warning=False) == at(21)
    assert sign_off_take(department=second, now=at(21, 0, 1), warning=False) is None


def test_a_run_a_few_minutes_late_still_takes_the_time_and_one_far_too_late_lets_it_go(settings):
    settings.LIBCHAT_SIGN_OFF_LATE_SECONDS = 300
    late, too_late = desk_closing(), desk_closing()
    assert sign_off_take(department=fresh(late), now=at(21, 4), warning=False) == at(21)
    assert sign_off_take(department=fresh(too_late), now=at(21, 6), warning=False) is None
    # A warning whose sign-off time has come is dropped: the sign-off follows in the same run.
    assert sign_off_take(department=fresh(late), now=at(21, 4), warning=True) is None


def test_a_time_set_just_after_it_passed_waits_for_next_week():
    with time_machine.travel(at(21, 2)):
        department = desk_closing()
    assert sign_off_take(department=fresh(department), now=at(21, 3), warning=False) is None
    next_week = at(21, day=9)
    assert sign_off_take(department=fresh(department), now=next_week, warning=False) == next_week


def test_only_the_weekday_and_time_in_the_library_time_zone_count():
    department = desk_closing()  # Wednesdays 21:00 in Paris: 20:00 UTC in winter
    utc = ZoneInfo("UTC")
    assert sign_off_take(department=fresh(department), now=at(21, day=3), warning=False) is None
    taken = sign_off_take(
        department=fresh(department), now=datetime(2030, 1, 2, 20, tzinfo=utc), warning=False
    )
    assert taken == at(21)


def test_each_library_system_closes_its_desks_by_its_own_clock():
    new_york = SystemFactory(name="Hudson Libraries", time_zone="America/New_York")
    paris_desk = desk_closing()
    new_york_desk = DepartmentFactory(system=new_york)
    SignOffTime.objects.create(department=new_york_desk, weekday=WEDNESDAY, time=time(21))
    nine_pm_in_new_york = datetime(2030, 1, 2, 21, tzinfo=ZoneInfo("America/New_York"))

    assert sign_off_take(department=fresh(new_york_desk), now=at(21), warning=False) is None
    assert sign_off_take(department=fresh(paris_desk), now=at(21), warning=False) == at(21)
    taken = sign_off_take(department=fresh(new_york_desk), now=nine_pm_in_new_york, warning=False)
    assert taken == nine_pm_in_new_york


def test_times_are_hours_and_minutes_and_a_department_has_each_once():
    department = desk_closing()
    with pytest.raises(ValidationError, match="hours and minutes only"):
        SignOffTime(department=department, weekday=WEDNESDAY, time=time(21, 0, 30)).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        SignOffTime.objects.create(department=department, weekday=WEDNESDAY, time=time(21))


def department_form(**extra) -> dict:
    return {
        "name": "Reference",
        "slug": "reference",
        "active": "on",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "sign_off_times-INITIAL_FORMS": "0",
        **extra,
    }


def test_the_admin_sets_sign_off_times_on_the_department_page_and_refuses_duplicates(
    admin_client,
):
    twice = department_form(
        **{
            "sign_off_times-TOTAL_FORMS": "2",
            "sign_off_times-0-weekday": "2",
            "sign_off_times-0-time": "21:00",
            "sign_off_times-1-weekday": "2",
            "sign_off_times-1-time": "21:00",
        }
    )
    response = admin_client.post("/admin/departments/department/add/", twice)
    assert response.status_code == 200
    assert "duplicate data for weekday and time, which must be unique" in response.content.decode()
    assert not Department.objects.exists()

    twice["sign_off_times-1-weekday"] = "5"
    response = admin_client.post("/admin/departments/department/add/", twice)
    assert response.status_code == 302
    department = Department.objects.get()
    assert [str(t) for t in department.sign_off_times.all()] == [
        "Reference Wednesday 21:00",
        "Reference Saturday 21:00",
    ]
    page = admin_client.get(f"/admin/departments/department/{department.pk}/change/")
    assert "Scheduled sign-offs" in page.content.decode()
