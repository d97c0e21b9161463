"""Two library systems on one server: transcripts, tickets, reports, the FAQ and canned reply
pickers and transfer targets each show an operator their own system's only."""

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from canned import services as canned_services
from canned.selectors import FillValues, canned_replies_for
from chats import selectors as chat_selectors
from chats.filters import TranscriptFilters
from chats.models import PatronChat
from faqs.selectors import faq_search
from tests.factories import (
    FaqFactory,
    OperatorFactory,
    SystemFactory,
    WidgetFactory,
)
from tests.systems.libraries import ended_chat_create, library_build

pytestmark = pytest.mark.django_db


def _library(system, letter: str) -> dict:
    library = library_build(system, letter)
    # A second widget nobody of the desk answers: only the system's admin reads its chats.
    branch = WidgetFactory(system=system, name=f"Branch widget {letter}")
    return library | {
        "chats": [library["patronchat"], ended_chat_create(branch)],
        "admin": OperatorFactory(system=system, is_staff=True, is_system_admin=True),
    }


@pytest.fixture
def libraries():
    return (
        _library(SystemFactory(name="Avon Libraries"), "A"),
        _library(SystemFactory(name="Bexley Libraries"), "B"),
    )


def _transcripts(operator) -> set[int]:
    page = chat_selectors.transcripts_for(operator=operator, filters=TranscriptFilters())
    return {chat.pk for chat in page.object_list}


def test_transcripts_and_tickets_are_the_systems_own(libraries):
    a, b = libraries
    assert _transcripts(a["operator"]) == {a["chats"][0].pk}
    assert _transcripts(a["admin"]) == {chat.pk for chat in a["chats"]}
    assert _transcripts(b["admin"]) == {chat.pk for chat in b["chats"]}
    superuser = OperatorFactory(is_superuser=True)
    assert _transcripts(superuser) == {chat.pk for chat in a["chats"] + b["chats"]}
    tickets = chat_selectors.tickets_for(operator=a["admin"]).object_list
    assert [t.pk for t in tickets] == [a["offlineticket"].pk]
    assert chat_selectors.transcript_for(operator=a["admin"], chat_id=b["chats"][0].pk) is None
    choices = chat_selectors.chat_filter_choices(operator=a["operator"])
    assert [d["name"] for d in choices["departments"]] == ["Desk A"]
    assert {o["name"] for o in choices["operators"]} == {"Librarian A", a["admin"].name}


def test_the_faq_and_canned_pickers_offer_the_systems_own(libraries, client):
    a, b = libraries
    FaqFactory(group__system=a["system"], question="Avon opening hours?")
    FaqFactory(group__system=b["system"], question="Bexley opening hours?")
    assert [f["question"] for f in faq_search(query="hours", system_id=a["system"].pk)] == [
        "Avon opening hours?"
    ]
    client.force_login(a["operator"])
    found = client.get("/faqs/search/", {"q": "hours"}).json()["faqs"]
    assert [f["question"] for f in found] == ["Avon opening hours?"]

    canned_services.canned_reply_create(title="Avon hello", body="Hi!", system=a["system"])
    canned_services.canned_reply_create(title="Bexley hello", body="Hi!", system=b["system"])
    offered = canned_replies_for(operator=a["operator"], values=FillValues())
    assert [r["title"] for r in offered] == ["Avon hello"]


def test_transfers_stay_inside_the_system(libraries):
    from chats.errors import ChatInvalid
    from chats.services import chat_transfer

    a, b = libraries
    targets = chat_selectors.transfer_targets(operator=a["operator"])
    assert [d["name"] for d in targets["departments"]] == ["Desk A"]
    with pytest.raises(ChatInvalid, match="Desk B does not take chats"):
        chat_transfer(chat=a["chats"][0], operator=a["operator"], to_department=b["department"])


def _report_viewer(system):
    viewer = OperatorFactory(system=system)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_reports", content_type__app_label="reports")
    )
    return viewer


def test_reports_count_the_readers_system_and_a_superuser_picks_one(libraries, client):
    a, b = libraries
    client.force_login(_report_viewer(a["system"]))
    data = client.get("/dashboard/reports/data/").json()
    assert {row["name"] for row in data["widgets"]} == {"Widget A", "Branch widget A"}
    assert data["filters"]["system"] == str(a["system"].pk)
    # Asking for another system changes nothing: the reader's own is the one counted.
    asked = client.get("/dashboard/reports/data/", {"system": b["system"].pk}).json()
    assert {row["name"] for row in asked["widgets"]} == {"Widget A", "Branch widget A"}
    page = client.get("/dashboard/reports/").content.decode()
    assert "filter-system" not in page and "Desk B" not in page and "Widget B" not in page

    client.force_login(OperatorFactory(is_superuser=True))
    everything = client.get("/dashboard/reports/data/").json()
    assert len(everything["widgets"]) == 4
    only_b = client.get("/dashboard/reports/data/", {"system": b["system"].pk}).json()
    assert {row["name"] for row in only_b["widgets"]} == {"Widget B", "Branch widget B"}
    page = client.get("/dashboard/reports/").content.decode()
    assert 'id="filter-system"' in page and "Bexley Libraries" in page


def test_the_live_now_panel_of_a_system_shows_its_own_desk(libraries, monkeypatch):
    from reports import live

    a, b = libraries
    viewer = _report_viewer(a["system"])
    assert live.now_group(viewer) == [live.system_now_group(a["system"].pk)]
    assert live.now_group(OperatorFactory(is_superuser=True)) == [live.NOW_GROUP]
    PatronChat.objects.create(widget=b["widget"], token_hash="waiting-b", queued_at=timezone.now())
    sent = {}
    monkeypatch.setattr(live, "live_send", lambda group, frame: sent.setdefault(group, frame))
    live.now_push()
    assert sent[live.NOW_GROUP]["now"]["waiting"] == 1
    assert sent[live.system_now_group(a["system"].pk)]["now"]["waiting"] == 0
    assert sent[live.system_now_group(b["system"].pk)]["now"]["waiting"] == 1
