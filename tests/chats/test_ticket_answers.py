"""Tickets answered inside LibChat: Send Answer emails the patron with the question quoted and
marks the ticket answered; notes stay in LibChat; a failed mail is shown with Retry (issue 14)."""

import smtplib

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chats import services
from chats.errors import ChatInvalid
from chats.models import OfflineTicket, PatronChat, TicketReply
from libchat.core.messages import MESSAGE_MAX_CHARS
from tests.chats.people import desk
from tests.factories import DepartmentFactory, MembershipFactory, OperatorFactory

pytestmark = pytest.mark.django_db


def left_ticket(d, question="Can I renew a laptop loan?\nIt is due Friday."):
    return services.ticket_create(
        widget=d.widget, name="Ada", email="ada@example.org", question=question
    )


def test_an_answer_is_emailed_with_the_question_quoted_and_marks_the_ticket_answered(
    django_capture_on_commit_callbacks,
):
    d = desk()
    ticket = left_ticket(d)
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.ticket_reply_add(
            ticket=ticket, operator=d.operators[0], body="Yes, once, at the desk.", kind="answer"
        )
    reply.refresh_from_db()
    assert reply.mail == TicketReply.Mail.SENT and reply.mailed_at is not None
    [sent] = mail.outbox
    assert sent.to == ["ada@example.org"]
    assert sent.subject == f"Re: your question to {d.widget.title}"
    assert sent.body.startswith("Yes, once, at the desk.\n\nOn ")
    assert "> Can I renew a laptop loan?\n> It is due Friday." in sent.body
    ticket.refresh_from_db()
    assert ticket.answered_by == d.operators[0] and ticket.answered_at is not None


def test_a_second_answer_keeps_the_first_answerers_credit_and_a_note_sends_nothing(
    django_capture_on_commit_callbacks,
):
    d = desk()
    alice, bob = d.operators
    ticket = left_ticket(d)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply_add(ticket=ticket, operator=alice, body="Yes.", kind="answer")
        note = services.ticket_reply_add(
            ticket=ticket, operator=bob, body="She asked at the desk too.", kind="note"
        )
        services.ticket_reply_add(
            ticket=ticket, operator=bob, body="Also: bring ID.", kind="answer"
        )
    assert len(mail.outbox) == 2 and note.mail == TicketReply.Mail.NONE
    assert OfflineTicket.objects.get(pk=ticket.pk).answered_by == alice


def test_empty_too_long_or_unknown_replies_are_refused_and_nothing_is_stored():
    d = desk()
    ticket = left_ticket(d)
    for body, kind, message in [
        ("  ", "answer", "Write the answer first."),
        ("", "note", "Write the note first."),
        ("x" * (MESSAGE_MAX_CHARS + 1), "answer", "at most"),
        ("Hi", "shout", "an answer or a note"),
    ]:
        with pytest.raises(ChatInvalid, match=message):
            services.ticket_reply_add(ticket=ticket, operator=d.operators[0], body=body, kind=kind)
    assert not TicketReply.objects.exists() and not mail.outbox
    assert OfflineTicket.objects.get(pk=ticket.pk).answered_at is None


