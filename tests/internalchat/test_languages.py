"""LibChat's own lines in an internal room (a meeting's start and end) are stored as what
happened and the names in it, and each member reads them in their own language: in the history,
and live, whatever language their socket speaks (Settings, or the browser it opened with)."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone, translation

from accounts.models import Operator
from internalchat import selectors
from internalchat.models import Message
from meetings.models import Meeting
from meetings.services import meeting_end, meeting_start
from tests.live import dashboard_socket, receive_event

pytestmark = pytest.mark.django_db(transaction=True)


def _languages(alice, bob):
    alice.language = "fr"
    alice.save(update_fields=["language"])
    bob.language = Operator.FOLLOW_BROWSER
    bob.save(update_fields=["language"])


def _start(room, host, invitee):
    return meeting_start(
        host=host, invitees=[invitee], kind=Meeting.Kind.GROUP, title="Atelier", room=room
    )


def test_a_meetings_lines_are_stored_as_what_happened_in_english_and_read_in_the_readers(
    reference,
):
    room, alice, bob, _eve = reference
    meeting = _start(room, alice, bob)
    Meeting.objects.filter(pk=meeting.pk).update(started_at=timezone.now() - timedelta(seconds=65))
    meeting.refresh_from_db()
    meeting_end(meeting=meeting)
    started, ended = Message.objects.filter(room=room).order_by("pk")
    assert (started.line, started.line_args) == ("meeting_started", {"title": "Atelier"})
    assert ended.line == "meeting_ended" and ended.line_args["title"] == "Atelier"
    assert 65 <= ended.line_args["seconds"] <= 67
    # The table keeps English, for search and exports.
    assert started.body_text == "Started Atelier."
    assert ended.body_text.startswith("Atelier ended after 1 min ")
    bodies = {}
    for language in ("en", "fr", "es"):
        with translation.override(language):
            bodies[language] = [m["body"] for m in selectors.room_history(room=room).messages]
    assert bodies["en"][0] == "Started Atelier."
    assert bodies["fr"][0] == "Début de Atelier."
    assert bodies["es"][0] == "Inicio de Atelier."
    assert bodies["fr"][1].startswith("Fin de Atelier après 1 min ")
    assert bodies["es"][1].startswith("Fin de Atelier tras 1 min ")


def test_a_title_that_looks_like_markup_stays_text(reference):
    room, alice, bob, _eve = reference
    meeting_start(
        host=alice, invitees=[bob], kind=Meeting.Kind.GROUP, title="<b>Atelier</b>", room=room
    )
    with translation.override("fr"):
        body = selectors.room_history(room=room).messages[0]["body"]
    assert body == "Début de &lt;b&gt;Atelier&lt;/b&gt;."


async def test_each_members_socket_hears_the_line_in_its_own_language(reference):
    room, alice, bob, _eve = reference
    await database_sync_to_async(_languages)(alice, bob)
    french, ok, _ = await dashboard_socket(alice, accept_language="en-US,en")
    assert ok
    spanish, ok, _ = await dashboard_socket(bob, accept_language="es-MX,es;q=0.9")
    assert ok
    english, ok, _ = await dashboard_socket(bob, accept_language="en-GB")
    assert ok
    await database_sync_to_async(_start)(room, alice, bob)
    heard = [
        (await receive_event(socket, "room.message"))["message"]["body"]
        for socket in (french, spanish, english)
    ]
    assert heard == ["Début de Atelier.", "Inicio de Atelier.", "Started Atelier."]
    for socket in (french, spanish, english):
        await socket.disconnect()


async def test_a_members_own_message_is_sent_as_typed_to_every_socket(reference):
    room, alice, bob, _eve = reference
    await database_sync_to_async(_languages)(alice, bob)
    spanish, ok, _ = await dashboard_socket(bob, accept_language="es")
    assert ok
    await spanish.send_json_to(
        {"action": "room.send", "room_id": room.pk, "body": "Hola", "client_msg_id": "c1"}
    )
    heard = await receive_event(spanish, "room.message")
    assert "Hola" in heard["message"]["body"]
    await spanish.disconnect()
