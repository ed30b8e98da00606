"""Importing area boundaries (GeoJSON, zipped Shapefile, GeoPackage) into one layer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from sqlalchemy import select

from mapapp.areas import place_all_resources
from mapapp.geo import JAPAN_LAT, JAPAN_LON, repair_polygon
from mapapp.importing.errors import FileProblem, RowError, RowsRejected
from mapapp.models import Area, Change, ImportRun
from mapapp.storage import Storage, bump_data_version
from mapapp.text import looks_garbled, normalize_line

# Attribute names that hold an area's name, most specific first. 国土数値情報: A27 (小学校区)
# and A32 (中学校区) put the name in _007 in the older editions and _004 since 2021.
NAME_FIELDS = (
    "name", "名称", "名前", "区域名", "地区名", "圏域名", "school_name",
    "A27_007", "A32_007", "A27_004", "A32_004", "MOJI", "S_NAME", "N03_004",
)  # fmt: skip
CODE_FIELDS = ("code", "コード", "区域コード", "A27_003", "A32_003", "KEY_CODE", "N03_007")
KANA_FIELDS = ("kana", "かな", "ふりがな", "名称かな", "name_kana")
POPULATION_FIELDS = {
    "pop_total": ("pop_total", "人口", "総人口", "JINKO"),
    "pop_65": ("pop_65", "65歳以上", "65歳以上人口", "高齢者人口"),
    "pop_75": ("pop_75", "75歳以上", "75歳以上人口"),
}
READABLE = (".geojson", ".json", ".zip", ".gpkg", ".shp")


@dataclass
class AreaReport:
    filename: str
    layer: int
    kind_label: str
    name_field: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    outside_resources: int = 0
    dry_run: bool = False


def import_areas(
    storage: Storage,
    path: Path,
    *,
    layer: int,
    kind_label: str,
    name_field: str | None = None,
    source: str | None = None,
    crs: str | None = None,
    dry_run: bool = False,
    progress: Callable[[str, int, int], None] = lambda *a: None,
) -> AreaReport:
    """Import the polygons of one file as areas of ``layer``, then re-place every resource.

    Areas are keyed by their code (or name) within ``source`` (default ``layerN:kind``), so a
    revised boundary file updates the areas it names. Raises FileProblem or RowsRejected.
    """
    path = Path(path)
    if layer not in (1, 2, 3):
        raise FileProblem(f"層は 1, 2, 3 のどれかです（{layer} が指定されました）")
    kind_label = normalize_line(kind_label)
    if not kind_label:
        raise FileProblem("区域の種類（--kind）を指定してください。例: 中学校区")
    progress("読み込み", 0, 1)
    frame = _read_frame(path, crs)
    progress("読み込み", 1, 1)
    columns = [c for c in frame.columns if c != "geometry"]
    name_field = name_field or next((c for c in NAME_FIELDS if c in columns), None)
    if not name_field or name_field not in columns:
        raise FileProblem(
            f"名前の列がわかりません。--name-field で指定してください（列: {'、'.join(columns)}）"
        )
    code_field = next((c for c in CODE_FIELDS if c in columns), None)
    kana_field = next((c for c in KANA_FIELDS if c in columns), None)
    pop_fields = {
        k: next((c for c in v if c in columns), None) for k, v in POPULATION_FIELDS.items()
    }
    report = AreaReport(path.name, layer, kind_label, name_field, dry_run=dry_run)
    source = source or f"layer{layer}:{kind_label}"

    errors: list[RowError] = []
    areas: dict[str, dict] = {}
    for number, (_, row) in enumerate(frame.iterrows(), start=1):
        name = normalize_line(_text(row.get(name_field)))
        geom, repaired = repair_polygon(row.geometry)
        if not name:
            errors.append(RowError(number, name_field, "名前が空です", "件目"))
            continue
        if geom is None:
            errors.append(RowError(number, "geometry", "面（ポリゴン）ではありません", "件目"))
            continue
        if repaired:
            report.repaired.append(name)
        if looks_garbled(name):
            report.warnings.append(
                f"「{name}」は文字化けしているようです（文字コードを確認してください）"
            )
        code = normalize_line(_text(row.get(code_field))) if code_field else ""
        key = code or name
        if key in areas:
            errors.append(
                RowError(number, code_field or name_field, f"「{key}」が重複しています", "件目")
            )
            continue
        areas[key] = {
            "name": name,
            "code": code,
            "kana": normalize_line(_text(row.get(kana_field))) if kana_field else "",
            "geom": shapely.set_precision(geom, 1e-7) if not geom.is_empty else geom,
            **{k: _int(row.get(c)) if c else None for k, c in pop_fields.items()},
        }
    if errors:
        raise RowsRejected(errors, len(frame))
    if not areas:
        raise FileProblem("区域が一つもありません")

    with storage.transaction(commit=not dry_run) as session:
        _write_areas(session, report, areas, source, layer, kind_label, path.name)
        progress("区域の判定", 0, 1)
        report.outside_resources = len(place_all_resources(session))
        progress("区域の判定", 1, 1)
    return report


def _read_frame(path: Path, crs: str | None):
    import geopandas
    import pyogrio.errors

    if not path.is_file():
        raise FileProblem(f"ファイルがありません: {path.name}")
    if path.suffix.lower() not in READABLE:
        raise FileProblem(
            f"この形式は読めません: {path.suffix}（GeoJSON, Shapefile の zip, GeoPackage）"
        )
    try:
        frame = geopandas.read_file(path)
        if path.suffix.lower() in (".zip", ".shp") and _garbled(frame):
            # Shapefiles from Japanese sources are Shift_JIS and often come without a .cpg.
            frame = geopandas.read_file(path, encoding="cp932")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise FileProblem(f"区域のファイルとして読めません: {exc}") from exc
    if crs:
        try:
            frame = frame.set_crs(crs, allow_override=True)
        except Exception as exc:  # pyproj raises CRSError, a ValueError subclass, and others
            raise FileProblem(f"座標系「{crs}」がわかりません") from exc
    if frame.crs is None:
        if _plausible_degrees(frame.total_bounds):
            frame = frame.set_crs("EPSG:4326")
        else:
            raise FileProblem("座標系がわかりません。--crs EPSG:6677 のように指定してください")
    if frame.crs.is_geographic and not _plausible_degrees(frame.total_bounds):
        # GeoJSON without a crs member is read as WGS84 even when it holds metres.
        raise FileProblem("座標が緯度経度ではありません。--crs EPSG:6677 のように指定してください")
    frame = frame.to_crs("EPSG:4326")
    minx, miny, maxx, maxy = frame.total_bounds
    if not (
        JAPAN_LON[0] <= minx <= maxx <= JAPAN_LON[1]
        and JAPAN_LAT[0] <= miny <= maxy <= JAPAN_LAT[1]
    ):
        raise FileProblem(
            f"区域が日本の範囲外です（経度 {minx:.3f}〜{maxx:.3f}、緯度 {miny:.3f}〜{maxy:.3f}）。"
            "座標系を --crs で指定してください"
        )
    return frame


def _plausible_degrees(bounds) -> bool:
    minx, miny, maxx, maxy = bounds
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def _garbled(frame) -> bool:
    columns = [c for c in frame.columns if c != frame.geometry.name]
    return any(looks_garbled(v) for c in columns for v in frame[c].head(50) if isinstance(v, str))


def _text(value) -> str:
    if value is None:
        return ""
    try:
        import pandas

        if pandas.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _int(value) -> int | None:
    text = _text(value).replace(",", "")
    try:
        return int(float(text)) if text else None
    except ValueError:
        return None


def _write_areas(session, report, areas, source, layer, kind_label, filename) -> None:
    run = ImportRun(target="areas", source=source, profile=kind_label, filename=filename)
    session.add(run)
    session.flush()
    existing = {a.source_key: a for a in session.scalars(select(Area).where(Area.source == source))}
    for key, values in areas.items():
        minx, miny, maxx, maxy = values["geom"].bounds
        values = {**values, "min_lon": minx, "min_lat": miny, "max_lon": maxx, "max_lat": maxy}
        area = existing.get(key)
        if area is None:
            area = Area(source=source, source_key=key, layer=layer, kind_label=kind_label, **values)
            session.add(area)
            session.flush()
            session.add(
                Change(entity="area", entity_id=area.id, action="create", import_run_id=run.id)
            )
            report.created += 1
            continue
        changed = [k for k, v in values.items() if not _same(getattr(area, k), v)]
        if area.layer != layer or area.kind_label != kind_label:
            changed += ["layer"]
            area.layer, area.kind_label = layer, kind_label
        for name in changed:
            if name != "layer":
                setattr(area, name, values[name])
            session.add(
                Change(
                    entity="area",
                    entity_id=area.id,
                    action="update",
                    field=name,
                    import_run_id=run.id,
                )
            )
        if changed:
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()
    _link_parents(session, layer)
    run.rows_total = len(areas)
    run.created, run.updated, run.unchanged = report.created, report.updated, report.unchanged
    if report.created or report.updated:
        bump_data_version(session)


def _same(old, new) -> bool:
    if hasattr(old, "equals_exact"):
        return bool(old.equals_exact(new, 1e-9)) if new is not None else False
    return old == new


def _link_parents(session, layer: int) -> None:
    """Each area's parent: the area one layer up that contains its representative point."""
    all_areas = list(session.scalars(select(Area)))
    for area in all_areas:
        uppers = [a for a in all_areas if a.layer == area.layer - 1]
        if not uppers or area.layer != layer and area.layer - 1 != layer:
            continue
        point = area.geom.representative_point()
        found = [a for a in uppers if a.geom.covers(point)]
        area.parent_id = found[0].id if len(found) == 1 else None
