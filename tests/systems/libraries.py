"""One library system's people and records, built alike for every test of two systems side by
side (admin scoping, reader scoping); each test adds what it alone needs."""

from django.utils import timezone

from chats.models import OfflineTicket, PatronChat
from tests.factories import MembershipFactory, WidgetFactory


def ended_chat_create(widget) -> PatronChat:
    """A chat on the widget, ended: what Transcripts lists."""
    now = timezone.now()
    return PatronChat.objects.create(
        widget=widget,
        token_hash=f"token-{widget.pk}",
        queued_at=now,
        state=PatronChat.State.ENDED,
        ended_at=now,
        question=f"Question for {widget.name}",
    )


def library_build(system, letter: str) -> dict:
    """Librarian <letter> at Desk <letter>, the desk's Widget <letter>, an ended chat on it and
    an offline ticket, all of `system`."""
    membership = MembershipFactory(
        department__system=system,
        department__name=f"Desk {letter}",
        operator__system=system,
        operator__display_name=f"Librarian {letter}",
    )
    widget = WidgetFactory(
        system=system, name=f"Widget {letter}", first_department=membership.department
    )
    return {
        "system": system,
        "operator": membership.operator,
        "department": membership.department,
        "widget": widget,
        "patronchat": ended_chat_create(widget),
        "offlineticket": OfflineTicket.objects.create(
            widget=widget, email=f"{letter}@patron.example", question="Hours?"
        ),
    }
