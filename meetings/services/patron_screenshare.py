"""A screenshare offered to the patron of a claimed chat. It also tells the patron's chat socket
(`patron_group`) about its offer and its end, since the patron is not in the meeting's group
until they accept."""

from functools import partial

from django.db import transaction
from django.utils.translation import gettext

from accounts.models import Operator
from chats.groups import patron_group
from chats.models import PatronChat
from libchat.core.live import live_send, operator_group
from meetings.models import Meeting, Participant
from meetings.services.common import MeetingError, id_from_frame
from meetings.services.lifecycle import meeting_end


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
            raise MeetingError(
                "not_your_chat", gettext("Offer a screenshare in a chat you claimed.")
            )
        running = Meeting.objects.filter(patron_chat=chat, ended_at__isnull=True).first()
        if running is not None:
            return running
        meeting = Meeting.objects.create(
            kind=Meeting.Kind.PATRON,
            # In the host's language, the one their socket speaks.
            title=gettext("Screenshare with %(name)s") % {"name": chat.name}
            if chat.name
            else gettext("Screenshare with the patron"),
            host=operator,
            patron_chat=chat,
        )
        transaction.on_commit(
            partial(
                live_send,
                patron_group(chat.pk),
                {"event": "screenshare.offer", "meeting": meeting.pk, "operator": operator.name},
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
                    "event": "meeting.declined",
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
        raise MeetingError("not_in_meeting", gettext("You are not in that meeting."))
    if not meeting.is_running:
        raise MeetingError("ended", gettext("The screenshare has ended."))
    return meeting


def patron_screenshares_end(*, chat: PatronChat) -> None:
    """The chat's claimant let go of it (end, requeue, transfer): its screenshare ends too."""
    for meeting in Meeting.objects.filter(patron_chat=chat, ended_at__isnull=True):
        meeting_end(meeting=meeting)


def patron_screenshares_anonymise(*, chat_ids: list[int]) -> None:
    """The retention setting anonymised these chats: their screenshares forget the patron's
    name (in the title and as a participant), as the chats did."""
    Meeting.objects.filter(patron_chat_id__in=chat_ids).update(title="Screenshare with the patron")
    Participant.objects.filter(patron_chat_id__in=chat_ids).update(display_name="Patron")
