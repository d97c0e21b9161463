"""The Now panel reaches the dashboards of those who may view reports over their socket, when
presence changes and on the periodic push, and nobody else's."""

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import Permission

from accounts import services
from reports.tasks import reports_now_push
from tests.factories import OperatorFactory
from tests.live import dashboard_socket, receive_event

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def viewer_and_other():
    viewer = OperatorFactory(display_name="Vera")
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_reports", content_type__app_label="reports")
    )
    return viewer, OperatorFactory(display_name="Otto")


async def events_within(communicator, seconds: float) -> list[str]:
    """The events of the frames that arrive until `seconds` pass quietly."""
    events = []
    while not await communicator.receive_nothing(timeout=seconds):
        events.append((await communicator.receive_json_from()).get("event"))
    return events


async def test_a_sign_in_pushes_the_now_panel_to_report_viewers_only():
    viewer, other = await viewer_and_other()
    watching, connected, _ = await dashboard_socket(viewer)
    assert connected
    bystander, connected, _ = await dashboard_socket(other)
    assert connected

    await database_sync_to_async(services.libchat_sign_in)(operator=other, browser_key="o" * 32)

    frame = await receive_event(watching, "reports.now")
    assert [(o["name"], o["status_label"]) for o in frame["now"]["operators"]] == [
        ("Otto", "Online (not reachable)")  # signed in; his dashboard is of another browser
    ]
    assert frame["now"]["waiting"] == 0
    assert "presence.changed" in (heard := await events_within(bystander, 1))
    assert "reports.now" not in heard
    await watching.disconnect()
    await bystander.disconnect()


async def test_the_periodic_push_reaches_an_open_reports_dashboard():
    viewer, _ = await viewer_and_other()
    watching, connected, _ = await dashboard_socket(viewer)
    assert connected
    await database_sync_to_async(reports_now_push)()
    frame = await receive_event(watching, "reports.now")
    assert frame["now"]["operators"] == []
    await watching.disconnect()
