"""Annotations drawn over a shared screen, when they travel over the socket (a page sends them on
the peer connection's data channel when it is open: then the server never sees them).

An annotation is small and the same on both paths: a piece of a stroke
`{"screen", "op": "stroke", "stroke", "tool", "color", "pin", "done", "points": [[x, y], ...]}`
with x and y in 0..1 of the shared video's frame, or a clear `{"screen", "op": "clear", "all"}`.
`screen` is the sharing participant. Nothing is stored: strokes fade, and end with the share.
static/js/annotations.js checks what it receives by the same rules."""

import math
import re

from django.conf import settings
from django.utils.translation import gettext

from libchat.core.live import live_send_to
from libchat.core.ratelimit import RateLimited, rate_limit_hit
from meetings.models import MAX_PARTICIPANTS, Participant
from meetings.services.common import MeetingError

TOOLS = frozenset({"pen", "highlighter", "arrow"})
COLORS = frozenset({"red", "blue", "green", "yellow", "black"})
MAX_POINTS = 64
_STROKE_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")


def _bad(message: str) -> MeetingError:
    return MeetingError("bad_annotation", message)


def _unit(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= 1
    )


def annotation_clean(annotation: object) -> dict:
    """The annotation in one of its two shapes, with nothing else in it; refuse anything else."""
    if not isinstance(annotation, dict):
        raise _bad(gettext("An annotation is an object."))
    screen = annotation.get("screen")
    if not isinstance(screen, int) or isinstance(screen, bool):
        raise _bad(gettext("Say whose screen the annotation is on."))
    op = annotation.get("op")
    if op == "clear":
        if not isinstance(annotation.get("all"), bool):
            raise _bad(gettext("Say whether to clear every stroke or your own."))
        return {"screen": screen, "op": "clear", "all": annotation["all"]}
    if op != "stroke":
        raise _bad(gettext("An annotation is a stroke or a clear."))
    stroke, points = annotation.get("stroke"), annotation.get("points")
    if not isinstance(stroke, str) or not _STROKE_ID.fullmatch(stroke):
        raise _bad(gettext("A stroke has a short id."))
    if annotation.get("tool") not in TOOLS or annotation.get("color") not in COLORS:
        raise _bad(gettext("Draw with a pen, highlighter or arrow, in one of the offered colours."))
    if not all(isinstance(annotation.get(key), bool) for key in ("pin", "done")):
        raise _bad(gettext("A stroke says whether it is pinned and done."))
    if (
        not isinstance(points, list)
        or not 0 < len(points) <= MAX_POINTS
        or not all(
            isinstance(p, list) and len(p) == 2 and _unit(p[0]) and _unit(p[1]) for p in points
        )
    ):
        raise _bad(
            gettext("A stroke carries 1 to %(max)s points, each [x, y] within 0..1.")
            % {"max": MAX_POINTS}
        )
    return {
        "screen": screen,
        "op": "stroke",
        "stroke": stroke,
        "tool": annotation["tool"],
        "color": annotation["color"],
        "pin": annotation["pin"],
        "done": annotation["done"],
        "points": [[float(x), float(y)] for x, y in points],
    }


def _targets_clean(to: object) -> set[int] | None:
    if to is None:
        return None
    if (
        not isinstance(to, list)
        or len(to) > MAX_PARTICIPANTS
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in to)
    ):
        raise _bad(gettext('"to" lists the participants to reach, by id.'))
    return set(to)


def annotation_relay(*, sender: Participant, annotation: object, to: object = None) -> None:
    """Pass an annotation to the other participants of the sender's meeting (those listed in
    `to`, when the sender reaches the rest over data channels). Clearing every stroke on a screen
    is for whoever shares it and the meeting's host."""
    clean = annotation_clean(annotation)
    targets = _targets_clean(to)
    limit = settings.LIBCHAT_ANNOTATION_FRAMES_PER_SECOND
    if rate_limit_hit(key=f"annotate:{sender.pk}", limit=limit, seconds=1):
        raise RateLimited(gettext("You are drawing faster than the others can follow. Slow down."))
    others = {
        pk: channel
        for pk, channel in Participant.objects.filter(
            meeting_id=sender.meeting_id, left_at__isnull=True
        ).values_list("pk", "channel_name")
    }
    if clean["screen"] not in others:
        raise MeetingError("not_in_meeting", gettext("Nobody in this meeting shares that screen."))
    if clean["op"] == "clear" and clean["all"] and not _may_clear_all(sender, clean["screen"]):
        raise MeetingError(
            "not_allowed",
            gettext("Only the person sharing this screen or the host can clear every stroke."),
        )
    frame = {
        "event": "meeting.annotation",
        "meeting": sender.meeting_id,
        "from": sender.pk,
        "annotation": clean,
    }
    for pk, channel in others.items():
        if pk != sender.pk and channel and (targets is None or pk in targets):
            live_send_to(channel, frame)


def _may_clear_all(sender: Participant, screen: int) -> bool:
    return screen == sender.pk or (
        sender.operator_id is not None and sender.operator_id == sender.meeting.host_id
    )
