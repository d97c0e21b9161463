"""Every write to departments and memberships."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from departments.models import Department, Membership


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
