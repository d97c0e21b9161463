"""WebRTC signals passed between the participants of a meeting, in the two shapes pages send."""

from django.utils.translation import gettext

from libchat.core.live import live_send_to
from meetings.models import Participant
from meetings.services.common import MeetingError


def _signal_clean(signal: object) -> dict:
    """Keep a WebRTC signal only in the two shapes the page sends; refuse anything else."""
    if not isinstance(signal, dict) or len(signal) != 1:
        raise MeetingError(
            "bad_signal", gettext("A signal carries one description or one candidate.")
        )
    if "description" in signal:
        d = signal["description"]
        if (
            not isinstance(d, dict)
            or d.get("type") not in {"offer", "answer"}
            or not isinstance(d.get("sdp"), str)
            or not d["sdp"].startswith("v=0")
            or len(d["sdp"]) > 60000
        ):
            raise MeetingError("bad_signal", gettext("Malformed session description."))
        return {"description": {"type": d["type"], "sdp": d["sdp"]}}
    if "candidate" in signal:
        c = signal["candidate"]
        if (
            not isinstance(c, dict)
            or not isinstance(c.get("candidate"), str)
            or len(c["candidate"]) > 2000
            or not isinstance(c.get("sdpMid"), str | None)
            or not isinstance(c.get("sdpMLineIndex"), int | None)
        ):
            raise MeetingError("bad_signal", gettext("Malformed ICE candidate."))
        return {
            "candidate": {
                "candidate": c["candidate"],
                "sdpMid": c.get("sdpMid"),
                "sdpMLineIndex": c.get("sdpMLineIndex"),
            }
        }
    raise MeetingError("bad_signal", gettext("A signal carries one description or one candidate."))


def signal_relay(*, sender: Participant, to: object, signal: object) -> None:
    """Pass a WebRTC signal to one other participant of the same running meeting."""
    clean = _signal_clean(signal)
    if not isinstance(to, int):
        raise MeetingError("bad_signal", gettext("Say which participant the signal is for."))
    target = (
        Participant.objects.filter(pk=to, meeting_id=sender.meeting_id, left_at__isnull=True)
        .exclude(pk=sender.pk)
        .only("channel_name")
        .first()
    )
    if target is None or not target.channel_name:
        raise MeetingError("not_in_meeting", gettext("That participant is not in this meeting."))
    live_send_to(
        target.channel_name,
        {"event": "meeting.signal", "meeting": sender.meeting_id, "from": sender.pk,
         "signal": clean},
    )  # fmt: skip
