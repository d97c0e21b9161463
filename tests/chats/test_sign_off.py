"""Scheduled sign-off: at a desk's closing time its idle members are signed out, those holding
chats when their last one ends; the warning reaches their dashboards a minute before."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from channels.db import database_sync_to_async
from django.utils import timezone

from accounts import selectors
from accounts.models import LibChatSession
from accounts.services import libchat_sign_in
from chats import services
from chats.models import ChatEvent, PatronChat
from chats.services import sign_off
from chats.tasks import sign_off_scheduled
from departments.models import SignOffTime
from systems.models import System
from tests.chats.people import desk, start
from tests.chats.test_consumers import next_event
from tests.factories import MembershipFactory, OperatorFactory
from tests.live import dashboard_socket, events_until_quiet, login_cookie
from tests.widgets.people import signed_in

PARIS = ZoneInfo("Europe/Paris")
WEDNESDAY = 2  # 2 January 2030 is a Wednesday


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2030, 1, 2, hour, minute, second, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def library_time_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"
    System.objects.update(time_zone="Europe/Paris")  # the library's, which its desks close by


def closing_desk(**options):
    """A desk (`tests.chats.people.desk`) whose department closes on Wednesdays at 21:00."""
    d = desk(**options)
    d.widget.first_department.name = "Reference"
    d.widget.first_department.save()
    SignOffTime.objects.create(
        department=d.widget.first_department, weekday=WEDNESDAY, time=time(21)
    )
    return d


def session_of(operator) -> LibChatSession:
    return LibChatSession.objects.filter(operator=operator).latest("started_at")


def claimed(widget, operator):
    chat, _ = start(widget)
    return services.chat_claim(chat=chat, operator=operator)


@pytest.mark.django_db
def test_at_the_time_the_idle_member_is_signed_out_and_the_holder_after_the_last_chat(
    django_capture_on_commit_callbacks,
):
    d = closing_desk()
    holder, idle = d.operators
    first, second = claimed(d.widget, holder), claimed(d.widget, holder)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.sign_offs_run(now=at(21)) == {"warned": 0, "signed_out": 1}
    ended = session_of(idle)
    assert ended.ended_at is not None
    assert ended.end_reason == LibChatSession.EndReason.SCHEDULED
    assert session_of(holder).is_active
    assert session_of(holder).sign_out_after_chats == "Reference, 21:00"
    assert session_of(d.outsider).is_active  # a member of another department

    with django_capture_on_commit_callbacks(execute=True):
        services.chat_end(chat=first, operator=holder)
    assert session_of(holder).is_active  # one chat left
    with django_capture_on_commit_callbacks(execute=True):
        services.chat_end(chat=second, left=True)  # the patron leaves the last one
    assert session_of(holder).end_reason == LibChatSession.EndReason.SCHEDULED
    assert session_of(d.outsider).is_active


@pytest.mark.django_db
def test_a_second_run_in_the_minute_does_nothing_and_a_late_run_still_signs_off(
    django_capture_on_commit_callbacks,
):
    d = closing_desk(operators=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sign_offs_run(now=at(21, 3)) == {"warned": 0, "signed_out": 1}
    assert not session_of(d.operators[0]).is_active

    # Signed in again after the desk closed: the same time is not carried out twice.
    libchat_sign_in(operator=d.operators[0], browser_key="again" * 6)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sign_offs_run(now=at(21, 3, 30)) == {"warned": 0, "signed_out": 0}
        assert services.sign_offs_run(now=at(21, 4)) == {"warned": 0, "signed_out": 0}
    assert session_of(d.operators[0]).is_active


@pytest.mark.django_db
def test_a_holder_whose_chats_go_back_to_the_queue_or_to_a_colleague_is_signed_out_then(
    django_capture_on_commit_callbacks,
):
    d = closing_desk()
    holder, colleague = d.operators
    handed, requeued = claimed(d.widget, holder), claimed(d.widget, holder)
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_offs_run(now=at(21))
    assert not session_of(colleague).is_active  # idle: signed out at the time
    signed_in(colleague)  # again, after the time
    with django_capture_on_commit_callbacks(execute=True):
        services.chat_transfer(chat=handed, operator=holder, to_operator=colleague)
    assert session_of(holder).is_active
    with django_capture_on_commit_callbacks(execute=True):
        services.chat_requeue(chat=requeued, reason=ChatEvent.Reason.UNREACHABLE)
    assert session_of(holder).end_reason == LibChatSession.EndReason.SCHEDULED
    assert session_of(colleague).is_active  # signed in again after the time, holding a chat


@pytest.mark.django_db
def test_a_holder_whose_last_chat_ends_while_the_job_marks_them_is_signed_out_all_the_same(
    django_capture_on_commit_callbacks, monkeypatch
):
    d = closing_desk(operators=1)
    holder = d.operators[0]
    chat = claimed(d.widget, holder)
    counted = sign_off._holder_ids

    def count_then_the_chat_ends(operator_ids):
        holders = counted(operator_ids)
        monkeypatch.setattr(sign_off, "_holder_ids", counted)
        # Ended in another process, whose look after the release found no mark yet.
        PatronChat.objects.filter(pk=chat.pk).update(
            state=PatronChat.State.ENDED, ended_at=timezone.now()
        )
        return holders

    monkeypatch.setattr(sign_off, "_holder_ids", count_then_the_chat_ends)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sign_offs_run(now=at(21)) == {"warned": 0, "signed_out": 0}
    assert session_of(holder).end_reason == LibChatSession.EndReason.SCHEDULED


@pytest.mark.django_db
def test_a_department_without_sign_off_times_behaves_as_before(django_capture_on_commit_callbacks):
    d = desk()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sign_offs_run(now=at(21)) == {"warned": 0, "signed_out": 0}
    assert all(session_of(operator).is_active for operator in d.operators)


@pytest.mark.django_db(transaction=True)
async def test_the_dashboard_is_warned_a_minute_before_then_told_it_was_signed_out():
    member, holder, outsider = await database_sync_to_async(OperatorFactory.create_batch)(3)

    @database_sync_to_async
    def arrange():
        d = closing_desk(operators=0)
        for operator in (member, holder):
            MembershipFactory(department=d.widget.first_department, operator=operator)
        MembershipFactory(operator=outsider)
        return d

    d = await arrange()
    sockets = {}
    for operator in (member, holder, outsider):
        key = await login_cookie(operator)
        sockets[operator.pk], _, _ = await dashboard_socket(session_key=key)
        await database_sync_to_async(libchat_sign_in)(
            operator=operator, browser_key=selectors.browser_key_for(key)
        )
    await database_sync_to_async(claimed)(d.widget, holder)

    run = database_sync_to_async(services.sign_offs_run)
    assert await run(now=at(20, 59)) == {"warned": 2, "signed_out": 0}
    for operator in (member, holder):
        warning = await next_event(sockets[operator.pk], "session.sign_off")
        assert warning["message"] == (
            "Reference closes at 21:00: you will be signed out in one minute."
        )
    assert "session.sign_off" not in await events_until_quiet(sockets[outsider.pk])

    assert await run(now=at(21)) == {"warned": 0, "signed_out": 1}
    ended = await next_event(sockets[member.pk], "session.ended")
    assert ended["reason"] == "scheduled"
    assert ended["message"] == (
        "You were signed out of LibChat at the desk's closing time (Reference, 21:00)."
    )
    notice = await next_event(sockets[holder.pk], "session.sign_off")
    assert notice["message"] == (
        "The desk closes: you will be signed out when your last chat ends."
    )
    assert "session.ended" not in await events_until_quiet(sockets[outsider.pk])
    for socket in sockets.values():
        await socket.disconnect()


@pytest.mark.django_db
def test_beat_runs_the_job_at_the_start_of_every_minute(
    settings, django_capture_on_commit_callbacks
):
    entry = settings.CELERY_BEAT_SCHEDULE["scheduled-sign-off"]
    assert entry["task"] == "chats.tasks.sign_off_scheduled"
    assert entry["schedule"] == crontab()
    d = closing_desk(operators=1)
    with time_machine.travel(at(21, 0, 2)), django_capture_on_commit_callbacks(execute=True):
        assert sign_off_scheduled() == {"warned": 0, "signed_out": 1}
    assert not session_of(d.operators[0]).is_active
