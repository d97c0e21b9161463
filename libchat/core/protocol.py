"""The live protocol shared by every consumer: client frames are {"action": ...} checked against an
allowlist, server frames are {"event": ...}. Bad frames, and any refused action, get an error
reply and change nothing."""

import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext

from libchat.core.refusals import Refusal

# What an error frame names back from a refused send, so the page knows which send failed and
# puts its text back: the message's client_msg_id and, on the dashboard, its patron chat.
_SEND_KEYS = ("chat_id", "client_msg_id")


class FrameError(Refusal):
    """A frame refused for its shape, before any service is asked."""


def refusal_as_event(refusal: Refusal, *, frame: dict | None = None) -> dict[str, Any]:
    """The error frame of a refusal: {"event": "error", "code", "message", ...details}. Every
    consumer's `receive` sends refusals through here, answering `frame` (None when the text was
    no frame); a frame that sent a message (it has a client_msg_id) is named back."""
    sent = {}
    if frame and "client_msg_id" in frame:
        sent = {key: frame[key] for key in _SEND_KEYS if key in frame}
    return {
        "event": "error",
        "code": refusal.code,
        "message": refusal.message,
        **refusal.details,
        **sent,
    }


def frame_parse(text: str | None, *, allowed_actions: set[str]) -> tuple[str, dict[str, Any]]:
    """Return (action, frame) or raise FrameError."""
    if text is None:
        raise FrameError("bad_frame", gettext("Send text frames of JSON."))
    if len(text.encode()) > settings.LIBCHAT_MAX_FRAME_BYTES:
        raise FrameError("too_large", gettext("Frame too large (64 KB at most)."))
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError) as exc:  # nested deeper than the parser goes: also bad
        raise FrameError("bad_json", gettext("Frame is not valid JSON.")) from exc
    if not isinstance(frame, dict) or not isinstance(frame.get("action"), str):
        raise FrameError("bad_frame", gettext('A frame is an object with an "action".'))
    action = frame["action"]
    if action not in allowed_actions:
        raise FrameError(
            "unknown_action", gettext("Unknown action %(action)r.") % {"action": action[:40]}
        )
    return action, frame
