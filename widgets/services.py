"""Every write to widgets and their fallbacks, the cached public state, and pushes to open widgets.

A write commits first; the status of the widgets it can affect is then recomputed, cached and,
when it flips, pushed to the widget pages that are open (`transaction.on_commit`).
"""

import contextlib
import logging
from collections.abc import Iterable
from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import Operator
from departments.models import Department
from libchat.core.live import live_send
from widgets import selectors
from widgets.models import (
    Widget,
    WidgetFallback,
    WidgetOnlineInterval,
    fallbacks_validate,
    widget_hash_new,
)

logger = logging.getLogger(__name__)

# How long the last pushed frame is remembered; when forgotten, the next refresh pushes again.
PUSHED_SECONDS = 24 * 3600


def widget_group(widget_id: int) -> str:
    return f"widget.{widget_id}"


def widget_status_refresh(*, widget_ids: Iterable[int] | None = None) -> list[int]:
    """Recompute and cache the public state of these widgets (None: every active widget), and
    the alias of each one's LibChat widget id.

    Pushes `{"event": "widget.status", "online": ...}` (with `away` and `opens_at` when set) to
    the open pages of each widget whose status differs from the one pushed last (or none was).
    The beat runs it every minute, which is how an hour that opens or closes a widget reaches
    the pages already open. Returns the ids pushed. Call it after commit.
    """
    if widget_ids is None:
        widget_ids = Widget.objects.filter(active=True).values_list("pk", flat=True)
    widget_ids = set(widget_ids)
    if not widget_ids:
        return []
    # One refresh at a time, site-wide: two that overlap (a dashboard connecting, a Sign In)
    # could each read the database, then the older reading could land last in the cache and
    # push "offline" after "online". Inside the lock each reads what committed before it.
    # (A refresh takes milliseconds; after 5 s of waiting it goes ahead rather than fail.)
    lock = cache._cache.get_client(write=True).lock(
        f"{cache.key_prefix}:widget-status-refresh", timeout=10, blocking_timeout=5
    )
    locked = lock.acquire()
    try:
        return _widget_status_refresh(widget_ids)
    finally:
        if locked:
            with contextlib.suppress(Exception):  # expired meanwhile: someone else's now
                lock.release()


def _widget_status_refresh(widget_ids: set[int]) -> list[int]:
    # Each id is also a status URL's id, which a LibChat widget id would win: the answer for it
    # is cached too, so the status API keeps costing no query for widgets without LibChat ids.
    states = selectors.widget_public_states(widget_ids=widget_ids, libchat_ids=widget_ids)
    cache.set_many(
        selectors.state_cache_entries(states=states, libchat_ids=widget_ids),
        timeout=selectors.state_cache_seconds(),
    )
    for pk, state in states.items():
        if state is not None and state.changes_at is not None:
            # Gone at the hour its opening hours change the answer: the next read recomputes.
            cache.touch(selectors.state_cache_key(pk), selectors.state_cache_seconds(state=state))
    # Compared with what was pushed last rather than with what was cached: a read after the
    # hour may have cached the new state already, and the open pages still need to hear it.
    keys = {pk: selectors.pushed_cache_key(pk) for pk in states}
    before = cache.get_many(list(keys.values()))
    frames = {
        pk: (state or selectors.WidgetPublicState(online=False, origins=())).as_event()
        for pk, state in states.items()
    }
    pushed = [pk for pk in sorted(states) if before.get(keys[pk]) != frames[pk]]
    for pk in pushed:
        live_send(widget_group(pk), frames[pk])
    if pushed:
        cache.set_many({keys[pk]: frames[pk] for pk in pushed}, timeout=PUSHED_SECONDS)
    _online_record({pk: bool(state and state.online) for pk, state in states.items()})
    return pushed


