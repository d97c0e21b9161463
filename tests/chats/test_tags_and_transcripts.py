"""A supervisor's Transcripts: tags on chats, the filters, the CSV export of what is filtered
(streamed, a chunk at a time) and a transcript as a text file."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chats import selectors, services
from chats.errors import ChatInvalid
from chats.models import ChatTag, PatronChat
from tests.chats.people import desk
from tests.factories import DepartmentFactory, WidgetFactory

pytestmark = pytest.mark.django_db


def finished(d, *, operator=None, name="Ada", question="Atlas?", reply=True, **ending):
    """A chat of the desk's widget, claimed, answered (unless `reply` is False) and ended."""
    operator = operator or d.operators[0]
    chat, _ = services.chat_start(widget=d.widget, name=name, question=question)
    services.chat_claim(chat=chat, operator=operator)
    if reply:
        services.message_send(chat=chat, operator=operator, body="Room 3.")
    services.chat_end(chat=chat, operator=operator, note=ending.pop("note", ""))
    chat = PatronChat.objects.get(pk=chat.pk)
    if ending:
        services.chat_rate(chat=chat, **ending)
    return PatronChat.objects.get(pk=chat.pk)


def shown(client, **query) -> str:
    return client.get("/dashboard/transcripts/", query).content.decode()


def listed(page: str, name: str) -> bool:
    """The patron's row is in the list (a bare "Ada" could be part of a page's CSRF token)."""
    return f"<td>{name}</td>" in page


# ---- Tags -------------------------------------------------------------------------------------


def test_the_read_scale_comes_with_libchat_switched_off():
    read = ChatTag.objects.filter(scale=ChatTag.Scale.READ)
    assert [tag.name for tag in read] == [f"READ {level}" for level in range(1, 7)]
    assert not read.filter(active=True).exists()
    assert selectors.tags_offered() == []


def test_a_tag_goes_on_and_off_one_at_a_time_so_two_operators_keep_each_others():
    d = desk()
    research = ChatTag.objects.create(name="Research")
    directional = ChatTag.objects.create(name="Directional", position=1)
    chat = finished(d)
    services.chat_tag_set(chat=chat, tag_id=research.pk, on=True)
    # A second operator, whose page never heard of "Research", adds theirs.
    tags = services.chat_tag_set(chat=chat, tag_id=directional.pk, on=True)
    assert [tag.name for tag in tags] == ["Research", "Directional"]
    assert [t.name for t in services.chat_tag_set(chat=chat, tag_id=research.pk, on=False)] == [
        "Directional"
    ]


def test_a_switched_off_tag_stays_and_can_come_off_but_not_go_on():
    d = desk()
    old = ChatTag.objects.create(name="Old")
    chat = finished(d)
    services.chat_tag_set(chat=chat, tag_id=old.pk, on=True)
    old.active = False
    old.save()
    other = finished(d, name="Bea")
    with pytest.raises(ChatInvalid, match="no longer offered"):
        services.chat_tag_set(chat=other, tag_id=old.pk, on=True)
    with pytest.raises(ChatInvalid):
        services.chat_tag_set(chat=other, tag_id=999999, on=True)
    assert list(other.tags.all()) == []
    assert list(chat.tags.all()) == [old]
    assert services.chat_tag_set(chat=chat, tag_id=old.pk, on=False) == []


def test_operators_tag_chats_they_may_read_and_nobody_else_can(client):
    d = desk()
    research = ChatTag.objects.create(name="Research")
    chat = finished(d)
    url = f"/dashboard/chats/{chat.pk}/tags/"
    assert client.post(url, {"tag": research.pk, "on": "1"}).status_code == 302  # to log in
    client.force_login(d.outsider)
    refused = client.post(url, {"tag": research.pk, "on": "1"})
    assert refused.status_code == 404 and refused.json()["message"].startswith("No such chat")
    assert client.get(url).status_code == 404
    client.force_login(d.operators[1])  # a colleague at the same desk, not in the chat
    assert client.get(url).json() == {"tags": []}
    answer = client.post(url, {"tag": research.pk, "on": "1"})
    assert answer.json() == {"tags": [{"id": research.pk, "name": "Research"}]}
    for bad in [{"tag": "x", "on": "1"}, {"tag": research.pk, "on": "yes"}, {}]:
        response = client.post(url, bad)
        assert response.status_code == 400 and "Say which tag" in response.json()["message"]
    unknown = client.post(url, {"tag": 999999, "on": "1"})
    assert unknown.status_code == 400 and "no such tag" in unknown.json()["message"]
    assert [tag.name for tag in chat.tags.all()] == ["Research"]


