"""The public status API's answer, shared by the Django view and the ASGI fast path.

`GET /api/1.0/chat/widgets/status/<id>` (or `/1.0/...`, the path Springshare's LibChat pages use)
is what every library page polls, so a warm answer is made in the event loop straight from Redis
(`StatusFastPath`), outside Django's request cycle, whose sync middleware runs in one shared
thread, and each process keeps what it read for LIBCHAT_STATUS_FRESH_SECONDS (1 s) so that a
busy site's polls cost one Redis read per widget per second, not one per request. A cache miss
falls through to the Django view, which computes the state once and stores it.
The answer carries the headers Django's security middleware would add, and a request it would
redirect to HTTPS goes to Django.
"""

import asyncio
import functools
import json
import pickle
import re
import time
import weakref
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import redis.asyncio
from csp.utils import build_policy
from django.conf import settings
from django.core.cache import cache, caches
from django.http.request import split_domain_port, validate_host
from django.utils.http import http_date

from widgets.selectors import (
    WidgetPublicState,
    libchat_alias_cache_key,
    state_cache_key,
    state_from_cache,
    status_state_cached,
    status_target,
)

JS_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]{0,63}(\.[A-Za-z_$][A-Za-z0-9_$]{0,63}){0,4}")
STATUS_PATH = re.compile(r"/(?:api/)?1\.0/chat/widgets/status/(\d{1,18})")
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"
FRESH_MAX_IDS = 10_000


@dataclass(frozen=True)
class StatusAnswer:
    status: int
    content_type: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)


# Whether a widget is online is public (JSONP has always served it to any page), and library
# sites poll it from every page and from developers' local copies: any origin may read it,
# without credentials, so no cookie ever rides along.
PUBLIC = {"Access-Control-Allow-Origin": "*"}
# The answer to a preflight: GET only, the headers library pages' scripts are seen to add, and
# a day's leave so a page polling every 15 s asks once.
PREFLIGHT = {
    **PUBLIC,
    "Access-Control-Allow-Methods": "GET, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Cache-Control, Content-Type, X-Requested-With",
    "Access-Control-Max-Age": "86400",
}


def _error(status: int, code: str, message: str) -> StatusAnswer:
    body = json.dumps({"error": code, "message": message})
    return StatusAnswer(status, "application/json", body, PUBLIC)


def status_answer(*, state: WidgetPublicState | None, callback: str | None) -> StatusAnswer:
    """`{"online": bool}` (or JSONP), readable by any origin."""
    if callback is not None and not JS_IDENTIFIER.fullmatch(callback):
        return _error(400, "bad_callback", "callback must be a JavaScript identifier.")
    if state is None:
        return _error(404, "not_found", "No such widget.")
    body = json.dumps({"online": state.online})
    if callback is not None:
        # /**/ keeps the first bytes from being read as anything but a comment.
        return StatusAnswer(200, "text/javascript", f"/**/{callback}({body});", PUBLIC)
    return StatusAnswer(200, "application/json", body, PUBLIC)


# One client per event loop: a client's connections belong to the loop that made them.
_redis_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def redis_for_loop() -> redis.asyncio.Redis:
    loop = asyncio.get_running_loop()
    if loop not in _redis_clients:
        _redis_clients[loop] = redis.asyncio.Redis.from_url(settings.REDIS_URL)
    return _redis_clients[loop]


def _loads(raw: bytes | None) -> dict | None:
    # Django's Redis cache pickles what it stores; this is our own Redis.
    return None if raw is None else pickle.loads(raw)  # noqa: S301


@functools.cache
def _cache_backend():
    # For its key function only. The `cache` proxy is kept per async context: each open socket's
    # task would hold a backend of its own and, once it had read anything, a Redis connection.
    return caches.create_connection("default")


async def widget_state_cached(*, widget_id: int) -> tuple[bool, WidgetPublicState | None]:
    """(found, state) as `selectors.widget_state_get` reads the cache, in one round trip from the
    event loop; found is False on a miss (the selector then computes it)."""
    key = _cache_backend().make_and_validate_key(state_cache_key(widget_id))
    raw = await redis_for_loop().get(key)
    return (False, None) if raw is None else (True, state_from_cache(_loads(raw)))


@functools.cache
def _content_security_policy() -> str:
    # The site's policy as the middleware sends it on an answer that is not a page; built once
    # rather than for each answer (about 50 µs each time).
    return build_policy()


def security_headers(*, secure: bool) -> dict[str, str]:
    """The headers Django's middleware adds to the view's answer (SecurityMiddleware per the
    SECURE_* settings, X_FRAME_OPTIONS, our Content-Security-Policy), for the answers made without
    it: Django's own code would cost this path more than the Redis read it makes."""
    headers = {}
    if settings.SECURE_HSTS_SECONDS and secure:
        headers["Strict-Transport-Security"] = "; ".join(
            [f"max-age={settings.SECURE_HSTS_SECONDS}"]
            + ["includeSubDomains"] * settings.SECURE_HSTS_INCLUDE_SUBDOMAINS
            + ["preload"] * settings.SECURE_HSTS_PRELOAD
        )
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers["X-Content-Type-Options"] = "nosniff"
    if policy := settings.SECURE_REFERRER_POLICY:
        policies = policy.split(",") if isinstance(policy, str) else policy
        headers["Referrer-Policy"] = ",".join(p.strip() for p in policies)
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers["Cross-Origin-Opener-Policy"] = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
    headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    headers["Content-Security-Policy"] = _content_security_policy()
    return headers


