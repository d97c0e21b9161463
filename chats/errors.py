"""Refusals of patron chat operations; each carries a code and a message a person can read."""

from typing import Any

from libchat.core.refusals import Refusal


class ChatError(Refusal):
    code = "chat_error"

    def __init__(self, message: str, **details: Any):
        super().__init__(self.code, message, **details)


class ChatNotFound(ChatError):
    code = "unknown_chat"


class ChatAccessDenied(ChatError):
    code = "forbidden"


class ChatTaken(ChatError):
    code = "chat_taken"


class ChatClosed(ChatError):
    code = "chat_ended"


class ChatInvalid(ChatError):
    """An answer the chat cannot take: a rating out of range, a transfer to nobody."""

    code = "invalid"


class WidgetOffline(ChatError):
    code = "widget_offline"


class ChatUnavailable(ChatError):
    """The patron may not start a chat or leave a ticket. Its words are the same whatever the
    reason, so a blocked patron cannot tell a block from any other refusal."""

    code = "unavailable"
