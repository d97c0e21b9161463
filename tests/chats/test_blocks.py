"""Blocking a patron: the block, its refusals, its expiry and lifting, and what the patron and
the operators are told."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from chats import selectors, services
from chats.errors import ChatInvalid, ChatUnavailable
from chats.models import ChatEvent, PatronBlock, PatronChat
from libchat.core.addresses import address_hash, patron_turned_away
from tests.chats.people import desk, start
from tests.factories import OperatorFactory, SystemFactory

pytestmark = pytest.mark.django_db

ADA = address_hash("203.0.113.77")
ELSEWHERE = address_hash("198.51.100.4")
REF = "0123456789abcdef0123456789abcdef"


def chat_from(d, *, address=ADA, patron_ref=REF, **answers):
    return start(d.widget, address_hash=address, patron_ref=patron_ref, **answers)


def claimed(d, **kwargs):
    chat, token = chat_from(d, **kwargs)
    return services.chat_claim(chat=chat, operator=d.operators[0]), token


def block(chat, operator, *, duration="24h", reason="Abusive language"):
    return services.patron_block(chat=chat, operator=operator, duration=duration, reason=reason)


def test_a_block_ends_the_chat_neutrally_and_records_who_when_why_and_until_when():
    d = desk()
    chat, _ = claimed(d, name="Ada")
    alice = d.operators[0]
    before = timezone.now()
    made = block(chat, alice, duration="7d", reason="  Abusive language  ")
    assert made.reason == "Abusive language" and made.blocked_by == alice
    assert (made.address_hash, made.patron_ref, made.chat) == (ADA, REF, chat)
    assert before + timedelta(days=7) <= made.expires_at <= timezone.now() + timedelta(days=7)
    chat.refresh_from_db()
    assert chat.state == PatronChat.State.ENDED
    # The line the patron (and their emailed transcript) reads says nothing of a block.
    lines = [m["body"] for m in selectors.chat_messages(chat_id=chat.pk)]
    assert lines[-1] == "This chat has ended."
    assert not any("block" in line.lower() for line in lines)
    # Staff read why: the record and the internal note.
    end = chat.events.get(kind=ChatEvent.Kind.ENDED)
    assert (end.reason, end.operator) == (ChatEvent.Reason.BLOCKED, alice)
    assert end.description == "Ended: the patron was blocked"
    assert chat.internal_note == f"{alice.name} blocked the patron: Abusive language"


def test_until_lifted_has_no_expiry():
    d = desk()
    chat, _ = claimed(d)
    assert block(chat, d.operators[0], duration="lifted").expires_at is None


@pytest.mark.parametrize(
    ("duration", "reason", "says"),
    [
        ("2h", "Spam", "Choose how long to block the patron: 1 hour, 24 hours, 7 days, Until"),
        ("", "Spam", "Choose how long"),
        ("24h", "   ", "Give a reason for the block"),
        ("24h", "x" * 501, "Keep the reason under 500 characters; this one has 501."),
    ],
)
def test_a_bad_duration_or_reason_is_refused_and_changes_nothing(duration, reason, says):
    d = desk()
    chat, _ = claimed(d)
    with pytest.raises(ChatInvalid) as refused:
        block(chat, d.operators[0], duration=duration, reason=reason)
    assert refused.value.message.startswith(says)
    assert not PatronBlock.objects.exists()
    assert PatronChat.objects.get(pk=chat.pk).state == PatronChat.State.ACTIVE


def test_a_chat_with_nothing_to_know_its_patron_by_cannot_be_blocked():
    d = desk()
    chat, _ = claimed(d, address="", patron_ref="")
    with pytest.raises(ChatInvalid):
        block(chat, d.operators[0])
    assert not PatronBlock.objects.exists()


def test_a_blocked_patron_cannot_start_a_chat_or_leave_a_ticket_by_either_key():
    d = desk()
    chat, _ = claimed(d)
    block(chat, d.operators[0])
    for address, ref in [(ADA, ""), (ELSEWHERE, REF), (ADA, REF)]:
        with pytest.raises(ChatUnavailable) as refused:
            chat_from(d, address=address, patron_ref=ref)
        assert (refused.value.code, refused.value.message) == ("unavailable", "Chat unavailable")
        with pytest.raises(ChatUnavailable):
            services.ticket_create(
                widget=d.widget,
                email="ada@example.org",
                question="Hi",
                address_hash=address,
                patron_ref=ref,
            )
        assert patron_turned_away(
            system_id=d.widget.system_id, address_hash=address, patron_ref=ref
        )
    # Refused before the answers are read: a bad form tells a blocked patron nothing more.
    with pytest.raises(ChatUnavailable):
        start(d.widget, question="", email="nope", address_hash=ADA)
    assert PatronChat.objects.count() == 1
    # Someone else is served as ever.
    assert chat_from(d, address=ELSEWHERE, patron_ref="")[0].address_hash == ELSEWHERE


def test_a_block_ends_when_it_expires():
    d = desk()
    chat, _ = claimed(d)
    made = block(chat, d.operators[0], duration="1h")
    assert selectors.patron_blocked(system_id=d.widget.system_id, address_hash=ADA)
    PatronBlock.objects.filter(pk=made.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert not selectors.patron_blocked(
        system_id=d.widget.system_id, address_hash=ADA, patron_ref=REF
    )
    assert chat_from(d)[0].state == PatronChat.State.WAITING


def test_lifting_is_recorded_once_and_serves_the_patron_again():
    d = desk()
    chat, _ = claimed(d)
    made = block(chat, d.operators[0], duration="lifted")
    admin = OperatorFactory(is_superuser=True)
    assert services.patron_block_lift(block=made, operator=admin)
    assert not services.patron_block_lift(block=made, operator=d.operators[1])  # already lifted
    made.refresh_from_db()
    assert made.lifted_by == admin and made.lifted_at is not None
    assert PatronBlock.objects.count() == 1  # kept, not deleted
    assert not selectors.patron_blocked(
        system_id=d.widget.system_id, address_hash=ADA, patron_ref=REF
    )
    assert chat_from(d)[0].pk


def test_a_waiting_chat_can_be_blocked_by_an_operator_who_sees_it():
    d = desk()
    chat, _ = chat_from(d)
    block(chat, d.operators[1])
    chat.refresh_from_db()
    assert chat.state == PatronChat.State.ENDED
    assert chat.events.get().reason == ChatEvent.Reason.BLOCKED


def test_blocking_an_ended_chat_blocks_its_patron_and_keeps_its_end():
    d = desk()
    chat, _ = claimed(d)
    services.chat_end(chat=chat, operator=d.operators[0])
    block(chat, d.operators[0], reason="Came back to insult us")
    chat.refresh_from_db()
    assert chat.events.get(kind=ChatEvent.Kind.ENDED).reason == ChatEvent.Reason.BY_OPERATOR
    assert "Came back to insult us" in chat.internal_note
    assert selectors.patron_blocked(system_id=d.widget.system_id, address_hash=ADA)


def test_a_block_must_know_the_patron_and_have_a_reason_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        PatronBlock.objects.create(reason="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        PatronBlock.objects.create(address_hash=ADA, reason="")


def test_a_block_holds_at_the_widgets_of_the_library_system_it_was_made_in():
    avon = desk()
    bexley_system = SystemFactory(name="Bexley Libraries")
    bexley = desk(system=bexley_system, first_department__system=bexley_system)
    chat, _ = claimed(avon)
    block(chat, avon.operators[0])

    with pytest.raises(ChatUnavailable):
        chat_from(avon)
    assert patron_turned_away(system_id=avon.widget.system_id, address_hash=ADA)
    # The other library serves the same patron, from the same address, as ever.
    assert not patron_turned_away(system_id=bexley_system.pk, address_hash=ADA, patron_ref=REF)
    assert chat_from(bexley)[0].widget == bexley.widget
    ticket = services.ticket_create(
        widget=bexley.widget, email="ada@example.org", question="Hi", address_hash=ADA
    )
    assert ticket.pk


def test_staff_read_only_their_own_library_systems_blocks_in_the_admin(client):
    avon = desk()
    bexley_system = SystemFactory(name="Bexley Libraries")
    bexley = desk(system=bexley_system, first_department__system=bexley_system)
    ours = block(claimed(avon)[0], avon.operators[0], reason="Ours")
    theirs = block(claimed(bexley)[0], bexley.operators[0], reason="Theirs: staff only")
    staff = OperatorFactory(is_staff=True)  # the default system's, as Avon's desk is
    staff.user_permissions.add(Permission.objects.get(codename="view_patronblock"))
    client.force_login(staff)

    page = client.get(reverse("admin:chats_patronblock_changelist"))

    assert [row.pk for row in page.context["cl"].result_list] == [ours.pk]
    assert "Theirs: staff only" not in page.content.decode()
    other = client.get(reverse("admin:chats_patronblock_change", args=[theirs.pk]))
    assert other.status_code == 404
