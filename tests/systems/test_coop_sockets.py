"""The co-op queue over the dashboard socket: a co-op monitor of another library hears the new
chat in Waiting at once and claims it."""

import pytest
from channels.db import database_sync_to_async

from accounts.selectors import browser_key_for
from accounts.services import libchat_sign_in
from chats import services as chat_services
from tests.live import dashboard_socket, login_cookie, receive_event
from tests.systems.test_coop import coop_libraries

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_coop_monitor_hears_and_claims_another_librarys_chat():
    people = await database_sync_to_async(coop_libraries)()
    bob = people["bob"]
    key = await login_cookie(bob)
    await database_sync_to_async(libchat_sign_in)(operator=bob, browser_key=browser_key_for(key))
    dashboard, connected, _ = await dashboard_socket(session_key=key)
    assert connected
    # Reachable once connected: the dashboard then holds the queues Bob answers.
    assert (await receive_event(dashboard, "chat.waiting_list"))["waiting"] == []

    chat, _ = await database_sync_to_async(chat_services.chat_start)(
        widget=people["widget"], question="Can I renew by chat?"
    )
    waiting = await receive_event(dashboard, "chat.waiting")
    assert waiting["chat"]["id"] == chat.pk
    await dashboard.send_json_to({"action": "patron.claim", "chat_id": chat.pk})
    assert (await receive_event(dashboard, "chat.opened"))["chat"]["id"] == chat.pk
    await dashboard.disconnect()
