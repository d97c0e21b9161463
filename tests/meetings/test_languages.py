"""What LibChat writes for a meeting speaks the language of the operator who causes it: the
titles it gives meetings, and the invitation a guest is emailed."""

import pytest
from django.urls import reverse

from internalchat.services import room_direct_get_or_create
from meetings import services
from meetings.models import Meeting
from tests.factories import DepartmentRoomFactory, MembershipFactory, OperatorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reference():
    room = DepartmentRoomFactory(department__name="Référence")
    alice = OperatorFactory(display_name="Alice", language="fr")
    bob = OperatorFactory(display_name="Bob", language="es")
    for operator in (alice, bob):
        MembershipFactory(department=room.department, operator=operator)
    return room, alice, bob


def test_a_meeting_started_from_a_room_is_titled_in_the_hosts_language(client, reference):
    room, alice, _bob = reference
    client.force_login(alice)
    client.post(reverse("meetings:start"), {"room": room.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert Meeting.objects.get().title == "Réunion Référence"


def test_a_screenshare_between_two_operators_is_titled_in_the_hosts_language(client, reference):
    _room, alice, bob = reference
    direct = room_direct_get_or_create(operator=bob, other=alice)
    client.force_login(bob)
    client.post(reverse("meetings:start"), {"room": direct.pk})
    assert Meeting.objects.get().title == "Pantalla compartida: Bob y Alice"


def test_the_guests_invitation_is_in_the_inviting_operators_language(
    client, reference, mailoutbox, django_capture_on_commit_callbacks
):
    room, alice, bob = reference
    meeting = services.meeting_start(
        host=bob, invitees=[alice], kind=Meeting.Kind.GROUP, title="Réunion Référence", room=room
    )
    services.meeting_join(meeting=meeting, operator=alice, channel_name="alice")
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("meetings:invite", args=[meeting.pk]),
            {"email": "pat@example.org"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.json()["message"] == "Invitation envoyée."
    (email,) = mailoutbox
    assert email.subject == "Invitation : Réunion Référence"
    assert email.body.startswith("Alice vous invite à rejoindre « Réunion Référence »")
    assert "Rejoindre : http://testserver/meetings/join/" in email.body
    assert "24 heures" in email.body
