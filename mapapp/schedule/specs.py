"""Turn the day phrases read from a 開催日時 into Rules, checking counts and anchors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from mapapp.schedule.lexer import Token
from mapapp.schedule.model import CLOSED_MONTH, OPEN_HOLIDAYS, WEEKDAY_CODES, Rule, format_time

NO_DAYS = "曜日がわかりません"
ALL_MONTHS = frozenset(range(1, 13))
# hours_by_day values for without_days: the whole day off, or the hours still open that day.
DayOff = tuple[dt.time | None, dt.time | None] | None


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
    line: int = 0  # the line of the text its first day was read on
    # 「第1火曜日を除く」: weekday code → the ordinals taken away from that weekday
    excluded: dict[str, set[int]] = field(default_factory=dict)
    # 「※3月は第2土曜日」: months named before the days are a note for those months only,
    # in place of the days the text gave before (``only``: 「のみ」; ``also``: 「も開催」)
    scoped: bool = False
    months_text: str = ""
    only: bool = False
    also: bool = False
    others: bool = False  # 「その他の月は」: the months no scoped spec names
    removed_months: set[int] = field(default_factory=set)  # given to a scoped spec

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

    def rules(self, specs: list[Spec], closed_days: frozenset[int] = frozenset()) -> list[Rule]:
        """Every spec's rules in text order, without repeats.

        ``closed_days`` are weekdays (0 = Monday) the text says are off (土日祝日の場合は休み).
        """
        self.resolve_months(specs)
        rules: list[Rule] = []
        for spec in specs:
            rules += self.spec_rules(spec)
        rules = list(dict.fromkeys(rules))
        if closed_days:
            rules, reasons = without_days(rules, dict.fromkeys(closed_days))
            for reason in reasons:
                self.review(reason)
        self.check_yearly_count(specs, rules)
        return rules

    def resolve_months(self, specs: list[Spec]) -> None:
        """「毎月第3土曜日 ※3月は第2土曜日」: the note's months leave the days before it.

        A spec whose months were named before its days (scoped) replaces, in those months, the
        days an earlier spec gives: when it says 「のみ」, when both are days of the month
        (第n曜日, n日), or when it names only days the earlier one has. 「も」 adds instead.
        Anything else that overlaps (a note before the days it would replace, 「4月~9月は
        毎週木曜日」 after 毎週月曜日) is not certain: a person checks it.
        """
        scoped = [spec for spec in specs if spec.scoped and spec.has_days()]
        named = set().union(*(spec.months for spec in scoped))
        for spec in specs:
            if spec.others:
                spec.months = tuple(sorted(ALL_MONTHS - named))
                if not spec.months:
                    self.review("「その他の月」がどの月かわかりません")
        scoped_ids = {id(spec) for spec in scoped}  # a set: a list scan per spec is quadratic
        for position, note in enumerate(specs):
            if id(note) not in scoped_ids or note.also:
                continue
            replaced: list[Spec] = []
            note_months = set(note.months)
            for earlier, other in enumerate(specs):
                if other is note or other.others or not other.has_days():
                    continue
                overlap = (set(other.months or ALL_MONTHS) - other.removed_months) & note_months
                if not overlap:
                    continue
                if other.scoped or earlier > position:
                    self.review(f"「{note.months_text}」の日程がほかの日程と重なります")
                elif note.only or _same_kind(other, note) or _within(note, other):
                    other.removed_months |= overlap
                    replaced.append(other)
                else:
                    self.review(
                        f"「{note.months_text}」の日程がほかの日の代わりか、加わるのかわかりません"
                    )
            slots = {tuple((s.opens_at, s.closes_at) for s in spec.slots) for spec in replaced}
            if replaced and not note.slots and not note.daypart and len(slots) == 1:
                # The day moves, the session stays: the hours of the day it replaces.
                note.slots = [replace(slot) for slot in replaced[0].slots]

    def check_yearly_count(self, specs: list[Spec], rules: list[Rule]) -> None:
        """「年12回開催」 must be the number of meetings the rules give in a year."""
        counts = [
            spec.count
            for spec in specs
            if spec.count is not None
            and spec.count.value["freq"] == "YEARLY"
            and spec.count.value["exact"]
            and spec.has_days()
        ]
        if not counts:
            return
        closed = {
            int(code.split(":")[1])
            for code in self.exceptions
            if code.startswith(CLOSED_MONTH + ":")
        }
        per_rule = [_per_year(rule, closed) for rule in rules]
        total = None if None in per_rule else sum(per_rule)
        for count in counts:
            if total != count.value["times"]:
                self.review(f"回数（{count.text}）と曜日・日付の数が合いません")

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
        rules = []
        for group in groups:
            for slot in slots:
                months = group.get("bymonth") or slot.months or spec.months
                if spec.removed_months:
                    months = tuple(
                        m for m in months or sorted(ALL_MONTHS) if m not in spec.removed_months
                    )
                    if not months:
                        continue
                rules.append(
                    Rule(
                        **{key: value for key, value in group.items() if key != "bymonth"},
                        bymonth=tuple(months),
                        opens_at=slot.opens_at,
                        closes_at=slot.closes_at,
                        season=slot.season,
                        daypart=spec.daypart,
                        label=spec.label,
                    )
                )
        return rules

    def excluded_days(self, spec: Spec) -> tuple[list[str], list[str]]:
        """Weekly days and 第n days once 「第1火曜日を除く」 is applied: 火曜 → 第2〜第5火曜."""
        weekly = list(dict.fromkeys(spec.weekly))
        ordinal_days = list(spec.ordinal_days)
        for day, ordinals in spec.excluded.items():
            if day not in weekly:
                self.review(f"除く日（{day_label(f'{min(ordinals)}{day}')}）が開催日にありません")
            elif -1 in ordinals:
                self.review(f"{day_label(f'-1{day}')}を除く日は読み取りません")
            elif spec.interval > 1:
                self.review(f"{spec.freq_text}と除く日が両方書かれています")
            else:
                weekly.remove(day)
                ordinal_days += [f"{n}{day}" for n in range(1, 6) if n not in ordinals]
        return weekly, ordinal_days

    def day_groups(self, spec: Spec) -> list[dict]:
        groups: list[dict] = []
        weekly, ordinal_days = self.excluded_days(spec)
        if weekly:
            monthly = spec.freq == "MONTHLY"
            groups.append(
                {
                    "freq": "MONTHLY" if monthly else "WEEKLY",
                    "interval": spec.interval,
                    "byday": sorted_byday(weekly),
                }
            )
        if ordinal_days:
            if spec.freq == "WEEKLY" and spec.interval > 1:
                self.review(f"{spec.freq_text}と第何曜日が両方書かれています")
            interval = spec.interval if spec.freq == "MONTHLY" else 1
            groups.append(
                {"freq": "MONTHLY", "interval": interval, "byday": sorted_byday(ordinal_days)}
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
            return  # 年12回: checked against every rule by check_yearly_count
        if named != count["times"]:
            self.review(f"回数（{spec.count.text}）と曜日・日付の数が合いません")


def day_label(code: str) -> str:
    """``"2SA"`` → 「第2土曜日」; ``"-1FR"`` → 「最終金曜日」; ``"MO"`` → 「月曜日」."""
    name = "月火水木金土日"[WEEKDAY_CODES.index(code[-2:])] + "曜日"
    ordinal = code[:-2]
    return name if not ordinal else ("最終" if ordinal == "-1" else f"第{ordinal}") + name


def _same_kind(one: Spec, other: Spec) -> bool:
    """Both days of the month (第n曜日, n日), or both the same weekdays every week."""
    if not (one.weekly or other.weekly):
        return True
    return set(one.weekly) == set(other.weekly) and not (
        one.ordinal_days or one.monthdays or other.ordinal_days or other.monthdays
    )


def _within(note: Spec, other: Spec) -> bool:
    """「毎週水曜日 ※8月は第1水曜日」: the note names only days the other already has."""
    days = [code[-2:] for code in note.ordinal_days] + list(note.weekly)
    return bool(days) and not note.monthdays and set(days) <= set(other.weekly)


def _per_year(rule: Rule, closed_months: set[int]) -> int | None:
    """How many meetings a rule gives in a year, or None when that depends on the year."""
    if rule.interval != 1 or (rule.bymonthday and rule.byday):
        return None
    if rule.freq == "YEARLY":
        return len(rule.bymonthday) * len(set(rule.bymonth) - closed_months)
    if rule.freq != "MONTHLY":
        return None
    if any(not (1 <= day <= 28 or day == -1) for day in rule.bymonthday):
        return None
    if any(code[:-2] not in {"1", "2", "3", "4", "-1"} for code in rule.byday):
        return None  # 第5 and plain weekdays vary from month to month
    months = set(rule.bymonth or ALL_MONTHS) - closed_months
    return (len(rule.bymonthday) + len(rule.byday)) * len(months)


def narrow_hours(
    opens_at: dt.time | None,
    closes_at: dt.time | None,
    window: tuple[dt.time | None, dt.time | None],
) -> tuple[dt.time | None, dt.time | None] | None:
    """The hours left inside ``window`` (an open side is None); None when nothing is left."""
    opens = max((t for t in (opens_at, window[0]) if t is not None), default=None)
    closes = min((t for t in (closes_at, window[1]) if t is not None), default=None)
    if opens is not None and closes is not None and opens >= closes:
        return None
    return opens, closes


def without_days(
    rules: list[Rule], hours_by_day: dict[int, DayOff]
) -> tuple[list[Rule], list[str]]:
    """Rules with days off taken out, and the reasons a person must check what is left.

    ``hours_by_day`` maps a weekday (0 = Monday) to None when it is off all day, or to the
    hours still open that day (「水曜午後」休み → (None, 12:00)). Plain weekdays are dropped or
    their hours narrowed (毎日 + 休み 月曜日 → 火〜日); a day of the month keeps only the
    weekdays left open (毎月1日 + 土日休み → BYMONTHDAY=1;BYDAY=MO..FR). A 第n weekday that is
    a day off contradicts the text: it is left for a person to check.
    """
    result: list[Rule] = []
    reasons: list[str] = []
    for rule in rules:
        if rule.bymonthday:
            weekdays = set(rule.weekday_filter() or range(7))
            partial = [d for d in weekdays if d in hours_by_day and hours_by_day[d] is not None]
            if partial:
                reasons.append("日にちで決まる開催日と、休みの時間帯が重なります")
            open_days = sorted(d for d in weekdays if d not in hours_by_day)
            if not open_days:
                reasons.append("開催日がすべて休みの曜日にあたります")
            elif len(open_days) < 7:
                result.append(replace(rule, byday=tuple(WEEKDAY_CODES[d] for d in open_days)))
            else:
                result.append(rule)
            continue
        kept: list[str] = []
        narrowed: dict[tuple, list[str]] = {}
        for code in rule.byday:
            weekday = WEEKDAY_CODES.index(code[-2:])
            if weekday not in hours_by_day:
                kept.append(code)
                continue
            window = hours_by_day[weekday]
            if window is None:
                if code[:-2]:
                    reasons.append(f"開催日（{day_label(code)}）が休みの曜日です")
                continue
            hours = narrow_hours(rule.opens_at, rule.closes_at, window)
            if hours is not None:
                narrowed.setdefault(hours, []).append(code)
        if kept:
            result.append(replace(rule, byday=tuple(kept)))
        for (opens_at, closes_at), codes in narrowed.items():
            result.append(replace(rule, byday=tuple(codes), opens_at=opens_at, closes_at=closes_at))
    if rules and not result:
        reasons.append("開催日がすべて休みの日にあたります")
    return result, list(dict.fromkeys(reasons))
