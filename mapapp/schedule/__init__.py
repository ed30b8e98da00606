"""Free-text Japanese 開催日時 → structured rules, their occurrences, and iCalendar text.

The work is split by concept; this module is the one to import:

- ``text``: normalisation on top of mapapp.text (tildes, kanji numerals, PDF wraps)
- ``lexer`` → ``parse`` → ``specs``: text → tokens → Rules
- ``closed``: 定休日 text → the days left open
- ``occurrences``: dates with 祝日, 年末年始 and closures applied
- ``ical``: RFC 5545 VCALENDAR text
- ``resource``: a resource's 開催日時 and 休み texts read together

>>> import datetime
>>> schedule = parse_schedule("毎⽉２回／第２、第４⾦曜⽇10:00〜11:30")
>>> [rule.to_rrule() for rule in schedule.rules]
['FREQ=MONTHLY;BYDAY=2FR,4FR']
>>> [format_occurrence(o) for o in next_occurrences(schedule, datetime.date(2026, 6, 1), 2)]
['6月12日(金) 10:00〜11:30', '6月26日(金) 10:00〜11:30']
"""

from __future__ import annotations

from mapapp.schedule.closed import parse_closed_days
from mapapp.schedule.ical import to_ical
from mapapp.schedule.model import (
    CLOSED_MONTH,
    CLOSED_NEW_YEAR,
    CLOSED_OBON,
    HOLIDAY_NEXT_DAY,
    HOLIDAY_PREVIOUS_DAY,
    NO_HOLIDAYS,
    OPEN_HOLIDAYS,
    SUSPENDED,
    Occurrence,
    Rule,
    Schedule,
    ScheduleParseError,
)
from mapapp.schedule.occurrences import (
    format_occurrence,
    holiday_mark,
    holiday_unclear,
    is_open_on,
    is_open_on_weekday,
    next_occurrences,
    occurrences_between,
)
from mapapp.schedule.parse import DEFAULT_SEASON_MONTHS, parse_schedule
from mapapp.schedule.resource import parse_resource_schedule, weekday_mask

__all__ = [
    "CLOSED_MONTH",
    "CLOSED_NEW_YEAR",
    "CLOSED_OBON",
    "DEFAULT_SEASON_MONTHS",
    "HOLIDAY_NEXT_DAY",
    "HOLIDAY_PREVIOUS_DAY",
    "NO_HOLIDAYS",
    "OPEN_HOLIDAYS",
    "SUSPENDED",
    "Occurrence",
    "Rule",
    "Schedule",
    "ScheduleParseError",
    "format_occurrence",
    "holiday_mark",
    "holiday_unclear",
    "is_open_on",
    "is_open_on_weekday",
    "next_occurrences",
    "occurrences_between",
    "parse_closed_days",
    "parse_resource_schedule",
    "parse_schedule",
    "to_ical",
    "weekday_mask",
]
