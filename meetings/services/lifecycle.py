"""A meeting's life, whatever its kind: started, joined, left, ended, and the lines it posts where
it was started (an internal room, or the patron chat of a screenshare).

Announcements go out after commit. A meeting's sockets share the group `meeting.<id>`."""

from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Operator
from chats.groups import patron_group
from chats.models import PatronChat
from chats.services import chat_system_line
from libchat.core.live import live_send, operator_group
from meetings.models import MAX_PARTICIPANTS, GuestInvite, Meeting, Participant
from meetings.services.common import (
    MeetingError,
    active_participants,
    announce_on_commit,
    guest_invite_check,
    patron_check,
)


def _story_line(meeting: Meeting, *, ended: bool) -> None:
    """Post the meeting's start or end where it was started: its internal chat room, or the
    patron chat of a patron screenshare (there the start is the patron's acceptance)."""
    if meeting.patron_chat_id is not None:
        _patron_chat_line(meeting, ended=ended)
    elif meeting.room_id is not None:
        _room_line(meeting, ended=ended)


def _patron_chat_line(meeting: Meeting, *, ended: bool) -> None:
    if not ended:
        line, args = "screenshare_started", {"who": meeting.host.name}
    else:
        accepted = (
            Participant.objects.filter(meeting=meeting, patron_chat__isnull=False)
            .order_by("joined_at")
            .values_list("joined_at", flat=True)
            .first()
        )
        if accepted is None:  # offered, never accepted: nothing started, nothing to end
            return
        seconds = max(0, round((meeting.ended_at - accepted).total_seconds()))
        line, args = "screenshare_ended", {"seconds": seconds}
    chat_system_line(chat=meeting.patron_chat, line=line, holder=meeting.host, **args)


def _room_line(meeting: Meeting, *, ended: bool) -> None:
    """Post the meeting's start or end into the room it was started from, as the host; each
    member reads it in their language (internalchat.lines)."""
    from internalchat.services import room_line_post

    if ended:
        seconds = max(0, round(meeting.duration.total_seconds()))
        line, args = "meeting_ended", {"title": meeting.title, "seconds": seconds}
    else:
        line, args = "meeting_started", {"title": meeting.title}
    room_line_post(
        room=meeting.room,
        sender=meeting.host,
        line=line,
        args=args,
        client_msg_id=f"meeting-{meeting.pk}-{'end' if ended else 'start'}",
    )


def meeting_start(
    *, host: Operator, invitees: list[Operator], kind: str, title: str, room=None
) -> Meeting:
    """Open a meeting and ring the invitees' dashboards; post its start into the room."""
    invitees = [o for o in invitees if o.pk != host.pk and o.may_chat]
    if kind == Meeting.Kind.DIRECT and len(invitees) != 1:
        raise MeetingError(
            "bad_invitee", gettext("A screenshare is between you and one other operator.")
        )
    if not invitees:
        raise MeetingError("bad_invitee", gettext("Nobody else to invite."))
    with transaction.atomic():
        meeting = Meeting.objects.create(kind=kind, title=title, host=host, room=room)
        meeting.invited.set(invitees)
        _story_line(meeting, ended=False)
        for invitee in invitees:
            transaction.on_commit(
                partial(
                    live_send,
                    operator_group(invitee.pk),
                    {
                        "event": "meeting.invite",
                        "meeting": meeting.pk,
                        "kind": kind,
                        "title": title,
                        "from": host.name,
                        "url": f"/meetings/{meeting.pk}/",
                    },
                )
            )
    return meeting


def meeting_may_join(*, meeting: Meeting, operator: Operator) -> bool:
    return meeting.host_id == operator.pk or meeting.invited.filter(pk=operator.pk).exists()


def meeting_decline(*, meeting: Meeting, operator: Operator) -> None:
    if not meeting_may_join(meeting=meeting, operator=operator):
        raise MeetingError("not_invited", gettext("You were not invited to this meeting."))
    with transaction.atomic():
        transaction.on_commit(
            partial(
                live_send,
                operator_group(meeting.host_id),
                {"event": "meeting.declined", "meeting": meeting.pk, "by": operator.name},
            )
        )
        if meeting.kind == Meeting.Kind.DIRECT:
            meeting_end(meeting=meeting)


