"""Searching internal chat history: whose messages, the query language, snippets, the index
kept in step, bad queries, and a fixed number of queries."""

import itertools

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from internalchat import search, selectors, services
from internalchat.models import Message
from libchat.core.models import SiteSettings
from tests.factories import OperatorFactory

_ids = itertools.count()


def _send(room, sender, body):
    return services.message_send(
        room=room, sender=sender, body=body, client_msg_id=f"s{next(_ids)}"
    )


def _found(operator, query):
    return [r["message_id"] for r in selectors.message_search(operator=operator, query=query)]


def test_an_operator_finds_only_messages_of_their_own_rooms(reference):
    room, alice, bob, eve = reference
    carol = OperatorFactory(display_name="Carol")
    alice_bob = services.room_direct_get_or_create(operator=alice, other=bob)
    bob_carol = services.room_direct_get_or_create(operator=bob, other=carol)
    all_staff = services.room_all_staff_get_or_create()
    in_department = _send(room, alice, "the microfilm reader is broken")
    in_direct = _send(alice_bob, bob, "microfilm again")
    in_others_direct = _send(bob_carol, carol, "microfilm secret")
    in_all_staff = _send(all_staff, carol, "microfilm for everyone")

    assert _found(alice, "microfilm") == [in_all_staff.pk, in_direct.pk, in_department.pk]
    # Eve is in no department and in neither direct room: All Staff only.
    assert _found(eve, "microfilm") == [in_all_staff.pk]
    assert in_others_direct.pk not in _found(alice, "secret") + _found(eve, "secret")
    assert _found(carol, "secret") == [in_others_direct.pk]


def test_the_query_language_phrases_exclusions_or_and_stemming(reference):
    room, alice, bob, _ = reference
    quick = _send(room, alice, "The <b>quick</b> brown fox jumps")
    brown_only = _send(room, bob, "A brown quick dog")
    meetings = _send(room, bob, "Two meetings today")

    # A phrase across bold text is found: bodies are searched as text.
    assert _found(alice, '"quick brown"') == [quick.pk]
    assert _found(alice, "quick brown") == [brown_only.pk, quick.pk]  # newest first
    assert _found(alice, "brown -fox") == [brown_only.pk]
    assert _found(alice, "fox or dog") == [brown_only.pk, quick.pk]
    assert _found(alice, "meeting") == [meetings.pk]
    assert _found(alice, "QUICK") == [brown_only.pk, quick.pk]
    assert _found(alice, "giraffe") == []
    assert _found(alice, "brown -BROWN") == []  # answered without asking the database
    assert _found(alice, "brown or -brown") != []


def test_a_snippet_highlights_the_matching_words_and_escapes_everything_else(reference):
    room, alice, _, _ = reference
    tag = _send(room, alice, "&lt;img src=x onerror=alert(1)&gt; the catalogue is down")
    faked = _send(room, alice, "\ue000catalogue\ue001 <b>faked</b> &amp; \ue000marks")
    found = {
        r["message_id"]: r for r in selectors.message_search(operator=alice, query="catalogue")
    }
    for result in found.values():
        snippet = result["snippet"]
        assert snippet.count("<mark>") == snippet.count("</mark>") == 1
        assert "<mark>catalogue</mark>" in snippet
        text = snippet.replace("<mark>", "").replace("</mark>", "")
        assert "<" not in text and ">" not in text  # escaped, or (PostgreSQL) left out
    assert found[faked.pk]["snippet"] == "<mark>catalogue</mark> faked &amp; marks"
    assert found[tag.pk]["room_name"] == "Reference" and found[tag.pk]["sender_name"] == "Alice"
    assert found[tag.pk]["room"]["id"] == room.pk


def test_a_direct_room_result_is_named_after_the_other_operator(reference):
    _, alice, bob, _ = reference
    direct = services.room_direct_get_or_create(operator=alice, other=bob)
    _send(direct, alice, "overdue fines")
    assert selectors.message_search(operator=alice, query="fines")[0]["room_name"] == "Bob"
    assert selectors.message_search(operator=bob, query="fines")[0]["room_name"] == "Alice"


