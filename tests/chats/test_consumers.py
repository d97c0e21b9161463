"""The patron socket and the dashboard's patron-chat actions, on the real ASGI application."""

import asyncio
import time

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.selectors import browser_key_for
from accounts.services import libchat_sign_in, libchat_sign_out, operator_status_set
from chats import services
from chats.models import PatronChat
from departments.services import monitoring_set
from libchat.asgi import application
from tests.chats.people import desk, start
from tests.factories import MembershipFactory, OperatorFactory
from tests.live import (
    ORIGIN,
    ClosingServer,
    dashboard_socket,
    events_until_quiet,
    login_cookie,
    receive_close,
)

pytestmark = pytest.mark.django_db(transaction=True)


async def patron_socket(token: str, *, app=application):
    communicator = WebsocketCommunicator(app, f"/ws/widget/{token}/", headers=[(b"origin", ORIGIN)])
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def next_event(communicator, event: str, timeout: float = 5) -> dict:
    """The next frame of this event type; frames of other types on the way are skipped."""
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame.get("event") == event:
            return frame


async def events_until(communicator, event: str, timeout: float = 60) -> list[str]:
    """The event types of the frames received up to and including the next `event`."""
    events = []
    while not events or events[-1] != event:
        events.append((await communicator.receive_json_from(timeout=timeout))["event"])
    return events


async def hello(communicator) -> dict:
    return await next_event(communicator, "chat.hello")


async def claimed_over_sockets(d, **answers):
    """A chat of the desk's widget, claimed over its first operator's dashboard socket, and the
    patron's socket past its hello: (chat, token, operator socket, patron socket)."""
    chat, token = await database_sync_to_async(start)(d.widget, **answers)
    operator, _, _ = await dashboard_socket(d.operators[0])
    await operator.send_json_to({"action": "patron.claim", "chat_id": chat.pk})
    await next_event(operator, "chat.opened")
    patron = await patron_socket(token)
    await hello(patron)
    return chat, token, operator, patron


async def test_an_unknown_token_gets_a_clear_error_and_the_socket_closes():
    patron = await patron_socket("not-a-token")
    frame = await patron.receive_json_from()
    assert frame["code"] == "unknown_chat" and "does not exist" in frame["message"]
    assert (await receive_close(patron))["code"] == 4404


async def test_patron_waits_in_line_is_claimed_and_both_sides_talk_and_type():
    d = await database_sync_to_async(desk)()
    (first, first_token) = await database_sync_to_async(start)(d.widget)
    (second, second_token) = await database_sync_to_async(start)(d.widget, question="Hours?")
    waiting = await patron_socket(second_token)
    assert (await hello(waiting))["position"] == 2

    operator, _, _ = await dashboard_socket(d.operators[0])
    other, _, _ = await dashboard_socket(d.operators[1])
    await operator.send_json_to({"action": "patron.sync"})
    sync = await next_event(operator, "chat.sync")
    assert [(c["id"], c["preview"]) for c in sync["waiting"]] == [
        (first.pk, "Do you have Middlemarch?"),
        (second.pk, "Hours?"),
    ]

    await operator.send_json_to({"action": "patron.claim", "chat_id": first.pk})
    opened = await next_event(operator, "chat.opened")
    assert opened["chat"]["question"] == "Do you have Middlemarch?"
    assert (await next_event(waiting, "chat.queue"))["position"] == 1
    unqueued = await next_event(other, "chat.unqueued")
    assert sync["as_of"] < unqueued.pop("at") <= time.time()  # the list is older than this
    assert unqueued == {
        "event": "chat.unqueued",
        "chat_id": first.pk,
        "claimed_by": d.operators[0].name,
        "claimed_by_id": d.operators[0].pk,
    }
    await other.send_json_to({"action": "patron.claim", "chat_id": first.pk})
    failed = await next_event(other, "chat.claim_failed")
    assert failed["message"] == f"This chat was taken by {d.operators[0].name}."

    await other.send_json_to({"action": "patron.claim", "chat_id": second.pk})
    await next_event(other, "chat.opened")
    claimed = await next_event(waiting, "chat.claimed")
    assert claimed["operator"] == d.operators[1].name
    joined = await next_event(waiting, "chat.message")
    assert joined["message"]["body"] == f"{d.operators[1].name} joined the chat."

    await waiting.send_json_to({"action": "typing"})
    assert (await next_event(other, "chat.typing"))["chat_id"] == second.pk
    await waiting.send_json_to({"action": "send", "body": "Until when?", "client_msg_id": "p1"})
    mine = await next_event(waiting, "chat.message")
    heard = await next_event(other, "chat.message")
    assert mine["message"] == heard["message"]
    assert heard["message"]["body"] == "Until when?" and heard["message"]["sender"] == "patron"

    await other.send_json_to({"action": "patron.typing", "chat_id": second.pk})
    assert (await next_event(waiting, "chat.typing"))["operator"] == d.operators[1].name
    await other.send_json_to(
        {
            "action": "patron.send",
            "chat_id": second.pk,
            "body": "Until 8 pm.",
            "client_msg_id": "o1",
        }
    )
    reply = await next_event(waiting, "chat.message")
    assert reply["message"]["body"] == "Until 8 pm."
    assert reply["message"]["operator"] == d.operators[1].name
    sent = await next_event(other, "chat.sent")
    assert (sent["chat_id"], sent["client_msg_id"]) == (second.pk, "o1")

    await waiting.send_json_to({"action": "end"})
    ended = await next_event(other, "chat.ended")
    assert (ended["chat_id"], ended["message"]) == (second.pk, "The patron ended the chat.")
    # A reply the server refuses names its chat and client_msg_id: the page puts the text back.
    await other.send_json_to(
        {
            "action": "patron.send",
            "chat_id": second.pk,
            "body": "Still there?",
            "client_msg_id": "o2",
        }
    )
    refused = await next_event(other, "error")
    assert (refused["chat_id"], refused["client_msg_id"]) == (second.pk, "o2")
    assert refused["message"] == "This chat has ended."
    assert (await next_event(waiting, "chat.ended"))["message"] == "You ended the chat."
    for communicator in (waiting, operator, other):
        await communicator.disconnect()


