"""An install from before systems: the migration puts everything into one default system."""

import pytest

from tests.migrating import migrate, migrate_to_latest

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("back_to_latest")]

BEFORE = [
    ("accounts", "0006_operator_language"),
    ("departments", "0002_sign_off_times"),
    ("widgets", "0010_widget_texts"),
    ("faqs", "0001_initial"),
    ("canned", "0001_initial"),
    ("internalchat", "0003_search_and_mentions"),
]


def test_everything_existing_joins_the_default_system_with_its_all_staff_room():
    old = migrate(BEFORE)
    Operator = old.get_model("accounts", "Operator")
    Department = old.get_model("departments", "Department")
    alice = Operator.objects.create(username="alice", is_operator=True, language="browser")
    reference = Department.objects.create(name="Reference", slug="reference")
    widget = old.get_model("widgets", "Widget").objects.create(
        name="Main", first_department=reference
    )
    group = old.get_model("faqs", "FaqGroup").objects.create(name="Hours")
    reply = old.get_model("canned", "CannedReply").objects.create(
        title="Hello", shortcut="hi", body="Hello!"
    )
    room, _ = old.get_model("internalchat", "Room").objects.get_or_create(kind="all_staff")

    migrate_to_latest()

    from accounts.models import Operator
    from canned.models import CannedReply
    from departments.models import Department
    from faqs.models import FaqGroup
    from internalchat.models import Room
    from systems.models import System
    from widgets.models import Widget

    system = System.objects.get(slug="library")
    assert (system.name, system.slug) == ("Library", "library")
    assert Operator.objects.get(pk=alice.pk).system_id == system.pk
    assert Department.objects.get(pk=reference.pk).system_id == system.pk
    assert Widget.objects.get(pk=widget.pk).system_id == system.pk
    assert FaqGroup.objects.get(pk=group.pk).system_id == system.pk
    assert CannedReply.objects.get(pk=reply.pk).system_id == system.pk
    assert Room.objects.get(pk=room.pk).system_id == system.pk
