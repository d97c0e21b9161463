"""Reads of widgets: who answers them (the routing patron chats follow), their status, and the
public state kept in the cache.

The public state of a widget (online or not, and the origins it may be embedded on) lives in the
cache so the status endpoint, the embed script and the widget socket cost no database query.
`widgets.services.widget_status_refresh` writes it; a miss here computes it once and stores it.
"""

import copy
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.utils import timezone

from accounts.models import Operator, Status
from accounts.selectors import operators_reachable_by_status
from departments.models import Membership
from departments.selectors import (
    department_ids_monitored_by_any,
    monitored_department_ids_subquery,
    monitoring_memberships,
)
from libchat.core.languages import language_from_accept
from widgets.hours import DAY_MINUTES, OpeningHours, minutes_of
from widgets.models import HASH, MIDNIGHT, Widget, WidgetClosedDate, WidgetText


@dataclass(frozen=True)
class WidgetStatus:
    widget_id: int
    online: bool
    # Which choice has someone Online: 0 the first choice, 1.. the fallback taken; else None.
    serving: int | None
    # Within its hours, nobody Online but someone who monitors it signed in and Away.
    away: bool = False
    # Outside its hours: when it opens next (None: open now, or no opening in the coming year).
    closed: bool = False
    opens_at: datetime | None = None
    # When the hours may next change the answer (None: a widget keeping no hours).
    changes_at: datetime | None = None


@dataclass(frozen=True)
class WidgetPublicState:
    """What anyone on the internet may know about a widget, as cached.

    `online`: a patron may start a chat. `away`: everyone who could answer is Away and the
    widget has an away message to show. `opens_at`: outside its hours, the next opening (ISO 8601).
    `changes_at` (not cached): when the hours may change the answer, which the cache entry
    must not outlive.
    """

    online: bool
    origins: tuple[str, ...]
    libchat_id: int | None = None
    away: bool = False
    opens_at: str | None = None
    changes_at: datetime | None = None

    def _extras(self) -> dict:
        # Only when set, so a widget without hours or Away operators is cached and pushed as
        # before, and an entry written by an older process reads the same.
        extras: dict = {"away": True} if self.away else {}
        if self.opens_at:
            extras["opens_at"] = self.opens_at
        return extras

    def as_cache(self) -> dict:
        return {
            "online": self.online,
            "origins": list(self.origins),
            "libchat_id": self.libchat_id,
            **self._extras(),
        }

    def as_event(self) -> dict:
        """The frame the widget-status socket sends to an open widget page."""
        return {"event": "widget.status", "online": self.online, **self._extras()}


MISSING = {"missing": True}  # cached for an unknown or inactive widget id (or LibChat id)


def state_cache_key(widget_id: int) -> str:
    return f"widgets:state:{widget_id}"


def libchat_alias_cache_key(libchat_id: int) -> str:
    """Holds `{"widget": pk}` for the active widget with this LibChat widget id, or MISSING."""
    return f"widgets:libchat-id:{libchat_id}"


def state_cache_seconds(*, state: "WidgetPublicState | None" = None) -> int:
    """Twice the beat interval, so a late beat run never leaves the endpoint without a value;
    no longer than until the widget's hours may change its answer, so at the hour the next
    read computes the new one (at least a second: Redis keeps whole seconds)."""
    seconds = 2 * settings.LIBCHAT_WIDGET_REFRESH_SECONDS
    if state is not None and state.changes_at is not None:
        until = (state.changes_at - timezone.now()).total_seconds()
        seconds = max(1, min(seconds, math.ceil(until)))
    return seconds


def pushed_cache_key(widget_id: int) -> str:
    """Holds the last status frame pushed to the widget's open pages, so the refresh pushes a
    change even when a read between two refreshes (an hour passing) cached the new state."""
    return f"widgets:pushed:{widget_id}"


def widget_choices(*, widget: Widget) -> list[tuple[int | None, int | None]]:
    """Who of the widget's own library answers it, in the order they are tried: the first
    choice, then the operator and department fallbacks by position; each is (operator id,
    department id) with exactly one set. No query when the fallbacks are prefetched, else one.
    Co-ops come after them all (`widget_coop_ids`)."""
    return _choices_and_coops(widget, widget.fallbacks.all())[0]


