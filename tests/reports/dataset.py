"""A hand-built week of the desk with known answers, in America/Chicago (UTC−6 in January):
Monday 5 to Sunday 11 January 2026.

- Chat A (Reference widget), Mon 10:00: Alice claims at 30 s and answers at 60 s, transfers it to
  Bob at 5 min (he writes at 6 min), Bob's sign-out requeues it at 8 min, Carol claims at 9 min
  and transfers it to Circulation's queue at 12 min, Alice claims again at 13 min and ends it at
  20 min. Rated 5, "Very helpful".
- Chat B (Reference), Mon 10:30: missed, ended while waiting at 3 min.
- Chat C (Circulation widget), Tue 23:50, across midnight: Bob claims at 90 s, answers at 150 s,
  ends it at 00:20 Wednesday. Rated 3. UTC would put it on Wednesday.
- Chat D (Reference), Wed 09:00: Alice claims at 200 s, answers at 250 s, ends at 10 min. Rated 4.
- Tags: A and D are "Research"; A is also READ 4 (the READ scale switched on); B and C untagged.
  The outside-the-range chat of 12 January is "Directional".
- An offline ticket (Circulation), Thu 12:00.
- Outside the range: a chat on Sun 4 January at 23:30 (Mon 05:30 UTC) and one on Mon 12 January.
- Status record: Alice Online Mon 09:00–12:00 and Away 12:00–13:00; Carol Online Sun 4 January
  23:00 to Mon 01:00 (one hour inside the range); Bob Online from Sun 11 January 22:00, still.
- Widgets online: Ask a Librarian Mon 09:00–12:30; Circulation chat Sun 4 January 23:00 to Mon
  00:30 (half an hour inside the range) and from Sun 11 January 23:15, still.
"""

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from accounts.models import Operator, StatusInterval
from chats.models import ChatEvent, ChatParticipant, ChatTag, OfflineTicket, PatronChat
from chats.services import read_scale_offer
from departments.models import Department
from tests.factories import DepartmentFactory, OperatorFactory, WidgetFactory
from widgets.models import Widget, WidgetOnlineInterval

TZ = ZoneInfo("America/Chicago")
START, END = date(2026, 1, 5), date(2026, 1, 11)
NOW = datetime(2026, 1, 20, 12, tzinfo=UTC)  # the week is over: its days are closed
_tokens = itertools.count()


def local(day: int, hour: int, minute: int = 0, month: int = 1) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


@dataclass
class Week:
    alice: Operator
    bob: Operator
    carol: Operator
    reference: Department
    circulation: Department
    reference_widget: Widget
    circulation_widget: Widget
    a: PatronChat
    b: PatronChat
    c: PatronChat
    d: PatronChat


def chat(widget, asked, *, claimed=None, responded=None, ended=None, **fields) -> PatronChat:
    """A chat row with its times as given (created_at is set after the insert: auto_now_add)."""
    state = PatronChat.State.ENDED if ended else PatronChat.State.WAITING
    made = PatronChat.objects.create(
        widget=widget,
        token_hash=f"{next(_tokens):064d}",
        state=state,
        queued_at=asked,
        first_claimed_at=claimed,
        first_response_at=responded,
        ended_at=ended,
        **fields,
    )
    PatronChat.objects.filter(pk=made.pk).update(created_at=asked)
    made.refresh_from_db()
    return made


def event(chat_, kind, at, **fields) -> None:
    ChatEvent.objects.create(chat=chat_, kind=kind, at=at, **fields)


def took_part(chat_, operator, joined, wrote=None) -> None:
    ChatParticipant.objects.create(
        chat=chat_, operator=operator, joined_at=joined, first_message_at=wrote
    )


def interval(operator, status, started, ended=None) -> None:
    StatusInterval.objects.create(
        operator=operator, status=status, started_at=started, ended_at=ended
    )


