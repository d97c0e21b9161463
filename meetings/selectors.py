"""Reads of meetings."""

from django.db.models import Q

from accounts.models import Operator
from meetings.models import Meeting


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
