"""The dashboard header's state and open tickets, computed only when a template uses them, the
messages shown after an action that reloads the page, and the version of the script texts'
catalogue."""

import functools

from django.contrib.messages import get_messages
from django.utils.functional import SimpleLazyObject

from accounts import selectors
from chats.selectors import tickets_open_count
from libchat.core.languages import catalog_version


def libchat_header(request):
    def compute():
        session_key = request.session.session_key or ""
        return selectors.header_state(
            operator=request.user, browser_key=selectors.browser_key_for(session_key)
        )

    @functools.cache  # once for the page: the header and the console's Tickets link show it
    def open_tickets():
        return tickets_open_count(operator=request.user)

    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    # The open tickets are counted in the page as it is served, so the header does not grow a
    # line when the script's count arrives (on a phone that pushed the page down under the
    # reader's focus); a template that never shows them never counts them.
    return {"libchat_header": SimpleLazyObject(compute), "libchat_open_tickets": open_tickets}


def flash_messages(request):
    # Django's own context variable, `messages`, is a name pages use for chat messages.
    return {"flash_messages": get_messages(request)}


def texts_catalog(request):
    """The version of the compiled script texts, which pages put in their catalogue's address."""
    return {"catalog_version": catalog_version()}