async def test_a_patron_frame_posing_as_staff_content_reaches_the_operator_as_plain_text():
    d = await database_sync_to_async(desk)()
    chat, _, operator, patron = await claimed_over_sockets(d)

    # Not what the widget's text box sends: a hand-made frame.
    fake = '<div class="faq-card"><b>x</b></div><a href="https://evil.example/">Renew here</a>'
    await patron.send_json_to({"action": "send", "body": fake, "client_msg_id": "p1"})
    # Text, but for the address typed: a link showing itself, as any typed address is.
    as_text = (
        '&lt;div class="faq-card"&gt;&lt;b&gt;x&lt;/b&gt;&lt;/div&gt;&lt;a href="'
        '<a href="https://evil.example/" target="_blank" rel="noopener noreferrer nofollow">'
        'https://evil.example/</a>"&gt;Renew here&lt;/a&gt;'
    )
    heard = await next_event(operator, "chat.message")
    while heard["message"]["sender"] == "system":  # "... joined the chat." may come first
        heard = await next_event(operator, "chat.message")
    assert heard["message"]["body"] == as_text and heard["message"]["sender"] == "patron"
    await operator.send_json_to({"action": "patron.sync"})
    (mine,) = (await next_event(operator, "chat.sync"))["mine"]
    assert [m["body"] for m in mine["messages"] if m["sender"] == "patron"] == [as_text]

    # The operator's FAQ card is still a card, on both sides.
    card = '<div class="faq-card"><b>When are you open?</b><br>9 to 5</div>'
    await operator.send_json_to(
        {"action": "patron.send", "chat_id": chat.pk, "body": card, "client_msg_id": "o1"}
    )
    assert (await next_event(patron, "chat.message"))["message"]["body"] == as_text
    assert (await next_event(patron, "chat.message"))["message"]["body"] == card
    await patron.send_json_to({"action": "sync", "after": 0})
    history = await next_event(patron, "chat.history")
    assert [m["body"] for m in history["messages"][1:]] == [as_text, card]
    await patron.disconnect()
    await operator.disconnect()


async def frames_until_quiet(communicator, quiet: float = 0.5) -> list[dict]:
    frames = []
    while not await communicator.receive_nothing(timeout=quiet):
        frames.append(await communicator.receive_json_from())
    return frames


def told_of_the_end(frames: list[dict]) -> list[str]:
    """Every sentence about the end a page would show: closing frames and chat lines."""
    texts = [f.get("message") for f in frames if f["event"] == "chat.ended"]
    lines = [f["message"]["body"] for f in frames if f["event"] == "chat.message"]
    return texts + [line for line in lines if "the chat." in line]


