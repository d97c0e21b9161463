"""Rooms from before LibChat's lines were stored by kind: their meeting lines are recognised, and
the search index survives the migration."""

import importlib

import pytest
from django.apps import apps
from django.utils import translation

from internalchat import selectors, services
from internalchat.models import Message
from tests.migrating import migrate, migrate_to_latest

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("back_to_latest")]

recognise = importlib.import_module("internalchat.migrations.0004_system_line_kinds")


def _posted(room, sender, client_msg_id, text):
    return Message.objects.create(
        room=room, sender=sender, body=text, body_text=text, client_msg_id=client_msg_id
    )


def test_a_meetings_older_lines_are_recognised_so_they_read_in_each_language(reference):
    room, alice, _bob, _eve = reference
    started = _posted(room, alice, "meeting-7-start", "Started Reference meeting.")
    ended = _posted(room, alice, "meeting-7-end", "Reference meeting ended after 1 h 5 min.")
    short = _posted(room, alice, "meeting-8-end", "Reference meeting ended after 2 min 47 s.")
    # Typed by a person, or an unknown shape: left as written.
    typed = _posted(room, alice, "c-1", "Started Reference meeting.")
    odd = _posted(room, alice, "meeting-9-end", "Something else.")

    recognise.lines_recognise(apps, None)

    lines = dict(Message.objects.values_list("pk", "line_args"))
    assert lines[started.pk] == {"title": "Reference meeting"}
    assert lines[ended.pk] == {"title": "Reference meeting", "seconds": 3900}
    assert lines[short.pk] == {"title": "Reference meeting", "seconds": 167}
    assert lines[typed.pk] == {} and lines[odd.pk] == {}
    with translation.override("fr"):
        read = [m["body"] for m in selectors.room_history(room=room).messages]
    assert read == [
        "Début de Reference meeting.",
        "Fin de Reference meeting après 1 h 5 min.",
        "Fin de Reference meeting après 2 min 47 s.",
        "Started Reference meeting.",
        "Something else.",
    ]


def test_the_search_index_keeps_working_across_the_migration(reference):
    room, alice, _bob, _eve = reference
    migrate([("internalchat", "0003_search_and_mentions")])
    migrate_to_latest()
    services.message_send(room=room, sender=alice, body="Interlibrary loans", client_msg_id="c-2")
    found = selectors.message_search(operator=alice, query="interlibrary")
    assert [r["message_id"] for r in found] == [Message.objects.get(client_msg_id="c-2").pk]
