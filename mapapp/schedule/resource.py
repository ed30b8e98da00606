"""A resource's schedule from its two texts: 開催日時 and 休み (定休日)."""

from __future__ import annotations

import functools
from dataclasses import replace

from mapapp.schedule.closed import MEETING_DAYS_REVIEW, parse_closed_days
from mapapp.schedule.model import OPEN_HOLIDAYS, Schedule
from mapapp.schedule.parse import parse_schedule
from mapapp.schedule.specs import DayOff, narrow_hours, without_days

NO_SCHEDULE = "開催日時が書かれていません"
NO_WEEKDAY = "曜日がわかりません"
UNREADABLE_CLOSED = "休みの書き方を読み取れませんでした"


@functools.lru_cache(maxsize=20_000)
def parse_resource_schedule(schedule_text: str, closed_text: str = "") -> Schedule:
    """Combine what the two texts say; the one reading every page, file and filter uses.

    With rules in 開催日時, 休み adds its exceptions (祝日, 年末年始, 8月は休み) and takes its
    weekdays away (毎日 + 休み 月曜日 → 火〜日). With only hours there (「8時30分～17時15分」,
    as care offices publish them), 休み says which days those hours apply to (「土日祝」 →
    月〜金) when it names weekdays; 「年末年始」 alone leaves the days unknown, never 毎日.
    休み alone tells the open days only when it names weekdays (「木曜日午後・日曜日・祝日」);
    「年末年始」 or 「祝日」 alone say nothing about open days.
    An empty 開催日時 is unknown, not a mistake.

    Never a wrong date: whenever a person must check the reading (``needs_review``), the
    result has no rules and no 祝日 meetings, so no date is published anywhere (pages, API,
    .ics, date filters); the texts are still shown as written. Results are cached: Schedule
    is immutable, and lists repeat the same texts a great deal.
    """
    return _publishable(_combined(schedule_text, closed_text))


def _publishable(schedule: Schedule) -> Schedule:
    """No rules and no 祝日 meetings for a reading a person must check."""
    if not schedule.needs_review:
        return schedule
    exceptions = tuple(code for code in schedule.exceptions if not code.startswith(OPEN_HOLIDAYS))
    return replace(schedule, rules=(), exceptions=exceptions)


def _combined(schedule_text: str, closed_text: str) -> Schedule:
    main = parse_schedule(schedule_text or "")
    written = bool((schedule_text or "").strip())
    if not written:
        main = replace(main, needs_review=tuple(r for r in main.needs_review if r != NO_SCHEDULE))
    if not (closed_text or "").strip():
        return main
    try:
        closed = parse_closed_days(closed_text)
    except ValueError:  # a time such as 5:75 in the text; say so rather than fail the import
        return replace(main, needs_review=(*main.needs_review, UNREADABLE_CLOSED))
    exceptions = tuple(dict.fromkeys(main.exceptions + closed.exceptions))
    if main.rules or main.suspended:
        rules, reasons = main.rules, []
        if _names_weekdays(closed):
            kept, reasons = without_days(list(main.rules), _days_off(closed))
            rules = tuple(kept)
        return replace(
            main,
            rules=rules,
            exceptions=exceptions,
            needs_review=tuple(
                dict.fromkeys(main.needs_review + tuple(reasons) + closed.needs_review)
            ),
        )
    hours_only = main.opens_at is not None or main.closes_at is not None
    if hours_only and _names_weekdays(closed):
        rules = tuple(r for r in (_within_hours(r, main) for r in closed.rules) if r is not None)
    elif (not written and _names_weekdays(closed)) or MEETING_DAYS_REVIEW in closed.needs_review:
        # 「木曜日午後・日曜日・祝日」 as clinics write 休診日: the other days are open. Or the
        # 休み column holds the meeting days themselves.
        rules = closed.rules
    else:
        rules = ()
    review = tuple(r for r in main.needs_review if not (rules and r == NO_WEEKDAY))
    return replace(
        main,
        rules=rules,
        exceptions=exceptions,
        needs_review=review + closed.needs_review,
        notes=main.notes + closed.notes,
    )


def _within_hours(day_rule, main: Schedule):
    """The stated hours, narrowed by a part-day closure (「水曜午後」 → until 12:00 that day).

    None when nothing is left of the day (open 13:00–17:00, closed from noon).
    """
    hours = narrow_hours(main.opens_at, main.closes_at, (day_rule.opens_at, day_rule.closes_at))
    if hours is None:
        return None
    return replace(day_rule, opens_at=hours[0], closes_at=hours[1])


def _days_off(closed: Schedule) -> dict[int, DayOff]:
    """Weekday → None when the 休み text closes it all day, or the hours it stays open."""
    days: dict[int, DayOff] = {}
    for weekday in range(7):
        rule = next((r for r in closed.rules if weekday in r.weekdays()), None)
        if rule is None:
            days[weekday] = None
        elif rule.opens_at is not None or rule.closes_at is not None:
            days[weekday] = (rule.opens_at, rule.closes_at)
    return days


def _names_weekdays(closed: Schedule) -> bool:
    """True when a 休み text closed some weekday (all day or part of it), not just holidays."""
    if not closed.rules:
        return False
    whole_days = frozenset().union(
        *(r.weekdays() for r in closed.rules if r.closes_at is None and r.opens_at is None)
    )
    return whole_days != frozenset(range(7)) or any(r.closes_at or r.opens_at for r in closed.rules)


def weekday_mask(schedule: Schedule) -> int:
    """Bit n set when the schedule meets on weekday n (0 = Monday); 0 when unknown."""
    if schedule.suspended:
        return 0
    mask = 0
    for rule in schedule.rules:
        for weekday in rule.weekdays():
            mask |= 1 << weekday
    return mask
