"""Japanese addresses as people write them: prefecture and municipality dropped, the
町丁目・大字 part turned into a key that compares the way people mean it.

>>> place_key("桜ヶ丘三丁目")
'桜ケ丘3丁目'
>>> place_key("大字一之宮字東")
'一の宮東'
>>> split_address("静岡県浜松市中区元城町１０３－２", ["浜松市中区", "湖西市"])
Address(prefecture='静岡県', municipality='浜松市中区', rest='元城町103-2')
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from mapapp.text import normalize_line

_KANJI = r"[\u3400-\u9fff\uf900-\ufaff々]"
_PREFECTURE = re.compile(r"^(東京都|北海道|(?:京都|大阪)府|\S{2,3}?県)")
# Used only when no known municipality name fits: 〇〇郡〇〇町, 〇〇市〇〇区, 〇〇市, 〇〇村.
_MUNICIPALITY_GUESS = re.compile(
    rf"^(?:{_KANJI}{{1,5}}郡)?"
    rf"(?:{_KANJI}{{1,6}}?市{_KANJI}{{1,4}}?区|{_KANJI}{{1,6}}?[市町村])"
)
POSTCODE = re.compile(r"^〒?\s*\d{3}\s*[-ー－−]?\s*\d{4}\s*")

KANJI_DIGITS = {
    "〇": 0, "零": 0, "一": 1, "壱": 1, "壹": 1, "二": 2, "弐": 2, "貳": 2, "三": 3, "参": 3,
    "參": 3, "四": 4, "五": 5, "伍": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
KANJI_UNITS = {"十": 10, "拾": 10, "百": 100, "千": 1000, "阡": 1000}
KANJI_NUMERAL = "[" + "".join(KANJI_DIGITS) + "".join(KANJI_UNITS) + "]+"


def kanji_number(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 百三 → 103, 一二三 → 123 (digit by digit); None if not one.

    >>> [kanji_number(t) for t in ("三", "十二", "二十一", "千二百三十四", "一二三四", "弐")]
    [3, 12, 21, 1234, 1234, 2]
    """
    if not text or any(c not in KANJI_DIGITS and c not in KANJI_UNITS for c in text):
        return None
    if not any(c in KANJI_UNITS for c in text):  # 一二三四: written digit by digit
        return int("".join(str(KANJI_DIGITS[c]) for c in text))
    total, digit = 0, None
    for c in text:
        if c in KANJI_DIGITS:
            digit = KANJI_DIGITS[c]
        else:
            total += (1 if digit is None else digit) * KANJI_UNITS[c]
            digit = None
    return total + (digit or 0)


_CHOME_KANJI = re.compile(f"({KANJI_NUMERAL})(丁目|番町|条|線)")
_GA = re.compile(rf"(?<={_KANJI})[がガヶヵケ](?={_KANJI})")
_NO = re.compile(rf"(?<={_KANJI})[之ノ乃](?={_KANJI})")
_SMALL_KE = str.maketrans({"ヶ": "ケ", "ヵ": "ケ"})
_DASHES = re.compile(r"[‐‑‒–—―−ー－─━]")


def place_key(text: str) -> str:
    """A 町丁目・大字 name (or the start of an address) in one comparable spelling.

    NFKC and no spaces; numbers of 丁目, 番町, 条 and 線 in digits (三丁目 → 3丁目, 五番町 →
    5番町, 北一条 → 北1条); ヶ/ケ/が between kanji as
    ケ; 之/ノ between kanji as の; 大字 and a leading 字 dropped, and the 字 that separates a
    大字 from its 小字 (吉美字山田 → 吉美山田); every dash as "-".
    """
    value = normalize_line(text).replace(" ", "")
    value = _CHOME_KANJI.sub(lambda m: f"{kanji_number(m.group(1))}{m.group(2)}", value)
    value = value.translate(_SMALL_KE)
    value = _GA.sub("ケ", value)
    value = _NO.sub("の", value)
    value = value.replace("大字", "")
    value = re.sub(rf"^字|(?<={_KANJI})字(?={_KANJI})", "", value)
    return _DASHES.sub("-", value)


@dataclass(frozen=True)
class Address:
    prefecture: str  # "" when not written
    municipality: str  # as matched: a known name, a guess, or "" when not written
    rest: str  # the 町丁目・番地 part, normalised (NFKC, no spaces)


def split_address(address: str, municipalities: Iterable[str] = ()) -> Address:
    """Split off the prefecture and the municipality, preferring ``municipalities`` (known
    names, such as 浜松市中区 or 湖西市) over the pattern, which cannot tell 市川市 from 市."""
    value = POSTCODE.sub("", normalize_line(address)).replace(" ", "")
    prefecture = ""
    found = _PREFECTURE.match(value)
    if found and not any(value.startswith(m) for m in municipalities):
        prefecture, value = found.group(1), value[found.end() :]
    for name, written in _spellings(tuple(municipalities)):
        if value.startswith(written):
            return Address(prefecture, name, value[len(written) :])
    guess = _MUNICIPALITY_GUESS.match(value)
    # 本町2-3 starts like a 町 too: a bare 〇〇町 counts only after a prefecture or a 郡.
    trusted = guess and (prefecture or "郡" in guess.group(0) or guess.group(0)[-1] in "市区")
    if trusted and len(value) > guess.end():
        return Address(prefecture, guess.group(0), value[guess.end() :])
    return Address(prefecture, "", value)


@functools.lru_cache(maxsize=64)
def _spellings(municipalities: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(name, how it may be written), longest names first; an import asks with the same
    names for every row."""
    names = sorted({m for m in municipalities if m}, key=len, reverse=True)
    return tuple((name, written) for name in names for written in _municipality_spellings(name))


def _municipality_spellings(name: str) -> tuple[str, ...]:
    """浜名郡新居町 is often written without its 郡, and 新潟市中央区 as 中央区 by those who
    live there."""
    spellings = [name]
    without_gun = re.sub(rf"^{_KANJI}{{1,5}}郡", "", name)
    ward = re.fullmatch(rf"{_KANJI}{{1,6}}?市({_KANJI}{{1,4}}区)", name)
    spellings += [s for s in (without_gun, ward.group(1) if ward else "") if s and s != name]
    return tuple(spellings)
