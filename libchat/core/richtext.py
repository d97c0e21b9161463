"""The HTML a chat message may hold. Staff write rich text (static/js/editor.js), cleaned with
nh3 so that nothing else survives; a patron writes plain text (the widget's text box), which
becomes HTML showing exactly that text."""

import html
import re

import nh3

# The FAQ card the FAQs button inserts: <div class="faq-card"><b>question</b><br>answer<br>
# <a href="...">link</a></div>.
_CLEAN_OPTIONS = {
    "tags": {"b", "i", "u", "br", "a", "div"},
    "attributes": {"a": {"href"}},
    "allowed_classes": {"div": {"faq-card"}},
    "url_schemes": {"http", "https", "mailto"},
    "link_rel": "noopener noreferrer nofollow",
    "set_tag_attribute_values": {"a": {"target": "_blank"}},
}


def body_sanitise(body: str) -> str:
    """Bold, italic, underline, line breaks, http/https/mailto links and FAQ cards."""
    return nh3.clean(body, **_CLEAN_OPTIONS).strip()


def body_has_text(html: str) -> bool:
    return bool(nh3.clean(html, tags=set()).strip())


def html_as_text(body: str) -> str:
    """Stored message HTML as plain text for an email: line breaks kept, tags gone, entities
    read ("R&amp;D" is "R&D")."""
    return html.unescape(nh3.clean(body.replace("<br>", "\n"), tags=set())).strip()


def text_normalise(text: str) -> str:
    """Plain text as a browser's text box gives it: \\n line breaks, no NUL (which PostgreSQL
    cannot store), no space around it."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "").strip()


def text_as_html(text: str) -> str:
    """Normalised plain text as HTML that shows it as typed: every <, > and & escaped, each line
    break a <br>. Nothing in it is markup, so no text can pose as a link, bold or a FAQ card."""
    return html.escape(text, quote=False).replace("\n", "<br>")


# An http or https address as typed: up to a space, a quote or an angle bracket (escaped or not);
# a full stop, comma or closing bracket at its end is the sentence's, not the address's.
_TYPED_URL = re.compile(r"https?://(?:(?!&lt;|&gt;|&quot;|&#x27;)[^\s<>\"'])+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}'"
_TAG = re.compile(r"(<[^>]*>)")


def _link(match: re.Match) -> str:
    url = match.group(0)
    trailing = ""
    while url and url[-1] in _URL_TRAILING:
        url, trailing = url[:-1], url[-1] + trailing
    if url.endswith("&amp;"):  # "…?a=1&" typed before a space
        url, trailing = url[: -len("&amp;")], "&amp;" + trailing
    return f'<a href="{url}" target="_blank" rel="noopener noreferrer nofollow">{url}</a>{trailing}'


def links_add(body: str) -> str:
    """Typed http and https addresses in a stored body (HTML: sanitised, or a patron's escaped
    text) become links that open in a new tab; text already inside a link is left alone. The
    address is the body's own escaped text, so it holds no quote or bracket to break out of
    the attribute."""
    parts = _TAG.split(body)
    inside_link = False
    for index, part in enumerate(parts):
        if index % 2:  # a tag
            name = part[1:].lstrip("/").split(maxsplit=1)[0].rstrip(">").lower() if part else ""
            if name == "a":
                inside_link = not part.startswith("</")
        elif not inside_link:
            parts[index] = _TYPED_URL.sub(_link, part)
    return "".join(parts)
