"""A co-op queue: a chat for library A that A's own desks cannot take falls through to the
co-op, an operator of library B who monitors the co-op queue answers it and reads A's policy
notes, and both systems' admins read the transcript."""

import pytest
from django.urls import reverse

from chats import selectors as chat_selectors
from chats import services as chat_services
from chats.errors import ChatAccessDenied
from tests.factories import (
    CoopMembershipFactory,
    MembershipFactory,
    OperatorFactory,
    SystemFactory,
    WidgetFactory,
    WidgetFallbackFactory,
)
from tests.widgets.people import signed_in
from widgets.selectors import widget_statuses

pytestmark = pytest.mark.django_db


def coop_libraries() -> dict:
    """Avon and Bexley in one co-op; Avon's widget falls back to it after Avon's desk; Bob of
    Bexley monitors the co-op queue, Carol of Bexley does not."""
    avon, bexley = SystemFactory(name="Avon Libraries"), SystemFactory(name="Bexley Libraries")
    notes = CoopMembershipFactory(
        system=avon,
        coop__name="State 24/7",
        hours="Mon-Fri 9-5",
        services="Interlibrary loan; no renewals by chat",
        links="https://avon.example/policies",
        follow_ups="ask@avon.example",
    )
    CoopMembershipFactory(coop=notes.coop, system=bexley)
    desk = MembershipFactory(
        department__system=avon,
        department__name="Avon Reference",
        operator__system=avon,
        operator__display_name="Alice of Avon",
    )
    widget = WidgetFactory(system=avon, name="Avon chat", first_department=desk.department)
    WidgetFallbackFactory(widget=widget, department=None, coop=notes.coop, position=1)
    bob = OperatorFactory(system=bexley, display_name="Bob of Bexley", monitors_coop=True)
    carol = OperatorFactory(system=bexley, display_name="Carol of Bexley")
    return {
        "avon": avon,
        "bexley": bexley,
        "alice": desk.operator,
        "bob": bob,
        "carol": carol,
        "widget": widget,
    }


@pytest.fixture
def coop():
    return coop_libraries()


def test_a_chat_falls_through_to_the_coop_and_is_answered_by_another_library(coop, client):
    widget, alice, bob, carol = coop["widget"], coop["alice"], coop["bob"], coop["carol"]
    for operator in (bob, carol):
        signed_in(operator)
    # Avon's desk is signed out: Bexley's co-op monitor keeps Avon's widget online.
    assert widget_statuses(widget_ids=[widget.pk])[widget.pk].online
    chat, _ = chat_services.chat_start(widget=widget, question="Can I renew by chat?")

    assert [c["id"] for c in chat_selectors.chats_waiting_for(operator=bob)] == [chat.pk]
    assert chat_selectors.chats_waiting_for(operator=carol) == []
    with pytest.raises(ChatAccessDenied):
        chat_services.chat_claim(chat=chat, operator=carol)
    chat_services.chat_claim(chat=chat, operator=bob)

    client.force_login(bob)
    panel = client.get(reverse("chats:patron_record", args=[chat.pk]), {"in": "console"})
    text = panel.content.decode()
    assert "Home library: Avon Libraries" in text
    assert "Mon-Fri 9-5" in text and "no renewals by chat" in text and "ask@avon.example" in text

    chat_services.chat_end(
        chat=chat_selectors.chat_for_operator(operator=bob, chat_id=chat.pk), operator=bob
    )
    avon_admin = OperatorFactory(system=coop["avon"], is_staff=True, is_system_admin=True)
    bexley_admin = OperatorFactory(system=coop["bexley"], is_staff=True, is_system_admin=True)
    for reader in (avon_admin, bexley_admin, bob):
        assert chat_selectors.transcript_for(operator=reader, chat_id=chat.pk) is not None
    assert chat_selectors.transcript_for(operator=carol, chat_id=chat.pk) is None
    assert chat_selectors.transcript_for(operator=alice, chat_id=chat.pk) is not None


def test_without_a_coop_monitor_online_the_widget_is_offline(coop):
    signed_in(coop["carol"])
    assert not widget_statuses(widget_ids=[coop["widget"].pk])[coop["widget"].pk].online


def test_the_widgets_own_desk_comes_before_the_coop(coop):
    signed_in(coop["alice"])
    signed_in(coop["bob"])
    status = widget_statuses(widget_ids=[coop["widget"].pk])[coop["widget"].pk]
    assert status.online and status.serving == 0


def test_the_settings_toggle_shows_only_in_a_coop_and_switches_monitoring(coop, client):
    client.force_login(coop["carol"])
    page = client.get(reverse("dashboard:settings")).content.decode()
    assert "Monitor co-op queue" in page
    client.post(reverse("dashboard:settings"), {"monitor_coop": "on", "language": "browser"})
    coop["carol"].refresh_from_db()
    assert coop["carol"].monitors_coop
    client.force_login(OperatorFactory())
    assert "Monitor co-op queue" not in client.get(reverse("dashboard:settings")).content.decode()
