"""The dashboard socket: who may connect, the protocol, and live presence."""

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from accounts import selectors, services
from accounts.models import DashboardConnection
from accounts.tasks import presence_expire
from tests.factories import OperatorFactory, WidgetFactory
from tests.live import ClosingServer, dashboard_socket, login_cookie, receive_close, receive_event
from widgets.selectors import widget_state_get

pytestmark = pytest.mark.django_db(transaction=True)


async def test_anonymous_socket_is_refused():
    communicator, connected, code = await dashboard_socket(None)
    assert not connected
    assert not await database_sync_to_async(DashboardConnection.objects.exists)()


async def test_socket_from_a_foreign_origin_is_refused():
    operator = await database_sync_to_async(OperatorFactory)()
    _, connected, _ = await dashboard_socket(operator, origin=b"https://evil.example")
    assert not connected


async def test_socket_of_an_account_that_is_not_an_operator_is_refused():
    admin_only = await database_sync_to_async(OperatorFactory)(is_operator=False)
    _, connected, code = await dashboard_socket(admin_only)
    assert not connected
    assert code == 4403


async def test_hello_tells_the_header_state_and_the_connection_is_recorded():
    operator = await database_sync_to_async(OperatorFactory)()
    communicator, connected, hello = await dashboard_socket(operator)
    assert connected
    assert hello == {
        "event": "hello",
        "libchat_online": False,
        "me": {"id": operator.pk, "signed_in": False, "signed_in_here": False, "status": "offline"},
    }
    assert await database_sync_to_async(DashboardConnection.objects.count)() == 1
    await communicator.disconnect()
    assert await database_sync_to_async(DashboardConnection.objects.count)() == 0


@pytest.mark.parametrize(
    "frame, code",
    [
        ('{"action": "launch_missiles"}', "unknown_action"),
        ("not json", "bad_json"),
        ("[" * 60000, "bad_json"),  # nested deeper than the parser recurses
        ('["pong"]', "bad_frame"),
        ('{"action": "pong", "pad": "' + "x" * 70000 + '"}', "too_large"),
        ('{"action": "set_status", "status": "busy"}', "invalid_status"),
        ('{"action": "set_status", "status": "away"}', "not_signed_in"),
    ],
)
async def test_bad_frames_get_an_error_frame_and_change_nothing(frame, code):
    operator = await database_sync_to_async(OperatorFactory)()
    communicator, _, _ = await dashboard_socket(operator)
    await communicator.send_to(text_data=frame)
    error = await receive_event(communicator, "error")
    assert error["code"] == code
    assert error["message"]
    assert await database_sync_to_async(selectors.active_session)(operator=operator) is None
    await communicator.send_to(text_data='{"action": "set_status", "status": "busy"}')
    assert (await receive_event(communicator, "error"))["code"] == "invalid_status"  # still open
    await communicator.disconnect()


async def test_a_sign_in_is_announced_to_other_operators_dashboards():
    alice, bob = await database_sync_to_async(OperatorFactory.create_batch)(2)
    bob_socket, _, hello = await dashboard_socket(bob)
    assert hello["libchat_online"] is False

    alice_key = await login_cookie(alice)
    alice_socket, _, _ = await dashboard_socket(session_key=alice_key)
    await database_sync_to_async(services.libchat_sign_in)(
        operator=alice, browser_key=selectors.browser_key_for(alice_key)
    )
    presence = await receive_event(bob_socket, "presence.changed")
    assert presence["libchat_online"] is True
    assert presence["operators"] == [
        {"id": alice.pk, "signed_in": True, "reachable": True, "status": "online",
         "shown_status": "online"}
    ]  # fmt: skip
    await alice_socket.send_json_to({"action": "set_status", "status": "away"})
    presence = await receive_event(bob_socket, "presence.changed")
    assert presence["operators"][0]["shown_status"] == "away"
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_a_browser_without_the_session_is_told_so_and_cannot_set_the_status():
    operator = await database_sync_to_async(OperatorFactory)()
    holder_key, other_key = await login_cookie(operator), await login_cookie(operator)
    holder, _, _ = await dashboard_socket(session_key=holder_key)
    other, _, _ = await dashboard_socket(session_key=other_key)
    await database_sync_to_async(services.libchat_sign_in)(
        operator=operator, browser_key=selectors.browser_key_for(holder_key)
    )
    assert (await receive_event(holder, "presence.changed"))["operators"][0][
        "signed_in_here"
    ] is True
    assert (await receive_event(other, "presence.changed"))["operators"][0][
        "signed_in_here"
    ] is False
    _, _, hello = await dashboard_socket(session_key=other_key)
    assert hello["me"] == {
        "id": operator.pk, "signed_in": True, "signed_in_here": False, "status": "online"
    }  # fmt: skip

    await other.send_json_to({"action": "set_status", "status": "away"})
    error = await receive_event(other, "error")
    assert error["code"] == "signed_in_elsewhere"
    assert "another location" in error["message"]
    session = await database_sync_to_async(selectors.active_session)(operator=operator)
    assert session.status == "online"
    await holder.disconnect()
    await other.disconnect()


