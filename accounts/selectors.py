"""Reads of sign-in state and presence. Presence is computed at read time from heartbeats."""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import DashboardConnection, LibChatSession, Operator, Status
from libchat.core.languages import language_from_accept
from libchat.core.live import InReadersLanguage, in_readers_language
from systems.selectors import coop_partner_system_ids

T = TypeVar("T")


@dataclass(frozen=True)
class Presence:
    operator_id: int
    signed_in: bool
    reachable: bool
    status: str  # the chosen status, or "offline" when not signed in
    browser_key: str = ""  # the browser holding the session; never sent to other operators

    @property
    def shown_status(self) -> str:
        """What other operators see: a signed-in operator nobody can reach shows as offline."""
        return self.status if self.reachable else Status.OFFLINE

    def as_event(self) -> dict:
        return {
            "id": self.operator_id,
            "signed_in": self.signed_in,
            "reachable": self.reachable,
            "status": self.status,
            "shown_status": self.shown_status,
        }


@dataclass(frozen=True)
class HeaderState:
    libchat_online: bool
    signed_in: bool
    signed_in_here: bool
    status: str

    @property
    def status_here(self) -> str:
        """The dot in this browser: a session held by another browser is not one's status here."""
        return self.status if self.signed_in_here else Status.OFFLINE

    @property
    def status_label(self) -> str:
        if self.signed_in and not self.signed_in_here:
            return gettext("Signed in at another location")
        return Status(self.status_here).label


def browser_key_for(session_key: str) -> str:
    """A stable, non-secret name for one browser's Django session (safe in group names)."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


def alive_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(seconds=settings.LIBCHAT_ALIVE_SECONDS)


def session_reachable(now: datetime | None = None) -> Exists:
    """Annotation for LibChatSession rows: a dashboard of the session's browser answers."""
    return Exists(
        DashboardConnection.objects.filter(
            operator=OuterRef("operator"),
            browser_key=OuterRef("browser_key"),
            last_seen__gte=alive_cutoff(now),
        )
    )


def active_sessions_with_reachability(now: datetime | None = None):
    return LibChatSession.objects.filter(ended_at__isnull=True).annotate(
        reachable=session_reachable(now)
    )


def libchat_online() -> bool:
    """True when at least one operator is signed in and reachable."""
    return active_sessions_with_reachability().filter(reachable=True).exists()


def presence_for(*, operator_ids: list[int] | set[int]) -> dict[int, Presence]:
    """Presence of the given operators, in one query."""
    sessions = {
        s.operator_id: s
        for s in active_sessions_with_reachability().filter(operator_id__in=operator_ids)
    }
    result = {}
    for operator_id in operator_ids:
        session = sessions.get(operator_id)
        if session is None:
            result[operator_id] = Presence(operator_id, False, False, Status.OFFLINE)
        else:
            result[operator_id] = Presence(
                operator_id, True, session.reachable, session.status, session.browser_key
            )
    return result


def reachable_operator_ids(*, operator_ids: list[int] | set[int]) -> set[int]:
    return set(
        active_sessions_with_reachability()
        .filter(operator_id__in=operator_ids, reachable=True)
        .values_list("operator_id", flat=True)
    )


def operators_taking_chats(*, operator_ids: Iterable[int] | None = None) -> set[int]:
    """Of these operators (None: all of them), those who take patron chats. The one place the
    rule is written; the Waiting list, rings, unclaimed alerts, the claim, transfer targets and
    a widget's status all ask here.

    An operator takes patron chats when signed in to LibChat, with status Online, reachable (a
    dashboard of the session's browser answers) and an account that may chat. Away keeps and
    answers the chats it holds but is offered none; Internal is staff chat only; an operator
    logged in to the site but not signed in to LibChat gets no patron chat at all, or the
    watchdog would soon pull it from a dashboard nobody counts as there. One query.
    """
    return operators_reachable_by_status(operator_ids=operator_ids)[Status.ONLINE]


def operators_reachable_by_status(
    *, operator_ids: Iterable[int] | None = None, statuses: Iterable[str] = (Status.ONLINE,)
) -> dict[str, set[int]]:
    """Of these operators (None: all of them), those signed in with each of these statuses,
    reachable, with an account that may chat: with Online alone, `operators_taking_chats`; a
    widget also asks who is Away, to say so to its patrons. One query."""
    statuses = list(statuses)
    sessions = active_sessions_with_reachability().filter(
        status__in=statuses, reachable=True, operator__in=Operator.objects.may_chat()
    )
    if operator_ids is not None:
        sessions = sessions.filter(operator_id__in=set(operator_ids))
    found: dict[str, set[int]] = {status: set() for status in statuses}
    for operator_id, status in sessions.values_list("operator_id", "status"):
        found[status].add(operator_id)
    return found


