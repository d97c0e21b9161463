"""Every write to departments and memberships, and the marks of the scheduled sign-off job."""

import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from departments.models import Department, Membership, SignOffTime

# Operators are warned this long before a scheduled sign-off ("… in one minute").
SIGN_OFF_WARNING = timedelta(minutes=1)


def membership_add(
    *, department: Department, operator: AbstractBaseUser, monitoring: bool = True
) -> Membership:
    membership, _ = Membership.objects.get_or_create(
        department=department, operator=operator, defaults={"monitoring": monitoring}
    )
    return membership


@transaction.atomic
def monitoring_set(*, operator: AbstractBaseUser, monitored_department_ids: set[int]) -> int:
    """Monitor exactly the given departments among the operator's own; returns how many changed.

    Ids of departments the operator does not belong to are ignored: membership is the admin's.
    """
    changed = 0
    for membership in Membership.objects.select_for_update().filter(operator=operator):
        wanted = membership.department_id in monitored_department_ids
        if membership.monitoring != wanted:
            membership.monitoring = wanted
            membership.save(update_fields=["monitoring"])
            changed += 1
    return changed


def _sign_off_times_in(
    times: list[SignOffTime], *, zone: zoneinfo.ZoneInfo, after: datetime, until: datetime
) -> list[datetime]:
    """The occurrences of these weekly times in (after, until], in `zone` (the department's
    library system's), each after its row was last saved."""
    first, last = after.astimezone(zone).date(), until.astimezone(zone).date()
    found = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        for sign_off in times:
            if sign_off.weekday == day.weekday():
                at = datetime.combine(day, sign_off.time, tzinfo=zone)
                if after < at <= until and at > sign_off.saved_at:
                    found.append(at)
    return sorted(found)


def sign_off_take(*, department: Department, now: datetime, warning: bool) -> datetime | None:
    """The department's latest sign-off time due at `now` and not yet acted on, or None; with
    `warning`, the latest whose warning (SIGN_OFF_WARNING before it) is due instead.

    A time is due at the first run at or after it, and is taken by moving the department's mark
    (`sign_off_done_until` or `sign_off_warned_until`) to `now` with a conditional update: call it
    in the transaction that acts on the time, so that of several jobs running at once (workers on
    several machines) exactly one acts, and a failure leaves the time to the next run. A run late
    by up to LIBCHAT_SIGN_OFF_LATE_SECONDS still finds the time; a later one lets it go, rather
    than sign out, hours after the desk closed, people who have signed in since. A warning whose
    time has come already is dropped: the sign-off itself follows in the same run."""
    field = "sign_off_warned_until" if warning else "sign_off_done_until"
    lead = SIGN_OFF_WARNING if warning else timedelta(0)
    mark = getattr(department, field)
    oldest = now - timedelta(seconds=settings.LIBCHAT_SIGN_OFF_LATE_SECONDS)
    after = max(mark, oldest) if mark else oldest
    due = _sign_off_times_in(
        list(department.sign_off_times.all()),
        zone=zoneinfo.ZoneInfo(department.system.time_zone),
        after=after + lead,
        until=now + lead,
    )
    if warning:
        due = [at for at in due if at > now]
    if not due:
        return None
    taken = Department.objects.filter(pk=department.pk, **{field: mark}).update(**{field: now})
    return due[-1] if taken else None
