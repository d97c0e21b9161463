"""Reading a list page's filters from its query string (dates, ids, choices), so the address of
a filtered list is its bookmark. A value that cannot be used raises QueryRefused, whose message
says which filter and why; the page shows it with a 400."""

from datetime import date

from django.http import QueryDict
from django.utils.translation import gettext


class QueryRefused(ValueError):
    """A filter that cannot be used; the message says which and why."""


def query_date(query: QueryDict, name: str, default: date | None = None) -> date | None:
    value = query.get(name, "").strip()
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise QueryRefused(
            gettext("%(name)r must be a date such as 2026-09-01, not %(value)r.")
            % {"name": name, "value": value}
        ) from None


def query_id(query: QueryDict, name: str) -> int | None:
    value = query.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) == 0:
        raise QueryRefused(
            gettext("%(name)r must be the id of a %(kind)s, not %(value)r.")
            % {"name": name, "kind": name, "value": value}
        )
    return int(value)


def query_choice(query: QueryDict, name: str, choices: dict[str, str]) -> str:
    """One of `choices` (value: how to say it), or "" when not given."""
    value = query.get(name, "").strip()
    if value and value not in choices:
        allowed = ", ".join(repr(choice) for choice in choices)
        raise QueryRefused(
            gettext("%(name)r must be one of %(allowed)s, not %(value)r.")
            % {"name": name, "allowed": allowed, "value": value}
        )
    return value


def query_range_check(start: date | None, end: date | None) -> None:
    """QueryRefused when a range starts after it ends."""
    if start and end and start > end:
        raise QueryRefused(
            gettext("The range starts after it ends: 'from' must be on or before 'to'.")
        )
