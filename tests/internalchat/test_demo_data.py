"""The demo data sets up internal chat and FAQs, and running it twice changes nothing."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Operator
from canned.models import CannedReply
from chats import selectors as chat_selectors
from chats import services as chat_services
from chats.models import ChatTag
from faqs.models import Faq
from internalchat.models import Message, Room
from systems.models import CoopMembership
from tests.widgets.people import signed_in
from widgets.demo import DEMO_WIDGET_NAME, demo_page_write
from widgets.models import Widget
from widgets.selectors import widget_statuses

pytestmark = pytest.mark.django_db


def test_demo_data_creates_rooms_messages_and_faqs_once():
    for _ in range(2):
        call_command("demo_data", quiet_if_present=True)
    assert set(Room.objects.values_list("kind", "department__slug")) == {
        ("all_staff", None),
        ("department", "reference"),
        ("department", "circulation"),
    }
    assert Message.objects.count() == 4
    assert Faq.objects.filter(group__public=True).count() == 3
    assert CannedReply.objects.filter(owner=None, department=None).count() == 3
    assert CannedReply.objects.filter(department__slug="reference").count() == 1
    assert CannedReply.objects.filter(owner__username="alice").count() == 1
    offered = [tag.name for tag in ChatTag.objects.filter(active=True)]
    assert offered == ["Directional", "Research", "Technology", *(f"READ {n}" for n in range(1, 7))]


def test_the_demo_library_page_gives_the_opening_hours_of_the_demo_faq(tmp_path):
    call_command("demo_data", quiet_if_present=True)
    page = demo_page_write(directory=tmp_path, base_url="http://127.0.0.1:8000").read_text()
    hours = Faq.objects.get(question="What are the library's opening hours?").answer
    assert f"<p>{hours}</p>" in page


def test_the_demo_co_op_partner_answers_the_demo_widget_when_the_library_does_not(client):
    out = io.StringIO()
    for _ in range(2):
        call_command("demo_data", quiet_if_present=True, stdout=out)
    assert "erin / libchat-demo" in out.getvalue()
    erin = Operator.objects.get(username="erin")
    assert erin.check_password("libchat-demo") and erin.monitors_coop
    assert CoopMembership.objects.count() == 2
    widget = Widget.objects.get(name=DEMO_WIDGET_NAME)

    # Nobody at Springfield takes chats: the demo widget stays online for Erin of Shelbyville,
    # whose Waiting list gets its chat; her patron panel names Springfield and its notes.
    signed_in(erin)
    assert widget_statuses(widget_ids=[widget.pk])[widget.pk].online
    chat, _ = chat_services.chat_start(widget=widget, question="Can I renew by chat?")
    assert [c["id"] for c in chat_selectors.chats_waiting_for(operator=erin)] == [chat.pk]
    chat_services.chat_claim(chat=chat, operator=erin)
    client.force_login(erin)
    panel = client.get(reverse("chats:patron_record", args=[chat.pk]), {"in": "console"})
    text = panel.content.decode()
    assert "Home library: Springfield Public Library" in text
    assert "Renewals and holds by chat" in text and "ask@library.example" in text
