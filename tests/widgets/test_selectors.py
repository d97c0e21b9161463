"""The status rules: who makes a widget online, table-driven, and what computing it costs."""

from dataclasses import dataclass, field
from datetime import date, time

import pytest

from tests.factories import (
    DepartmentFactory,
    MembershipFactory,
    OperatorFactory,
    WidgetFactory,
    WidgetFallbackFactory,
)
from tests.widgets.people import signed_in
from widgets import selectors
from widgets.models import WidgetClosedDate, WidgetOpeningSpan

pytestmark = pytest.mark.django_db


@dataclass
class Person:
    """status None: not signed in. monitors / member_only: department names."""

    status: str | None = "online"
    reachable: bool = True
    monitors: tuple[str, ...] = ()
    member_only: tuple[str, ...] = field(default=())


# Choices name an operator ("alice", "bob", "carol") or a department ("dept:reference", ...).
CASES = {
    "operator first choice online": ("alice", [], {"alice": Person("online")}, True, 0),
    "operator first choice away": ("alice", [], {"alice": Person("away")}, False, None),
    "operator first choice internal": ("alice", [], {"alice": Person("internal")}, False, None),
    "operator first choice offline": ("alice", [], {"alice": Person(None)}, False, None),
    "operator signed in but unreachable": (
        "alice", [], {"alice": Person("online", reachable=False)}, False, None,
    ),
    "department with a monitoring member": (
        "dept:reference", [], {"alice": Person(monitors=("reference",))}, True, 0,
    ),
    "department member not monitoring": (
        "dept:reference", [], {"alice": Person(member_only=("reference",))}, False, None,
    ),
    "department, online operator not a member": (
        "dept:reference", [], {"alice": Person(monitors=("circulation",))}, False, None,
    ),
    "department monitoring member away": (
        "dept:reference", [], {"alice": Person("away", monitors=("reference",))}, False, None,
    ),
    "first choice offline, first fallback online": (
        "alice", ["dept:circulation", "carol"],
        {"alice": Person(None), "bob": Person(monitors=("circulation",))}, True, 1,
    ),
    "second fallback online": (
        "dept:reference", ["bob", "carol"],
        {"alice": Person(member_only=("reference",)), "bob": Person("away"),
         "carol": Person("online")}, True, 2,
    ),
    "first choice wins over an online fallback": (
        "alice", ["bob"], {"alice": Person(), "bob": Person()}, True, 0,
    ),
    "all offline": (
        "dept:reference", ["bob", "dept:circulation"],
        {"alice": Person(None, monitors=("reference", "circulation")),
         "bob": Person("internal")}, False, None,
    ),
    "inactive widget": ("alice", ["bob"], {"alice": Person(), "bob": Person()}, False, None),
}  # fmt: skip


@pytest.mark.parametrize(
    "first, fallbacks, people, online, serving", CASES.values(), ids=list(CASES)
)
def test_status_rules(request, first, fallbacks, people, online, serving):
    departments = {name: DepartmentFactory(name=name) for name in ["reference", "circulation"]}
    operators = {name: OperatorFactory(username=name) for name in ("alice", "bob", "carol")}
    for name, person in people.items():
        operator = operators[name]
        for department in person.monitors:
            MembershipFactory(operator=operator, department=departments[department])
        for department in person.member_only:
            MembershipFactory(
                operator=operator, department=departments[department], monitoring=False
            )
        if person.status is not None:
            signed_in(operator, status=person.status, reachable=person.reachable)

    def choice(name):
        if name.startswith("dept:"):
            return {"department": departments[name.removeprefix("dept:")], "operator": None}
        return {"operator": operators[name], "department": None}

    first_choice = choice(first)
    widget = WidgetFactory(
        first_operator=first_choice["operator"],
        first_department=first_choice["department"],
        active=request.node.callspec.id != "inactive widget",
    )
    for position, name in enumerate(fallbacks, start=1):
        WidgetFallbackFactory(widget=widget, position=position, **choice(name))

    status = selectors.widget_statuses(widget_ids=[widget.pk])[widget.pk]
    assert (status.online, status.serving) == (online, serving)


