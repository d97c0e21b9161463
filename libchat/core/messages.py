"""What a chat message may be, for patron chats and internal chat alike: one limit, one way to
clean a body, one wording for each refusal and one rule for a retried send. Each app keeps its
own tables and its own lock; `message_check` runs before either, and stores nothing."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db.models import Model, QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext

from libchat.core.refusals import Refusal
from libchat.core.richtext import (
    body_has_text,
    body_sanitise,
    links_add,
    text_as_html,
    text_normalise,
)
from libchat.core.uploads import CheckedFile, file_check

MESSAGE_MAX_CHARS = 4000
CLIENT_MSG_ID_MAX_CHARS = 64


class MessageRefused(Refusal):
    """A message refused for what it holds (nothing, too much, a bad client_msg_id or a bad
    file); nothing was stored."""


@dataclass(frozen=True)
class CheckedMessage:
    body: str
    """As stored: sanitised HTML, or a patron's text escaped."""
    files: list[CheckedFile]
    client_msg_id: str


def message_check(
    *,
    body: str,
    client_msg_id: str,
    files: Sequence[UploadedFile] = (),
    markup: bool,
    client_msg_id_required: bool = False,
) -> CheckedMessage:
    """Check a message before it is stored, and clean its body.

    With `markup` (staff), the body is rich text sanitised to the allowlist and counted as the
    editor counts it, markup included; without (a patron), it is plain text stored escaped, so it
    can never pass for staff content, and counted as typed. In both, typed http(s) addresses
    become links (`richtext.links_add`). A message holds some text unless files come with it,
    and at most `MESSAGE_MAX_CHARS`. The client_msg_id, which makes a
    retried send store nothing new, is at most 64 characters once stripped.
    """
    client_msg_id = str(client_msg_id).strip()
    if len(client_msg_id) > CLIENT_MSG_ID_MAX_CHARS or (
        client_msg_id_required and not client_msg_id
    ):
        raise MessageRefused(
            "bad_client_msg_id",
            gettext("Each message needs a client_msg_id (%(max)s characters at most).")
            % {"max": CLIENT_MSG_ID_MAX_CHARS},
        )
    checked = [file_check(upload=upload) for upload in files]
    if markup:
        clean = body_sanitise(body)
        length = len(clean)
    else:
        text = text_normalise(body)
        clean, length = text_as_html(text), len(text)
    if not checked and not body_has_text(clean):
        raise MessageRefused("empty", gettext("Type a message first."))
    if length > MESSAGE_MAX_CHARS:
        raise MessageRefused(
            "too_long",
            gettext("Messages can be %(max)s characters at most; this one has %(length)s.")
            % {
                "max": number_format(MESSAGE_MAX_CHARS, force_grouping=True),
                "length": number_format(length, force_grouping=True),
            },
        )
    # Typed addresses become links once the length is known: the editor counts what was typed.
    return CheckedMessage(links_add(clean), checked, client_msg_id)


def message_sent_before(*, sent: QuerySet, client_msg_id: str) -> Model | None:
    """The message a retried send stored the first time: `sent` holds the same sender's
    messages; None for a first send, or one without a client_msg_id."""
    return sent.filter(client_msg_id=client_msg_id).first() if client_msg_id else None
