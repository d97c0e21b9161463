"""Reads of departments and memberships."""

from typing import TYPE_CHECKING

from departments.models import Membership

if TYPE_CHECKING:  # departments sit below accounts: the operator is only a type here
    from accounts.models import Operator


def memberships_for_operator(*, operator: "Operator") -> list[Membership]:
    return list(
        Membership.objects.filter(operator=operator, department__active=True)
        .select_related("department")
        .order_by("department__name")
    )
