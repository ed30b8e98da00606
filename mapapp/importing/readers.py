"""Readers that turn CSV (UTF-8, UTF-8 with BOM, CP932/Shift_JIS, or Excel's UTF-16
「Unicode テキスト」; comma or tab separated), Excel .xlsx and GeoJSON point files into rows of
text keyed by their headers, with the row numbers people see.

Every reader stays within the import's limits (mapapp.importing.limits), checked before the
work they bound, and cleans every cell in one place (clean_cell): NUL and other control
characters, and the terminal sequences they start, are removed."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from mapapp.exporting import unquote_formula
from mapapp.importing.errors import FileProblem
from mapapp.importing.limits import (
    DEFAULT_LIMITS,
    EXCEL_MAX_ROW,
    Limits,
    check_file_size,
    check_unpacked_size,
    setting_name,
    too_long_cell,
    too_many_columns,
    too_many_rows,
)

ENCODINGS = ("utf-8-sig", "cp932")
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
READABLE = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".geojson", ".json")

# Control characters other than tab and line breaks (NUL, ESC, DEL, the C1 block), with the
# terminal sequences ESC starts (colours, cursor moves, window titles, links): no list has any
# business holding them, and printed to a terminal they act.
_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: ESC [ … final byte
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: ESC ] … BEL or ESC \
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)


def clean_cell(value: str) -> str:
    """A cell without control characters (tab, CR and LF are kept) or terminal sequences.

    >>> clean_cell("サロン\\x00\\x1b[31m赤\\x1b[0m")
    'サロン赤'
    """
    if value.isprintable():  # nearly every cell, at C speed
        return value
    return _CONTROL.sub("", value)


def sheet_cell(value: str) -> str:
    """A CSV or Excel cell: cleaned, and the ' that a spreadsheet export puts before a value
    that starts like a formula (=, +, -, @) removed (mapapp.exporting.unquote_formula), so
    that our exports, and other systems' neutralised ones, import as the values they were.
    Excel never writes such a quote itself (its quote prefix is a style, not text)."""
    return unquote_formula(clean_cell(value))


class RowValues(Mapping[str, str]):
    """One row's cells by header. The rows of a table share one header index and keep a tuple
    each, so that memory grows with the cells kept, not with a dict per row."""

    __slots__ = ("_cells", "_index")

    def __init__(self, index: Mapping[str, int], cells: tuple[str, ...]):
        self._index = index
        self._cells = cells

    def __getitem__(self, key: str) -> str:
        position = self._index[key]
        return self._cells[position] if position < len(self._cells) else ""

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return repr(dict(self))

    def rekeyed(self, index: Mapping[str, int]) -> RowValues:
        """The same cells under other keys (see Table.index), without copying them."""
        return RowValues(index, self._cells)


@dataclass(frozen=True)
class Row:
    number: int  # the number a person finds it by: the spreadsheet row, or the feature number
    values: Mapping[str, str]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: list[Row]
    encoding: str  # what the file was read as ("xlsx" / "geojson" for those)
    row_label: str  # 「行」 for tables, 「件目」 for GeoJSON features

    def index(self, key=lambda header: header) -> dict[str, int]:
        """{key(header): position}, for RowValues.rekeyed (a later header wins a shared key)."""
        return {key(h): i for i, h in enumerate(self.headers)}


def read_table(path: Path, limits: Limits = DEFAULT_LIMITS) -> Table:
    """Read a resource list; FileProblem (with a Japanese message) when it cannot be read or
    is over one of ``limits``."""
    path = Path(path)
    if not path.is_file():
        raise FileProblem(f"ファイルがありません: {path.name}")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise FileProblem(
            "古い Excel 形式 (.xls) は読めません。Excel で .xlsx として保存してください"
        )
    if suffix not in READABLE:
        raise FileProblem(f"この形式は読めません: {suffix or '(拡張子なし)'}（CSV, xlsx, GeoJSON）")
    check_file_size(path, limits)
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv(path, limits, tab=suffix == ".tsv")
    if suffix in (".xlsx", ".xlsm"):
        check_unpacked_size(path, limits)
        return _read_xlsx(path, limits)
    return _read_geojson(path.read_bytes(), limits)


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-16 (with its BOM, Excel's 「Unicode テキスト」), UTF-8 (with or
    without BOM) or, failing that, CP932 (Shift_JIS)."""
    encodings = ("utf-16",) if data[:2] in UTF16_BOMS else ENCODINGS
    for encoding in encodings:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise _unknown_encoding()


