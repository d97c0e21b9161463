"""The patron's socket, `ws/widget/<token>/`: the token is the only credential (no cookie).

An unknown or ended token gets an error frame and the socket closes with 4404 (no reconnect).
Core actions (send, typing, end, ...) live here; apps built on chats add theirs, fields of
`hello` and disconnect hooks through `libchat.core.live` (the patron-socket registry).
"""

import asyncio
import contextlib
from urllib.parse import urlsplit

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.http.request import validate_host
from django.utils import translation
from django.utils.translation import gettext

from chats import groups, selectors, services
from chats.errors import ChatNotFound
from chats.models import PatronChat
from libchat.core import live
from libchat.core.db import database_sync_to_async
from libchat.core.protocol import frame_parse, refusal_as_event
from libchat.core.ratelimit import RateLimited, patron_message_rate_check, rate_limit_hit
from libchat.core.refusals import Refusal

CLOSE_UNKNOWN_CHAT = 4404
ACTIONS = {"pong", "sync", "send", "typing", "end", "rate", "email_transcript"}


@database_sync_to_async
def _chat_for(token: str) -> PatronChat:
    chat = selectors.chat_by_token(token=token)
    if chat.state == PatronChat.State.ENDED:
        with translation.override(chat.language):
            raise ChatNotFound(gettext("This chat has ended. Start a new chat."))
    return chat


@database_sync_to_async
def _arrive(chat: PatronChat) -> dict:
    services.chat_patron_seen(chat=chat)
    services.chat_patron_page(chat_id=chat.pk, here=True)
    return {**selectors.patron_state(chat=chat), **live.patron_hello_fields(chat)}


def _site_url(scope: dict) -> str:
    """This site's address as the patron's page knows it (the iframe is served by LibChat, so
    its Origin is ours), for links in emails; empty unless it names one of ALLOWED_HOSTS."""
    origin = dict(scope.get("headers", [])).get(b"origin", b"").decode("latin-1")
    parts = urlsplit(origin)
    if parts.scheme in {"http", "https"} and validate_host(
        parts.hostname or "", settings.ALLOWED_HOSTS
    ):
        return f"{parts.scheme}://{parts.netloc}"
    return ""


class PatronChatConsumer(live.LiveEvents, AsyncJsonWebsocketConsumer):
    """Satisfies `live.PatronSocket`, the contract registered patron actions rely on."""

    async def connect(self):
        self.joined: set[str] = set()  # groups joined through registered actions (a screenshare)
        self.language = settings.LANGUAGE_CODE  # the patron's, once their chat is known
        try:
            self.chat = await _chat_for(self.scope["url_route"]["kwargs"]["token"])
        except ChatNotFound as error:
            await self.accept()  # to say why before closing
            await self.send_json(refusal_as_event(error))
            await self.close(code=CLOSE_UNKNOWN_CHAT)
            return
        # Accepted only once it can hear its chat: with the channel layer down (a Redis outage)
        # the handshake is refused, so the page never sees an "open" and keeps backing off.
        if not await self.groups_enter([groups.patron_group(self.chat.pk)]):
            await self.close()
            return
        self.group = groups.patron_group(self.chat.pk)
        self.language = self.chat.language
        state = await _arrive(self.chat)
        await self.accept()
        await self.send_json({"event": "chat.hello", **state})
        self.ping_task = asyncio.create_task(self._ping_forever())

    async def disconnect(self, code):
        if hasattr(self, "group"):
            self.ping_task.cancel()
            for group in {self.group, *self.joined}:
                await self.channel_layer.group_discard(group, self.channel_name)
            await live.run_patron_disconnect_hooks(self)
            await database_sync_to_async(services.chat_patron_page)(
                chat_id=self.chat.pk, here=False
            )

    async def _ping_forever(self):
        # The page answers each ping with a pong (socket.js); a waiting chat whose page stops
        # answering is ended by the chats-watch job, so the queue holds no one who left.
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                await asyncio.sleep(settings.LIBCHAT_PING_SECONDS)
                await self.send_json({"event": "ping"})

    async def receive(self, text_data=None, bytes_data=None):
        handlers = live.registered_patron_actions()
        frame = None
        # What LibChat answers is in the patron's language (the threads the actions run in
        # inherit it).
        with translation.override(self.language):
            try:
                action, frame = frame_parse(text_data, allowed_actions={*ACTIONS, *handlers})
                if action in handlers:
                    reply = await handlers[action](self, frame)
                else:
                    reply = await self._act(action, frame)
            except Refusal as refusal:
                reply = refusal_as_event(refusal, frame=frame)
        if reply:
            await self.send_json(reply)

    @database_sync_to_async
    def _act(self, action: str, frame: dict) -> dict | None:
        if action == "pong":
            # The page answers every ping; a page that pongs faster is written down once per
            # window, which is all the patron-gone watch needs.
            if not rate_limit_hit(
                key=f"patron-pong:{self.channel_name}",
                limit=1,
                seconds=settings.LIBCHAT_PATRON_PONG_WRITE_SECONDS,
            ):
                services.chat_patron_seen(chat=self.chat)
            return None
        if action == "typing":
            services.chat_typing(chat=self.chat)  # coalesced there, before any query
            return None
        if action == "sync" and rate_limit_hit(
            key=f"patron-sync:{self.chat.pk}",
            limit=settings.LIBCHAT_PATRON_SYNCS_PER_MINUTE,
            seconds=60,
        ):
            raise RateLimited(gettext("Too many requests. Wait a moment and try again."))
        self.chat.refresh_from_db()
        if action == "sync":
            after = frame.get("after") if isinstance(frame.get("after"), int) else 0
            messages = selectors.chat_messages(chat_id=self.chat.pk, after=after)
            return {
                "event": "chat.history",
                "messages": messages,
                **selectors.patron_state(chat=self.chat),
            }
        if action == "send":
            patron_message_rate_check(chat_id=self.chat.pk)
            services.message_send(
                chat=self.chat,
                body=str(frame.get("body", "")),
                client_msg_id=str(frame.get("client_msg_id", "")),
            )
        elif action == "end":
            services.chat_end(chat=self.chat)
        elif action == "rate":
            services.chat_rate(
                chat=self.chat, rating=frame.get("rating"), comment=str(frame.get("comment", ""))
            )
            return {"event": "chat.rated"}
        elif action == "email_transcript":
            if rate_limit_hit(key=f"patron-email:{self.chat.pk}", limit=3, seconds=3600):
                raise RateLimited(gettext("The transcript was emailed already. Check your inbox."))
            services.chat_transcript_email(chat=self.chat, base_url=_site_url(self.scope))
            return {"event": "chat.emailed", "to": self.chat.email}
        return None
