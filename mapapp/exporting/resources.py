"""Resource exports, for the command line (``mapapp export``) and, later, the staff pages.

Free of Flask and click: :func:`write_export` writes one format to a binary stream as it
reads the resources (a batch at a time), :func:`export_resources` returns the bytes.

| format | what | carries |
|---|---|---|
| ``csv`` | the own import format, UTF-8 with BOM (or CP932), CRLF | every own column |
| ``xlsx`` | the same columns, one sheet 「資源」 | every own column |
| ``geojson`` | RFC 7946 FeatureCollection, the own columns as properties | every own column |
| ``mhlw`` | 厚生労働省 通いの場 CSV, its 38 columns in order, 通いの場 only | see below |
| ``hsds`` | HSDS 3 paged list of nested services (see documents.py) | every own column |

Public by default: a private home (居宅サロン, 位置の精度 丁目) is written as the public sees it
(mapapp.privacy: no 会場, the 住所 cut at the 町丁目, the point rounded to about 100 m unless it
is already a 町丁目's or 大字's point, the 内容 without the venue and the address); ``full``
writes the record as stored, for admins.

The MHLW layout cannot carry 出典/出典ID (its key is 市区町村コード + 名称 + 所在地), 種別 (every
row is a 通いの場), 元の種別, 位置の精度, 対象範囲 (対象エリア is written, not read back),
対象区域, URL, 状態 (ステータス is written, not read back), 最終確認日, and 開催日時 only as
opening times by kind of day (平日・土曜・日曜) from the parsed rules; the verbatim 開催日時 is
added to その他 (「開催日時: …」), which is read back as 内容, and 会場 is written as
所在地（建物名・部屋番号等）, which the importer adds to the 住所 and keeps as 会場.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.exporting import documents, tables
from mapapp.exporting.rows import ExportProblem, count_resources, find_area, iter_entries
from mapapp.models import Area, Layer
from mapapp.taxonomy import Taxonomy

FORMATS = ("csv", "xlsx", "geojson", "mhlw", "hsds")
ENCODINGS = ("utf-8", "cp932")
SUFFIXES = {"csv": ".csv", "xlsx": ".xlsx", "geojson": ".geojson", "mhlw": ".csv", "hsds": ".json"}
MEDIA_TYPES = {
    "csv": "text/csv",
    "mhlw": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "hsds": "application/json",
}
# The taxonomy group the MHLW 通いの場 layout is for.
KAYOI_GROUP = "kayoi"

__all__ = ["ExportProblem", "ExportReport", "FORMATS", "export_resources", "write_export"]


@dataclass
class ExportReport:
    format: str
    rows: int = 0
    full: bool = False
    area: str = ""  # the area's name when limited to one
    # CP932: the cells where a character became 〓 (row, ID, column, characters).
    substituted: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _area_id(session: Session, area: int | str | None) -> tuple[int | None, str]:
    if area is None or area == "":
        return None, ""
    if isinstance(area, int):
        found = session.get(Area, area)
        if found is None:
            raise ExportProblem(f"区域 ID {area} はありません")
    else:
        found = find_area(session, area)
    return found.id, found.name


def _town(session: Session) -> tables.Town:
    first = session.scalars(select(Area).where(Area.layer == Layer.CITY).order_by(Area.id)).first()
    if first is None:
        return tables.Town()
    code = first.code if first.code.isdigit() and len(first.code) in (5, 6) else ""
    return tables.Town(prefecture_code=code[:2], code=code, name=first.name)


def write_export(
    session: Session,
    stream: IO[bytes],
    format: str,  # noqa: A002 -- the command's own word
    *,
    taxonomy: Taxonomy | None = None,
    area: int | str | None = None,
    full: bool = False,
    encoding: str = "utf-8",
) -> ExportReport:
    """Write the resources (of ``area``: an id, or an id or name as typed) in ``format`` to
    ``stream``. ExportProblem (a Japanese message) for an unknown format, encoding or area."""
    if format not in FORMATS:
        raise ExportProblem(f"形式「{format}」はありません（{'、'.join(FORMATS)}）")
    if encoding not in ENCODINGS:
        raise ExportProblem(f"文字コード「{encoding}」は使えません（{'、'.join(ENCODINGS)}）")
    if encoding != "utf-8" and format not in ("csv", "mhlw"):
        raise ExportProblem(f"--encoding {encoding} は CSV（csv, mhlw）のときだけ使えます")
    area_id, area_name = _area_id(session, area)
    report = ExportReport(format=format, full=full, area=area_name)
    kinds = None
    if format == "mhlw" and taxonomy is not None:
        kinds = tuple(k.code for k in taxonomy.kinds_in_group(KAYOI_GROUP)) or None
        if kinds:
            report.notes.append("厚労省の通いの場の形式なので、通いの場の種別だけを書き出しました")
    items = iter_entries(session, area_id=area_id, kinds=kinds, full=full)
    substitutions = tables.Substitutions()
    if format == "csv":
        rows = ((item.id, tables.own_values(item)) for item in items)
        report.rows = tables.write_csv(stream, tables.OWN_HEADERS, rows, encoding, substitutions)
    elif format == "xlsx":
        rows = ((item.id, tables.own_values(item)) for item in items)
        report.rows = tables.write_xlsx(stream, tables.OWN_HEADERS, rows)
    elif format == "mhlw":
        report.rows = tables.write_csv(
            stream, tables.MHLW_HEADERS, _mhlw_rows(session, items), encoding, substitutions
        )
    elif format == "geojson":
        report.rows = documents.write_geojson(stream, items)
    else:
        total = count_resources(session, area_id, kinds)
        labels = {k.code: k.label for k in taxonomy.kinds} if taxonomy else {}
        report.rows = documents.write_hsds(stream, items, total, labels)
    report.substituted = substitutions.cells
    return report


def _mhlw_rows(session: Session, items) -> Iterator[tuple[int, list]]:
    from mapapp.addresses import split_address

    town = _town(session)
    municipalities = (town.name,) if town.name else ()

    def split(address: str):
        return split_address(address, municipalities)

    for number, item in enumerate(items, start=1):
        yield item.id, tables.mhlw_values(number, item, town, split)


def export_resources(
    session: Session,
    format: str,  # noqa: A002
    *,
    taxonomy: Taxonomy | None = None,
    area: int | str | None = None,
    full: bool = False,
    encoding: str = "utf-8",
) -> bytes:
    """The export as bytes (for a web response of a town's size); see write_export."""
    buffer = io.BytesIO()
    write_export(
        session, buffer, format, taxonomy=taxonomy, area=area, full=full, encoding=encoding
    )
    return buffer.getvalue()
