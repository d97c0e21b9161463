"""`{{ status|status_label }}` (load presence): an operator status in the page's words."""

from django import template

from accounts.models import Status

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    return Status(status).label if status in Status.values else status
