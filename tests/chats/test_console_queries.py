"""The console costs a fixed number of queries however many chats an operator holds: the Chats
page, and each frame of the patron-chat path on the dashboard socket (hello, sync, claim, send),
broadcasts after commit included."""

from types import SimpleNamespace

import pytest

from accounts.consumers import DashboardConsumer
from accounts.selectors import browser_key_for
from chats import live_actions, services
from tests.chats.people import desk, start

pytestmark = pytest.mark.django_db

# The frame handler and the hello state, run the way the socket runs them but in this thread.
run_frame = live_actions._run.func
hello_state = DashboardConsumer.__dict__["_state"].func


def _holding(open_chats: int):
    """A desk whose first operator holds `open_chats` chats, each with a few lines said, and
    one more patron waiting."""
    d = desk()
    operator = d.operators[0]
    for n in range(open_chats):
        chat, _ = start(d.widget, question=f"Question {n}")
        services.chat_claim(chat=chat, operator=operator)
        services.message_send(chat=chat, body=f"Patron line {n}")
        services.message_send(
            chat=chat, operator=operator, body=f"Reply {n}", client_msg_id=f"r{n}"
        )
    waiting, _ = start(d.widget, question="Anyone there?")
    return d, operator, waiting


@pytest.mark.parametrize("open_chats", [1, 20])
def test_the_chats_page_costs_the_same_with_1_and_20_open_chats(
    client, django_assert_num_queries, open_chats
):
    d, operator, _ = _holding(open_chats)
    client.force_login(operator)
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get("/dashboard/")
    assert response.status_code == 200
    assert b'id="my-chat-list"' in response.content


@pytest.mark.parametrize("open_chats", [1, 20])
def test_hello_and_sync_cost_the_same_with_1_and_20_open_chats(
    django_assert_num_queries, open_chats
):
    d, operator, waiting = _holding(open_chats)
    consumer = SimpleNamespace(operator=operator, browser_key=browser_key_for("no-session"))
    with django_assert_num_queries(HELLO_QUERIES):
        hello = hello_state(consumer)
    assert hello["me"]["signed_in"]
    with django_assert_num_queries(SYNC_QUERIES):
        sync = run_frame(operator, "sync", {})
    assert len(sync["mine"]) == open_chats
    assert [m["body"] for m in sync["mine"][-1]["messages"][-2:]] == [
        f"Patron line {open_chats - 1}",
        f"Reply {open_chats - 1}",
    ]
    assert [chat["id"] for chat in sync["waiting"]] == [waiting.pk]


@pytest.mark.parametrize("open_chats", [1, 20])
def test_claim_and_send_cost_the_same_with_1_and_20_open_chats(
    django_assert_num_queries, django_capture_on_commit_callbacks, open_chats
):
    d, operator, waiting = _holding(open_chats)
    with (
        django_assert_num_queries(CLAIM_QUERIES),
        django_capture_on_commit_callbacks(execute=True),
    ):
        opened = run_frame(operator, "claim", {"chat_id": waiting.pk})
    assert opened["event"] == "chat.opened"
    frame = {"chat_id": waiting.pk, "body": "Hello!", "client_msg_id": "hello-1"}
    with (
        django_assert_num_queries(SEND_QUERIES),
        django_capture_on_commit_callbacks(execute=True),
    ):
        sent = run_frame(operator, "send", frame)
    assert sent["event"] == "chat.sent"


# The page (the header, the internal rooms and their unread counts, the Mentions list,
# meetings, the tags a chat pane offers, the operator's and their groups' permissions for the
# Reports tab, the open tickets in the header: the widgets they answer and the count); the
# chats themselves come over the socket.
PAGE_QUERIES = 16
# The header state: the session and who is reachable.
HELLO_QUERIES = 2
# Whether the operator takes chats, their widgets, the waiting list; their chats, all the
# messages of those, all their files (chats.selectors.chats_open_for); the transfer offers
# waiting for their answer (one query, however many; a reload must show them again).
SYNC_QUERIES = 7
# The chat, who may answer it and whether the operator takes chats, the claim, its record (the
# event and the operator's part in the chat) and its system line, the chat's messages, and the
# broadcasts after commit (the queue and its positions).
CLAIM_QUERIES = 20
# The first reply also stamps the chat's first response (later replies cost one fewer).
SEND_QUERIES = 9
