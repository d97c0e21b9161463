"""Shared canned replies in the Django admin: the pages render, saving goes through the
services and shows their refusals beside the form."""

import pytest
from django.urls import reverse

from canned import services
from canned.models import CannedReply
from tests.factories import DepartmentFactory, OperatorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    client.force_login(OperatorFactory(is_staff=True, is_superuser=True))
    return client


def test_the_changelist_lists_shared_replies_only(admin):
    reference = DepartmentFactory(name="Reference")
    services.canned_reply_create(department=reference, title="Reference hello", body="r")
    services.canned_reply_create(title="Everyone hello", body="e")
    services.canned_reply_create(owner=OperatorFactory(), title="Someone's own", body="p")
    page = admin.get(reverse("admin:canned_cannedreply_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Reference hello" in html and "Everyone hello" in html
    assert "Someone&#x27;s own" not in html and "Someone's own" not in html


def test_an_admin_adds_a_department_reply_and_reads_a_refusal(admin):
    reference = DepartmentFactory(name="Reference")
    add = reverse("admin:canned_cannedreply_add")
    assert admin.get(add).status_code == 200
    fields = {"title": "Hello", "shortcut": "hi", "department": reference.pk, "body": "Hi\nthere"}
    assert admin.post(add, fields).status_code == 302
    reply = CannedReply.objects.get()
    assert (reply.department, reply.owner, reply.body) == (reference, None, "Hi<br>there")
    page = admin.post(add, {**fields, "title": "Again"})
    assert page.status_code == 200
    assert "The shortcut /hi is already used in Reference." in page.content.decode()
    change = reverse("admin:canned_cannedreply_change", args=[reply.pk])
    assert admin.get(change).status_code == 200
    assert admin.post(change, {**fields, "department": ""}).status_code == 302
    reply.refresh_from_db()
    assert reply.department is None


def test_a_save_that_races_past_the_shortcut_check_shows_the_refusal(admin, monkeypatch):
    services.canned_reply_create(title="Hello", shortcut="hi", body="h")
    add = reverse("admin:canned_cannedreply_add")
    # Another admin saved /hi between this form's check and its save.
    monkeypatch.setattr(services, "canned_reply_check", lambda **kwargs: kwargs["reply"])
    page = admin.post(add, {"title": "Again", "shortcut": "hi", "body": "a"}, follow=True)
    assert page.status_code == 200
    assert "The shortcut /hi is already used among the canned replies shared with everyone." in (
        page.content.decode()
    )
    assert list(CannedReply.objects.values_list("title", flat=True)) == ["Hello"]