def widget_coop_ids(*, widget: Widget) -> set[int]:
    """The co-ops the widget falls back to last; no query when its fallbacks are prefetched."""
    return _choices_and_coops(widget, widget.fallbacks.all())[1]


def _choices_and_coops(widget: Widget, fallbacks) -> tuple[list, set[int]]:
    """`widget_choices` and `widget_coop_ids` from one read of the fallbacks."""
    fallbacks = list(fallbacks)
    choices = [widget.first_choice, *(f.choice for f in fallbacks if not f.coop_id)]
    return choices, {f.coop_id for f in fallbacks if f.coop_id}


def coop_monitor_ids(*, coop_ids: set[int]) -> set[int]:
    """Operators of the member systems of these co-ops who may chat and monitor the co-op
    queue. One query (none for no co-op)."""
    return set().union(*_coop_monitors_by_coop(coop_ids).values())


def widgets_of_coops_monitored_by(*, operator: Operator):
    """Widgets (a lazy queryset, for a subquery) that fall back to a co-op of the operator's
    system, when the operator monitors the co-op queue; none otherwise."""
    if not operator.monitors_coop:
        return Widget.objects.none().values("pk")
    return Widget.objects.filter(fallbacks__coop__members=operator.system_id).values("pk")


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
    """Operators who may answer the widget's chats: the first choice and fallback operators, the
    members monitoring the first-choice or fallback departments, and the co-op queue's monitors
    of a co-op it falls back to. Two queries (three with a co-op)."""
    choices, coop_ids = _choices_and_coops(widget, widget.fallbacks.all())
    return operators_answering(
        operator_ids={operator_id for operator_id, _ in choices} - {None},
        department_ids={department_id for _, department_id in choices} - {None},
    ) | coop_monitor_ids(coop_ids=coop_ids)


def _routed_to(*, operator_ids: Iterable[int] = (), department_ids: Iterable[int] = ()) -> Q:
    """Widgets with one of these operators or departments (ids or a subquery) as their first
    choice or a fallback."""
    return (
        Q(first_operator_id__in=operator_ids)
        | Q(first_department_id__in=department_ids)
        | Q(fallbacks__operator_id__in=operator_ids)
        | Q(fallbacks__department_id__in=department_ids)
    )


def widgets_routed_to(*, operator_id: int | None = None, department_id: int | None = None):
    """Widgets (a lazy queryset, for a subquery) with this department, or this operator or one of
    their departments, as their first choice or a fallback."""
    q = Q()
    if department_id is not None:
        q |= _routed_to(department_ids=[department_id])
    if operator_id is not None:
        their_departments = Membership.objects.filter(operator_id=operator_id).values(
            "department_id"
        )
        q |= _routed_to(operator_ids=[operator_id], department_ids=their_departments)
    return Widget.objects.filter(q).values("pk")


def widget_ids_answerable_by(*, operator: Operator) -> list[int]:
    """Widgets whose chats reach this operator, active or not, in one query."""
    monitored = monitored_department_ids_subquery(operator=operator)
    return list(
        Widget.objects.filter(_routed_to(operator_ids=[operator.pk], department_ids=monitored))
        .values_list("pk", flat=True)
        .distinct()
    )


def widgets_with_hours(widgets):
    """The widgets (a queryset) with what their statuses read prefetched: fallbacks, opening
    spans and the closed dates from yesterday on (older ones decide nothing). Four queries."""
    recent = WidgetClosedDate.objects.filter(date__gte=timezone.now().date() - timedelta(days=1))
    return widgets.prefetch_related(
        "fallbacks", "opening_spans", Prefetch("closed_dates", queryset=recent)
    )


