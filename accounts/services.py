"""Every write to LibChat sessions, status, dashboard connections and operator preferences.

Writes commit first; announcements to dashboards go out in `transaction.on_commit`.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext

from accounts import selectors
from accounts.models import (
    DashboardConnection,
    LibChatSession,
    Operator,
    Status,
    StatusInterval,
)
from accounts.signals import presence_changed
from libchat.core.live import InReadersLanguage, in_each_language, live_send, operator_group
from libchat.core.refusals import Refusal

DASHBOARD_GROUP = "dashboard"
SETTABLE_STATUSES = {Status.ONLINE, Status.INTERNAL, Status.AWAY}


class SignedInElsewhere(Exception):
    """The operator holds a LibChat session in another browser."""

    def __init__(self, session: LibChatSession):
        super().__init__("You are signed in at another location.")
        self.session = session


class StatusRefused(Refusal):
    """A status outside Online, Internal and Away."""


class NotSignedIn(Refusal):
    """A status change was asked for by an operator who is not signed in to LibChat."""

    def __init__(self):
        super().__init__("not_signed_in", "Sign in to LibChat first.")


class NotSignedInHere(Refusal):
    """A status change came from a browser that does not hold the operator's LibChat session."""

    def __init__(self):
        super().__init__(
            "signed_in_elsewhere",
            "You are signed in at another location: sign in here to change your status.",
        )


def browser_group(browser_key: str) -> str:
    return f"browser.{browser_key}"


def _group_send(group: str, message: dict) -> None:
    async_to_sync(get_channel_layer().group_send)(group, message)


def presence_announce(*, operator_ids: set[int]) -> None:
    """Tell every dashboard the new presence of these operators (call after commit)."""
    presence = selectors.presence_for(operator_ids=operator_ids)
    _group_send(
        DASHBOARD_GROUP,
        {
            "type": "presence.changed",
            "libchat_online": selectors.libchat_online(),
            "operators": [p.as_event() for p in presence.values()],
            # Each dashboard tells its own operator whether the session is in its browser.
            "session_browsers": {str(p.operator_id): p.browser_key for p in presence.values()},
        },
    )
    presence_changed.send(sender=LibChatSession, operator_ids=set(operator_ids))


def _announce_on_commit(operator_ids: set[int]) -> None:
    transaction.on_commit(partial(presence_announce, operator_ids=set(operator_ids)))


def _check_can_chat(operator: Operator) -> None:
    if not operator.is_active:
        raise PermissionDenied(gettext("This account is inactive."))
    if not operator.is_operator:
        raise PermissionDenied(gettext("This account is not a LibChat operator. Ask an admin."))


def status_interval_switch(*, operator_id: int, status: str | None, at: datetime) -> None:
    """The one place the status record changes: close the operator's open interval at `at` and,
    unless `status` is None (signed out), open one with the new status. Called inside the
    transaction of the sign-in, status change or sign-out it records, so the record and the
    session never disagree."""
    StatusInterval.objects.filter(operator_id=operator_id, ended_at__isnull=True).update(
        ended_at=at
    )
    if status is not None:
        StatusInterval.objects.create(operator_id=operator_id, status=status, started_at=at)


def _session_end(
    session: LibChatSession, *, reason: str, message: str | InReadersLanguage = ""
) -> None:
    """`message`, when given, is what the session's pages say instead of the reason's words
    (`operator_text`'s: each page takes its language's)."""
    session.ended_at = timezone.now()
    session.end_reason = reason
    session.save(update_fields=["ended_at", "end_reason"])
    status_interval_switch(operator_id=session.operator_id, status=None, at=session.ended_at)
    if reason != LibChatSession.EndReason.SIGNED_OUT:
        transaction.on_commit(
            partial(
                _group_send,
                browser_group(session.browser_key),
                {
                    "type": "session.ended",
                    "reason": reason,
                    "messages": in_each_language(message),
                    "operator_id": session.operator_id,
                },
            )
        )


def libchat_sign_in(
    *, operator: Operator, browser_key: str, end_other: bool = False
) -> LibChatSession:
    """Sign the operator in to LibChat from this browser, status Online.

    Signing in again from the same browser keeps the session. A session held by another browser
    raises SignedInElsewhere unless end_other is set, which ends it and tells its sockets.
    """
    _check_can_chat(operator)
    try:
        with transaction.atomic():
            Operator.objects.select_for_update().filter(pk=operator.pk).exists()
            current = selectors.active_session(operator=operator)
            if current is not None and current.browser_key == browser_key:
                return current
            if current is not None:
                if not end_other:
                    raise SignedInElsewhere(current)
                _session_end(current, reason=LibChatSession.EndReason.REPLACED)
            session = LibChatSession.objects.create(
                operator=operator, browser_key=browser_key, status=Status.ONLINE
            )
            status_interval_switch(
                operator_id=operator.pk, status=Status.ONLINE, at=session.started_at
            )
            _announce_on_commit({operator.pk})
    except IntegrityError as exc:  # a simultaneous sign-in from another browser won the race
        current = selectors.active_session(operator=operator)
        if current is None:
            raise
        raise SignedInElsewhere(current) from exc
    return session


