"""The Reports page's live Now panel: dashboards of operators who may view reports join one
group, and the panel is pushed to it when presence changes and every few seconds (a chat that
waits longer, is claimed or ends), so the page never polls. On a server of several library
systems, a reader who is not a superuser joins their system's group and hears its desk only."""

from libchat.core.live import dashboard_groups, live_send
from reports.models import VIEW_REPORTS
from reports.selectors import now_panel
from systems.models import System
from systems.selectors import several_systems

NOW_GROUP = "reports.now"


def system_now_group(system_id: int) -> str:
    return f"{NOW_GROUP}.system.{system_id}"


@dashboard_groups
def now_group(operator) -> list[str]:
    if not operator.has_perm(VIEW_REPORTS):
        return []
    if operator.is_superuser or not several_systems():
        return [NOW_GROUP]
    return [system_now_group(operator.system_id)]


def now_push() -> None:
    """Send the Now panel to every dashboard in the group (three queries, whoever listens), and
    with several systems each system's own panel to its group (three queries a system)."""
    live_send(NOW_GROUP, {"event": "reports.now", "now": now_panel()})
    system_ids = list(System.objects.values_list("pk", flat=True))
    if len(system_ids) > 1:
        for system_id in system_ids:
            frame = {"event": "reports.now", "now": now_panel(system_id=system_id)}
            live_send(system_now_group(system_id), frame)
