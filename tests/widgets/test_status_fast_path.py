"""The status API through the real ASGI application: warm answers come from Redis in the event
loop, the same as the Django view's, and a miss falls through to the view."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import HttpCommunicator
from django.core.cache import cache

from libchat.asgi import application
from tests.factories import OperatorFactory, WidgetFactory
from tests.widgets.people import signed_in
from widgets import selectors

pytestmark = pytest.mark.django_db(transaction=True)

ALLOWED = "https://www.library.example"


async def get(path: str, *, origin: str | None = None, host: bytes = b"localhost"):
    headers = [(b"host", host)] + ([(b"origin", origin.encode())] if origin else [])
    response = await HttpCommunicator(application, "GET", path, headers=headers).get_response()
    response["headers"] = {k.decode().lower(): v.decode() for k, v in response["headers"]}
    return response


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
    assert headers["access-control-allow-origin"] == ALLOWED
    assert headers["content-type"] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == "frame-ancestors 'none'"
    assert "no-store" in headers["cache-control"]


async def test_no_cors_for_another_origin_and_jsonp_is_checked(widget):
    await warm_cache_from_redis_directly_proves_the_fast_path(widget.pk, False)
    response = await get(f"/api/1.0/chat/widgets/status/{widget.pk}", origin="https://evil.example")
    assert "access-control-allow-origin" not in response["headers"]
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
