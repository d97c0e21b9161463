"""A system admin manages their own system's objects in the Django admin and nothing else: each
admin page of a system-owned model lists only theirs, offers only theirs in its choices, and
answers 404 for another system's object. A superuser sees every system's."""

import pytest
from django.urls import reverse
from django.utils import timezone

from canned import services as canned_services
from departments.models import Department
from systems.models import System
from tests.factories import (
    CoopMembershipFactory,
    FaqFactory,
    OperatorFactory,
    SystemFactory,
    WidgetFactory,
)
from tests.systems.libraries import library_build
from widgets.models import Widget, WidgetOnlineInterval

pytestmark = pytest.mark.django_db


def _library(system, letter: str) -> dict:
    """One system's objects, one of each model its admin pages show."""
    library = library_build(system, letter)
    faq = FaqFactory(group__system=system, group__name=f"Group {letter}")
    return library | {
        "faqgroup": faq.group,
        "faq": faq,
        "cannedreply": canned_services.canned_reply_create(
            title=f"Reply {letter}", body="Hello!", system=system
        ),
        "widgetonlineinterval": WidgetOnlineInterval.objects.create(
            widget=library["widget"], started_at=timezone.now()
        ),
    }


@pytest.fixture
def libraries():
    a, b = SystemFactory(name="Avon Libraries"), SystemFactory(name="Bexley Libraries")
    return _library(a, "A"), _library(b, "B")


@pytest.fixture
def system_admin(libraries, client):
    admin = OperatorFactory(
        system=libraries[0]["system"], is_staff=True, is_system_admin=True, username="avon-admin"
    )
    client.force_login(admin)
    return client


MODELS = {
    "operator": "accounts_operator",
    "department": "departments_department",
    "widget": "widgets_widget",
    "faqgroup": "faqs_faqgroup",
    "faq": "faqs_faq",
    "cannedreply": "canned_cannedreply",
    "system": "systems_system",
    "widgetonlineinterval": "widgets_widgetonlineinterval",
}
# Scoped, but shown to staff with the model permissions only (a system admin manages none).
READ_WITH_PERMISSION = {
    "patronchat": "chats_patronchat",
    "offlineticket": "chats_offlineticket",
}


@pytest.mark.parametrize("key", MODELS)
def test_a_system_admin_lists_only_their_systems_rows(system_admin, libraries, key):
    ours, theirs = libraries
    page = system_admin.get(reverse(f"admin:{MODELS[key]}_changelist"))
    assert page.status_code == 200
    shown = {obj.pk for obj in page.context["cl"].result_list}
    assert ours[key].pk in shown
    assert theirs[key].pk not in shown
    assert str(theirs[key]) not in page.content.decode()


@pytest.mark.parametrize("key", MODELS)
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_another_systems_object_answers_404(system_admin, libraries, key, view):
    ours, theirs = libraries
    own = system_admin.get(reverse(f"admin:{MODELS[key]}_{view}", args=[ours[key].pk]))
    assert own.status_code in {200, 403}  # a record nobody deletes answers 403 for both
    other = system_admin.get(reverse(f"admin:{MODELS[key]}_{view}", args=[theirs[key].pk]))
    assert other.status_code == 404


@pytest.mark.parametrize("key", READ_WITH_PERMISSION)
def test_chats_and_tickets_are_scoped_for_staff_with_the_permission(libraries, client, key):
    from django.contrib.auth.models import Permission

    ours, theirs = libraries
    staff = OperatorFactory(system=ours["system"], is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename=f"view_{key}"))
    client.force_login(staff)
    name = READ_WITH_PERMISSION[key]
    page = client.get(reverse(f"admin:{name}_changelist"))
    assert {obj.pk for obj in page.context["cl"].result_list} == {ours[key].pk}
    assert client.get(reverse(f"admin:{name}_change", args=[ours[key].pk])).status_code == 200
    assert client.get(reverse(f"admin:{name}_change", args=[theirs[key].pk])).status_code == 404


def _choices(field) -> set[int]:
    return set(field.queryset.values_list("pk", flat=True))


def test_forms_offer_only_the_systems_own_choices(system_admin, libraries):
    ours, theirs = libraries
    our_coop = CoopMembershipFactory(system=ours["system"]).coop
    CoopMembershipFactory(system=theirs["system"])
    page = system_admin.get(reverse("admin:widgets_widget_add"))
    form = page.context["adminform"].form
    assert "system" not in form.fields
    assert _choices(form.fields["first_department"]) == {ours["department"].pk}
    assert theirs["operator"].pk not in _choices(form.fields["first_operator"])
    inlines = page.context["inline_admin_formsets"]
    fallbacks = next(f for f in inlines if f.opts.model.__name__ == "WidgetFallback")
    fields = fallbacks.formset.form.base_fields
    assert _choices(fields["department"]) == {ours["department"].pk}
    assert theirs["operator"].pk not in _choices(fields["operator"])
    assert _choices(fields["coop"]) == {our_coop.pk}

    page = system_admin.get(reverse("admin:faqs_faq_add"))
    assert _choices(page.context["adminform"].form.fields["group"]) == {ours["faqgroup"].pk}
    page = system_admin.get(reverse("admin:canned_cannedreply_add"))
    assert _choices(page.context["adminform"].form.fields["department"]) == {ours["department"].pk}
    page = system_admin.get(reverse("admin:accounts_operator_change", args=[ours["operator"].pk]))
    memberships = page.context["inline_admin_formsets"][0].formset.form.base_fields
    assert _choices(memberships["department"]) == {ours["department"].pk}


