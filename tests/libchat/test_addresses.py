"""Addresses are kept only as keyed hashes: the hash, and the chat-start limit counted by it."""

import pytest
from django.core.cache import cache

from libchat.core.addresses import address_hash
from tests.chats.people import desk

IP = "203.0.113.77"


def test_the_address_hash_is_keyed_by_the_secret_key_and_holds_no_address(settings):
    assert len(address_hash(IP)) == 64 and IP not in address_hash(IP)
    assert address_hash(IP) == address_hash(IP)  # the same patron while SECRET_KEY lasts
    assert address_hash(IP, salt="another.use") != address_hash(IP)
    before = address_hash(IP)
    settings.SECRET_KEY = "another key entirely, long enough for the test"
    assert address_hash(IP) != before  # not a plain hash anyone could recompute


@pytest.mark.django_db
def test_the_chat_start_limit_counts_by_the_hash_so_no_cache_key_holds_the_address(client):
    d = desk()
    client.post(f"/widget/{d.widget.pk}/chat/", {"question": "Hi"}, REMOTE_ADDR=IP)
    keys = [key.decode() for key in cache._cache.get_client().keys("*")]
    assert any(address_hash(IP) in key for key in keys)
    assert not any(IP in key for key in keys)
