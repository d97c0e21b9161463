"""The dashboard header's state, computed only when a template uses it, the messages shown after
an action that reloads the page, and the version of the script texts' catalogue."""

from django.contrib.messages import get_messages
from django.utils.functional import SimpleLazyObject

from accounts import selectors
from libchat.core.languages import catalog_version


def libchat_header(request):
    def compute():
        session_key = request.session.session_key or ""
        return selectors.header_state(
            operator=request.user, browser_key=selectors.browser_key_for(session_key)
        )

    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"libchat_header": SimpleLazyObject(compute)}


def flash_messages(request):
    # Django's own context variable, `messages`, is a name pages use for chat messages.
    return {"flash_messages": get_messages(request)}


def texts_catalog(request):
    """The version of the compiled script texts, which pages put in their catalogue's address."""
    return {"catalog_version": catalog_version()}
