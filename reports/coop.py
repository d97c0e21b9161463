"""The Co-op figure of the Reports page: chats of one library system answered by an operator of
another system of the same co-op, per answering system and home system, with the median wait.
Shown only to readers whom a co-op concerns; one SQL aggregation over the chats' participants."""

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from chats.filters import chat_scope_q
from chats.models import ChatParticipant
from reports.filters import ReportFilters
from reports.sql import Percentile, Seconds
from systems.models import Coop, CoopMembership

FIGURE = {
    "id": "coop",
    "title": _("Co-op"),
    "question": _(
        "How many chats of each library did the other libraries of its co-op answer, and how "
        "long did those patrons wait? (a chat answered by two other libraries counts for both)"
    ),
    "chart": True,
}


def coops_for(*, user, several: bool) -> list[dict]:
    """The co-ops the reader reports on: for a superuser every co-op, for anyone else the co-ops
    of their own system; none at all on a server of one system (`several` is what the caller
    already knows of that, so a single library pays no query)."""
    if not several:
        return []
    coops = Coop.objects.all()
    if not user.is_superuser:
        coops = coops.filter(memberships__system_id=user.system_id)
    return list(coops.order_by("name").values("pk", "name"))


def _shared_coop(filters: ReportFilters) -> Exists:
    """Whether the chat's home system and the participant's system belong to one co-op (the
    filters' co-op, when one is chosen)."""
    memberships = CoopMembership.objects.filter(
        system_id=OuterRef("chat__widget__system_id"),
        coop__memberships__system_id=OuterRef("operator__system_id"),
    )
    if filters.coop_id:
        memberships = memberships.filter(coop_id=filters.coop_id)
    return Exists(memberships)


def coop_answers(filters: ReportFilters) -> dict:
    """Per answering system and home system: the chats of the home system's widgets, started in
    the range, in which an operator of the answering system wrote to the patron (a chat
    transferred across systems counts for every system whose operator wrote in it), and the
    median wait from the patron's question until that system's first such operator took the
    chat. Within `filters.system_id` (a reader's own system), only the pairs it is part of."""
    q = Q(
        chat__created_at__gte=filters.since,
        chat__created_at__lt=filters.until,
        first_message_at__isnull=False,
    ) & chat_scope_q(
        widget_id=filters.widget_id,
        department_id=filters.department_id,
        operator_id=filters.operator_id,
        tag_id=filters.tag_id,
        prefix="chat__",
    )
    if filters.system_id:
        q &= Q(chat__widget__system_id=filters.system_id) | Q(operator__system_id=filters.system_id)
    # One row per chat and answering system: its first operator who wrote (a second operator of
    # the same system neither counts the chat again nor adds a wait).
    earlier_colleague = ChatParticipant.objects.filter(
        Q(joined_at__lt=OuterRef("joined_at"))
        | Q(joined_at=OuterRef("joined_at"), pk__lt=OuterRef("pk")),
        chat_id=OuterRef("chat_id"),
        operator__system_id=OuterRef("operator__system_id"),
        first_message_at__isnull=False,
    )
    rows = (
        ChatParticipant.objects.filter(q)
        .exclude(operator__system_id=F("chat__widget__system_id"))
        .filter(_shared_coop(filters))
        .exclude(Exists(earlier_colleague))
        .order_by()
        .values("operator__system_id", "chat__widget__system_id")
        .annotate(
            answering=F("operator__system__name"),
            home=F("chat__widget__system__name"),
            chats=Count("pk"),
            wait_median=Percentile(Seconds("joined_at", "chat__created_at"), 0.5),
        )
        .order_by("answering", "home")
    )
    return {
        "rows": [
            {
                "answering_system_id": row["operator__system_id"],
                "answering": row["answering"],
                "home_system_id": row["chat__widget__system_id"],
                "home": row["home"],
                "chats": row["chats"],
                "wait_median": None if row["wait_median"] is None else round(row["wait_median"], 1),
            }
            for row in rows
        ]
    }
