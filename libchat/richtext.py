"""The HTML a chat message may hold, the same in internal chat and patron chats: what the
editor (static/js/editor.js) writes, cleaned with nh3 so that nothing else survives."""

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
