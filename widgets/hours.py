"""A widget's opening hours as a value: whether it is open at an instant, when it next opens and
when its answer may next change. Pure (no database), so the status refresh reads the hours of
every widget in one query each and the rules are tested on their own.

Hours are wall-clock times in the widget's time zone, so a span "9:00 to 17:00" stays that
across a change to or from daylight saving time.
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

DAY_MINUTES = 24 * 60
# How far ahead the next opening is looked for: a year, and a week more for the weekday.
LOOK_AHEAD_DAYS = 366 + 7


@dataclass(frozen=True)
class OpeningHours:
    """`spans[weekday]` are (opens, closes) in minutes after midnight, closes up to 24 h, sorted
    and not overlapping; no span at all means no schedule, always open except on closed dates."""

    time_zone: str
    spans: dict[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    closed_dates: frozenset[date] = frozenset()

    @property
    def keeps_hours(self) -> bool:
        return bool(self.spans) or bool(self.closed_dates)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def _day_spans(self, day: date) -> tuple[tuple[int, int], ...]:
        if day in self.closed_dates:
            return ()
        if not self.spans:
            return ((0, DAY_MINUTES),)
        return self.spans.get(day.weekday(), ())

    def _at(self, day: date, minutes: int) -> datetime:
        """The instant of this wall-clock time in the widget's zone (24 h: the next midnight), in
        UTC: a time that a change to daylight saving skips is taken an hour later, as clocks do,
        and instants compare as they should (Python never finds a skipped time equal to one in
        another zone)."""
        day, minutes = (day + timedelta(days=1), 0) if minutes >= DAY_MINUTES else (day, minutes)
        wall = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.zone)
        return wall.astimezone(UTC)

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        minutes = local.hour * 60 + local.minute + local.second / 60
        return any(opens <= minutes < closes for opens, closes in self._day_spans(local.date()))

    def next_opening(self, at: datetime) -> datetime | None:
        """When the widget next opens after `at` (a widget open at `at` has no next opening);
        None when it is open now, or never opens in the coming year."""
        if self.is_open(at):
            return None
        today = at.astimezone(self.zone).date()
        for offset in range(LOOK_AHEAD_DAYS):
            day = today + timedelta(days=offset)
            for opens, _ in self._day_spans(day):
                start = self._at(day, opens)
                if start > at and self.is_open(start):
                    return start
        return None

    def next_change(self, at: datetime) -> datetime | None:
        """The first instant after `at` at which the widget may open or close: a span's start or
        end, or a midnight (a closed date begins or ends); None for a widget keeping no hours.
        Looks a week ahead, which holds every kind of boundary a schedule has."""
        if not self.keeps_hours:
            return None
        today = at.astimezone(self.zone).date()
        for offset in range(8):
            day = today + timedelta(days=offset)
            bounds = {0, DAY_MINUTES}
            for opens, closes in self.spans.get(day.weekday(), ()):
                bounds |= {opens, closes}
            after = [instant for instant in (self._at(day, m) for m in bounds) if instant > at]
            if after:
                return min(after)
        return None


def minutes_of(value: time) -> int:
    return value.hour * 60 + value.minute