@pytest.mark.parametrize(
    "query, code",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 201, "too_long"),
        ("-fox", "bad_query"),
        ('"" -""', "bad_query"),
        ("!!! ???", "bad_query"),
    ],
)
def test_a_query_that_cannot_run_is_refused_with_a_message(reference, query, code):
    _, alice, _, _ = reference
    with pytest.raises(search.SearchRefused) as refused:
        selectors.message_search(operator=alice, query=query)
    assert refused.value.code == code and refused.value.message


@pytest.mark.parametrize(
    "query",
    ['"unclosed', "a AND OR NOT b", "NEAR(a b)", "col:fox", "fox*", "(fox", "fox)", "^fox",
     '""fox""', "-", "or", "fox or", "or -fox fox", "a -b -c or d", "'; DROP TABLE x; --"],
)  # fmt: skip
def test_query_syntax_never_fails_the_search(reference, query):
    room, alice, _, _ = reference
    _send(room, alice, "the fox and the col")
    try:
        results = selectors.message_search(operator=alice, query=query)
    except search.SearchRefused as refused:
        assert refused.code == "bad_query"
    else:
        assert isinstance(results, list)


def test_scrubbed_messages_leave_the_index(reference):
    room, alice, _, _ = reference
    old = _send(room, alice, "ancient periodical")
    recent = _send(room, alice, "recent periodical")
    Message.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=40)
    )
    settings = SiteSettings.load()
    settings.scrub_internal_days = 30
    settings.save()
    services.history_scrub()
    assert _found(alice, "periodical") == [recent.pk]
    if connection.vendor == "sqlite":  # the external-content index holds no row for it either
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid FROM {search.FTS_TABLE} WHERE {search.FTS_TABLE} MATCH 'ancient'"
            )
            assert cursor.fetchall() == []


def test_an_edited_body_text_is_searched_as_it_is_now(reference):
    room, alice, _, _ = reference
    message = _send(room, alice, "first wording")
    Message.objects.filter(pk=message.pk).update(body_text="second wording")
    assert _found(alice, "first") == []
    assert _found(alice, "second") == [message.pk]


def test_the_index_is_kept_by_the_database(db):
    """The generated column (PostgreSQL) or the FTS5 triggers (SQLite) exist after migrating: a
    later migration that makes SQLite rebuild the message table would drop the triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT attgenerated FROM pg_attribute WHERE attrelid = "
                "'internalchat_message'::regclass AND attname = 'search_vector'"
            )
            assert cursor.fetchone() == ("s",)
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'internalchat_message_search'"
            )
            assert "gin" in cursor.fetchone()[0].lower()
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            triggers = {row[0] for row in cursor.fetchall()}
            assert {f"{search.FTS_TABLE}_{t}" for t in ("insert", "delete", "update")} <= triggers


def test_a_search_costs_three_queries_whatever_it_finds(reference, django_assert_num_queries):
    room, alice, bob, _ = reference
    direct = services.room_direct_get_or_create(operator=alice, other=bob)
    _send(room, alice, "lonely word")
    for i in range(40):
        _send(direct if i % 2 else room, bob, f"common word {i}")
    # The rooms the operator may read, the matches, their rooms and senders.
    with django_assert_num_queries(3):
        assert len(selectors.message_search(operator=alice, query="lonely")) == 1
    with django_assert_num_queries(3):
        assert len(selectors.message_search(operator=alice, query="common")) == 30
    with django_assert_num_queries(2):
        assert selectors.message_search(operator=alice, query="absent") == []


def test_body_text_is_the_text_a_message_shows():
    body = 'a<br>b <b>c</b>&amp;d <div class="faq-card"><b>Q</b><br>A</div>e'
    assert search.body_plain_text(body) == "a\nb c&d Q\nA\ne"


def test_the_search_endpoint_answers_results_or_a_clear_refusal(reference, client):
    room, alice, _, eve = reference
    _send(room, alice, "interlibrary loan form")
    client.force_login(alice)
    url = reverse("internalchat:search")
    answer = client.get(url, {"q": "loan"})
    assert answer.status_code == 200
    assert answer.json()["results"][0]["snippet"] == "interlibrary <mark>loan</mark> form"
    refused = client.get(url, {"q": ""})
    assert (
        refused.status_code == 400 and refused.json()["message"] == "Type something to search for."
    )
    client.force_login(eve)
    assert client.get(url, {"q": "loan"}).json()["results"] == []
    client.logout()
    assert client.get(url, {"q": "loan"}).status_code in (302, 403)
