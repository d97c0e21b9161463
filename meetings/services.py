"""Every write to meetings, participants and guest invitations; signalling checks.

Announcements go out after commit. A meeting's sockets share the group `meeting.<id>`; signals
go straight to the one addressed participant's socket. A patron screenshare also tells the
patron's chat socket (`patron_group`) about its offer and its end, since the patron is not in
the meeting's group until they accept.
"""

import secrets
from datetime import timedelta
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts.models import Operator
from chats.models import PatronChat
from chats.services import chat_system_line, patron_group
from libchat.live import live_send, live_send_to, operator_group
from libchat.templatetags.durations import duration_text
from libchat.tokens import secret_hash
from meetings.models import MAX_PARTICIPANTS, GuestInvite, Meeting, Participant

GUEST_LINK_HOURS = 24


class MeetingError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def id_from_frame(value: object) -> int:
    """An id as a client sent it: a number (not a boolean), else one that matches nothing."""
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def meeting_group(meeting_id: int) -> str:
    return f"meeting.{meeting_id}"


def _announce(meeting_id: int, frame: dict) -> None:
    transaction.on_commit(partial(live_send, meeting_group(meeting_id), frame))


def _story_line(meeting: Meeting, *, ended: bool) -> None:
    """Post the meeting's start or end where it was started: its internal chat room, or the
    patron chat of a patron screenshare (there the start is the patron's acceptance)."""
    if meeting.patron_chat_id is not None:
        _patron_chat_line(meeting, ended=ended)
    elif meeting.room_id is not None:
        _room_line(meeting, ended=ended)


def _patron_chat_line(meeting: Meeting, *, ended: bool) -> None:
    if not ended:
        body = f"Screenshare with {meeting.host.name} started."
    else:
        accepted = (
            Participant.objects.filter(meeting=meeting, patron_chat__isnull=False)
            .order_by("joined_at")
            .values_list("joined_at", flat=True)
            .first()
        )
        if accepted is None:  # offered, never accepted: nothing started, nothing to end
            return
        body = f"Screenshare ended after {duration_text(meeting.ended_at - accepted)}."
    chat_system_line(chat=meeting.patron_chat, body=body)


def _room_line(meeting: Meeting, *, ended: bool) -> None:
    """Post the meeting's start or end into the room it was started from, as the host."""
    from internalchat.services import message_send

    if ended:
        body = f"{meeting.title} ended after {duration_text(meeting.duration)}."
    else:
        body = f"Started {meeting.title}."
    message_send(
        room=meeting.room,
        sender=meeting.host,
        body=body,
        client_msg_id=f"meeting-{meeting.pk}-{'end' if ended else 'start'}",
    )


def meeting_start(
    *, host: Operator, invitees: list[Operator], kind: str, title: str, room=None
) -> Meeting:
    """Open a meeting and ring the invitees' dashboards; post its start into the room."""
    invitees = [o for o in invitees if o.pk != host.pk and o.is_active and o.is_operator]
    if kind == Meeting.Kind.DIRECT and len(invitees) != 1:
        raise MeetingError("bad_invitee", "A screenshare is between you and one other operator.")
    if not invitees:
        raise MeetingError("bad_invitee", "Nobody else to invite.")
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
                        "event": "meeting_invite",
                        "meeting": meeting.pk,
                        "kind": kind,
                        "title": title,
                        "from": host.name,
                        "url": f"/meetings/{meeting.pk}/",
                    },
                )
            )
    return meeting


def patron_screenshare_offer(*, operator: Operator, chat_id: object) -> Meeting:
    """Offer the patron of a chat this operator claimed a screenshare; the patron's widget shows
    Accept and Decline. Offering again while one runs returns the running one."""
    chat_id = id_from_frame(chat_id)
    with transaction.atomic():
        # Checked on the locked row: an end or transfer in another tab either comes first (and
        # this is refused) or waits, and then ends the screenshare it finds.
        chat = (
            PatronChat.objects.select_for_update()
            .filter(pk=chat_id, state=PatronChat.State.ACTIVE, claimed_by=operator)
            .first()
        )
        if chat is None:
            raise MeetingError("not_your_chat", "Offer a screenshare in a chat you claimed.")
        running = Meeting.objects.filter(patron_chat=chat, ended_at__isnull=True).first()
        if running is not None:
            return running
        meeting = Meeting.objects.create(
            kind=Meeting.Kind.PATRON,
            title=f"Screenshare with {chat.name or 'the patron'}",
            host=operator,
            patron_chat=chat,
        )
        transaction.on_commit(
            partial(
                live_send,
                patron_group(chat.pk),
                {"event": "screenshare_offer", "meeting": meeting.pk, "operator": operator.name},
            )
        )
    return meeting


