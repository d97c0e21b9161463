"""Reads of meetings."""

from django.db.models import Q

from accounts.models import Operator
from chats.models import PatronChat
from meetings.models import Meeting, Participant


def meetings_running_for(*, operator: Operator) -> list[Meeting]:
    """Running meetings the operator hosts or is invited to, newest first (one query). Patron
    screenshares are not among them: they live in their chat's pane."""
    return list(
        Meeting.objects.filter(Q(host=operator) | Q(invited=operator), ended_at__isnull=True)
        .exclude(kind=Meeting.Kind.PATRON)
        .distinct()
        .order_by("-started_at")
    )


def patron_screenshare_running(*, chat) -> dict | None:
    """The screenshare running in a patron chat, as the patron's page shows its offer."""
    meeting = (
        Meeting.objects.filter(patron_chat=chat, ended_at__isnull=True)
        .select_related("host")
        .first()
    )
    return {"meeting": meeting.pk, "operator": meeting.host.name} if meeting else None


def meeting_by_id(*, meeting_id: int) -> Meeting | None:
    return Meeting.objects.filter(pk=meeting_id).first()


def participant_on_channel(
    *,
    meeting_id: int,
    channel_name: str,
    operator: Operator | None = None,
    patron_chat: PatronChat | None = None,
) -> Participant | None:
    """Who is in this meeting through this socket and has not left, else None. The socket's
    holder must match as well: the operator of a dashboard, or the chat of a patron's socket
    (a participant is exactly one of operator, guest and patron, so the other is null)."""
    return (
        Participant.objects.filter(
            meeting_id=meeting_id,
            channel_name=channel_name,
            operator=operator,
            patron_chat=patron_chat,
            left_at__isnull=True,
        )
        .select_related("meeting")
        .first()
    )
