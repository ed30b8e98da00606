"""Importing a gazetteer: 町丁目・大字 names with representative points, used to place lists
that give addresses only.

Read as they are published:

- 国土交通省 位置参照情報 大字・町丁目レベル (CP932 CSV): 都道府県コード, 都道府県名,
  市区町村コード, 市区町村名, 大字町丁目コード, 大字町丁目名, 緯度, 経度, 原典資料コード,
  大字・字・丁目区分コード (1 大字, 2 字, 3 丁目, 0 その他);
- e-Stat 小地域 attribute tables with representative points: KEY_CODE, PREF_NAME, CITY_NAME,
  S_NAME, X_CODE (経度), Y_CODE (緯度);
- any table with 町丁目名 (or 町名, 大字名, 名称), 緯度, 経度 and optionally 市区町村名.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, insert

from mapapp.addresses import place_key
from mapapp.geo import InvalidCoordinate, check_lat_lon
from mapapp.importing.errors import FileProblem, RowError, RowsRejected
from mapapp.importing.limits import DEFAULT_LIMITS, Limits
from mapapp.importing.profiles import header_key
from mapapp.importing.readers import read_table
from mapapp.models import ImportRun, Placement, PlaceName
from mapapp.storage import Storage, bump_data_version
from mapapp.text import normalize_line

NAME_HEADERS = ("大字町丁目名", "S_NAME", "町丁目名", "町丁名", "町名", "大字名", "名称")
LAT_HEADERS = ("緯度", "Y_CODE", "lat", "latitude")
LON_HEADERS = ("経度", "X_CODE", "lon", "lng", "longitude")
MUNICIPALITY_HEADERS = ("市区町村名", "CITY_NAME")
MUNICIPALITY_CODE_HEADERS = ("市区町村コード", "CITY")
PREFECTURE_HEADERS = ("都道府県名", "PREF_NAME")
# 位置参照情報's 大字・字・丁目区分コード: 1 大字 and 2 字 are 大字 level; 3 丁目 and 0 (町 etc.)
# are 町丁目 level.
LEVEL_HEADER = "大字・字・丁目区分コード"
LEVELS = {"1": Placement.OAZA, "2": Placement.OAZA, "3": Placement.CHOME, "0": Placement.CHOME}


@dataclass
class GazetteerReport:
    filename: str
    source: str
    encoding: str
    rows_total: int
    written: int = 0
    repeated: int = 0  # same municipality and name again: the first one is kept
    municipalities: list[str] = field(default_factory=list)
    dry_run: bool = False


def import_gazetteer(
    storage: Storage,
    path: Path,
    source: str | None = None,
    dry_run: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> GazetteerReport:
    """Replace the gazetteer entries of ``source`` with the file's; all or nothing."""
    path = Path(path)
    table = read_table(path, limits)
    present = {header_key(h): h for h in table.headers}

    def column(candidates, required_label=None):
        for candidate in candidates:
            if header_key(candidate) in present:
                return header_key(candidate)
        if required_label:
            raise FileProblem(
                f"{required_label}の列がありません（{'、'.join(candidates)} のどれか）。"
                f"この表の列: {'、'.join(table.headers[:20])}"
            )
        return None

    name_col = column(NAME_HEADERS, "町丁目・大字の名前")
    lat_col = column(LAT_HEADERS, "緯度")
    lon_col = column(LON_HEADERS, "経度")
    town_col = column(MUNICIPALITY_HEADERS)
    code_col = column(MUNICIPALITY_CODE_HEADERS)
    pref_col = column(PREFECTURE_HEADERS)
    level_col = header_key(LEVEL_HEADER) if header_key(LEVEL_HEADER) in present else None
    source = source or f"gazetteer:{path.stem}"

    rows, errors, seen = [], [], set()
    report = GazetteerReport(path.name, source, table.encoding, len(table.rows), dry_run=dry_run)
    for row in table.rows:
        values = {header_key(k): v for k, v in row.values.items()}
        name = normalize_line(values.get(name_col, ""))
        if not name:
            errors.append(RowError(row.number, name_col, "名前が空です"))
            continue
        try:
            lat, lon = _coordinate(values.get(lat_col, "")), _coordinate(values.get(lon_col, ""))
            check_lat_lon(lat, lon)
        except (ValueError, InvalidCoordinate) as exc:
            errors.append(RowError(row.number, f"{lat_col}・{lon_col}", str(exc)))
            continue
        municipality = normalize_line(values.get(town_col, "")) if town_col else ""
        code = normalize_line(values.get(code_col, ""))[:10] if code_col else ""
        key = (code or municipality, place_key(name))
        if key in seen:
            report.repeated += 1
            continue
        seen.add(key)
        level = LEVELS.get(normalize_line(values.get(level_col, ""))) if level_col else None
        if level is None:
            level = _level_from_name(name, is_small_area=name_col == "s_name")
        rows.append(
            {
                "source": source,
                "prefecture": normalize_line(values.get(pref_col, ""))[:20] if pref_col else "",
                "municipality_code": code,
                "municipality": municipality[:100],
                "name": name[:200],
                "name_key": place_key(name)[:200],
                "level": level.value,
                "lat": lat,
                "lon": lon,
            }
        )
    if errors:
        raise RowsRejected(errors, len(table.rows))
    if not rows:
        raise FileProblem("町丁目・大字が 1 件もありません")
    with storage.transaction(commit=not dry_run) as session:
        session.execute(delete(PlaceName).where(PlaceName.source == source))
        session.execute(insert(PlaceName.__table__), rows)
        session.add(
            ImportRun(
                target="gazetteer",
                source=source,
                filename=path.name,
                rows_total=len(table.rows),
                created=len(rows),
            )
        )
        bump_data_version(session)
    report.written = len(rows)
    report.municipalities = sorted({r["municipality"] for r in rows if r["municipality"]})
    return report


def _coordinate(text: str) -> float:
    value = normalize_line(text)
    if not value:
        raise ValueError("緯度・経度が空です")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"「{text}」は数字ではありません") from None
    if not math.isfinite(number):
        raise ValueError(f"「{text}」は数字ではありません")
    return number


def _level_from_name(name: str, is_small_area: bool) -> Placement:
    """丁目 or an e-Stat 小地域 (町丁・字等, all small) is 町丁目 level; otherwise 大字."""
    if is_small_area or "丁目" in name:
        return Placement.CHOME
    return Placement.OAZA
