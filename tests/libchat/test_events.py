"""The event catalogue, its check, and the check of every frame the suite's consumers send."""

import json
import re
from pathlib import Path

import pytest
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from libchat.core.events import EVENTS, EventMismatch, event_check
from libchat.core.live import LiveEvents

ROOT = Path(__file__).resolve().parents[2]


def test_a_catalogued_frame_passes_with_extra_fields():
    event_check({"event": "chat.typing", "chat_id": 3, "operator": "Ada"})
    event_check({"event": "chat.unqueued", "chat_id": 3, "claimed_by": None, "claimed_by_id": None,
                 "at": 1.0, "extra": "kept"})  # fmt: skip


def test_an_unknown_event_fails():
    with pytest.raises(EventMismatch, match="Unknown event 'meeting_joined'"):
        event_check({"event": "meeting_joined", "meeting": 1})


def test_a_missing_field_fails():
    with pytest.raises(EventMismatch, match="lacks its field 'chat_id'"):
        event_check({"event": "chat.message", "message": {"body": "Hi"}})


def test_a_mistyped_field_fails():
    with pytest.raises(EventMismatch, match="chat_id"):
        event_check({"event": "chat.ended", "chat_id": "3", "message": "Ended."})
    with pytest.raises(EventMismatch, match="participant"):
        event_check({"event": "participant.left", "meeting": 1, "participant": True})


def test_a_frame_without_an_event_fails():
    with pytest.raises(EventMismatch):
        event_check({"action": "pong"})


def test_names_are_one_style():
    # noun.verb, or one of the three bare frames every socket shares
    for name in EVENTS:
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", name) or name in {"hello", "ping", "error"}, name


async def test_the_suite_records_each_frame_a_consumer_sends_outside_the_catalogue(
    event_mismatches,
):
    class Consumer(LiveEvents, AsyncJsonWebsocketConsumer):
        pass

    consumer, sent = Consumer(), []

    async def base_send(message):
        sent.append(message)

    consumer.base_send = base_send
    await consumer.send_json({"event": "widget_status", "online": True})
    await consumer.live_event({"type": "live.event", "text": json.dumps({"event": "chat.queue"})})
    await consumer.send_json({"event": "widget.status", "online": True})
    assert len(sent) == 3  # checked, not stopped
    assert [m.split(":")[1].strip() for m in event_mismatches] == [
        "Unknown event 'widget_status'",
        "Event 'chat.queue' lacks its field 'position'",
    ]
    event_mismatches.clear()  # seen: this test's teardown would fail on them otherwise


def _js_event_names() -> set[str]:
    """The event names the pages listen for: live.on("…") / transport.on("…") and the keys of the
    handler objects given to a LiveSocket."""
    names = set()
    for pattern in ("static/js/*.js", "templates/**/*.js"):
        for path in ROOT.glob(pattern):
            text = path.read_text()
            names |= set(re.findall(r'\b(?:live|transport)\.on\("([^"]+)"', text))
            names |= set(
                re.findall(r'(?:^\s+|[{,]\s*)"([a-z]+\.[a-z_]+)"(?:\(|: )', text, flags=re.M)
            )
    return names


def test_every_event_the_pages_listen_for_is_catalogued():
    names = _js_event_names()
    assert {"chat.hello", "meeting.joined", "widget.status", "presence.changed"} <= names
    assert names - set(EVENTS) == set()
