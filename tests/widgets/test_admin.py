"""Setting up a widget in the Django admin: who monitors it, clear errors, snippet and status."""

import pytest
from django.urls import reverse

from tests.factories import DepartmentFactory, OperatorFactory, WidgetFactory
from tests.widgets.people import signed_in
from widgets.models import Widget

pytestmark = pytest.mark.django_db


@pytest.fixture
def departments():
    return DepartmentFactory(name="Reference"), DepartmentFactory(name="Circulation")


def form_data(first_department=None, first_operator=None, fallbacks=(), **overrides):
    data = {
        "name": "Main site",
        "kind": "floating",
        "active": "on",
        "first_department": first_department.pk if first_department else "",
        "first_operator": first_operator.pk if first_operator else "",
        "title": "Ask a Librarian",
        "online_greeting": "Hi!",
        "offline_message": "Closed.",
        "colour": "#1f5fa8",
        "text_colour": "#ffffff",
        "allowed_origins": "https://www.library.example",
        "ask_name": "optional",
        "ask_email": "optional",
        "ask_question": "required",
        "offline_behaviour": "message",
        "fallbacks-TOTAL_FORMS": str(len(fallbacks)),
        "fallbacks-INITIAL_FORMS": "0",
        "fallbacks-MIN_NUM_FORMS": "0",
        "fallbacks-MAX_NUM_FORMS": "1000",
    }
    for index, (position, monitor) in enumerate(fallbacks):
        is_department = monitor.__class__.__name__ == "Department"
        data[f"fallbacks-{index}-position"] = str(position)
        data[f"fallbacks-{index}-department"] = monitor.pk if is_department else ""
        data[f"fallbacks-{index}-operator"] = "" if is_department else monitor.pk
    return {**data, **overrides}


def test_admin_creates_a_widget_with_fallbacks_in_order(admin_client, departments):
    reference, circulation = departments
    bob = OperatorFactory()
    response = admin_client.post(
        reverse("admin:widgets_widget_add"),
        form_data(first_department=reference, fallbacks=[(2, bob), (1, circulation)]),
    )
    assert response.status_code == 302, response.content.decode()
    widget = Widget.objects.get()
    assert [(f.department, f.operator) for f in widget.fallbacks.all()] == [
        (circulation, None),
        (None, bob),
    ]


@pytest.mark.parametrize(
    "case, message",
    [
        ("fallback is the first choice", "Fallback 1 is the first choice already."),
        ("fallback repeats", "Fallback 2 repeats an earlier fallback."),
        ("no first choice", "Choose who monitors the widget first"),
        ("two first choices", "not both"),
        ("fallback with both", "A fallback is an operator or a department: choose exactly one."),
        ("bad origin", "is not a valid origin"),
    ],
)
def test_admin_shows_a_clear_error_and_saves_nothing(admin_client, departments, case, message):
    reference, circulation = departments
    alice = OperatorFactory()
    data = {
        "fallback is the first choice": lambda: form_data(
            first_department=reference, fallbacks=[(1, reference)]
        ),
        "fallback repeats": lambda: form_data(
            first_department=reference, fallbacks=[(1, circulation), (2, circulation)]
        ),
        "no first choice": lambda: form_data(),
        "two first choices": lambda: form_data(first_department=reference, first_operator=alice),
        "fallback with both": lambda: {
            **form_data(first_department=reference, fallbacks=[(1, circulation)]),
            "fallbacks-0-operator": alice.pk,
        },
        "bad origin": lambda: form_data(
            first_department=reference, allowed_origins="https://ok.example\nnot an origin"
        ),
    }[case]()
    response = admin_client.post(reverse("admin:widgets_widget_add"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert page.count('class="errorlist') == 1  # the friendly error alone, not Django's too
    assert "Constraint" not in page
    assert not Widget.objects.exists()


def test_admin_change_page_shows_the_snippet_and_the_current_status(admin_client, departments):
    reference, circulation = departments
    widget = WidgetFactory(first_department=reference)
    url = reverse("admin:widgets_widget_change", args=[widget.pk])
    page = admin_client.get(url).content.decode()
    assert (
        f"&lt;script src=&quot;http://testserver/widget/{widget.pk}/embed.js&quot; async&gt;"
        in page
    )
    assert '<span id="widget-current-status">Offline</span>' in page

    carol = OperatorFactory(display_name="Carol")
    widget.fallbacks.create(position=1, operator=carol)
    signed_in(carol)
    page = admin_client.get(url).content.decode()
    assert '<span id="widget-current-status">Online</span>' in page
    assert "monitored now by the fallback 1: Carol" in page

    changelist = admin_client.get(reverse("admin:widgets_widget_changelist")).content.decode()
    assert "Online" in changelist
