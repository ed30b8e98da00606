"""Spreadsheet exports: the own format (CSV, xlsx) and the MHLW 通いの場 CSV layout.

The own format's headers are the ``own`` import profile's (OWN_COLUMNS), so that importing an
export gives back what was exported. Text cells are neutralised (spreadsheet_text), numbers are
written as numbers.

**CP932.** ``encoding="cp932"`` writes Shift_JIS as Excel and older systems read it. The
characters that JIS and CP932 map to different code points are written as CP932 reads them
back (〜 U+301C → ～ U+FF5E, ‖ → ∥, − U+2212 → －, — U+2014 → ―, ¢ £ ¬ → ￠ ￡ ￢: the same
glyphs); any other character CP932 cannot hold becomes its NFKC form when CP932 holds that
(Kangxi ⽉ → 月, as the importer would read it anyway), else 〓 (U+3013 GETA MARK, the customary
mark of a missing character). Only the last loses information: each cell where it happened is
listed in the report (row, ID, column, characters), and the command prints the list on stderr.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from mapapp.exporting import spreadsheet_text
from mapapp.exporting.rows import Entry, Rule
from mapapp.importing.profiles import MHLW_HEADERS, OWN_COLUMNS

OWN_HEADERS = tuple(header for header, _ in OWN_COLUMNS)
GETA = "〓"
# Code points of JIS X 0208 characters that CP932 reads back as others (the same glyphs).
_CP932_TWINS = str.maketrans(
    {
        "\u301c": "\uff5e",  # 〜 WAVE DASH → ～ FULLWIDTH TILDE
        "\u2016": "\u2225",  # ‖ → ∥
        "\u2212": "\uff0d",  # − MINUS SIGN → －
        "\u2014": "\u2015",  # — EM DASH → ―
        "\u00a2": "\uffe0",  # ¢
        "\u00a3": "\uffe1",  # £
        "\u00ac": "\uffe2",  # ¬
    }
)


@dataclass
class Substitutions:
    """Cells where a character had to become 〓 (CP932 exports)."""

    cells: list[str] = field(default_factory=list)
    count: int = 0


def _encodable(text: str) -> bool:
    try:
        text.encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


def cp932_text(value: str) -> tuple[str, str]:
    """(text CP932 can hold, the characters that became 〓).

    >>> cp932_text("毎週⽉曜⽇ 10:00〜11:30 𠮷野")
    ('毎週月曜日 10:00～11:30 〓野', '𠮷')
    """
    value = value.translate(_CP932_TWINS)
    if _encodable(value):
        return value, ""
    out: list[str] = []
    lost: list[str] = []
    for char in value:
        if _encodable(char):
            out.append(char)
            continue
        nfkc = unicodedata.normalize("NFKC", char)
        if nfkc and _encodable(nfkc):
            out.append(nfkc)
        else:
            out.append(GETA)
            lost.append(char)
    return "".join(out), "".join(lost)


def _flag(value: bool | None, yes: str, no: str) -> str:
    return "" if value is None else (yes if value else no)


def own_values(item: Entry) -> list:
    """The own format's cells of one resource: text, or int/float for the numbers."""
    by_field = {
        "source": item.source,
        "source_key": item.source_key,
        "kind": item.kind,
        "name": item.name,
        "kana": item.kana,
        "organization": item.organization,
        "venue": item.venue,
        "address": item.address,
        "lat": item.lat,
        "lon": item.lon,
        "location_precision": item.precision_label,
        "coverage": item.coverage_label,
        "coverage_m": item.coverage_m,
        "service_areas": "、".join(item.service_areas),
        "schedule_text": item.schedule_text,
        "closed_text": item.closed_text,
        "fee_text": item.fee_text,
        "target_text": item.target_text,
        "capacity": item.capacity,
        "pickup": _flag(item.pickup, "あり", "なし"),
        "meals": _flag(item.meals, "あり", "なし"),
        "public_contact": item.public_contact,
        "url": item.url,
        "status": item.status_label,
        "verified_on": item.verified_on.isoformat() if item.verified_on else "",
        "tags": "、".join(item.tags),
        "description": item.description,
        "kind_text": item.kind_text,
    }
    return [by_field[name] for _, name in OWN_COLUMNS]


# --- the MHLW 通いの場 layout ------------------------------------------------------------

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR")


@dataclass(frozen=True)
class Town:
    """What the MHLW layout says of the municipality: from the 第1層 area (name, and its code
    when it is a 市区町村コード), completed from each address."""

    prefecture_code: str = ""
    prefecture: str = ""
    code: str = ""
    name: str = ""