def libchat_sign_out(
    *,
    operator: Operator,
    reason: str = LibChatSession.EndReason.SIGNED_OUT,
    message: str | InReadersLanguage = "",
) -> bool:
    """End the operator's LibChat session, if any. Returns whether one was ended. `message` is
    what their pages show instead of the reason's usual words."""
    with transaction.atomic():
        session = (
            LibChatSession.objects.select_for_update()
            .filter(operator=operator, ended_at__isnull=True)
            .first()
        )
        if session is None:
            return False
        _session_end(session, reason=reason, message=message)
        _announce_on_commit({operator.pk})
    return True


def scheduled_sign_off_text(operator: Operator, desk: str) -> str:
    """What the pages of an operator signed out by a desk's scheduled sign-off say, in their
    language; `desk` names the department and the time ("Reference, 21:00")."""
    return selectors.operator_text(
        operator,
        lambda: (
            gettext("You were signed out of LibChat at the desk's closing time (%(desk)s).")
            % {"desk": desk}
        ),
    )


def _after_chats_text(operator: Operator) -> str:
    return selectors.operator_text(
        operator,
        lambda: gettext("The desk closes: you will be signed out when your last chat ends."),
    )


def libchat_sign_out_scheduled(*, operator: Operator, desk: str, holds_chats: bool) -> bool:
    """A desk's scheduled sign-off reached this operator (`departments.models.SignOffTime`):
    sign them out now, or, while they hold patron chats, mark their session to be signed out
    when the last one ends (`libchat_sign_out_after_chats`) and tell their dashboards so.
    Returns whether they were signed out now. A session already marked keeps its first desk."""
    if not holds_chats:
        return libchat_sign_out(
            operator=operator,
            reason=LibChatSession.EndReason.SCHEDULED,
            message=scheduled_sign_off_text(operator, desk),
        )
    marked = LibChatSession.objects.filter(
        operator=operator, ended_at__isnull=True, sign_out_after_chats=""
    ).update(sign_out_after_chats=desk[:150])
    if marked:
        transaction.on_commit(
            partial(
                live_send,
                operator_group(operator.pk),
                {"event": "session.sign_off", "message": _after_chats_text(operator)},
            )
        )
    return False


def libchat_sign_out_after_chats(*, operator_id: int, holds_chats: Callable[[int], bool]) -> bool:
    """Sign out the operator whose session a scheduled sign-off marked, now that they may hold
    no chat any more; `holds_chats(operator_id)` says whether they still do (patron chats are a
    higher app's, which calls this after each chat leaves its holder). The session is locked
    first, so of two chats ending at once the second finds it ended. Returns whether it ended."""
    with transaction.atomic():
        session = (
            LibChatSession.objects.select_for_update()
            .filter(operator_id=operator_id, ended_at__isnull=True)
            .exclude(sign_out_after_chats="")
            .first()
        )
        if session is None or holds_chats(operator_id):
            return False
        _session_end(
            session,
            reason=LibChatSession.EndReason.SCHEDULED,
            message=scheduled_sign_off_text(session.operator, session.sign_out_after_chats),
        )
        _announce_on_commit({operator_id})
    return True


def operator_status_set(
    *, operator: Operator, status: str, browser_key: str | None = None
) -> LibChatSession:
    """Set Online, Internal or Away. Signing out is libchat_sign_out.

    A request from a browser (browser_key given) must come from the one holding the session;
    None is for callers acting for the operator from outside a browser (admin, shell, tests).
    """
    if status not in SETTABLE_STATUSES:
        raise StatusRefused(
            "invalid_status",
            gettext("Unknown status %(status)r: choose online, internal or away.")
            % {"status": status},
        )
    with transaction.atomic():
        session = (
            LibChatSession.objects.select_for_update()
            .filter(operator=operator, ended_at__isnull=True)
            .first()
        )
        if session is None:
            raise NotSignedIn()
        if browser_key is not None and session.browser_key != browser_key:
            raise NotSignedInHere()
        if session.status != status:
            session.status = status
            session.status_changed_at = timezone.now()
            session.save(update_fields=["status", "status_changed_at"])
            status_interval_switch(
                operator_id=operator.pk, status=status, at=session.status_changed_at
            )
            _announce_on_commit({operator.pk})
    return session