def operator_takes_chats(*, operator: Operator) -> bool:
    """The rule of `operators_taking_chats` for one operator. One query."""
    return operator.pk in operators_taking_chats(operator_ids={operator.pk})


def operators_unreachable_since(
    *, operator_ids: list[int] | set[int], now: datetime | None = None
) -> dict[int, datetime]:
    """Signed-in operators among these whom no dashboard answers, each with when they were last
    heard from: the newest answer to a ping of a dashboard of their session's browser, open or
    gone, or their sign-in. One query."""
    newest_answer = (
        DashboardConnection.objects.filter(
            operator=OuterRef("operator"), browser_key=OuterRef("browser_key")
        )
        .order_by("-last_seen")
        .values("last_seen")[:1]
    )
    sessions = (
        LibChatSession.objects.filter(ended_at__isnull=True, operator_id__in=operator_ids)
        .annotate(newest_answer=Subquery(newest_answer))
        .values_list("operator_id", "last_heard_at", "newest_answer")
    )
    cutoff = alive_cutoff(now)
    heard = {operator_id: max(gone, open_ or gone) for operator_id, gone, open_ in sessions}
    return {operator_id: at for operator_id, at in heard.items() if at < cutoff}


def operator_by_id(*, operator_id: int) -> Operator | None:
    return Operator.objects.filter(pk=operator_id).first()


def operators_active(*, operator_ids: Iterable[int]) -> list[Operator]:
    """These accounts, less the deactivated ones."""
    return list(Operator.objects.filter(pk__in=operator_ids, is_active=True))


def active_session(*, operator: Operator) -> LibChatSession | None:
    return LibChatSession.objects.filter(operator=operator, ended_at__isnull=True).first()


def signed_in_members(*, department_id: int) -> list[Operator]:
    """The department's members (monitoring it or not) signed in to LibChat, any status."""
    return list(
        Operator.objects.filter(
            memberships__department_id=department_id,
            libchat_sessions__ended_at__isnull=True,
        ).distinct()
    )


def header_state(*, operator: Operator, browser_key: str) -> HeaderState:
    """What the dashboard header shows; two queries however big the site."""
    session = active_session(operator=operator)
    return HeaderState(
        libchat_online=libchat_online(),
        signed_in=session is not None,
        signed_in_here=session is not None and session.browser_key == browser_key,
        status=session.status if session else Status.OFFLINE,
    )


@dataclass(frozen=True)
class OperatorRow:
    id: int
    name: str
    presence: Presence
    system_name: str = ""  # an operator of a co-op partner's system: that system's name


def operator_directory(
    *, exclude: Operator | None = None, system_id: int | None = None, coop_partners: bool = False
) -> list[OperatorRow]:
    """Every active operator (of one system, given its id) with their presence, in two
    queries. With `coop_partners` (and a system), also the operators of the systems that share
    a co-op with that one, each row naming their system, in the same two queries."""
    fields = ["id", "username", "display_name", "first_name", "last_name", "system_id"]
    operators = Operator.objects.may_chat()
    partners = coop_partners and system_id is not None
    if system_id is not None:
        in_system = Q(system_id=system_id)
        if partners:
            in_system |= Q(system_id__in=coop_partner_system_ids(system_id=system_id))
            operators = operators.select_related("system")
            fields.append("system__name")
        operators = operators.filter(in_system)
    if exclude is not None:
        operators = operators.exclude(pk=exclude.pk)
    operators = list(operators.only(*fields))
    presence = presence_for(operator_ids=[o.pk for o in operators])
    return [
        OperatorRow(
            o.pk,
            o.name,
            presence[o.pk],
            o.system.name if partners and o.system_id != system_id else "",
        )
        for o in operators
    ]


def operator_language(*, operator: Operator | None, accept_language: str) -> str:
    """The language staff pages speak to this operator: the one they chose in Settings, or the
    first shipped language their browser asks for (also before they log in, operator None)."""
    if operator is not None and operator.language != Operator.FOLLOW_BROWSER:
        return operator.language
    return language_from_accept(accept_language)


def operator_text(operator: Operator, make: Callable[[], T]) -> T | InReadersLanguage:
    """A sentence made for one operator's pages alone (a part of a frame to their dashboard),
    in the language they chose in Settings. For one who follows their browser it is made in
    every language, and each of their sockets sends the one of the browser it opened with
    (`libchat.core.live.in_readers_language`): only their sockets know the browser."""
    if operator.language == Operator.FOLLOW_BROWSER:
        return in_readers_language(make)
    with translation.override(operator.language):
        return make()
