"""Every write to meetings, participants and guest invitations, by job: a meeting's lifecycle,
the patron screenshare, guests, signalling, annotations. Callers use the names here."""

from meetings.services.annotations import annotation_clean, annotation_relay
from meetings.services.common import (
    MeetingError,
    guest_invite_check,
    id_from_frame,
    meeting_group,
)
from meetings.services.guests import (
    GUEST_LINK_HOURS,
    guest_invite_create,
    guest_invite_email_send,
    guest_invite_for_token,
    guest_name_set,
    guest_remove,
)
from meetings.services.lifecycle import (
    meeting_decline,
    meeting_end,
    meeting_join,
    meeting_leave,
    meeting_may_join,
    meeting_start,
    participant_state_set,
    participants_leave_channel,
)
from meetings.services.patron_screenshare import (
    patron_meeting_get,
    patron_screenshare_decline,
    patron_screenshare_offer,
    patron_screenshares_anonymise,
    patron_screenshares_end,
)
from meetings.services.signalling import signal_relay

__all__ = [
    "GUEST_LINK_HOURS",
    "MeetingError",
    "annotation_clean",
    "annotation_relay",
    "guest_invite_check",
    "guest_invite_create",
    "guest_invite_email_send",
    "guest_invite_for_token",
    "guest_name_set",
    "guest_remove",
    "id_from_frame",
    "meeting_decline",
    "meeting_end",
    "meeting_group",
    "meeting_join",
    "meeting_leave",
    "meeting_may_join",
    "meeting_start",
    "participant_state_set",
    "participants_leave_channel",
    "patron_meeting_get",
    "patron_screenshare_decline",
    "patron_screenshare_offer",
    "patron_screenshares_anonymise",
    "patron_screenshares_end",
    "signal_relay",
]
