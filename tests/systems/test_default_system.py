"""A single-library install names no system: new objects join the default one."""

import pytest
from django.db import IntegrityError, transaction

from canned import services as canned_services
from departments.models import Department
from faqs.models import FaqGroup
from systems.models import System
from systems.selectors import default_system, systems_share_coop
from tests.factories import (
    CoopMembershipFactory,
    DepartmentFactory,
    OperatorFactory,
    SystemFactory,
    WidgetFactory,
)

pytestmark = pytest.mark.django_db


def test_new_objects_without_a_system_join_the_default_one():
    library = default_system()
    assert library.slug == "library"
    operator = OperatorFactory()
    department = DepartmentFactory()
    widget = WidgetFactory(first_department=department)
    group = FaqGroup.objects.create(name="Hours")
    reply = canned_services.canned_reply_create(title="Hi", body="Hello!", shortcut="hi")
    assert {o.system_id for o in (operator, department, widget, group, reply)} == {library.pk}
    assert System.objects.count() == 1


def test_objects_of_a_named_system_stay_there_and_names_repeat_across_systems():
    branch = SystemFactory()
    DepartmentFactory(name="Reference")
    other = DepartmentFactory(name="Reference", system=branch)
    assert other.system_id == branch.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Department.objects.create(name="Reference", slug="reference-again", system=branch)


def test_a_reply_shared_with_everyone_takes_its_system_and_shortcuts_repeat_across_systems():
    branch = SystemFactory()
    mine = canned_services.canned_reply_create(title="Hours", body="9 to 5", shortcut="hours")
    theirs = canned_services.canned_reply_create(
        title="Hours", body="10 to 6", shortcut="hours", system=branch
    )
    assert (mine.system_id, theirs.system_id) == (default_system().pk, branch.pk)
    with pytest.raises(canned_services.CannedReplyRefused):
        canned_services.canned_reply_create(
            title="Hours again", body="8 to 4", shortcut="hours", system=branch
        )


def test_two_systems_share_a_coop_only_when_both_are_members():
    a, b, c = SystemFactory(), SystemFactory(), SystemFactory()
    membership = CoopMembershipFactory(system=a)
    CoopMembershipFactory(coop=membership.coop, system=b)
    assert systems_share_coop(system_id=a.pk, other_id=b.pk)
    assert not systems_share_coop(system_id=a.pk, other_id=c.pk)
    assert systems_share_coop(system_id=c.pk, other_id=c.pk)
