"""Chats from before the record get a best-effort history when the migration runs."""

import importlib
from datetime import UTC, datetime, timedelta

import pytest

from tests.migrating import migrate

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("back_to_latest")]

# Operators as they were then too: a later column (accounts 0006's language) has no default in
# the database, so the old models could not add a row to it.
BEFORE = [
    ("chats", "0004_claimant_silence_from_session"),
    ("widgets", "0004_widget_hash_unique"),
    ("accounts", "0005_session_sign_out_after_chats"),
]
AFTER = [("chats", "0006_chat_record_backfill")]
T = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def test_old_chats_get_their_operators_first_claim_first_response_and_end():
    old = migrate(BEFORE)
    Operator = old.get_model("accounts", "Operator")
    Department = old.get_model("departments", "Department")
    Widget = old.get_model("widgets", "Widget")
    Chat = old.get_model("chats", "PatronChat")
    Message = old.get_model("chats", "PatronMessage")
    alice = Operator.objects.create(username="alice", is_operator=True)
    carol = Operator.objects.create(username="carol", is_operator=True)
    widget = Widget.objects.create(
        name="Main", first_department=Department.objects.create(name="Reference")
    )
    # Alice answered, then Carol held it last: only Carol and her claim time were kept.
    answered = Chat.objects.create(
        widget=widget,
        token_hash="a",
        state="ended",
        queued_at=T,
        claimed_by=carol,
        claimed_at=T + timedelta(seconds=90),
        ended_at=T + timedelta(seconds=150),
    )
    for number, (operator, seconds) in enumerate([(alice, 20), (alice, 40), (carol, 100)], 1):
        Message.objects.create(
            chat=answered, number=number, sender="operator", operator=operator, body="Hi"
        )
        Message.objects.filter(chat=answered, number=number).update(
            created_at=T + timedelta(seconds=seconds)
        )
    missed = Chat.objects.create(
        widget=widget, token_hash="m", state="ended", queued_at=T, ended_at=T
    )

    new = migrate(AFTER)
    answered = new.get_model("chats", "PatronChat").objects.get(pk=answered.pk)
    assert answered.first_claimed_at == T + timedelta(seconds=20)
    assert answered.first_response_at == T + timedelta(seconds=20)
    took_part = new.get_model("chats", "ChatParticipant").objects.filter(chat=answered)
    assert [(p.operator_id, p.first_message_at) for p in took_part.order_by("joined_at")] == [
        (alice.pk, T + timedelta(seconds=20)),
        (carol.pk, T + timedelta(seconds=100)),
    ]
    events = new.get_model("chats", "ChatEvent").objects.order_by("chat_id", "at")
    assert [(e.chat_id, e.kind, e.to_operator_id) for e in events] == [
        (answered.pk, "claimed", alice.pk),
        (answered.pk, "claimed", carol.pk),
        (answered.pk, "ended", None),
        (missed.pk, "ended", None),
    ]
    missed = new.get_model("chats", "PatronChat").objects.get(pk=missed.pk)
    assert missed.first_claimed_at is None and missed.first_response_at is None


def test_ticket_replies_written_as_plain_text_read_the_same_once_the_page_shows_html():
    # 0016 changes no column, only what the body holds: its conversion runs on today's tables.
    from django.apps import apps

    from chats.models import OfflineTicket, TicketReply
    from tests.factories import WidgetFactory

    convert = importlib.import_module("chats.migrations.0016_ticket_reply_body_html")
    text = "Under 5 < 10 days & free\n<script>x()</script>"
    ticket = OfflineTicket.objects.create(
        widget=WidgetFactory(), email="a@example.org", question="?"
    )
    reply = TicketReply.objects.create(ticket=ticket, kind="answer", body=text)

    convert.text_to_html(apps, None)
    reply.refresh_from_db()
    assert reply.body == "Under 5 &lt; 10 days &amp; free<br>&lt;script&gt;x()&lt;/script&gt;"

    convert.html_to_text(apps, None)
    reply.refresh_from_db()
    assert reply.body == text


def test_libchats_older_lines_are_recognised_so_they_read_in_each_language(settings):
    from django.apps import apps
    from django.utils import translation

    from chats import selectors
    from chats.models import PatronMessage
    from tests.chats.people import desk, start

    recognise = importlib.import_module("chats.migrations.0017_system_line_kinds")
    chat, _ = start(desk().widget)
    stored = [
        "Alice &lt;3 joined the chat.",
        "Alice transferred the chat to Reference.",
        "The patron ended the chat.",
        "A line this migration never wrote.",
    ]
    for number, body in enumerate(stored, 1):
        PatronMessage.objects.create(chat=chat, number=number, sender="system", body=body)

    recognise.lines_recognise(apps, None)

    with translation.override("es"):
        read = [m["body"] for m in selectors.chat_messages(chat_id=chat.pk)]
    assert read == [
        "Alice &lt;3 se unió al chat.",
        "Alice transfirió el chat a Reference.",
        "El usuario terminó el chat.",
        "A line this migration never wrote.",
    ]
