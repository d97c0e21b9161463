"""The public API answers as its OpenAPI document says, whatever it is sent.

schemathesis generates requests for every operation in `/api/openapi.json` (valid ones and,
in its negative phase, invalid ones) and checks each answer: no 5xx, a documented status, the
documented content type and body shape. Generated widget ids are mapped onto three real widgets
(one online, one offline) or left unknown, so the answers span 201, 400, 409 and 429 as well as 404.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from libchat.openapi import document
from tests.chats.people import desk
from tests.factories import WidgetFactory

schema = schemathesis.openapi.from_dict(document())


@pytest.fixture
def app():
    """Django's WSGI app, keeping the test's database connection across requests as Django's
    own test client does (a request's end would otherwise close it inside the test's
    transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def widget_ids(db):
    return [desk().widget.pk, WidgetFactory(offline_message="Back at 9.").pk]


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_public_operation_answers_as_documented(case, app, widget_ids):
    widget_id = (case.path_parameters or {}).get("widget_id")
    if isinstance(widget_id, int) and widget_id % 3 < len(widget_ids):
        case.path_parameters["widget_id"] = widget_ids[widget_id % 3]
    # What a form requires is each widget's own choice (see FORM_FIELDS), so a form the
    # document allows may be refused with a 400. A status poll carries parameters of the page's
    # own (jQuery's cache-busting `_=`), which it must accept, and a preflight is answered
    # without reading the widget. Every other check applies to every operation.
    excluded = {
        "POST": [positive_data_acceptance],
        "GET": [negative_data_rejection] if "/status/" in case.path else [],
        "OPTIONS": [negative_data_rejection],
    }.get(case.method, [])
    case.call_and_validate(app=app, excluded_checks=excluded)


def test_the_document_is_served_and_names_every_public_path(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert set(response.json()["paths"]) == {
        "/api/1.0/chat/widgets/status/{widget_id}",
        "/1.0/chat/widgets/status/{widget_id}",
        "/widget/{widget_id}/chat/",
        "/widget/{widget_id}/ticket/",
        "/widget/files/{key}/",
        "/healthz",
    }
