"""No patron IP address is kept: not in the database, not in the cache's keys, not in the access
log. A patron chats, leaves a ticket and is blocked through a real daphne (behind a proxy that
names them in X-Forwarded-For); then every text of every table, every Redis key and the log are
searched for their address."""

import json
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from chats import services
from chats.models import PatronChat
from libchat.core.addresses import address_hash
from tests.chats.people import desk
from tests.processes import Server

IP = "203.0.113.77"
REF = "0123456789abcdef0123456789abcdef"


def post(server: Server, path: str, form: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        server.url + path, data=urlencode(form).encode(), headers={"X-Forwarded-For": IP}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def tables_holding(text: str) -> list[str]:
    """ "table.column" for every column of every table with a value that holds `text`."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                name = connection.ops.quote_name(column.name)
                cursor.execute(
                    f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)} "  # noqa: S608
                    f"WHERE CAST({name} AS TEXT) LIKE %s",
                    [f"%{text}%"],
                )
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{column.name}")
    return found


def redis_keys() -> list[str]:
    return [key.decode() for key in cache._cache.get_client().keys("*")]


def patron_visits(server: Server, d) -> PatronChat:
    """Ada chats (the pre-chat form), leaves a ticket, is blocked, and tries again."""
    status, answer = post(server, f"/widget/{d.widget.pk}/chat/", {"question": "Hi", "patron": REF})
    assert status == 201
    status, _ = post(
        server, f"/widget/{d.widget.pk}/ticket/", {"email": "ada@example.org", "question": "Hi"}
    )
    assert status == 201
    chat = services.chat_claim(
        chat=PatronChat.objects.get(pk=answer["chat_id"]), operator=d.operators[0]
    )
    services.patron_block(chat=chat, operator=d.operators[0], duration="lifted", reason="Spam")
    status, _ = post(server, f"/widget/{d.widget.pk}/chat/", {"question": "Again", "patron": REF})
    assert status == 403
    return chat


@pytest.mark.django_db(transaction=True)
def test_no_patron_ip_in_the_database_the_cache_keys_or_the_access_log():
    d = desk()
    # A wrong password from the same address too: the log-in throttle keeps its own stand-in.
    Client().post("/accounts/login/", {"username": "ada", "password": "x"}, REMOTE_ADDR=IP)
    server = Server(daphne_args=("--proxy-headers",))
    try:
        chat = patron_visits(server, d)
    finally:
        server.stop()
    # The address did reach LibChat: the chat, the block and the rate limit hold its hash.
    assert chat.address_hash == address_hash(IP)
    assert any(address_hash(IP) in key for key in redis_keys())
    assert tables_holding(address_hash(IP)) == ["chats_patronblock.address_hash",
                                                "chats_patronchat.address_hash"]  # fmt: skip
    assert tables_holding(IP) == []
    assert [key for key in redis_keys() if IP in key] == []
    log = Path(server.log.name).read_text()
    assert f"POST /widget/{d.widget.pk}/chat/" in log
    assert IP not in log


@pytest.mark.django_db(transaction=True)
def test_the_access_log_keeps_addresses_only_when_the_site_asks_for_it():
    d = desk()
    server = Server(daphne_args=("--proxy-headers",), extra_env={"LIBCHAT_LOG_PATRON_IPS": "true"})
    try:
        status, _ = post(server, f"/widget/{d.widget.pk}/chat/", {"question": "Hi"})
    finally:
        server.stop()
    assert status == 201
    assert f"{IP}:0 - - [" in Path(server.log.name).read_text()  # daphne's own line, port and all
