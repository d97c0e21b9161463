"""A chat's transcript sent by email to the patron: asked for on the patron's socket, sent by the
Celery worker after commit, so a slow mail server never holds up the socket."""

import html

from django.core.mail import send_mail
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import gettext

from chats import selectors
from chats.errors import ChatInvalid
from chats.models import PatronChat, PatronMessage
from libchat.core.jobs import task_enqueue_on_commit


def transcript_line(chat: PatronChat, message: dict, base_url: str, *, patron: str) -> str:
    """One line of a chat as text: its time (UTC), who wrote it (`patron` for the patron),
    what it said and links to its files under `base_url`."""
    text = strip_tags(message["body"].replace("<br>", "\n"))
    files = [f"{file['name']}: {base_url}{file['url']}" for file in message["attachments"]]
    text = "\n".join(filter(None, [html.unescape(text), *files]))
    # A line from LibChat itself has no speaker, as on the transcript page.
    if message["sender"] != PatronMessage.Sender.SYSTEM:
        who = patron if message["sender"] == "patron" else message["operator"]
        text = f"{who}: {text}"
    return f"[{message['created_at'][11:16]} UTC] {text}"


def chat_transcript_email(*, chat: PatronChat, base_url: str = "") -> None:
    """Have the transcript emailed to the address the patron gave; files are links under
    `base_url` (this site's address, e.g. https://chat.library.example)."""
    if not chat.email:
        raise ChatInvalid(gettext("No email address was given for this chat."))
    task_enqueue_on_commit(
        "chats.tasks.chat_transcript_email_send", chat_id=chat.pk, base_url=base_url
    )


def chat_transcript_send(*, chat_id: int, base_url: str) -> None:
    """Send the transcript through Django's email backend (the worker's side of the above), in
    the language the patron's page spoke; the lines LibChat stored stay as they were written."""
    chat = PatronChat.objects.select_related("widget").get(pk=chat_id)
    messages = selectors.chat_messages(chat_id=chat.pk)
    with translation.override(chat.language):
        patron = chat.name or gettext("You")
        lines = [transcript_line(chat, m, base_url, patron=patron) for m in messages]
        subject = gettext("Your chat with %(title)s") % {"title": chat.widget.title}
        question = gettext("Your question: %(question)s") % {"question": chat.question}
    send_mail(
        subject=subject,
        message="\n".join([question, "", *lines]),
        from_email=None,
        recipient_list=[chat.email],
    )
