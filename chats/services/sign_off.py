"""Scheduled sign-off: at a department's sign-off times (`departments.models.SignOffTime`) its
members signed in to LibChat are signed out, warned a minute before; one holding patron chats
is signed out when the last of them ends. It lives with patron chats because who holds a chat
is theirs; the schedule is the department's and the sessions are accounts'.

Members means every member, monitoring the department or not: the desk closes for all its staff.
Run every minute by the sign-off beat job (`chats.tasks.sign_off_scheduled`)."""

from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.selectors import operator_text, signed_in_members
from accounts.services import libchat_sign_out_after_chats, libchat_sign_out_scheduled
from chats.models import PatronChat
from departments.models import Department
from departments.selectors import departments_with_sign_off_times
from departments.services import sign_off_take
from libchat.core.live import live_send, operator_group


def _holder_ids(operator_ids: list[int]) -> set[int]:
    return set(
        PatronChat.objects.filter(
            state=PatronChat.State.ACTIVE, claimed_by__in=operator_ids
        ).values_list("claimed_by_id", flat=True)
    )


def _holds_chats(operator_id: int) -> bool:
    return bool(_holder_ids([operator_id]))


def _clock(at: datetime) -> str:
    return f"{at:%H:%M}"  # `at` is in the library's time zone


def _warn(department: Department, at: datetime) -> int:
    members = signed_in_members(department_id=department.pk)
    for member in members:
        text = operator_text(
            member,
            lambda: (
                gettext("%(desk)s closes at %(time)s: you will be signed out in one minute.")
                % {"desk": department.name, "time": _clock(at)}
            ),
        )
        transaction.on_commit(
            partial(
                live_send,
                operator_group(member.pk),
                {"event": "session.sign_off", "message": text},
            )
        )
    return len(members)


def _sign_off(department: Department, at: datetime) -> int:
    desk = f"{department.name}, {_clock(at)}"
    members = signed_in_members(department_id=department.pk)
    holders = _holder_ids([member.pk for member in members])
    signed_out = 0
    for member in members:
        signed_out += libchat_sign_out_scheduled(
            operator=member, desk=desk, holds_chats=member.pk in holders
        )
        if member.pk in holders:
            # Their last chat may have ended since it was counted, its release finding no mark
            # yet: looked at again once the mark has committed, one of the two sees both.
            transaction.on_commit(partial(claimant_sign_off_follow, operator_id=member.pk))
    return signed_out


def sign_offs_run(*, now: datetime | None = None) -> dict[str, int]:
    """Warn the members of departments whose sign-off time comes in a minute, and sign off
    those of departments whose time has come. Safe to run late (by a few minutes), twice, or at
    once on several machines: each time is taken once (`departments.services.sign_off_take`),
    in the transaction that acts on it. Returns how many operators were warned and signed out
    (the others found holding chats are signed out when their last one ends)."""
    now = now or timezone.now()
    warned = signed_out = 0
    for department in departments_with_sign_off_times():
        with transaction.atomic():
            if at := sign_off_take(department=department, now=now, warning=True):
                warned += _warn(department, at)
        with transaction.atomic():
            if at := sign_off_take(department=department, now=now, warning=False):
                signed_out += _sign_off(department, at)
    return {"warned": warned, "signed_out": signed_out}


def claimant_sign_off_follow(*, operator_id: int) -> bool:
    """A chat left this operator (ended, requeued, handed over): if a scheduled sign-off is
    waiting for their last chat and they hold none now, sign them out. Returns whether it did."""
    return libchat_sign_out_after_chats(operator_id=operator_id, holds_chats=_holds_chats)
