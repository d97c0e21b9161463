"""Dashboards follow what their operators answer when the admin edits widgets, departments and
memberships: the Waiting list is pushed again, not every chat the operators hold."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chats import receivers, services
from departments.models import Membership
from libchat.core.live import operator_group
from tests.chats.people import desk, start

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("saved", ["widget", "department", "membership"])
def test_an_admin_save_pushes_the_waiting_list_at_a_cost_held_chats_do_not_change(
    saved, monkeypatch, django_capture_on_commit_callbacks
):
    d = desk()
    alice, bob = d.operators
    waiting, _ = start(d.widget, question="Still waiting?")
    pushed = {}
    monkeypatch.setattr(
        receivers, "live_send", lambda group, frame: pushed.setdefault(group, frame)
    )
    instance = {
        "widget": d.widget,
        "department": d.widget.first_department,
        "membership": Membership.objects.get(operator=alice, department=d.widget.first_department),
    }[saved]

    def alice_holds(chats: int) -> None:
        for n in range(chats):
            chat, _ = start(d.widget, question=f"Question {n}?")
            services.chat_claim(chat=chat, operator=alice)
            for line in range(5):
                services.message_send(chat=chat, body=f"Line {line} of a long question " * 20)

    def save_cost() -> int:
        pushed.clear()
        with (
            CaptureQueriesContext(connection) as captured,
            django_capture_on_commit_callbacks(execute=True),
        ):
            instance.save()
        return len(captured)

    save_cost()  # the first save finds the widget online and opens its hours-online record
    alice_holds(1)
    one_held = save_cost()
    alice_holds(3)
    assert save_cost() == one_held

    frame = pushed[operator_group(alice.pk)]
    assert frame == {
        "event": "chat.waiting_list",
        "waiting": frame["waiting"],
        "as_of": frame["as_of"],
    }
    assert [chat["id"] for chat in frame["waiting"]] == [waiting.pk]
    if saved == "membership":
        assert set(pushed) == {operator_group(alice.pk)}
    else:
        assert set(pushed) == {operator_group(o.pk) for o in (alice, bob, d.outsider)}
        assert pushed[operator_group(bob.pk)]["waiting"] == frame["waiting"]
        assert pushed[operator_group(d.outsider.pk)]["waiting"] == []
