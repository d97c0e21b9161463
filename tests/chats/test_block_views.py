"""Blocking over HTTP: the console's Block this patron, and what a blocked patron's widget
answers (the iframe page, Start Chat, the offline form)."""

import pytest
from django.test import Client

from chats import services
from chats.models import OfflineTicket, PatronBlock, PatronChat
from libchat.core.addresses import address_hash
from tests.chats.people import desk, start
from tests.factories import OperatorFactory

pytestmark = pytest.mark.django_db

IP = "203.0.113.77"
REF = "0123456789abcdef0123456789abcdef"
UNAVAILABLE = {"error": "unavailable", "message": "Chat unavailable"}


def patron_chat(d, client: Client):
    """A chat started from IP through the pre-chat form, claimed by the desk's first operator."""
    response = client.post(
        f"/widget/{d.widget.pk}/chat/", {"question": "Hi", "patron": REF}, REMOTE_ADDR=IP
    )
    chat = PatronChat.objects.get(pk=response.json()["chat_id"])
    return services.chat_claim(chat=chat, operator=d.operators[0])


def block_url(chat) -> str:
    return f"/dashboard/chats/{chat.pk}/block/"


def test_an_operator_blocks_from_the_pane_and_the_patron_is_refused_without_a_word_of_it(client):
    d = desk()
    chat = patron_chat(d, client)
    assert chat.address_hash == address_hash(IP)
    operator = Client()
    operator.force_login(d.operators[0])
    response = operator.post(block_url(chat), {"duration": "24h", "reason": "Threats"})
    assert response.status_code == 201
    assert response.json()["message"].startswith("Patron blocked until ")
    assert response.json()["message"].endswith(". The chat has ended.")
    assert PatronBlock.objects.get().blocked_by == d.operators[0]

    # From the same address, or with the same patron id from another address: the same 403 as
    # any refusal, with nothing in it that tells of a block.
    for extra in [{"REMOTE_ADDR": IP}, {"REMOTE_ADDR": "198.51.100.4", "patron": REF}]:
        form = {"question": "Hi again", "patron": extra.pop("patron", "")}
        started = client.post(f"/widget/{d.widget.pk}/chat/", form, **extra)
        ticket = client.post(
            f"/widget/{d.widget.pk}/ticket/",
            {"email": "ada@example.org", "question": "Hi", "patron": form["patron"]},
            **extra,
        )
        for refused in (started, ticket):
            assert refused.status_code == 403
            assert refused.json() == UNAVAILABLE
            assert "block" not in refused.content.decode().lower()
    assert PatronChat.objects.count() == 1 and not OfflineTicket.objects.exists()
    # Anyone else chats as ever.
    other = client.post(f"/widget/{d.widget.pk}/chat/", {"question": "Hi"}, REMOTE_ADDR="10.1.1.1")
    assert other.status_code == 201


def test_the_blocked_patrons_widget_page_is_offline_with_its_message_and_follows_no_status(client):
    d = desk(offline_message="Chat is closed. Call us at 555-0100.")
    page = client.get(f"/widget/{d.widget.pk}/", REMOTE_ADDR=IP).content.decode()
    assert 'data-online="true"' in page and "/ws/widget-status/" in page
    block_chat = patron_chat(d, client)
    services.patron_block(chat=block_chat, operator=d.operators[0], duration="1h", reason="Spam")
    page = client.get(f"/widget/{d.widget.pk}/", REMOTE_ADDR=IP).content.decode()
    assert 'data-online="false"' in page
    assert "Chat is closed. Call us at 555-0100." in page
    assert "/ws/widget-status/" not in page  # the pushed "online" is every other patron's
    assert "blocked" not in page.lower()
    # Everyone else still sees the widget online.
    other = client.get(f"/widget/{d.widget.pk}/", REMOTE_ADDR="10.1.1.1").content.decode()
    assert 'data-online="true"' in other


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ({"duration": "24h", "reason": ""}, "Give a reason for the block: the admins read it."),
        ({"duration": "forever", "reason": "Spam"}, "Choose how long to block the patron: "),
    ],
)
def test_a_bad_duration_or_a_missing_reason_is_a_400_that_says_why(client, form, says):
    d = desk()
    chat = patron_chat(d, client)
    client.force_login(d.operators[0])
    response = client.post(block_url(chat), form)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and response.json()["message"].startswith(says)
    assert not PatronBlock.objects.exists()
    assert PatronChat.objects.get(pk=chat.pk).state == PatronChat.State.ACTIVE


def test_only_an_operator_who_may_see_the_chat_may_block_its_patron(client):
    d = desk()
    chat = patron_chat(d, client)
    asking = Client()
    assert asking.post(block_url(chat), {"duration": "1h", "reason": "x"}).status_code == 302
    asking.force_login(d.outsider)  # an operator of another department
    assert asking.post(block_url(chat), {"duration": "1h", "reason": "x"}).status_code == 404
    asking.force_login(OperatorFactory(is_operator=False))
    assert asking.post(block_url(chat), {"duration": "1h", "reason": "x"}).status_code == 403
    asking.force_login(d.operators[1])  # answers the widget, though not holding the chat
    assert asking.get(block_url(chat)).status_code == 405
    assert not PatronBlock.objects.exists()
    assert asking.post(block_url(chat), {"duration": "1h", "reason": "x"}).status_code == 201


def test_blocking_needs_the_csrf_token():
    d = desk()
    chat, _ = start(d.widget, address_hash=address_hash(IP))
    operator = Client(enforce_csrf_checks=True)
    operator.force_login(d.operators[0])
    assert operator.post(block_url(chat), {"duration": "1h", "reason": "x"}).status_code == 403
    assert not PatronBlock.objects.exists()


def test_admins_list_blocks_and_lift_them_with_a_record_of_who(client, admin_user):
    d = desk()
    chat = patron_chat(d, client)
    made = services.patron_block(
        chat=chat, operator=d.operators[0], duration="lifted", reason="Threats"
    )
    client.force_login(admin_user)
    listing = client.get("/admin/chats/patronblock/").content.decode()
    assert "Threats" in listing and "Until lifted" in listing and "In force" in listing
    assert d.operators[0].name in listing or d.operators[0].username in listing
    response = client.post(
        "/admin/chats/patronblock/",
        {"action": "lift", "_selected_action": [made.pk]},
        follow=True,
    )
    assert "Lifted 1 block." in response.content.decode()
    made.refresh_from_db()
    assert made.lifted_by == admin_user and made.lifted_at
    assert "Lifted" in client.get("/admin/chats/patronblock/?state=lifted").content.decode()
    # Kept as a record: the admin offers no add, change or delete.
    assert client.get(f"/admin/chats/patronblock/{made.pk}/delete/").status_code == 403
    assert (
        client.post(f"/widget/{d.widget.pk}/chat/", {"question": "Hi"}, REMOTE_ADDR=IP).status_code
        == 201
    )
