"""A single-library install looks as it did before systems: no system is named, offered or
listed anywhere on the dashboard, and Reports has no Co-op section."""

import pytest
from django.urls import reverse

from systems.models import System
from systems.selectors import default_system
from tests.factories import MembershipFactory, OperatorFactory, SystemFactory, WidgetFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/dashboard/",
    "/dashboard/settings/",
    "/dashboard/transcripts/",
    "/dashboard/tickets/",
    "/dashboard/reports/",
]


def test_the_dashboard_names_no_system_and_offers_no_system_choice(client):
    System.objects.filter(pk=default_system().pk).update(name="Zanzibar Consortium")
    membership = MembershipFactory()
    WidgetFactory(first_department=membership.department)
    for operator in (membership.operator, OperatorFactory(is_superuser=True, is_staff=True)):
        client.force_login(operator)
        for path in PAGES:
            page = client.get(path)
            assert page.status_code in {200, 403}, path
            text = page.content.decode()
            assert "Zanzibar Consortium" not in text, path
            assert 'name="system"' not in text, path
            assert "Library system" not in text, path
            assert 'id="figure-coop"' not in text and 'name="coop"' not in text, path


def test_the_operator_admin_asks_nothing_about_systems_with_one(client):
    client.force_login(OperatorFactory(is_superuser=True, is_staff=True))
    operator = OperatorFactory()
    form = client.get(reverse("admin:accounts_operator_change", args=[operator.pk]))
    fields = form.context["adminform"].form.fields
    assert "system" not in fields and "is_system_admin" not in fields
    SystemFactory()
    form = client.get(reverse("admin:accounts_operator_change", args=[operator.pk]))
    fields = form.context["adminform"].form.fields
    assert "system" in fields and "is_system_admin" in fields
