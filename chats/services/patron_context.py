"""Where a chat came from, for the operator's patron panel: the library page it was started on
(when the widget sends it), the random patron id the library's pages keep in the patron's
browser, and the browser and device in a few words. None of it is something the patron typed,
so a value that does not fit is left out, never a reason to refuse the chat."""

import re
from urllib.parse import urlsplit, urlunsplit

from ua_parser import parse

from chats.models import PAGE_URL_MAX_CHARS
from widgets.models import Widget

PATRON_REF = re.compile(r"[0-9a-f]{32}")
BROWSER_MAX_CHARS = 100
USER_AGENT_MAX_CHARS = 1000  # longer is no browser's; parsing it would only cost time
# Families that say nothing a person would recognise.
_UNNAMED = {"Other", "Generic Smartphone", "Generic Feature Phone", "K"}


def page_url_clean(url: str) -> str:
    """An http(s) address without its fragment, or "" when it is none; over the length cap, its
    query goes first (the page is still found), and an address still too long is left out."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return ""
    if any(c.isspace() or ord(c) < 32 for c in url.strip()):
        return ""
    cleaned = urlunsplit(parts._replace(fragment=""))
    if len(cleaned) > PAGE_URL_MAX_CHARS:
        cleaned = urlunsplit(parts._replace(query="", fragment=""))
    return cleaned if len(cleaned) <= PAGE_URL_MAX_CHARS else ""


def browser_describe(user_agent: str) -> str:
    """ "Chrome 120 on Windows 10", "Mobile Safari 17 on iOS 17, iPhone": the browser, its
    system and, for a named device, the device; "" when the User-Agent names none of them."""
    if not user_agent or len(user_agent) > USER_AGENT_MAX_CHARS:
        return ""
    result = parse(user_agent)
    words = []
    if result.user_agent and result.user_agent.family not in _UNNAMED:
        words.append(" ".join(filter(None, [result.user_agent.family, result.user_agent.major])))
    if result.os and result.os.family not in _UNNAMED:
        # macOS froze its version in the User-Agent at 10.15: it would only mislead.
        major = None if result.os.family == "Mac OS X" else result.os.major
        words.append(" ".join(filter(None, ["on", result.os.family, major])))
    text = " ".join(words)
    device = result.device.family if result.device else None
    if device and device not in _UNNAMED and device != "Mac":
        text = ", ".join(filter(None, [text, device]))
    return text[:BROWSER_MAX_CHARS]


def patron_context_clean(
    *, widget: Widget, page_url: str = "", patron_ref: str = "", user_agent: str = ""
) -> dict[str, str]:
    """The chat's context fields as stored: the page only when the widget sends it."""
    return {
        "page_url": page_url_clean(page_url) if widget.send_page_url else "",
        "patron_ref": patron_ref if PATRON_REF.fullmatch(patron_ref) else "",
        "browser": browser_describe(user_agent),
    }
