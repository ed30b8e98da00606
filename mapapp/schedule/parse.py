"""Read free-text 開催日時 into Schedule rules, and flag what a person must check."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from itertools import islice

from mapapp.schedule.lexer import Token, tokenize
from mapapp.schedule.model import (
    NO_HOLIDAYS,
    OPEN_HOLIDAYS,
    SUSPENDED,
    WEEKDAY_CODES,
    Schedule,
    ScheduleParseError,
    format_time,
)
from mapapp.schedule.specs import NO_DAYS, RuleBuilder, Slot, Spec
from mapapp.schedule.text import normalize_schedule_text

# Seasons without months in the text: 夏期 April–September, 冬期 October–March, the half-year
# split 公民館 and 体育館 use for 夏時間/冬時間. 春期/秋期 have no such convention.
DEFAULT_SEASON_MONTHS = {"夏期": (4, 5, 6, 7, 8, 9), "冬期": (1, 2, 3, 10, 11, 12)}

# Leftover text with any of these may carry a day or time we failed to read, or change the
# days we did read (「なし」「以外」「のみ」「場合」「変更」): flag it.
_MEANINGFUL = re.compile(
    r"[0-9曜日週月年時分回休除隔奇偶第毎]|なし|無し|以外|のみ|だけ|場合|変更|振替|振り替|おき|置き"
    r"|ません|やすみ"
)
# A line starting with one of these is a bullet: its days are a rule of their own.
_BULLETS = {"・", "●", "○", "◎", "■", "□", "◆", "◇", "★", "☆"}
_DAY_TOKENS = {"ORDINAL", "WEEKDAYS", "MONTHDAYS", "FREQ"}
_DAY_KINDS = {
    "FREQ",
    "COUNT",
    "ORDINAL",
    "WEEKDAYS",
    "MONTHDAYS",
    "DATE",
    "TIME",
    "EXCEPTION",
    "CLOSURES",
}
_REVIEW_REASONS = {
    "irregular": "決まった開催日がありません（{}）",
    "ask": "問い合わせが必要です（{}）",
    "undecided": "開催日が決まっていません（{}）",
    "closed_days": "休みの日の書き方は読み取りません（{}）",
}


class _Reader:
    """One pass over the tokens of one text; collects specs, exceptions and reasons."""

    def __init__(self, source: str, tokens: list[Token], notes: list[str]) -> None:
        self.source = source
        self.tokens = tokens
        self.notes = notes
        self.specs: list[Spec] = []
        self.pending_slots: list[Slot] = []
        self.pending_months: Token | None = None
        self.pending_months_index = 0
        self.pending_daypart: str | None = None
        self.season: Token | None = None
        self.reception = False
        self.exceptions: dict[str, None] = {}
        self.reviews: dict[str, None] = {}
        self.unknowns: dict[int, Token] = {}
        self.parens: list[int] = []
        self.line = 0
        self.fresh = False  # the next day starts a spec of its own (a bullet, 「3月は」)
        self.pending_scope = False  # the pending months were named before their days
        self.pending_only = False
        self.pending_others = False
        # 「第1火曜日を除く火曜日」: (ordinals, weekday codes or None, text) for the next weekday
        self.pending_exclusion: tuple[set[int], tuple[str, ...] | None, str] | None = None
        self.closed_days: dict[int, None] = {}  # 「土日祝日の場合は休み」: weekdays off

    @property
    def cur(self) -> Spec | None:
        return self.specs[-1] if self.specs else None

    def review(self, reason: str) -> None:
        self.reviews[reason] = None

    def spec(self, *, fresh_if_timed: bool = True, fresh_if_days: bool = False) -> Spec:
        """The spec a day token belongs to: the current one unless it is already complete."""
        cur = self.cur
        if (
            cur is None
            or (fresh_if_timed and cur.slots)
            or (fresh_if_days and (cur.has_days() or cur.freq))
            or (self.fresh and not cur.is_empty())
        ):
            cur = Spec(line=self.line)
            self.specs.append(cur)
        self.fresh = False
        return cur

    def days_added(self, spec: Spec) -> None:
        if self.pending_slots and not spec.slots:
            spec.slots, self.pending_slots = self.pending_slots, []
        if self.pending_months is not None and not spec.months:
            spec.months = tuple(sorted(self.pending_months.value))
            spec.scoped, spec.months_text = self.pending_scope, self.pending_months.text
            spec.only = spec.only or self.pending_only
            self.pending_months, self.pending_scope, self.pending_only = None, False, False
        if self.pending_others:
            spec.others, self.pending_others = True, False
        if self.pending_daypart and not spec.daypart:
            spec.daypart, self.pending_daypart = self.pending_daypart, None

    def run(self) -> None:
        index = 0
        while index < len(self.tokens):
            index = self.step(index)

    def step(self, index: int) -> int:
        token = self.tokens[index]
        kind, value = token.kind, token.value
        if kind in {"TIME", "TILDE", "UNTIL"}:
            return self.read_slot(index)
        if kind in {"ORDINAL", "WEEKDAYS"}:
            after = self.exclusion_ahead(index)
            if after is not None:
                return after
        if kind == "NL":
            self.line += 1
        elif kind in {"SEP", "IGNORE"} and token.text in _BULLETS and self.at_line_start(index):
            self.fresh = True
        elif kind == "FREQ":
            spec = self.spec(fresh_if_days=True)
            spec.freq_text = token.text
            if value[0] == "DAILY":
                spec.freq, spec.weekly = "WEEKLY", list(WEEKDAY_CODES)
                self.days_added(spec)
            else:
                spec.freq, spec.interval = value
        elif kind == "COUNT":
            cur = self.cur
            # 「毎月第2火曜日 10時~（年12回）」: a count after complete days counts those days.
            trailing = cur is not None and cur.has_days() and not self.day_ahead(index + 1)
            if cur and not cur.count and (not cur.slots or trailing):
                spec = cur
            else:
                spec = self.spec(fresh_if_days=True)
            spec.count = token
        elif kind == "ORDINAL":
            self.ordinal(token)
        elif kind == "WEEKDAYS":
            spec = self.spec()
            if spec.pending is not None:
                ordinals = spec.pending.value["ordinals"]
                spec.ordinal_days += [f"{n}{day}" for n in ordinals for day in value["days"]]
                spec.pending = None
            else:
                spec.weekly += value["days"]
                if self.pending_exclusion is not None:
                    self.exclude(self.pending_exclusion, spec, value["days"])
                    self.pending_exclusion = None
            spec.holidays = spec.holidays or value["holidays"]
            self.days_added(spec)
        elif kind == "MONTHDAYS":
            self.monthdays(token)
        elif kind == "DATE":
            return self.date(index)
        elif kind == "HOLIDAY":
            spec = self.spec()
            spec.holidays = True
            self.days_added(spec)
        elif kind == "MONTHS":
            # 「※3月は第2土曜日」: months before days are a note for those months only.
            self.pending_scope = self.day_ahead(index + 1)
            if self.pending_scope and self.cur is not None and not self.cur.is_empty():
                self.fresh = True
            self.pending_months, self.pending_months_index = token, index
        elif kind == "OTHER_MONTHS":
            if self.cur is not None and not self.cur.is_empty():
                self.fresh = True
            self.pending_others = True
        elif kind == "ONLY":
            if self.pending_months is not None:
                self.pending_only = True
            elif self.cur is not None:
                self.cur.only = True
        elif kind == "ALSO" and self.cur is not None:
            self.cur.also = True
        elif kind == "SPAN":
            cur = self.cur
            named = len(dict.fromkeys(cur.weekly)) if cur is not None else 0
            if cur is None or cur.ordinal_days or cur.monthdays or named != value:
                self.review(f"「{token.text}」と曜日の数が合いません")
        elif kind == "EXCEPT":
            self.review(f"「{token.text}」がどの日のことかわかりません")
        elif kind == "CLOSURES":
            self.exceptions.update(dict.fromkeys(value))
        elif kind == "EXCEPTION":
            self.exceptions[value] = None
        elif kind == "SUSPENDED":
            self.exceptions[SUSPENDED] = None
        elif kind == "REVIEW":
            self.review(_REVIEW_REASONS[value].format(token.text))
            if value == "closed_days":
                # 「定休日:土日」 names days off: none of the rest of the line is a meeting day.
                while index + 1 < len(self.tokens) and self.tokens[index + 1].kind != "NL":
                    index += 1
        elif kind == "FEE":
            self.notes.append(token.text)
        elif kind == "DAYPART":
            if self.cur is not None and not self.cur.is_empty() and not self.cur.daypart:
                self.cur.daypart = value
            else:
                self.pending_daypart = value
        elif kind == "SEASON":
            self.season = token
        elif kind == "RECEPTION":
            self.reception = True
        elif kind == "LPAREN":
            self.parens.append(index)
        elif kind == "RPAREN" and self.parens:
            self.close_paren(self.parens.pop(), index)
        elif kind == "UNKNOWN":
            self.unknowns[index] = token
        return index + 1

    def at_line_start(self, index: int) -> bool:
        before = index - 1
        while (
            before >= 0 and self.tokens[before].kind == "SEP" and self.tokens[before].text.isspace()
        ):
            before -= 1
        return before < 0 or self.tokens[before].kind == "NL"

    def significant(self, index: int, skip: frozenset[str] = frozenset({"SEP", "IGNORE"})) -> int:
        """The index of the next token that is not one of ``skip`` (len(tokens) at the end)."""
        while index < len(self.tokens) and self.tokens[index].kind in skip:
            index += 1
        return index

    def day_ahead(self, index: int) -> bool:
        """True when the next meaningful token names days (a weekday, 第n, 15日, 毎週)."""
        index = self.significant(index, frozenset({"SEP", "IGNORE", "ONLY", "NL"}))
        return index < len(self.tokens) and self.tokens[index].kind in _DAY_TOKENS

    def exclusion_ahead(self, index: int) -> int | None:
        """Read 「第1火曜日を除く」「第4週は休み」「土日祝日の場合は休み」 starting at ``index``.

        Returns the index after it, or None when the days at ``index`` are meeting days.
        """
        token = self.tokens[index]
        ordinal = token if token.kind == "ORDINAL" else None
        days_token = None if ordinal else token
        end = self.significant(index + 1)
        if ordinal is not None and end < len(self.tokens) and self.tokens[end].kind == "WEEKDAYS":
            days_token = self.tokens[end]
            end = self.significant(end + 1)
        if end >= len(self.tokens) or self.tokens[end].kind != "EXCEPT":
            return None
        text = self.source[token.start : self.tokens[end].end]
        holidays = days_token is not None and days_token.value["holidays"]
        if holidays:
            self.exceptions[NO_HOLIDAYS] = None
        if ordinal is None:
            # 「土日祝日の場合は休み」「日曜日を除く」: whole weekdays off.
            self.closed_days.update(dict.fromkeys(
                WEEKDAY_CODES.index(code) for code in days_token.value["days"]
            ))  # fmt: skip
            return end + 1
        if not ordinal.value["valid"]:
            self.review(f"「{ordinal.text}」の番号がわかりません")
            return end + 1
        days = days_token.value["days"] if days_token is not None else None
        exclusion = (set(ordinal.value["ordinals"]), days, text)
        following = self.significant(end + 1)
        if following < len(self.tokens) and self.tokens[following].kind in {"WEEKDAYS", "FREQ"}:
            self.pending_exclusion = exclusion  # 「第1火曜日を除く毎週火曜日」
        else:
            self.exclude(exclusion)  # 「毎週水曜日（第4水曜日は除く）」
        return end + 1

    def exclude(
        self,
        exclusion: tuple[set[int], tuple[str, ...] | None, str],
        spec: Spec | None = None,
        added: tuple[str, ...] = (),
    ) -> None:
        """Take 第n of a weekday away from ``spec``, or from the last spec meeting that day."""
        ordinals, days, text = exclusion
        if spec is None:
            spec = next(
                (s for s in reversed(self.specs)
                 if s.weekly and (days is None or set(days) & set(s.weekly))),
                None,
            )  # fmt: skip
            added = tuple(dict.fromkeys(spec.weekly)) if spec is not None else ()
        if spec is None:
            self.review(f"「{text}」がどの日のことかわかりません")
            return
        targets = days if days is not None else added
        if days is None and len(targets) != 1:
            # 「第1週を除く」 with two weekdays: the first week, or each first weekday?
            self.review(f"「{text}」がどの曜日のことかわかりません")
            return
        for day in targets:
            spec.excluded.setdefault(day, set()).update(ordinals)

    def ordinal(self, token: Token) -> None:
        spec = self.spec()
        if not token.value["valid"]:
            self.review(f"「{token.text}」の番号がわかりません")
            spec.broken = True
        if spec.pending is not None:
            # 「第1第3水曜日」: two ordinals in a row name one list.
            ordinals = spec.pending.value["ordinals"] + token.value["ordinals"]
            merged = {"ordinals": ordinals, "valid": token.value["valid"]}
            token = token._replace(text=spec.pending.text + token.text, value=merged)
        spec.pending = token

    def monthdays(self, token: Token) -> None:
        days = token.value
        if any(not (1 <= day <= 31 or day == -1) for day in days):
            self.review(f"「{token.text}」の日にちがわかりません")
            return
        spec = self.spec()
        if spec.pending is not None:
            self.review(f"「{spec.pending.text}{token.text}」がわかりません")
            spec.pending = None
            return
        spec.monthdays += days
        self.days_added(spec)

    def date(self, index: int) -> int:
        token = self.tokens[index]
        month, day = token.value
        valid = 1 <= month <= 12 and 1 <= day <= 31
        cur = self.cur
        if valid and cur is not None and cur.freq == "YEARLY" and not cur.slots:
            cur.dates.append((month, day))
            self.days_added(cur)
        else:
            self.review(f"特定の日付だけが書かれています（{token.text}）")
        # 「6月11日(水)」: the weekday in parentheses belongs to the date, not to a rule.
        kinds = [t.kind for t in self.tokens[index + 1 : index + 4]]
        return index + 4 if kinds == ["LPAREN", "WEEKDAYS", "RPAREN"] else index + 1

    def close_paren(self, open_index: int, close_index: int) -> None:
        # Looked at in place, not sliced: nested parentheses would copy the tokens between
        # each pair, time in the square of the text.
        inner = islice(self.tokens, open_index + 1, close_index)
        if open_index + 1 == close_index or any(
            t.kind not in {"UNKNOWN", "IGNORE", "SEP", "NL"} for t in inner
        ):
            return
        inner = self.tokens[open_index + 1 : close_index]
        text = self.source[self.tokens[open_index].end : self.tokens[close_index].start].strip()
        if not any(t.kind == "UNKNOWN" for t in inner) or _MEANINGFUL.search(text):
            return
        for offset in range(open_index + 1, close_index):
            self.unknowns.pop(offset, None)
        cur = self.cur
        if cur is not None and cur.has_days() and cur.label is None:
            cur.label = text
        else:
            self.notes.append(text)

    def skip_space(self, index: int) -> int:
        while index < len(self.tokens) and (
            self.tokens[index].kind == "NL"
            or (self.tokens[index].kind == "SEP" and self.tokens[index].text.isspace())
        ):
            index += 1
        return index

    def read_slot(self, index: int) -> int:
        """Read 「10:00~11:30」「10時~」「~12時」「12時まで」 starting at ``index``."""
        tokens, end = self.tokens, len(self.tokens)
        first = tokens[index] if tokens[index].kind == "TIME" else None
        after = self.skip_space(index + 1) if first else index
        second = None
        if after < end and tokens[after].kind == "TILDE":
            target = self.skip_space(after + 1)
            # 「受付9:45~ 10:00~11:30」: a time followed by its own ~ starts the next range.
            following = self.skip_space(target + 1)
            starts_next = following < end and tokens[following].kind == "TILDE"
            if target < end and tokens[target].kind == "TIME" and not starts_next:
                second = tokens[target]
                after = target + 1
                if after < end and tokens[after].kind == "UNTIL":
                    after += 1
            else:
                after += 1
        elif first and after < end and tokens[after].kind == "UNTIL":
            first, second, after = None, first, after + 1
        elif first and after < end and tokens[after].kind == "TIME":
            self.review(f"時刻の並びがわかりません（{first.text}{tokens[after].text}）")
            return after + 1
        elif first:
            after = index + 1
        if first is None and second is None:
            return index + 1
        self.add_slot(first, second)
        return after

    def clock(self, token: Token | None, start: Token | None = None) -> dt.time | None:
        if token is None:
            return None
        hour, minute, meridiem = token.value["hour"], token.value["minute"], token.value["meridiem"]
        # 「午後1時半から3時半」: the end inherits 午後 from the start.
        if meridiem is None and start is not None:
            meridiem = "午後" if start.value["meridiem"] == "午後" else None
        if meridiem == "午後" and hour < 12:
            hour += 12
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            self.review(f"時刻がわかりません（{token.text}）")
            return None
        return dt.time(hour, minute)

    def add_slot(self, first: Token | None, second: Token | None) -> None:
        opens_at, closes_at = self.clock(first), self.clock(second, first)
        if opens_at and closes_at and closes_at <= opens_at:
            self.review(f"終わりの時刻が始まりより前です（{first.text}~{second.text}）")
            closes_at = None
        if self.reception:
            self.reception = False
            self.notes.append(f"受付 {format_time(opens_at) or ''}~{format_time(closes_at) or ''}")
            return
        slot = Slot(opens_at, closes_at)
        if self.season is not None:
            slot.season = self.season.value
            slot.months = DEFAULT_SEASON_MONTHS.get(slot.season, ())
            self.season = None
        if self.pending_months is not None:
            slot.months = tuple(sorted(self.pending_months.value))
            self.pending_months = None
        if slot.season and not slot.months:
            self.review(f"{slot.season}が何月から何月かわかりません")
        cur = self.cur
        if cur is not None and not cur.is_empty():
            if not cur.slots:
                self.share_slot(cur, slot)
            elif slot.months and not slot.season:
                self.other_hours(cur, slot)
            cur.slots.append(slot)
        else:
            self.pending_slots.append(slot)

    def other_hours(self, cur: Spec, slot: Slot) -> None:
        """「毎週月曜日 10:00~12:00 ※8月は9:00~11:00」: the hours of the named months replace
        the others there; two sets of hours for the same month are for a person to check."""
        for other in cur.slots:
            if not other.months:
                other.months = tuple(m for m in range(1, 13) if m not in slot.months)
            elif set(other.months) & set(slot.months):
                named = "・".join(f"{m}月" for m in slot.months)
                self.review(f"{named}の時間がほかの時間と重なります")

    def share_slot(self, cur: Spec, slot: Slot) -> None:
        """「毎週火曜、毎週水曜、毎週金曜 10:00-16:00」: hours written once after a list of days
        on one line are the hours of each of them."""
        for spec in islice(reversed(self.specs), 1, None):  # cur is the last spec
            if spec.line != cur.line or spec.slots or spec.daypart or not spec.has_days():
                break
            spec.slots.append(replace(slot))

    def finish(self) -> None:
        if self.pending_slots:
            self.review(NO_DAYS)
        if self.pending_months is not None:
            cur = self.cur
            # 「毎週木曜日（4月~9月）」: months after the days limit them; 「8月はおやすみ」
            # (a word we do not know after them) does not.
            after = set()
            for following in self.tokens[self.pending_months_index + 1 :]:
                if following.kind == "NL":
                    break
                after.add(following.kind)
            if after - {"SEP", "IGNORE", "RPAREN", "ONLY"}:
                self.review(f"「{self.pending_months.text}」のあとの書き方がわかりません")
            elif cur is not None and cur.has_days() and not cur.months:
                cur.months = tuple(sorted(self.pending_months.value))
            else:
                self.review(f"「{self.pending_months.text}」がどの日のことかわかりません")
        if self.season is not None:
            self.review(f"{self.season.text}の時間がわかりません")
        if self.pending_exclusion is not None:
            self.review(f"「{self.pending_exclusion[2]}」がどの日のことかわかりません")
        if self.pending_others:
            self.review("「その他の月」の開催日がわかりません")
        for token in self.unknowns.values():
            if _MEANINGFUL.search(token.text):
                self.review(f"読み取れない部分があります（{token.text}）")
            else:
                self.notes.append(token.text)


def _drop_fee_lines(prepared: str, tokens: list[Token], notes: list[str]) -> list[Token]:
    """Drop lines that are only a fee (「参加料200円」), keeping their text as notes."""
    kept: list[Token] = []
    line: list[Token] = []
    for token in [*tokens, Token("NL", "\n", None, len(prepared), len(prepared))]:
        if token.kind != "NL":
            line.append(token)
            continue
        kinds = {t.kind for t in line}
        if "FEE" in kinds and not kinds & _DAY_KINDS:
            notes.append(prepared[line[0].start : line[-1].end])
        else:
            kept += line
        kept.append(token)
        line = []
    return kept[:-1]


def _common_hours(slots: list[Slot]) -> tuple[dt.time | None, dt.time | None]:
    pairs = {(slot.opens_at, slot.closes_at) for slot in slots}
    return next(iter(pairs)) if len(pairs) == 1 else (None, None)


def parse_schedule(text: str) -> Schedule:
    """Parse a free-text 開催日時 into rules, exceptions and reasons for review.

    Never guesses: what cannot be read leaves no rule and a Japanese reason in
    ``needs_review``. Raises ScheduleParseError (a ValueError) only when ``text`` is not a str.

    >>> parse_schedule("毎月第2・第4金曜日 10:00~11:30").rules[0].to_rrule()
    'FREQ=MONTHLY;BYDAY=2FR,4FR'
    """
    if not isinstance(text, str):
        raise ScheduleParseError(f"expected the 開催日時 text as str, got {type(text).__name__}")
    prepared = normalize_schedule_text(text)
    if not prepared:
        return Schedule(text=text, needs_review=("開催日時が書かれていません",))
    notes: list[str] = []
    tokens = _drop_fee_lines(prepared, tokenize(prepared), notes)
    reader = _Reader(prepared, tokens, notes)
    reader.run()
    reader.finish()
    rules = RuleBuilder(reader.reviews, reader.exceptions).rules(
        reader.specs, frozenset(reader.closed_days)
    )
    has_holidays = any(key.startswith(OPEN_HOLIDAYS) for key in reader.exceptions)
    if not rules and not reader.reviews and not has_holidays and SUSPENDED not in reader.exceptions:
        reader.review("開催日時が読み取れません")
    slots = [slot for spec in reader.specs for slot in spec.slots] + reader.pending_slots
    opens_at, closes_at = _common_hours(slots)
    return Schedule(
        text=text,
        rules=tuple(rules),
        exceptions=tuple(reader.exceptions),
        needs_review=tuple(reader.reviews),
        opens_at=opens_at,
        closes_at=closes_at,
        notes=tuple(dict.fromkeys(notes)),
    )
