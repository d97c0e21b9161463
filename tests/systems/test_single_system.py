"""A single-library install looks as it did before systems: no system is named, offered or
listed anywhere on the dashboard."""

import pytest

from systems.models import System
from systems.selectors import default_system
from tests.factories import MembershipFactory, OperatorFactory, WidgetFactory

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
