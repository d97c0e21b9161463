"""The collision guard: who has a waiting chat open in their console, so that two operators
about to claim the same patron each read "Bob is looking at this chat".

Kept in Redis, not in a process, so every daphne process sees every looker: per chat a hash of
the sockets looking at it (channel name → operator and when they last said so), and per socket
the chat it looks at. A socket says which chat it looks at when the operator opens one, again at
each ping (so a looker whose process died without a word fades after LIBCHAT_LOOKING_SECONDS),
and none when they look elsewhere or the socket closes. Each change is told to the chat's queue.
"""

import json
import time

from django.conf import settings
from django.core.cache import cache

from accounts.models import Operator
from chats.groups import queue_groups
from chats.models import PatronChat
from libchat.core.live import live_send


def _redis():
    # The cache's own Redis client: the hash commands Django's cache API does not offer.
    return cache._cache.get_client(write=True)


def _lookers_key(chat_id: int) -> str:
    return cache.make_and_validate_key(f"chat-lookers:{chat_id}")


def _looking_key(channel_name: str) -> str:
    return cache.make_and_validate_key(f"chat-looking:{channel_name}")


def chat_lookers(*, chat_id: int) -> list[dict]:
    """The operators looking at the chat now (each once, by name), as [{"id", "name"}]."""
    fresh_after = time.time() - settings.LIBCHAT_LOOKING_SECONDS
    seen: dict[int, str] = {}
    for raw in _redis().hvals(_lookers_key(chat_id)):
        looker = json.loads(raw)
        if looker["at"] > fresh_after:
            seen[looker["id"]] = looker["name"]
    return [{"id": pk, "name": name} for pk, name in sorted(seen.items(), key=lambda p: p[1])]


def chat_look(*, channel_name: str, operator: Operator, chat: PatronChat | None) -> None:
    """This socket of `operator` now looks at `chat` (a waiting chat the caller checked they
    may take), or at none. Saying it again refreshes it; a change is told to the queues."""
    redis, seconds = _redis(), settings.LIBCHAT_LOOKING_SECONDS
    raw_before = redis.get(_looking_key(channel_name))
    before = int(raw_before) if raw_before else None
    now_id = chat.pk if chat else None
    with redis.pipeline() as pipe:
        if before is not None and before != now_id:
            pipe.hdel(_lookers_key(before), channel_name)
        if chat is not None:
            looker = {"id": operator.pk, "name": operator.name, "at": time.time()}
            pipe.hset(_lookers_key(chat.pk), channel_name, json.dumps(looker))
            pipe.expire(_lookers_key(chat.pk), seconds)
            pipe.set(_looking_key(channel_name), chat.pk, ex=seconds)
        else:
            pipe.delete(_looking_key(channel_name))
        pipe.execute()
    if before == now_id:
        return
    if before is not None:
        left = PatronChat.objects.filter(pk=before).first()
        if left is not None:
            _announce(left)
    if chat is not None:
        _announce(chat)


def _announce(chat: PatronChat) -> None:
    frame = {"event": "chat.lookers", "chat_id": chat.pk, "lookers": chat_lookers(chat_id=chat.pk)}
    for group in queue_groups(chat):
        live_send(group, frame)