@pytest.mark.parametrize("ender", ["patron", "operator"])
async def test_each_side_is_told_of_the_end_once_in_its_own_words(ender):
    d = await database_sync_to_async(desk)()
    alice = d.operators[0]
    chat, _, operator, patron = await claimed_over_sockets(d)  # no name given
    await frames_until_quiet(patron)
    await frames_until_quiet(operator)

    if ender == "patron":
        await patron.send_json_to({"action": "end"})
    else:
        await operator.send_json_to({"action": "patron.end", "chat_id": chat.pk})
    to_patron, to_operator = await frames_until_quiet(patron), await frames_until_quiet(operator)

    if ender == "patron":
        assert told_of_the_end(to_patron) == ["You ended the chat."]
        assert told_of_the_end(to_operator) == ["The patron ended the chat."]
    else:
        assert told_of_the_end(to_patron) == [f"{alice.name} ended the chat."]
        assert told_of_the_end(to_operator) == ["You ended the chat."]
    # The transcript keeps the one line, naming who ended it.
    lines = await database_sync_to_async(
        lambda: list(chat.messages.order_by("number").values_list("body", flat=True))
    )()
    ended_by = "The patron" if ender == "patron" else alice.name
    assert lines[-1] == f"{ended_by} ended the chat." and lines.count(lines[-1]) == 1
    for communicator in (patron, operator):
        await communicator.disconnect()


async def test_reconnecting_patron_catches_up_without_losing_or_doubling_messages():
    d = await database_sync_to_async(desk)()
    chat, token, operator, patron = await claimed_over_sockets(d)
    await patron.send_json_to({"action": "sync", "after": 0})
    history = await next_event(patron, "chat.history")
    assert [m["id"] for m in history["messages"]] == [1]
    assert history["state"] == "active" and history["operator"] == d.operators[0].name
    await patron.send_json_to({"action": "send", "body": "First", "client_msg_id": "a"})
    assert (await next_event(patron, "chat.message"))["message"]["id"] == 2
    await patron.disconnect()

    for n in (1, 2):
        await operator.send_json_to(
            {"action": "patron.send", "chat_id": chat.pk, "body": f"While away {n}"}
        )
    # Both are stored (their broadcasts follow the commit) before the patron comes back.
    seen = set()
    while not {3, 4} <= seen:
        seen.add((await next_event(operator, "chat.message"))["message"]["id"])

    patron = await patron_socket(token)
    await hello(patron)
    # The page retries the send it never saw confirmed, then asks for what it missed.
    await patron.send_json_to({"action": "send", "body": "First", "client_msg_id": "a"})
    await patron.send_json_to({"action": "sync", "after": 2})
    history = await next_event(patron, "chat.history")
    assert [(m["id"], m["body"]) for m in history["messages"]] == [
        (3, "While away 1"),
        (4, "While away 2"),
    ]
    count = await database_sync_to_async(
        lambda: PatronChat.objects.get(pk=chat.pk).messages.count()
    )()
    assert count == 4
    await patron.disconnect()
    await operator.disconnect()


async def test_a_token_reaches_only_its_own_chat():
    d = await database_sync_to_async(desk)()
    mine, my_token = await database_sync_to_async(start)(d.widget)
    theirs, their_token = await database_sync_to_async(start)(d.widget)
    me = await patron_socket(my_token)
    them = await patron_socket(their_token)
    await hello(me)
    await hello(them)
    await them.send_json_to({"action": "send", "body": "My library card number is 1234"})
    await next_event(them, "chat.message")
    # A chat id smuggled into the frame is ignored: the token decides the chat.
    await me.send_json_to({"action": "send", "body": "Hi", "chat_id": theirs.pk})
    await next_event(me, "chat.message")
    await me.send_json_to({"action": "sync", "after": 0, "chat_id": theirs.pk})
    history = await next_event(me, "chat.history")
    assert [m["body"] for m in history["messages"]] == ["Hi"]
    assert await me.receive_nothing(timeout=0.3)
    count = await database_sync_to_async(lambda: theirs.messages.count())()
    assert count == 1
    await me.disconnect()
    await them.disconnect()


async def test_an_operator_outside_the_widgets_monitors_cannot_see_claim_or_answer():
    d = await database_sync_to_async(desk)()
    chat, token = await database_sync_to_async(start)(d.widget)
    outsider, _, _ = await dashboard_socket(d.outsider)
    await outsider.send_json_to({"action": "patron.sync"})
    assert (await next_event(outsider, "chat.sync"))["waiting"] == []
    for action in ("patron.claim", "patron.send", "patron.end"):
        await outsider.send_json_to({"action": action, "chat_id": chat.pk, "body": "hi"})
        error = await next_event(outsider, "error")
        assert error["code"] == "forbidden", action
    state = await database_sync_to_async(lambda: PatronChat.objects.get(pk=chat.pk).state)()
    assert state == "waiting"
    await outsider.disconnect()