def _unknown_encoding() -> FileProblem:
    return FileProblem("文字コードがわかりません（UTF-8 か Shift_JIS で保存してください）")


def detect_encoding(path: Path) -> str:
    """The encoding a text file decodes in, found by decoding it in pieces (never the whole
    file in memory): UTF-16 when it starts with its BOM, else UTF-8, else CP932."""
    with Path(path).open("rb") as f:
        if f.read(2) in UTF16_BOMS:
            return "utf-16"
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with Path(path).open("rb") as f:
                while chunk := f.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise _unknown_encoding()


def _read_csv(path: Path, limits: Limits, tab: bool) -> Table:
    """A CSV or tab-separated text file, read as a stream: what is kept is the rows' cells.

    The separator is a tab for .tsv, and for any file whose first line has more tabs than
    commas (Excel's 「テキスト (タブ区切り)」 and 「Unicode テキスト」 are .txt)."""
    encoding = detect_encoding(path)
    if csv.field_size_limit() <= limits.max_cell_chars:
        csv.field_size_limit(limits.max_cell_chars + 1)
    try:
        with path.open(encoding=encoding, newline="") as stream:
            first = stream.readline()
            if not first:
                raise FileProblem("ファイルが空です")
            delimiter = "\t" if tab or first.count("\t") > first.count(",") else ","
            label = "タブ区切り" if delimiter == "\t" else "CSV"
            lines = _Lines(chain([first], stream))
            return _csv_rows(lines, delimiter, label, encoding, limits)
    except UnicodeDecodeError:
        raise _unknown_encoding() from None


class _Lines:
    """The file's lines as csv.reader asks for them, keeping those of the row being read: an
    unterminated quote is found from them, and the row it began in is named."""

    def __init__(self, lines: Iterable[str]):
        self._lines = iter(lines)
        self.record: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.record.append(line)
        return line

    def next_record(self) -> list[str]:
        """The lines of the row just read; the next row starts a new list."""
        record, self.record = self.record, []
        return record


def _csv_rows(lines: _Lines, delimiter: str, label: str, encoding: str, limits) -> Table:
    reader = csv.reader(lines, delimiter=delimiter)
    # Rows are counted as a spreadsheet shows them (the header is row 1), not by physical
    # line: a quoted cell with line breaks in it is one row.
    number = 1
    try:
        header_row = next(reader, None)
        if header_row is None:
            raise FileProblem("ファイルが空です")
        record = lines.next_record()
        if _unterminated_quote(record, delimiter):
            raise _open_quote(1, "")
        headers = _clean_headers(header_row, limits)
        index = {h: i for i, h in enumerate(headers)}
        width = len(headers)
        rows: list[Row] = []
        cells: list[str] = []
        for number, cells in enumerate(reader, start=2):
            record = lines.next_record()
            if max(map(len, cells), default=0) > limits.max_cell_chars:
                raise _long_cell(number, headers, cells, record, delimiter, limits)
            values = tuple(map(sheet_cell, cells))
            if not "".join(values).strip():
                continue
            if len(values) > width and "".join(values[width:]).strip():
                raise FileProblem(
                    f"{number}行目: 見出しより列が多いです（{len(values)} 列、見出しは {width} 列）"
                )
            if len(rows) == limits.max_rows:
                raise too_many_rows(limits)
            rows.append(Row(number, RowValues(index, values[:width])))
    except csv.Error as exc:
        raise _csv_problem(number + 1, exc, lines.record, delimiter, label, limits) from exc
    if rows and record and _unterminated_quote(record, delimiter):
        # csv.reader (not strict) reads everything after an opening quote that never closes
        # into one value, up to the end of the file: say where it began instead.
        raise _open_quote(number, headers[min(len(cells), width) - 1] if cells else "")
    return Table(headers, rows, encoding, "行")


def _open_quote(number: int, column: str) -> FileProblem:
    where = f"{number}行目" + (f"「{column}」" if column else "")
    return FileProblem(
        f'{where}: 引用符（"）で始まった値が閉じていません（ファイルの終わりまでが 1 つの値に'
        'なります）。値の終わりに " があるか確かめてください'
    )


def _unterminated_quote(record: list[str], delimiter: str) -> bool:
    """True when the lines of one row end inside a quoted value, read as csv.reader reads
    them (a value opened by a quote runs to the next lone quote; "" is a quote in it)."""
    text = "".join(record)
    position, at_start = 0, True
    while position < len(text):
        if at_start and text[position] == '"':
            end = position + 1
            while True:
                end = text.find('"', end)
                if end == -1:
                    return True
                if text.startswith('""', end):
                    end += 2
                    continue
                break
            position, at_start = end + 1, False
            continue
        at_start = text[position] in (delimiter, "\n", "\r")
        position += 1
    return False