def patron_screenshare_decline(*, chat: PatronChat, meeting_id: object) -> None:
    """The patron says no: the operator is told and the offer ends."""
    meeting = patron_meeting_get(chat=chat, meeting_id=meeting_id)
    with transaction.atomic():
        transaction.on_commit(
            partial(
                live_send,
                operator_group(meeting.host_id),
                {
                    "event": "meeting_declined",
                    "meeting": meeting.pk,
                    "chat_id": chat.pk,
                    "by": chat.name or "The patron",
                },
            )
        )
        meeting_end(meeting=meeting)


def patron_meeting_get(*, chat: PatronChat, meeting_id: object) -> Meeting:
    """The running screenshare of this chat with that id; anything else is not the patron's."""
    meeting = (
        Meeting.objects.select_related("patron_chat", "host")
        .filter(pk=id_from_frame(meeting_id), patron_chat=chat)
        .first()
    )
    if meeting is None:
        raise MeetingError("not_in_meeting", "You are not in that meeting.")
    if not meeting.is_running:
        raise MeetingError("ended", "The screenshare has ended.")
    return meeting


def patron_screenshares_end(*, chat: PatronChat) -> None:
    """The chat's claimant let go of it (end, requeue, transfer): its screenshare ends too."""
    for meeting in Meeting.objects.filter(patron_chat=chat, ended_at__isnull=True):
        meeting_end(meeting=meeting)


def meeting_may_join(*, meeting: Meeting, operator: Operator) -> bool:
    return meeting.host_id == operator.pk or meeting.invited.filter(pk=operator.pk).exists()


def meeting_decline(*, meeting: Meeting, operator: Operator) -> None:
    if not meeting_may_join(meeting=meeting, operator=operator):
        raise MeetingError("not_invited", "You were not invited to this meeting.")
    with transaction.atomic():
        transaction.on_commit(
            partial(
                live_send,
                operator_group(meeting.host_id),
                {"event": "meeting_declined", "meeting": meeting.pk, "by": operator.name},
            )
        )
        if meeting.kind == Meeting.Kind.DIRECT:
            meeting_end(meeting=meeting)