def meeting_join(
    *,
    meeting: Meeting,
    channel_name: str,
    operator: Operator | None = None,
    guest: GuestInvite | None = None,
    patron_chat: PatronChat | None = None,
) -> tuple[Participant, list[Participant]]:
    """Join (or rejoin from a new socket) as an operator, a guest or a patron chat's patron.
    Returns the participant and the others already in."""
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if not meeting.is_running:
            raise MeetingError("ended", gettext("This meeting has ended."))
        if operator is not None and not meeting_may_join(meeting=meeting, operator=operator):
            raise MeetingError("not_invited", gettext("You were not invited to this meeting."))
        if guest is not None:
            guest_invite_check(invite=guest)
        if patron_chat is not None:
            patron_check(meeting=meeting, chat=patron_chat)
        who = (
            {"operator": operator} if operator is not None
            else {"guest": guest} if guest is not None
            else {"patron_chat": patron_chat}
        )  # fmt: skip
        participant = active_participants(meeting).filter(**who).select_related("meeting").first()
        if participant is None:
            if active_participants(meeting).count() >= MAX_PARTICIPANTS:
                raise MeetingError(
                    "full",
                    gettext("This meeting is full: %(max)s people at most can take part.")
                    % {"max": MAX_PARTICIPANTS},
                )
            first_patron_join = (
                patron_chat is not None
                and not Participant.objects.filter(meeting=meeting, **who).exists()
            )
            name = (
                operator.name if operator is not None
                else guest.display_name or guest.email if guest is not None
                else patron_chat.name or "Patron"
            )  # fmt: skip
            participant = Participant.objects.create(
                meeting=meeting, display_name=name, channel_name=channel_name, **who
            )
            if first_patron_join:
                _story_line(meeting, ended=False)
            announce_on_commit(
                meeting.pk, {"event": "participant.joined", "meeting": meeting.pk,
                             "participant": participant.as_event()}
            )  # fmt: skip
        else:
            participant.channel_name = channel_name
            participant.save(update_fields=["channel_name"])
        others = list(
            active_participants(meeting).exclude(pk=participant.pk).select_related("meeting")
        )
    return participant, others


def meeting_leave(*, participant: Participant) -> None:
    with transaction.atomic():
        updated = Participant.objects.filter(pk=participant.pk, left_at__isnull=True).update(
            left_at=timezone.now()
        )
        if not updated:
            return
        meeting = participant.meeting
        announce_on_commit(
            meeting.pk,
            {"event": "participant.left", "meeting": meeting.pk, "participant": participant.pk},
        )
        # A patron screenshare is between two people: when either leaves, it is over. Any
        # other meeting is over when its last staff member leaves: guests are never left
        # waiting alone in a call nobody from the library will come back to.
        if (
            meeting.kind == Meeting.Kind.PATRON
            or not active_participants(meeting).filter(operator__isnull=False).exists()
        ):
            meeting_end(meeting=meeting)


def meeting_end(*, meeting: Meeting) -> None:
    with transaction.atomic():
        now = timezone.now()
        if not Meeting.objects.filter(pk=meeting.pk, ended_at__isnull=True).update(ended_at=now):
            return
        active_participants(meeting).update(left_at=now)
        meeting = Meeting.objects.select_related("room", "host", "patron_chat").get(pk=meeting.pk)
        _story_line(meeting, ended=True)
        ended = {"event": "meeting.ended", "meeting": meeting.pk}
        announce_on_commit(meeting.pk, ended)
        if meeting.patron_chat_id is not None:  # the patron may not have accepted yet
            transaction.on_commit(partial(live_send, patron_group(meeting.patron_chat_id), ended))


def participants_leave_channel(*, channel_name: str) -> None:
    """A socket closed: whoever took part through it has left."""
    for participant in Participant.objects.filter(
        channel_name=channel_name, left_at__isnull=True
    ).select_related("meeting"):
        meeting_leave(participant=participant)


def participant_state_set(*, participant: Participant, muted: bool, sharing: bool) -> None:
    with transaction.atomic():
        participant.muted = bool(muted)
        participant.sharing = bool(sharing)
        participant.save(update_fields=["muted", "sharing"])
        announce_on_commit(
            participant.meeting_id,
            {"event": "participant.state", "meeting": participant.meeting_id,
             "participant": participant.as_event()},
        )  # fmt: skip