def test_the_transcript_page_and_the_console_offer_the_tags(client):
    d = desk()
    ChatTag.objects.create(name="Research")
    ChatTag.objects.filter(name="READ 2").update(active=True)
    chat = finished(d)
    client.force_login(d.operators[0])
    detail = client.get(f"/dashboard/transcripts/{chat.pk}/").content.decode()
    assert f'data-url="/dashboard/chats/{chat.pk}/tags/"' in detail
    assert 'value="{}"'.format(ChatTag.objects.get(name="READ 2").pk) in detail
    assert "READ 3" not in detail  # switched off
    console = client.get("/dashboard/").content.decode()
    assert 'data-url="/dashboard/chats/0/tags/"' in console and "Research" in console


# ---- Filters ----------------------------------------------------------------------------------


def test_every_filter_narrows_the_list(client):
    d = desk(operators=2)
    alice, bob = d.operators
    research = ChatTag.objects.create(name="Research")
    ada = finished(d, name="Ada", rating=5, comment="Great help")
    bea = finished(d, name="Bea", operator=bob, rating=2)
    cyd = finished(d, name="Cyd", reply=False)
    services.chat_tag_set(chat=bea, tag_id=research.pk, on=True)
    PatronChat.objects.filter(pk=cyd.pk).update(created_at=timezone.now() - timedelta(days=40))
    other_widget = WidgetFactory(first_department=d.widget.first_department)
    other = finished(
        type(d)(other_widget, d.operators, d.outsider), name="Dee", operator=alice, rating=4
    )
    client.force_login(alice)

    def names(**query):
        page = shown(client, **query)
        return {chat.name for chat in (ada, bea, cyd, other) if listed(page, chat.name)}

    assert names() == {"Ada", "Bea", "Cyd", "Dee"}
    assert names(operator=bob.pk) == {"Bea"}
    assert names(tag=research.pk) == {"Bea"}
    assert names(rating="5") == {"Ada"}
    assert names(rating="none") == {"Cyd"}
    assert names(comment="yes") == {"Ada"}
    assert names(comment="no") == {"Bea", "Cyd", "Dee"}
    assert names(outcome="missed") == {"Cyd"}
    assert names(outcome="answered") == {"Ada", "Bea", "Dee"}
    assert names(widget=other_widget.pk) == {"Dee"}
    today = timezone.localdate().isoformat()
    assert names(**{"from": today}) == {"Ada", "Bea", "Dee"}
    long_ago = (timezone.localdate() - timedelta(days=40)).isoformat()
    assert names(**{"from": long_ago, "to": long_ago}) == {"Cyd"}
    assert names(department=d.widget.first_department.pk) == {"Ada", "Bea", "Cyd", "Dee"}
    assert names(department=DepartmentFactory().pk) == set()
    assert names(operator=bob.pk, rating="2", outcome="answered") == {"Bea"}
    assert "No transcripts match these filters." in shown(client, rating="1")


def test_a_filter_that_cannot_be_used_says_which_and_why(client):
    d = desk()
    client.force_login(d.operators[0])
    for query, message in [
        ({"from": "yesterday"}, "&#x27;from&#x27; must be a date"),
        ({"from": "2026-05-02", "to": "2026-05-01"}, "The range starts after it ends"),
        ({"rating": "6"}, "&#x27;rating&#x27; must be one of"),
        ({"widget": "abc"}, "&#x27;widget&#x27; must be the id of a widget"),
    ]:
        response = client.get("/dashboard/transcripts/", query)
        assert response.status_code == 400 and message in response.content.decode()
        response = client.get("/dashboard/transcripts/export.csv", query)
        assert response.status_code == 400


def test_the_search_also_finds_staff_notes(client):
    d = desk(operators=2)
    alice, bob = d.operators
    finished(d, name="Ada", note="Follow up on the interlibrary loan")
    chat, _ = services.chat_start(widget=d.widget, name="Bea", question="Maps?")
    services.chat_claim(chat=chat, operator=alice)
    services.chat_transfer(chat=chat, operator=alice, to_operator=bob, note="Knows the map room")
    services.chat_end(chat=chat, operator=bob)
    client.force_login(alice)
    found = shown(client, q="interlibrary")
    assert listed(found, "Ada") and not listed(found, "Bea")
    found = shown(client, q="map room")
    assert listed(found, "Bea") and not listed(found, "Ada")


def test_the_transcripts_page_costs_the_same_queries_at_10_and_10000_chats(client):
    d = desk()
    research = ChatTag.objects.create(name="Research")
    client.force_login(d.operators[0])
    many_chats(d.widget, 10, tag=research)
    filtered = {"tag": research.pk, "rating": "4", "outcome": "answered", "q": "Patron"}
    with CaptureQueriesContext(connection) as few:
        client.get("/dashboard/transcripts/", filtered)
    many_chats(d.widget, 9990, start=10, tag=research)
    with CaptureQueriesContext(connection) as lots:
        page = client.get("/dashboard/transcripts/", filtered).content.decode()
    assert len(lots) == len(few)
    assert "Page 1 of 200 · 10000 transcripts" in page and "Research" in page


