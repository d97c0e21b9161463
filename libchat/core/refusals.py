"""The one base of every refusal a service raises: a write or an action refused for what the
person asked, with a `code` the page can act on and a `message` it can show as it is.

Sockets turn any refusal into an error frame in one place (`libchat.core.protocol`
`refusal_as_event`), so an app raises its own refusal and never translates another's.
"""

from typing import Any

from django.http import JsonResponse


class Refusal(Exception):
    """Nothing was changed. `details` go out with the error frame beside code and message."""

    def __init__(self, code: str, message: str, **details: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


def refusal_response(refusal: Refusal, *, status: int = 400) -> JsonResponse:
    """A refusal as the answer to a page's fetch (a file upload, a button)."""
    return JsonResponse({"code": refusal.code, "message": refusal.message}, status=status)
