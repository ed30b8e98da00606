"""The schedule data model: rules like RFC 5545 RRULEs, the parsed schedule, one occurrence."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
JA_WEEKDAYS = "月火水木金土日"
FREQUENCIES = ("WEEKLY", "MONTHLY", "YEARLY")
_BYDAY = re.compile(r"^(-1|[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")

# Machine-readable notes a Schedule may carry in ``exceptions``.
NO_HOLIDAYS = "no_holidays"  # 祝日は休み: public holidays are skipped
HOLIDAY_NEXT_DAY = "holiday_moves_next_day"  # 祝日の場合は翌日 (next day that is not a holiday)
HOLIDAY_PREVIOUS_DAY = "holiday_moves_previous_day"  # 祝日の場合は前日
CLOSED_NEW_YEAR = "closed_new_year"  # 年末年始 12/29–1/3
CLOSED_OBON = "closed_obon"  # お盆 8/13–8/16
CLOSED_DAYS = "closed_days"  # closed_days:1228-0104, a yearly closure with its own dates
CLOSED_MONTH = "closed_month"  # "closed_month:8" for 8月は休み
OPEN_HOLIDAYS = "open_holidays"  # 土日祝: also held on public holidays; ":HH:MM-HH:MM" for times
SUSPENDED = "suspended"  # 休止中: no occurrences at all


class ScheduleParseError(ValueError):
    """The input to parse_schedule was not text."""


def format_time(value: dt.time | None) -> str | None:
    """``time(9, 5)`` → ``"9:05"``; None stays None."""
    return None if value is None else f"{value.hour}:{value.minute:02d}"


@dataclass(frozen=True)
class Rule:
    """One recurrence: which days (RFC 5545 terms), and the hours when the text gives them.

    ``bymonth`` limits the rule to the months it is valid in, e.g. the months of a season
    (夏期 4–9月 unless the text says otherwise), or the months a note gives another day
    (毎月第3土曜日 ※3月は第2土曜日 → BYMONTH=1,2,4,…,12 and a rule BYMONTH=3); months a group
    takes off (8月は休み) are Schedule exceptions instead. ``byday`` together with
    ``bymonthday`` limits those days to the weekdays named (毎月1日、土日祝日の場合は休み).
    """

    freq: str
    interval: int = 1
    byday: tuple[str, ...] = ()
    bymonthday: tuple[int, ...] = ()
    bymonth: tuple[int, ...] = ()
    opens_at: dt.time | None = None
    closes_at: dt.time | None = None
    season: str | None = None
    daypart: str | None = None  # 午前 / 午後 / 夜 when the text names only part of the day
    label: str | None = None  # the text's own name for this session, e.g. ひまわりカフェ

    def __post_init__(self) -> None:
        if self.freq not in FREQUENCIES:
            raise ValueError(f"freq: expected one of {FREQUENCIES}, got {self.freq!r}")
        if self.interval < 1:
            raise ValueError(f"interval: expected 1 or more, got {self.interval!r}")
        for code in self.byday:
            if not _BYDAY.match(code):
                raise ValueError(f"byday: expected codes like 'MO' or '2FR', got {code!r}")
        for day in self.bymonthday:
            if not (1 <= abs(day) <= 31):
                raise ValueError(f"bymonthday: expected 1..31 or -31..-1, got {day!r}")
        for month in self.bymonth:
            if not 1 <= month <= 12:
                raise ValueError(f"bymonth: expected 1..12, got {month!r}")
        if not (self.byday or self.bymonthday):
            raise ValueError("a rule needs byday or bymonthday, got neither")

    def to_rrule(self) -> str:
        """The RFC 5545 RRULE value, e.g. ``"FREQ=MONTHLY;BYDAY=2FR,4FR"``."""
        parts = [f"FREQ={self.freq}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.bymonth:
            parts.append("BYMONTH=" + ",".join(map(str, self.bymonth)))
        if self.bymonthday:
            parts.append("BYMONTHDAY=" + ",".join(map(str, self.bymonthday)))
        if self.byday:
            parts.append("BYDAY=" + ",".join(self.byday))
        return ";".join(parts)

    def weekdays(self) -> frozenset[int]:
        """Weekdays (0 = Monday) this rule falls on, ordinals ignored; empty for day-of-month."""
        if self.bymonthday:
            return frozenset()
        return frozenset(WEEKDAY_CODES.index(code[-2:]) for code in self.byday)

    def weekday_filter(self) -> frozenset[int]:
        """For a day-of-month rule, the weekdays it is limited to (毎月1日、土日は休み → 月〜金);
        empty when it is not limited (RFC 5545: BYDAY with BYMONTHDAY limits the days)."""
        if not self.bymonthday:
            return frozenset()
        return frozenset(WEEKDAY_CODES.index(code[-2:]) for code in self.byday)

    def to_json(self) -> dict:
        """A JSON-ready dict: RFC 5545 names in lower case, times as ``"H:MM"``."""
        return {
            "rrule": self.to_rrule(),
            "freq": self.freq,
            "interval": self.interval,
            "byday": list(self.byday),
            "bymonthday": list(self.bymonthday),
            "bymonth": list(self.bymonth),
            "opens_at": format_time(self.opens_at),
            "closes_at": format_time(self.closes_at),
            "season": self.season,
            "daypart": self.daypart,
            "label": self.label,
        }


@dataclass(frozen=True)
class Schedule:
    """A parsed 開催日時: the text verbatim, the rules understood, and what a person must check.

    ``opens_at``/``closes_at`` are the hours when the whole text states one pair of them (also
    when no day could be read, e.g. 「8時30分～17時15分」); None when rules differ or none is
    given. ``notes`` keeps fragments that are not about days (a fee line, 雨天中止 …).
    """

    text: str
    rules: tuple[Rule, ...] = ()
    exceptions: tuple[str, ...] = ()
    needs_review: tuple[str, ...] = ()
    opens_at: dt.time | None = None
    closes_at: dt.time | None = None
    notes: tuple[str, ...] = ()

    @property
    def suspended(self) -> bool:
        """True for 休止中: the rules (if any) are kept but nothing takes place."""
        return SUSPENDED in self.exceptions

    def to_json(self) -> dict:
        """A JSON-ready dict with the original text, RRULE strings and each rule in detail."""
        return {
            "text": self.text,
            "rrules": [rule.to_rrule() for rule in self.rules],
            "opens_at": format_time(self.opens_at),
            "closes_at": format_time(self.closes_at),
            "exceptions": list(self.exceptions),
            "needs_review": list(self.needs_review),
            "notes": list(self.notes),
            "rules": [rule.to_json() for rule in self.rules],
        }


@dataclass(frozen=True)
class Occurrence:
    """One meeting on one date; times are None when the text gives none."""

    date: dt.date
    opens_at: dt.time | None = None
    closes_at: dt.time | None = None
    label: str | None = None
    daypart: str | None = None
    moved_from: dt.date | None = None  # the holiday it was moved from (祝日の場合は翌日)

    def sort_key(self) -> tuple[dt.date, dt.time, dt.time]:
        """Date first, then opening and closing time (unknown times first)."""
        return (self.date, self.opens_at or dt.time.min, self.closes_at or dt.time.min)
