"""Turn the day phrases read from a 開催日時 into Rules, checking counts and anchors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from mapapp.schedule.lexer import Token
from mapapp.schedule.model import OPEN_HOLIDAYS, WEEKDAY_CODES, Rule, format_time

NO_DAYS = "曜日がわかりません"


@dataclass
class Slot:
    """Hours read from the text, with the season (and its months) they belong to."""

    opens_at: dt.time | None
    closes_at: dt.time | None
    season: str | None = None
    months: tuple[int, ...] = ()


@dataclass
class Spec:
    """The days one phrase names, before they become rules."""

    freq: str | None = None
    interval: int = 1
    freq_text: str = ""
    weekly: list[str] = field(default_factory=list)
    ordinal_days: list[str] = field(default_factory=list)
    monthdays: list[int] = field(default_factory=list)
    dates: list[tuple[int, int]] = field(default_factory=list)
    pending: Token | None = None  # 第2・第4 waiting for its weekday
    count: Token | None = None
    months: tuple[int, ...] = ()
    slots: list[Slot] = field(default_factory=list)
    daypart: str | None = None
    label: str | None = None
    holidays: bool = False
    broken: bool = False  # an ordinal we could not read: its weekday must not become a rule

    def has_days(self) -> bool:
        return bool(self.weekly or self.ordinal_days or self.monthdays or self.dates)

    def is_empty(self) -> bool:
        return not (self.has_days() or self.pending or self.count or self.freq or self.holidays)


def sorted_byday(codes: list[str]) -> tuple[str, ...]:
    """Canonical BYDAY order: plain weekdays, then by ordinal (最終 last), Monday first."""

    def key(code: str) -> tuple[int, int]:
        ordinal = int(code[:-2]) if code[:-2] else 0
        return (ordinal if ordinal > 0 else 9, WEEKDAY_CODES.index(code[-2:]))

    return tuple(sorted(dict.fromkeys(codes), key=key))


class RuleBuilder:
    """Rules from specs; what does not fit goes to ``reviews``, 土日祝 to ``exceptions``."""

    def __init__(self, reviews: dict[str, None], exceptions: dict[str, None]) -> None:
        self.reviews = reviews
        self.exceptions = exceptions

    def review(self, reason: str) -> None:
        self.reviews[reason] = None

    def rules(self, specs: list[Spec]) -> list[Rule]:
        """Every spec's rules in text order, without repeats."""
        rules: list[Rule] = []
        for spec in specs:
            rules += self.spec_rules(spec)
        return list(dict.fromkeys(rules))

    def spec_rules(self, spec: Spec) -> list[Rule]:
        if spec.broken:
            return []
        groups = self.day_groups(spec)
        slots = spec.slots or [Slot(None, None)]
        if spec.holidays:
            slot = slots[0]
            times = f"{format_time(slot.opens_at) or ''}-{format_time(slot.closes_at) or ''}"
            self.exceptions[OPEN_HOLIDAYS if times == "-" else f"{OPEN_HOLIDAYS}:{times}"] = None
        if not groups:
            if not spec.holidays:
                self.review(self.missing_days_reason(spec))
            return []
        if spec.pending is not None:
            self.review(f"「{spec.pending.text}」の曜日がわかりません")
        self.check_count(spec)
        if spec.interval > 1:
            self.review(f"{spec.freq_text}の基準日がわかりません（どの週・月から数えるか確認）")
        return [
            Rule(
                **{key: value for key, value in group.items() if key != "bymonth"},
                bymonth=group.get("bymonth") or slot.months or spec.months,
                opens_at=slot.opens_at,
                closes_at=slot.closes_at,
                season=slot.season,
                daypart=spec.daypart,
                label=spec.label,
            )
            for group in groups
            for slot in slots
        ]

    def day_groups(self, spec: Spec) -> list[dict]:
        groups: list[dict] = []
        if spec.weekly:
            monthly = spec.freq == "MONTHLY"
            groups.append(
                {
                    "freq": "MONTHLY" if monthly else "WEEKLY",
                    "interval": spec.interval,
                    "byday": sorted_byday(spec.weekly),
                }
            )
        if spec.ordinal_days:
            if spec.freq == "WEEKLY" and spec.interval > 1:
                self.review(f"{spec.freq_text}と第何曜日が両方書かれています")
            interval = spec.interval if spec.freq == "MONTHLY" else 1
            groups.append(
                {"freq": "MONTHLY", "interval": interval, "byday": sorted_byday(spec.ordinal_days)}
            )
        if spec.monthdays:
            interval = spec.interval if spec.freq == "MONTHLY" else 1
            monthdays = tuple(sorted(set(spec.monthdays), key=lambda d: d if d > 0 else 99))
            groups.append({"freq": "MONTHLY", "interval": interval, "bymonthday": monthdays})
        for month, day in dict.fromkeys(spec.dates):
            groups.append({"freq": "YEARLY", "bymonth": (month,), "bymonthday": (day,)})
        return groups

    def missing_days_reason(self, spec: Spec) -> str:
        if spec.count is not None:
            what = "曜日" if spec.count.value["freq"] == "WEEKLY" else "日にち"
            return f"回数だけで{what}がわかりません（{spec.count.text}）"
        if spec.pending is not None:
            return f"{spec.pending.text.rstrip('の')}とありますが曜日がわかりません"
        if spec.freq:
            return f"{spec.freq_text}とありますが{NO_DAYS}"
        return NO_DAYS

    def check_count(self, spec: Spec) -> None:
        if spec.count is None or not spec.count.value["exact"]:
            return
        count = spec.count.value
        if count["freq"] == "WEEKLY":
            named = len(spec.weekly) if not (spec.ordinal_days or spec.monthdays) else -1
        elif count["freq"] == "MONTHLY":
            named = len(spec.ordinal_days) + len(spec.monthdays) if not spec.weekly else -1
        else:
            named = len(spec.dates)
        if named != count["times"]:
            self.review(f"回数（{spec.count.text}）と曜日・日付の数が合いません")
