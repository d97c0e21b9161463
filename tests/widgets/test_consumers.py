"""The public widget-status socket: patrons hear the widget flip, and can do nothing else."""

import asyncio
from datetime import time

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from accounts import services as account_services
from accounts.models import DashboardConnection
from libchat.asgi import application
from tests.factories import DashboardConnectionFactory, OperatorFactory, WidgetFactory
from tests.live import ORIGIN, ClosingServer
from tests.widgets.people import signed_in
from widgets import services
from widgets.consumers import StatusPage
from widgets.models import WidgetOpeningSpan
from widgets.services import widget_group
from widgets.tasks import widget_status_refresh_all

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


@database_sync_to_async
def widget_open_nine_to_five():
    alice = OperatorFactory()
    widget = WidgetFactory(first_operator=alice, first_department=None)
    for weekday in range(5):
        WidgetOpeningSpan.objects.create(
            widget=widget, weekday=weekday, opens_at=time(9), closes_at=time(17)
        )
    signed_in(alice)
    services.widget_status_refresh(widget_ids=[widget.pk])
    return alice, widget


@database_sync_to_async
def beat_at(time_machine, moment: str, alice) -> None:
    """The clock reaches `moment`; Alice's dashboard still answers; the beat job runs."""
    time_machine.move_to(moment, tick=False)
    DashboardConnection.objects.filter(operator=alice).update(last_seen=timezone.now())
    widget_status_refresh_all()


async def test_an_open_widget_hears_its_hours_end_and_begin_through_the_beat(time_machine):
    # A Monday; the next morning is within the day the channel layer keeps group members.
    time_machine.move_to("2026-03-02 16:59:00+00:00", tick=False)
    alice, widget = await widget_open_nine_to_five()
    communicator, connected, _ = await widget_socket(widget.pk)
    assert connected
    assert await communicator.receive_json_from() == {"event": "widget.status", "online": True}

    await beat_at(time_machine, "2026-03-02 16:59:40+00:00", alice)  # no change: no push
    assert await communicator.receive_nothing(timeout=0.2)
    await beat_at(time_machine, "2026-03-02 17:00:20+00:00", alice)
    assert await communicator.receive_json_from(timeout=2) == {
        "event": "widget.status",
        "online": False,
        "opens_at": "2026-03-03T09:00:00+00:00",
    }
    await beat_at(time_machine, "2026-03-03 09:00:30+00:00", alice)
    assert await communicator.receive_json_from(timeout=2) == {
        "event": "widget.status",
        "online": True,
    }
    await communicator.disconnect()


async def test_a_widgets_open_pages_share_one_membership_and_every_one_hears_the_flip():
    alice, widget = await operator_widget()
    pages = [await widget_socket(widget.pk) for _ in range(3)]
    for communicator, connected, _ in pages:
        assert connected
        assert await communicator.receive_json_from() == {"event": "widget.status", "online": False}
    layer = get_channel_layer()
    members = layer._group_key(widget_group(widget.pk))
    assert await layer.connection(0).zcard(members) == 1  # the process's, not one per page

    await database_sync_to_async(account_services.libchat_sign_in)(
        operator=alice, browser_key="k" * 32
    )
    for communicator, _, _ in pages:
        assert await communicator.receive_json_from(timeout=2) == {
            "event": "widget.status",
            "online": True,
        }
    for communicator, _, _ in pages:
        await communicator.disconnect()
    assert not await layer.connection(0).zcard(members)


async def test_a_flip_heard_before_the_page_is_greeted_follows_the_greeting():
    sent = []

    async def send(message):
        sent.append(message)

    page = StatusPage(send)
    await page.hear('{"event": "widget.status", "online": true}')
    assert sent == []  # not accepted yet: nothing may go out before the accept
    await page.greet({"event": "widget.status", "online": False})
    assert [m.get("text") for m in sent] == [
        None,
        '{"event": "widget.status", "online": false}',
        '{"event": "widget.status", "online": true}',
    ]
    assert sent[0]["type"] == "websocket.accept"
