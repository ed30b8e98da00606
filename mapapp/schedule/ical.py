"""Write Schedules as an iCalendar (RFC 5545) VCALENDAR that common calendar apps import."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from mapapp.schedule.model import Occurrence, Rule, Schedule
from mapapp.schedule.occurrences import occurrences_by_rule, rule_dates

PRODID = "-//mapapp//地域ささえあいマップ schedule//JA"
# RRULEs are cut at dtstart + horizon_days so the EXDATE list of holidays stays complete.
DEFAULT_HORIZON_DAYS = 366
_LINE_OCTETS = 75

Event = tuple[str, str, Schedule, str | None]  # (uid, summary, schedule, location)


def _escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> list[str]:
    """Split a content line into ≤75-octet pieces without cutting a UTF-8 character."""
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = _LINE_OCTETS if not pieces else _LINE_OCTETS - 1  # the leading space counts
        if size + width > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    pieces.append(current)
    return [pieces[0]] + [" " + piece for piece in pieces[1:]]


def _local(day: dt.date, at: dt.time) -> str:
    return dt.datetime.combine(day, at).strftime("%Y%m%dT%H%M%S")


def _timezone_block(tz: str, start: dt.date, end: dt.date) -> list[str]:
    """A VTIMEZONE for a zone without daylight saving (Asia/Tokyo); others are refused."""
    zone = ZoneInfo(tz)
    samples = [dt.datetime.combine(start, dt.time(12), zone)]
    samples += [samples[0] + dt.timedelta(days=step) for step in range(30, (end - start).days, 30)]
    offsets = {sample.utcoffset() for sample in samples}
    if len(offsets) != 1:
        raise ValueError(f"tz: expected a zone without daylight saving, got {tz!r}")
    offset = offsets.pop() or dt.timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    text = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    return [
        "BEGIN:VTIMEZONE",
        f"TZID:{tz}",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        f"TZOFFSETFROM:{text}",
        f"TZOFFSETTO:{text}",
        f"TZNAME:{samples[0].tzname()}",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]


class _EventWriter:
    def __init__(self, tz: str, start: dt.date, last: dt.date, stamp: str) -> None:
        self.tz, self.start, self.last, self.stamp = tz, start, last, stamp

    def when(self, name: str, days: Iterable[dt.date], at: dt.time | None) -> str:
        if at is None:
            return f"{name};VALUE=DATE:" + ",".join(day.strftime("%Y%m%d") for day in days)
        return f"{name};TZID={self.tz}:" + ",".join(_local(day, at) for day in days)

    def event(
        self,
        uid: str,
        summary: str,
        location: str | None,
        description: str,
        first: dt.date,
        opens_at: dt.time | None,
        closes_at: dt.time | None,
    ) -> list[str]:
        lines = [
            "BEGIN:VEVENT",
            f"UID:{_escape(uid)}",
            f"DTSTAMP:{self.stamp}",
            f"SUMMARY:{_escape(summary)}",
            self.when("DTSTART", [first], opens_at),
        ]
        if opens_at is None:
            lines.append(self.when("DTEND", [first + dt.timedelta(days=1)], None))
        elif closes_at is not None and closes_at > opens_at:
            lines.append(self.when("DTEND", [first], closes_at))
        if location:
            lines.append(f"LOCATION:{_escape(location)}")
        lines.append(f"DESCRIPTION:{_escape(description)}")
        return lines

    def until(self, rule: Rule) -> str:
        if rule.opens_at is None:
            return self.last.strftime("%Y%m%d")
        local = dt.datetime.combine(self.last, rule.opens_at, ZoneInfo(self.tz))
        return local.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")

    def rule_event(
        self, uid: str, summary: str, event: Event, rule: Rule, found: list[Occurrence]
    ) -> list[str]:
        _, _, schedule, location = event
        planned = rule_dates(rule, self.start, self.last, anchor=self.start)
        if not planned:
            return []
        kept = {occ.date for occ in found}
        title = f"{summary}（{rule.season}）" if rule.season else summary
        lines = self.event(
            uid, title, location, schedule.text, planned[0], rule.opens_at, rule.closes_at
        )
        lines.append(f"RRULE:{rule.to_rrule()};UNTIL={self.until(rule)}")
        excluded = [day for day in planned if day not in kept]
        added = sorted(kept - set(planned))
        if excluded:
            lines.append(self.when("EXDATE", excluded, rule.opens_at))
        if added:
            lines.append(self.when("RDATE", added, rule.opens_at))
        return [*lines, "END:VEVENT"]

    def holiday_event(
        self, uid: str, summary: str, event: Event, found: list[Occurrence]
    ) -> list[str]:
        _, _, schedule, location = event
        first = found[0]
        lines = self.event(
            uid, summary, location, schedule.text, first.date, first.opens_at, first.closes_at
        )
        if len(found) > 1:
            lines.append(self.when("RDATE", [occ.date for occ in found[1:]], first.opens_at))
        return [*lines, "END:VEVENT"]


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
    Suspended schedules and schedules without rules are left out. Lines end in CRLF and are
    folded at 75 octets.
    """
    if horizon_days < 1:
        raise ValueError(f"horizon_days: expected 1 or more, got {horizon_days!r}")
    last = dtstart + dt.timedelta(days=horizon_days - 1)
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    writer = _EventWriter(tz, dtstart, last, stamp)
    body: list[str] = []
    for event in events:
        uid, summary, schedule, _location = event
        per_rule, holiday_dates = occurrences_by_rule(schedule, dtstart, last, anchor=dtstart)
        seen = set()
        for index, (rule, found) in enumerate(zip(schedule.rules, per_rule, strict=True)):
            # A date moved onto another rule's meeting at the same time is one meeting.
            unique = [occ for occ in found if (occ.date, occ.opens_at) not in seen]
            seen |= {(occ.date, occ.opens_at) for occ in found}
            rule_uid = uid if len(schedule.rules) == 1 else f"{uid}-{index + 1}"
            body += writer.rule_event(rule_uid, summary, event, rule, unique)
        extra = [occ for occ in holiday_dates if (occ.date, occ.opens_at) not in seen]
        if extra:
            body += writer.holiday_event(f"{uid}-holidays", summary, event, extra)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        *(_timezone_block(tz, dtstart, last) if body else []),
        *body,
        "END:VCALENDAR",
    ]
    return "".join(piece + "\r\n" for line in lines for piece in _fold(line))
