"""Reads of canned replies: which ones an operator is offered, their own to manage, and the one
rule for filling a reply's variables."""

import html
import re
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from canned.models import CannedReply
from chats.selectors import chat_for_operator
from departments.selectors import member_department_ids_subquery
from libchat.core.models import SiteSettings
from libchat.core.richtext import body_sanitise


@dataclass(frozen=True)
class FillValues:
    """What a reply's variables say where it is inserted; None when unknown there (an internal
    chat has no patron, a patron may give no name)."""

    patron_name: str | None = None
    operator_name: str | None = None
    widget_title: str | None = None
    library_name: str | None = None
    language: str | None = None  # the patron's (the chat's), for the neutral words


# A missing value leaves a neutral word, so a reply reads well wherever it is inserted.
NEUTRAL = FillValues(
    patron_name=_("there"),
    operator_name=_("your librarian"),
    widget_title=_("our chat"),
    library_name=_("the library"),
)
VARIABLE = re.compile(r"\{(patron_name|operator_name|widget_title|library_name)\}")


def fill_values(*, operator, chat_id: int | None = None) -> FillValues:
    """What the variables say for this operator, in this patron chat (or none: internal chat).
    A chat they may not answer raises ChatAccessDenied, as for every other read of it."""
    chat = chat_for_operator(operator=operator, chat_id=chat_id) if chat_id is not None else None
    return FillValues(
        patron_name=chat.name if chat else None,
        operator_name=operator.name,
        widget_title=chat.widget.title if chat else None,
        library_name=SiteSettings.load().library_name,
        language=chat.language if chat else None,
    )


def canned_reply_fill(*, body: str, values: FillValues) -> str:
    """The body with each {variable} replaced by its value, or by the neutral word (in the
    patron's language) when the value is missing or blank; then sanitised again as a message
    is. A value is the patron's own words: quotes are escaped too, since a variable may sit in
    an attribute (a link's address), and the sanitiser drops an address it turns unsafe."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        given = (getattr(values, name) or "").strip()
        return html.escape(given or str(getattr(NEUTRAL, name)))

    with translation.override(values.language or translation.get_language()):
        return body_sanitise(VARIABLE.sub(value, body))


def _offered_to(operator: AbstractBaseUser) -> Q:
    """The operator's own replies, those shared with everyone of their system, and those of
    the active departments they belong to (a member who monitors it or not)."""
    return (
        Q(owner=operator)
        | Q(owner__isnull=True, department__isnull=True, system_id=operator.system_id)
        | Q(department__in=member_department_ids_subquery(operator=operator))
    )


def canned_replies_for(*, operator: AbstractBaseUser, values: FillValues) -> list[dict]:
    """Every reply this operator is offered, filled with `values`, in one query: personal ones
    first, then their departments', then everyone's, each by title."""
    replies = (
        CannedReply.objects.filter(_offered_to(operator))
        .select_related("department")
        .annotate(
            scope_order=Case(
                When(owner__isnull=False, then=Value(0)),
                When(department__isnull=False, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("scope_order", "title", "pk")
    )
    return [
        {
            "id": reply.pk,
            "title": reply.title,
            "shortcut": reply.shortcut,
            "scope": reply.scope_label,
            "body": canned_reply_fill(body=reply.body, values=values),
        }
        for reply in replies
    ]


def personal_replies(*, operator: AbstractBaseUser) -> list[CannedReply]:
    return list(CannedReply.objects.filter(owner=operator).order_by("title", "pk"))


def personal_reply_for(*, operator: AbstractBaseUser, reply_id: int) -> CannedReply | None:
    """The operator's own reply, or None (another's, a shared one or no such id alike)."""
    return CannedReply.objects.filter(owner=operator, pk=reply_id).first()
