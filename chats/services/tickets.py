"""Questions left through the widget's offline form: storing them, answering them from LibChat
(the answer emailed by the worker, the question quoted), staff notes on them, and marking them
answered."""

import logging
import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import Operator
from chats.errors import ChatInvalid, WidgetOffline
from chats.models import OfflineTicket, TicketReply
from chats.services.lifecycle import answers_too_long, invalid_email_text, patron_admit
from libchat.core.jobs import task_enqueue_on_commit
from libchat.core.messages import MESSAGE_MAX_CHARS
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


logger = logging.getLogger(__name__)


@transaction.atomic
def ticket_reply_add(
    *, ticket: OfflineTicket, operator: Operator, body: str, kind: str
) -> TicketReply:
    """Add an answer or a staff note to the ticket's thread. An answer is emailed to the patron
    once this commits (`ticket_answer_mail`) and marks the ticket answered by this operator,
    unless someone already had. Refused, nothing stored, for an empty or too long text."""
    body = body.strip()
    if ticket.anonymised_at:
        raise ChatInvalid("The retention setting removed this ticket's details; it is closed.")
    if kind not in TicketReply.Kind.values:
        raise ChatInvalid("Say whether this is an answer or a note.")
    if not body:
        raise ChatInvalid(
            "Write the answer first." if kind == "answer" else "Write the note first."
        )
    if len(body) > MESSAGE_MAX_CHARS:
        raise ChatInvalid(
            f"That is {len(body):,} characters; {MESSAGE_MAX_CHARS:,} at most. Nothing was sent."
        )
    answer = kind == TicketReply.Kind.ANSWER
    reply = TicketReply.objects.create(
        ticket=ticket,
        operator=operator,
        body=body,
        kind=kind,
        mail=TicketReply.Mail.SENDING if answer else TicketReply.Mail.NONE,
    )
    if answer:
        ticket_answered_set(ticket=ticket, operator=operator, answered=True)
        task_enqueue_on_commit("chats.tasks.ticket_answer_email_send", reply_id=reply.pk)
    return reply


def ticket_answer_retry(*, reply: TicketReply) -> bool:
    """Send a failed answer's mail again; whether it was one to retry (a second click while it
    is sending does nothing)."""
    retried = TicketReply.objects.filter(pk=reply.pk, mail=TicketReply.Mail.FAILED).update(
        mail=TicketReply.Mail.SENDING, mail_error=""
    )
    if retried:
        task_enqueue_on_commit("chats.tasks.ticket_answer_email_send", reply_id=reply.pk)
    reply.refresh_from_db()
    return bool(retried)


def _answer_mail(reply: TicketReply) -> tuple[str, str]:
    """Subject and text of an answer's email: the answer, then the question as it was asked."""
    ticket = reply.ticket
    widget = ticket.widget
    # A ticket keeps no language of its own: the widget's, or the site's when it follows the
    # patron's browser.
    following = widget.language == Widget.FOLLOW_BROWSER
    with translation.override(settings.LANGUAGE_CODE if following else widget.language):
        subject = gettext("Re: your question to %(title)s") % {"title": widget.title}
        asked = gettext("On %(date)s you asked:") % {
            "date": timezone.localtime(ticket.created_at).strftime("%Y-%m-%d %H:%M")
        }
    quoted = "\n".join(f"> {line}" for line in ticket.question.splitlines())
    return subject, f"{reply.body}\n\n{asked}\n{quoted}\n"


def ticket_answer_mail(*, reply_id: int) -> str:
    """Email an answer to the patron (the worker's side of `ticket_reply_add`) and record how
    it went: sent, or failed with the mail server's reason, for an operator to Retry."""
    reply = TicketReply.objects.select_related("ticket__widget").get(pk=reply_id)
    if reply.mail != TicketReply.Mail.SENDING:
        return reply.mail  # sent already, or not an answer
    subject, text = _answer_mail(reply)
    try:
        send_mail(
            subject=subject, message=text, from_email=None, recipient_list=[reply.ticket.email]
        )
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("The answer to ticket %s was not sent: %s", reply.ticket_id, error)
        outcome = {
            "mail": TicketReply.Mail.FAILED,
            "mail_error": str(error)[:300] or type(error).__name__,
        }
    else:
        outcome = {"mail": TicketReply.Mail.SENT, "mailed_at": timezone.now(), "mail_error": ""}
    TicketReply.objects.filter(pk=reply.pk).update(**outcome)
    return outcome["mail"]