def _active(meeting: Meeting):
    return Participant.objects.filter(meeting=meeting, left_at__isnull=True)


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
            raise MeetingError("ended", "This meeting has ended.")
        if operator is not None and not meeting_may_join(meeting=meeting, operator=operator):
            raise MeetingError("not_invited", "You were not invited to this meeting.")
        if guest is not None:
            guest_invite_check(invite=guest)
        if patron_chat is not None:
            _patron_check(meeting=meeting, chat=patron_chat)
        who = (
            {"operator": operator} if operator is not None
            else {"guest": guest} if guest is not None
            else {"patron_chat": patron_chat}
        )  # fmt: skip
        participant = _active(meeting).filter(**who).first()
        if participant is None:
            if _active(meeting).count() >= MAX_PARTICIPANTS:
                raise MeetingError(
                    "full",
                    f"This meeting is full: {MAX_PARTICIPANTS} people at most can take part.",
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
            _announce(
                meeting.pk, {"event": "participant_joined", "meeting": meeting.pk,
                             "participant": participant.as_event()}
            )  # fmt: skip
        else:
            participant.channel_name = channel_name
            participant.save(update_fields=["channel_name"])
        others = list(_active(meeting).exclude(pk=participant.pk))
    return participant, others


def _patron_check(*, meeting: Meeting, chat: PatronChat) -> None:
    """A patron joins only the screenshare of their own chat, while its claimant holds it."""
    chat = PatronChat.objects.filter(pk=chat.pk).only("state", "claimed_by_id").first()
    if meeting.patron_chat_id != chat.pk:
        raise MeetingError("not_in_meeting", "You are not in that meeting.")
    if chat.state != PatronChat.State.ACTIVE or chat.claimed_by_id != meeting.host_id:
        raise MeetingError("ended", "The screenshare has ended.")


def meeting_leave(*, participant: Participant) -> None:
    with transaction.atomic():
        updated = Participant.objects.filter(pk=participant.pk, left_at__isnull=True).update(
            left_at=timezone.now()
        )
        if not updated:
            return
        meeting = participant.meeting
        _announce(
            meeting.pk,
            {"event": "participant_left", "meeting": meeting.pk, "participant": participant.pk},
        )
        # A patron screenshare is between two people: when either leaves, it is over. Any
        # other meeting is over when its last staff member leaves: guests are never left
        # waiting alone in a call nobody from the library will come back to.
        if (
            meeting.kind == Meeting.Kind.PATRON
            or not _active(meeting).filter(operator__isnull=False).exists()
        ):
            meeting_end(meeting=meeting)


def meeting_end(*, meeting: Meeting) -> None:
    with transaction.atomic():
        now = timezone.now()
        if not Meeting.objects.filter(pk=meeting.pk, ended_at__isnull=True).update(ended_at=now):
            return
        _active(meeting).update(left_at=now)
        meeting = Meeting.objects.select_related("room", "host", "patron_chat").get(pk=meeting.pk)
        _story_line(meeting, ended=True)
        ended = {"event": "meeting_ended", "meeting": meeting.pk}
        _announce(meeting.pk, ended)
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
        _announce(
            participant.meeting_id,
            {"event": "participant_state", "meeting": participant.meeting_id,
             "participant": participant.as_event()},
        )  # fmt: skip


def _signal_clean(signal: object) -> dict:
    """Keep a WebRTC signal only in the two shapes the page sends; refuse anything else."""
    if not isinstance(signal, dict) or len(signal) != 1:
        raise MeetingError("bad_signal", "A signal carries one description or one candidate.")
    if "description" in signal:
        d = signal["description"]
        if (
            not isinstance(d, dict)
            or d.get("type") not in {"offer", "answer"}
            or not isinstance(d.get("sdp"), str)
            or not d["sdp"].startswith("v=0")
            or len(d["sdp"]) > 60000
        ):
            raise MeetingError("bad_signal", "Malformed session description.")
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
            raise MeetingError("bad_signal", "Malformed ICE candidate.")
        return {
            "candidate": {
                "candidate": c["candidate"],
                "sdpMid": c.get("sdpMid"),
                "sdpMLineIndex": c.get("sdpMLineIndex"),
            }
        }
    raise MeetingError("bad_signal", "A signal carries one description or one candidate.")


def signal_relay(*, sender: Participant, to: object, signal: object) -> None:
    """Pass a WebRTC signal to one other participant of the same running meeting."""
    clean = _signal_clean(signal)
    if not isinstance(to, int):
        raise MeetingError("bad_signal", "Say which participant the signal is for.")
    target = (
        Participant.objects.filter(pk=to, meeting_id=sender.meeting_id, left_at__isnull=True)
        .exclude(pk=sender.pk)
        .only("channel_name")
        .first()
    )
    if target is None or not target.channel_name:
        raise MeetingError("not_in_meeting", "That participant is not in this meeting.")
    live_send_to(
        target.channel_name,
        {"event": "meeting_signal", "meeting": sender.meeting_id, "from": sender.pk,
         "signal": clean},
    )  # fmt: skip


def guest_invite_check(*, invite: GuestInvite) -> None:
    if invite.removed_at is not None:
        raise MeetingError("removed", "The host removed you from this meeting.")
    if not invite.meeting.is_running:
        raise MeetingError("ended", "This meeting has ended.")
    if invite.expires_at <= timezone.now():
        raise MeetingError("expired", "This invitation has expired.")


def guest_invite_create(
    *, meeting: Meeting, inviter: Operator, email: str, join_url_for
) -> GuestInvite:
    """Email a personal link to someone outside the library. join_url_for(token) -> str."""
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise MeetingError("bad_email", f"{email!r} is not an email address.") from exc
    if not meeting.is_running:
        raise MeetingError("ended", "This meeting has ended.")
    if meeting.kind == Meeting.Kind.PATRON:
        raise MeetingError("patron_only", "A patron screenshare is between you and the patron.")
    if not _active(meeting).filter(operator=inviter).exists():
        raise MeetingError("not_in_meeting", "Join the meeting before inviting guests.")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invite = GuestInvite.objects.create(
            meeting=meeting,
            email=email,
            token_hash=secret_hash(token),
            invited_by=inviter,
            expires_at=timezone.now() + timedelta(hours=GUEST_LINK_HOURS),
        )
        link = join_url_for(token)
        transaction.on_commit(
            partial(
                send_mail,
                subject=f"Invitation: {meeting.guest_title}",
                message=(
                    f'{inviter.name} invites you to join "{meeting.guest_title}" in your '
                    f"browser.\n\n"
                    f"Join: {link}\n\nThis link is personal. It stops working when the meeting "
                    f"ends, or after {GUEST_LINK_HOURS} hours.\n"
                ),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[email],
            )
        )
    return invite


def guest_invite_for_token(token: str) -> GuestInvite | None:
    return (
        GuestInvite.objects.select_related("meeting").filter(token_hash=secret_hash(token)).first()
    )


def guest_remove(*, meeting: Meeting, by: Operator, participant_id: object) -> None:
    if meeting.host_id != by.pk:
        raise MeetingError("not_host", "Only the host can remove a guest.")
    with transaction.atomic():
        participant = (
            Participant.objects.select_related("guest")
            .filter(pk=participant_id if isinstance(participant_id, int) else -1,
                    meeting=meeting, guest__isnull=False)
            .first()
        )  # fmt: skip
        if participant is None:
            raise MeetingError("not_a_guest", "No such guest in this meeting.")
        GuestInvite.objects.filter(pk=participant.guest_id).update(removed_at=timezone.now())
        if participant.channel_name:
            transaction.on_commit(
                partial(
                    async_to_sync(get_channel_layer().send),
                    participant.channel_name,
                    {"type": "meeting.removed"},
                )
            )
        meeting_leave(participant=participant)
