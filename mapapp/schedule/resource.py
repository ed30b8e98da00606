"""A resource's schedule from its two texts: 開催日時 and 休み (定休日)."""

from __future__ import annotations

import functools
from dataclasses import replace

from mapapp.schedule.closed import MEETING_DAYS_REVIEW, parse_closed_days
from mapapp.schedule.model import Schedule
from mapapp.schedule.parse import parse_schedule

NO_SCHEDULE = "開催日時が書かれていません"
NO_WEEKDAY = "曜日がわかりません"
UNREADABLE_CLOSED = "休みの書き方を読み取れませんでした"


@functools.lru_cache(maxsize=20_000)
def parse_resource_schedule(schedule_text: str, closed_text: str = "") -> Schedule:
    """Combine what the two texts say.

    With rules in 開催日時, 休み adds its exceptions (祝日, 年末年始, 8月は休み). With only
    hours there (「8時30分～17時15分」, as care offices publish them), 休み says which days
    those hours apply to (「土日祝」 → 月〜金). 休み alone tells the open days only when it
    names weekdays (「木曜日午後・日曜日・祝日」), or plainly holds the meeting days (the 湖西市
    cafe that lists them there); 「年末年始」 or 「祝日」 alone say nothing about open days.
    An empty 開催日時 is unknown, not a mistake. Results are cached: Schedule is immutable,
    and lists repeat the same texts a great deal.
    """
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
        return replace(
            main, exceptions=exceptions, needs_review=main.needs_review + closed.needs_review
        )
    hours_only = main.opens_at is not None or main.closes_at is not None
    if hours_only:
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
    opens = max((t for t in (day_rule.opens_at, main.opens_at) if t is not None), default=None)
    closes = min((t for t in (day_rule.closes_at, main.closes_at) if t is not None), default=None)
    if opens is not None and closes is not None and opens >= closes:
        return None
    return replace(day_rule, opens_at=opens, closes_at=closes)


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
