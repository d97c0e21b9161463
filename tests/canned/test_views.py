"""The canned replies list the reply editor asks for, and an operator's own replies on the
Settings tab: who may, what they read when refused, and a fixed number of queries."""

import pytest
from django.urls import reverse

from canned import services
from canned.models import CannedReply
from chats import services as chat_services
from libchat.core.messages import MESSAGE_MAX_CHARS
from tests.chats.people import desk, start
from tests.factories import DepartmentFactory, MembershipFactory, OperatorFactory

pytestmark = pytest.mark.django_db

REPLIES = reverse("canned:replies")
PERSONAL = reverse("canned:personal")
# The session, the operator, the site's settings, the chat the operator holds (with its widget),
# then every reply offered in one query.
LIST_QUERIES_IN_A_CHAT = 5
LIST_QUERIES_IN_INTERNAL_CHAT = 4


def test_the_list_is_filled_for_the_chat_the_operator_answers(client):
    d = desk(title="Ask a Librarian")
    alice = d.operators[0]
    chat, _ = start(d.widget, name="Ada")
    chat_services.chat_claim(chat=chat, operator=alice)
    services.canned_reply_create(
        title="Welcome",
        shortcut="hi",
        body="Hi {patron_name}, this is {operator_name} on {widget_title} at {library_name}.",
    )
    client.force_login(alice)
    [reply] = client.get(REPLIES, {"chat": chat.pk}).json()["replies"]
    assert reply["body"] == f"Hi Ada, this is {alice.name} on Ask a Librarian at the library."
    assert (reply["title"], reply["shortcut"], reply["scope"]) == ("Welcome", "hi", "Everyone")
    # Internal chat: no patron chat, neutral words.
    [reply] = client.get(REPLIES).json()["replies"]
    assert reply["body"] == f"Hi there, this is {alice.name} on our chat at the library."


def test_the_list_needs_a_logged_in_operator_and_their_own_chat(client):
    d = desk()
    chat, _ = start(d.widget, name="Ada")
    assert client.get(REPLIES).status_code == 302  # to the login page
    client.force_login(OperatorFactory(is_operator=False))
    assert client.get(REPLIES).status_code == 403
    client.force_login(d.outsider)
    answer = client.get(REPLIES, {"chat": chat.pk})
    assert answer.status_code == 404
    assert answer.json()["code"] == "forbidden"
    assert client.get(REPLIES, {"chat": 999999}).status_code == 404
    assert client.get(REPLIES, {"chat": "1 OR 1=1"}).status_code == 400
    assert client.post(REPLIES).status_code == 405


@pytest.mark.parametrize("count", [1, 20])
def test_the_list_costs_the_same_with_1_and_20_replies(client, django_assert_num_queries, count):
    d = desk()
    alice = d.operators[0]
    chat, _ = start(d.widget, name="Ada")
    chat_services.chat_claim(chat=chat, operator=alice)
    other = DepartmentFactory()
    MembershipFactory(operator=alice, department=other)
    for n in range(count):
        services.canned_reply_create(owner=alice, title=f"Mine {n}", shortcut=f"m{n}", body="x")
        services.canned_reply_create(department=other, title=f"Dept {n}", body="{patron_name}")
        services.canned_reply_create(title=f"All {n}", body="y")
    client.force_login(alice)
    client.get(REPLIES)  # the site's settings row exists from here on, as on a running site
    with django_assert_num_queries(LIST_QUERIES_IN_A_CHAT):
        replies = client.get(REPLIES, {"chat": chat.pk}).json()["replies"]
    assert len(replies) == 3 * count
    assert replies[count]["body"] == "Ada"
    with django_assert_num_queries(LIST_QUERIES_IN_INTERNAL_CHAT):
        assert len(client.get(REPLIES).json()["replies"]) == 3 * count


def test_an_operator_adds_edits_and_deletes_their_own(client):
    alice = OperatorFactory()
    client.force_login(alice)
    page = client.post(
        PERSONAL,
        {"title": "Renewals", "shortcut": "renew", "body": "Sign in,\nthen <b>Renew</b>."},
        follow=True,
    )
    assert "Added “Renewals”." in page.content.decode()
    reply = CannedReply.objects.get(owner=alice)
    assert reply.body == "Sign in,<br>then <b>Renew</b>."
    assert "/renew" in page.content.decode()

    edit = reverse("canned:edit", args=[reply.pk])
    form = client.get(edit).content.decode()
    assert "Sign in,\nthen &lt;b&gt;Renew&lt;/b&gt;." in form  # the text area, as typed
    client.post(edit, {"title": "Renewing", "shortcut": "renew", "body": "Online."})
    reply.refresh_from_db()
    assert (reply.title, reply.body) == ("Renewing", "Online.")

    page = client.post(reverse("canned:delete", args=[reply.pk]), follow=True)
    assert "Deleted “Renewing”." in page.content.decode()
    assert not CannedReply.objects.exists()


def test_a_refusal_is_shown_on_the_page_with_what_was_typed(client):
    alice = OperatorFactory()
    services.canned_reply_create(owner=alice, title="Hours", shortcut="hours", body="9 to 5")
    client.force_login(alice)
    page = client.post(PERSONAL, {"title": "Open", "shortcut": "hours", "body": "Ten to six"})
    assert page.status_code == 400
    html = page.content.decode()
    assert 'role="alert"' in html
    assert "The shortcut /hours is already used among your canned replies." in html
    assert 'value="Open"' in html and "Ten to six" in html

    page = client.post(PERSONAL, {"title": "Long", "body": "x" * (MESSAGE_MAX_CHARS + 1)})
    assert page.status_code == 400
    assert "A canned reply can be 4,000 characters at most" in page.content.decode()
    assert CannedReply.objects.count() == 1


def test_another_operators_reply_is_not_found_and_forms_need_csrf(client):
    alice, bob = OperatorFactory(), OperatorFactory()
    bobs = services.canned_reply_create(owner=bob, title="Bob's", body="b")
    shared = services.canned_reply_create(title="Shared", body="s")
    client.force_login(alice)
    for reply in (bobs, shared):
        assert client.get(reverse("canned:edit", args=[reply.pk])).status_code == 404
        assert client.post(reverse("canned:delete", args=[reply.pk])).status_code == 404
    assert CannedReply.objects.count() == 2
    assert client.get(reverse("canned:delete", args=[bobs.pk])).status_code == 405

    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post(PERSONAL, {"title": "T", "body": "x"}).status_code == 403
    assert not CannedReply.objects.filter(owner=alice).exists()


def test_the_settings_tab_leads_to_your_canned_replies(client):
    client.force_login(OperatorFactory())
    assert PERSONAL in client.get(reverse("dashboard:settings")).content.decode()
    assert client.get(PERSONAL).status_code == 200
