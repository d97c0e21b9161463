"""Who monitors a department: the one rule chats, widgets and internal chat route by."""

import pytest

from departments.selectors import department_ids_monitored_by_any, monitored_department_ids
from tests.factories import DepartmentFactory, MembershipFactory, OperatorFactory

pytestmark = pytest.mark.django_db


def test_an_operator_monitors_only_active_departments_with_monitoring_on():
    operator = OperatorFactory()
    reference = MembershipFactory(operator=operator).department
    MembershipFactory(operator=operator, monitoring=False)
    MembershipFactory(operator=operator, department=DepartmentFactory(active=False))
    MembershipFactory()  # someone else's department

    assert monitored_department_ids(operator=operator) == [reference.pk]


def test_departments_monitored_by_any_of_several_operators(django_assert_num_queries):
    alice, bob, carol = OperatorFactory.create_batch(3)
    reference = MembershipFactory(operator=alice).department
    MembershipFactory(operator=bob, department=reference)
    archives = MembershipFactory(operator=bob).department
    MembershipFactory(operator=carol)

    with django_assert_num_queries(1):
        assert department_ids_monitored_by_any(operator_ids={alice.pk, bob.pk}) == {
            reference.pk,
            archives.pk,
        }
    with django_assert_num_queries(0):
        assert department_ids_monitored_by_any(operator_ids=set()) == set()
