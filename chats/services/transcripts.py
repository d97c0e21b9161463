"""A chat's transcript sent by email to the patron."""

import html

from django.core.mail import send_mail
from django.utils.html import strip_tags

from chats import selectors
from chats.errors import ChatInvalid
from chats.models import (
    PatronChat,
    PatronMessage,
)


def _transcript_line(chat: PatronChat, message: dict, base_url: str) -> str:
    text = strip_tags(message["body"].replace("<br>", "\n"))
    files = [f"{file['name']}: {base_url}{file['url']}" for file in message["attachments"]]
    text = "\n".join(filter(None, [html.unescape(text), *files]))
    # A line from LibChat itself has no speaker, as on the transcript page.
    if message["sender"] != PatronMessage.Sender.SYSTEM:
        who = (chat.name or "You") if message["sender"] == "patron" else message["operator"]
        text = f"{who}: {text}"
    return f"[{message['created_at'][11:16]} UTC] {text}"


def chat_transcript_email(*, chat: PatronChat, base_url: str = "") -> None:
    """Email the transcript to the address the patron gave (Django's email backend); files
    are links under `base_url` (this site's address, e.g. https://chat.library.example)."""
    if not chat.email:
        raise ChatInvalid("No email address was given for this chat.")
    lines = [_transcript_line(chat, m, base_url) for m in selectors.chat_messages(chat_id=chat.pk)]
    send_mail(
        subject=f"Your chat with {chat.widget.title}",
        message="\n".join([f"Your question: {chat.question}", "", *lines]),
        from_email=None,
        recipient_list=[chat.email],
    )