async def test_ending_a_session_elsewhere_tells_and_closes_the_old_sockets():
    operator = await database_sync_to_async(OperatorFactory)()
    old_key = await login_cookie(operator)
    old_socket, _, _ = await dashboard_socket(session_key=old_key)
    await database_sync_to_async(services.libchat_sign_in)(
        operator=operator, browser_key=selectors.browser_key_for(old_key)
    )
    await database_sync_to_async(services.libchat_sign_in)(
        operator=operator, browser_key="new" * 10, end_other=True
    )
    ended = await receive_event(old_socket, "session.ended")
    assert ended["reason"] == "replaced"
    assert await receive_close(old_socket) == {"type": "websocket.close", "code": 4409}


async def test_presence_expiry_unreaches_a_silent_operator_and_the_header_changes():
    alice, bob = await database_sync_to_async(OperatorFactory.create_batch)(2)
    alice_key = await login_cookie(alice)
    alice_socket, _, _ = await dashboard_socket(session_key=alice_key)
    await database_sync_to_async(services.libchat_sign_in)(
        operator=alice, browser_key=selectors.browser_key_for(alice_key)
    )
    bob_socket, _, hello = await dashboard_socket(bob)
    assert hello["libchat_online"] is True

    # Alice's page stops answering pings: her heartbeat is now 61 s old.
    await database_sync_to_async(DashboardConnection.objects.filter(operator=alice).update)(
        last_seen=timezone.now() - timedelta(seconds=61)
    )
    assert await database_sync_to_async(presence_expire)() == 1

    presence = await receive_event(bob_socket, "presence.changed")
    assert presence["libchat_online"] is False
    assert presence["operators"][0]["reachable"] is False
    assert (await receive_close(alice_socket))["type"] == "websocket.close"
    await bob_socket.disconnect()


async def test_pongs_of_many_sockets_are_written_together_after_a_short_wait(settings):
    settings.LIBCHAT_HEARTBEAT_FLUSH_SECONDS = 0.3
    operators = [await database_sync_to_async(OperatorFactory)() for _ in range(3)]
    sockets = [(await dashboard_socket(operator))[0] for operator in operators]
    old = timezone.now() - timedelta(seconds=50)
    await database_sync_to_async(DashboardConnection.objects.update)(last_seen=old)
    seen = database_sync_to_async(
        lambda: sorted(DashboardConnection.objects.values_list("last_seen", flat=True))
    )

    for socket in sockets:
        await socket.send_json_to({"action": "pong"})
    await asyncio.sleep(0.1)
    assert await seen() == [old] * 3  # still waiting for the others
    await asyncio.sleep(0.5)
    assert all(last_seen > old + timedelta(seconds=45) for last_seen in await seen())
    for socket in sockets:
        await socket.disconnect()


async def test_a_socket_that_closes_with_a_pong_waiting_stays_closed(settings):
    settings.LIBCHAT_HEARTBEAT_FLUSH_SECONDS = 0.3
    operator = await database_sync_to_async(OperatorFactory)()
    socket, _, _ = await dashboard_socket(operator)
    await socket.send_json_to({"action": "pong"})
    await socket.send_json_to({"action": "nope"})  # the error reply proves the pong was handled
    await receive_event(socket, "error")
    await socket.disconnect()
    await asyncio.sleep(0.5)
    assert not await database_sync_to_async(DashboardConnection.objects.exists)()


