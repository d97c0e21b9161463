"""@mentions: stored as references to operators, refused where not allowed, rendered with the
name of the moment, announced to the mentioned, and a Mentions list for each operator only."""

import itertools

import pytest
from django.urls import reverse

from internalchat import selectors, services
from internalchat.models import Mention, Message
from tests.factories import DepartmentRoomFactory, MembershipFactory, OperatorFactory

_ids = itertools.count()


def _send(room, sender, body):
    return services.message_send(
        room=room, sender=sender, body=body, client_msg_id=f"m{next(_ids)}"
    )


def test_a_mention_is_stored_as_a_reference_and_shows_the_name_of_the_moment(reference):
    room, alice, bob, _ = reference
    message = _send(room, alice, f"Ask <b>@{{o:{bob.pk}}}</b> about it")
    (mention,) = Mention.objects.filter(message=message)
    assert mention.operator == bob and mention.read_at is None
    assert message.body_text == "Ask @Bob about it"
    bob.display_name = "Robert"
    bob.save()
    (shown,) = selectors.room_history(room=room).messages
    assert shown["mentions"] == {f"o:{bob.pk}": "Robert"}
    assert shown["mentioned_ids"] == [bob.pk]
    assert f"@{{o:{bob.pk}}}" in shown["body"]  # the page puts the name into the text
    assert selectors.mentions_for(operator=bob)[0]["message_id"] == message.pk


def test_a_mention_of_someone_not_in_the_room_is_refused_and_nothing_is_stored(reference):
    room, alice, bob, eve = reference
    MembershipFactory(department=room.department, operator=OperatorFactory(display_name="Carol"))
    direct = services.room_direct_get_or_create(operator=alice, other=bob)
    for target, body in (
        (room, f"hi @{{o:{eve.pk}}}"),
        (direct, f"hi @{{o:{eve.pk}}}"),
        (room, "hi @{o:999999}"),
        (direct, f"hi @{{d:{room.department_id}}}"),  # Carol, of Reference, is not here
    ):
        with pytest.raises(services.MentionRefused) as refused:
            _send(target, alice, body)
        assert refused.value.code in {"mention_not_in_room", "mention_unknown"}
    assert not Message.objects.exists() and not Mention.objects.exists()


def test_a_department_mention_mentions_each_of_its_members(reference):
    room, alice, bob, _ = reference
    carol = OperatorFactory(display_name="Carol")
    MembershipFactory(department=room.department, operator=carol)
    message = _send(room, alice, f"@{{d:{room.department_id}}} meeting at 3")
    rows = {m.operator_id: m for m in Mention.objects.filter(message=message)}
    assert set(rows) == {alice.pk, bob.pk, carol.pk}
    assert rows[alice.pk].read_at is not None  # the sender is not told of their own mention
    assert message.body_text == "@Reference meeting at 3"
    (shown,) = selectors.room_history(room=room).messages
    assert shown["mentions"][f"d:{room.department_id}"] == "Reference"
    assert selectors.mentions_for(operator=alice) == []
    assert [m["message_id"] for m in selectors.mentions_for(operator=carol)] == [message.pk]


def test_mentions_in_all_staff_are_for_admins_only(reference):
    _, alice, bob, _ = reference
    all_staff = services.room_all_staff_get_or_create()
    with pytest.raises(services.MentionRefused) as refused:
        _send(all_staff, alice, f"@{{o:{bob.pk}}} hello")
    assert refused.value.code == "mention_forbidden"
    assert not Message.objects.exists()
    admin = OperatorFactory(display_name="Admin", is_staff=True)
    message = _send(all_staff, admin, f"@{{o:{bob.pk}}} hello")
    assert Mention.objects.get(message=message).operator == bob
    # Without a mention anyone still posts there.
    _send(all_staff, alice, "no mention here")


def test_a_token_inside_a_link_address_is_not_a_mention(reference):
    room, alice, bob, _ = reference
    message = _send(room, alice, f'<a href="https://x.example/@{{o:{bob.pk}}}">link</a>')
    assert not Mention.objects.filter(message=message).exists()


