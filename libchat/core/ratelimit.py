"""Fixed-window rate limits kept in the shared cache, so every daphne process counts together,
and the refusal a socket sends when one is reached."""

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext

from libchat.core.refusals import Refusal


class RateLimited(Refusal):
    """Too many of one kind of request: nothing was done, and the message says what to do."""

    def __init__(self, message: str):
        super().__init__("rate_limited", message)


def rate_limit_hit(*, key: str, limit: int, seconds: int) -> bool:
    """Count one attempt under `key`; True when it goes over `limit` in the current window."""
    window = int(time.time() // seconds)
    cache_key = f"ratelimit:{key}:{window}"
    cache.add(cache_key, 0, timeout=seconds * 2)
    try:
        return cache.incr(cache_key) > limit
    except ValueError:  # expired between add and incr: this is the first hit of a new window
        cache.set(cache_key, 1, timeout=seconds * 2)
        return False


def _message_rate_check(*, sender: str, per_minute: int) -> None:
    # Counted over every socket of the sender (a patron's chat, an operator's tabs), so opening
    # more sockets does not raise the allowance.
    if rate_limit_hit(key=f"messages:{sender}", limit=per_minute, seconds=60):
        raise RateLimited(gettext("You are sending messages too fast. Wait a moment."))


def patron_message_rate_check(*, chat_id: int) -> None:
    """Refuse a patron's message over LIBCHAT_PATRON_MESSAGES_PER_MINUTE for their chat."""
    _message_rate_check(
        sender=f"chat-{chat_id}", per_minute=settings.LIBCHAT_PATRON_MESSAGES_PER_MINUTE
    )


def operator_message_rate_check(*, operator_id: int) -> None:
    """Refuse an operator's message over LIBCHAT_OPERATOR_MESSAGES_PER_MINUTE: one generous
    allowance for all they send, in internal chat and to patrons, that no person typing reaches."""
    _message_rate_check(
        sender=f"operator-{operator_id}", per_minute=settings.LIBCHAT_OPERATOR_MESSAGES_PER_MINUTE
    )
