"""A parsed schedule read back in words, so staff can check what the software understood:
「毎月 第2・第4 月曜日 11:30〜14:00」, 「隔週 水曜日」, 「4〜9月 毎週 火曜日 午前」."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mapapp.schedule.model import (
    CLOSED_MONTH,
    CLOSED_NEW_YEAR,
    CLOSED_OBON,
    JA_WEEKDAYS,
    NO_HOLIDAYS,
    SUSPENDED,
    WEEKDAY_CODES,
    Rule,
    format_time,
)
from mapapp.schedule.occurrences import next_occurrences
from mapapp.schedule.resource import parse_resource_schedule

_ORDINALS = {"-1": "最終"}


def rule_words(rule: Rule) -> str:
    """One rule in words.

    >>> from mapapp.schedule.model import Rule
    >>> import datetime as dt
    >>> rule_words(Rule("MONTHLY", byday=("2MO", "4MO"), opens_at=dt.time(11, 30),
    ...                 closes_at=dt.time(14)))
    '毎月 第2・第4 月曜日 11:30〜14:00'
    """
    parts: list[str] = []
    if rule.label:
        parts.append(f"［{rule.label}］")
    if rule.bymonth:
        parts.append(_months(rule.bymonth))
    parts.append(_frequency(rule))
    if rule.byday:
        parts.append(_days(rule.byday))
    if rule.bymonthday:
        parts.append("・".join(f"{d}日" if d > 0 else "末日" for d in rule.bymonthday))
    opens, closes = format_time(rule.opens_at), format_time(rule.closes_at)
    if opens or closes:
        parts.append(f"{opens or ''}〜{closes or ''}")
    elif rule.daypart:
        parts.append(rule.daypart)
    return " ".join(p for p in parts if p)


def _frequency(rule: Rule) -> str:
    if rule.freq == "WEEKLY":
        return {1: "毎週", 2: "隔週"}.get(rule.interval, f"{rule.interval}週ごと")
    if rule.freq == "MONTHLY":
        return "毎月" if rule.interval == 1 else f"{rule.interval}か月ごと"
    return "毎年"


def _days(byday: tuple[str, ...]) -> str:
    ordinals: dict[str, list[str]] = {}
    for code in byday:
        ordinal, day = code[:-2], code[-2:]
        ordinals.setdefault(day, []).append(ordinal)
    groups: dict[tuple[str, ...], list[str]] = {}
    for day, which in ordinals.items():
        groups.setdefault(tuple(which), []).append(day)
    words = []
    for which, days in groups.items():
        names = "・".join(JA_WEEKDAYS[WEEKDAY_CODES.index(d)] for d in days) + "曜日"
        if any(which):
            nth = "・".join(_ORDINALS.get(o, f"第{o}") for o in which if o)
            words.append(f"{nth} {names}")
        else:
            words.append(names)
    return "、".join(words)


def _months(months: tuple[int, ...]) -> str:
    ordered = sorted(months)
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return f"{ordered[0]}〜{ordered[-1]}月"
    return "・".join(str(m) for m in ordered) + "月"


_NOTES = {
    NO_HOLIDAYS: "祝日は休み",
    CLOSED_NEW_YEAR: "年末年始は休み",
    CLOSED_OBON: "お盆は休み",
    SUSPENDED: "休止中",
}


@dataclass(frozen=True)
class Reading:
    """What the software read from a schedule text, for staff to check."""

    rules: tuple[str, ...]
    notes: tuple[str, ...]
    review: tuple[str, ...]
    next_dates: tuple[str, ...]


def read_schedule(schedule_text: str, closed_text: str, today: dt.date) -> Reading:
    schedule = parse_resource_schedule(schedule_text, closed_text)
    notes = []
    for code in schedule.exceptions:
        if code in _NOTES:
            notes.append(_NOTES[code])
        elif code.startswith(CLOSED_MONTH + ":"):
            notes.append(f"{code.split(':', 1)[1]}月は休み")
    found = next_occurrences(schedule, today, 3) if schedule.rules else []
    dates = tuple(
        f"{o.date.month}月{o.date.day}日（{JA_WEEKDAYS[o.date.weekday()]}）" for o in found
    )
    return Reading(
        rules=tuple(rule_words(r) for r in schedule.rules),
        notes=tuple(notes),
        review=tuple(schedule.needs_review),
        next_dates=dates,
    )