def widget_opening_hours(*, widget: Widget) -> OpeningHours:
    """The widget's hours as a value; no query when its spans and closed dates are prefetched
    (`widgets_with_hours`), else two."""
    spans: dict[int, list[tuple[int, int]]] = {}
    for span in widget.opening_spans.all():
        closes = DAY_MINUTES if span.closes_at == MIDNIGHT else minutes_of(span.closes_at)
        spans.setdefault(span.weekday, []).append((minutes_of(span.opens_at), closes))
    return OpeningHours(
        time_zone=widget.time_zone,
        spans={day: tuple(sorted(day_spans)) for day, day_spans in spans.items()},
        closed_dates=frozenset(closed.date for closed in widget.closed_dates.all()),
    )


def widget_open_now(*, widget: Widget) -> bool:
    """Whether the widget is within its opening hours now. Two queries."""
    return widget_opening_hours(widget=widget).is_open(timezone.now())


def _coop_monitors_by_coop(coop_ids: set[int]) -> dict[int, set[int]]:
    """Each of these co-ops' members' operators who may chat and monitor the co-op queue, in
    one query; none for no co-op."""
    found: dict[int, set[int]] = {}
    if coop_ids:
        rows = (
            Operator.objects.may_chat()
            .filter(monitors_coop=True, system__coop_memberships__coop_id__in=coop_ids)
            .values_list("system__coop_memberships__coop_id", "pk")
        )
        for coop_id, operator_id in rows:
            found.setdefault(coop_id, set()).add(operator_id)
    return found


def _statuses(widgets: list[Widget]) -> dict[int, WidgetStatus]:
    """Statuses of widgets with their hours prefetched (`widgets_with_hours`): one more query,
    and one for each status that someone has (Online, Away) and a department may cover."""
    present = operators_reachable_by_status(statuses=[Status.ONLINE, Status.AWAY])
    # Who makes a widget online: the one rule of `accounts.selectors.operators_taking_chats`.
    online_ids, away_ids = present[Status.ONLINE], present[Status.AWAY]
    online_departments = department_ids_monitored_by_any(operator_ids=online_ids)
    away_departments = department_ids_monitored_by_any(operator_ids=away_ids)
    now = timezone.now()
    # Co-op queue monitors, read only when a widget falls back to a co-op (one query).
    coops = {widget.pk: widget_coop_ids(widget=widget) for widget in widgets}
    monitors = _coop_monitors_by_coop(set().union(*coops.values()))

    def coop_covered(widget_id: int, operators: set) -> bool:
        return any(monitors.get(coop_id, set()) & operators for coop_id in coops[widget_id])

    def covered(choice: tuple[int | None, int | None], operators: set, departments: set) -> bool:
        operator_id, department_id = choice
        return operator_id in operators if operator_id else department_id in departments

    statuses = {}
    for widget in widgets:
        if not widget.active:
            statuses[widget.pk] = WidgetStatus(widget.pk, online=False, serving=None)
            continue
        choices = widget_choices(widget=widget)
        serving = next(
            (i for i, c in enumerate(choices) if covered(c, online_ids, online_departments)),
            len(choices) if coop_covered(widget.pk, online_ids) else None,
        )
        hours = widget_opening_hours(widget=widget)
        is_open = hours.is_open(now)
        away = (
            is_open
            and serving is None
            and (
                any(covered(c, away_ids, away_departments) for c in choices)
                or coop_covered(widget.pk, away_ids)
            )
        )
        accepts_away = away and widget.away_behaviour == Widget.Away.QUEUE
        statuses[widget.pk] = WidgetStatus(
            widget.pk,
            online=is_open and (serving is not None or accepts_away),
            serving=serving,
            away=away,
            closed=not is_open,
            opens_at=None if is_open else hours.next_opening(now),
            changes_at=hours.next_change(now),
        )
    return statuses


