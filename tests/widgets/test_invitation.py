"""The widget's invitation as the embed script carries it, and its limits in the admin."""

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import WidgetFactory

pytestmark = pytest.mark.django_db


def config(client, widget) -> dict:
    response = client.get(reverse("widgets:embed", args=[widget.pk]), follow=True)
    return json.loads(re.search(r"var config = (\{.*?\});", response.content.decode())[1])


def test_the_embed_script_invites_after_the_seconds_set_and_only_with_words_to_say(client):
    assert config(client, WidgetFactory())["inviteAfter"] == 0  # off by default
    assert config(client, WidgetFactory(invite_after_seconds=45))["inviteAfter"] == 45
    silent = WidgetFactory(invite_after_seconds=45, invite_message="  ")
    assert config(client, silent)["inviteAfter"] == 0  # nothing to say: no invitation


def test_the_invitation_is_shown_in_the_chat_page_as_a_live_region(client):
    widget = WidgetFactory(invite_after_seconds=10, invite_message='Need a "hand"?')
    page = client.get(reverse("widgets:frame", args=[widget.pk])).content.decode()
    assert (
        'id="invitation" class="invitation" role="status" data-text="Need a &quot;hand&quot;?"'
        in page
    )


def test_an_invitation_after_more_than_an_hour_is_refused():
    with pytest.raises(ValidationError, match="invite_after_seconds"):
        WidgetFactory.build(invite_after_seconds=3601).full_clean(exclude=["first_department"])