def _long_cell(number, headers, cells, record, delimiter, limits) -> FileProblem:
    position = max(range(len(cells)), key=lambda i: len(cells[i]))
    column = headers[position] if position < len(headers) else f"{position + 1}列目"
    problem = too_long_cell(f"{number}行目「{column}」", len(cells[position]), limits)
    return _open_quote(number, column) if _unterminated_quote(record, delimiter) else problem


def _csv_problem(number, exc, record, delimiter, label, limits) -> FileProblem:
    """csv.Error, said in Japanese: the only one a non-strict reader raises on text is a
    value over the field size limit (set just above max_cell_chars)."""
    if "field larger than field limit" in str(exc):
        maybe = (
            '。引用符（"）で始まった値が閉じていないのかもしれません'
            if _unterminated_quote(record, delimiter)
            else ""
        )
        return FileProblem(
            f"{number}行目: 値が長すぎます（1 つのセルは {limits.max_cell_chars:,} 文字まで）"
            f"{maybe}。値を短くするか、設定 {setting_name('max_cell_chars')} を上げてください"
        )
    return FileProblem(
        f'{number}行目: {label}として読めません（区切りや引用符（"）の使い方を確かめてください）'
    )


def _clean_headers(raw, limits: Limits = DEFAULT_LIMITS) -> tuple[str, ...]:
    """The header row, cleaned and checked: not empty, no repeats, within the column limit.
    Empty cells after the last named header (Excel leaves them) are not counted."""
    raw = list(raw)
    if len(raw) > limits.max_columns:
        named_width = max((i + 1 for i, h in enumerate(raw) if h is not None and str(h).strip()),
                          default=0)  # fmt: skip
        if named_width > limits.max_columns:
            raise too_many_columns(named_width, limits)
        raw = raw[: max(named_width, 1)]
    longest = max((len(str(h)) for h in raw if h is not None), default=0)
    if longest > limits.max_cell_chars:
        raise too_long_cell("1行目（見出し）", longest, limits)
    headers = tuple("" if h is None else clean_cell(str(h)).strip().lstrip("\ufeff") for h in raw)
    named = [h for h in headers if h]
    if not named:
        raise FileProblem("1行目に見出しがありません")
    duplicates = sorted(h for h, n in Counter(named).items() if n > 1)
    if duplicates:
        more = f" ほか {len(duplicates) - 20} 件" if len(duplicates) > 20 else ""
        raise FileProblem(f"見出しが重複しています: {'、'.join(duplicates[:20])}{more}")
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


def _read_xlsx(path: Path, limits: Limits) -> Table:
    """The first sheet, its rows read lazily as they are stored. The <dimension> a workbook
    states is not trusted (a 2 KB file may claim A1:XFD1048576): rows are only as wide as the
    header, gaps cost nothing, and a row number past Excel's last row stops the reading."""
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # styles and extensions openpyxl does not read
            workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise FileProblem(f"Excel ファイルとして読めません: {_brief(exc)}") from exc
    number, cells = 1, None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if not workbook.worksheets:
                raise FileProblem("最初のシートが空です")
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()
            first = sheet.iter_rows(
                max_row=TITLE_ROWS + 1, max_col=limits.max_columns + 1, values_only=True
            )
            header_number, header_row = _header_row(first)
            first.close()  # each row generator holds the sheet's file open until closed
            if not header_row:
                raise FileProblem("最初のシートが空です")
            header_row = _trim(header_row)
            if len(header_row) > limits.max_columns:  # read one past the limit, no further
                raise too_many_columns(None, limits)
            headers = _clean_headers(header_row, limits)
            index = {h: i for i, h in enumerate(headers)}
            rows: list[Row] = []
            cells = sheet.iter_rows(
                min_row=header_number + 1, max_col=len(headers), values_only=True
            )
            for number, values in enumerate(cells, start=header_number + 1):
                if number > EXCEL_MAX_ROW:
                    raise FileProblem(
                        f"Excel の行番号が {EXCEL_MAX_ROW:,} 行を超えています。"
                        "ファイルが壊れているようです（Excel で開いて保存し直してください）"
                    )
                if values.count(None) == len(values):
                    continue
                texts = tuple(_cell_text(v) for v in values)
                longest = max(map(len, texts))
                if longest > limits.max_cell_chars:
                    column = headers[[len(t) for t in texts].index(longest)]
                    raise too_long_cell(f"{number}行目「{column}」", longest, limits)
                texts = tuple(map(sheet_cell, texts))
                if not "".join(texts).strip():
                    continue
                if len(rows) == limits.max_rows:
                    raise too_many_rows(limits)
                rows.append(Row(number, RowValues(index, texts)))
    except FileProblem:
        raise
    except Exception as exc:  # a broken sheet: bad XML, cell references, numbers
        raise FileProblem(
            f"Excel ファイルとして読めません（{number + 1}行目のあたり）: {_brief(exc)}"
        ) from exc
    finally:
        if cells is not None:
            cells.close()
        workbook.close()
    return Table(headers, rows, "xlsx", "行")


