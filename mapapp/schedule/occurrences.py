"""When a Schedule meets: dates with Japanese public holidays, 年末年始 and closures applied."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import holidays
from dateutil import rrule as du

from mapapp.schedule.model import (
    CLOSED_DAYS,
    CLOSED_MONTH,
    CLOSED_NEW_YEAR,
    CLOSED_OBON,
    HOLIDAY_NEXT_DAY,
    HOLIDAY_PREVIOUS_DAY,
    JA_WEEKDAYS,
    NO_HOLIDAYS,
    OPEN_HOLIDAYS,
    WEEKDAY_CODES,
    Occurrence,
    Rule,
    Schedule,
    format_time,
)

NEW_YEAR_DAYS = ((12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3))  # 年末年始
OBON_DAYS = ((8, 13), (8, 14), (8, 15), (8, 16))  # お盆
# 祝日の場合は翌日 moves to the next day that is neither a holiday nor closed; a week is
# enough (Golden Week has at most three holidays in a row, 年末年始 six closed days).
MOVE_LIMIT_DAYS = 7
# next_occurrences widens its window until it has enough dates or reaches this many days.
MAX_SEARCH_DAYS = 366 * 10
# format_occurrence writes the year for a date this far from today (or in another year).
FAR_DAYS = 300

_FREQUENCIES = {"WEEKLY": du.WEEKLY, "MONTHLY": du.MONTHLY, "YEARLY": du.YEARLY}
_WEEKDAYS = (du.MO, du.TU, du.WE, du.TH, du.FR, du.SA, du.SU)


@cache
def _japanese_holidays(first_year: int, last_year: int) -> frozenset[dt.date]:
    calendar = holidays.country_holidays("JP", years=range(first_year, last_year + 1), expand=False)
    return frozenset(calendar.keys())


def japanese_holidays(start: dt.date, end: dt.date) -> frozenset[dt.date]:
    """Public holidays of Japan (振替休日 and 国民の休日 included) from start to end."""
    return frozenset(day for day in _japanese_holidays(start.year, end.year) if start <= day <= end)


def _parse_hours(text: str) -> tuple[dt.time | None, dt.time | None]:
    """``"10:00-15:00"`` → (10:00, 15:00); an empty side is None."""
    opens, _, closes = text.partition("-")
    opens_at = dt.time(*map(int, opens.split(":"))) if opens else None
    closes_at = dt.time(*map(int, closes.split(":"))) if closes else None
    return opens_at, closes_at


@dataclass(frozen=True)
class _Closures:
    """What the exceptions of one Schedule mean for a given date."""

    skip_holidays: bool
    move_days: int  # +1 for 祝日の場合は翌日, -1 for 前日, 0 to keep the date
    new_year: bool
    obon: bool
    months: frozenset[int]
    # (from, to) as (month, day), inclusive; from > to wraps over the new year.
    day_ranges: tuple[tuple[tuple[int, int], tuple[int, int]], ...]
    holiday_hours: tuple[dt.time | None, dt.time | None] | None  # set when 祝日 is a meeting day

    @classmethod
    def of(cls, schedule: Schedule, holidays_closed: bool | None) -> _Closures:
        codes = set(schedule.exceptions)
        move = 1 if HOLIDAY_NEXT_DAY in codes else -1 if HOLIDAY_PREVIOUS_DAY in codes else 0
        hours = None
        for code in codes:
            if code == OPEN_HOLIDAYS:
                hours = (None, None)
            elif code.startswith(OPEN_HOLIDAYS + ":"):
                hours = _parse_hours(code.split(":", 1)[1])
        if holidays_closed is False:
            move = 0
        return cls(
            skip_holidays=NO_HOLIDAYS in codes if holidays_closed is None else holidays_closed,
            move_days=move,
            new_year=CLOSED_NEW_YEAR in codes,
            obon=CLOSED_OBON in codes,
            months=frozenset(
                int(code.split(":")[1]) for code in codes if code.startswith(CLOSED_MONTH + ":")
            ),
            day_ranges=tuple(
                _day_range(code.split(":")[1])
                for code in sorted(codes)
                if code.startswith(CLOSED_DAYS + ":")
            ),
            holiday_hours=hours,
        )

    def closed(self, day: dt.date) -> bool:
        month_day = (day.month, day.day)
        return (
            day.month in self.months
            or (self.new_year and month_day in NEW_YEAR_DAYS)
            or (self.obon and month_day in OBON_DAYS)
            or any(
                first <= month_day <= last
                if first <= last
                else (month_day >= first or month_day <= last)
                for first, last in self.day_ranges
            )
        )

    def move(self, day: dt.date, public: frozenset[dt.date]) -> dt.date | None:
        for step in range(1, MOVE_LIMIT_DAYS + 1):
            candidate = day + dt.timedelta(days=step * self.move_days)
            if candidate not in public and not self.closed(candidate):
                return candidate
        return None


def _day_range(text: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """ "1228-0104" → ((12, 28), (1, 4))."""
    first, last = text.split("-")
    return (int(first[:2]), int(first[2:])), (int(last[:2]), int(last[2:]))


def rule_dates(rule: Rule, start: dt.date, end: dt.date, *, anchor: dt.date) -> list[dt.date]:
    """Dates from start to end (inclusive) the rule alone gives, before holidays and closures.

    ``anchor`` is where 隔週/隔月 counting starts (RFC 5545 DTSTART); no date before it is given.
    """
    byweekday = []
    for code in rule.byday:
        weekday = _WEEKDAYS[WEEKDAY_CODES.index(code[-2:])]
        byweekday.append(weekday(int(code[:-2])) if code[:-2] else weekday)
    recurrence = du.rrule(
        _FREQUENCIES[rule.freq],
        interval=rule.interval,
        dtstart=dt.datetime.combine(anchor, dt.time()),
        byweekday=byweekday or None,
        bymonthday=rule.bymonthday or None,
        bymonth=rule.bymonth or None,
    )
    window = (dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time()))
    return [moment.date() for moment in recurrence.between(*window, inc=True)]


def occurrences_by_rule(
    schedule: Schedule,
    start: dt.date,
    end: dt.date,
    *,
    holidays_closed: bool | None = None,
    anchor: dt.date | None = None,
) -> tuple[list[list[Occurrence]], list[Occurrence]]:
    """Occurrences from start to end, one list per rule, plus the 祝日 meetings (土日祝).

    Not deduplicated across rules; :func:`occurrences_between` merges them.
    """
    if schedule.suspended or end < start:
        return [[] for _ in schedule.rules], []
    closures = _Closures.of(schedule, holidays_closed)
    # A holiday just before start may move onto it, one just after end may be needed to move.
    margin = dt.timedelta(days=MOVE_LIMIT_DAYS)
    first = start - margin if start - dt.date.min > margin else dt.date.min
    last = end + margin if dt.date.max - end > margin else dt.date.max
    public = japanese_holidays(first, last)
    per_rule = []
    for rule in schedule.rules:
        found = []
        rule_anchor = anchor if anchor is not None and rule.interval > 1 else first
        for planned in rule_dates(rule, first, end, anchor=rule_anchor):
            day: dt.date | None = planned
            moved_from = None
            if planned in public and closures.move_days:
                moved_from, day = planned, closures.move(planned, public)
            elif (planned in public and closures.skip_holidays) or closures.closed(planned):
                day = None
            if day is not None and start <= day <= end:
                found.append(
                    Occurrence(
                        day, rule.opens_at, rule.closes_at, rule.label, rule.daypart, moved_from
                    )
                )
        per_rule.append(found)
    extra = []
    if closures.holiday_hours is not None:
        opens_at, closes_at = closures.holiday_hours
        extra = [
            Occurrence(day, opens_at, closes_at)
            for day in sorted(public)
            if start <= day <= end and not closures.closed(day)
        ]
    return per_rule, extra


def occurrences_between(
    schedule: Schedule,
    start: dt.date,
    end: dt.date,
    *,
    holidays_closed: bool | None = None,
    anchor: dt.date | None = None,
) -> list[Occurrence]:
    """Every occurrence from start to end inclusive, in date and time order, without repeats.

    ``holidays_closed``: None follows the text; True also skips public holidays the text does
    not mention; False ignores what the text says about 祝日.
    """
    per_rule, extra = occurrences_by_rule(
        schedule, start, end, holidays_closed=holidays_closed, anchor=anchor
    )
    unique: dict[tuple, Occurrence] = {}
    for occurrence in [*(occ for found in per_rule for occ in found), *extra]:
        key = (occurrence.date, occurrence.opens_at, occurrence.closes_at)
        unique.setdefault(key, occurrence)
    return sorted(unique.values(), key=Occurrence.sort_key)


def next_occurrences(
    schedule: Schedule,
    start: dt.date,
    count: int = 5,
    *,
    holidays_closed: bool | None = None,
) -> list[Occurrence]:
    """The next ``count`` occurrences on or after ``start``, in order.

    隔週/隔月 rules count from ``start`` (the text gives no anchor; parse_schedule flags them).
    Looks up to MAX_SEARCH_DAYS ahead, so a rule that never matches gives an empty list.
    """
    if isinstance(start, dt.datetime):
        start = start.date()
    if count <= 0:
        return []
    span = 400
    while True:
        end = start + dt.timedelta(days=min(span, (dt.date.max - start).days))
        found = occurrences_between(
            schedule, start, end, holidays_closed=holidays_closed, anchor=start
        )
        if len(found) >= count or span >= MAX_SEARCH_DAYS or end == dt.date.max:
            return found[:count]
        span *= 4


def is_open_on(schedule: Schedule, day: dt.date) -> bool:
    """True when the schedule meets on ``day`` (holidays and closures applied)."""
    return bool(occurrences_between(schedule, day, day, anchor=day))


def is_open_on_weekday(schedule: Schedule, weekday: int) -> bool:
    """True when some rule meets on this weekday (0 = Monday … 6 = Sunday), e.g. 第2火曜日.

    Day-of-month rules (毎月15日) are tied to no weekday and never count.
    """
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise ValueError(f"weekday: expected 0 (Monday) to 6 (Sunday), got {weekday!r}")
    return not schedule.suspended and any(weekday in rule.weekdays() for rule in schedule.rules)


def holiday_mark(day: dt.date) -> str:
    """「祝」 for a public holiday, 「年末年始」 for the other days of 12/29–1/3, else ""."""
    if day in _japanese_holidays(day.year, day.year):
        return "祝"
    if (day.month, day.day) in NEW_YEAR_DAYS:
        return "年末年始"
    return ""


def holiday_unclear(schedule: Schedule, day: dt.date) -> bool:
    """True when ``day`` is a 祝日 or in 年末年始 and the texts do not say whether it meets.

    A date is listed only when the texts leave it open, so a 年末年始 date is always unclear
    (a stated 年末年始 closure removes it); a 祝日 is clear when 祝日 are said to be 休み,
    moved, or meeting days.
    """
    mark = holiday_mark(day)
    if mark == "年末年始":
        return True
    if mark != "祝":
        return False
    codes = set(schedule.exceptions)
    return not (
        codes & {NO_HOLIDAYS, HOLIDAY_NEXT_DAY, HOLIDAY_PREVIOUS_DAY}
        or any(code.startswith(OPEN_HOLIDAYS) for code in codes)
    )


def format_occurrence(occurrence: Occurrence, today: dt.date | None = None) -> str:
    """「6月11日(水) 10:00〜11:30」; 「6月11日(水) 10:00〜」; 「6月11日(水)」 without times.

    With ``today``, a date in another year or more than FAR_DAYS days away shows its year:
    「2027年1月5日(火) 10:00〜」, so a date far ahead is never read as this year's.
    Public holidays and 年末年始 are marked: 「1月1日(金・祝)」, 「12月29日(火・年末年始)」; a
    date moved off a holiday says so: 「11月4日(水) 10:00〜（祝日のため翌日）」.
    """
    day = occurrence.date
    mark = holiday_mark(day)
    weekday = JA_WEEKDAYS[day.weekday()] + (f"・{mark}" if mark else "")
    text = f"{day.month}月{day.day}日({weekday})"
    if today is not None and (day.year != today.year or abs((day - today).days) > FAR_DAYS):
        text = f"{day.year}年{text}"
    if occurrence.opens_at or occurrence.closes_at:
        opens, closes = format_time(occurrence.opens_at), format_time(occurrence.closes_at)
        text = f"{text} {opens or ''}〜{closes or ''}"
    elif occurrence.daypart:
        text = f"{text} {occurrence.daypart}"
    if occurrence.moved_from is not None:
        text += "（祝日のため翌日）" if occurrence.moved_from < day else "（祝日のため前日）"
    return text
