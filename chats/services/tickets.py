"""Questions left through the widget's offline form: storing them, answering them from LibChat
(the answer emailed by the worker, the question quoted), staff notes on them, and marking them
answered."""

import logging
import smtplib
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext

from accounts.models import Operator
from chats import selectors
from chats.errors import ChatInvalid, WidgetOffline
from chats.groups import widget_queue_group
from chats.models import OfflineTicket, PatronChat, TicketReply
from chats.services.lifecycle import answers_too_long, invalid_email_text, patron_admit
from chats.services.transcripts import transcript_line
from departments.models import Department
from libchat.core.jobs import task_enqueue_on_commit
from libchat.core.live import live_send
from libchat.core.messages import MESSAGE_MAX_CHARS
from libchat.core.richtext import body_has_text, body_sanitise, html_as_text
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
    patron_admit(widget=widget, address_hash=address_hash, patron_ref=patron_ref)
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
    transaction.on_commit(partial(_tickets_changed, widget_id=widget.pk, new=True))
    return ticket


def ticket_follow_up(
    *,
    chat: PatronChat,
    operator: Operator,
    note: str = "",
    assigned_to: Operator | None = None,
    assigned_department: Department | None = None,
) -> OfflineTicket:
    """A ticket that follows up a chat (during it or after): the patron's name and email, the
    operator's note of what is left to answer (else the chat's question), assigned to an
    operator or a department (or to whoever answers the widget). Its answer is emailed with the
    chat's transcript. Refused, nothing stored, when the patron gave no email, the note is too
    long, or an open follow-up of the chat already exists."""
    note = note.strip()
    if not chat.email:
        raise ChatInvalid(
            gettext("The patron gave no email address, so a follow-up could not reach them.")
        )
    if len(note) > MESSAGE_MAX_CHARS:
        raise ChatInvalid(
            gettext("Keep the note under %(max)s characters.")
            % {"max": number_format(MESSAGE_MAX_CHARS, force_grouping=True)}
        )
    if assigned_to and assigned_department:
        raise ChatInvalid(
            gettext("Assign the follow-up to an operator or to a department, not both.")
        )
    with transaction.atomic():
        PatronChat.objects.select_for_update().filter(pk=chat.pk).first()
        existing = chat.follow_ups.filter(answered_at__isnull=True).first()
        if existing is not None:
            raise ChatInvalid(
                gettext("This chat already has an open follow-up."), ticket=existing.pk
            )
        ticket = OfflineTicket.objects.create(
            widget=chat.widget,
            name=chat.name,
            email=chat.email,
            question=note or chat.question or "Follow-up of a chat.",
            chat=chat,
            assigned_to=assigned_to,
            assigned_department=assigned_department,
        )
        transaction.on_commit(partial(_tickets_changed, widget_id=chat.widget_id, new=False))
    return ticket


def _tickets_changed(*, widget_id: int, new: bool) -> None:
    """Tell the dashboards that hear the widget's queue: their open-ticket counts follow (each
    asks for its own), and a new ticket rings like a waiting chat."""
    live_send(widget_queue_group(widget_id), {"event": "tickets.changed", "new": new})


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
    if changed:
        transaction.on_commit(partial(_tickets_changed, widget_id=ticket.widget_id, new=False))
    return bool(changed)


logger = logging.getLogger(__name__)


@transaction.atomic
def ticket_reply_add(
    *, ticket: OfflineTicket, operator: Operator, body: str, kind: str, base_url: str = ""
) -> TicketReply:
    """Add an answer or a staff note to the ticket's thread. An answer is emailed to the patron
    once this commits (`ticket_answer_mail`) and marks the ticket answered by this operator,
    unless someone already had. Refused, nothing stored, for an empty or too long text."""
    body = body_sanitise(body)  # the editor's markup: bold, italic, links, FAQ cards
    if ticket.anonymised_at:
        raise ChatInvalid(
            gettext("The retention setting removed this ticket's details; it is closed.")
        )
    if kind not in TicketReply.Kind.values:
        raise ChatInvalid(gettext("Say whether this is an answer or a note."))
    if not body_has_text(body):
        raise ChatInvalid(
            gettext("Write the answer first.")
            if kind == "answer"
            else gettext("Write the note first.")
        )
    if len(body) > MESSAGE_MAX_CHARS:
        raise ChatInvalid(
            gettext("That is %(length)s characters; %(max)s at most. Nothing was sent.")
            % {
                "length": number_format(len(body), force_grouping=True),
                "max": number_format(MESSAGE_MAX_CHARS, force_grouping=True),
            }
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
        task_enqueue_on_commit(
            "chats.tasks.ticket_answer_email_send", reply_id=reply.pk, base_url=base_url
        )
    return reply


def ticket_answer_retry(*, reply: TicketReply, base_url: str = "") -> bool:
    """Send a failed answer's mail again; whether it was one to retry (a second click while it
    is sending does nothing)."""
    retried = TicketReply.objects.filter(pk=reply.pk, mail=TicketReply.Mail.FAILED).update(
        mail=TicketReply.Mail.SENDING, mail_error=""
    )
    if retried:
        task_enqueue_on_commit(
            "chats.tasks.ticket_answer_email_send", reply_id=reply.pk, base_url=base_url
        )
    reply.refresh_from_db()
    return bool(retried)


def _answer_mail(reply: TicketReply, base_url: str = "") -> tuple[str, str]:
    """Subject and text of an answer's email: the answer, then the question as it was asked,
    and for a follow-up the chat's transcript (files as links under `base_url`)."""
    ticket = reply.ticket
    widget = ticket.widget
    # A ticket keeps no language of its own: the widget's, or the site's when it follows the
    # patron's browser.
    following = widget.language == Widget.FOLLOW_BROWSER
    with translation.override(settings.LANGUAGE_CODE if following else widget.language):
        subject = gettext("Re: your question to %(title)s") % {"title": widget.title}
        asked = gettext("On %(date)s you asked:") % {
            "date": date_format(timezone.localtime(ticket.created_at), "SHORT_DATETIME_FORMAT")
        }
        quoted = "\n".join(f"> {line}" for line in ticket.question.splitlines())
        text = f"{html_as_text(reply.body)}\n\n{asked}\n{quoted}\n"
        if ticket.chat_id:  # a follow-up: the chat it follows, as the patron's own transcript
            chat = ticket.chat
            lines = [
                transcript_line(chat, message, base_url, patron=chat.name or gettext("You"))
                for message in selectors.chat_messages(chat_id=chat.pk)
            ]
            text += "\n" + gettext("Your chat:") + "\n" + "\n".join(lines) + "\n"
    return subject, text


def ticket_answer_mail(*, reply_id: int, base_url: str = "") -> str:
    """Email an answer to the patron (the worker's side of `ticket_reply_add`) and record how
    it went: sent, or failed with the mail server's reason, for an operator to Retry."""
    reply = TicketReply.objects.select_related("ticket__widget", "ticket__chat").get(pk=reply_id)
    if reply.mail != TicketReply.Mail.SENDING:
        return reply.mail  # sent already, or not an answer
    subject, text = _answer_mail(reply, base_url)
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