def many_chats(widget, count: int, *, start: int = 0, tag=None) -> None:
    """`count` answered, rated, ended chats of the widget; patron i ended i seconds after the
    first; each with the tag."""
    first = timezone.now() - timedelta(days=1)
    chats = PatronChat.objects.bulk_create(
        PatronChat(
            widget=widget,
            token_hash=f"{widget.pk}-{i}",
            state=PatronChat.State.ENDED,
            name=f"Patron {i:05}",
            rating=4,
            comment='=HYPERLINK("http://evil.example")' if i == 0 else "",
            queued_at=first,
            first_claimed_at=first + timedelta(seconds=30),
            first_response_at=first + timedelta(seconds=45),
            ended_at=first + timedelta(seconds=60 + i),
        )
        for i in range(start, start + count)
    )
    if tag is not None:
        Through = PatronChat.tags.through
        Through.objects.bulk_create(Through(patronchat=chat, chattag=tag) for chat in chats)


# ---- Export -----------------------------------------------------------------------------------


def test_the_export_is_the_filtered_list_as_csv_one_row_per_chat(client):
    d = desk()
    research = ChatTag.objects.create(name="Research")
    ada = finished(d, name="Ada", rating=5, comment="-1 for the printer")
    services.chat_tag_set(chat=ada, tag_id=research.pk, on=True)
    finished(d, name="Bea", reply=False)
    client.force_login(d.operators[0])
    page = shown(client, outcome="answered")
    assert 'href="/dashboard/transcripts/export.csv?outcome=answered"' in page
    response = client.get("/dashboard/transcripts/export.csv", {"outcome": "answered"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="libchat-transcripts-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    row = rows[0]
    ada = PatronChat.objects.get(pk=ada.pk)
    assert row["\ufeffChat"] == str(ada.pk)
    assert row["Outcome"] == "Answered" and row["Rating"] == "5" and row["Tags"] == "Research"
    assert row["Operators"] == d.operators[0].name
    assert row["Department"] == d.widget.first_department.name
    assert row["Wait (s)"] == str(round(ada.wait.total_seconds()))
    assert row["Comment"] == "'-1 for the printer"  # a spreadsheet shows it, never runs it
    assert row["Transcript"] == f"http://testserver/dashboard/transcripts/{ada.pk}/"


def test_the_export_streams_a_chunk_at_a_time_newest_first_each_chat_once(client, monkeypatch):
    monkeypatch.setattr(selectors, "EXPORT_CHUNK", 10)
    d = desk()
    research = ChatTag.objects.create(name="Research")
    many_chats(d.widget, 35, tag=research)
    client.force_login(d.operators[0])
    response = client.get("/dashboard/transcripts/export.csv")
    assert isinstance(response, StreamingHttpResponse)
    lines = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as first_chunk:
        header, chunk = next(lines), next(lines)
    assert header.decode().startswith("\ufeffChat,Started")
    assert chunk.decode().count("\r\n") == 10
    with CaptureQueriesContext(connection) as the_rest:
        rest = b"".join(lines).decode()
    # Each chunk is three queries (chats, their operators, their tags), read when it is sent;
    # the first chunk also finds the widgets whose records this operator reads.
    assert (len(first_chunk), len(the_rest)) == (1 + 3, 3 * 3)
    rows = list(csv.reader(io.StringIO(chunk.decode() + rest)))
    names = [row[0] for row in rows]
    assert len(rows) == 35 and len(set(names)) == 35
    chats = PatronChat.objects.order_by("-ended_at", "-pk").values_list("pk", flat=True)
    assert names == [str(pk) for pk in chats]
    evil = next(row for row in rows if row[0] == str(chats.last()))
    assert evil[11] == '\'=HYPERLINK("http://evil.example")'


def test_another_desks_chats_never_reach_the_export(client):
    d = desk()
    finished(desk(), name="Other")
    finished(d, name="Ours")
    client.force_login(d.operators[0])
    text = b"".join(client.get("/dashboard/transcripts/export.csv").streaming_content).decode()
    assert text.count("\r\n") == 2  # the header and our chat


def test_a_transcript_downloads_as_text(client):
    d = desk()
    chat = finished(d, name="Ada", question="Do you have the atlas?", rating=4, note="Lent it")
    client.force_login(d.operators[1])
    response = client.get(f"/dashboard/transcripts/{chat.pk}/text/")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == (f'attachment; filename="libchat-chat-{chat.pk}.txt"')
    text = response.content.decode()
    assert text.startswith(f"Chat {chat.pk} with Ada · {d.widget.title}\n")
    assert "Question: Do you have the atlas?" in text and "Rating: 4/5" in text
    alice = d.operators[0].name
    assert f"{alice}: Room 3." in text and f"Staff notes:\n  {alice}: Lent it" in text
    client.force_login(d.outsider)
    assert client.get(f"/dashboard/transcripts/{chat.pk}/text/").status_code == 404
