"""Internal chat with two library systems on one server: each its own All Staff and lists;
one to one across systems only within a co-op."""

import pytest
from django.urls import reverse

from internalchat import selectors, services
from internalchat.models import Room
from tests.factories import (
    CoopMembershipFactory,
    MembershipFactory,
    OperatorFactory,
    SystemFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_systems():
    a, b = SystemFactory(name="Avon Libraries"), SystemFactory(name="Bexley Libraries")
    alice = OperatorFactory(system=a, display_name="Alice of Avon", is_staff=True)
    anna = OperatorFactory(system=a, display_name="Anna of Avon")
    bob = OperatorFactory(system=b, display_name="Bob of Bexley", is_staff=True)
    for operator in (alice, anna, bob):
        services.rooms_ensure_for(operator=operator)
    return a, b, alice, anna, bob


def test_each_system_has_its_own_all_staff_room_and_members(two_systems):
    a, b, alice, anna, bob = two_systems
    alice_staff = Room.objects.get(kind=Room.Kind.ALL_STAFF, system=a)
    bob_staff = Room.objects.get(kind=Room.Kind.ALL_STAFF, system=b)
    assert alice_staff != bob_staff
    assert alice_staff in selectors.rooms_for(operator=alice)
    assert bob_staff not in selectors.rooms_for(operator=alice)
    assert sorted(selectors.room_member_ids(room=alice_staff)) == sorted([alice.pk, anna.pk])
    assert selectors.room_member_ids(room=bob_staff) == [bob.pk]
    assert selectors.room_for_member(operator=bob, room_id=alice_staff.pk) is None


def test_a_message_to_all_staff_reaches_only_its_system(two_systems):
    a, _, alice, _, bob = two_systems
    room = Room.objects.get(kind=Room.Kind.ALL_STAFF, system=a)
    services.message_send(room=room, sender=alice, body="Avon only", client_msg_id="m1")
    counts = {c.room["id"]: c.unread for c in selectors.unread_counts(operator=bob)}
    assert room.pk not in counts
    with pytest.raises(services.RoomRefused):
        services.message_send(room=room, sender=bob, body="Hi Avon", client_msg_id="m2")


def test_the_lists_show_only_the_operators_own_system(two_systems, client):
    a, b, alice, anna, bob = two_systems
    MembershipFactory(operator=alice, department__system=a, department__name="Avon Reference")
    MembershipFactory(operator=bob, department__system=b, department__name="Bexley Reference")
    sidebar = selectors.sidebar_for(operator=alice)
    assert [o.row.name for o in sidebar.operators] == ["Anna of Avon"]
    assert [d.name for d in sidebar.departments] == ["Avon Reference"]
    client.force_login(alice)
    page = client.get(reverse("dashboard:chats")).content.decode()
    assert "Anna of Avon" in page
    assert "Bob of Bexley" not in page and "Bexley Reference" not in page
    mentionable = selectors.room_mentionable(
        room=Room.objects.get(kind=Room.Kind.ALL_STAFF, system=a), operator=alice
    )
    assert [d["name"] for d in mentionable["departments"]] == ["Avon Reference"]
    assert {o["name"] for o in mentionable["operators"]} == {"Alice of Avon", "Anna of Avon"}


def test_one_to_one_across_systems_needs_a_shared_coop(two_systems, client):
    a, b, alice, _, bob = two_systems
    client.force_login(alice)
    refused = client.post(reverse("internalchat:direct", args=[bob.pk]))
    assert refused.status_code == 400
    assert refused.json() == {
        "code": "other_system",
        "message": "Bob of Bexley works for another library system, which shares no co-op "
        "with yours.",
    }
    assert not Room.objects.filter(kind=Room.Kind.DIRECT).exists()

    membership = CoopMembershipFactory(system=a)
    CoopMembershipFactory(coop=membership.coop, system=b)
    opened = client.post(reverse("internalchat:direct", args=[bob.pk]))
    assert opened.status_code == 200
    assert opened.json()["room"]["operator_ids"] == sorted([alice.pk, bob.pk])