def widget_statuses(*, widget_ids: Iterable[int]) -> dict[int, WidgetStatus]:
    """The status of each widget, in at most seven queries however many widgets and operators.

    A widget is online within its opening hours (always, when it keeps none) when its first
    choice, or else a fallback taken in order, has an operator signed in with status Online and
    reachable; for a department, a member monitoring it. When those who could answer are all
    Away, it is online only if it accepts chats while Away. Inactive and unknown widgets are
    offline.
    """
    widget_ids = set(widget_ids)
    widgets = list(widgets_with_hours(Widget.objects.filter(pk__in=widget_ids)))
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
    coop_monitors = Operator.objects.filter(pk__in=operator_ids, monitors_coop=True)
    return list(
        Widget.objects.filter(active=True)
        .filter(
            _routed_to(operator_ids=operator_ids, department_ids=department_ids)
            | _routed_to(department_ids=their_departments)
            | Q(fallbacks__coop__members__in=coop_monitors.values("system_id"))
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def widget_public_states(
    *, widget_ids: Iterable[int], libchat_ids: Iterable[int] = ()
) -> dict[int, WidgetPublicState | None]:
    """Compute the public state of these widgets and of those with these LibChat widget ids,
    by our id (None: unknown or inactive), in at most seven queries."""
    widget_ids = set(widget_ids)
    widgets = list(
        widgets_with_hours(
            Widget.objects.filter(Q(pk__in=widget_ids) | Q(libchat_id__in=set(libchat_ids))).filter(
                active=True
            )
        )
    )
    statuses = _statuses(widgets)
    states: dict[int, WidgetPublicState | None] = dict.fromkeys(widget_ids)
    for widget in widgets:
        try:
            origins = tuple(widget.origins)
        except ValidationError:  # saved without validation: embeddable nowhere, not an outage
            origins = ()
        status = statuses[widget.pk]
        states[widget.pk] = WidgetPublicState(
            status.online,
            origins,
            widget.libchat_id,
            # Said to patrons only in the widget's own words: without them, all Away reads as
            # before (offline, or online when the widget accepts chats while Away).
            away=status.away and bool(widget.away_message.strip()),
            opens_at=status.opens_at.isoformat() if status.opens_at else None,
            changes_at=status.changes_at,
        )
    return states


def state_cache_entries(
    *, states: dict[int, WidgetPublicState | None], libchat_ids: Iterable[int] = ()
) -> dict[str, dict]:
    """What to cache for these computed states: each widget's state, and the LibChat-id alias of
    each widget that has one; the other LibChat ids asked for are cached as MISSING."""
    entries = {libchat_alias_cache_key(libchat_id): MISSING for libchat_id in libchat_ids}
    for pk, state in states.items():
        entries[state_cache_key(pk)] = state.as_cache() if state else MISSING
        if state and state.libchat_id:
            entries[libchat_alias_cache_key(state.libchat_id)] = {"widget": pk}
    return entries


def state_from_cache(value: dict | None) -> WidgetPublicState | None:
    if value is None or value.get("missing"):
        return None
    return WidgetPublicState(
        bool(value["online"]),
        tuple(value["origins"]),
        value.get("libchat_id"),
        away=bool(value.get("away")),
        opens_at=value.get("opens_at"),
    )


def status_target(*, status_id: int, alias: dict | None) -> int | None:
    """Whose cached state answers the status URL with this id, given the cached LibChat-id alias:
    the widget with that LibChat widget id, else the widget with that id of ours. None when the
    alias is not cached."""
    if alias is None:
        return None
    return alias.get("widget", status_id)


def status_state_cached(
    *, status_id: int, target: int, cached: dict | None
) -> tuple[bool, WidgetPublicState | None]:
    """(found, state) for a status URL id from the target's cached state.

    Not found when the state is not cached, or when the alias is stale: the widget it names has
    since changed its LibChat widget id, or gone. The alias of an id a widget gave up is not
    rewritten when it changes (nobody knows the old id then), so every read checks it.
    """
    if cached is None:
        return False, None
    state = state_from_cache(cached)
    if target != status_id and (state is None or state.libchat_id != status_id):
        return False, None
    return True, state


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
        timeout=state_cache_seconds(state=state),
    )
    return state


def widget_state_by_status_id(*, status_id: int) -> WidgetPublicState | None:
    """The public state a status URL's id names: the active widget with that LibChat widget id
    (so pages written for LibChat keep working), else the one with that id of ours.

    No database query when the cache is warm; a miss computes both in at most seven queries
    and stores them. None for an unknown or inactive widget.
    """
    alias_key, own_key = libchat_alias_cache_key(status_id), state_cache_key(status_id)
    cached = cache.get_many([alias_key, own_key])
    target = status_target(status_id=status_id, alias=cached.get(alias_key))
    if target is not None:
        state_cached = (
            cached.get(own_key) if target == status_id else cache.get(state_cache_key(target))
        )
        found, state = status_state_cached(status_id=status_id, target=target, cached=state_cached)
        if found:
            return state
    states = widget_public_states(widget_ids=[status_id], libchat_ids=[status_id])
    entries = state_cache_entries(states=states, libchat_ids=[status_id])
    # The alias is overwritten (it may be stale); states are only added, so a slower miss never
    # replaces what a refresh has just written.
    cache.set(alias_key, entries.pop(alias_key), timeout=state_cache_seconds())
    timeouts = {state_cache_key(pk): state_cache_seconds(state=s) for pk, s in states.items()}
    for key, value in entries.items():
        cache.add(key, value, timeout=timeouts.get(key, state_cache_seconds()))
    aliased = next((pk for pk, s in states.items() if s and s.libchat_id == status_id), None)
    return states.get(aliased or status_id)


def widget_language(*, widget: Widget, accept_language: str) -> str:
    """The language the widget speaks to a patron whose browser sent this Accept-Language."""
    if widget.language == Widget.FOLLOW_BROWSER:
        return language_from_accept(accept_language)
    return widget.language


def widget_texts(*, widget: Widget) -> dict[str, dict[str, str]]:
    """The texts an admin wrote for the widget in other languages (WidgetText), as {language:
    {field: text}}; a text left blank is left out, so the widget's own shows. Reads
    `widget.texts`, prefetched or not: one query at most."""
    return {
        text.language: {f: getattr(text, f) for f in WidgetText.FIELDS if getattr(text, f).strip()}
        for text in widget.texts.all()
    }


def widget_in_language(*, widget: Widget, language: str) -> Widget:
    """The widget as a patron reading `language` sees it: its title, greeting, offline, away and
    invitation texts in that language where an admin wrote them, its own where not. A copy for
    showing, never for saving; the widget itself when it has no texts in it."""
    texts = widget_texts(widget=widget).get(language)
    if not texts:
        return widget
    shown = copy.copy(widget)
    for field, text in texts.items():
        setattr(shown, field, text)
    return shown


def widget_active_get(*, widget_id: int) -> Widget | None:
    """The active widget, with its system (the page shows its logo and name)."""
    return Widget.objects.filter(pk=widget_id, active=True).select_related("system").first()


def widget_by_hash_get(*, widget_hash: str) -> Widget | None:
    """The active widget a compatibility URL's hash names: the one with that LibChat hash, else
    the one with that hash of ours. None for anything else, a malformed hash included."""
    widget_hash = widget_hash.lower()
    if not HASH.fullmatch(widget_hash):
        return None
    widgets = Widget.objects.filter(
        Q(libchat_hash=widget_hash) | Q(hash=widget_hash), active=True
    ).select_related("system")
    return min(widgets, key=lambda widget: widget.libchat_hash != widget_hash, default=None)


def _snippet_comment(widget: Widget) -> str:
    name = re.sub("-+", "-", widget.name)  # a name must not end the HTML comment
    return f"<!-- LibChat widget: {name} -->\n"


def widget_embed_snippet(*, widget: Widget, base_url: str) -> str:
    """The HTML a library pastes into its pages to show this widget."""
    base = base_url.rstrip("/")
    return (
        _snippet_comment(widget) + f'<div id="libchat-widget-{widget.pk}"></div>\n'
        f'<script src="{base}/widget/{widget.pk}/embed.js" async></script>'
    )


def widget_libchat_snippet(*, widget: Widget, base_url: str) -> str:
    """The same widget in the shape Springshare's LibChat gives, with the LibChat hash when set:
    pages written for LibChat already carry it, with only the host name to change."""
    base = base_url.rstrip("/")
    widget_hash = widget.libchat_hash or widget.hash
    return (
        _snippet_comment(widget) + f'<div id="libchat_{widget_hash}"></div>\n'
        f'<script src="{base}/load_chat.php?hash={widget_hash}" async></script>'
    )