def test_an_inactive_widget_is_offline_even_with_its_operator_online():
    alice = OperatorFactory()
    signed_in(alice)
    widget = WidgetFactory(first_operator=alice, first_department=None, active=False)
    assert selectors.widget_statuses(widget_ids=[widget.pk])[widget.pk].online is False
    assert selectors.widget_state_get(widget_id=widget.pk) is None


def test_an_inactive_department_makes_nobody_online():
    department = DepartmentFactory(active=False)
    alice = MembershipFactory(department=department).operator
    signed_in(alice)
    widget = WidgetFactory(first_department=department)
    assert selectors.widget_statuses(widget_ids=[widget.pk])[widget.pk].online is False


def test_statuses_of_many_widgets_cost_a_fixed_number_of_queries(django_assert_num_queries):
    def build(count):
        ids = []
        for _ in range(count):
            membership = MembershipFactory()
            signed_in(membership.operator)
            widget = WidgetFactory(first_department=membership.department)
            WidgetFallbackFactory(widget=widget, position=1)
            away = OperatorFactory()
            signed_in(away, status="away")
            WidgetFallbackFactory(widget=widget, position=2, department=None, operator=away)
            for weekday in range(7):  # open all day, every day, but on a closed date
                WidgetOpeningSpan.objects.create(
                    widget=widget, weekday=weekday, opens_at=time(0), closes_at=time(0)
                )
            WidgetClosedDate.objects.create(widget=widget, date=date(2100, 1, 1))
            ids.append(widget.pk)
        return ids

    # The widgets, fallbacks, opening spans, closed dates, who is Online or Away, and the
    # departments each of those monitor.
    few = build(2)
    with django_assert_num_queries(7):
        statuses = selectors.widget_statuses(widget_ids=few)
    assert all(s.online for s in statuses.values())
    many = few + build(8)
    with django_assert_num_queries(7):
        statuses = selectors.widget_statuses(widget_ids=many)
    assert len(statuses) == 10 and all(s.online for s in statuses.values())


def test_widgets_monitored_by_finds_first_choices_and_fallbacks_through_departments():
    membership = MembershipFactory()
    alice = membership.operator
    by_department = WidgetFactory(first_department=membership.department)
    by_operator_fallback = WidgetFallbackFactory(department=None, operator=alice, position=1).widget
    by_department_fallback = WidgetFallbackFactory(
        department=membership.department, position=1
    ).widget
    unrelated = WidgetFactory()
    found = selectors.widget_ids_monitored_by(operator_ids={alice.pk})
    assert sorted(found) == sorted(
        [by_department.pk, by_operator_fallback.pk, by_department_fallback.pk]
    )
    assert unrelated.pk not in found


def test_embed_snippet_points_at_the_script_and_cannot_break_out_of_its_comment():
    widget = WidgetFactory(name="Ask us --> <script>")
    snippet = selectors.widget_embed_snippet(widget=widget, base_url="https://chat.example/")
    assert f'<script src="https://chat.example/widget/{widget.pk}/embed.js" async></script>' in (
        snippet
    )
    assert snippet.count("-->") == 1


def test_who_answers_a_widget_is_its_first_choice_then_its_fallbacks_in_order():
    first = OperatorFactory()
    widget = WidgetFactory(first_department=None, first_operator=first)
    reference = DepartmentFactory()
    second = OperatorFactory()
    WidgetFallbackFactory(widget=widget, position=2, operator=second, department=None)
    WidgetFallbackFactory(widget=widget, position=1, department=reference)

    assert selectors.widget_choices(widget=widget) == [
        (first.pk, None),
        (None, reference.pk),
        (second.pk, None),
    ]
