"""The meeting pages: where each leads once the meeting is over for its reader."""

import secrets
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from libchat.core.tokens import secret_hash
from meetings import services
from meetings.models import GuestInvite, Meeting
from tests.factories import OperatorFactory

pytestmark = pytest.mark.django_db

BACK = "Back to the dashboard"
CLOSING = "You can close this page."


@pytest.fixture
def meeting():
    host, other = OperatorFactory.create_batch(2)
    return services.meeting_start(
        host=host, invitees=[other], kind=Meeting.Kind.GROUP, title="Reference meeting"
    )


def guest_link(meeting) -> str:
    token = secrets.token_urlsafe(32)
    GuestInvite.objects.create(
        meeting=meeting,
        email="guest@example.org",
        token_hash=secret_hash(token),
        invited_by=meeting.host,
        expires_at=timezone.now() + timedelta(hours=1),
    )
    return reverse("meetings:join", args=[token])


def test_staff_pages_lead_back_to_the_dashboard(client, meeting):
    client.force_login(meeting.host)
    page = client.get(reverse("meetings:room", args=[meeting.pk])).content.decode()
    assert BACK in page and CLOSING not in page  # shown once the meeting is over
    services.meeting_end(meeting=meeting)
    ended = client.get(reverse("meetings:room", args=[meeting.pk]))
    assert ended.status_code == 410 and BACK in ended.content.decode()


def test_guest_pages_end_on_a_closing_sentence_not_a_dashboard_they_do_not_have(client, meeting):
    link = guest_link(meeting)
    room = client.post(link, {"display_name": "Pat Guest"}).content.decode()
    assert CLOSING in room and BACK not in room

    forged = client.get(reverse("meetings:join", args=["not-a-real-token"]))
    services.meeting_end(meeting=meeting)
    ended = client.get(link)
    for response, status, message in (
        (forged, 404, "This invitation link is not valid."),
        (ended, 410, "This meeting has ended."),
    ):
        page = response.content.decode()
        assert response.status_code == status and message in page
        assert CLOSING in page and BACK not in page


def test_a_guest_invited_to_a_one_to_one_screenshare_reads_who_the_meeting_is_with(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    bob = OperatorFactory(display_name="Bob Circulation")
    alice = OperatorFactory(display_name="Alice Reference")
    screenshare = services.meeting_start(
        host=bob,
        invitees=[alice],
        kind=Meeting.Kind.DIRECT,
        title="Screenshare: Bob Circulation and Alice Reference",
    )
    services.meeting_join(meeting=screenshare, operator=alice, channel_name="alice")
    links = []
    with django_capture_on_commit_callbacks(execute=True):
        services.guest_invite_create(
            meeting=screenshare,
            inviter=alice,
            email="pat@example.org",
            join_url_for=lambda token: links.append(reverse("meetings:join", args=[token])),
        )
    title = "Meeting with Bob Circulation and Alice Reference"
    (email,) = mailoutbox
    assert email.subject == f"Invitation: {title}"
    assert f'Alice Reference invites you to join "{title}"' in email.body
    assert "Screenshare:" not in email.subject + email.body
    join = client.get(links[0]).content.decode()
    assert f"<title>Join {title}" in join and f"<h1>{title}</h1>" in join
    room = client.post(links[0], {"display_name": "Pat"}).content.decode()
    assert f"<title>{title}" in room and "Screenshare:" not in room
    # Staff keep their own title.
    client.force_login(alice)
    staff = client.get(reverse("meetings:room", args=[screenshare.pk])).content.decode()
    assert "Screenshare: Bob Circulation and Alice Reference" in staff
