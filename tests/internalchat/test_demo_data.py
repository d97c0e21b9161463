"""The demo data sets up internal chat and FAQs, and running it twice changes nothing."""

import pytest
from django.core.management import call_command

from canned.models import CannedReply
from chats.models import ChatTag
from faqs.models import Faq
from internalchat.models import Message, Room
from widgets.demo import demo_page_write

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
