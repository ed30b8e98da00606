"""Schedules in words for lists and paper: the days a service is open (「月〜金 8:30〜17:15」)
and the dates of this month and the next (「12月 3日(水)・17日(水)」), holidays marked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mapapp.schedule.model import JA_WEEKDAYS, NO_HOLIDAYS, Schedule, format_time
from mapapp.schedule.occurrences import holiday_mark, holiday_unclear, occurrences_between


def opening_days(schedule: Schedule) -> str:
    """The weekdays and hours of a schedule that meets every week, or "" for any other.

    >>> from mapapp.schedule.parse import parse_schedule
    >>> opening_days(parse_schedule("月曜日から金曜日 8:30〜17:15（祝日は休み）"))
    '月〜金 8:30〜17:15（祝日は休み）'
    """
    if not schedule.rules or schedule.suspended:
        return ""
    hours_of: dict[tuple[str, str], set[int]] = {}
    for rule in schedule.rules:
        ordinal = any(code[:-2] for code in rule.byday)
        if rule.freq != "WEEKLY" or rule.interval != 1 or rule.bymonth or ordinal:
            return ""
        hours = (format_time(rule.opens_at) or "", format_time(rule.closes_at) or "")
        hours_of.setdefault(hours, set()).update(rule.weekdays())
    pieces = []
    for (opens, closes), days in sorted(hours_of.items(), key=lambda item: min(item[1])):
        words = weekday_span(days)
        pieces.append(f"{words} {opens}〜{closes}" if opens or closes else words)
    text = "、".join(pieces)
    if NO_HOLIDAYS in schedule.exceptions:
        text += "（祝日は休み）"
    return text


def weekday_span(days: set[int] | frozenset[int]) -> str:
    """{0,1,2,3,4} → 「月〜金」; {0,2,4} → 「月・水・金」; all seven → 「毎日」."""
    ordered = sorted(days)
    if len(ordered) == 7:
        return "毎日"
    runs: list[list[int]] = []
    for day in ordered:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    words = []
    for run in runs:
        if len(run) >= 3:
            words.append(f"{JA_WEEKDAYS[run[0]]}〜{JA_WEEKDAYS[run[-1]]}")
        else:
            words += [JA_WEEKDAYS[d] for d in run]
    return "・".join(words)


@dataclass(frozen=True)
class MonthDates:
    """The dates of one month: ``days`` as 「3日(水)」 (「1日(金・祝)」), with the hours when
    they differ from date to date; ``hours`` when every date has the same."""

    year: int
    month: int
    days: tuple[str, ...]
    hours: str
    holiday_unclear: bool  # some date is a 祝日 or in 年末年始 the texts say nothing about

    def label(self, today: dt.date) -> str:
        """「12月」, or 「2027年1月」 when the month is in another year than today."""
        return f"{self.month}月" if self.year == today.year else f"{self.year}年{self.month}月"


def dates_by_month(schedule: Schedule, today: dt.date, months: int = 2) -> tuple[MonthDates, ...]:
    """This month's dates from today on and the next ``months - 1`` months', month by month;
    a month without dates is left out."""
    result = []
    first = today
    for _ in range(months):
        following = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        found = occurrences_between(schedule, first, following - dt.timedelta(days=1))
        if found:
            hours = {_hours(o) for o in found}
            same = hours.pop() if len(hours) == 1 else None
            days = []
            for occurrence in found:
                day = occurrence.date
                mark = holiday_mark(day)
                weekday = JA_WEEKDAYS[day.weekday()] + (f"・{mark}" if mark else "")
                text = f"{day.day}日({weekday})"
                days.append(text if same is not None else f"{text} {_hours(occurrence)}".strip())
            result.append(
                MonthDates(
                    first.year,
                    first.month,
                    tuple(days),
                    same or "",
                    any(holiday_unclear(schedule, o.date) for o in found),
                )
            )
        first = following
    return tuple(result)


def _hours(occurrence) -> str:
    if occurrence.opens_at or occurrence.closes_at:
        opens, closes = format_time(occurrence.opens_at), format_time(occurrence.closes_at)
        return f"{opens or ''}〜{closes or ''}"
    return occurrence.daypart or ""
