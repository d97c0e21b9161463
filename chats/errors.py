"""Refusals of patron chat operations; each carries a code and a message a person can read."""


class ChatError(Exception):
    code = "chat_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ChatNotFound(ChatError):
    code = "unknown_chat"


class ChatAccessDenied(ChatError):
    code = "forbidden"


class ChatTaken(ChatError):
    code = "chat_taken"


class ChatClosed(ChatError):
    code = "chat_ended"


class WidgetOffline(ChatError):
    code = "widget_offline"


class RateLimited(ChatError):
    code = "rate_limited"
