"""Reads of departments and memberships, and the one rule for who monitors a department: a member
with monitoring on, in an active department. Chats, widgets and internal chat route by it.

Departments sit below accounts, so an operator is typed as the user model's base class."""

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from departments.models import Department, Membership


def memberships_for_operator(*, operator: AbstractBaseUser) -> list[Membership]:
    return list(
        Membership.objects.filter(operator=operator, department__active=True)
        .select_related("department")
        .order_by("department__name")
    )


def member_department_ids_subquery(*, operator: AbstractBaseUser) -> QuerySet:
    """The active departments this operator belongs to (monitoring or not) as a lazy
    `department_id` subquery."""
    return Membership.objects.filter(operator=operator, department__active=True).values(
        "department_id"
    )


def monitoring_memberships() -> QuerySet[Membership]:
    """Memberships that bring a department's chats to its member: monitoring on, department
    active. Lazy, for callers to narrow or to use as a subquery."""
    return Membership.objects.filter(monitoring=True, department__active=True)


def monitored_department_ids_subquery(*, operator: AbstractBaseUser) -> QuerySet:
    """The departments this operator monitors as a lazy `department_id` subquery, so a caller's
    `…__in=` filter stays one query."""
    return monitoring_memberships().filter(operator=operator).values("department_id")


def monitored_department_ids(*, operator: AbstractBaseUser) -> list[int]:
    """The active departments this operator monitors, in one query."""
    return list(
        monitored_department_ids_subquery(operator=operator).values_list("department_id", flat=True)
    )


def department_ids_monitored_by_any(*, operator_ids: Iterable[int]) -> set[int]:
    """Active departments with at least one of these operators monitoring them (no query for
    no operators)."""
    operator_ids = set(operator_ids)
    if not operator_ids:
        return set()
    return set(
        monitoring_memberships()
        .filter(operator_id__in=operator_ids)
        .values_list("department_id", flat=True)
    )


def department_by_id(*, department_id: int) -> Department | None:
    return Department.objects.filter(pk=department_id).first()


def departments_with_sign_off_times() -> list[Department]:
    """Active departments that have scheduled sign-offs, with their system (its time zone) and
    their times prefetched: two queries."""
    return list(
        Department.objects.filter(active=True, sign_off_times__isnull=False)
        .distinct()
        .select_related("system")
        .prefetch_related("sign_off_times")
    )