def _day_types(rules: list[Rule]) -> dict[str, tuple[str, str]]:
    """{平日|土曜|日曜: (開始, 終了)} from the weekly and monthly rules: the earliest opening and
    the latest closing of the rules that meet on such a day. 祝日 is never known from rules."""
    found: dict[str, list[Rule]] = {}
    for rule in rules:
        days = {code[-2:] for code in rule.parts().get("BYDAY", "").split(",") if code}
        if rule.parts().get("BYMONTHDAY"):
            continue  # 毎月15日: not a kind of day
        if days & set(_WEEKDAYS):
            found.setdefault("平日", []).append(rule)
        if "SA" in days:
            found.setdefault("土曜", []).append(rule)
        if "SU" in days:
            found.setdefault("日曜", []).append(rule)
    times = {}
    for day, day_rules in found.items():
        opens = [r.opens_at for r in day_rules if r.opens_at]
        closes = [r.closes_at for r in day_rules if r.closes_at]
        times[day] = (_hhmm(min(opens)) if opens else "", _hhmm(max(closes)) if closes else "")
    return times


def _hhmm(value: dt.time) -> str:
    return value.strftime("%H:%M")


def mhlw_values(number: int, item: Entry, town: Town, split) -> list:
    """The MHLW layout's cells of one resource (split: mapapp.addresses.split_address)."""
    address = split(item.address) if item.address else None
    times = _day_types(item.rules)
    lines = [item.description] if item.description else []
    if item.schedule_text:  # 第2・第4月曜日 has no column of its own in this layout
        lines.append(f"開催日時: {item.schedule_text}")
    other = "\n".join(lines)
    if item.coverage.value == "areas":
        reach = "、".join(item.service_areas)
    else:
        reach = "全域" if item.coverage.value == "town" else ""
    by_header = {
        "No": number,
        "都道府県コード": town.prefecture_code,
        "都道府県名": (address.prefecture if address else "") or town.prefecture,
        "市区町村コード": town.code,
        "市区町村名": (address.municipality if address else "") or town.name,
        "備考": "",
        "名称（ふりがな）": item.kana,
        "名称": item.name,
        "郵便番号": "",
        "所在地（都道府県から番地まで）": item.address,
        "所在地（建物名・部屋番号等）": item.venue,
        "電話番号": item.public_contact,
        "対象者": item.target_text,
        "活動内容": "、".join(item.tags),
        "定休日": item.closed_text,
        "定員": item.capacity,
        "料金体系": item.fee_text,
        "飲食の提供の有無": _flag(item.meals, "1", "0"),
        "飲食持ち込みの可否": "",
        "送迎の有無": _flag(item.pickup, "1", "0"),
        "対象エリア": reach,
        "総合事業実施の有無": "",
        "その他": other,
        "法人番号の有無": "",
        "法人番号": "",
        "法人名称（ふりがな）": item.organization_kana,
        "法人名称": item.organization,
        "ステータス": item.status_label,
        "緯度": item.lat,
        "経度": item.lon,
    }
    for day in ("平日", "土曜", "日曜", "祝日"):
        start, end = times.get(day, ("", ""))
        by_header[f"運営日（{day}）－開始"] = start
        by_header[f"運営日（{day}）－終了"] = end
    return [by_header[h] for h in MHLW_HEADERS]


# --- writers ------------------------------------------------------------------------------


def _number(value) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def write_csv(
    stream: IO[bytes],
    headers: Iterable[str],
    rows: Iterator[tuple[int, list]],
    encoding: str,
    substitutions: Substitutions,
) -> int:
    """CSV for Excel: CRLF, UTF-8 with BOM (or CP932); rows are (resource id, cells).
    Returns the number of rows written."""
    cp932 = encoding == "cp932"
    if not cp932:
        stream.write(codecs.BOM_UTF8)
    headers = list(headers)
    text = _TextSink(stream, "cp932" if cp932 else "utf-8")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(headers)
    written = 0
    for written, (resource_id, values) in enumerate(rows, start=1):
        cells = []
        for header, value in zip(headers, values, strict=True):
            if value is None or isinstance(value, int | float):
                cells.append(_number(value))
                continue
            cell = spreadsheet_text(value)
            if cp932:
                cell, lost = cp932_text(cell)
                if lost:
                    substitutions.count += 1
                    substitutions.cells.append(
                        f"{written + 1}行目（ID {resource_id}）「{header}」: {lost} → {GETA}"
                    )
            cells.append(cell)
        writer.writerow(cells)
    text.flush()
    return written


class _TextSink:
    """A text file for csv.writer over a binary stream, encoding as it goes (strictly: the
    cells were made encodable before), in chunks of about 64 KB."""

    def __init__(self, stream: IO[bytes], encoding: str):
        self._stream = stream
        self._encoding = encoding
        self._parts: list[str] = []
        self._size = 0

    def write(self, text: str) -> int:
        self._parts.append(text)
        self._size += len(text)
        if self._size > 1 << 16:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self._parts:
            self._stream.write("".join(self._parts).encode(self._encoding))
            self._parts, self._size = [], 0


def write_xlsx(stream: IO[bytes], headers: Iterable[str], rows: Iterator[tuple[int, list]]) -> int:
    """The first (and only) sheet 「資源」, written row by row (openpyxl write-only mode)."""
    import warnings

    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("資源")
    sheet.append(list(headers))
    written = 0
    for _, values in rows:
        written += 1
        sheet.append(
            [
                value
                if value is None or isinstance(value, int | float)
                else ILLEGAL_CHARACTERS_RE.sub("", spreadsheet_text(value))
                for value in values
            ]
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook.save(stream)
    return written
