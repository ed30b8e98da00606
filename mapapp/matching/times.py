"""When: a need's 希望日時 and a volunteer's 活動できる日時 as weekly slots.

Both are schedule text read by mapapp.schedule (「火曜の午前」, 「月・水 13:00〜16:00」,
「平日の午前」); a need may also want one date (then its weekday counts). Monthly rules
(第2火曜) count as their weekday: a slot says "this weekday, these hours". A part of the day
without hours is read as 午前 9:00–12:00, 午後 13:00–17:00, 夜 18:00–21:00. A text the
parser cannot read for sure gives no slots: unknown, never a reason to exclude anyone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from mapapp.schedule import parse_resource_schedule
from mapapp.schedule.model import JA_WEEKDAYS

DAY_MINUTES = 24 * 60
DAYPART_MINUTES = {"午前": (9 * 60, 12 * 60), "午後": (13 * 60, 17 * 60), "夜": (18 * 60, 21 * 60)}
_DATE = re.compile(
    r"^\s*(?:(\d{4})\s*[-/年]\s*)?(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*日?(?:\s*[（(][^）)]*[）)])?"
)


@dataclass(frozen=True)
class Slot:
    weekday: int  # 0 = 月
    start: int | None = None  # minutes after midnight; None: the hours are not known
    end: int | None = None

    @property
    def timed(self) -> bool:
        return self.start is not None and self.end is not None

    def describe(self) -> str:
        day = JA_WEEKDAYS[self.weekday]
        if not self.timed:
            return day
        return f"{day} {_clock(self.start)}〜{_clock(self.end)}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Availability:
    """Weekly slots read from a text; ``unread`` says why a written text gave none."""

    text: str
    slots: tuple[Slot, ...] = ()
    unread: tuple[str, ...] = ()

    def __post_init__(self):
        timed, untimed, days = 0, 0, 0
        for slot in self.slots:
            days |= 1 << slot.weekday
            if slot.timed:
                base = slot.weekday * DAY_MINUTES
                timed |= ((1 << (slot.end - slot.start)) - 1) << (base + slot.start)
            else:
                untimed |= 1 << slot.weekday
        # Bit weekday * 1440 + minute: overlapping hours are one AND of two integers.
        object.__setattr__(self, "timed_mask", timed)
        object.__setattr__(self, "untimed_days", untimed)
        object.__setattr__(self, "days", days)

    @property
    def known(self) -> bool:
        return bool(self.slots)

    def describe(self) -> str:
        return "、".join(s.describe() for s in self.slots)


def _rule_slots(schedule) -> list[Slot]:
    slots: list[Slot] = []
    for rule in schedule.rules:
        weekdays = rule.weekdays() or rule.weekday_filter()
        start = end = None
        if rule.opens_at is not None and rule.closes_at is not None:
            start = rule.opens_at.hour * 60 + rule.opens_at.minute
            end = rule.closes_at.hour * 60 + rule.closes_at.minute
            if end <= start:
                start = end = None
        elif rule.daypart in DAYPART_MINUTES:
            start, end = DAYPART_MINUTES[rule.daypart]
        for weekday in sorted(weekdays):
            slots.append(Slot(weekday, start, end))
    return slots


def read_availability(text: str, on: dt.date | None = None) -> Availability:
    """The weekly slots a schedule text gives; with ``on`` (a date wanted), only that date's
    weekday, with the text's hours when it gives some."""
    text = text or ""
    if on is not None:
        rest = _DATE.sub("", text, count=1)
        schedule = parse_resource_schedule(rest) if rest.strip() else None
        slots = [s for s in _rule_slots(schedule) if s.weekday == on.weekday()] if schedule else []
        if not slots:
            start = end = None
            if schedule is not None and schedule.opens_at and schedule.closes_at:
                start = schedule.opens_at.hour * 60 + schedule.opens_at.minute
                end = schedule.closes_at.hour * 60 + schedule.closes_at.minute
                if end <= start:
                    start = end = None
            slots = [Slot(on.weekday(), start, end)]
        return Availability(text, tuple(dict.fromkeys(slots)))
    if not text.strip():
        return Availability(text)
    schedule = parse_resource_schedule(text)
    slots = tuple(dict.fromkeys(_rule_slots(schedule)))
    return Availability(text, slots, () if slots else tuple(schedule.needs_review))


def schedule_availability(schedule_text: str, closed_text: str = "") -> Availability:
    """A resource's weekly slots, from its 開催日時 and 休み (mapapp.schedule)."""
    if not (schedule_text or "").strip():
        return Availability(schedule_text or "")
    schedule = parse_resource_schedule(schedule_text, closed_text or "")
    slots = tuple(dict.fromkeys(_rule_slots(schedule)))
    return Availability(schedule_text, slots, () if slots else tuple(schedule.needs_review))


def leading_date(text: str, today: dt.date) -> dt.date | None:
    """The date a 希望日時 starts with (2026-06-11, 6月11日, 6/11(水) 10時〜): the year given,
    else the next such date from ``today``."""
    match = _DATE.match(text or "")
    if not match:
        return None
    year, month, day = match.groups()
    try:
        if year:
            return dt.date(int(year), int(month), int(day))
        found = dt.date(today.year, int(month), int(day))
        return found if found >= today else dt.date(today.year + 1, int(month), int(day))
    except ValueError:
        return None


def overlaps(need: Availability, helper: Availability) -> bool:
    """May the helper come when wanted? True when either gives no time; otherwise a shared
    weekday with overlapping hours (a slot without hours overlaps any hours of its day)."""
    if not need.known or not helper.known:
        return True
    if need.timed_mask & helper.timed_mask:
        return True
    return bool(need.untimed_days & helper.days or helper.untimed_days & need.days)


def overlap_share(need: Availability, helper: Availability) -> float | None:
    """The largest share of one wanted slot that the helper's hours cover, 0–1. None when it
    cannot be told: no time on either side, or no hours to compare on a shared weekday."""
    if not need.known or not helper.known:
        return None
    best = 0.0
    for slot in need.slots:
        if slot.timed:
            length = slot.end - slot.start
            wanted = ((1 << length) - 1) << (slot.weekday * DAY_MINUTES + slot.start)
            best = max(best, (wanted & helper.timed_mask).bit_count() / length)
    if best > 0:
        return best
    if need.untimed_days & helper.days or helper.untimed_days & need.days:
        return None
    return 0.0