def test_a_mail_server_that_refuses_leaves_the_answer_failed_and_retry_sends_it(
    django_capture_on_commit_callbacks, monkeypatch
):
    d = desk()
    ticket = left_ticket(d)

    def refuse(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"ada@example.org": (550, b"No such user")})

    monkeypatch.setattr("chats.services.tickets.send_mail", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.ticket_reply_add(
            ticket=ticket, operator=d.operators[0], body="Yes.", kind="answer"
        )
    reply.refresh_from_db()
    assert reply.mail == TicketReply.Mail.FAILED and "No such user" in reply.mail_error
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.ticket_answer_retry(reply=reply)
    reply.refresh_from_db()
    assert (reply.mail, reply.mail_error, len(mail.outbox)) == ("sent", "", 1)
    assert not services.ticket_answer_retry(reply=reply)  # sent: nothing to retry
    assert len(mail.outbox) == 1


def test_the_ticket_page_answers_and_keeps_the_text_when_refused(
    client, django_capture_on_commit_callbacks
):
    d = desk()
    ticket = left_ticket(d)
    page = f"/dashboard/tickets/{ticket.pk}/"
    client.force_login(d.outsider)
    assert client.get(page).status_code == 404
    refused = client.post(f"{page}replies/", {"body": "Mine now", "kind": "answer"})
    assert refused.status_code == 404 and not TicketReply.objects.exists()

    client.force_login(d.operators[0])
    listing = client.get("/dashboard/tickets/").content.decode()
    assert f'href="{page}"' in listing
    long = "x" * (MESSAGE_MAX_CHARS + 1)
    response = client.post(f"{page}replies/", {"body": long, "kind": "answer"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Nothing was sent." in text and f'data-draft="{long}"' in text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{page}replies/", {"body": "Yes, at the desk.", "kind": "answer"})
    assert response.status_code == 302
    shown = client.get(response["Location"]).content.decode()
    assert "Answer sent to ada@example.org; the ticket is answered." in shown
    assert "Yes, at the desk." in shown and "Emailed to ada@example.org" in shown
    client.post(f"{page}replies/", {"body": "Called her too.", "kind": "note"})
    shown = client.get(page).content.decode()
    assert "(staff only)" in shown and "Called her too." in shown
    assert len(mail.outbox) == 1


def test_retry_from_the_page_only_for_a_failed_answer_of_ones_own_widgets(
    client, django_capture_on_commit_callbacks
):
    d = desk()
    ticket = left_ticket(d)
    reply = TicketReply.objects.create(
        ticket=ticket, operator=d.operators[0], body="Yes.", kind="answer", mail="failed",
        mail_error="Connection refused",
    )  # fmt: skip
    retry = f"/dashboard/tickets/{ticket.pk}/replies/{reply.pk}/retry/"
    client.force_login(d.operators[1])
    page = client.get(f"/dashboard/tickets/{ticket.pk}/").content.decode()
    assert "The email was not sent" in page and "Connection refused" in page and retry in page
    client.force_login(d.outsider)
    assert client.post(retry).status_code == 404
    client.force_login(d.operators[1])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry)
    assert response.status_code == 302 and len(mail.outbox) == 1
    assert (
        "Sending the answer to ada@example.org again."
        in client.get(response["Location"]).content.decode()
    )


def test_the_ticket_page_costs_the_same_queries_with_one_and_twenty_replies(client):
    d = desk()
    ticket = left_ticket(d)
    client.force_login(d.operators[0])

    def add(count):
        TicketReply.objects.bulk_create(
            TicketReply(ticket=ticket, operator=d.operators[n % 2], body=f"Note {n}", kind="note")
            for n in range(count)
        )

    add(1)
    with CaptureQueriesContext(connection) as one:
        client.get(f"/dashboard/tickets/{ticket.pk}/")
    add(19)
    with CaptureQueriesContext(connection) as twenty:
        page = client.get(f"/dashboard/tickets/{ticket.pk}/").content.decode()
    assert len(twenty) == len(one) and page.count("(staff only)") == 20


def test_the_open_ticket_count_is_of_the_operators_own_widgets_in_the_header_too(client):
    d = desk()
    first = left_ticket(d)
    left_ticket(d, question="Another?")
    left_ticket(desk(), question="Someone else's")
    services.ticket_answered_set(ticket=first, operator=d.operators[0], answered=True)
    assert client.get("/dashboard/tickets/open/").status_code == 302  # to log in
    client.force_login(d.operators[1])
    response = client.get("/dashboard/tickets/open/")
    assert response.json() == {"open": 1} and "no-cache" in response["Cache-Control"]
    # The header says so as the page is served, before the page's script asks.
    header = client.get("/dashboard/settings/").content.decode()
    assert '<span class="count">1 open ticket</span>' in header
    left_ticket(d, question="A third?")
    assert "2 open tickets" in client.get("/dashboard/settings/").content.decode()
    console = client.get("/dashboard/").content.decode()  # counted once for header and rail
    assert "2 open tickets" in console and 'id="rail-tickets">Tickets (2)</a>' in console
    client.force_login(d.outsider)
    assert client.get("/dashboard/tickets/open/").json() == {"open": 0}
    header = client.get("/dashboard/settings/").content.decode()
    assert 'data-url="/dashboard/tickets/open/" hidden><span class="count"></span>' in header
    assert 'id="rail-tickets">Tickets</a>' in client.get("/dashboard/").content.decode()


# ---- Follow up a chat with a ticket -----------------------------------------------------------


def chat_with_email(d, *, end=True):
    chat, _ = services.chat_start(
        widget=d.widget, name="Ada", email="ada@example.org", question="Interlibrary loan?"
    )
    services.chat_claim(chat=chat, operator=d.operators[0])
    services.message_send(chat=chat, operator=d.operators[0], body="I will check and write.")
    if end:
        services.chat_end(chat=chat, operator=d.operators[0])
    return PatronChat.objects.get(pk=chat.pk)


def test_a_follow_up_is_a_ticket_of_the_chat_and_its_answer_carries_the_transcript(
    django_capture_on_commit_callbacks,
):
    d = desk()
    alice, bob = d.operators
    chat = chat_with_email(d)
    ticket = services.ticket_follow_up(
        chat=chat, operator=alice, note="Check ILL status", assigned_to=bob
    )
    assert (ticket.chat, ticket.email, ticket.name, ticket.question) == (
        chat,
        "ada@example.org",
        "Ada",
        "Check ILL status",
    )
    assert ticket.assigned_to == bob and ticket.answered_at is None
    with pytest.raises(ChatInvalid, match="already has an open follow-up"):
        services.ticket_follow_up(chat=chat, operator=alice)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply_add(
            ticket=ticket, operator=bob, body="Your loan arrived.", kind="answer",
            base_url="https://chat.library.example",
        )  # fmt: skip
    [sent] = mail.outbox
    assert "> Check ILL status" in sent.body and "Your chat:" in sent.body
    assert f"{alice.name}: I will check and write." in sent.body
    assert "staff" not in sent.body.lower()  # no staff notes in the patron's mail
    # Answered: a new follow-up may be made.
    assert services.ticket_follow_up(chat=chat, operator=alice).question == "Interlibrary loan?"


def test_a_follow_up_needs_the_patrons_email_and_one_assignee():
    d = desk()
    chat, _ = services.chat_start(widget=d.widget, name="Bea", question="Hours?")
    with pytest.raises(ChatInvalid, match="no email address"):
        services.ticket_follow_up(chat=chat, operator=d.operators[0])
    with pytest.raises(ChatInvalid, match="not both"):
        services.ticket_follow_up(
            chat=chat_with_email(d), operator=d.operators[0], assigned_to=d.operators[0],
            assigned_department=d.widget.first_department,
        )  # fmt: skip
    assert not OfflineTicket.objects.exists()


def test_the_follow_up_page_makes_the_ticket_during_the_chat_and_it_is_seen_by_its_assignee(client):
    d = desk()
    chat = chat_with_email(d, end=False)
    page = f"/dashboard/chats/{chat.pk}/follow-up/"
    client.force_login(d.outsider)
    assert client.get(page).status_code == 404
    assert client.post(page, {"assign": "me"}).status_code == 404
    client.force_login(d.operators[0])
    form = client.get(page).content.decode()
    assert "Follow up the chat with Ada" in form and 'value="widget"' in form
    refused = client.post(page, {"assign": "d999999", "note": "Keep me"})
    assert refused.status_code == 400 and "Choose who is to answer" in refused.content.decode()
    assert ">Keep me</textarea>" in refused.content.decode()
    other = DepartmentFactory(name="Interlibrary loans")
    response = client.post(page, {"assign": f"d{other.pk}", "note": "ILL status"})
    ticket = OfflineTicket.objects.get()
    assert response["Location"] == f"/dashboard/tickets/{ticket.pk}/"
    assert ticket.assigned_department == other and ticket.chat == chat
    # A member of that department who does not answer the widget sees it, assigned.
    member = OperatorFactory()
    MembershipFactory(department=other, operator=member)
    client.force_login(member)
    listing = client.get("/dashboard/tickets/").content.decode()
    assert "ILL status" in listing and "Assigned to Interlibrary loans" in listing
    shown = client.get(f"/dashboard/tickets/{ticket.pk}/").content.decode()
    assert "Follows up" in shown and "the answer is emailed with its transcript" in shown


# ---- Emailed transcripts, recorded ------------------------------------------------------------


def test_every_transcript_email_is_recorded_sent_or_failed(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    d = desk()
    chat = chat_with_email(d)
    with django_capture_on_commit_callbacks(execute=True):
        asked = services.chat_transcript_email(chat=chat)  # the patron asked, in the chat
    asked.refresh_from_db()
    assert (asked.to, asked.sent_by, asked.status) == ("ada@example.org", None, "sent")
    assert mail.outbox[-1].to == ["ada@example.org"]

    client.force_login(d.operators[1])
    page = f"/dashboard/transcripts/{chat.pk}/"
    response = client.post(f"{page}email/", {"to": "not an address"})
    assert (
        "Not sent: Enter a valid email address."
        in client.get(response["Location"]).content.decode()
    )

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr("chats.services.transcripts.send_mail", refuse)
    # The worker records the failure, then tries again later (here, in place: Retry raised).
    with pytest.raises(Retry), django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{page}email/", {"to": "supervisor@library.example"})
    shown = client.get(response["Location"]).content.decode()
    assert "Sending the transcript to supervisor@library.example." in shown
    assert "asked by the patron: sent" in shown
    assert f"to supervisor@library.example, sent by {d.operators[1].name}:" in shown
    assert "failed" in shown and "Connection unexpectedly closed" in shown
    client.force_login(d.outsider)
    assert client.post(f"{page}email/", {"to": "x@example.org"}).status_code == 404
    assert chat.transcript_emails.count() == 2


def test_the_tickets_page_costs_the_same_queries_at_10_and_10000_tickets(client):
    d = desk()
    client.force_login(d.operators[0])

    def leave(count, start=0):
        OfflineTicket.objects.bulk_create(
            OfflineTicket(widget=d.widget, email=f"p{i}@example.org", question=f"Question {i:05}")
            for i in range(start, start + count)
        )

    leave(10)
    with CaptureQueriesContext(connection) as few:
        client.get("/dashboard/tickets/", {"status": "all", "q": "Question"})
    leave(9990, start=10)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/dashboard/tickets/", {"status": "all", "q": "Question"})
    assert len(many) == len(few)
    assert "Page 1 of 200 · 10000 tickets" in page.content.decode()


def test_an_answer_keeps_the_editors_markup_safe_and_the_email_reads_it_as_text(
    django_capture_on_commit_callbacks,
):
    d = desk()
    ticket = left_ticket(d)
    body = '<b>Yes</b> &amp; <a href="https://library.example/renew">renew</a><script>x()</script>'
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.ticket_reply_add(
            ticket=ticket, operator=d.operators[0], body=body + "<br>Ada", kind="answer"
        )
    assert "<script>" not in reply.body and reply.body.startswith("<b>Yes</b> &amp; <a href=")
    assert mail.outbox[0].body.startswith("Yes & renew\nAda\n\nOn ")
    with pytest.raises(ChatInvalid, match="Write the note first."):
        services.ticket_reply_add(
            ticket=ticket, operator=d.operators[0], body="<b> </b><br>", kind="note"
        )
