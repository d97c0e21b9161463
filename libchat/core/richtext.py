"""The HTML a chat message may hold. Staff write rich text (static/js/editor.js), cleaned with
nh3 so that nothing else survives; a patron writes plain text (the widget's text box), which
becomes HTML showing exactly that text."""

import html

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


def text_normalise(text: str) -> str:
    """Plain text as a browser's text box gives it: \\n line breaks, no NUL (which PostgreSQL
    cannot store), no space around it."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "").strip()


def text_as_html(text: str) -> str:
    """Normalised plain text as HTML that shows it as typed: every <, > and & escaped, each line
    break a <br>. Nothing in it is markup, so no text can pose as a link, bold or a FAQ card."""
    return html.escape(text, quote=False).replace("\n", "<br>")
