"""Readers that turn CSV (UTF-8, UTF-8 with BOM, CP932), Excel .xlsx and GeoJSON point files
into rows of text keyed by their headers, with the row numbers people see."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path

from mapapp.importing.errors import FileProblem

ENCODINGS = ("utf-8-sig", "cp932")


@dataclass(frozen=True)
class Row:
    number: int  # the number a person finds it by: the spreadsheet row, or the feature number
    values: dict[str, str]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: list[Row]
    encoding: str  # what the file was read as ("xlsx" / "geojson" for those)
    row_label: str  # 「行」 for tables, 「件目」 for GeoJSON features


def read_table(path: Path) -> Table:
    """Read a resource list; FileProblem (with a Japanese message) when it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise FileProblem(f"ファイルがありません: {path.name}")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv(path.read_bytes(), delimiter="\t" if suffix == ".tsv" else ",")
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".geojson", ".json"):
        return _read_geojson(path.read_bytes())
    if suffix == ".xls":
        raise FileProblem(
            "古い Excel 形式 (.xls) は読めません。Excel で .xlsx として保存してください"
        )
    raise FileProblem(f"この形式は読めません: {suffix or '(拡張子なし)'}（CSV, xlsx, GeoJSON）")


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM) or, failing that, CP932 (Shift_JIS)."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FileProblem("文字コードがわかりません（UTF-8 か Shift_JIS で保存してください）")


def _read_csv(data: bytes, delimiter: str) -> Table:
    text, encoding = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header_row = next(reader)
    except StopIteration:
        raise FileProblem("ファイルが空です") from None
    except csv.Error as exc:
        raise FileProblem(f"CSV として読めません: {exc}") from exc
    headers = _clean_headers(header_row)
    rows = []
    # Rows are counted as a spreadsheet shows them (the header is row 1), not by physical
    # line: a quoted cell with line breaks in it is one row.
    number = 1
    try:
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(headers) and any(v.strip() for v in values[len(headers) :]):
                raise FileProblem(
                    f"{number}行目: 見出しより列が多いです（{len(values)} 列、見出しは "
                    f"{len(headers)} 列）"
                )
            padded = values + [""] * (len(headers) - len(values))
            rows.append(Row(number, dict(zip(headers, padded, strict=False))))
    except csv.Error as exc:
        raise FileProblem(f"{number + 1}行目: CSV として読めません: {exc}") from exc
    return Table(headers, rows, encoding, "行")


def _clean_headers(raw: list) -> tuple[str, ...]:
    headers = tuple("" if h is None else str(h).strip().lstrip("\ufeff") for h in raw)
    named = [h for h in headers if h]
    if not named:
        raise FileProblem("1行目に見出しがありません")
    duplicates = sorted({h for h in named if named.count(h) > 1})
    if duplicates:
        raise FileProblem(f"見出しが重複しています: {'、'.join(duplicates)}")
    return headers


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise FileProblem(f"Excel ファイルとして読めません: {exc}") from exc
    try:
        sheet = workbook.worksheets[0]
        rows_iter = sheet.iter_rows(values_only=True)
        header_row = next(rows_iter, None)
        if header_row is None:
            raise FileProblem("最初のシートが空です")
        headers = _clean_headers(list(header_row))
        rows = []
        for number, values in enumerate(rows_iter, start=2):
            texts = [_cell_text(v) for v in values]
            if not any(t.strip() for t in texts):
                continue
            texts += [""] * (len(headers) - len(texts))
            rows.append(Row(number, dict(zip(headers, texts, strict=False))))
    finally:
        workbook.close()
    return Table(headers, rows, "xlsx", "行")


def _read_geojson(data: bytes) -> Table:
    text, _ = decode(data)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileProblem(f"GeoJSON として読めません: {exc.msg}（{exc.lineno}行目）") from exc
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        raise FileProblem("GeoJSON の FeatureCollection ではありません")
    headers: dict[str, None] = {}
    rows = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise FileProblem(f"{number}件目: GeoJSON の Feature ではありません")
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            raise FileProblem(f"{number}件目: properties がオブジェクトではありません")
        values = {str(k): _cell_text(v) for k, v in properties.items()}
        geometry = feature.get("geometry") or {}
        geometry = geometry if isinstance(geometry, dict) else {}
        coordinates = geometry.get("coordinates")
        is_point = geometry.get("type") == "Point" and isinstance(coordinates, list | tuple)
        if is_point and len(coordinates) >= 2:
            values["経度"], values["緯度"] = str(coordinates[0]), str(coordinates[1])
        headers.update(dict.fromkeys(values))
        rows.append(Row(number, values))
    for row in rows:
        for header in headers:
            row.values.setdefault(header, "")
    return Table(tuple(headers), rows, "geojson", "件目")
