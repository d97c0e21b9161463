"""A department's name and slug are unique within its library system, not across the server:
two libraries sharing LibChat may each keep a "reference" desk, and a clash within one system is
a message on the admin's form, whoever fills it in (a system admin's form has no system field)."""

import pytest
from django.urls import reverse

from departments.models import Department
from tests.factories import DepartmentFactory, OperatorFactory, SystemFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:departments_department_add")


def _form(name: str, slug: str, **more) -> dict:
    return {
        "name": name,
        "slug": slug,
        "active": "on",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "sign_off_times-TOTAL_FORMS": "0",
        "sign_off_times-INITIAL_FORMS": "0",
        **more,
    }


@pytest.fixture
def systems():
    return SystemFactory(name="Avon Libraries"), SystemFactory(name="Bexley Libraries")


@pytest.fixture
def bexley_admin(systems, client):
    admin = OperatorFactory(system=systems[1], is_staff=True, is_system_admin=True)
    client.force_login(admin)
    return client


def test_each_system_may_have_a_department_of_the_same_slug_and_name(systems, bexley_admin):
    avon, bexley = systems
    DepartmentFactory(system=avon, name="Reference", slug="reference")

    response = bexley_admin.post(ADD, _form("Reference", "reference"))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(Department.objects.values_list("system__name", "slug")) == {
        ("Avon Libraries", "reference"),
        ("Bexley Libraries", "reference"),
    }


@pytest.mark.parametrize(
    "name, slug, message",
    [
        ("Reference", "ask-us", "already has a department of this name"),
        ("Ask us", "reference", "already has a department with this slug"),
    ],
)
def test_a_system_admins_clash_within_their_system_is_a_message_not_an_error(
    systems, bexley_admin, name, slug, message
):
    DepartmentFactory(system=systems[1], name="Reference", slug="reference")

    response = bexley_admin.post(ADD, _form(name, slug))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Department.objects.filter(system=systems[1]).count() == 1


def test_a_superuser_choosing_the_system_gets_the_same_message(systems, admin_client):
    avon, bexley = systems
    DepartmentFactory(system=avon, name="Reference", slug="reference")

    clash = admin_client.post(ADD, _form("Ask us", "reference", system=avon.pk))
    elsewhere = admin_client.post(ADD, _form("Ask us", "reference", system=bexley.pk))

    assert clash.status_code == 200
    assert "already has a department with this slug" in clash.content.decode()
    assert elsewhere.status_code == 302
    assert Department.objects.filter(slug="reference").count() == 2


def test_on_a_single_library_server_a_clash_is_a_message_too(admin_client):
    DepartmentFactory(name="Reference", slug="reference")

    response = admin_client.post(ADD, _form("Ask us", "reference"))

    assert response.status_code == 200
    assert "already has a department with this slug" in response.content.decode()
    assert Department.objects.count() == 1