async def test_patron_messages_are_rate_limited_per_token_and_an_ended_chat_refuses(settings):
    settings.LIBCHAT_PATRON_MESSAGES_PER_MINUTE = 3
    d = await database_sync_to_async(desk)()
    chat, token = await database_sync_to_async(start)(d.widget)
    patron = await patron_socket(token)
    await hello(patron)
    for n in range(3):
        await patron.send_json_to({"action": "send", "body": f"m{n}"})
        await next_event(patron, "chat.message")
    await patron.send_json_to({"action": "send", "body": "one too many"})
    error = await next_event(patron, "error")
    assert error["code"] == "rate_limited"
    await patron.send_json_to({"action": "end"})
    await next_event(patron, "chat.ended")
    await patron.disconnect()
    again = await patron_socket(token)
    assert (await again.receive_json_from())["code"] == "unknown_chat"
    assert (await receive_close(again))["code"] == 4404


async def test_requeued_and_transferred_patrons_are_told_and_the_new_operator_gets_the_chat():
    d = await database_sync_to_async(desk)(operators=3)
    chat, token = await database_sync_to_async(start)(d.widget)
    first, _, _ = await dashboard_socket(d.operators[0])
    second, _, _ = await dashboard_socket(d.operators[1])
    patron = await patron_socket(token)
    await hello(patron)

    await first.send_json_to({"action": "patron.claim", "chat_id": chat.pk})
    await next_event(first, "chat.opened")
    assert (await next_event(patron, "chat.claimed"))["operator"] == d.operators[0].name
    await first.send_json_to({"action": "patron.targets"})
    targets = await next_event(first, "chat.targets")
    reachable = {d.operators[1].pk, d.operators[2].pk, d.outsider.pk}
    assert {o["id"] for o in targets["operators"]} == reachable
    assert d.widget.first_department_id in {t["id"] for t in targets["departments"]}

    await first.send_json_to(
        {"action": "patron.transfer", "chat_id": chat.pk, "operator_id": d.operators[1].pk}
    )
    offer = (await next_event(second, "chat.offer"))["offer"]
    await second.send_json_to({"action": "patron.offer_accept", "offer_id": offer["id"]})
    opened = await next_event(second, "chat.opened")
    assert opened["chat"]["id"] == chat.pk
    assert opened["chat"]["messages"][-1]["body"].endswith(
        f"transferred the chat to {d.operators[1].name}."
    )
    handed_over = await next_event(first, "chat.ended")
    assert (handed_over["chat_id"], handed_over["message"]) == (
        chat.pk,
        f"You transferred the chat to {d.operators[1].name}.",
    )
    assert (await next_event(patron, "chat.claimed"))["operator"] == d.operators[1].name

    # The new claimant's last answer is more than 90 seconds old: the chat returns to the queue.
    @database_sync_to_async
    def go_quiet_then_watch():
        from datetime import timedelta

        from django.utils import timezone

        from accounts.models import DashboardConnection
        from chats.services import chats_requeue_unreachable

        now = timezone.now()
        DashboardConnection.objects.filter(operator=d.operators[1]).update(last_seen=now)
        return chats_requeue_unreachable(now=now + timedelta(seconds=91))

    assert await go_quiet_then_watch() == 1
    taken_back = await next_event(second, "chat.ended")
    assert taken_back["message"] == "The chat went back to the queue: you could not be reached."
    told = await next_event(patron, "chat.requeued")
    assert "back at the front of the line" in told["message"]
    assert (await next_event(patron, "chat.queue"))["position"] == 1
    assert (await next_event(first, "chat.waiting"))["chat"]["id"] == chat.pk
    for communicator in (patron, first, second):
        await communicator.disconnect()


async def test_a_chat_unclaimed_for_two_minutes_alerts_the_dashboards_that_could_take_it():
    d = await database_sync_to_async(desk)()
    chat, _ = await database_sync_to_async(start)(d.widget, name="Ada")
    member, _, _ = await dashboard_socket(d.operators[0])
    outsider, _, _ = await dashboard_socket(d.outsider)

    @database_sync_to_async
    def two_minutes_later():
        from datetime import timedelta

        from django.utils import timezone

        from chats.services import chats_alert_unclaimed

        return chats_alert_unclaimed(now=timezone.now() + timedelta(seconds=121))

    assert await two_minutes_later() == 1
    alert = await next_event(member, "chat.alert")
    assert (alert["chat"]["id"], alert["chat"]["name"]) == (chat.pk, "Ada")
    assert "chat.alert" not in await events_until_quiet(outsider)
    await member.disconnect()
    await outsider.disconnect()


async def test_the_patron_page_answers_pings_so_its_chat_stays_in_the_queue(settings):
    settings.LIBCHAT_PING_SECONDS = 0.2
    d = await database_sync_to_async(desk)()
    chat, token = await database_sync_to_async(start)(d.widget)
    seen = database_sync_to_async(lambda: PatronChat.objects.get(pk=chat.pk).patron_seen_at)
    patron = await patron_socket(token)
    await hello(patron)
    connected = await seen()
    await next_event(patron, "ping")
    await patron.send_json_to({"action": "pong"})
    await patron.send_json_to({"action": "sync", "after": 0})  # replies after the pong is stored
    await next_event(patron, "chat.history")
    assert await seen() > connected
    await patron.disconnect()


