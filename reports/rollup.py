"""The daily roll-up's arithmetic: the chats and tickets of a span of local days turned into
`ReportDay` rows (the beat job stores them; the page builds the still-live days the same way at
read time), and rows summed back into tallies from which the figures are read. Percentiles come
from fixed-bin histograms: exact to a second under two minutes, to 5 s up to ten minutes, to
30 s up to an hour, to 5 min up to four hours; beyond, "four hours or more"."""

import calendar
import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.db.models import Q
from django.utils import timezone

from chats.models import ChatEvent, ChatParticipant, OfflineTicket, PatronChat

TRANSFER_KINDS = [ChatEvent.Kind.TRANSFERRED, ChatEvent.Kind.TO_DEPARTMENT]
WITHIN_SECONDS = (60, 120, 300)

BIN_LOWS: tuple[int, ...] = (
    *range(0, 120),
    *range(120, 600, 5),
    *range(600, 3600, 30),
    *range(3600, 4 * 3600, 300),
    4 * 3600,
)


BIN_KEYS = {edge: str(edge) for edge in BIN_LOWS}


def month_days(first: date) -> list[date]:
    """The days of the calendar month that starts on `first`."""
    length = calendar.monthrange(first.year, first.month)[1]
    return [first + timedelta(days=n) for n in range(length)]


def week_days(monday: date) -> list[date]:
    return [monday + timedelta(days=n) for n in range(7)]


def bin_of(seconds: float) -> int:
    """The lower edge of the bin the seconds fall in (a negative time, a clock skew, is 0)."""
    return BIN_LOWS[max(0, bisect_right(BIN_LOWS, seconds) - 1)]


def hist_percentiles(hist: dict, *fractions: float) -> list[float | None]:
    """PERCENTILE_CONT's definition at each fraction over the histogram ({"edge": count}), each
    value taken as its bin's lower edge: within a bin's width of the exact figure."""
    n = sum(hist.values())
    if not n:
        return [None] * len(fractions)
    ordered = sorted((int(edge), count) for edge, count in hist.items())
    found = []
    for fraction in fractions:
        position = fraction * (n - 1)
        low_rank, high_rank = math.floor(position), math.ceil(position)
        low = high = None
        seen = 0
        for edge, count in ordered:
            seen += count
            if low is None and seen > low_rank:
                low = edge
            if seen > high_rank:
                high = edge
                break
        found.append(low + (high - low) * (position - low_rank))
    return found


def hist_percentile(hist: dict, fraction: float) -> float | None:
    return hist_percentiles(hist, fraction)[0]


def _hist_add(into: dict, hist: dict) -> None:
    """Add a histogram into another. Bins are keyed by their lower edge as a string, as JSON
    keeps them, so rows read from the database are summed without converting a key."""
    get = into.get
    for edge, count in hist.items():
        into[edge] = get(edge, 0) + count


COUNTS = (
    "chats",
    "answered",
    "missed",
    "in_progress",
    "tickets",
    "untagged",
    "transfers",
    "within_60",
    "within_120",
    "within_300",
    "rating_1",
    "rating_2",
    "rating_3",
    "rating_4",
    "rating_5",
    "operator_answered",
    "transfers_made",
    "transfers_received",
)
HISTOGRAMS = ("wait", "first_response", "handling", "operator_wait")
KEYS = ("day", "widget_id", "department_id", "operator_id", "tag_id", "system_id")


