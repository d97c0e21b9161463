"""The patron's HTTP endpoints: starting a chat and leaving an offline ticket."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chats.models import OfflineTicket, PatronChat
from chats.selectors import chat_by_token
from libchat.core.messages import MESSAGE_MAX_CHARS
from tests.chats.people import desk
from tests.factories import WidgetFactory
from widgets.models import Widget

pytestmark = pytest.mark.django_db


def test_start_answers_a_token_that_opens_the_new_chat(client):
    d = desk()
    response = client.post(f"/widget/{d.widget.pk}/chat/", {"name": "Ada", "question": "Hours?"})
    assert response.status_code == 201
    chat = chat_by_token(token=response.json()["token"])
    assert (chat.pk, chat.name, chat.question) == (response.json()["chat_id"], "Ada", "Hours?")
    assert not response.cookies  # nothing for a browser that blocks third-party cookies


def test_start_refuses_bad_answers_and_an_offline_widget_and_stores_nothing(client):
    d = desk()
    response = client.post(f"/widget/{d.widget.pk}/chat/", {"email": "nope"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email", "question"}
    offline = WidgetFactory(offline_message="Back at 9.")
    response = client.post(f"/widget/{offline.pk}/chat/", {"question": "Hours?"})
    assert response.status_code == 409
    assert response.json() == {
        "error": "widget_offline",
        "message": "Back at 9.",
        "offline_behaviour": "ticket_form",
    }
    assert client.post("/widget/999999/chat/", {"question": "x"}).status_code == 404
    assert client.get(f"/widget/{d.widget.pk}/chat/").status_code == 405
    assert PatronChat.objects.count() == 0


def test_starting_chats_is_rate_limited_per_ip(client, settings):
    settings.LIBCHAT_CHAT_STARTS_PER_IP = 2
    d = desk()
    codes = [
        client.post(f"/widget/{d.widget.pk}/chat/", {"question": "Hi"}).status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    other_ip = client.post(
        f"/widget/{d.widget.pk}/chat/", {"question": "Hi"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other_ip.status_code == 201
    assert PatronChat.objects.count() == 3


def test_offline_form_creates_a_ticket_and_message_only_mode_creates_nothing(client):
    form = WidgetFactory()
    response = client.post(
        f"/widget/{form.pk}/ticket/",
        {"name": "Ada", "email": "ada@example.org", "question": "Open Sundays?"},
    )
    assert response.status_code == 201
    assert OfflineTicket.objects.get().question == "Open Sundays?"
    assert client.post(f"/widget/{form.pk}/ticket/", {"question": "x"}).status_code == 400
    message_only = WidgetFactory(offline_behaviour=Widget.Offline.MESSAGE)
    response = client.post(
        f"/widget/{message_only.pk}/ticket/", {"email": "ada@example.org", "question": "Hi"}
    )
    assert response.status_code == 409
    assert OfflineTicket.objects.count() == 1


def test_the_offline_form_keeps_the_pre_chat_forms_limits_and_says_which(client, settings):
    form = WidgetFactory()
    response = client.post(
        f"/widget/{form.pk}/ticket/",
        {"name": "A" * 101, "email": "ada@example.org", "question": "Q" * (MESSAGE_MAX_CHARS + 1)},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "name": ["Please keep your name under 100 characters."],
        "question": [f"Please keep your question under {MESSAGE_MAX_CHARS} characters."],
    }
    assert not OfflineTicket.objects.exists()


@pytest.mark.parametrize("path", ["chat", "ticket"])
def test_a_nul_character_in_the_form_is_dropped_not_a_server_error(client, path):
    d = desk()
    response = client.post(
        f"/widget/{d.widget.pk}/{path}/",
        {"name": "A\x00da", "email": "ada@example.org", "question": "Open\x00 Sundays?"},
        HTTP_USER_AGENT="Mozilla/5.0\x00",
    )
    assert response.status_code == 201
    stored = (PatronChat if path == "chat" else OfflineTicket).objects.get()
    assert (stored.name, stored.question) == ("Ada", "Open Sundays?")


def test_the_widget_page_offers_start_chat_and_the_offline_form_only_when_configured(client):
    d = desk(allowed_origins="https://www.library.example")
    page = client.get(f"/widget/{d.widget.pk}/").content.decode()
    assert "Start Chat" in page and 'id="offline-ticket"' in page
    quiet = desk(offline_behaviour=Widget.Offline.MESSAGE)
    assert 'id="offline-ticket"' not in client.get(f"/widget/{quiet.widget.pk}/").content.decode()


def ended_chat(d, **answers):
    from chats import services

    chat, _ = services.chat_start(widget=d.widget, **answers)
    services.chat_claim(chat=chat, operator=d.operators[0])
    services.message_send(chat=chat, body="Is the <b>atlas</b> in?")
    services.message_send(chat=chat, operator=d.operators[0], body="Yes, room 3.")
    services.chat_end(chat=chat, operator=d.operators[0], note="Follow up on atlas loan")
    return services.chat_rate(chat=PatronChat.objects.get(pk=chat.pk), rating=5)


def test_transcripts_list_what_the_operator_answers_searchable_with_the_whole_chat(client):
    d = desk()
    chat = ended_chat(d, name="Ada", question="Atlas?")
    other = ended_chat(desk(), name="Bea", question="Maps?")
    client.force_login(d.operators[1])
    page = client.get("/dashboard/transcripts/").content.decode()
    assert "Ada" in page and "Bea" not in page
    assert d.operators[0].name in page and "5/5" in page
    assert "Ada" in client.get("/dashboard/transcripts/?q=room 3").content.decode()
    assert "Ada" in client.get("/dashboard/transcripts/?q=is the").content.decode()
    assert "Ada" not in client.get("/dashboard/transcripts/?q=nothing").content.decode()
    # Found as typed, though stored escaped: "Is the &lt;b&gt;atlas&lt;/b&gt; in?"
    typed = client.get("/dashboard/transcripts/", {"q": "the <b>atlas</b>"}).content.decode()
    assert "Ada" in typed and "Bea" not in typed
    detail = client.get(f"/dashboard/transcripts/{chat.pk}/").content.decode()
    # The patron's markup shows as the text they typed.
    patron_said = "Is the &lt;b&gt;atlas&lt;/b&gt; in?"
    order = ["joined the chat.", patron_said, "Yes, room 3.", "ended the chat."]
    assert all(part in detail for part in order) and "<b>atlas" not in detail
    assert [detail.index(part) for part in order] == sorted(detail.index(p) for p in order)
    assert "Follow up on atlas loan" in detail
    assert client.get(f"/dashboard/transcripts/{other.pk}/").status_code == 404
    client.force_login(d.outsider)
    assert "Ada" not in client.get("/dashboard/transcripts/").content.decode()


def test_a_patrons_fake_faq_card_and_link_show_as_text_in_the_transcript_and_its_email(
    client, django_capture_on_commit_callbacks
):
    from chats import services

    d = desk()
    chat, _ = services.chat_start(
        widget=d.widget, name="Ada", email="ada@example.org", question="Renew?"
    )
    services.chat_claim(chat=chat, operator=d.operators[0])
    fake = '<div class="faq-card"><b>x</b></div>\n<a href="https://evil.example/">Renew</a>'
    services.message_send(chat=chat, body=fake)
    card = '<div class="faq-card"><b>When are you open?</b><br>9 to 5</div>'
    services.message_send(chat=chat, operator=d.operators[0], body=card)
    services.chat_end(chat=chat)
    client.force_login(d.operators[0])
    detail = client.get(f"/dashboard/transcripts/{chat.pk}/").content.decode()
    # The address typed is a link showing itself, as any typed address; the rest is text.
    typed_link = (
        '<a href="https://evil.example/" target="_blank" rel="noopener noreferrer nofollow">'
        "https://evil.example/</a>"
    )
    assert (
        '<span class="who">Ada:</span> <span class="body">&lt;div class="faq-card"&gt;'
        f'&lt;b&gt;x&lt;/b&gt;&lt;/div&gt;<br>&lt;a href="{typed_link}"&gt;Renew&lt;/a&gt;'
        "</span>"
    ) in detail
    assert detail.count('<div class="faq-card">') == 1 and ">Renew</a>" not in detail
    assert f'<span class="body">{card}</span>' in detail
    with django_capture_on_commit_callbacks(execute=True):  # the worker's mail
        services.chat_transcript_email(chat=PatronChat.objects.get(pk=chat.pk))
    assert f"Ada: {fake}\n" in mail.outbox[0].body


def test_a_patrons_name_in_a_system_line_is_text_in_the_transcript_and_its_email(
    client, django_capture_on_commit_callbacks
):
    from chats import services

    d = desk()
    name = "<img src=x onerror=alert(1)> & co"
    chat, _ = services.chat_start(widget=d.widget, name=name, email="a@example.org", question="?")
    services.chat_claim(chat=chat, operator=d.operators[0])
    services.chat_end(chat=chat)
    client.force_login(d.operators[0])
    detail = client.get(f"/dashboard/transcripts/{chat.pk}/").content.decode()
    assert '<span class="body">&lt;img src=x onerror=alert(1)&gt; &amp; co ended' in detail
    assert "<img" not in detail
    with django_capture_on_commit_callbacks(execute=True):  # the worker's mail
        services.chat_transcript_email(chat=PatronChat.objects.get(pk=chat.pk))
    assert f"UTC] {name} ended the chat." in mail.outbox[0].body  # plain text, as typed


def test_a_comment_left_without_a_rating_shows_in_the_transcripts(client):
    from chats import services

    d = desk()
    chat, _ = services.chat_start(widget=d.widget, name="Ada", question="Atlas?")
    services.chat_end(chat=chat)
    services.chat_rate(chat=PatronChat.objects.get(pk=chat.pk), comment="Too slow & <late>")
    client.force_login(d.operators[0])
    listing = client.get("/dashboard/transcripts/").content.decode()
    assert "<td>A comment</td>" in listing
    detail = client.get(f"/dashboard/transcripts/{chat.pk}/").content.decode()
    assert "<dt>Rating</dt><dd>—</dd>" in detail
    assert "<dt>Comment</dt><dd>Too slow &amp; &lt;late&gt;</dd>" in detail


def test_transcripts_show_how_long_a_chat_lasted_in_minutes_and_seconds(client):
    d = desk()
    chat = ended_chat(d, name="Ada", question="Atlas?")
    PatronChat.objects.filter(pk=chat.pk).update(
        ended_at=chat.first_claimed_at + timedelta(seconds=167.4)
    )
    client.force_login(d.operators[0])
    page = client.get("/dashboard/transcripts/").content.decode()
    # Not as raw seconds (a bare "167" may be a factory's widget name: "Widget 167").
    assert "<td>2 min 47 s</td>" in page and "<td>167" not in page and "167 s" not in page


def test_tickets_list_for_operators_who_answer_the_widget_and_admin_sees_all(client, admin_client):
    from chats import services

    d = desk()
    services.ticket_create(widget=d.widget, email="ada@example.org", question="Sunday hours?")
    client.force_login(d.operators[0])
    assert "Sunday hours?" in client.get("/dashboard/tickets/").content.decode()
    assert "Sunday hours?" not in client.get("/dashboard/tickets/?q=maps").content.decode()
    client.force_login(d.outsider)
    assert "Sunday hours?" not in client.get("/dashboard/tickets/").content.decode()
    assert "ada@example.org" in admin_client.get("/admin/chats/offlineticket/").content.decode()
    ended_chat(d, name="Ada", question="Atlas?")
    chat_list = admin_client.get("/admin/chats/patronchat/?q=atlas").content.decode()
    assert "Ada" in chat_list


def ended_chats(widget, count: int, start: int = 0) -> None:
    """`count` ended chats of the widget, patron i ended i minutes after the first."""
    first = timezone.now() - timedelta(days=1)
    PatronChat.objects.bulk_create(
        PatronChat(
            widget=widget,
            token_hash=f"{widget.pk}-{i}",
            state=PatronChat.State.ENDED,
            name=f"Patron {i:03}",
            queued_at=first,
            ended_at=first + timedelta(minutes=i),
        )
        for i in range(start, start + count)
    )


def test_transcripts_come_in_pages_of_50_newest_first_at_a_fixed_query_count(client):
    d = desk()
    client.force_login(d.operators[0])
    ended_chats(d.widget, 10)
    with CaptureQueriesContext(connection) as few:
        client.get("/dashboard/transcripts/")
    ended_chats(d.widget, 110, start=10)
    with CaptureQueriesContext(connection) as many:
        first = client.get("/dashboard/transcripts/").content.decode()
    assert len(many) == len(few)

    assert "Patron 119" in first and "Patron 070" in first and "Patron 069" not in first
    assert "Page 1 of 3 · 120 transcripts" in first and 'href="?page=2"' in first
    last = client.get("/dashboard/transcripts/?page=3").content.decode()
    assert "Patron 019" in last and "Patron 000" in last and "Patron 020" not in last
    assert "Older" not in last and 'href="?page=2"' in last
    # A search keeps its words across pages; a page number out of range shows the last page.
    searched = client.get("/dashboard/transcripts/?q=Patron 0").content.decode()
    assert "Page 1 of 2 · 100 transcripts" in searched and "?q=Patron+0&amp;page=2" in searched
    assert "Patron 000" in client.get("/dashboard/transcripts/?page=99").content.decode()


def test_tickets_come_in_pages_of_50(client):
    d = desk()
    OfflineTicket.objects.bulk_create(
        OfflineTicket(widget=d.widget, email=f"p{i}@example.org", question=f"Question {i:03}")
        for i in range(60)
    )
    client.force_login(d.operators[0])
    first = client.get("/dashboard/tickets/").content.decode()
    assert first.count("Question ") == 50 and "Page 1 of 2 · 60 tickets" in first
    assert client.get("/dashboard/tickets/?page=2").content.decode().count("Question ") == 10


def test_an_operator_marks_a_ticket_answered_and_it_leaves_the_open_list(client):
    d = desk()
    ticket = OfflineTicket.objects.create(
        widget=d.widget, email="ada@example.org", question="Sunday hours?"
    )
    bob, carol = d.operators
    client.force_login(bob)
    url = f"/dashboard/tickets/{ticket.pk}/answered/"
    response = client.post(url, {"answered": "1", "list_query": "q=Sunday&status=open"})
    assert response.status_code == 302 and response["Location"].endswith("?q=Sunday&status=open")
    assert "Sunday hours?" not in client.get("/dashboard/tickets/").content.decode()
    assert "No open tickets" in client.get("/dashboard/tickets/").content.decode()
    answered = client.get("/dashboard/tickets/?status=answered").content.decode()
    assert "Sunday hours?" in answered and f"Answered by {bob.name}" in answered

    # Carol marks it a moment later: Bob keeps the credit. Reopening puts it back in the list.
    client.force_login(carol)
    client.post(url, {"answered": "1"})
    assert OfflineTicket.objects.get().answered_by == bob
    client.post(url, {"answered": "0"})
    assert "Sunday hours?" in client.get("/dashboard/tickets/").content.decode()
    assert OfflineTicket.objects.get().answered_by is None


def test_marking_a_ticket_is_refused_to_outsiders_and_for_bad_input_and_changes_nothing(client):
    d = desk()
    ticket = OfflineTicket.objects.create(widget=d.widget, email="a@example.org", question="Q?")
    url = f"/dashboard/tickets/{ticket.pk}/answered/"
    client.force_login(d.outsider)
    refused = client.post(url, {"answered": "1"})
    assert refused.status_code == 404 and "not one of your widgets" in refused.content.decode()
    client.force_login(d.operators[0])
    assert client.post(url, {"answered": "maybe"}).status_code == 400
    assert client.get(url).status_code == 405
    assert client.post("/dashboard/tickets/999999/answered/", {"answered": "1"}).status_code == 404
    assert OfflineTicket.objects.get().answered_at is None


def test_marking_a_ticket_needs_the_csrf_token():
    from django.test import Client

    d = desk()
    ticket = OfflineTicket.objects.create(widget=d.widget, email="a@example.org", question="Q?")
    client = Client(enforce_csrf_checks=True)
    client.force_login(d.operators[0])
    response = client.post(f"/dashboard/tickets/{ticket.pk}/answered/", {"answered": "1"})
    assert response.status_code == 403
    assert OfflineTicket.objects.get().answered_at is None


def test_marking_and_reopening_a_ticket_says_what_happened_with_a_reopen_button(client):
    import re

    from django.test import Client

    d = desk()
    ticket = OfflineTicket.objects.create(
        widget=d.widget, email="ada@example.org", question="Sunday hours?"
    )
    bob, carol = d.operators
    url = f"/dashboard/tickets/{ticket.pk}/answered/"
    bobs = Client(enforce_csrf_checks=True)
    bobs.force_login(bob)
    bobs.get("/dashboard/tickets/")
    token = bobs.cookies["csrftoken"].value
    response = bobs.post(url, {"answered": "1", "csrfmiddlewaretoken": token}, follow=True)
    page = response.content.decode()
    assert 'role="status"' in page
    assert "Marked the ticket from ada@example.org answered." in page
    assert "No open tickets." in page

    # The Reopen button in the message undoes it, CSRF token and list included.
    undo = re.search(r'<div class="flash-message[^"]*">.*?</form>', page, re.S).group(0)
    assert f'action="{url}"' in undo and 'name="answered" value="0"' in undo
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', undo))
    page = bobs.post(url, fields, follow=True).content.decode()
    assert "Reopened the ticket from ada@example.org." in page
    assert "Sunday hours?" in page
    assert "Marked the ticket" not in bobs.get("/dashboard/tickets/").content.decode()  # once

    bobs.post(url, {"answered": "1", "csrfmiddlewaretoken": token})
    client.force_login(carol)
    page = client.post(url, {"answered": "1"}, follow=True).content.decode()
    assert f"{bob.name} had already marked it answered." in page
    assert OfflineTicket.objects.get().answered_by == bob


def test_the_transcript_shows_each_staff_note_on_its_own_line(client):
    from chats import services

    d = desk(operators=3)
    alice, bob, carol = d.operators
    chat, _ = services.chat_start(widget=d.widget, name="Ada", question="Atlas?")
    services.chat_claim(chat=chat, operator=alice)
    services.chat_transfer(chat=chat, operator=alice, to_operator=bob, note="Wants maps")
    services.chat_transfer(chat=chat, operator=bob, to_operator=carol, note="Knows the room")
    services.chat_end(chat=chat, operator=carol, note="Lent the atlas")
    client.force_login(carol)
    detail = client.get(f"/dashboard/transcripts/{chat.pk}/").content.decode()
    assert (
        f"{alice.name} → {bob.name}: Wants maps<br>{bob.name} → {carol.name}: Knows the room<br>"
        f"{carol.name}: Lent the atlas"
    ) in detail


def test_transcripts_are_found_by_words_with_an_ampersand_on_either_side(client):
    from chats import services

    d = desk()
    chat, _ = services.chat_start(widget=d.widget, name="Ada", question="?")
    services.chat_claim(chat=chat, operator=d.operators[0])
    services.message_send(chat=chat, body="Where is Q&A?")
    services.message_send(chat=chat, operator=d.operators[0], body="Ask <b>R&D</b>, floor 2.")
    services.chat_end(chat=chat, operator=d.operators[0])
    client.force_login(d.operators[0])
    for query in ["Q&A", "R&D", "r&d"]:
        found = client.get("/dashboard/transcripts/", {"q": query}).content.decode()
        assert "Ada" in found, query
    assert "Ada" not in client.get("/dashboard/transcripts/", {"q": "P&L"}).content.decode()
