"""A live frame with a part each reader reads in their language is written out once per shipped
language, and each socket sends its own; any other frame is still encoded once."""

import json

from django.utils.translation import gettext

from libchat.core.live import LiveEvents, _live_event, in_readers_language


class Socket(LiveEvents):
    def __init__(self, language=None):
        if language:
            self.language = language
        self.sent = []

    async def send(self, text_data):
        self.sent.append(json.loads(text_data))


def test_a_frame_without_such_a_part_is_encoded_once():
    assert _live_event({"event": "presence.changed", "n": 1}) == {
        "type": "live.event",
        "text": '{"event": "presence.changed", "n": 1}',
    }


async def test_each_socket_sends_the_frame_in_its_language():
    event = _live_event(
        {"event": "session.sign_off", "message": in_readers_language(lambda: gettext("Online"))}
    )
    heard = {}
    for language in ("en", "es", "fr", None):
        socket = Socket(language)
        await socket.live_event(event)
        heard[language] = socket.sent[0]["message"]
    assert heard == {"en": "Online", "es": "En línea", "fr": "En ligne", None: "Online"}