async def test_after_the_end_the_patron_can_rate_and_get_the_transcript_by_email():
    from django.core import mail

    d = await database_sync_to_async(desk)()
    chat, token = await database_sync_to_async(start)(d.widget, email="ada@example.org")
    patron = await patron_socket(token)
    greeting = await hello(patron)
    assert greeting["has_email"] is True
    assert greeting["question"] == "Do you have Middlemarch?"  # the page shows it as theirs
    await patron.send_json_to({"action": "send", "body": "Thanks!"})
    await patron.send_json_to({"action": "end"})
    await next_event(patron, "chat.ended")
    await patron.send_json_to({"action": "rate", "rating": 4, "comment": "Quick"})
    await next_event(patron, "chat.rated")
    await patron.send_json_to({"action": "email_transcript"})
    assert (await next_event(patron, "chat.emailed"))["to"] == "ada@example.org"
    (email,) = mail.outbox
    assert email.to == ["ada@example.org"] and "Thanks!" in email.body
    rating = await database_sync_to_async(lambda: PatronChat.objects.get(pk=chat.pk).rating)()
    assert rating == 4
    await patron.disconnect()


async def test_the_transcript_request_is_answered_before_the_mail_is_sent(monkeypatch):
    """The socket only queues the mail for the Celery worker: a slow mail server never holds up
    the patron's socket."""
    from celery import current_app
    from django.core import mail

    task = current_app.tasks["chats.tasks.chat_transcript_email_send"]
    queued = []
    monkeypatch.setattr(task, "delay", lambda **kwargs: queued.append(kwargs))  # the broker
    d = await database_sync_to_async(desk)()
    chat, token = await database_sync_to_async(start)(d.widget, email="ada@example.org")
    patron = await patron_socket(token)
    await hello(patron)
    await patron.send_json_to({"action": "email_transcript"})
    assert (await next_event(patron, "chat.emailed"))["to"] == "ada@example.org"
    assert mail.outbox == [] and [job["chat_id"] for job in queued] == [chat.pk]
    await database_sync_to_async(task)(**queued[0])  # the worker takes the job
    (email,) = mail.outbox
    assert email.to == ["ada@example.org"] and "Do you have Middlemarch?" in email.body
    await patron.disconnect()


async def test_the_patron_is_told_their_question_as_text_never_as_markup():
    d = await database_sync_to_async(desk)()
    _, token = await database_sync_to_async(start)(d.widget, question="<b>Atlas</b>\r\nor maps?")
    patron = await patron_socket(token)
    assert (await hello(patron))["question"] == "&lt;b&gt;Atlas&lt;/b&gt;<br>or maps?"
    await patron.disconnect()


async def test_a_comment_without_a_rating_is_kept_and_an_empty_form_is_refused():
    d = await database_sync_to_async(desk)()
    chat, token = await database_sync_to_async(start)(d.widget)
    patron = await patron_socket(token)
    await hello(patron)
    await patron.send_json_to({"action": "end"})
    await next_event(patron, "chat.ended")
    await patron.send_json_to({"action": "rate", "rating": None, "comment": ""})
    error = await next_event(patron, "error")
    assert error["message"] == "Choose a rating from 1 to 5 or write a comment."
    await patron.send_json_to({"action": "rate", "rating": None, "comment": "Found it, thanks"})
    await next_event(patron, "chat.rated")
    stored = await database_sync_to_async(PatronChat.objects.get)(pk=chat.pk)
    assert (stored.rating, stored.comment) == (None, "Found it, thanks")
    await patron.disconnect()


async def test_an_open_dashboard_hears_a_widget_it_was_given_after_it_connected():
    d = await database_sync_to_async(desk)()
    newcomer = d.outsider
    dashboard, _, _ = await dashboard_socket(newcomer)

    @database_sync_to_async
    def join_the_department():
        from tests.factories import MembershipFactory

        MembershipFactory(department=d.widget.first_department, operator=newcomer)

    await join_the_department()
    await events_until_quiet(dashboard)  # the join is done once the membership's frames settle
    chat, _ = await database_sync_to_async(start)(d.widget, question="Late joiner?")
    waiting = await next_event(dashboard, "chat.waiting")
    assert waiting["chat"]["id"] == chat.pk
    await dashboard.disconnect()