def operator_preferences_update(
    *,
    operator: Operator,
    notify_desktop: bool,
    notify_sound: bool,
    show_internal_tab: bool,
    language: str,
    monitors_coop: bool | None = None,
) -> Operator:
    """The operator's own settings (the Settings tab); `language` is one of
    `operator_language_choices()`, which the view checks before anything is written;
    `monitors_coop` None keeps the co-op queue toggle as it is (no co-op to monitor)."""
    operator.notify_desktop = notify_desktop
    operator.notify_sound = notify_sound
    operator.show_internal_tab = show_internal_tab
    operator.language = language
    fields = ["notify_desktop", "notify_sound", "show_internal_tab", "language"]
    if monitors_coop is not None:
        operator.monitors_coop = monitors_coop
        fields.append("monitors_coop")
    operator.save(update_fields=fields)
    return operator


def _reachable(operator_ids: set[int]) -> set[int]:
    return selectors.reachable_operator_ids(operator_ids=operator_ids)


def connection_open(*, operator: Operator, channel_name: str, browser_key: str) -> None:
    """Record a new dashboard socket; announce if it made the operator reachable."""
    with transaction.atomic():
        was = _reachable({operator.pk})
        DashboardConnection.objects.update_or_create(
            channel_name=channel_name,
            defaults={
                "operator": operator,
                "browser_key": browser_key,
                "last_seen": timezone.now(),
            },
        )
        if _reachable({operator.pk}) != was:
            _announce_on_commit({operator.pk})


def connections_heartbeat(*, pongs: dict[str, tuple[Operator, str]]) -> set[str]:
    """These sockets' pages answered a ping: {channel name: (operator, browser key)}. Two
    queries however many. Returns the channel names that have no record (the expiry job removed
    them meanwhile); the caller records again those whose socket is still open."""
    if not pongs:
        return set()
    connections = DashboardConnection.objects.filter(channel_name__in=list(pongs))
    connections.update(last_seen=timezone.now())
    return pongs.keys() - set(connections.values_list("channel_name", flat=True))


def _sessions_remember_answers(connections: list[DashboardConnection]) -> None:
    """A session outlives its dashboard sockets: before their records go, it keeps their last
    answer, so the watchdog counts an operator's silence from it (chats.services.watchdog)."""
    newest: dict[tuple[int, str], datetime] = {}
    for connection in connections:
        key = (connection.operator_id, connection.browser_key)
        newest[key] = max(newest.get(key, connection.last_seen), connection.last_seen)
    for (operator_id, browser_key), last_seen in newest.items():
        LibChatSession.objects.filter(
            operator_id=operator_id,
            browser_key=browser_key,
            ended_at__isnull=True,
            last_heard_at__lt=last_seen,
        ).update(last_heard_at=last_seen)


def connection_close(*, channel_name: str, now: datetime | None = None) -> bool:
    """A dashboard socket closed. When it was the last of a reachable operator's, its record
    stays for LIBCHAT_RECONNECT_GRACE_SECONDS (its last answer moved back so that it expires
    then) and this returns True: the caller runs `connections_expire` once the grace is over.
    A page that reloads connects again meanwhile and nobody sees the operator leave."""
    now = now or timezone.now()
    grace = settings.LIBCHAT_RECONNECT_GRACE_SECONDS
    with transaction.atomic():
        connection = DashboardConnection.objects.filter(channel_name=channel_name).first()
        if connection is None:
            return False
        operator_id = connection.operator_id
        was = _reachable({operator_id})
        _sessions_remember_answers([connection])
        # Would the operator still be reachable without it? The one rule (selectors) answers on
        # the row deleted in a savepoint; kept for the grace, the deletion is rolled back.
        kept, pk = transaction.savepoint(), connection.pk  # delete() clears the instance's pk
        connection.delete()
        left = _reachable({operator_id}) != was
        if left and grace > 0:
            transaction.savepoint_rollback(kept)
            expires = now - timedelta(seconds=settings.LIBCHAT_ALIVE_SECONDS - grace)
            DashboardConnection.objects.filter(pk=pk).update(
                last_seen=Least("last_seen", Value(expires))
            )
            return True
        transaction.savepoint_commit(kept)
        if left:
            _announce_on_commit({operator_id})
        return False


def connections_expire(*, now: datetime | None = None) -> int:
    """Remove connections whose page stopped answering and announce their operators.

    Reachability is computed at read time, so these operators already count as unreachable;
    this job makes the change heard. Returns how many connections were removed. Their sockets,
    if still open in some daphne process, are told to close.
    """
    cutoff = selectors.alive_cutoff(now)
    with transaction.atomic():
        stale = list(DashboardConnection.objects.select_for_update().filter(last_seen__lt=cutoff))
        if not stale:
            return 0
        _sessions_remember_answers(stale)
        DashboardConnection.objects.filter(pk__in=[c.pk for c in stale]).delete()
        for connection in stale:
            transaction.on_commit(
                partial(
                    async_to_sync(get_channel_layer().send),
                    connection.channel_name,
                    {"type": "connection.expired"},
                )
            )
        _announce_on_commit({c.operator_id for c in stale})
    return len(stale)
