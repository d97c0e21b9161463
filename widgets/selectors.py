"""Reads of widgets: who answers them (the routing patron chats follow), their status, and the
public state kept in the cache.

The public state of a widget (online or not, and the origins it may be embedded on) lives in the
cache so the status endpoint, the embed script and the widget socket cost no database query.
`widgets.services.widget_status_refresh` writes it; a miss here computes it once and stores it.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q

from accounts.models import Operator
from accounts.selectors import operators_taking_chats
from departments.models import Membership
from departments.selectors import (
    department_ids_monitored_by_any,
    monitored_department_ids_subquery,
    monitoring_memberships,
)
from widgets.models import Widget


@dataclass(frozen=True)
class WidgetStatus:
    widget_id: int
    online: bool
    # Which choice makes it online: 0 the first choice, 1.. the fallback taken; None offline.
    serving: int | None


@dataclass(frozen=True)
class WidgetPublicState:
    """What anyone on the internet may know about a widget, as cached."""

    online: bool
    origins: tuple[str, ...]

    def as_cache(self) -> dict:
        return {"online": self.online, "origins": list(self.origins)}


MISSING = {"missing": True}  # cached for an unknown or inactive widget id


def state_cache_key(widget_id: int) -> str:
    return f"widgets:state:{widget_id}"


def state_cache_seconds() -> int:
    # Twice the beat interval, so a late beat run never leaves the endpoint without a value.
    return 2 * settings.LIBCHAT_WIDGET_REFRESH_SECONDS


def widget_choices(*, widget: Widget) -> list[tuple[int | None, int | None]]:
    """Who answers the widget, in the order they are tried: the first choice, then the fallbacks
    by position; each is (operator id, department id) with exactly one set. No query when the
    fallbacks are prefetched, else one."""
    return [widget.first_choice, *(f.choice for f in widget.fallbacks.all())]


def operators_answering(*, operator_ids: set[int], department_ids: set[int]) -> set[int]:
    """Of these operators and the members monitoring these departments, those who may chat.
    One query."""
    monitoring = monitoring_memberships().filter(department_id__in=department_ids)
    return set(
        Operator.objects.may_chat()
        .filter(Q(pk__in=operator_ids) | Q(pk__in=monitoring.values("operator_id")))
        .values_list("pk", flat=True)
    )


def widget_answerer_ids(*, widget: Widget) -> set[int]:
    """Operators who may answer the widget's chats: the first choice and fallback operators, and
    the members monitoring the first-choice or fallback departments. Two queries."""
    choices = widget_choices(widget=widget)
    return operators_answering(
        operator_ids={operator_id for operator_id, _ in choices} - {None},
        department_ids={department_id for _, department_id in choices} - {None},
    )


def _routed_to(*, operator_ids: Iterable[int] = (), department_ids: Iterable[int] = ()) -> Q:
    """Widgets with one of these operators or departments (ids or a subquery) as their first
    choice or a fallback."""
    return (
        Q(first_operator_id__in=operator_ids)
        | Q(first_department_id__in=department_ids)
        | Q(fallbacks__operator_id__in=operator_ids)
        | Q(fallbacks__department_id__in=department_ids)
    )


def widget_ids_answerable_by(*, operator: Operator) -> list[int]:
    """Widgets whose chats reach this operator, active or not, in one query."""
    monitored = monitored_department_ids_subquery(operator=operator)
    return list(
        Widget.objects.filter(_routed_to(operator_ids=[operator.pk], department_ids=monitored))
        .values_list("pk", flat=True)
        .distinct()
    )


def _statuses(widgets: list[Widget]) -> dict[int, WidgetStatus]:
    """Statuses of widgets whose fallbacks are prefetched: two more queries."""
    online_ids = operators_taking_chats()  # who makes a widget online: the one rule
    department_ids = department_ids_monitored_by_any(operator_ids=online_ids)

    def covered(choice: tuple[int | None, int | None]) -> bool:
        operator_id, department_id = choice
        return operator_id in online_ids if operator_id else department_id in department_ids

    statuses = {}
    for widget in widgets:
        serving = None
        if widget.active:
            choices = widget_choices(widget=widget)
            serving = next((i for i, choice in enumerate(choices) if covered(choice)), None)
        statuses[widget.pk] = WidgetStatus(widget.pk, serving is not None, serving)
    return statuses


def widget_statuses(*, widget_ids: Iterable[int]) -> dict[int, WidgetStatus]:
    """The status of each widget, in four queries however many widgets and operators.

    A widget is online when its first choice, or else a fallback taken in order, has an operator
    signed in with status Online and reachable; for a department, a member monitoring it.
    Inactive and unknown widgets are offline.
    """
    widget_ids = set(widget_ids)
    widgets = list(Widget.objects.filter(pk__in=widget_ids).prefetch_related("fallbacks"))
    statuses = dict.fromkeys(widget_ids, None) | _statuses(widgets)
    return {
        pk: status or WidgetStatus(pk, online=False, serving=None)
        for pk, status in statuses.items()
    }


def widget_ids_monitored_by(
    *, operator_ids: Iterable[int] = (), department_ids: Iterable[int] = ()
) -> list[int]:
    """Active widgets whose status these operators or departments can change, in one query."""
    operator_ids, department_ids = set(operator_ids), set(department_ids)
    their_departments = Membership.objects.filter(operator_id__in=operator_ids).values(
        "department_id"
    )
    return list(
        Widget.objects.filter(active=True)
        .filter(
            _routed_to(operator_ids=operator_ids, department_ids=department_ids)
            | _routed_to(department_ids=their_departments)
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def widget_public_states(*, widget_ids: Iterable[int]) -> dict[int, WidgetPublicState | None]:
    """Compute the public state of these widgets (None: unknown or inactive), in four queries."""
    widget_ids = set(widget_ids)
    widgets = list(
        Widget.objects.filter(pk__in=widget_ids, active=True).prefetch_related("fallbacks")
    )
    statuses = _statuses(widgets)
    states: dict[int, WidgetPublicState | None] = dict.fromkeys(widget_ids)
    for widget in widgets:
        try:
            origins = tuple(widget.origins)
        except ValidationError:  # saved without validation: embeddable nowhere, not an outage
            origins = ()
        states[widget.pk] = WidgetPublicState(statuses[widget.pk].online, origins)
    return states


def state_from_cache(value: dict | None) -> WidgetPublicState | None:
    if value is None or value.get("missing"):
        return None
    return WidgetPublicState(bool(value["online"]), tuple(value["origins"]))


def widget_state_get(*, widget_id: int) -> WidgetPublicState | None:
    """The cached public state of a widget; on a miss it is computed once and stored.

    No database query when the cache is warm. None for an unknown or inactive widget.
    """
    cached = cache.get(state_cache_key(widget_id))
    if cached is not None:
        return state_from_cache(cached)
    state = widget_public_states(widget_ids=[widget_id])[widget_id]
    cache.add(
        state_cache_key(widget_id),
        state.as_cache() if state else MISSING,
        timeout=state_cache_seconds(),
    )
    return state


def widget_active_get(*, widget_id: int) -> Widget | None:
    return Widget.objects.filter(pk=widget_id, active=True).first()


def widget_embed_snippet(*, widget: Widget, base_url: str) -> str:
    """The HTML a library pastes into its pages to show this widget."""
    base = base_url.rstrip("/")
    name = re.sub("-+", "-", widget.name)  # a name must not end the HTML comment
    return (
        f"<!-- LibChat widget: {name} -->\n"
        f'<div id="libchat-widget-{widget.pk}"></div>\n'
        f'<script src="{base}/widget/{widget.pk}/embed.js" async></script>'
    )