def test_the_mentions_list_is_unread_first_and_marks_only_ones_own(reference):
    room, alice, bob, _ = reference
    first = _send(room, alice, f"@{{o:{bob.pk}}} one")
    second = _send(room, alice, f"@{{o:{bob.pk}}} two")
    to_alice = _send(room, bob, f"@{{o:{alice.pk}}} three")
    (first_mention,) = Mention.objects.filter(message=first)
    assert services.mention_mark_read(operator=bob, mention_ids=[first_mention.pk]) == 1
    listed = selectors.mentions_for(operator=bob)
    assert [(m["message_id"], m["unread"]) for m in listed] == [
        (second.pk, True),
        (first.pk, False),
    ]
    # Alice cannot mark Bob's mention read, nor see it.
    (second_mention,) = Mention.objects.filter(message=second)
    assert services.mention_mark_read(operator=alice, mention_ids=[second_mention.pk]) == 0
    assert Mention.objects.get(pk=second_mention.pk).read_at is None
    assert [m["message_id"] for m in selectors.mentions_for(operator=alice)] == [to_alice.pk]


def test_the_mentions_endpoint_lists_only_the_asking_operators_mentions(reference, client):
    room, alice, bob, eve = reference
    _send(room, alice, f"@{{o:{bob.pk}}} one")
    url = reverse("internalchat:mentions")
    client.force_login(bob)
    assert len(client.get(url).json()["mentions"]) == 1
    client.force_login(eve)
    assert client.get(url).json()["mentions"] == []
    client.force_login(alice)
    assert client.get(url).json()["mentions"] == []


def test_a_mention_in_a_room_one_has_left_leaves_the_list(reference):
    room, alice, bob, _ = reference
    _send(room, alice, f"@{{o:{bob.pk}}} one")
    bob.memberships.all().delete()
    assert selectors.mentions_for(operator=bob) == []


def test_the_mentions_list_costs_one_query(reference, django_assert_num_queries):
    room, alice, bob, _ = reference
    other = DepartmentRoomFactory(department__name="Systems", department__slug="systems")
    MembershipFactory(department=other.department, operator=alice)
    MembershipFactory(department=other.department, operator=bob)
    direct = services.room_direct_get_or_create(operator=alice, other=bob)
    for target in (room, other, direct, room):
        _send(target, alice, f"@{{o:{bob.pk}}} look")
    with django_assert_num_queries(1):
        assert len(selectors.mentions_for(operator=bob)) == 4


def test_history_around_a_message_and_after_it(reference):
    room, alice, _, _ = reference
    ids = [_send(room, alice, f"message {i}").pk for i in range(120)]
    window = selectors.room_history_around(room=room, message_id=ids[60])
    shown = [m["id"] for m in window.messages]
    assert shown == ids[35:86] and window.has_more and window.has_newer
    after = selectors.room_history_after(room=room, after_id=shown[-1])
    assert [m["id"] for m in after.messages] == ids[86:120] and not after.has_newer
    edge = selectors.room_history_around(room=room, message_id=ids[2])
    assert [m["id"] for m in edge.messages] == ids[:28] and not edge.has_more
    assert edge.has_newer


def test_the_history_endpoint_opens_around_a_message_and_refuses_bad_ids(reference, client):
    room, alice, _, eve = reference
    ids = [_send(room, alice, f"message {i}").pk for i in range(60)]
    url = reverse("internalchat:history", args=[room.pk])
    client.force_login(alice)
    page = client.get(url, {"around": ids[10]}).json()
    assert page["messages"][0]["id"] == ids[0] and page["has_newer"] and not page["has_more"]
    assert client.get(url, {"after": ids[50]}).json()["has_newer"] is False
    for bad in ({"around": "x"}, {"around": ids[1], "before": ids[2]}, {"after": "-1"}):
        assert client.get(url, bad).status_code == 400
    client.force_login(eve)
    assert client.get(url, {"around": ids[10]}).status_code == 403