async def test_an_open_socket_whose_record_expired_is_recorded_again_by_its_next_pong(settings):
    settings.LIBCHAT_HEARTBEAT_FLUSH_SECONDS = 0.1
    operator = await database_sync_to_async(OperatorFactory)()
    socket, _, _ = await dashboard_socket(operator)
    await database_sync_to_async(DashboardConnection.objects.all().delete)()
    await socket.send_json_to({"action": "pong"})
    await asyncio.sleep(0.5)
    assert await database_sync_to_async(DashboardConnection.objects.count)() == 1
    await socket.disconnect()


async def test_a_tab_closed_as_an_event_reaches_it_is_cleaned_up_and_its_widget_goes_offline(
    settings,
):
    settings.LIBCHAT_RECONNECT_GRACE_SECONDS = 2  # long enough for a busy CI machine
    alice, bob = await database_sync_to_async(OperatorFactory.create_batch)(2)
    widget = await database_sync_to_async(WidgetFactory)(
        first_operator=alice, first_department=None
    )
    server = ClosingServer()
    socket, _, _ = await dashboard_socket(alice, app=server)
    connection = await database_sync_to_async(DashboardConnection.objects.get)(operator=alice)
    await database_sync_to_async(services.libchat_sign_in)(
        operator=alice, browser_key=connection.browser_key
    )
    assert (await database_sync_to_async(widget_state_get)(widget_id=widget.pk)).online

    server.closed = True  # alice closes her last tab...
    bob_socket, _, _ = await dashboard_socket(bob)  # ...as bob's sign-in is announced to it
    await database_sync_to_async(services.libchat_sign_in)(operator=bob, browser_key="b" * 32)
    await asyncio.wait_for(server.refused.wait(), timeout=5)
    await socket.disconnect()
    # Her last tab: she counts as there for the reconnect grace, then she is gone.
    assert (await database_sync_to_async(widget_state_get)(widget_id=widget.pk)).online
    await until(lambda: not DashboardConnection.objects.filter(operator=alice).exists(), timeout=5)
    # The widget hears it once the expiry's transaction commits (its on-commit announcement), a
    # moment after the row is gone.
    await until(lambda: not widget_state_get(widget_id=widget.pk).online, timeout=5)
    await bob_socket.disconnect()


async def until(check, *, timeout: float) -> None:
    """Wait until check() (run against the database) holds, or fail after timeout seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await database_sync_to_async(check)():
        assert loop.time() < deadline, "still not so after the timeout"
        await asyncio.sleep(0.05)


async def test_a_reload_within_the_grace_never_shows_the_operator_gone(settings):
    settings.LIBCHAT_RECONNECT_GRACE_SECONDS = 2  # long enough for a busy CI machine
    alice, bob = await database_sync_to_async(OperatorFactory.create_batch)(2)
    widget = await database_sync_to_async(WidgetFactory)(
        first_operator=alice, first_department=None
    )
    session_key = await login_cookie(alice)
    old_page, _, _ = await dashboard_socket(session_key=session_key)
    connection = await database_sync_to_async(DashboardConnection.objects.get)(operator=alice)
    await database_sync_to_async(services.libchat_sign_in)(
        operator=alice, browser_key=connection.browser_key
    )
    watcher, _, _ = await dashboard_socket(bob)
    await old_page.disconnect()  # the reload: the old page goes, the new one comes
    new_page, _, _ = await dashboard_socket(session_key=session_key)
    # The grace is over (the old record expired) and she was there all along.
    await until(lambda: DashboardConnection.objects.filter(operator=alice).count() == 1, timeout=5)
    assert (await database_sync_to_async(widget_state_get)(widget_id=widget.pk)).online
    told = []
    while not await watcher.receive_nothing(timeout=0.2):
        frame = await watcher.receive_json_from()
        if frame.get("event") == "presence.changed":
            told += [o for o in frame["operators"] if o["id"] == alice.pk]
    assert told and all(o["reachable"] and o["status"] == "online" for o in told)
    await new_page.disconnect()
    await watcher.disconnect()