def test_another_systems_choice_posted_anyway_is_refused(system_admin, libraries):
    ours, theirs = libraries
    response = system_admin.post(
        reverse("admin:faqs_faq_add"),
        {"group": theirs["faqgroup"].pk, "question": "Sneaky?", "answer": "No."},
    )
    assert response.status_code == 200
    assert "group" in response.context["adminform"].form.errors


def test_a_new_object_joins_the_admins_system(system_admin, libraries):
    ours, _ = libraries
    response = system_admin.post(
        reverse("admin:departments_department_add"),
        {
            "name": "Avon Archives",
            "slug": "avon-archives",
            "active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "sign_off_times-TOTAL_FORMS": "0",
            "sign_off_times-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Department.objects.get(slug="avon-archives").system == ours["system"]
    system_admin.post(
        reverse("admin:canned_cannedreply_add"),
        {"title": "Avon hours", "shortcut": "hours", "body": "9 to 5", "department": ""},
    )
    from canned.models import CannedReply

    assert CannedReply.objects.get(title="Avon hours").system == ours["system"]


def test_actions_reach_only_the_systems_own_rows(system_admin, libraries):
    ours, theirs = libraries
    before = {w.pk: w.hash for w in Widget.objects.all()}
    system_admin.post(
        reverse("admin:widgets_widget_changelist"),
        {
            "action": "hash_regenerate",
            "_selected_action": [ours["widget"].pk, theirs["widget"].pk],
        },
    )
    after = {w.pk: w.hash for w in Widget.objects.all()}
    assert after[ours["widget"].pk] != before[ours["widget"].pk]
    assert after[theirs["widget"].pk] == before[theirs["widget"].pk]


def test_a_system_admin_cannot_make_a_superuser(system_admin, libraries):
    ours, _ = libraries
    page = system_admin.get(reverse("admin:accounts_operator_change", args=[ours["operator"].pk]))
    form = page.context["adminform"].form
    for field in ("is_superuser", "groups", "user_permissions", "system"):
        assert field not in form.fields


def test_a_system_admin_writes_their_coop_policy_notes_but_no_other_system(system_admin, libraries):
    ours, theirs = libraries
    membership = CoopMembershipFactory(system=ours["system"])
    CoopMembershipFactory(coop=membership.coop, system=theirs["system"])
    url = reverse("admin:systems_system_change", args=[ours["system"].pk])
    page = system_admin.get(url)
    assert page.status_code == 200
    assert system_admin.get(reverse("admin:systems_system_add")).status_code == 403
    assert system_admin.get(reverse("admin:systems_coop_changelist")).status_code == 403
    prefix = "coop_memberships"
    response = system_admin.post(
        url,
        {
            "name": ours["system"].name,
            "slug": ours["system"].slug,
            "time_zone": "America/New_York",
            "widget_colour": "",
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "1",
            f"{prefix}-0-id": membership.pk,
            f"{prefix}-0-system": ours["system"].pk,
            f"{prefix}-0-hours": "Mon-Fri 9-5",
            f"{prefix}-0-services": "Interlibrary loan",
            f"{prefix}-0-links": "https://avon.example/policies",
            f"{prefix}-0-follow_ups": "ask@avon.example",
        },
    )
    assert response.status_code == 302, response.context["errors"]
    membership.refresh_from_db()
    assert membership.hours == "Mon-Fri 9-5"
    assert System.objects.get(pk=ours["system"].pk).time_zone == "America/New_York"


def test_a_superuser_sees_every_system_with_its_column_and_filter(libraries, client):
    ours, theirs = libraries
    client.force_login(OperatorFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:widgets_widget_changelist"))
    shown = {w.pk for w in page.context["cl"].result_list}
    assert {ours["widget"].pk, theirs["widget"].pk} <= shown
    assert "system" in page.context["cl"].list_display
    assert "Bexley Libraries" in page.content.decode()
    form = client.get(reverse("admin:widgets_widget_add")).context["adminform"].form
    assert "system" in form.fields


def test_with_one_system_the_admin_names_none(client):
    client.force_login(OperatorFactory(is_staff=True, is_superuser=True))
    WidgetFactory()
    page = client.get(reverse("admin:widgets_widget_changelist"))
    assert "system" not in page.context["cl"].list_display
    form = client.get(reverse("admin:widgets_widget_add")).context["adminform"].form
    assert "system" not in form.fields


def test_a_new_widget_starts_in_the_systems_time_zone_and_colour(system_admin, libraries):
    ours, _ = libraries
    System.objects.filter(pk=ours["system"].pk).update(
        widget_colour="#7a1f5c", time_zone="America/Denver"
    )
    initial = (
        system_admin.get(reverse("admin:widgets_widget_add")).context["adminform"].form.initial
    )
    assert (initial["colour"], initial["time_zone"]) == ("#7a1f5c", "America/Denver")
