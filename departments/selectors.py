"""Reads of departments and memberships."""

from accounts.models import Operator
from departments.models import Membership


def memberships_for_operator(*, operator: Operator) -> list[Membership]:
    return list(
        Membership.objects.filter(operator=operator, department__active=True)
        .select_related("department")
        .order_by("department__name")
    )
