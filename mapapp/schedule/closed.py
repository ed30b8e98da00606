"""Read a 定休日 text (「木曜日午後・日曜日・祝日」) as a Schedule of the days left open."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from mapapp.schedule.lexer import Token, tokenize
from mapapp.schedule.model import NO_HOLIDAYS, WEEKDAY_CODES, Rule, Schedule, ScheduleParseError
from mapapp.schedule.parse import parse_schedule
from mapapp.schedule.text import normalize_schedule_text

NOON = dt.time(12, 0)  # 午後 starts at noon: 「木曜日午後」休診 means open until 12:00
MEETING_DAYS_REVIEW = "定休日の欄に開催日が書かれています"
_SCHEDULE_KINDS = {"FREQ", "COUNT", "ORDINAL", "MONTHDAYS", "DATE"}
_NO_CLOSED_DAYS = {"なし", "無し", "ない", "年中無休", "無休"}


@dataclass
class _Week:
    """Which weekdays (0 = Monday) are closed all day or from/until some hour."""

    closed: set[int] = field(default_factory=set)
    opens_at: dict[int, dt.time] = field(default_factory=dict)
    closes_at: dict[int, dt.time] = field(default_factory=dict)

    def close(self, token: Token, after: Token | None) -> bool:
        """Close the days of a WEEKDAYS token; True when ``after`` (午後, 5時以降) was used."""
        days = [WEEKDAY_CODES.index(code) for code in token.value["days"]]
        last = days[-1]
        self.closed.update(days[:-1])
        if after is not None and after.kind == "TIME":
            hour = after.value["hour"] + (12 if after.value["meridiem"] == "午後" else 0)
            self.closes_at[last] = dt.time(min(hour, 23), after.value["minute"])
        elif after is not None and after.kind == "DAYPART" and after.value == "午後":
            self.closes_at[last] = NOON
        elif after is not None and after.kind == "DAYPART" and after.value == "午前":
            self.opens_at[last] = NOON
        else:
            self.closed.add(last)
            return after is not None and after.kind == "DAYPART"
        return True

    def rules(self) -> tuple[Rule, ...]:
        groups: dict[tuple[dt.time | None, dt.time | None], list[str]] = {}
        for day in range(7):
            if day not in self.closed:
                hours = (self.opens_at.get(day), self.closes_at.get(day))
                groups.setdefault(hours, []).append(WEEKDAY_CODES[day])
        ordered = sorted(groups.items(), key=lambda item: item[0] != (None, None))
        return tuple(
            Rule("WEEKLY", byday=tuple(codes), opens_at=hours[0], closes_at=hours[1])
            for hours, codes in ordered
        )


def parse_closed_days(text: str) -> Schedule:
    """The opening days a 定休日 text leaves: weekly rules for the rest of the week.

    「水曜日・土曜日午後・日曜日・祝日」 → MO,TU,TH,FR all day; SA until 12:00; no_holidays.
    A weekday followed by 午後 or by a time (「午後5時以降」) is closed from then on; in a list
    the part-day applies to the last weekday only. Opening hours are not in such text, so rules
    carry none. Text naming meeting days instead (第2水曜日…) is read with parse_schedule and
    flagged. Raises ScheduleParseError when ``text`` is not a str.
    """
    if not isinstance(text, str):
        raise ScheduleParseError(f"expected the 定休日 text as str, got {type(text).__name__}")
    prepared = normalize_schedule_text(text)
    if not prepared:
        return Schedule(text=text, needs_review=("定休日が書かれていません",))
    main, mark, remark = prepared.partition("※")
    tokens = [token for token in tokenize(main) if token.kind not in {"SEP", "NL", "IGNORE"}]
    if any(token.kind in _SCHEDULE_KINDS and token.text not in _NO_CLOSED_DAYS for token in tokens):
        parsed = parse_schedule(text)
        return replace(parsed, needs_review=(*parsed.needs_review, MEETING_DAYS_REVIEW))
    week = _Week()
    exceptions: dict[str, None] = {}
    reviews: dict[str, None] = {}
    if mark:
        reviews[f"注記があります（※{remark.strip()}）"] = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "WEEKDAYS":
            after = tokens[index + 1] if index + 1 < len(tokens) else None
            index += week.close(token, after)
            if token.value["holidays"]:
                exceptions[NO_HOLIDAYS] = None
        elif token.kind == "HOLIDAY":
            exceptions[NO_HOLIDAYS] = None
        elif token.kind == "CLOSURES":
            exceptions.update(dict.fromkeys(token.value))
        elif token.kind == "EXCEPT" and not re.search(r"以外|除", token.text):
            pass  # 「日曜日は休み」 in the 休み column says again that the day is off
        elif token.text not in _NO_CLOSED_DAYS and token.value != "closed_days":
            reviews[f"読み取れない部分があります（{token.text}）"] = None
        index += 1
    rules = week.rules()
    if not rules:
        reviews["開いている曜日がありません"] = None
    return Schedule(
        text=text, rules=rules, exceptions=tuple(exceptions), needs_review=tuple(reviews)
    )
