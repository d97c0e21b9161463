"""The public widget-status socket: patrons hear the widget flip, and can do nothing else."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from accounts import services as account_services
from libchat.asgi import application
from tests.factories import DashboardConnectionFactory, OperatorFactory, WidgetFactory
from tests.live import ORIGIN, ClosingServer
from widgets.services import widget_group

pytestmark = pytest.mark.django_db(transaction=True)


async def widget_socket(widget_id, *, origin=ORIGIN, cookie=None, app=application):
    headers = [(b"origin", origin)] if origin else []
    if cookie:
        headers.append((b"cookie", cookie))
    communicator = WebsocketCommunicator(app, f"/ws/widget-status/{widget_id}/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


@database_sync_to_async
def operator_widget():
    alice = OperatorFactory()
    DashboardConnectionFactory(operator=alice, browser_key="k" * 32)
    return alice, WidgetFactory(first_operator=alice, first_department=None)


async def test_an_open_widget_hears_its_operator_sign_in_and_out_without_a_login():
    alice, widget = await operator_widget()
    communicator, connected, _ = await widget_socket(widget.pk)
    assert connected
    assert await communicator.receive_json_from() == {"event": "widget.status", "online": False}

    await database_sync_to_async(account_services.libchat_sign_in)(
        operator=alice, browser_key="k" * 32
    )
    assert await communicator.receive_json_from(timeout=2) == {
        "event": "widget.status",
        "online": True,
    }
    await database_sync_to_async(account_services.libchat_sign_out)(operator=alice)
    assert await communicator.receive_json_from(timeout=2) == {
        "event": "widget.status",
        "online": False,
    }
    await communicator.disconnect()


async def test_a_widget_page_closed_as_its_status_flips_leaves_its_group():
    alice, widget = await operator_widget()
    server = ClosingServer()
    communicator, _, _ = await widget_socket(widget.pk, app=server)
    await communicator.receive_json_from()

    server.closed = True  # the visitor leaves the page as the widget comes online
    await database_sync_to_async(account_services.libchat_sign_in)(
        operator=alice, browser_key="k" * 32
    )
    await asyncio.wait_for(server.refused.wait(), timeout=5)
    await communicator.disconnect()  # the socket ends as it should, not with the send's error
    layer = get_channel_layer()
    assert not await layer.connection(0).zcard(layer._group_key(widget_group(widget.pk)))


async def test_a_second_widget_socket_connecting_when_online_is_told_so():
    alice, widget = await operator_widget()
    await database_sync_to_async(account_services.libchat_sign_in)(
        operator=alice, browser_key="k" * 32
    )
    communicator, connected, _ = await widget_socket(widget.pk, cookie=b"sessionid=garbage")
    assert connected
    assert await communicator.receive_json_from() == {"event": "widget.status", "online": True}
    await communicator.disconnect()


async def test_the_socket_is_read_only():
    _, widget = await operator_widget()
    communicator, _, _ = await widget_socket(widget.pk)
    await communicator.receive_json_from()
    await communicator.send_to(text_data='{"action": "set_status", "status": "online"}')
    error = await communicator.receive_json_from()
    assert error["event"] == "error" and error["code"] == "unknown_action"
    await communicator.disconnect()


async def test_unknown_or_inactive_widget_socket_is_refused():
    _, connected, _ = await widget_socket(999999)
    assert not connected
    inactive = await database_sync_to_async(WidgetFactory)(active=False)
    _, connected, _ = await widget_socket(inactive.pk)
    assert not connected


async def test_widget_socket_from_a_foreign_origin_is_refused():
    _, widget = await operator_widget()
    _, connected, _ = await widget_socket(widget.pk, origin=b"https://evil.example")
    assert not connected