async def test_a_dashboard_follows_the_queues_as_its_operator_stops_and_starts_monitoring():
    d = await database_sync_to_async(desk)()
    (waiting_chat, _) = await database_sync_to_async(start)(d.widget)
    operator, _, _ = await dashboard_socket(d.operators[0])
    department_id = d.widget.first_department_id

    await database_sync_to_async(monitoring_set)(
        operator=d.operators[0], monitored_department_ids=set()
    )
    emptied = await next_event(operator, "chat.waiting_list")
    assert isinstance(emptied.pop("as_of"), float)
    assert emptied == {"event": "chat.waiting_list", "waiting": []}
    await database_sync_to_async(start)(d.widget, question="Unheard?")
    assert "chat.waiting" not in await events_until_quiet(operator)

    await database_sync_to_async(monitoring_set)(
        operator=d.operators[0], monitored_department_ids={department_id}
    )
    sync = await next_event(operator, "chat.waiting_list")
    assert [c["question"] for c in sync["waiting"]] == ["Do you have Middlemarch?", "Unheard?"]
    await database_sync_to_async(start)(d.widget, question="Heard again?")
    heard = await next_event(operator, "chat.waiting")
    assert heard["chat"]["question"] == "Heard again?"
    # Queued after the list was read: a page that gets the list late keeps this chat.
    assert heard["at"] > sync["as_of"]
    assert waiting_chat.pk == sync["waiting"][0]["id"]
    await operator.disconnect()


def _hand_the_widget_to(widget, operator) -> None:
    # What the widget's admin page does when its first choice changes.
    widget.first_department = operator.memberships.get().department
    widget.save()


def _colleague_of(operator):
    colleague = OperatorFactory()
    MembershipFactory(operator=colleague, department=operator.memberships.get().department)
    return colleague


async def test_a_widget_handed_to_an_online_operator_reaches_her_open_dashboard_at_once():
    d = await database_sync_to_async(desk)()
    waiting_chat, _ = await database_sync_to_async(start)(d.widget)
    outsider, _, _ = await dashboard_socket(d.outsider)
    # Logged in to the site, never signed in to LibChat: a widget change concerns her not.
    stranger = await database_sync_to_async(_colleague_of)(d.outsider)
    strangers, _, _ = await dashboard_socket(stranger)
    assert "chat.waiting" not in await events_until_quiet(outsider)

    await database_sync_to_async(_hand_the_widget_to)(d.widget, d.outsider)
    handed = await next_event(outsider, "chat.waiting_list")
    assert [c["id"] for c in handed["waiting"]] == [waiting_chat.pk]
    await database_sync_to_async(start)(d.widget, question="Heard now?")
    heard = await next_event(outsider, "chat.waiting")
    assert heard["chat"]["question"] == "Heard now?"
    assert "chat.waiting_list" not in await events_until_quiet(strangers)
    await outsider.disconnect()
    await strangers.disconnect()


async def test_the_claimant_sees_the_patron_page_go_away_and_come_back():
    d = await database_sync_to_async(desk)()
    chat, token = await database_sync_to_async(start)(d.widget, name="Ada")
    operator, _, _ = await dashboard_socket(d.operators[0])
    patron = await patron_socket(token)
    await hello(patron)
    await operator.send_json_to({"action": "patron.claim", "chat_id": chat.pk})
    await next_event(operator, "chat.opened")

    await patron.disconnect()  # the tab closed, or the network dropped
    assert await next_event(operator, "chat.patron_away") == {
        "event": "chat.patron_away",
        "chat_id": chat.pk,
    }
    patron = await patron_socket(token)
    await hello(patron)
    assert (await next_event(operator, "chat.patron_here"))["chat_id"] == chat.pk
    await patron.disconnect()
    await operator.disconnect()


async def test_a_patron_page_closed_as_a_reply_reaches_it_is_shown_away_to_the_operator():
    d = await database_sync_to_async(desk)()
    chat, token = await database_sync_to_async(start)(d.widget, name="Ada")
    operator, _, _ = await dashboard_socket(d.operators[0])
    await operator.send_json_to({"action": "patron.claim", "chat_id": chat.pk})
    await next_event(operator, "chat.opened")
    server = ClosingServer()
    patron = await patron_socket(token, app=server)
    await hello(patron)

    server.closed = True  # the patron closes the tab as the operator's reply goes out
    await operator.send_json_to(
        {"action": "patron.send", "chat_id": chat.pk, "body": "Yes!", "client_msg_id": "o1"}
    )
    await asyncio.wait_for(server.refused.wait(), timeout=5)
    await patron.disconnect()
    assert (await next_event(operator, "chat.patron_away"))["chat_id"] == chat.pk
    await operator.disconnect()