class StatusFastPath:
    """ASGI middleware: answers warm status requests from Redis, passes everything else on."""

    def __init__(self, app):
        self.app = app
        # status id -> (read until, found, state): what Redis said, kept for a second.
        self.fresh: dict[int, tuple[float, bool, WidgetPublicState | None]] = {}
        # (status id, query string, secure) -> (until, the two ASGI messages of the answer)
        self.made: dict[tuple[int, bytes, bool], tuple[float, dict, dict]] = {}

    async def __call__(self, scope, receive, send):
        match = (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and STATUS_PATH.fullmatch(scope["path"])
        )
        # A request Django would redirect to HTTPS is left to Django, which does.
        secure = match and self._secure(scope)
        if match and self._host_allowed(scope) and (secure or not settings.SECURE_SSL_REDIRECT):
            # The same question within the second gets the same bytes: made once, sent again.
            asked = (int(match[1]), scope["query_string"], secure)
            made = self.made.get(asked)
            if made is not None and made[0] > time.monotonic():
                await send(dict(made[1]))  # copies: a server may take the messages apart
                await send(dict(made[2]))
                return
            found, state = await self._fresh(asked[0])
            if found:
                start, body = self._messages(self._answer(scope, state), secure=secure)
                kept = self.fresh.get(asked[0])
                if kept is not None:  # kept no longer than what it was made from
                    if len(self.made) >= FRESH_MAX_IDS:
                        self.made.clear()
                    self.made[asked] = (kept[0], start, body)
                await send(dict(start))
                await send(dict(body))
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _header(scope, name: bytes) -> str | None:
        for key, value in scope["headers"]:
            if key == name:
                return value.decode("latin-1")
        return None

    def _secure(self, scope) -> bool:
        """Django's `request.is_secure()`: the proxy's header named by SECURE_PROXY_SSL_HEADER
        when the request carries it, else the connection's own scheme."""
        if settings.SECURE_PROXY_SSL_HEADER:
            meta_name, secure_value = settings.SECURE_PROXY_SSL_HEADER
            name = meta_name.removeprefix("HTTP_").replace("_", "-").lower().encode()
            value = self._header(scope, name)
            if value is not None:
                return value.split(",", 1)[0].strip() == secure_value
        return scope.get("scheme") == "https"

    def _host_allowed(self, scope) -> bool:
        domain, _ = split_domain_port(self._header(scope, b"host") or "")
        return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)

    async def _fresh(self, status_id: int) -> tuple[bool, WidgetPublicState | None]:
        """`_cached`, read from Redis at most once a LIBCHAT_STATUS_FRESH_SECONDS per id."""
        keep_for = settings.LIBCHAT_STATUS_FRESH_SECONDS
        now = time.monotonic()
        kept = self.fresh.get(status_id)
        if kept is not None and kept[0] > now:
            return kept[1], kept[2]
        found, state = await self._cached(status_id)
        if found and keep_for > 0:
            if len(self.fresh) >= FRESH_MAX_IDS:
                # Ids come from anyone's URL: forget them all rather than grow without bound.
                self.fresh.clear()
            self.fresh[status_id] = (now + keep_for, found, state)
        return found, state

    async def _cached(self, status_id: int) -> tuple[bool, WidgetPublicState | None]:
        """(found, state) for the status URL's id, as `selectors.widget_state_by_status_id`
        reads it: one round trip, two when the id is a LibChat widget id."""
        client, key = redis_for_loop(), cache.make_and_validate_key
        raw_alias, raw_own = await client.mget(
            key(libchat_alias_cache_key(status_id)), key(state_cache_key(status_id))
        )
        target = status_target(status_id=status_id, alias=_loads(raw_alias))
        if target is None:
            return False, None
        raw = raw_own if target == status_id else await client.get(key(state_cache_key(target)))
        return status_state_cached(status_id=status_id, target=target, cached=_loads(raw))

    def _answer(self, scope, state: WidgetPublicState | None) -> StatusAnswer:
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        return status_answer(state=state, callback=query.get("callback"))

    @staticmethod
    def _messages(answer: StatusAnswer, *, secure: bool) -> tuple[dict, dict]:
        body = answer.body.encode()
        headers = {
            "Content-Type": f"{answer.content_type}; charset=utf-8"
            if answer.content_type != "application/json"
            else answer.content_type,
            "Content-Length": str(len(body)),
            "Cache-Control": NEVER_CACHE,
            "Expires": http_date(),
            **security_headers(secure=secure),
            **answer.headers,
        }
        start = {
            "type": "http.response.start",
            "status": answer.status,
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        }
        return start, {"type": "http.response.body", "body": body}
