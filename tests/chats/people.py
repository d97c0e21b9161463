"""A widget with operators who can answer it, signed in and reachable so the widget is online."""

from dataclasses import dataclass

from accounts.models import Operator
from chats import services
from tests.factories import MembershipFactory, OperatorFactory, WidgetFactory
from tests.widgets.people import signed_in
from widgets.models import Widget


@dataclass
class Desk:
    widget: Widget
    operators: list[Operator]
    outsider: Operator


def desk(*, operators: int = 2, **widget_options) -> Desk:
    """A widget whose first choice is a department monitored by `operators` members, all
    signed in and reachable; plus a signed-in outsider who monitors another department."""
    widget = WidgetFactory(**widget_options)
    members = []
    for _ in range(operators):
        member = OperatorFactory()
        MembershipFactory(department=widget.first_department, operator=member)
        signed_in(member)
        members.append(member)
    outsider = OperatorFactory()
    MembershipFactory(operator=outsider)
    signed_in(outsider)
    return Desk(widget, members, outsider)


def start(widget: Widget, question: str = "Do you have Middlemarch?", **answers):
    """(chat, token) of a chat started the way the pre-chat form starts it."""
    return services.chat_start(widget=widget, question=question, **answers)
