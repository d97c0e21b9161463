"""A hand-built week of a co-op with known answers (America/Chicago, 5 to 11 January 2026):
Avon, Bexley and Dunmore share the co-op "State 24/7"; Corby belongs to none.

- Avon's chat, Mon 10:00: Bob of Bexley takes it at 60 s and answers: Bexley for Avon, 60 s.
- Bexley's chat, Mon 11:00: Ann of Avon takes it at 120 s and answers; Abe of Avon joins later
  and writes too (Avon still answered it once, after 120 s).
- Avon's chat, Tue 10:00: Ann answers her own library's patron (no co-op answer).
- Bexley's chat, Wed 10:00: Bob takes it at 20 s and answers, transfers it to Ann at 300 s, who
  writes too: Avon for Bexley, 300 s (Bexley's own answer is no co-op answer).
- Corby's chat, Thu 10:00: Ann answers it, but Corby shares no co-op with Avon: not counted.
- Avon's chat, Thu 11:00: Bob takes it and hands it to Ann before writing: Ann alone answered.
- Dunmore's chat, Fri 10:00: Bob answers it at 45 s: Bexley for Dunmore.
- Outside the range, Mon 12 January: Bob answers an Avon chat.

So: Avon answered 2 chats of Bexley (median wait 210 s), Bexley 1 of Avon (60 s) and 1 of
Dunmore (45 s)."""

from dataclasses import dataclass
from datetime import timedelta

from accounts.models import Operator
from chats.models import ChatEvent, ChatParticipant, PatronChat
from systems.models import Coop, System
from tests.factories import CoopMembershipFactory, OperatorFactory, SystemFactory, WidgetFactory
from tests.reports.dataset import chat, event, local
from widgets.models import Widget

S = timedelta(seconds=1)


@dataclass
class CoopWeek:
    avon: System
    bexley: System
    corby: System
    dunmore: System
    coop: Coop
    ann: Operator
    abe: Operator
    bob: Operator
    cat: Operator
    widgets: dict[str, Widget]


def answered(widget, asked, *holders) -> PatronChat:
    """A chat of `widget` asked at `asked`; each holder is (operator, joined after s, wrote after
    s or None), in order, each handing the chat to the next."""
    first_wrote = min(w for _, _, w in holders if w is not None)
    made = chat(
        widget,
        asked,
        claimed=asked + holders[0][1] * S,
        responded=asked + first_wrote * S,
        ended=asked + 30 * 60 * S,
    )
    previous = None
    for operator, joined, wrote in holders:
        ChatParticipant.objects.create(
            chat=made,
            operator=operator,
            joined_at=asked + joined * S,
            first_message_at=None if wrote is None else asked + wrote * S,
        )
        if previous is None:
            event(made, ChatEvent.Kind.CLAIMED, asked + joined * S, to_operator=operator)
        else:
            event(
                made,
                ChatEvent.Kind.TRANSFERRED,
                asked + joined * S,
                operator=previous,
                to_operator=operator,
            )
        previous = operator
    return made


def coop_week() -> CoopWeek:
    avon, bexley = SystemFactory(name="Avon Libraries"), SystemFactory(name="Bexley Libraries")
    corby, dunmore = SystemFactory(name="Corby Library"), SystemFactory(name="Dunmore Library")
    membership = CoopMembershipFactory(system=avon, coop__name="State 24/7")
    for system in (bexley, dunmore):
        CoopMembershipFactory(coop=membership.coop, system=system)
    ann = OperatorFactory(system=avon, display_name="Ann of Avon", monitors_coop=True)
    abe = OperatorFactory(system=avon, display_name="Abe of Avon")
    bob = OperatorFactory(system=bexley, display_name="Bob of Bexley", monitors_coop=True)
    cat = OperatorFactory(system=corby, display_name="Cat of Corby")
    systems = (avon, bexley, corby, dunmore)
    widgets = {s.name: WidgetFactory(system=s, name=f"{s.name} chat") for s in systems}
    more_chats(widgets, ann=ann, abe=abe, bob=bob)
    return CoopWeek(avon, bexley, corby, dunmore, membership.coop, ann, abe, bob, cat, widgets)


def more_chats(widgets: dict[str, Widget], *, ann, abe, bob) -> None:
    """The week's chats (called again, the same chats once more)."""
    avon, bexley = widgets["Avon Libraries"], widgets["Bexley Libraries"]
    answered(avon, local(5, 10), (bob, 60, 90))
    answered(bexley, local(5, 11), (ann, 120, 150), (abe, 600, 610))
    answered(avon, local(6, 10), (ann, 30, 40))
    answered(bexley, local(7, 10), (bob, 20, 30), (ann, 300, 320))
    answered(widgets["Corby Library"], local(8, 10), (ann, 10, 20))
    answered(avon, local(8, 11), (bob, 60, None), (ann, 90, 100))
    answered(widgets["Dunmore Library"], local(9, 10), (bob, 45, 50))
    answered(avon, local(12, 10), (bob, 10, 20))
