"""Write Schedules as an iCalendar (RFC 5545) VCALENDAR that common calendar apps import."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar

from mapapp.schedule.model import Occurrence, Rule, Schedule
from mapapp.schedule.occurrences import occurrences_by_rule, rule_dates

PRODID = "-//mapapp//地域ささえあいマップ schedule//JA"
# RRULEs are cut at dtstart + horizon_days so the EXDATE list of holidays stays complete.
DEFAULT_HORIZON_DAYS = 366

Event = tuple[str, str, Schedule, str | None]  # (uid, summary, schedule, location)


class _EventWriter:
    """VEVENTs for one calendar; the occurrence logic is ours, the format is icalendar's."""

    def __init__(self, tz: str, start: dt.date, last: dt.date, stamp: dt.datetime) -> None:
        self.zone, self.start, self.last, self.stamp = ZoneInfo(tz), start, last, stamp

    def at(self, day: dt.date, time: dt.time | None) -> dt.date | dt.datetime:
        return day if time is None else dt.datetime.combine(day, time, self.zone)

    def event(
        self,
        uid: str,
        summary: str,
        location: str | None,
        description: str,
        first: dt.date,
        opens_at: dt.time | None,
        closes_at: dt.time | None,
    ) -> icalendar.Event:
        event = icalendar.Event()
        event.add("uid", uid)
        event.add("dtstamp", self.stamp)
        event.add("summary", summary)
        event.add("dtstart", self.at(first, opens_at))
        if opens_at is None:
            event.add("dtend", first + dt.timedelta(days=1))
        elif closes_at is not None and closes_at > opens_at:
            event.add("dtend", self.at(first, closes_at))
        if location:
            event.add("location", location)
        event.add("description", description)
        return event

    def until(self, rule: Rule) -> dt.date | dt.datetime:
        if rule.opens_at is None:
            return self.last
        return dt.datetime.combine(self.last, rule.opens_at, self.zone).astimezone(dt.UTC)

    def rule_event(
        self, uid: str, summary: str, event: Event, rule: Rule, found: list[Occurrence]
    ) -> icalendar.Event | None:
        _, _, schedule, location = event
        planned = rule_dates(rule, self.start, self.last, anchor=self.start)
        if not planned:
            return None
        kept = {occ.date for occ in found}
        title = f"{summary}（{rule.season}）" if rule.season else summary
        vevent = self.event(
            uid, title, location, schedule.text, planned[0], rule.opens_at, rule.closes_at
        )
        recurrence = icalendar.vRecur.from_ical(rule.to_rrule())
        recurrence["UNTIL"] = [self.until(rule)]
        vevent.add("rrule", recurrence)
        excluded = [day for day in planned if day not in kept]
        added = sorted(kept - set(planned))
        if excluded:
            vevent.add("exdate", [self.at(day, rule.opens_at) for day in excluded])
        if added:
            vevent.add("rdate", [self.at(day, rule.opens_at) for day in added])
        return vevent

    def holiday_event(
        self, uid: str, summary: str, event: Event, found: list[Occurrence]
    ) -> icalendar.Event:
        _, _, schedule, location = event
        first = found[0]
        vevent = self.event(
            uid, summary, location, schedule.text, first.date, first.opens_at, first.closes_at
        )
        if len(found) > 1:
            vevent.add("rdate", [self.at(occ.date, first.opens_at) for occ in found[1:]])
        return vevent


def to_ical(
    events: list[Event],
    *,
    dtstart: dt.date,
    tz: str = "Asia/Tokyo",
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    now: dt.datetime | None = None,
) -> str:
    """A VCALENDAR with one VEVENT per rule, from ``dtstart`` for ``horizon_days`` days.

    ``events`` are ``(uid, summary, schedule, location)``; a schedule with several rules gives
    UIDs ``uid-1``, ``uid-2`` …, and its 祝日 meetings ``uid-holidays``. Each RRULE ends at the
    horizon (UNTIL) and carries EXDATEs for the holidays and closures next_occurrences skips,
    and RDATEs for dates moved by 祝日の場合は翌日, so a calendar app shows the same dates.
    Times without a closing time have no DTEND; rules without times are all-day events.
    Suspended schedules and schedules without rules are left out. Serialised (escaping,
    folding, CRLF, VTIMEZONE) by the icalendar library.
    """
    if horizon_days < 1:
        raise ValueError(f"horizon_days: expected 1 or more, got {horizon_days!r}")
    last = dtstart + dt.timedelta(days=horizon_days - 1)
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    writer = _EventWriter(tz, dtstart, last, stamp)
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    for event in events:
        uid, summary, schedule, _location = event
        per_rule, holiday_dates = occurrences_by_rule(schedule, dtstart, last, anchor=dtstart)
        seen = set()
        for index, (rule, found) in enumerate(zip(schedule.rules, per_rule, strict=True)):
            # A date moved onto another rule's meeting at the same time is one meeting.
            unique = [occ for occ in found if (occ.date, occ.opens_at) not in seen]
            seen |= {(occ.date, occ.opens_at) for occ in found}
            rule_uid = uid if len(schedule.rules) == 1 else f"{uid}-{index + 1}"
            vevent = writer.rule_event(rule_uid, summary, event, rule, unique)
            if vevent is not None:
                calendar.add_component(vevent)
        extra = [occ for occ in holiday_dates if (occ.date, occ.opens_at) not in seen]
        if extra:
            calendar.add_component(writer.holiday_event(f"{uid}-holidays", summary, event, extra))
    if calendar.subcomponents:
        calendar.add_missing_timezones()
    return calendar.to_ical().decode("utf-8")