def _online_record(online: dict[int, bool]) -> None:
    """Keep the record of hours online: open an interval for each widget online without one,
    close the open one of each widget offline. One query when nothing flipped, three at most."""
    at = timezone.now()
    open_ids = set(
        WidgetOnlineInterval.objects.filter(
            widget_id__in=online, ended_at__isnull=True
        ).values_list("widget_id", flat=True)
    )
    closing = [pk for pk, is_online in online.items() if not is_online and pk in open_ids]
    opening = [pk for pk, is_online in online.items() if is_online and pk not in open_ids]
    if closing:
        # Never before its start, should another process's clock be a little ahead.
        WidgetOnlineInterval.objects.filter(widget_id__in=closing, ended_at__isnull=True).update(
            ended_at=Greatest("started_at", Value(at))
        )
    if opening:
        # A refresh that waited out the lock may race another: the open-one constraint decides.
        WidgetOnlineInterval.objects.bulk_create(
            [WidgetOnlineInterval(widget_id=pk, started_at=at) for pk in opening],
            ignore_conflicts=True,
        )


def widget_status_refresh_for(
    *,
    widget_ids: Iterable[int] = (),
    operator_ids: Iterable[int] = (),
    department_ids: Iterable[int] = (),
) -> list[int]:
    """Refresh the given widgets and every widget these operators or departments monitor."""
    affected = set(widget_ids) | set(
        selectors.widget_ids_monitored_by(operator_ids=operator_ids, department_ids=department_ids)
    )
    return widget_status_refresh(widget_ids=affected)


def _refresh_quietly(**targets) -> None:
    # The change itself has committed; a cache or channel layer hiccup must not turn it into an
    # error for the person who made it. The beat refresh repairs the status within a minute.
    try:
        widget_status_refresh_for(**targets)
    except Exception:
        logger.exception("widget status refresh failed for %r", targets)


def widget_status_refresh_on_commit(
    *,
    widget_ids: Iterable[int] = (),
    operator_ids: Iterable[int] = (),
    department_ids: Iterable[int] = (),
) -> None:
    transaction.on_commit(
        partial(
            _refresh_quietly,
            widget_ids=set(widget_ids),
            operator_ids=set(operator_ids),
            department_ids=set(department_ids),
        )
    )


def widget_status_refresh_now(*, operator_ids: Iterable[int]) -> None:
    """For receivers of changes that have committed already (presence)."""
    _refresh_quietly(operator_ids=set(operator_ids))


Monitor = Operator | Department


def _choice(monitor: Monitor | None) -> tuple[int | None, int | None]:
    if monitor is None:
        return None, None
    if isinstance(monitor, Operator):
        return monitor.pk, None
    if isinstance(monitor, Department):
        return None, monitor.pk
    raise TypeError(f"{monitor!r} is neither an operator nor a department")


@transaction.atomic
def widget_fallbacks_set(*, widget: Widget, fallbacks: list[Monitor]) -> list[WidgetFallback]:
    """Replace the widget's fallbacks by these operators or departments, tried in this order."""
    choices = [_choice(monitor) for monitor in fallbacks]
    fallbacks_validate(first_choice=widget.first_choice, choices=choices)
    WidgetFallback.objects.filter(widget=widget).delete()
    created = []
    for position, (operator_id, department_id) in enumerate(choices, start=1):
        fallback = WidgetFallback(
            widget=widget, position=position, operator_id=operator_id, department_id=department_id
        )
        fallback.save()
        created.append(fallback)
    return created  # widgets.receivers refreshes the status after commit


@transaction.atomic
def widget_create(
    *,
    name: str,
    allowed_origins: list[str],
    first_choice: Monitor | None,
    fallbacks: list[Monitor] = (),
    **options,
) -> Widget:
    """Create a widget monitored first by an operator or a department, then by the fallbacks.

    `options` are other Widget fields (kind, title, texts, colours, pre-chat questions...).
    Raises ValidationError, and changes nothing, on bad input.
    """
    operator_id, department_id = _choice(first_choice)
    widget = Widget(
        name=name,
        allowed_origins="\n".join(allowed_origins),
        first_operator_id=operator_id,
        first_department_id=department_id,
        **options,
    )
    widget.full_clean()
    widget.save()
    widget_fallbacks_set(widget=widget, fallbacks=list(fallbacks))
    return widget


def widget_hash_regenerate(*, widget: Widget) -> Widget:
    """Give the widget a new hash of ours. Pages still using the old one in load_chat.php or
    chati.php then get a 404, so an admin can retire a hash copied where it should not be; the
    LibChat hash, if set, keeps working until the admin clears it."""
    widget.hash = widget_hash_new()
    widget.save(update_fields=["hash", "updated_at"])
    return widget