def week(copy: int = 0) -> Week:
    """The week; a `copy` other than 0 builds it again with its own people, names numbered."""
    n = f" {copy}" if copy else ""
    alice = OperatorFactory(display_name=f"Alice{n}", username=f"alice-r{copy}")
    bob = OperatorFactory(display_name=f"Bob{n}", username=f"bob-r{copy}")
    carol = OperatorFactory(display_name=f"Carol{n}", username=f"carol-r{copy}")
    reference = DepartmentFactory(name=f"Reference desk{n}")
    circulation = DepartmentFactory(name=f"Circulation desk{n}")
    ref_widget = WidgetFactory(name=f"Ask a Librarian{n}", first_department=reference)
    circ_widget = WidgetFactory(name=f"Circulation chat{n}", first_department=circulation)
    s = timedelta(seconds=1)
    m = timedelta(minutes=1)

    t = local(5, 10)
    a = chat(
        ref_widget,
        t,
        claimed=t + 30 * s,
        responded=t + 60 * s,
        ended=t + 20 * m,
        department=circulation,
        rating=5,
        comment="Very helpful",
    )
    K = ChatEvent.Kind
    event(a, K.CLAIMED, t + 30 * s, to_operator=alice)
    event(a, K.TRANSFERRED, t + 5 * m, operator=alice, to_operator=bob)
    event(a, K.REQUEUED, t + 8 * m, operator=bob, reason=ChatEvent.Reason.SIGNED_OUT)
    event(a, K.CLAIMED, t + 9 * m, to_operator=carol)
    event(a, K.TO_DEPARTMENT, t + 12 * m, operator=carol, to_department=circulation)
    event(a, K.CLAIMED, t + 13 * m, to_operator=alice)
    event(a, K.ENDED, t + 20 * m, operator=alice, reason=ChatEvent.Reason.BY_OPERATOR)
    took_part(a, alice, t + 30 * s, t + 60 * s)
    took_part(a, bob, t + 5 * m, t + 6 * m)
    took_part(a, carol, t + 9 * m)

    t = local(5, 10, 30)
    b = chat(ref_widget, t, ended=t + 3 * m)
    event(b, K.ENDED, t + 3 * m, reason=ChatEvent.Reason.PATRON_LEFT)

    t = local(6, 23, 50)
    c = chat(circ_widget, t, claimed=t + 90 * s, responded=t + 150 * s, ended=t + 30 * m, rating=3)
    event(c, K.CLAIMED, t + 90 * s, to_operator=bob)
    took_part(c, bob, t + 90 * s, t + 150 * s)

    t = local(7, 9)
    d = chat(ref_widget, t, claimed=t + 200 * s, responded=t + 250 * s, ended=t + 10 * m, rating=4)
    event(d, K.CLAIMED, t + 200 * s, to_operator=alice)
    took_part(d, alice, t + 200 * s, t + 250 * s)

    ticket = OfflineTicket.objects.create(
        widget=circ_widget, email="ada@example.org", question="Renewals?"
    )
    OfflineTicket.objects.filter(pk=ticket.pk).update(created_at=local(8, 12))

    research = ChatTag.objects.create(name=f"Research{n}")
    read = read_scale_offer()
    a.tags.add(research, read[3])
    d.tags.add(research)

    chat(ref_widget, local(4, 23, 30), ended=local(4, 23, 40))
    later = chat(ref_widget, local(12, 10), ended=local(12, 10, 5))
    later.tags.add(ChatTag.objects.create(name=f"Directional{n}", active=False))

    interval(alice, "online", local(5, 9), local(5, 12))
    interval(alice, "away", local(5, 12), local(5, 13))
    interval(carol, "online", local(4, 23), local(5, 1))
    interval(bob, "online", local(11, 22))
    WidgetOnlineInterval.objects.create(
        widget=ref_widget, started_at=local(5, 9), ended_at=local(5, 12, 30)
    )
    WidgetOnlineInterval.objects.create(
        widget=circ_widget, started_at=local(4, 23), ended_at=local(5, 0, 30)
    )
    WidgetOnlineInterval.objects.create(widget=circ_widget, started_at=local(11, 23, 15))
    return Week(alice, bob, carol, reference, circulation, ref_widget, circ_widget, a, b, c, d)
