"""Questions left through the widget's offline form, and marking them answered."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Operator
from chats.errors import WidgetOffline
from chats.models import OfflineTicket
from chats.services.lifecycle import answers_too_long, invalid_email_text, patron_admit
from widgets.models import Widget


def ticket_create(
    *,
    widget: Widget,
    name: str = "",
    email: str = "",
    question: str = "",
    address_hash: str = "",
    patron_ref: str = "",
) -> OfflineTicket:
    """Store a question left through the offline form. Email and question are required. A
    blocked patron (by their address's keyed hash or their patron id) gets ChatUnavailable,
    the words of any other refusal; neither key is stored on the ticket."""
    patron_admit(address_hash=address_hash, patron_ref=patron_ref)
    if widget.offline_behaviour != Widget.Offline.TICKET_FORM:
        raise WidgetOffline(widget.offline_message)
    ticket = OfflineTicket(
        widget=widget, name=name.strip(), email=email.strip(), question=question.strip()
    )
    # The same limits and words as the pre-chat form's.
    errors = answers_too_long(name=ticket.name, question=ticket.question)
    missing = {
        "email": invalid_email_text(),
        "question": gettext("Please enter your question."),
        "name": gettext("Please enter your name."),
    }
    try:
        ticket.full_clean(exclude=["widget"])
    except ValidationError as error:
        for field in error.message_dict:
            errors.setdefault(field, missing.get(field) or error.message_dict[field][0])
    if errors:
        raise ValidationError(errors)
    ticket.save()
    return ticket


def ticket_answered_set(*, ticket: OfflineTicket, operator: Operator, answered: bool) -> bool:
    """Mark a ticket answered by this operator, or open again. Conditional, so when two
    operators mark it at once the first keeps the credit; returns whether anything changed."""
    tickets = OfflineTicket.objects.filter(pk=ticket.pk)
    if answered:
        changed = tickets.filter(answered_at__isnull=True).update(
            answered_at=timezone.now(), answered_by=operator
        )
    else:
        changed = tickets.filter(answered_at__isnull=False).update(
            answered_at=None, answered_by=None
        )
    ticket.refresh_from_db()
    return bool(changed)
