"""`{% internal_chat_section %}`: the Internal Chat lists and chat pane, on the Chats tab or on
its own Internal tab."""

from django import template

from internalchat import selectors
from libchat.core.messages import MESSAGE_MAX_CHARS

register = template.Library()


@register.inclusion_tag("internalchat/section.html", takes_context=True)
def internal_chat_section(context):
    operator = context["request"].user
    mentions = selectors.mentions_for(operator=operator)
    return {
        "user": operator,
        "sidebar": selectors.sidebar_for(operator=operator, directory=context.get("directory")),
        "mentions": mentions,
        "mentions_unread": sum(1 for m in mentions if m["unread"]),
        "csrf_token": context.get("csrf_token"),
        "max_chars": MESSAGE_MAX_CHARS,
    }
