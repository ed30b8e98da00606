"""参加費 free text → amount in yen and what it pays for (a visit, a month, a year)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

from mapapp.schedule.text import normalize_schedule_text
from mapapp.text import normalize_line

UNITS = ("per_visit", "per_month", "per_year", "free", "at_cost", "unknown")

_AMOUNT = re.compile(
    r"¥\s*(?P<yen>\d[\d,]*)"
    r"|(?P<number>\d[\d,.]*(?:[万千百]\d*)*|[〇一二三四五六七八九十百千万]+)\s*円"
)
_RANGE = re.compile(r"\d[\d,]*\s*円?\s*[~-]\s*\d[\d,]*\s*円")
# 「予約不要」「申込不要」 say nothing about money; only a fee that is 不要 is free.
_FREE = re.compile(
    r"無料|無償|(?:参加費|会費|費用|料金|利用料|参加料)\s*[:はも]?\s*(?:不要|なし|無し)|^なし$|^0円$"
)
_AT_COST = re.compile(r"実費|別途|自己負担")
# 「/月」 after the amount wins; then words before it; a bare amount is paid per visit, as
# 参加費 at サロン and 体操 groups almost always is.
_SUFFIX_UNIT = re.compile(r"円\s*/\s*(?P<unit>[月回年])")
_PREFIX_UNITS = (
    (re.compile(r"月額|月会費|1[かヶヵカケ]月|ひと月|毎月|(?:^|[^0-9])月\s*(?=[\d¥〇一二三四五六七八九十百千])"),
     "per_month"),
    (re.compile(r"年額|年会費|(?:^|[^0-9])年\s*(?=[\d¥〇一二三四五六七八九十百千])"), "per_year"),
)  # fmt: skip
_UNIT_OF = {"月": "per_month", "年": "per_year", "回": "per_visit"}
# Words that only say "this is the fee": 「参加費100円」 has no item label, 「お茶代100円」 has.
_FEE_WORDS = re.compile(
    r"参加費|参加料|会費|年会費|月会費|利用料|料金|費用|月額|年額|1回|毎回|各回|一回|1人|お一人"
    r"|程度|くらい|ぐらい|ほど|前後|位|税込み?|[:/はがのでと円月年回]|\s"
)
_SEGMENTS = re.compile(r"[、。;\n]|,(?!\d{3})|(?<=円)\s*[・+＆&]\s*|(?<=円)\s+(?=\S)")
_KANJI_DIGITS = dict(zip("〇一二三四五六七八九", range(10), strict=True))
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}


class FeeParseError(ValueError):
    """The input to parse_fee was not text."""


@dataclass(frozen=True)
class Fee:
    """A parsed 参加費: ``unit`` is one of UNITS; ``extras`` are other costs and notes."""

    text: str
    amount_yen: int | None
    unit: str
    extras: tuple[str, ...] = ()
    needs_review: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unit: expected one of {UNITS}, got {self.unit!r}")

    def to_json(self) -> dict:
        """A JSON-ready dict of the fields."""
        return {
            "text": self.text,
            "amount_yen": self.amount_yen,
            "unit": self.unit,
            "extras": list(self.extras),
            "needs_review": list(self.needs_review),
        }


def _kanji_number(text: str) -> int:
    """「五百」→ 500, 「千二百」→ 1200, 「1万」-style mixes are not written with 円 here."""
    total, section, digit = 0, 0, None
    for char in text:
        if char in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[char]
        elif char == "万":
            total += (section + (digit or 0) or 1) * 10_000
            section, digit = 0, None
        else:
            section += (1 if digit is None else digit) * _KANJI_UNITS[char]
            digit = None
    return total + section + (digit or 0)


def _amount(match: re.Match[str]) -> int:
    number = match.group("yen") or match.group("number")
    if number[0].isdigit():
        return _mixed_number(number)
    return _kanji_number(number)


def _mixed_number(text: str) -> int:
    """Digits with kanji units: 2千 → 2000, 1万2千 → 12000, 1.5万 → 15000, 1,000 → 1000."""
    total, section, digits = 0.0, 0.0, ""
    for char in text.replace(",", ""):
        if char.isdigit() or char == ".":
            digits += char
        elif char == "万":
            total += (section + float(digits or 1)) * 10_000
            section, digits = 0.0, ""
        else:  # 千 or 百
            section += float(digits or 1) * (1_000 if char == "千" else 100)
            digits = ""
    return round(total + section + float(digits or 0))


def _unit(segment: str) -> str:
    suffix = _SUFFIX_UNIT.search(segment)
    if suffix:
        return _UNIT_OF[suffix.group("unit")]
    for pattern, unit in _PREFIX_UNITS:
        if pattern.search(segment):
            return unit
    return "per_visit"


@dataclass
class _Segment:
    text: str
    amounts: list[int]
    unit: str
    label: str  # what the amount pays for when the text says (お茶代), else ""


def _segment(text: str) -> _Segment:
    amounts = [_amount(match) for match in _AMOUNT.finditer(text)]
    label = _FEE_WORDS.sub("", _AMOUNT.sub("", text)).strip()
    return _Segment(text, amounts, _unit(text) if amounts else "", label)


def parse_fee(text: str) -> Fee:
    """Parse a 参加費 text; anything ambiguous gives ``needs_review`` instead of a guess.

    Parenthesised parts and costs for named items (ノート代実費) go to ``extras``; two fees
    that both look like the main one (「1回100円・月500円」) give no amount and a review.
    Raises FeeParseError (a ValueError) only when ``text`` is not a str.

    >>> fee = parse_fee("参加費100円／⽉、ノート代実費")
    >>> fee.amount_yen, fee.unit, fee.extras
    (100, 'per_month', ('ノート代実費',))
    """
    if not isinstance(text, str):
        raise FeeParseError(f"expected the 参加費 text as str, got {type(text).__name__}")
    fee = _parse_fee_text(text)
    return fee if fee.text is text else replace(fee, text=text)  # the caller's own text


@functools.lru_cache(maxsize=20_000)
def _parse_fee_text(text: str) -> Fee:
    """parse_fee of a str, cached: a list repeats a few fee texts, and a Fee is immutable."""
    prepared = normalize_schedule_text(text)
    if not prepared:
        return Fee(text, None, "unknown")
    extras = [part.strip() for part in re.findall(r"\(([^()]*)\)", prepared) if part.strip()]
    main = re.sub(r"\([^()]*\)", " ", prepared)
    if _RANGE.search(main):
        return Fee(text, None, "unknown", tuple(extras), ("金額に幅があります",))
    segments = [_segment(part.strip()) for part in _SEGMENTS.split(main) if part.strip()]
    priced = [segment for segment in segments if segment.amounts]
    fees = [segment for segment in priced if not segment.label] or priced[:1]
    free = any(_FREE.search(segment.text) for segment in segments if not segment.amounts)
    at_cost = [s for s in segments if not s.amounts and _AT_COST.search(s.text)]
    # A segment is read from its text alone, so equal texts are equal segments: compared as
    # sets of texts, not by scanning the lists (which took time in the square of the text).
    taken = {s.text for s in fees} | {s.text for s in at_cost}
    others = [
        s.text
        for s in segments
        if s.text not in taken and not (_FREE.search(s.text) and not s.amounts)
    ]
    if len(fees) > 1 or any(len(segment.amounts) > 1 for segment in fees):
        listed = "・".join(segment.text for segment in fees)
        return Fee(text, None, "unknown", tuple(extras), (f"金額が複数あります（{listed}）",))
    if fees and free:
        return Fee(text, None, "unknown", tuple(extras), (f"無料と金額の両方があります（{main}）",))
    if fees and fees[0].amounts[0] == 0:
        return Fee(text, 0, "free", tuple(dict.fromkeys(others + extras)))
    if fees:
        fee = fees[0]
        labels = [fee.label] if fee.label else []
        notes = labels + [s.text for s in at_cost] + others
        return Fee(text, fee.amounts[0], fee.unit, tuple(dict.fromkeys(notes + extras)))
    if free:
        return Fee(text, 0, "free", tuple(dict.fromkeys(others + extras)))
    if at_cost:
        notes = [s.text for s in at_cost if s.text != "実費"] + others
        return Fee(text, None, "at_cost", tuple(dict.fromkeys(notes + extras)))
    reason = f"参加費が読み取れません（{normalize_line(text)}）"
    return Fee(text, None, "unknown", tuple(extras), (reason,))


def format_fee(fee: Fee) -> str:
    """「無料」「1回100円」「月100円」「年1,000円」「実費」, extras in parentheses.

    Unknown fees show their own text (one line), or 「不明」 when there is none.
    """
    if fee.unit == "unknown":
        return normalize_line(fee.text) or "不明"
    amount = f"{fee.amount_yen:,}円" if fee.amount_yen is not None else ""
    shown = {
        "free": "無料",
        "per_visit": f"1回{amount}",
        "per_month": f"月{amount}",
        "per_year": f"年{amount}",
        "at_cost": "実費",
    }[fee.unit]
    return f"{shown}（{'、'.join(fee.extras)}）" if fee.extras else shown
