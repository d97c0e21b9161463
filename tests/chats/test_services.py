"""Patron chat services: starting, the queue, the race-free claim, messages, access, ending."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from chats import groups, selectors, services
from chats.errors import ChatAccessDenied, ChatClosed, ChatInvalid, ChatTaken, WidgetOffline
from chats.live_actions import chat_queue_groups
from chats.models import PatronChat, PatronMessage
from libchat.core.messages import MessageRefused
from tests.chats.people import desk, start
from tests.factories import MembershipFactory, OperatorFactory, WidgetFactory
from tests.widgets.people import signed_in
from widgets import selectors as widget_selectors
from widgets.models import Widget
from widgets.services import widget_fallbacks_set

pytestmark = pytest.mark.django_db


def test_start_queues_a_chat_with_the_prechat_answers_and_a_token_that_opens_only_it():
    d = desk()
    chat, token = start(d.widget, name="Ada", email="ada@example.org", question=" Hours? ")
    other, other_token = start(d.widget)
    assert chat.state == PatronChat.State.WAITING
    assert (chat.name, chat.email, chat.question) == ("Ada", "ada@example.org", "Hours?")
    assert len(token) >= 43 and token not in chat.token_hash
    assert selectors.chat_by_token(token=token) == chat
    assert selectors.chat_by_token(token=other_token) == other


def test_start_checks_required_answers_and_email_and_stores_nothing_when_refused():
    d = desk(ask_name=Widget.Ask.REQUIRED, ask_email=Widget.Ask.OPTIONAL)
    with pytest.raises(ValidationError) as refused:
        start(d.widget, question="", email="not-an-address")
    assert set(refused.value.message_dict) == {"name", "email", "question"}
    assert "valid email" in refused.value.message_dict["email"][0]
    with pytest.raises(ValidationError):
        start(d.widget, name="x" * 101)
    assert PatronChat.objects.count() == 0


def test_answers_to_questions_the_widget_does_not_ask_are_dropped():
    d = desk(ask_email=Widget.Ask.OFF)
    chat, _ = start(d.widget, email="ada@example.org")
    assert chat.email == ""


def test_nobody_online_or_an_inactive_widget_refuses_with_the_offline_message():
    offline = WidgetFactory(offline_message="Back at 9.")
    MembershipFactory(department=offline.first_department)  # a member, not signed in
    with pytest.raises(WidgetOffline, match="Back at 9."):
        start(offline)
    d = desk(active=False)
    with pytest.raises(WidgetOffline):
        start(d.widget)
    assert PatronChat.objects.count() == 0


def test_queue_positions_follow_starts_claims_and_abandons():
    d = desk()
    first, _ = start(d.widget)
    second, _ = start(d.widget)
    third, _ = start(d.widget)
    elsewhere, _ = start(desk().widget)
    assert selectors.queue_positions(widget_id=d.widget.pk) == {
        first.pk: 1,
        second.pk: 2,
        third.pk: 3,
    }
    assert selectors.queue_position(chat=elsewhere) == 1

    services.chat_claim(chat=first, operator=d.operators[0])
    assert selectors.queue_positions(widget_id=d.widget.pk) == {second.pk: 1, third.pk: 2}

    services.chat_end(chat=second)  # the patron gave up waiting
    assert selectors.queue_positions(widget_id=d.widget.pk) == {third.pk: 1}
    fourth, _ = start(d.widget)
    assert selectors.queue_position(chat=fourth) == 2
    first.refresh_from_db()
    assert selectors.queue_position(chat=first) is None


def test_a_second_claim_is_told_who_took_the_chat():
    d = desk()
    chat, _ = start(d.widget)
    services.chat_claim(chat=chat, operator=d.operators[0])
    with pytest.raises(ChatTaken, match=f"This chat was taken by {d.operators[0].name}."):
        services.chat_claim(chat=PatronChat.objects.get(pk=chat.pk), operator=d.operators[1])
    chat.refresh_from_db()
    assert chat.state == PatronChat.State.ACTIVE and chat.claimed_by == d.operators[0]


@pytest.mark.django_db(transaction=True)
def test_ten_operators_claim_one_chat_at_once_and_exactly_one_wins():
    d = desk(operators=10)
    chat, _ = start(d.widget)
    barrier = threading.Barrier(10)
    results: list[str] = []

    def attempt(operator):
        try:
            claimable = PatronChat.objects.get(pk=chat.pk)
            barrier.wait(timeout=10)
            services.chat_claim(chat=claimable, operator=operator)
            results.append("won")
        except ChatTaken:
            results.append("taken")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(op,)) for op in d.operators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["taken"] * 9 + ["won"]
    chat.refresh_from_db()
    assert chat.state == PatronChat.State.ACTIVE
    joined = PatronMessage.objects.filter(chat=chat, sender="system")
    assert [m.body for m in joined] == [f"{chat.claimed_by.name} joined the chat."]


def test_who_can_answer_first_choice_fallbacks_and_monitoring_members():
    first_operator = OperatorFactory()
    widget = WidgetFactory(first_department=None, first_operator=first_operator)
    fallback_member = MembershipFactory().operator
    not_monitoring = MembershipFactory(
        department=fallback_member.memberships.get().department, monitoring=False
    ).operator
    fallback_operator = OperatorFactory()
    widget_fallbacks_set(
        widget=widget,
        fallbacks=[fallback_member.memberships.get().department, fallback_operator],
    )
    assert widget_selectors.widget_answerer_ids(widget=widget) == {
        first_operator.pk,
        fallback_member.pk,
        fallback_operator.pk,
    }
    assert widget.pk in widget_selectors.widget_ids_answerable_by(operator=fallback_member)
    assert widget.pk not in widget_selectors.widget_ids_answerable_by(operator=not_monitoring)


def test_an_operator_outside_the_widgets_monitors_cannot_claim_read_or_answer():
    d = desk()
    chat, _ = start(d.widget)
    with pytest.raises(ChatAccessDenied):
        services.chat_claim(chat=chat, operator=d.outsider)
    with pytest.raises(ChatAccessDenied):
        selectors.chat_for_operator(operator=d.outsider, chat_id=chat.pk)
    assert selectors.chats_waiting_for(operator=d.outsider) == []
    assert [c["id"] for c in selectors.chats_waiting_for(operator=d.operators[1])] == [chat.pk]
    services.chat_claim(chat=chat, operator=d.operators[0])
    with pytest.raises(ChatAccessDenied):
        services.message_send(chat=chat, operator=d.operators[1], body="Me too")
    with pytest.raises(ChatAccessDenied):
        services.chat_end(chat=chat, operator=d.operators[1])
    assert PatronChat.objects.get(pk=chat.pk).state == PatronChat.State.ACTIVE


def test_messages_are_numbered_sanitised_limited_and_stored_once_per_client_msg_id():
    d = desk()
    chat, _ = start(d.widget)
    first = services.message_send(chat=chat, body="Hello <script>alert(1)</script><b>hi</b>")
    # The patron writes plain text: their markup is text, shown as typed.
    assert first.body == "Hello &lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;hi&lt;/b&gt;"
    assert first.number == 1
    services.chat_claim(chat=chat, operator=d.operators[0])  # adds "... joined the chat." (2)
    with pytest.raises(MessageRefused):
        services.message_send(chat=chat, operator=d.operators[0], body="<script>only</script>")
    link = services.message_send(
        chat=chat,
        operator=d.operators[0],
        body='Hello <script>alert(1)</script><b>hi</b> <a href="javascript:x()">bad</a> '
        '<a href="https://lib.example/x" onclick="x">ok</a>',
        client_msg_id="c-1",
    )
    assert link.number == 3
    assert link.body.startswith("Hello <b>hi</b> ")
    assert "javascript" not in link.body and "onclick" not in link.body
    assert 'href="https://lib.example/x"' in link.body
    again = services.message_send(
        chat=chat, operator=d.operators[0], body="different", client_msg_id="c-1"
    )
    assert again.pk == link.pk
    with pytest.raises(MessageRefused, match="4,000 characters at most; this one has 4,001"):
        services.message_send(chat=chat, body="x" * 4001)
    with pytest.raises(MessageRefused):
        services.message_send(chat=chat, body=" \r\n\0 ")
    services.message_send(chat=chat, body="y" * 4000, client_msg_id="c-1")  # patron's own id
    assert [m["id"] for m in selectors.chat_messages(chat_id=chat.pk)] == [1, 2, 3, 4]
    assert [m["id"] for m in selectors.chat_messages(chat_id=chat.pk, after=2)] == [3, 4]


def test_a_patrons_markup_is_stored_as_the_text_they_typed_and_an_operators_faq_card_stays():
    d = desk()
    chat, _ = start(d.widget)
    services.chat_claim(chat=chat, operator=d.operators[0])
    fake = services.message_send(
        chat=chat,
        body='<div class="faq-card"><b>x</b></div>\r\n<a href="https://evil.example">Hi</a> & co',
    )
    # The address typed is a link, as any typed address is; the markup around it is text.
    link = '<a href="https://evil.example" target="_blank" rel="noopener noreferrer nofollow">'
    assert fake.body == (
        '&lt;div class="faq-card"&gt;&lt;b&gt;x&lt;/b&gt;&lt;/div&gt;<br>'
        f'&lt;a href="{link}https://evil.example</a>"&gt;Hi&lt;/a&gt; &amp; co'
    )
    card = '<div class="faq-card"><b>When are you open?</b><br>9 to 5</div>'
    reply = services.message_send(chat=chat, operator=d.operators[0], body=card)
    assert reply.body == card


def test_a_patrons_4000_character_limit_counts_what_they_typed_not_its_escaping():
    d = desk()
    chat, _ = start(d.widget)
    typed = "<&>\n" * 1000  # 4,000 characters as typed, 14,000 once escaped
    stored = services.message_send(chat=chat, body=f"  {typed}\r\n")
    assert stored.body == "&lt;&amp;&gt;<br>" * 999 + "&lt;&amp;&gt;"
    assert len(stored.body) > 4000
    with pytest.raises(MessageRefused, match="4,000"):
        services.message_send(chat=chat, body=typed.strip() + "<>")  # 4,001
    with pytest.raises(MessageRefused, match="4,000"):
        services.message_send(chat=chat, body="😀" * 4001)
    assert services.message_send(chat=chat, body="😀" * 4000).body == "😀" * 4000
    assert PatronMessage.objects.filter(chat=chat).count() == 2


def test_an_ended_chat_takes_no_more_messages_and_can_be_rated():
    d = desk()
    chat, _ = start(d.widget)
    services.chat_claim(chat=chat, operator=d.operators[0])
    with pytest.raises(ChatInvalid):
        services.chat_rate(chat=chat, rating=5)
    services.chat_end(chat=chat, operator=d.operators[0])
    services.chat_end(chat=chat)  # a second End Chat changes nothing
    with pytest.raises(ChatClosed):
        services.message_send(chat=chat, body="Still there?")
    with pytest.raises(ChatClosed):
        services.chat_claim(chat=chat, operator=d.operators[1])
    chat = services.chat_rate(chat=PatronChat.objects.get(pk=chat.pk), rating=4, comment="Great")
    with pytest.raises(ChatInvalid):
        services.chat_rate(chat=chat, rating=6)
    chat.refresh_from_db()
    assert (chat.state, chat.rating, chat.comment) == (PatronChat.State.ENDED, 4, "Great")
    bodies = [m["body"] for m in selectors.chat_messages(chat_id=chat.pk)]
    assert bodies == [
        f"{d.operators[0].name} joined the chat.",
        f"{d.operators[0].name} ended the chat.",
    ]


def test_a_patron_may_rate_or_comment_or_both_but_not_send_nothing():
    d = desk()
    chat, _ = start(d.widget)
    services.chat_end(chat=chat)
    chat = PatronChat.objects.get(pk=chat.pk)
    with pytest.raises(ChatInvalid, match="Choose a rating from 1 to 5 or write a comment."):
        services.chat_rate(chat=chat, rating=None, comment="  ")
    with pytest.raises(ChatInvalid, match="Choose a rating from 1 to 5."):
        services.chat_rate(chat=chat, rating=0, comment="Fine")
    chat.refresh_from_db()
    assert (chat.rating, chat.comment) == (None, "")

    services.chat_rate(chat=chat, comment="  The map helped.  ")
    chat.refresh_from_db()
    assert (chat.rating, chat.comment) == (None, "The map helped.")


def test_signed_in_but_unreachable_operators_leave_the_widget_offline():
    widget = WidgetFactory()
    member = MembershipFactory(department=widget.first_department).operator
    signed_in(member, reachable=False)
    with pytest.raises(WidgetOffline):
        start(widget)


def test_the_waiting_list_history_and_queue_cost_a_fixed_number_of_queries(
    django_assert_num_queries,
):
    d = desk()
    chats = [start(d.widget)[0] for _ in range(5)]
    services.chat_claim(chat=chats[0], operator=d.operators[0])
    for n in range(6):
        services.message_send(chat=chats[0], body=f"m{n}")
    with django_assert_num_queries(1):
        assert len(selectors.queue_positions(widget_id=d.widget.pk)) == 4
    with django_assert_num_queries(2):  # the messages, then their files
        assert len(selectors.chat_messages(chat_id=chats[0].pk)) == 7
    with django_assert_num_queries(3):  # whether the operator takes chats, the widgets, the list
        assert len(selectors.chats_waiting_for(operator=d.operators[1])) == 4
    with django_assert_num_queries(3):
        (mine,) = selectors.chats_open_for(operator=d.operators[0])
        assert len(mine["messages"]) == 7


@pytest.mark.parametrize(
    "carol_is, takes_chats",
    [
        ("logged in, not signed in", False),
        ("online", True),
        ("away", False),
        ("internal", False),
        ("online, unreachable", False),
    ],
)
def test_only_an_operator_signed_in_online_and_reachable_is_offered_rung_claims_and_is_sent_chats(
    carol_is, takes_chats
):
    d = desk(operators=1)
    alice = d.operators[0]
    carol = MembershipFactory(department=d.widget.first_department).operator
    if carol_is == "online, unreachable":
        signed_in(carol, reachable=False)
    elif carol_is != "logged in, not signed in":
        signed_in(carol, status=carol_is)
    waiting, _ = start(d.widget, question="Waiting?")
    held, _ = start(d.widget, question="Held?")
    services.chat_claim(chat=held, operator=alice)

    offered = waiting.pk in [c["id"] for c in selectors.chats_waiting_for(operator=carol)]
    # Rings (chat.waiting) and the 2-minute alerts (chat.alert) go to the queue's group.
    rung = groups.widget_queue_group(d.widget.pk) in chat_queue_groups(carol)
    target = carol.pk in [o["id"] for o in selectors.transfer_targets(operator=alice)["operators"]]
    try:
        services.chat_claim(chat=waiting, operator=carol)
        claimed = True
    except ChatAccessDenied as refused:
        assert refused.message == (
            "Sign in to LibChat with status Online to take new patron chats."
        )
        claimed = False
    try:
        services.chat_transfer(chat=held, operator=alice, to_operator=carol)
        transferred = True
    except ChatInvalid as refused:
        assert refused.message == f"{carol.name} cannot take chats right now."
        transferred = False

    assert (offered, rung, claimed, target, transferred) == (takes_chats,) * 5
    waiting.refresh_from_db()
    held.refresh_from_db()
    assert waiting.claimed_by == (carol if takes_chats else None)
    assert held.claimed_by == (carol if takes_chats else alice)
