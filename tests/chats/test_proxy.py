"""Behind a reverse proxy, the per-IP limits count each patron's own address, not the proxy's."""

import json
import urllib.error
import urllib.request

import pytest

from tests.factories import WidgetFactory
from tests.processes import Server


def post(url: str, forwarded_for: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=b"question=Hours%3F", headers={"X-Forwarded-For": forwarded_for}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@pytest.fixture
def servers(transactional_db):
    limits = {"LIBCHAT_CHAT_STARTS_PER_IP": "2"}
    direct = Server(extra_env=limits)
    proxied = Server(extra_env=limits, daphne_args=("--proxy-headers",))
    yield direct, proxied
    direct.stop()
    proxied.stop()


def test_with_proxy_headers_each_forwarded_address_has_its_own_limit(servers):
    direct, proxied = servers
    widget = WidgetFactory(offline_message="Back at 9.")  # offline: a start is refused with 409
    path = f"/widget/{widget.pk}/chat/"

    # Patrons behind the proxy: the third start from one address is refused, another goes on.
    assert [post(proxied.url + path, "203.0.113.7")[0] for _ in range(3)] == [409, 409, 429]
    status, body = post(proxied.url + path, "198.51.100.4")
    assert (status, body["message"]) == (409, "Back at 9.")

    # Without proxy headers the header is ignored: it cannot be forged to dodge the limit.
    assert [post(direct.url + path, f"192.0.2.{n}")[0] for n in range(3)] == [409, 409, 429]
