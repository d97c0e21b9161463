"""The meetings admin: who took part, for how long, and the patron chat of a screenshare."""

from datetime import timedelta

import pytest
from django.urls import reverse

from chats import services as chat_services
from meetings import services
from meetings.models import Meeting
from tests.chats.people import desk, start
from tests.factories import OperatorFactory

pytestmark = pytest.mark.django_db


def test_a_patron_screenshare_links_to_its_chat_and_lists_the_patron(client):
    d = desk()
    chat, _ = start(d.widget, name="Ada")
    chat_services.chat_claim(chat=chat, operator=d.operators[0])
    meeting = services.patron_screenshare_offer(operator=d.operators[0], chat_id=chat.pk)
    services.meeting_join(meeting=meeting, patron_chat=chat, channel_name="patron-channel")
    client.force_login(OperatorFactory(is_staff=True, is_superuser=True))
    chat_url = reverse("admin:chats_patronchat_change", args=[chat.pk])

    listing = client.get(reverse("admin:meetings_meeting_changelist")).content.decode()
    assert "Screenshare with Ada" in listing and "Patron screenshare" in listing
    assert f'<a href="{chat_url}">Chat {chat.pk} (Active)</a>' in listing

    services.meeting_end(meeting=meeting)
    meeting.refresh_from_db()
    Meeting.objects.filter(pk=meeting.pk).update(
        ended_at=meeting.started_at + timedelta(seconds=17.058959)
    )
    listing = client.get(reverse("admin:meetings_meeting_changelist")).content.decode()
    assert '<td class="field-duration">17 s</td>' in listing and "0:00:17" not in listing

    page = client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))
    assert page.status_code == 200
    assert f'<a href="{chat_url}">Chat {chat.pk} (Active)</a>' in page.content.decode()
    assert "Ada" in page.content.decode()  # the patron among the participants
