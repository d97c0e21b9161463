"""The live protocol shared by every consumer: client frames are {"action": ...} checked against an
allowlist, server frames are {"event": ...}. Bad frames get an error reply and change nothing."""

import json
from typing import Any

from django.conf import settings


class FrameError(Exception):
    """A refused frame. `details` go out with the error, e.g. the client_msg_id of a refused
    message, so the page knows which send failed."""

    def __init__(self, code: str, message: str, **details: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def as_event(self) -> dict[str, Any]:
        return {"event": "error", "code": self.code, "message": self.message, **self.details}


def frame_parse(text: str | None, *, allowed_actions: set[str]) -> tuple[str, dict[str, Any]]:
    """Return (action, frame) or raise FrameError."""
    if text is None:
        raise FrameError("bad_frame", "Send text frames of JSON.")
    if len(text.encode()) > settings.LIBCHAT_MAX_FRAME_BYTES:
        raise FrameError("too_large", "Frame too large (64 KB at most).")
    try:
        frame = json.loads(text)
    except ValueError as exc:
        raise FrameError("bad_json", "Frame is not valid JSON.") from exc
    if not isinstance(frame, dict) or not isinstance(frame.get("action"), str):
        raise FrameError("bad_frame", 'A frame is an object with an "action".')
    action = frame["action"]
    if action not in allowed_actions:
        raise FrameError("unknown_action", f"Unknown action {action[:40]!r}.")
    return action, frame
