"""Internal chat with two library systems on one server: each its own All Staff and lists;
one to one across systems only within a co-op."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from internalchat import selectors, services
from internalchat.models import Room
from tests.factories import (
    CoopMembershipFactory,
    MembershipFactory,
    OperatorFactory,
    SystemFactory,
)
from tests.systems.test_coop import coop_libraries

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


def _section(page: str, title: str) -> str:
    """The internal chat list under the heading `title`, up to the next heading."""
    start = page.index(f">{title}</h3>")
    return page[start : page.index("<h3", start)]


def test_coop_partners_are_listed_under_their_system_and_a_click_opens_the_chat(client):
    people = coop_libraries()
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    OperatorFactory(system=SystemFactory(name="Cobham Libraries"), display_name="Cy of Cobham")
    client.force_login(alice)
    page = client.get(reverse("internalchat:tab")).content.decode()
    partners = _section(page, "Bexley Libraries")
    assert f'data-direct-operator="{bob.pk}"' in partners
    assert f'data-direct-operator="{carol.pk}"' in partners
    assert "Bob of Bexley" in partners and "Carol of Bexley" in partners
    assert "Bob of Bexley" not in _section(page, "Operators")
    # A system that shares no co-op with Avon is not listed at all.
    assert "Cobham" not in page

    opened = client.post(reverse("internalchat:direct", args=[bob.pk]))
    assert opened.status_code == 200
    room_id = opened.json()["room"]["id"]
    services.message_send(
        room=Room.objects.get(pk=room_id), sender=bob, body="Hello Avon", client_msg_id="b1"
    )
    # Bob's list names Alice under Avon, with the room and its unread message.
    client.force_login(bob)
    page = client.get(reverse("dashboard:chats")).content.decode()
    assert f'data-room-id="{room_id}"' in _section(page, "Avon Libraries")
    alice_page = Client()
    alice_page.force_login(alice)
    listed = _section(
        alice_page.get(reverse("dashboard:chats")).content.decode(), "Bexley Libraries"
    )
    assert f'data-room-id="{room_id}"' in listed and "1 unread" in listed


def test_the_rail_keeps_to_colleagues_and_a_single_library_sees_no_partner_list(
    two_systems, client
):
    a, b, alice, anna, bob = two_systems
    client.force_login(alice)
    page = client.get(reverse("dashboard:chats")).content.decode()
    assert "Bexley Libraries" not in page
    membership = CoopMembershipFactory(system=a)
    CoopMembershipFactory(coop=membership.coop, system=b)
    page = client.get(reverse("dashboard:chats")).content.decode()
    assert "Bob of Bexley" in _section(page, "Bexley Libraries")
    # With Internal Chat on its own tab, the Chats tab's rail lists colleagues only.
    alice.show_internal_tab = True
    alice.save(update_fields=["show_internal_tab"])
    page = client.get(reverse("dashboard:chats")).content.decode()
    assert "Bexley Libraries" not in page
    page = client.get(reverse("internalchat:tab")).content.decode()
    assert "Bob of Bexley" in _section(page, "Bexley Libraries")
    page = client.get(reverse("dashboard:chats")).content.decode()
    rail = page[page.index('id="operators-title"') : page.index('id="console-main"')]
    assert "Anna of Avon" in rail and "Bob of Bexley" not in rail


@pytest.mark.parametrize("partners", [1, 20])
def test_the_pages_cost_the_same_with_or_without_coop_partners(
    two_systems, client, django_assert_num_queries, partners
):
    a, b, alice, anna, bob = two_systems
    client.force_login(alice)
    costs = {}
    for url in (reverse("dashboard:chats"), reverse("internalchat:tab")):
        with CaptureQueriesContext(connection) as alone:
            client.get(url)
        costs[url] = len(alone.captured_queries)
    membership = CoopMembershipFactory(system=a)
    CoopMembershipFactory(coop=membership.coop, system=b)
    for _ in range(partners):
        OperatorFactory(system=b)
    for url, cost in costs.items():
        with django_assert_num_queries(cost):
            page = client.get(url).content.decode()
        assert "Bob of Bexley" in _section(page, "Bexley Libraries")
