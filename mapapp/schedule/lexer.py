"""Cut normalised 開催日時 text into tokens: days, ordinals, times, exceptions, leftovers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from mapapp.schedule.model import (
    CLOSED_DAYS,
    CLOSED_MONTH,
    CLOSED_NEW_YEAR,
    CLOSED_OBON,
    HOLIDAY_NEXT_DAY,
    HOLIDAY_PREVIOUS_DAY,
    JA_WEEKDAYS,
    NO_HOLIDAYS,
    WEEKDAY_CODES,
)


class Token(NamedTuple):
    """A piece of normalised text; ``value`` depends on ``kind``."""

    kind: str
    text: str
    value: Any
    start: int
    end: int


_W = JA_WEEKDAYS
_HOLIDAY = r"(?:祝祭日|振替休日|祝日|休日|祭日)"
_CLOSED = (
    r"(?:(?:開催|活動)(?:は|を)?\s*)?"
    r"(?:お休み|休み|除く|除き|除いた|休館|休会|休業|休講|休止|中止|なし|無し|ありません|しません|休)"
)
_CASE = r"(?:の場合|と重なる場合|に当たる場合|にあたる場合|と重なる日|のとき|の時)?"
# Items after the first in one list (月, 日, 祝日, closures). A pattern that reads a list and
# then finds no ending it needs (「1・2・3…」 without 日) is tried again from each item of it:
# bounded lists keep that work linear in the text. No real list comes near it (31 days).
_MORE = "{0,40}"
_MONTHS = (
    rf"\d{{1,2}}\s*月(?:\s*(?:[・、,~]|と|から)\s*\d{{1,2}}\s*月){_MORE}"
    rf"|\d{{1,2}}(?:\s*(?:[・、,~]|と|から)\s*\d{{1,2}}){{1,40}}\s*月"
)
# 年末年始（12月28日～1月4日）: the dates a facility list gives for its year-end closure.
_YEAR_END_DATES = (
    r"\(\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*~\s*(?:翌年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*\)"
)
_YEAR_END = rf"年末年始(?:期間)?(?:\s*{_YEAR_END_DATES})?"
# Atomic months: a list of closures can split 「1月・2月・3月」 into lists in 2^n ways, each
# tried when no 休み follows; the whole months list is the only split that can end a match.
_CLOSURE = rf"(?:{_HOLIDAY}|{_YEAR_END}|お盆(?:期間)?|(?>{_MONTHS}))"
_MERIDIEM = r"(?:(?P<mer>午前|午後|AM|PM|am|pm)\s*)?"
# A bare weekday kanji is a weekday only when 曜 or a boundary follows: 日中 and 水木さん are not.
_DAY_ITEM = rf"[{_W}](?:曜日?|(?=[\s\d~\-・、,/()\[\]【】とおのはにや祝{_W}]|$))"
_DAY_SEP = r"\s*(?:[・、,/]|と|及び|および)?\s*"
_TIME_SUFFIX = r"(?:頃|ごろ|すぎ|過ぎ)?"

_REJECT = object()
_ValueFn = Callable[[re.Match[str], str | None], Any]


def _months(text: str) -> tuple[int, ...] | None:
    """``"4~9月"`` → (4, …, 9); ``"12月~2月"`` wraps the year; None for a month outside 1..12."""
    numbers = [int(n) for n in re.findall(r"\d{1,2}", text)]
    if any(not 1 <= n <= 12 for n in numbers):
        return None
    if "~" in text or "から" in text:
        first, last = numbers[0], numbers[-1]
        span = (last - first) % 12
        return tuple((first - 1 + step) % 12 + 1 for step in range(span + 1))
    return tuple(dict.fromkeys(numbers))


def _ordinal(match: re.Match[str], _prev: str | None) -> dict:
    """「第2・第4」→ (2, 4); 「第1~3」→ (1, 2, 3); 「最終」→ (-1,); 「第13」 is not valid."""
    if match.group("last"):
        return {"ordinals": (-1,), "valid": True}
    text = match.group("first") + (match.group("rest") or "")
    numbers = [int(n) for n in re.findall(r"\d{1,2}", text)]
    if "~" in text or "から" in text:
        numbers = list(range(numbers[0], numbers[-1] + 1)) if len(numbers) == 2 else []
    valid = bool(numbers) and all(1 <= n <= 5 for n in numbers)
    return {"ordinals": tuple(numbers), "valid": valid}


def _weekdays(match: re.Match[str], prev: str | None) -> dict | object:
    text = match.group(0)
    if text == "平日":
        return {"days": WEEKDAY_CODES[:5], "holidays": False}
    if text == "週末":
        return {"days": WEEKDAY_CODES[5:], "holidays": False}
    group = "hol" if match.group("hol") else "spaced_hol"
    holidays = bool(match.group(group))
    body = text[: match.start(group) - match.start()] if holidays else text
    kanji = [char for char in re.sub(r"曜日?", "", body) if char in _W]
    explicit = "曜" in body or holidays or len(kanji) > 1
    # 「毎週水」「第2水」「(水)」: one bare kanji is a weekday only right after such a marker.
    if not explicit and prev not in {"ORDINAL", "FREQ", "LPAREN", "COUNT", "WEEKDAYS"}:
        return _REJECT
    codes = tuple(dict.fromkeys(WEEKDAY_CODES[_W.index(char)] for char in kanji))
    return {"days": codes, "holidays": holidays}


def _weekday_range(match: re.Match[str], _prev: str | None) -> dict:
    first, last = _W.index(match.group("a")), _W.index(match.group("b"))
    span = (last - first) % 7
    days = tuple(WEEKDAY_CODES[(first + step) % 7] for step in range(span + 1))
    return {"days": days, "holidays": False}


def _time(match: re.Match[str], _prev: str | None) -> dict:
    groups = match.groupdict()
    if match.group(0) == "正午":
        return {"hour": 12, "minute": 0, "meridiem": None}
    minute = 30 if groups.get("half") else int(groups.get("m") or 0)
    meridiem = groups.get("mer") or groups.get("mer2")
    if meridiem:
        meridiem = "午後" if meridiem.lower() in {"午後", "pm"} else "午前"
    return {"hour": int(groups["h"]), "minute": minute, "meridiem": meridiem}


def _closures(match: re.Match[str], _prev: str | None) -> tuple[str, ...] | object:
    """「祝日・年末年始を除く」「7・8月は休み」 → the exception codes they name."""
    items = match.groupdict().get("items") or match.group(0)
    codes: list[str] = []
    year_end = re.search(_YEAR_END_DATES, items)
    if year_end:
        code = _year_end_code(*(int(n) for n in year_end.groups()))
        if code is None:
            return _REJECT
        codes.append(code)
        items = items.replace(year_end.group(0), "")  # its 12月 and 1月 are not closed months
    if re.search(_HOLIDAY, items):
        codes.append(NO_HOLIDAYS)
    if "年末年始" in items and not year_end:
        codes.append(CLOSED_NEW_YEAR)
    if "お盆" in items:
        codes.append(CLOSED_OBON)
    for months_text in re.findall(_MONTHS, items):
        months = _months(months_text)
        if months is None:
            return _REJECT
        codes += [f"{CLOSED_MONTH}:{month}" for month in months]
    return tuple(codes)


def _year_end_code(month1: int, day1: int, month2: int, day2: int) -> str | None:
    """12月29日～1月3日 is the usual 年末年始; other dates are kept as they are written."""
    try:
        dt.date(2000, month1, day1), dt.date(2000, month2, day2)  # 2000: 2月29日 exists
    except ValueError:
        return None
    if (month1, day1, month2, day2) == (12, 29, 1, 3):
        return CLOSED_NEW_YEAR
    return f"{CLOSED_DAYS}:{month1:02d}{day1:02d}-{month2:02d}{day2:02d}"


def _plain_months(match: re.Match[str], _prev: str | None) -> tuple[int, ...] | object:
    if match.group(0).startswith("奇数"):
        return (1, 3, 5, 7, 9, 11)
    if match.group(0).startswith("偶数"):
        return (2, 4, 6, 8, 10, 12)
    months = _months(match.group(0))
    return _REJECT if months is None else months


def _count(match: re.Match[str], _prev: str | None) -> dict:
    unit = match.group("unit")
    freq = "WEEKLY" if "週" in unit else "YEARLY" if "年" in unit else "MONTHLY"
    exact = not (match.group("upper") or match.group("approx"))
    return {"freq": freq, "times": int(match.group("n")), "exact": exact}


def _after_days(value: Any) -> _ValueFn:
    """A value only right after a weekday or an ordinal: 「第1火曜日を除く」「土日の場合は休み」."""
    return lambda _match, prev: value if prev in {"WEEKDAYS", "ORDINAL"} else _REJECT


def _also(_match: re.Match[str], prev: str | None) -> object | None:
    # 「8月は第4水曜日も開催」: the day is added to the others, not put in their place.
    return None if prev in {"WEEKDAYS", "MONTHDAYS"} else _REJECT


def _constant(value: Any) -> _ValueFn:
    return lambda _match, _prev: value


def _dash(_match: re.Match[str], prev: str | None) -> object | None:
    # 「10:00ー12:00」: ー and - mean "to" only right after a time; elsewhere they are text.
    return None if prev == "TIME" else _REJECT


# Tried in order at each position; the first pattern whose value is not _REJECT wins.
_PATTERNS: tuple[tuple[str, str, _ValueFn], ...] = (
    ("NL", r"\n", _constant(None)),
    ("SEP", r"[ \t]+", _constant(None)),
    ("EXCEPTION", rf"{_HOLIDAY}(?:[・、]{_HOLIDAY}){_MORE}{_CASE}(?:は|、|,)?\s*翌平?日"
     r"(?:に振り?替え?|に変更|に開催|開催|に実施|実施)?", _constant(HOLIDAY_NEXT_DAY)),
    ("EXCEPTION", rf"{_HOLIDAY}(?:[・、]{_HOLIDAY}){_MORE}{_CASE}(?:は|、|,)?\s*前日"
     r"(?:に振り?替え?|に変更|に開催|開催|に実施|実施)?", _constant(HOLIDAY_PREVIOUS_DAY)),
    ("CLOSURES", rf"(?P<items>{_CLOSURE}(?:\s*(?:[・、,]|と|及び|および)\s*{_CLOSURE}){_MORE})"
     rf"{_CASE}(?:は|を|も|、|,)?\s*{_CLOSED}", _closures),
    ("CLOSURES", rf"{_YEAR_END}|お盆(?:期間)?", _closures),
    # 「毎週火曜日（祝日も開催）」: a holiday on a meeting day is kept, which is the default;
    # it does not make every public holiday a meeting day.
    ("IGNORE", rf"{_HOLIDAY}{_CASE}(?:も|でも)\s*(?:通常通り|通常)?\s*(?:開催|実施|活動|営業|あり)"
     r"(?:します|いたします|あります|です)?", _constant(None)),
    # 「第1火曜日を除く」「第4水曜以外の」「土日祝日の場合は休み」: days taken away, not added.
    ("EXCEPT", rf"{_CASE}(?:は|を|も)?\s*(?:以外の?|{_CLOSED})", _after_days(None)),
    ("ALSO", r"も(?:開催|実施|活動|あり)?(?:します|いたします|あります|です)?", _also),
    ("ONLY", r"のみ|だけ|に限り", _constant(None)),
    ("OTHER_MONTHS", r"(?:その他|それ以外|他|ほか|残り|上記以外)の月|上記以外|それ以外"
     r"|通常月?(?=は)", _constant(None)),
    ("SUSPENDED", r"活動休止中?|休止中|休会中|休止", _constant(None)),
    ("REVIEW", r"定休日|休館日|休業日|休診日", _constant("closed_days")),
    ("REVIEW", r"随時|不定期|その都度|都度", _constant("irregular")),
    ("REVIEW", r"要?お?問い?合わ?せ(?:ください|下さい)?|要確認|応相談|要相談", _constant("ask")),
    ("REVIEW", r"未定|調整中", _constant("undecided")),
    ("FEE", r"(?:参加費|参加料|会費|利用料|料金|費用|お茶代|材料費|食費|おやつ代)[はがの:]*\s*"
     r"(?:\d[\d,]{0,40}\s*円(?:\s*/\s*[月回年])?|無料|実費)?"
     r"|(?:1回|月額|年額|年会費|月会費)?\s*\d[\d,]{0,40}\s*円(?:\s*/\s*[月回年])?|¥\s*\d[\d,]*"
     r"|無料|実費", _constant(None)),
    ("COUNT", r"(?P<unit>毎週|週|毎月|月|ひと月|1か月|1ヶ月|1ヵ月|1カ月|毎年|年)\s*に?\s*"
     r"(?P<n>\d{1,2})(?:\s*[~-]\s*(?P<upper>\d{1,2}))?\s*回"
     r"(?P<approx>程度|以上|以下|位|くらい|ぐらい|ほど|前後)?", _count),
    ("MONTHDAYS", r"毎?月末日?", _constant((-1,))),
    ("COUNT", r"(?P<unit>毎週|週)\s*に?\s*(?P<n>\d{1,2})(?:\s*[~-]\s*(?P<upper>\d{1,2}))?"
     r"\s*日(?![曜間])(?P<approx>程度|以上|以下|位|くらい|ぐらい|ほど|前後)?", _count),
    ("SPAN", r"(?P<n>\d{1,2})\s*日間", lambda m, _p: int(m.group("n"))),
    ("FREQ", r"毎週|毎(?=[月火水木金土日]曜)", _constant(("WEEKLY", 1))),
    ("FREQ", r"隔週", _constant(("WEEKLY", 2))),
    ("FREQ", r"毎月(?!曜)", _constant(("MONTHLY", 1))),
    ("FREQ", r"隔月", _constant(("MONTHLY", 2))),
    ("FREQ", r"毎年", _constant(("YEARLY", 1))),
    ("FREQ", r"毎日|年中無休|無休", _constant(("DAILY", 1))),
    ("ORDINAL", r"(?:第\s*(?P<first>\d{1,2})(?P<rest>(?:\s*(?:[・、,/&~]|と|から|および|及び)"
     r"\s*第?\s*\d{1,2})*)|(?P<last>最終|最後の?))\s*(?P<week>週目?の?|週の?)?", _ordinal),
    ("DATE", r"(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日(?!曜)",
     lambda m, _p: (int(m.group("month")), int(m.group("day")))),
    ("TIME", rf"{_MERIDIEM}(?P<h>\d{{1,2}})\s*:\s*(?P<m>\d{{2}})(?:\s*(?P<mer2>AM|PM|am|pm))?"
     rf"{_TIME_SUFFIX}", _time),
    ("TIME", rf"{_MERIDIEM}(?P<h>\d{{1,2}})\s*時\s*(?:(?P<m>\d{{1,2}})\s*分|(?P<half>半))?"
     rf"{_TIME_SUFFIX}|正午", _time),
    ("MONTHS", rf"奇数月|偶数月|(?:{_MONTHS})(?!曜)", _plain_months),
    ("MONTHDAYS", rf"(?P<days>\d{{1,2}}(?:\s*(?:[・、,]|と|及び|および)\s*\d{{1,2}}){_MORE})\s*日"
     r"(?![曜程時中間付])", lambda m, _p: tuple(int(n) for n in re.findall(r"\d+", m["days"]))),
    ("DAYPART", r"(?P<part>午前|午後|夜)(?:中|間)?|(?P<eve>夕方)",
     lambda m, _p: m.group("part") or "夜"),
    ("SEASON", r"(?P<season>[夏冬])(?:期|季|場|時間)?(?!休)|(?P<other>[春秋])[期季]",
     lambda m, _p: (m.group("season") or m.group("other")) + "期"),
    ("WEEKDAYS", rf"(?P<a>[{_W}])(?:曜日?)?\s*(?:~|-|から)\s*(?P<b>[{_W}])(?:曜日?)?",
     _weekday_range),
    # 「土日・祝日」 is one list; in 「毎週火曜日 祝日の場合は休み」「毎週火曜日 祝日も開催」 the
    # 祝日 after a space starts a note of its own.
    ("WEEKDAYS", rf"平日|週末|{_DAY_ITEM}(?:{_DAY_SEP}{_DAY_ITEM})*"
     r"(?:(?:\s*[・、,]\s*)?(?P<hol>祝祭日|祝日|祝)"
     rf"|\s+(?P<spaced_hol>(?>祝祭日|祝日|祝))(?!{_CASE}(?:は|も|でも|、|,)?\s*(?:翌|前日|通常|{_CLOSED})))?",
     _weekdays),
    ("HOLIDAY", rf"{_HOLIDAY}|祝", _constant(None)),
    ("RECEPTION", r"受付|受け付け", _constant(None)),
    ("TILDE", r"~|から|より", _constant(None)),
    ("TILDE", r"[-ー](?=\s*(?:午前|午後)?\s*\d)", _dash),
    ("UNTIL", r"まで|迄", _constant(None)),
    ("LPAREN", r"[(\[【〔「『]", _constant(None)),
    ("RPAREN", r"[)\]】〕」』]", _constant(None)),
    ("IGNORE", r"開催日時|開催日|開催時間|開催|活動日|活動時間|活動|営業日|営業時間|開館時間|開館"
     r"|時間帯|時間|日時|日程|当日|本日|予定|程度|以降|以後|実施|です|ます|にて"
     r"|[のはにをでもが※★☆●○◎■□◆◇]", _constant(None)),
    ("SEP", r"[・、,/;:。.&+=|]|及び|および|と|や|又は|または", _constant(None)),
)  # fmt: skip
_COMPILED = tuple((kind, re.compile(pattern), fn) for kind, pattern, fn in _PATTERNS)
_QUIET = {"SEP", "NL", "IGNORE"}


def tokenize(text: str) -> list[Token]:
    """Tokens of normalised text, in order; unknown characters are merged into UNKNOWN runs.

    >>> [t.kind for t in tokenize("毎週月曜日 10:00~11:30")]
    ['FREQ', 'WEEKDAYS', 'SEP', 'TIME', 'TILDE', 'TIME']
    """
    tokens: list[Token] = []
    prev: str | None = None
    pos = 0
    while pos < len(text):
        token = _match_at(text, pos, prev)
        tokens.append(token)
        pos = token.end
        if token.kind not in _QUIET:
            prev = token.kind
    return _merge_unknown(text, tokens)


def _match_at(text: str, pos: int, prev: str | None) -> Token:
    for kind, pattern, value_fn in _COMPILED:
        match = pattern.match(text, pos)
        if not match or match.end() == pos:
            continue
        value = value_fn(match, prev)
        if value is not _REJECT:
            return Token(kind, match.group(0), value, pos, match.end())
    return Token("UNKNOWN", text[pos], None, pos, pos + 1)


def _merge_unknown(text: str, tokens: list[Token]) -> list[Token]:
    # ひまわりのカフェ lexes as UNKNOWN, IGNORE(の), UNKNOWN: keep it one fragment.
    merged: list[Token] = []
    # The first UNKNOWN among the UNKNOWN/IGNORE tokens at the end of ``merged``, kept as
    # tokens are added, so that no token looks back over the others.
    first_unknown: int | None = None
    for token in tokens:
        if token.kind == "UNKNOWN" and first_unknown is not None:
            start = merged[first_unknown].start
            del merged[first_unknown:]
            merged.append(Token("UNKNOWN", text[start : token.end], None, start, token.end))
            continue
        if token.kind not in {"UNKNOWN", "IGNORE"}:
            first_unknown = None
        elif token.kind == "UNKNOWN":
            first_unknown = len(merged)
        merged.append(token)
    return merged
