"""Tagging a chat with the kinds of question it was, from the list the admin keeps."""

from django.db import transaction
from django.utils.translation import gettext

from chats import selectors
from chats.errors import ChatInvalid
from chats.models import ChatTag, PatronChat

# The READ scale (Reference Effort Assessment Data, Gerlich & Berard): six levels of the effort a
# question took, which many libraries report by. Migration 0010 adds them, switched off.
READ_LEVELS = [
    "Least effort: directions, policies, no resource consulted.",
    "Some effort: a quick look-up in one resource, little or no instruction.",
    "Reference knowledge: several resources or searches, some instruction.",
    "Considerable effort: specialised resources, subject knowledge, instruction in using them.",
    "Substantial effort: in-depth research, several sources, referral or follow-up.",
    "The most effort: extended research over more than one session, often with others.",
]


def read_scale_offer() -> list[ChatTag]:
    """Offer the READ scale's six levels to operators (the demo site does): switched on, and
    made again if they were deleted."""
    tags = []
    for level, description in enumerate(READ_LEVELS, start=1):
        tag, _ = ChatTag.objects.update_or_create(
            name=f"READ {level}",
            defaults={"active": True},
            create_defaults={
                "description": description,
                "scale": ChatTag.Scale.READ,
                "active": True,
                "position": 100 + level,
            },
        )
        tags.append(tag)
    return tags


@transaction.atomic
def chat_tag_set(*, chat: PatronChat, tag_id: int, on: bool) -> list[ChatTag]:
    """Put one tag on the chat or take it off, and return the chat's tags in list order. One
    tag at a time, so two operators tagging the same chat (the one who handed it over and the
    one who took it) never undo each other. A tag the admin has switched off can be taken off
    but not put on; refused (nothing changed) for a tag that does not exist."""
    tag = ChatTag.objects.filter(pk=tag_id).first()
    if tag is None or (on and not tag.active):
        raise ChatInvalid(
            gettext("There is no such tag to add, or it is no longer offered."), tag=tag_id
        )
    if on:
        chat.tags.add(tag)
    else:
        chat.tags.remove(tag)
    return selectors.chat_tags(chat=chat)
