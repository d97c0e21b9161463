"""The status API through the real ASGI application: warm answers come from Redis in the event
loop, the same as the Django view's, and a miss falls through to the view."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import HttpCommunicator
from django.core.cache import cache
from django.core.handlers.asgi import ASGIHandler

from libchat.asgi import application
from tests.factories import OperatorFactory, WidgetFactory
from tests.widgets.people import signed_in
from widgets import selectors, services
from widgets.status_api import StatusFastPath

pytestmark = pytest.mark.django_db(transaction=True)

ALLOWED = "https://www.library.example"


async def get(
    path: str, *, origin: str | None = None, host: bytes = b"localhost", app=application, extra=()
):
    headers = [(b"host", host), *extra] + ([(b"origin", origin.encode())] if origin else [])
    response = await HttpCommunicator(app, "GET", path, headers=headers).get_response()
    response["headers"] = {k.decode().lower(): v.decode() for k, v in response["headers"]}
    return response


@pytest.fixture(autouse=True)
def every_request_reads_redis(settings):
    # The tests below change what Redis holds between two requests of the same id; the copy
    # each process keeps for a second has its own tests at the end.
    settings.LIBCHAT_STATUS_FRESH_SECONDS = 0


@pytest.fixture
def widget():
    operator = OperatorFactory()
    widget = WidgetFactory(first_operator=operator, first_department=None, allowed_origins=ALLOWED)
    widget.operator = operator
    return widget


@database_sync_to_async
def warm_cache_from_redis_directly_proves_the_fast_path(widget_id, online):
    # The fast path reads only Redis: write a state the database could not produce.
    cache.set(selectors.state_cache_key(widget_id), {"online": online, "origins": [ALLOWED]})


async def test_a_warm_answer_comes_from_the_cache_with_cors_and_security_headers(widget):
    await warm_cache_from_redis_directly_proves_the_fast_path(widget.pk, True)
    response = await get(f"/api/1.0/chat/widgets/status/{widget.pk}", origin=ALLOWED)
    assert response["status"] == 200
    assert response["body"] == b'{"online": true}'
    headers = response["headers"]
    assert headers["access-control-allow-origin"] == "*"
    assert headers["content-type"] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "no-store" in headers["cache-control"]


async def test_any_origin_may_read_it_and_jsonp_is_checked(widget):
    await warm_cache_from_redis_directly_proves_the_fast_path(widget.pk, False)
    response = await get(
        f"/api/1.0/chat/widgets/status/{widget.pk}", origin="https://other.example"
    )
    assert response["body"] == b'{"online": false}'
    assert response["headers"]["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response["headers"]
    jsonp = await get(f"/api/1.0/chat/widgets/status/{widget.pk}?callback=lib.cb")
    assert jsonp["body"] == b'/**/lib.cb({"online": false});'
    bad = await get(f"/api/1.0/chat/widgets/status/{widget.pk}?callback=alert(1)//")
    assert bad["status"] == 400
    assert b"alert" not in bad["body"]


async def test_a_cache_miss_falls_through_to_the_view_which_computes_and_stores(widget):
    await database_sync_to_async(signed_in)(widget.operator)
    await database_sync_to_async(cache.delete)(selectors.state_cache_key(widget.pk))
    response = await get(f"/api/1.0/chat/widgets/status/{widget.pk}")
    assert response["status"] == 200
    assert response["body"] == b'{"online": true}'
    stored = await database_sync_to_async(cache.get)(selectors.state_cache_key(widget.pk))
    assert stored["online"] is True


async def test_unknown_widget_is_a_404_json_both_cold_and_warm():
    for _ in range(2):  # the first computes and stores "missing", the second reads it
        response = await get("/api/1.0/chat/widgets/status/999999")
        assert response["status"] == 404
        assert b"not_found" in response["body"]


async def test_a_host_outside_allowed_hosts_is_left_to_django(widget):
    await warm_cache_from_redis_directly_proves_the_fast_path(widget.pk, True)
    response = await get(f"/api/1.0/chat/widgets/status/{widget.pk}", host=b"evil.example")
    assert response["status"] == 400


@database_sync_to_async
def libchat_id_set(widget, libchat_id):
    widget.libchat_id = libchat_id
    widget.save()
    services.widget_status_refresh(widget_ids=[widget.pk])  # as the receivers do after commit


async def test_libchats_path_and_a_libchat_id_are_answered_from_the_cache(widget):
    await libchat_id_set(widget, 9616)
    # A state the database could not produce, under the widget's id; the alias leads there.
    await database_sync_to_async(cache.set)(
        selectors.state_cache_key(widget.pk),
        {"online": True, "origins": [ALLOWED], "libchat_id": 9616},
    )
    for path in [f"/1.0/chat/widgets/status/{9616}", f"/api/1.0/chat/widgets/status/{9616}",
                 f"/1.0/chat/widgets/status/{widget.pk}"]:  # fmt: skip
        response = await get(path, origin="https://any.library.example")
        assert (response["status"], response["body"]) == (200, b'{"online": true}'), path
        assert response["headers"]["access-control-allow-origin"] == "*"
    jsonp = await get("/1.0/chat/widgets/status/9616?callback=jQuery1_2")
    assert jsonp["body"] == b'/**/jQuery1_2({"online": true});'


async def test_a_libchat_id_the_widget_gave_up_is_not_answered_from_a_stale_alias(widget):
    await libchat_id_set(widget, 9616)
    assert (await get("/1.0/chat/widgets/status/9616"))["status"] == 200
    await libchat_id_set(widget, 4321)  # alias 9616 -> widget stays in Redis, now stale
    assert (await get("/1.0/chat/widgets/status/9616"))["status"] == 404
    assert (await get("/1.0/chat/widgets/status/4321"))["status"] == 200
    stored = await database_sync_to_async(cache.get)(selectors.libchat_alias_cache_key(9616))
    assert stored == selectors.MISSING  # the view replaced the stale alias


async def test_unknown_ids_are_404_on_libchats_path_both_cold_and_warm():
    for _ in range(2):
        response = await get("/1.0/chat/widgets/status/999999")
        assert response["status"] == 404
        assert response["headers"]["access-control-allow-origin"] == "*"


SECURITY_HEADERS = {
    "strict-transport-security",
    "x-content-type-options",
    "referrer-policy",
    "cross-origin-opener-policy",
    "x-frame-options",
    "content-security-policy",
}


def production_app(settings):
    """The ASGI application as daphne runs it with DEBUG off: Django's middleware reads the
    SECURE_* settings when it is built, so it is built after the test sets them."""
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_SSL_REDIRECT = True
    return StatusFastPath(ASGIHandler())


async def test_a_warm_answer_over_https_has_the_security_headers_django_sends(widget, settings):
    app = production_app(settings)
    path = f"/api/1.0/chat/widgets/status/{widget.pk}"
    behind_proxy = [(b"x-forwarded-proto", b"https")]
    cold = await get(path, app=app, extra=behind_proxy)  # the view computes and stores
    assert cold["body"] == b'{"online": false}'
    await warm_cache_from_redis_directly_proves_the_fast_path(widget.pk, True)
    warm = await get(path, app=app, extra=behind_proxy)
    assert warm["body"] == b'{"online": true}'

    def security(response):
        return {k: v for k, v in response["headers"].items() if k in SECURITY_HEADERS}

    assert security(warm) == security(cold)
    assert warm["headers"]["strict-transport-security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


async def test_a_plain_http_status_request_is_redirected_to_https_when_configured(widget, settings):
    app = production_app(settings)
    await warm_cache_from_redis_directly_proves_the_fast_path(widget.pk, True)
    response = await get(f"/api/1.0/chat/widgets/status/{widget.pk}?callback=cb", app=app)
    assert response["status"] == 301
    assert response["headers"]["location"] == (
        f"https://localhost/api/1.0/chat/widgets/status/{widget.pk}?callback=cb"
    )
    assert "strict-transport-security" not in response["headers"]  # only ever sent over HTTPS


class Clock:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now


@pytest.fixture
def kept_for_a_second(settings, monkeypatch):
    """A fresh fast path in front of Django, keeping answers for 1 s of a clock the test moves,
    and counting its Redis reads."""
    import widgets.status_api as status_api

    settings.LIBCHAT_STATUS_FRESH_SECONDS = 1.0
    clock = Clock()
    monkeypatch.setattr(status_api, "time", clock)
    fast_path = StatusFastPath(ASGIHandler())
    reads = []
    cached = fast_path._cached

    async def counted(status_id):
        reads.append(status_id)
        return await cached(status_id)

    monkeypatch.setattr(fast_path, "_cached", counted)
    return fast_path, clock, reads


async def test_a_process_reads_each_widget_once_a_second_and_sees_a_flip_after_it(
    widget, kept_for_a_second
):
    fast_path, clock, reads = kept_for_a_second
    path = f"/api/1.0/chat/widgets/status/{widget.pk}"
    await warm_cache_from_redis_directly_proves_the_fast_path(widget.pk, True)
    for _ in range(50):
        assert (await get(path, app=fast_path))["body"] == b'{"online": true}'
    assert reads == [widget.pk]  # fifty polls, one Redis read

    await warm_cache_from_redis_directly_proves_the_fast_path(widget.pk, False)
    clock.now += 0.9  # within the second: the copy, at most a second old
    assert (await get(path, app=fast_path))["body"] == b'{"online": true}'
    clock.now += 0.2  # past it: the flip is seen
    assert (await get(path, app=fast_path))["body"] == b'{"online": false}'
    jsonp = await get(path + "?callback=cb", app=fast_path)
    assert jsonp["body"] == b'/**/cb({"online": false});'  # the copy serves every form
    assert reads == [widget.pk, widget.pk]


async def test_the_copy_of_ids_anyone_can_ask_for_cannot_grow_without_bound(
    widget, kept_for_a_second, monkeypatch
):
    import widgets.status_api as status_api

    fast_path, clock, reads = kept_for_a_second
    monkeypatch.setattr(status_api, "FRESH_MAX_IDS", 3)
    kept_sizes = []
    for status_id in (999001, 999002, 999003, 999004):
        for _ in range(2):  # a miss goes to Django, which stores the 404 the next one reads
            response = await get(f"/api/1.0/chat/widgets/status/{status_id}", app=fast_path)
            assert response["status"] == 404
        kept_sizes.append(len(fast_path.fresh))
    assert kept_sizes == [1, 2, 3, 1]  # full at three: forgotten, then the fourth kept
    await warm_cache_from_redis_directly_proves_the_fast_path(widget.pk, True)
    response = await get(f"/api/1.0/chat/widgets/status/{widget.pk}", app=fast_path)
    assert response["body"] == b'{"online": true}'
