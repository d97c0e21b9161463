"""A chat's transcript sent by email: asked for on the patron's socket, or sent by an operator
from the transcript page; sent by the Celery worker after commit, so a slow mail server never
holds up the socket, and recorded (to whom, when, by whom, sent or failed)."""

import smtplib

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import Operator
from chats import selectors
from chats.errors import ChatInvalid
from chats.models import PatronChat, PatronMessage, TranscriptEmail
from libchat.core.jobs import task_enqueue_on_commit
from libchat.core.richtext import html_as_text


def transcript_line(chat: PatronChat, message: dict, base_url: str, *, patron: str) -> str:
    """One line of a chat as text: its time (UTC), who wrote it (`patron` for the patron),
    what it said and links to its files under `base_url`."""
    files = [f"{file['name']}: {base_url}{file['url']}" for file in message["attachments"]]
    text = "\n".join(filter(None, [html_as_text(message["body"]), *files]))
    # A line from LibChat itself has no speaker, as on the transcript page.
    if message["sender"] != PatronMessage.Sender.SYSTEM:
        who = patron if message["sender"] == "patron" else message["operator"]
        text = f"{who}: {text}"
    return f"[{message['created_at'][11:16]} UTC] {text}"


def chat_transcript_email(
    *, chat: PatronChat, base_url: str = "", operator: Operator | None = None, to: str = ""
) -> TranscriptEmail:
    """Have the transcript emailed, and record it: by default to the address the patron gave
    (what a patron asks for in the chat); an operator may send it to another address. Files are
    links under `base_url` (this site's address, e.g. https://chat.library.example)."""
    to = to.strip() or chat.email
    if not to:
        raise ChatInvalid(gettext("No email address was given for this chat."))
    try:
        validate_email(to)
    except ValidationError:
        raise ChatInvalid(gettext("Enter a valid email address.")) from None
    record = TranscriptEmail.objects.create(chat=chat, to=to, sent_by=operator)
    task_enqueue_on_commit(
        "chats.tasks.chat_transcript_email_send",
        chat_id=chat.pk,
        base_url=base_url,
        email_id=record.pk,
    )
    return record


def chat_transcript_send(*, chat_id: int, base_url: str, email_id: int | None = None) -> None:
    """Send the transcript through Django's email backend (the worker's side of the above), in
    the language the patron's page spoke, LibChat's own lines in the chat too. The record says
    sent, or failed with the reason (the task then tries again, backing off)."""
    chat = PatronChat.objects.select_related("widget").get(pk=chat_id)
    record = TranscriptEmail.objects.filter(pk=email_id).first() if email_id else None
    with translation.override(chat.language):
        messages = selectors.chat_messages(chat_id=chat.pk)
        patron = chat.name or gettext("You")
        lines = [transcript_line(chat, m, base_url, patron=patron) for m in messages]
        subject = gettext("Your chat with %(title)s") % {"title": chat.widget.title}
        question = gettext("Your question: %(question)s") % {"question": chat.question}
    try:
        send_mail(
            subject=subject,
            message="\n".join([question, "", *lines]),
            from_email=None,
            recipient_list=[record.to if record else chat.email],
        )
    except (smtplib.SMTPException, OSError) as error:
        if record:
            record.status, record.error = TranscriptEmail.Status.FAILED, str(error)[:300]
            record.save(update_fields=["status", "error"])
        raise
    if record:
        record.status, record.sent_at, record.error = (
            TranscriptEmail.Status.SENT,
            timezone.now(),
            "",
        )
        record.save(update_fields=["status", "sent_at", "error"])
