"""Turning the text of one cell into a typed value, or a Japanese reason why not."""

from __future__ import annotations

import datetime as dt
import math
import re
from urllib.parse import urlsplit

from mapapp.models import Coverage, LocationPrecision, ResourceStatus
from mapapp.text import normalize_line


class FieldProblem(ValueError):
    """The cell's text is not a valid value; the message is for the person fixing the file."""


_TRUE = {"1", "あり", "有", "有り", "○", "〇", "はい", "true", "yes", "可"}
_FALSE = {"0", "なし", "無", "無し", "×", "いいえ", "false", "no", "不可"}


def parse_flag(text: str) -> bool | None:
    """あり/なし, 有/無, 1/0, ○/× … to True/False; empty to None."""
    value = normalize_line(text).lower()
    if not value:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise FieldProblem(f"「{text}」は「あり」か「なし」（または 1 か 0）で書いてください")


def parse_count(text: str) -> int | None:
    """A head count such as 20, 20人, 約20名; empty to None."""
    value = normalize_line(text)
    if not value:
        return None
    match = re.fullmatch(r"(?:約|定員)?\s*(\d{1,6})\s*(?:人|名|人程度|名程度|程度)?", value)
    if not match:
        raise FieldProblem(f"「{text}」は人数（数字）で書いてください")
    return int(match.group(1))


def parse_metres(text: str) -> int | None:
    value = normalize_line(text).lower().removesuffix("m").removesuffix("メートル").strip()
    if not value:
        return None
    if not value.isdigit():
        raise FieldProblem(f"「{text}」はメートル（数字）で書いてください")
    return int(value)


_ERAS = {"令和": 2018, "平成": 1988, "R": 2018, "H": 1988}


def parse_date(text: str) -> dt.date | None:
    """2026-06-01, 2026/6/1, 2026年6月1日, 令和8年6月1日, R8.6.1; empty to None."""
    value = normalize_line(text)
    if not value:
        return None
    value = re.sub(r"T.*$", "", value)
    match = re.fullmatch(
        r"(令和|平成|R|H)?\s*(\d{1,4}|元)[-/.年](\d{1,2})[-/.月](\d{1,2})日?", value
    )
    if match:
        era, year, month, day = match.groups()
        year_number = 1 if year == "元" else int(year)
        if era:
            year_number += _ERAS[era]
        try:
            return dt.date(year_number, int(month), int(day))
        except ValueError:
            pass
    raise FieldProblem(f"「{text}」は日付（例: 2026-06-01）として読めません")


def parse_float(text: str, label: str) -> float:
    value = normalize_line(text)
    if not value:
        raise FieldProblem(f"{label}がありません")
    try:
        number = float(value)
    except ValueError:
        raise FieldProblem(f"{label}「{text}」は数字ではありません") from None
    if not math.isfinite(number):  # "nan", "inf", "1e999": float() reads them all
        raise FieldProblem(f"{label}「{text}」は数字ではありません（無限大や NaN は使えません）")
    return number


_STATUS = {
    "活動中": ResourceStatus.ACTIVE,
    "開催中": ResourceStatus.ACTIVE,
    "運営中": ResourceStatus.ACTIVE,
    "休止中": ResourceStatus.PAUSED,
    "休止": ResourceStatus.PAUSED,
    "準備中": ResourceStatus.PREPARING,
    "終了": ResourceStatus.CLOSED,
    "廃止": ResourceStatus.CLOSED,
}


def parse_status(text: str) -> ResourceStatus:
    value = normalize_line(text)
    if not value:
        return ResourceStatus.ACTIVE
    if value in _STATUS:
        return _STATUS[value]
    try:
        return ResourceStatus(value.lower())
    except ValueError:
        raise FieldProblem(
            f"状態「{text}」は 準備中・活動中・休止中・終了 のどれかにしてください"
        ) from None


def parse_precision(text: str) -> LocationPrecision:
    value = normalize_line(text).lower()
    if value in ("", "番地", "exact", "番地まで"):
        return LocationPrecision.EXACT
    if value in ("丁目", "chome", "丁目まで", "町丁", "大字"):
        return LocationPrecision.CHOME
    raise FieldProblem(f"位置の精度「{text}」は「番地」か「丁目」にしてください")


