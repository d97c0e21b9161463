"""Which chats a list or a report is about: the narrowing both Transcripts and Reports apply
(widget, department, an operator who took part, a tag), and the Transcripts page's filters read
from its query string, so a filtered list is a bookmark and its CSV export the same chats."""

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chats.models import ChatParticipant, PatronChat
from libchat.core.queries import query_choice, query_date, query_id, query_range_check


def chat_scope_q(
    *,
    widget_id: int | None = None,
    department_id: int | None = None,
    operator_id: int | None = None,
    tag_id: int | None = None,
    prefix: str = "",
) -> Q:
    """Chats (reached through `prefix`, e.g. "chat__") of the widget; of the department (the one
    it was transferred to, else its widget's first choice); that the operator took part in;
    tagged with the tag. Each left out when None."""
    p = prefix
    q = Q()
    if widget_id:
        q &= Q(**{f"{p}widget_id": widget_id})
    if department_id:
        q &= Q(**{f"{p}department_id": department_id}) | Q(
            **{f"{p}department__isnull": True, f"{p}widget__first_department_id": department_id}
        )
    chat = OuterRef(f"{p}pk" if p else "pk")
    if operator_id:
        q &= Q(Exists(ChatParticipant.objects.filter(chat_id=chat, operator_id=operator_id)))
    if tag_id:
        tagged = PatronChat.tags.through.objects.filter(patronchat_id=chat, chattag_id=tag_id)
        q &= Q(Exists(tagged))
    return q


# Each filter's values and how the page says them (in the operator's language when shown).
RATINGS = {"1": "1", "2": "2", "3": "3", "4": "4", "5": "5", "none": _("No rating")}
COMMENTS = {"yes": _("With a comment"), "no": _("Without a comment")}
OUTCOMES = {"answered": _("Answered"), "missed": _("Missed (never answered)")}


@dataclass(frozen=True)
class TranscriptFilters:
    """What the Transcripts list is narrowed to; every field empty means every ended chat."""

    query: str = ""
    start: date | None = None  # the day the chat started, in the library's time zone
    end: date | None = None  # inclusive
    widget_id: int | None = None
    department_id: int | None = None
    operator_id: int | None = None
    tag_id: int | None = None
    rating: str = ""  # "1"–"5" or "none"
    comment: str = ""  # "yes" or "no"
    outcome: str = ""  # "answered" or "missed"

    @property
    def narrowed(self) -> bool:
        """Searched or filtered."""
        return any(getattr(self, field.name) for field in fields(self))

    @property
    def filtered(self) -> bool:
        """Narrowed by more than the search words."""
        return any(getattr(self, field.name) for field in fields(self) if field.name != "query")

    def q(self) -> Q:
        """The condition on chats, all but the search words (see `transcripts_for`)."""
        q = chat_scope_q(
            widget_id=self.widget_id,
            department_id=self.department_id,
            operator_id=self.operator_id,
            tag_id=self.tag_id,
        )
        if self.start:
            q &= Q(created_at__gte=_day_start(self.start))
        if self.end:
            q &= Q(created_at__lt=_day_start(self.end + timedelta(days=1)))
        if self.rating == "none":
            q &= Q(rating__isnull=True)
        elif self.rating:
            q &= Q(rating=int(self.rating))
        if self.comment:
            q &= ~Q(comment="") if self.comment == "yes" else Q(comment="")
        if self.outcome:
            q &= Q(first_response_at__isnull=self.outcome == "missed")
        return q


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def transcript_filters_parse(query: QueryDict) -> TranscriptFilters:
    """The filters of a request, or QueryRefused saying which one cannot be used."""
    start, end = query_date(query, "from"), query_date(query, "to")
    query_range_check(start, end)
    return TranscriptFilters(
        query=query.get("q", "").strip(),
        start=start,
        end=end,
        widget_id=query_id(query, "widget"),
        department_id=query_id(query, "department"),
        operator_id=query_id(query, "operator"),
        tag_id=query_id(query, "tag"),
        rating=query_choice(query, "rating", RATINGS),
        comment=query_choice(query, "comment", COMMENTS),
        outcome=query_choice(query, "outcome", OUTCOMES),
    )
