"""The lines of a chat: messages from the patron or the claimant, with files, and LibChat's own
system lines. Each is numbered in its chat and announced to both sides after commit."""

import secrets
from collections.abc import Iterable
from functools import partial

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import Operator
from accounts.selectors import operator_text
from chats import selectors
from chats.errors import ChatAccessDenied, ChatClosed
from chats.groups import patron_group
from chats.lines import LINES
from chats.models import ChatParticipant, PatronAttachment, PatronChat, PatronMessage
from libchat.core.live import live_send, operator_group
from libchat.core.messages import message_check, message_sent_before
from libchat.core.richtext import text_as_html
from libchat.core.tokens import secret_hash
from libchat.core.uploads import CheckedFile, files_storing


def _message_create(
    *,
    chat: PatronChat,
    sender: str,
    body: str,
    operator: Operator | None,
    client_msg_id: str,
    files: Iterable[tuple[CheckedFile, str]] = (),
    announce: bool = True,
    line: str = "",
    line_args: dict | None = None,
) -> PatronMessage:
    """Append a message to a chat row locked by the caller; numbers grow by one. `files` are
    the message's files, already stored: (checked file, stored name). Unless `announce` is
    False, both sides get it after commit."""
    chat.last_message_id += 1
    PatronChat.objects.filter(pk=chat.pk).update(last_message_id=chat.last_message_id)
    message = PatronMessage.objects.create(
        chat=chat,
        number=chat.last_message_id,
        sender=sender,
        operator=operator,
        body=body,
        client_msg_id=client_msg_id,
        line=line,
        line_args=line_args or {},
    )
    attachments = PatronAttachment.objects.bulk_create(
        _attachment_new(message, item, name) for item, name in files
    )
    if announce:
        transaction.on_commit(partial(_announce_message, chat, message, attachments))
    return message


def _attachment_new(message: PatronMessage, item: CheckedFile, name: str) -> PatronAttachment:
    attachment = PatronAttachment(
        message=message, file=name, key_nonce=secrets.token_hex(32), **item.described()
    )
    attachment.key_hash = secret_hash(selectors.attachment_key(attachment))
    return attachment


def chat_system_line(
    *, chat: PatronChat, line: str, holder: Operator | None = None, **args
) -> PatronMessage:
    """Post a line from LibChat itself (not the patron, not an operator) into the chat: one of
    `chats.lines.LINES` with the names it holds. It shows on both sides, each in its reader's
    language, and in the transcript. Runs inside the caller's transaction. `holder`, when the
    caller has them, is the operator who holds the chat (else they are read to write it out)."""
    locked = PatronChat.objects.select_for_update().get(pk=chat.pk)
    return system_line_create(chat=locked, line=line, args=args, holder=holder)


def system_line_create(
    *,
    chat: PatronChat,
    line: str,
    args: dict,
    announce: bool = True,
    holder: Operator | None = None,
) -> PatronMessage:
    """A system line in a chat row locked by the caller. Its names are people's own (the
    patron's from the pre-chat form), so it is written out escaped, like a patron's message: a
    name is never markup on the operator's screen."""
    message = _message_create(
        chat=chat,
        sender=PatronMessage.Sender.SYSTEM,
        body=text_as_html(LINES.stored(line, args)),
        operator=None,
        client_msg_id="",
        announce=False,
        line=line,
        line_args=args,
    )
    if announce:
        transaction.on_commit(partial(_announce_message, chat, message, [], holder))
    return message


def _announce_message(
    chat: PatronChat,
    message: PatronMessage,
    attachments: list[PatronAttachment],
    holder: Operator | None = None,
) -> None:
    # Each side reads it in its own language: a line from LibChat is written out for each.
    with translation.override(chat.language):
        event = selectors.message_as_event(message, attachments)
    live_send(
        patron_group(chat.pk), {"event": "chat.message", "chat_id": chat.pk, "message": event}
    )
    if chat.claimed_by_id:
        if message.line:
            if holder is None or holder.pk != chat.claimed_by_id:
                holder = Operator.objects.get(pk=chat.claimed_by_id)
            event = operator_text(holder, lambda: selectors.message_as_event(message, attachments))
        live_send(
            operator_group(chat.claimed_by_id),
            {"event": "chat.message", "chat_id": chat.pk, "message": event},
        )


def message_send(
    *,
    chat: PatronChat,
    body: str,
    client_msg_id: str = "",
    operator: Operator | None = None,
    files: list[UploadedFile] | tuple = (),
) -> PatronMessage:
    """Store a message from the patron (operator None) or from the chat's claimant, who may
    send files too. The claimant writes rich text, the patron plain text; both are checked and
    cleaned by the one message core (`libchat.core.messages.message_check`). A retried send
    with the same client_msg_id returns the message stored the first time. Refusals store
    nothing.
    """
    if files and operator is None:
        raise ChatAccessDenied(gettext("Only the operator can send files."))
    checked = message_check(
        body=body, client_msg_id=client_msg_id, files=files, markup=operator is not None
    )
    sender = PatronMessage.Sender.OPERATOR if operator else PatronMessage.Sender.PATRON
    with files_storing("chats", checked.files) as stored, transaction.atomic():
        locked = PatronChat.objects.select_for_update().get(pk=chat.pk)
        if locked.state == PatronChat.State.ENDED:
            raise ChatClosed(gettext("This chat has ended."))  # the patron may read it
        if operator and locked.claimed_by_id != operator.pk:
            raise ChatAccessDenied(gettext("Only the operator who claimed this chat can reply."))
        earlier = message_sent_before(
            sent=PatronMessage.objects.filter(chat=locked, sender=sender),
            client_msg_id=checked.client_msg_id,
        )
        if earlier:
            return earlier
        message = _message_create(
            chat=locked,
            sender=sender,
            body=checked.body,
            operator=operator,
            client_msg_id=checked.client_msg_id,
            files=stored,
        )
        if operator:
            _answered(chat=locked, operator=operator, at=message.created_at)
        stored.keep()
        return message


def _answered(*, chat: PatronChat, operator: Operator, at) -> None:
    """An operator's line answers the chat: the chat's first response and this operator's
    first message are each set once (the chat row is locked by the caller)."""
    if chat.first_response_at is None:
        chat.first_response_at = at
        PatronChat.objects.filter(pk=chat.pk).update(first_response_at=at)
    ChatParticipant.objects.filter(
        chat=chat, operator=operator, first_message_at__isnull=True
    ).update(first_message_at=at)
