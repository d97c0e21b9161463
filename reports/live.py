"""The Reports page's live Now panel: dashboards of operators who may view reports join one
group, and the panel is pushed to it when presence changes and every few seconds (a chat that
waits longer, is claimed or ends), so the page never polls."""

from libchat.core.live import dashboard_groups, live_send
from reports.models import VIEW_REPORTS
from reports.selectors import now_panel

NOW_GROUP = "reports.now"


@dashboard_groups
def now_group(operator) -> list[str]:
    return [NOW_GROUP] if operator.has_perm(VIEW_REPORTS) else []


def now_push() -> None:
    """Send the Now panel to every dashboard in the group (three queries, whoever listens)."""
    live_send(NOW_GROUP, {"event": "reports.now", "now": now_panel()})