def parse_coverage(text: str) -> Coverage:
    value = normalize_line(text).lower()
    if value in ("", "徒歩圏", "walk"):
        return Coverage.WALK
    if value in ("区域", "areas", "地区"):
        return Coverage.AREAS
    if value in ("town", "全域", "町全域", "市全域", "村全域", "市町村全域", "区全域"):
        return Coverage.TOWN
    raise FieldProblem(f"対象範囲「{text}」は 徒歩圏・区域・全域 のどれかにしてください")


def split_list(text: str) -> list[str]:
    """「体操、脳トレ、交流」 → ['体操', '脳トレ', '交流'] (、 , ， / and line breaks separate)."""
    parts = re.split(r"[、,，/／\n]", text or "")
    seen: dict[str, None] = {}
    for part in parts:
        part = normalize_line(part)
        if part:
            seen.setdefault(part, None)
    return list(seen)


# --- optional columns: a bad value is reported and left out, the row is kept ---------------

_NO_VALUE = {"-", "－", "ー", "―", "なし", "無し", "無", "特になし", "該当なし", "未定"}
_URL = re.compile(r"https?://[^\s<>\"'{}|\\^`]+", re.IGNORECASE)
_BARE_HOST = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?:[/?#][^\s<>\"']*)?", re.IGNORECASE
)


def parse_url(text: str) -> tuple[str, str]:
    """A web address and, when it had to be completed, a note saying how.

    ``https://…`` and ``http://…`` are kept; ``www.example.jp`` (no scheme) gets ``https://``
    with a note; 「なし」 and dashes mean no address. FieldProblem for anything else, such as
    ``http//…`` or an e-mail address: a broken link is worse than none.

    >>> parse_url("www.example.jp/salon")
    ('https://www.example.jp/salon', 'URL「www.example.jp/salon」に https:// を付けました')
    """
    value = normalize_line(text)
    if not value or value in _NO_VALUE:
        return "", ""
    if _URL.fullmatch(value):
        host = urlsplit(value).hostname or ""
        if "." in host:
            return value, ""
        raise FieldProblem(f"URL「{value}」にはサイトの名前（example.jp など）がありません")
    if "@" in value and " " not in value:
        raise FieldProblem(f"URL「{value}」はメールアドレスのようです")
    if _BARE_HOST.fullmatch(value):
        return f"https://{value}", f"URL「{value}」に https:// を付けました"
    raise FieldProblem(f"URL「{value}」は読めません（http:// か https:// で始めてください）")


_DATE_LIKE = re.compile(
    r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|(?:令和|平成|昭和|R|H)\s*(?:\d{1,2}|元)[-/.年]\d{1,2}[-/.月]\d{1,2}日?",
    re.IGNORECASE,
)
_EXPONENT = re.compile(r"\d(?:\.\d+)?E\+?\d+", re.IGNORECASE)
_ZERO_DROPPED = re.compile(r"[1-9]\d{8,9}")


def parse_contact(text: str) -> tuple[str, str]:
    """The 連絡先 as written (「社協 053-576-1234」 is a fine contact) and a note when changed.

    Only what is plainly not a contact is refused (FieldProblem): a web address, a date, or
    a number Excel turned into 5.3E+10. A 9–10 digit number without its leading 0 (Excel
    drops it; no number in Japan is dialled that way) gets the 0 back, with a note.
    """
    value = normalize_line(text)
    if not value:
        return "", ""
    if _URL.fullmatch(value) or re.match(r"(?:https?\W|www\.)", value, re.IGNORECASE):
        raise FieldProblem(f"連絡先「{value}」は URL です（URL の列に書いてください）")
    if _DATE_LIKE.fullmatch(value):
        raise FieldProblem(f"連絡先「{value}」は日付です（電話番号を書いてください）")
    if _EXPONENT.fullmatch(value):
        raise FieldProblem(
            f"連絡先「{value}」は Excel で数値にされ、番号の一部が失われています"
            "（セルを文字列にして書き直してください）"
        )
    if _ZERO_DROPPED.fullmatch(value):
        return f"0{value}", f"連絡先「{value}」は先頭の 0 が落ちているようなので補いました"
    return value, ""
