"""Which days each distinct schedule meets, over the coming months, as a bit array: date
filters read bits built once per search index instead of expanding every resource's rules
on every request. ``mapapp.schedule`` stays the source of truth; the bits are its answers."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mapapp.schedule import HOLIDAY_PREVIOUS_DAY, Schedule, occurrences_between

PAST_DAYS = 31  # the horizon starts this far back (a date filter on last week still reads bits)
HORIZON_DAYS = 31 + 400  # and covers this many days: past month, the coming thirteen months
ROWS_KEPT = 50_000  # rows remembered between builds (one per distinct schedule and horizon)


def answers_by_day(schedule: Schedule) -> bool:
    """True when "meets on some day from first to last" is, for every range, "some day of it
    is a day the schedule meets on", so that one set of days answers every range.

    ``occurrences_between`` counts 隔週/隔月 from the start of the range asked, and does not
    look past its end for a meeting moved back a day (祝日の場合は前日): for those the answer
    depends on the range itself, and they are asked directly.
    """
    return HOLIDAY_PREVIOUS_DAY not in schedule.exceptions and all(
        rule.interval == 1 for rule in schedule.rules
    )


@dataclass(frozen=True)
class OpenDays:
    """Bit ``d`` of row ``s`` is set when schedule ``s`` meets on ``first_day + d`` days.

    Rows are packed eight days a byte, least significant bit first.
    """

    first_day: dt.date
    days: int
    bits: np.ndarray  # uint8, (schedules, ceil(days / 8))
    by_day: np.ndarray  # bool per schedule: answers_by_day
    schedules: tuple[Schedule, ...]

    @classmethod
    def build(
        cls, schedules: Sequence[Schedule], first_day: dt.date, days: int = HORIZON_DAYS
    ) -> OpenDays:
        """Each schedule's days from first_day, for ``days`` days (rows computed for an
        earlier index with the same horizon are reused)."""
        rows = [_row(schedule, first_day, days) for schedule in schedules]
        width = (days + 7) // 8
        return cls(
            first_day=first_day,
            days=days,
            bits=np.array(rows, dtype=np.uint8).reshape(len(rows), width),
            by_day=np.array([answers_by_day(s) for s in schedules], dtype=bool),
            schedules=tuple(schedules),
        )

    def with_more(self, schedules: Sequence[Schedule]) -> OpenDays:
        """These days and those of ``schedules`` after them, over the same horizon."""
        if not schedules:
            return self
        more = OpenDays.build(schedules, self.first_day, self.days)
        return OpenDays(
            first_day=self.first_day,
            days=self.days,
            bits=np.concatenate((self.bits, more.bits)),
            by_day=np.concatenate((self.by_day, more.by_day)),
            schedules=self.schedules + more.schedules,
        )

    def meets_between(self, first: dt.date, last: dt.date) -> np.ndarray:
        """Per schedule, True when it meets on some day from first to last inclusive: exactly
        ``bool(occurrences_between(schedule, first, last))``."""
        start, end = (first - self.first_day).days, (last - self.first_day).days
        if 0 <= start <= end < self.days:
            window = np.unpackbits(
                self.bits[:, start // 8 : end // 8 + 1], axis=1, bitorder="little"
            )
            meets = window[:, start % 8 : start % 8 + end - start + 1].any(axis=1)
            ask = np.flatnonzero(~self.by_day)
        else:  # outside the horizon: every schedule is asked
            meets = np.zeros(len(self.schedules), dtype=bool)
            ask = np.arange(len(self.schedules))
        for s in ask.tolist():
            meets[s] = bool(occurrences_between(self.schedules[s], first, last))
        return meets


_rows: dict[tuple[Schedule, dt.date, int], np.ndarray] = {}
_rows_lock = threading.Lock()


def _row(schedule: Schedule, first_day: dt.date, days: int) -> np.ndarray:
    key = (schedule, first_day, days)
    row = _rows.get(key)
    if row is None:
        last_day = first_day + dt.timedelta(days=days - 1)
        open_days = np.zeros(days, dtype=bool)
        for occurrence in occurrences_between(schedule, first_day, last_day):
            open_days[(occurrence.date - first_day).days] = True
        row = np.packbits(open_days, bitorder="little")
        with _rows_lock:
            if len(_rows) >= ROWS_KEPT:
                _rows.clear()
            _rows[key] = row
    return row
