"""A patron screenshare forgets the patron's name when the retention setting anonymises its chat."""

import pytest

from chats.services import patron_retention_run
from meetings.models import Meeting, Participant
from tests.chats.people import desk
from tests.chats.test_retention import full_chat, retention_set

pytestmark = pytest.mark.django_db


def test_an_anonymised_chats_screenshare_no_longer_names_the_patron(
    django_capture_on_commit_callbacks,
):
    d = desk(operators=1)
    chat = full_chat(d, days=40, file=False)
    kept = full_chat(d, days=5, file=False)
    meetings = {
        c.pk: Meeting.objects.create(
            kind=Meeting.Kind.PATRON,
            title="Screenshare with Ada Lovelace",
            host=d.operators[0],
            patron_chat=c,
        )
        for c in (chat, kept)
    }
    for c in (chat, kept):
        Participant.objects.create(
            meeting=meetings[c.pk], patron_chat=c, display_name="Ada Lovelace"
        )
    retention_set(anonymise=30)

    with django_capture_on_commit_callbacks(execute=True):
        assert patron_retention_run().chats_anonymised == 1

    gone = Meeting.objects.get(patron_chat=chat)
    assert gone.title == "Screenshare with the patron"
    assert Participant.objects.get(patron_chat=chat).display_name == "Patron"
    assert Meeting.objects.get(patron_chat=kept).title == "Screenshare with Ada Lovelace"
    assert Participant.objects.get(patron_chat=kept).display_name == "Ada Lovelace"
