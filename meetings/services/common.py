"""What every kind of meeting shares: its refusal, its group, announcing after commit, who is in
it, and the checks that let a guest or a patron in."""

from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from chats.models import PatronChat
from libchat.core.live import live_send
from libchat.core.refusals import Refusal
from meetings.models import GuestInvite, Meeting, Participant


class MeetingError(Refusal):
    """A meeting action refused: not invited, ended, full, a malformed signal."""


def id_from_frame(value: object) -> int:
    """An id as a client sent it: a number (not a boolean), else one that matches nothing."""
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def meeting_group(meeting_id: int) -> str:
    return f"meeting.{meeting_id}"


def announce_on_commit(meeting_id: int, frame: dict) -> None:
    transaction.on_commit(partial(live_send, meeting_group(meeting_id), frame))


def active_participants(meeting: Meeting):
    return Participant.objects.filter(meeting=meeting, left_at__isnull=True)


def guest_invite_check(*, invite: GuestInvite) -> None:
    if invite.removed_at is not None:
        raise MeetingError("removed", gettext("The host removed you from this meeting."))
    if not invite.meeting.is_running:
        raise MeetingError("ended", gettext("This meeting has ended."))
    if invite.expires_at <= timezone.now():
        raise MeetingError("expired", gettext("This invitation has expired."))


def patron_check(*, meeting: Meeting, chat: PatronChat) -> None:
    """A patron joins only the screenshare of their own chat, while its claimant holds it."""
    chat = PatronChat.objects.filter(pk=chat.pk).only("state", "claimed_by_id").first()
    if meeting.patron_chat_id != chat.pk:
        raise MeetingError("not_in_meeting", gettext("You are not in that meeting."))
    if chat.state != PatronChat.State.ACTIVE or chat.claimed_by_id != meeting.host_id:
        raise MeetingError("ended", gettext("The screenshare has ended."))