@dataclass
class Tally:
    """A `ReportDay` row, or the sum of several (its key fields then say what they share)."""

    day: date | None = None
    widget_id: int | None = None
    department_id: int | None = None
    operator_id: int | None = None
    tag_id: int | None = None
    system_id: int | None = None
    chats: int = 0
    answered: int = 0
    missed: int = 0
    in_progress: int = 0
    tickets: int = 0
    untagged: int = 0
    transfers: int = 0
    within_60: int = 0
    within_120: int = 0
    within_300: int = 0
    rating_1: int = 0
    rating_2: int = 0
    rating_3: int = 0
    rating_4: int = 0
    rating_5: int = 0
    operator_answered: int = 0
    transfers_made: int = 0
    transfers_received: int = 0
    hours: list = field(default_factory=lambda: [0] * 24)
    wait: dict = field(default_factory=dict)
    first_response: dict = field(default_factory=dict)
    handling: dict = field(default_factory=dict)
    operator_wait: dict = field(default_factory=dict)
    tags: dict = field(default_factory=dict)
    to_departments: dict = field(default_factory=dict)

    def add(self, other: "Tally | dict") -> None:
        """Sum another tally (or a row's values) into this one."""
        get = other.get if isinstance(other, dict) else other.__getattribute__
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + (get(name) or 0))
        hours = get("hours")
        if hours:
            self.hours = [a + b for a, b in zip(self.hours, hours, strict=True)]
        for name in HISTOGRAMS:
            hist = get(name)
            if hist:
                _hist_add(getattr(self, name), hist)
        for name in ("tags", "to_departments"):
            counts = get(name)
            if counts:
                _hist_add(getattr(self, name), counts)

    @property
    def rated(self) -> int:
        return sum(self.ratings)

    @property
    def ratings(self) -> list[int]:
        return [self.rating_1, self.rating_2, self.rating_3, self.rating_4, self.rating_5]

    @property
    def rating_average(self) -> float | None:
        rated = self.rated
        return sum(n * c for n, c in enumerate(self.ratings, 1)) / rated if rated else None

    def as_row(self) -> dict:
        """The fields of a `ReportDay`."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


TALLY_FIELDS = tuple(f.name for f in fields(Tally))


def _seconds(end: datetime | None, start: datetime | None) -> float | None:
    return None if end is None or start is None else (end - start).total_seconds()


def _hist_count(hist: dict, seconds: float | None) -> None:
    if seconds is not None:
        edge = BIN_KEYS[bin_of(seconds)]
        hist[edge] = hist.get(edge, 0) + 1


def _chat_add(t: Tally, chat: dict, hour: int, tag_ids: list, transfers: list) -> None:
    t.chats += 1
    responded, ended = chat["first_response_at"], chat["ended_at"]
    if responded is not None:
        t.answered += 1
        first_response = _seconds(responded, chat["created_at"])
        for s in WITHIN_SECONDS:
            if first_response <= s:
                setattr(t, f"within_{s}", getattr(t, f"within_{s}") + 1)
        _hist_count(t.first_response, first_response)
    elif ended is not None:
        t.missed += 1
    else:
        t.in_progress += 1
    if chat["rating"] in (1, 2, 3, 4, 5):
        name = f"rating_{chat['rating']}"
        setattr(t, name, getattr(t, name) + 1)
    t.hours[hour] += 1
    _hist_count(t.wait, _seconds(chat["first_claimed_at"], chat["created_at"]))
    _hist_count(t.handling, _seconds(ended, chat["first_claimed_at"]))
    if not tag_ids:
        t.untagged += 1
    for tag_id in tag_ids:
        key = str(tag_id)
        t.tags[key] = t.tags.get(key, 0) + 1
    t.transfers += len(transfers)
    for event in transfers:
        if event["to_department_id"] is not None:
            dept = str(event["to_department_id"])
            t.to_departments[dept] = t.to_departments.get(dept, 0) + 1


def span_q(since: datetime, until: datetime, prefix: str = "") -> Q:
    return Q(**{f"{prefix}created_at__gte": since, f"{prefix}created_at__lt": until})


def spans_q(spans: list[tuple[datetime, datetime]], prefix: str = "") -> Q:
    q = Q(pk__in=[])
    for since, until in spans:
        q |= span_q(since, until, prefix)
    return q


class RowKey(NamedTuple):
    """What a row is of (the key fields of a `Tally`)."""

    day: date
    widget_id: int | None
    department_id: int | None
    operator_id: int | None
    tag_id: int | None
    system_id: int | None


def tallies_build(
    spans: list[tuple[datetime, datetime]], *, wanted: Callable[[RowKey], bool] | None = None
) -> list[Tally]:
    """The rows of the chats and tickets started within the spans (local days' bounds), in five
    queries whatever the spans: every chat, its participants, tags and transfers, the tickets.
    Given `wanted`, only the rows it accepts (a page building today's rows needs a few of them:
    its filters' and what its tables read), which the chats are then counted into.

    A chat is counted, for its tags and for no tag, in the row of its widget and department (of
    the widget's system), in the row of every widget (widget, department and system none) and in
    the row of every widget of its system; and the same for each operator who took part (then
    also counting what is theirs: whether they wrote, their wait, the transfers they made and
    received). A ticket is counted in the rows of no tag, for no operator and for whoever
    answered it."""
    tz = timezone.get_current_timezone()
    chats = list(
        PatronChat.objects.filter(spans_q(spans))
        .order_by()
        .values(
            "pk",
            "widget_id",
            "department_id",
            "widget__system_id",
            "created_at",
            "first_claimed_at",
            "first_response_at",
            "ended_at",
            "rating",
        )
    )
    participants = defaultdict(list)
    for p in (
        ChatParticipant.objects.filter(spans_q(spans, "chat__"))
        .order_by()
        .values("chat_id", "operator_id", "joined_at", "first_message_at")
    ):
        participants[p["chat_id"]].append(p)
    tags = defaultdict(list)
    for chat_id, tag_id in (
        PatronChat.tags.through.objects.filter(spans_q(spans, "patronchat__"))
        .order_by()
        .values_list("patronchat_id", "chattag_id")
    ):
        tags[chat_id].append(tag_id)
    transfers = defaultdict(list)
    for event in (
        ChatEvent.objects.filter(spans_q(spans, "chat__"), kind__in=TRANSFER_KINDS)
        .order_by()
        .values("chat_id", "operator_id", "to_operator_id", "to_department_id")
    ):
        transfers[event["chat_id"]].append(event)

    rows: dict[tuple, Tally | None] = {}

    def row(*key) -> Tally | None:
        if key in rows:
            return rows[key]
        found = rows[key] = (
            Tally(**dict(zip(KEYS, key, strict=True)))
            if wanted is None or wanted(RowKey(*key))
            else None
        )
        return found

    for chat in chats:
        local = chat["created_at"].astimezone(tz)
        day, hour = local.date(), local.hour
        widget, system = chat["widget_id"], chat["widget__system_id"]
        chat_tags = tags.get(chat["pk"], [])
        chat_transfers = transfers.get(chat["pk"], [])
        for tag_id in [None, *chat_tags]:
            for t in (
                row(day, widget, chat["department_id"], None, tag_id, system),
                row(day, None, None, None, tag_id, None),
                row(day, None, None, None, tag_id, system),
            ):
                if t is not None:
                    _chat_add(t, chat, hour, chat_tags, chat_transfers)
        for part in participants.get(chat["pk"], []):
            op = part["operator_id"]
            made = sum(e["operator_id"] == op for e in chat_transfers)
            received = sum(e["to_operator_id"] == op for e in chat_transfers)
            for tag_id in [None, *chat_tags]:
                for t in (
                    row(day, widget, chat["department_id"], op, tag_id, system),
                    row(day, None, None, op, tag_id, None),
                    row(day, None, None, op, tag_id, system),
                ):
                    if t is None:
                        continue
                    _chat_add(t, chat, hour, chat_tags, chat_transfers)
                    t.operator_answered += part["first_message_at"] is not None
                    _hist_count(t.operator_wait, _seconds(part["joined_at"], chat["created_at"]))
                    t.transfers_made += made
                    t.transfers_received += received
    for ticket in (
        OfflineTicket.objects.filter(spans_q(spans))
        .order_by()
        .values("widget_id", "widget__system_id", "answered_by_id", "created_at")
    ):
        day = ticket["created_at"].astimezone(tz).date()
        system = ticket["widget__system_id"]
        for op in {None, ticket["answered_by_id"]}:
            for t in (
                row(day, ticket["widget_id"], None, op, None, system),
                row(day, None, None, op, None, None),
                row(day, None, None, op, None, system),
            ):
                if t is not None:
                    t.tickets += 1
    return [t for t in rows.values() if t is not None]


def open_items(spans: list[tuple[datetime, datetime]]) -> int:
    """Chats not ended and tickets not answered in the spans: their day is not final yet."""
    chats = PatronChat.objects.filter(spans_q(spans), ended_at__isnull=True).count()
    return chats + OfflineTicket.objects.filter(spans_q(spans), answered_at__isnull=True).count()