# Rows above the header that a sheet may give to a title (「湖西市 サロン一覧（4月1日現在）」)
# or leave blank: a row with one value at most.
TITLE_ROWS = 5


def _header_row(rows) -> tuple[int, tuple | None]:
    """(row number, cells) of a sheet's header: its first row with two values or more, when
    only a title and blank rows (one value at most each) are above it within TITLE_ROWS;
    otherwise its first row, as a header."""
    first: tuple[int, tuple | None] = (1, None)
    for number, cells in enumerate(rows, start=1):
        filled = sum(1 for c in cells if c is not None and str(c).strip())
        if filled >= 2:
            return number, cells
        if number == 1:
            first = (1, cells)
    return first


def _trim(cells) -> list:
    """A row without the empty cells after its last value."""
    cells = list(cells)
    while cells and (cells[-1] is None or not str(cells[-1]).strip()):
        cells.pop()
    return cells


def _brief(exc: Exception) -> str:
    """What a library said, kept short and on one line, for the end of a Japanese message."""
    text = clean_cell(" ".join(str(exc).split())) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def _read_geojson(data: bytes, limits: Limits) -> Table:
    text, _ = decode(data)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileProblem(f"GeoJSON として読めません: {exc.msg}（{exc.lineno}行目）") from exc
    except RecursionError:
        raise FileProblem(
            "GeoJSON の入れ子（[ や { の重なり）が深すぎて読めません。ファイルが壊れているようです"
        ) from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise FileProblem(f"GeoJSON として読めない数があります（{_brief(exc)}）") from exc
    del text
    from mapapp.importing import hsds  # a JSON file may be an HSDS 3 list of services

    if hsds.is_hsds(document):
        return hsds.hsds_table(document, limits)
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        raise FileProblem("GeoJSON の FeatureCollection ではありません")
    if len(features) > limits.max_rows:
        raise too_many_rows(limits, "件")
    headers: dict[str, None] = {}
    found: list[tuple[int, dict[str, str]]] = []
    for number, feature in enumerate(features, start=1):
        values = _feature_values(number, feature, limits)
        headers.update(dict.fromkeys(values))
        if len(headers) > limits.max_columns:
            raise too_many_columns(len(headers), limits, "項目")
        found.append((number, values))
    index = {h: i for i, h in enumerate(headers)}
    rows = [
        Row(number, RowValues(index, tuple(values.get(h, "") for h in headers)))
        for number, values in found
    ]
    return Table(tuple(headers), rows, "geojson", "件目")


def _feature_values(number: int, feature, limits: Limits) -> dict[str, str]:
    """A feature's properties as text, with 経度/緯度 from a Point, each cell checked."""
    if not isinstance(feature, dict):
        raise FileProblem(f"{number}件目: GeoJSON の Feature ではありません")
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        raise FileProblem(f"{number}件目: properties がオブジェクトではありません")
    if len(properties) > limits.max_columns:
        raise too_many_columns(len(properties), limits, "項目")
    try:
        values = {str(k): _cell_text(v) for k, v in properties.items()}
        geometry = feature.get("geometry") or {}
        geometry = geometry if isinstance(geometry, dict) else {}
        coordinates = geometry.get("coordinates")
        is_point = geometry.get("type") == "Point" and isinstance(coordinates, list | tuple)
        if is_point and len(coordinates) >= 2:
            values["経度"], values["緯度"] = _cell_text(coordinates[0]), _cell_text(coordinates[1])
    except RecursionError:
        raise FileProblem(f"{number}件目: 値の入れ子（[ や {{ の重なり）が深すぎます") from None
    for key, value in values.items():
        longest = max(len(key), len(value))
        if longest > limits.max_cell_chars:
            raise too_long_cell(f"{number}件目「{key[:40]}」", longest, limits)
    return {clean_cell(k).strip(): clean_cell(v) for k, v in values.items()}