def fixed_windows(elapsed: float, seconds: int) -> int:
    """How many of the rate limiter's fixed windows a span of `elapsed` seconds can touch."""
    return int(elapsed // seconds) + 2


async def test_a_flood_of_typing_reaches_each_side_only_a_handful_of_times(settings):
    d = await database_sync_to_async(desk)()
    chat, _, operator, patron = await claimed_over_sockets(d)
    started = time.monotonic()
    for _ in range(1000):
        await patron.send_json_to({"action": "typing"})
        await operator.send_json_to({"action": "patron.typing", "chat_id": chat.pk})
    # Frames are handled in order: once these answer, every typing frame has been handled.
    await patron.send_json_to({"action": "sync"})
    await operator.send_json_to({"action": "patron.sync"})
    to_patron = await events_until(patron, "chat.history")
    to_operator = await events_until(operator, "chat.sync")
    windows = fixed_windows(time.monotonic() - started, settings.LIBCHAT_TYPING_PUSH_SECONDS)
    to_operator += await events_until_quiet(operator)
    to_patron += await events_until_quiet(patron)
    # At most one push per side in each 2-second window the flood spanned (a handful, not a
    # thousand), and nobody is told of an error: extra typing frames are simply dropped.
    assert 1 <= to_operator.count("chat.typing") <= windows and "error" not in to_operator
    assert 1 <= to_patron.count("chat.typing") <= windows and "error" not in to_patron
    await patron.disconnect()
    await operator.disconnect()


async def test_syncing_beyond_a_few_a_minute_is_refused_with_rate_limited():
    d = await database_sync_to_async(desk)()
    chat, token = await database_sync_to_async(start)(d.widget)
    patron = await patron_socket(token)
    await hello(patron)
    for _ in range(300):
        await patron.send_json_to({"action": "sync"})
    answers = [await patron.receive_json_from(timeout=10) for _ in range(300)]
    histories = [a for a in answers if a["event"] == "chat.history"]
    refusals = [a for a in answers if a["event"] == "error"]
    # Ten a minute; the 300 may straddle two one-minute windows.
    assert 10 <= len(histories) <= 20
    assert len(refusals) == 300 - len(histories)
    assert {(r["code"], r["message"]) for r in refusals} == {
        ("rate_limited", "Too many requests. Wait a moment and try again.")
    }
    await patron.disconnect()


async def test_a_flood_of_pongs_writes_the_patron_seen_time_once_per_window(monkeypatch, settings):
    d = await database_sync_to_async(desk)()
    chat, token = await database_sync_to_async(start)(d.widget)
    patron = await patron_socket(token)
    await hello(patron)
    before = await database_sync_to_async(lambda: PatronChat.objects.get(pk=chat.pk))()
    writes = []
    real_seen = services.chat_patron_seen
    monkeypatch.setattr(
        services, "chat_patron_seen", lambda *, chat: writes.append(1) or real_seen(chat=chat)
    )
    started = time.monotonic()
    for _ in range(1000):
        await patron.send_json_to({"action": "pong"})
    await patron.send_json_to({"action": "sync"})
    await events_until(patron, "chat.history")
    # One write per socket in each window (half the ping interval, 10 s) the flood spanned.
    windows = fixed_windows(time.monotonic() - started, settings.LIBCHAT_PATRON_PONG_WRITE_SECONDS)
    assert 1 <= len(writes) <= windows
    after = await database_sync_to_async(lambda: PatronChat.objects.get(pk=chat.pk))()
    assert after.patron_seen_at > before.patron_seen_at
    await patron.disconnect()


async def test_an_operators_flood_of_replies_to_a_patron_is_stopped(settings):
    settings.LIBCHAT_OPERATOR_MESSAGES_PER_MINUTE = 20
    d = await database_sync_to_async(desk)()
    chat, _, operator, patron = await claimed_over_sockets(d)
    for n in range(100):
        await operator.send_json_to(
            {"action": "patron.send", "chat_id": chat.pk, "body": f"r{n}", "client_msg_id": f"r{n}"}
        )
    answers = []
    while len(answers) < 100:
        frame = await operator.receive_json_from(timeout=10)
        if frame["event"] in {"chat.sent", "error"}:
            answers.append(frame)
    sent = [a for a in answers if a["event"] == "chat.sent"]
    refused = [a for a in answers if a["event"] == "error"]
    assert 20 <= len(sent) <= 40  # the flood may straddle two one-minute windows
    assert {r["code"] for r in refused} == {"rate_limited"}
    # Each refusal names its reply, so the page puts that text back in the box.
    assert refused[0]["chat_id"] == chat.pk and refused[0]["client_msg_id"].startswith("r")
    stored = await database_sync_to_async(lambda: chat.messages.filter(sender="operator").count())()
    assert stored == len(sent)
    await patron.disconnect()
    await operator.disconnect()


async def test_away_empties_the_waiting_list_and_stops_the_rings_online_brings_both_back():
    d = await database_sync_to_async(desk)()
    alice = d.operators[0]
    first, _ = await database_sync_to_async(start)(d.widget, question="Before?")
    dashboard, _, _ = await dashboard_socket(alice)

    await database_sync_to_async(operator_status_set)(operator=alice, status="away")
    away = await next_event(dashboard, "chat.waiting_list")
    assert away["waiting"] == []
    await database_sync_to_async(start)(d.widget, question="While away?")
    assert "chat.waiting" not in await events_until_quiet(dashboard)
    await dashboard.send_json_to({"action": "patron.claim", "chat_id": first.pk})
    refused = await next_event(dashboard, "chat.claim_failed")
    assert refused["message"] == "Sign in to LibChat with status Online to take new patron chats."

    await database_sync_to_async(operator_status_set)(operator=alice, status="online")
    back = await next_event(dashboard, "chat.waiting_list")
    assert [c["question"] for c in back["waiting"]] == ["Before?", "While away?"]
    await database_sync_to_async(start)(d.widget, question="After?")
    assert (await next_event(dashboard, "chat.waiting"))["chat"]["question"] == "After?"
    await dashboard.disconnect()


async def test_a_dashboard_not_signed_in_gets_no_patron_chats_until_it_signs_in():
    d = await database_sync_to_async(desk)()
    carol = d.outsider
    await database_sync_to_async(libchat_sign_out)(operator=carol)
    await database_sync_to_async(MembershipFactory)(
        department=d.widget.first_department, operator=carol
    )
    chat, _ = await database_sync_to_async(start)(d.widget)
    key = await login_cookie(carol)
    dashboard, _, hello_frame = await dashboard_socket(session_key=key)
    assert hello_frame["me"]["signed_in"] is False
    await dashboard.send_json_to({"action": "patron.sync"})
    assert (await next_event(dashboard, "chat.sync"))["waiting"] == []
    await database_sync_to_async(start)(d.widget, question="Unheard?")
    assert "chat.waiting" not in await events_until_quiet(dashboard)
    await dashboard.send_json_to({"action": "patron.claim", "chat_id": chat.pk})
    assert (await next_event(dashboard, "chat.claim_failed"))["message"].startswith("Sign in")

    await database_sync_to_async(libchat_sign_in)(operator=carol, browser_key=browser_key_for(key))
    signed_in_now = await next_event(dashboard, "chat.waiting_list")
    assert [c["id"] for c in signed_in_now["waiting"]][0] == chat.pk
    await dashboard.send_json_to({"action": "patron.claim", "chat_id": chat.pk})
    assert (await next_event(dashboard, "chat.opened"))["chat"]["id"] == chat.pk
    await dashboard.disconnect()


async def test_a_block_ends_the_patrons_chat_in_neutral_words_and_their_page_goes_offline():
    d = await database_sync_to_async(desk)()
    chat, token, operator, patron = await claimed_over_sockets(
        d, address_hash="0" * 64, patron_ref="0123456789abcdef0123456789abcdef"
    )
    other, _, _ = await dashboard_socket(d.operators[1])
    await database_sync_to_async(services.patron_block)(
        chat=chat, operator=d.operators[1], duration="1h", reason="Abuse"
    )
    ended = await next_event(patron, "chat.ended")
    assert ended == {
        "event": "chat.ended",
        "chat_id": chat.pk,
        "message": "This chat has ended.",
        "widget_online": False,
    }
    # The claimant's pane says who blocked; the patron heard no more than the line above.
    told = await next_event(operator, "chat.ended")
    assert told["message"] == f"{d.operators[1].name} blocked the patron and ended the chat."
    assert "chat.message" not in await events_until_quiet(patron)
    await patron.disconnect()
    again = await patron_socket(token)  # an ended chat's token opens nothing
    assert (await again.receive_json_from())["code"] == "unknown_chat"
    for socket in (operator, other, again):
        await socket.disconnect()


async def test_a_new_ticket_rings_the_dashboards_of_its_widget_and_answering_it_updates_them():
    d = await database_sync_to_async(desk)()
    member, _, _ = await dashboard_socket(d.operators[0])
    outsider, _, _ = await dashboard_socket(d.outsider)
    await events_until_quiet(member)
    await events_until_quiet(outsider)
    ticket = await database_sync_to_async(services.ticket_create)(
        widget=d.widget, email="ada@example.org", question="Renewals by phone?"
    )
    assert await next_event(member, "tickets.changed") == {"event": "tickets.changed", "new": True}
    await database_sync_to_async(services.ticket_answered_set)(
        ticket=ticket, operator=d.operators[1], answered=True
    )
    assert (await next_event(member, "tickets.changed"))["new"] is False
    assert "tickets.changed" not in await events_until_quiet(outsider)
    await member.disconnect()
    await outsider.disconnect()
