"""Importing area boundaries (GeoJSON, zipped Shapefile, GeoPackage) into one layer."""

from __future__ import annotations

import json
import re
import struct
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import select

from mapapp.areas import (
    link_parents,
    parent_coverage,
    parents_of,
    place_all_resources,
    place_people,
)
from mapapp.geo import JAPAN_LAT, JAPAN_LON, repair_polygon
from mapapp.importing.area_references import (
    AreasInUse,
    RemovedArea,
    match_in_place,
    plan_removals,
    remove_areas,
)
from mapapp.importing.errors import ErrorList, FileProblem, RowError
from mapapp.importing.limits import (
    DEFAULT_LIMITS,
    Limits,
    check_file_size,
    check_unpacked_size,
    setting_name,
    too_long_cell,
    too_many_columns,
)
from mapapp.importing.readers import clean_cell
from mapapp.models import Area, Change, ImportRun
from mapapp.storage import Storage, bump_data_version
from mapapp.text import looks_garbled, normalize_line

# Attribute names that hold an area's name, most specific first. 国土数値情報: A27 (小学校区)
# and A32 (中学校区) put the name in _007 in the older editions and _004 since 2021. e-Stat
# 小地域: S_NAME is the 町丁・字等名称 (鷲津一丁目, 大字吉美); MOJI, the label text of the 2015
# edition, stands in for a feature whose S_NAME is empty.
NAME_FIELDS = (
    "name", "名称", "名前", "区域名", "地区名", "圏域名", "school_name",
    "A27_007", "A32_007", "A27_004", "A32_004", "S_NAME", "MOJI", "N03_004",
)  # fmt: skip
NAME_FALLBACKS = {"S_NAME": "MOJI"}
CODE_FIELDS = ("code", "コード", "区域コード", "A27_003", "A32_003", "KEY_CODE", "N03_007")
KANA_FIELDS = ("kana", "かな", "ふりがな", "名称かな", "name_kana")
POPULATION_FIELDS = {
    "pop_total": ("pop_total", "人口", "総人口", "JINKO"),
    "pop_65": ("pop_65", "65歳以上", "65歳以上人口", "高齢者人口"),
    "pop_75": ("pop_75", "75歳以上", "75歳以上人口"),
}
# 市区町村名 columns other than e-Stat's and 国土数値情報's, which _municipality reads itself.
MUNICIPALITY_FIELDS = ("市区町村名", "市町村名", "自治体名", "municipality")
WATER_HCODE = 8154  # e-Stat HCODE: 8101 = 町丁・字等 (land), 8154 = 水面調査区
PREVIEW_ROWS = 10  # areas shown by --dry-run
LISTED = 5  # merged areas named one by one in the report; the rest are counted
READABLE = (".geojson", ".json", ".zip", ".gpkg", ".shp")
# What an area keeps, as the database stores it (mapapp.models.Area).
MAX_NAME_CHARS = 200
MAX_CODE_CHARS = 40
METRES_PER_DEGREE = 111_320  # of latitude; a degree of longitude in Japan is shorter
NOT_A_NUMBER = "座標に数でない値（NaN や無限大）があります"
# A name that is only a code: 0101, A-12, 22221001. Real names have kana or kanji.
_CODE_LIKE = re.compile(r"[0-9A-Za-z._\-/#()]*[0-9][0-9A-Za-z._\-/#()]*")


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
    merged: list[str] = field(default_factory=list)  # 「KEY_CODE … の 2 図形を 1 区域に…」
    skipped_water: list[str] = field(default_factory=list)  # water-only features left out
    parents: list[str] = field(default_factory=list)  # how many areas have parents, per kind
    preview: list[AreaPreview] = field(default_factory=list)  # the first areas, as stored
    simplified: list[str] = field(default_factory=list)  # 「…」の境界を簡略化しました（頂点…）
    removed: list[RemovedArea] = field(default_factory=list)  # stored areas the file lacks
    # A dry run's AreasInUse message: a real run would be refused unless drop_references.
    refusal: str = ""


@dataclass(frozen=True)
class AreaPreview:
    name: str
    code: str
    municipality: str
    layer: int
    parents: str  # 「中学校区 西中学校区（100%）、小学校区 南小学校区（70%）」 or ""


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
    limits: Limits = DEFAULT_LIMITS,
    drop_references: bool = False,
) -> AreaReport:
    """Replace the areas of ``source`` (default ``layerN:kind``) with the polygons of one file,
    then re-place every resource.

    Areas are keyed by their code (or name) within ``source``; a stored area whose key the file
    lacks is kept, under the file's key, when its code (else its name) picks out one area of
    the file. Those kept keep their ids; features sharing a key become one area. The stored
    areas the file does not keep are deleted: what refers to them (mapapp.importing.
    area_references) moves to the file's area of the same code or name; when there is none,
    the import raises AreasInUse and changes nothing, unless ``drop_references`` (then 担当区域
    and 対象区域 lose them). Needs and volunteers get their 第2層 area from their points again,
    as resources get theirs (mapapp.areas.place_people). A dry
    run is not refused: its report's ``refusal`` says what a real run would say.
    The parents of this layer and of the layer below are recomputed (mapapp.areas.link_parents).
    Raises FileProblem, RowsRejected or AreasInUse. The file is checked against ``limits``
    (size, features, columns, characters per value, vertices per area) before the work each
    one bounds.
    """
    path = Path(path)
    if layer not in (1, 2, 3):
        raise FileProblem(f"層は 1, 2, 3 のどれかです（{layer} が指定されました）")
    kind_label = normalize_line(kind_label)
    if not kind_label:
        raise FileProblem("区域の種類（--kind）を指定してください。例: 中学校区")
    progress("読み込み", 0, 1)
    frame, unreadable = _read_frame(path, crs, limits)
    progress("読み込み", 1, 1)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    name_field = _choose_name_field(frame, columns, name_field)
    code_field = next((c for c in CODE_FIELDS if c in columns), None)
    report = AreaReport(path.name, layer, kind_label, name_field, dry_run=dry_run)
    source = source or f"layer{layer}:{kind_label}"

    parts, errors = _read_parts(frame, columns, name_field, code_field, unreadable, report, limits)
    areas = _merge_parts(parts, errors, report, code_field, name_field, limits)
    if errors:
        raise errors.rejected(len(frame), "件")
    if not areas:
        raise FileProblem("区域が一つもありません")
    _warn_about_names(frame, columns, report, [a["name"] for a in areas.values()])

    with storage.transaction(commit=not dry_run) as session:
        stored = _write_areas(
            session, report, areas, source, layer, kind_label, path.name,
            drop_references=drop_references,
        )  # fmt: skip
        report.parents = _parent_lines(session, layer, kind_label)
        report.preview = _preview(session, list(stored.values())[:PREVIEW_ROWS])
        progress("区域の判定", 0, 1)
        report.outside_resources = len(place_all_resources(session))
        place_people(session)
        progress("区域の判定", 1, 1)
    return report


def _choose_name_field(frame, columns: list[str], name_field: str | None) -> str:
    """The column named by --name-field, else the first known one; else a FileProblem that
    lists every text column with sample values, for the user to choose from."""
    chosen = name_field or next((c for c in NAME_FIELDS if c in columns), None)
    if chosen and chosen in columns:
        return chosen
    missing = f"（「{name_field}」という列はありません）" if name_field else ""
    texts = _text_columns(frame, columns)
    listing = "\n".join(f"  {c}（例: {'、'.join(samples)}）" for c, samples in texts.items())
    others = [c for c in columns if c not in texts]
    raise FileProblem(
        f"名前の列がわかりません{missing}。区域名の入った列を --name-field で指定してください。"
        + (f"\n文字の列と値の例:\n{listing}" if texts else "\n文字の列がありません。")
        + (f"\nほかの列: {'、'.join(others)}" if others else "")
    )


def _text_columns(frame, columns: list[str], samples: int = 3) -> dict[str, list[str]]:
    """{column: up to ``samples`` distinct values} for the columns that hold text."""
    found: dict[str, list[str]] = {}
    for column in columns:
        values: list[str] = []
        for value in frame[column]:
            text = normalize_line(value) if isinstance(value, str) else ""
            if text and text not in values:
                values.append(text if len(text) <= 20 else text[:19] + "…")
                if len(values) == samples:
                    break
        if values:
            found[column] = values
    return found


def _read_parts(
    frame, columns, name_field, code_field, unreadable, report, limits
) -> tuple[dict[str, list[dict]], ErrorList]:
    """The features grouped by key (code, else name), each with what it holds. A feature with
    more vertices than the limit is simplified first (before any validity check, which costs
    far more on such shapes); ``unreadable`` says why a feature has no geometry."""
    kana_field = next((c for c in KANA_FIELDS if c in columns), None)
    pop_fields = {
        k: next((c for c in v if c in columns), None) for k, v in POPULATION_FIELDS.items()
    }
    fallback = NAME_FALLBACKS.get(name_field)
    fallback = fallback if fallback in columns else None
    errors = ErrorList()
    parts: dict[str, list[dict]] = {}
    for number, (_, row) in enumerate(frame.iterrows(), start=1):
        name = normalize_line(_text(row.get(name_field)))
        if not name and fallback:
            name = normalize_line(_text(row.get(fallback)))
        code = normalize_line(_text(row.get(code_field))) if code_field else ""
        water = "HCODE" in columns and _int(row.get("HCODE")) == WATER_HCODE
        if not (code or name) and not water:
            errors.append(RowError(number, name_field, "名前が空です", "件目"))
            continue
        if len(name) > MAX_NAME_CHARS:
            reason = f"名前が長すぎます（{len(name):,} 文字。{MAX_NAME_CHARS} 文字まで）"
            errors.append(RowError(number, name_field, reason, "件目"))
            continue
        if len(code) > MAX_CODE_CHARS:
            reason = f"コードが長すぎます（{len(code):,} 文字。{MAX_CODE_CHARS} 文字まで）"
            errors.append(RowError(number, code_field, reason, "件目"))
            continue
        if number in unreadable:
            errors.append(RowError(number, "geometry", unreadable[number], "件目"))
            continue
        geom, problem = _within_vertex_limit(row.geometry, name or code, report, limits)
        if problem:
            errors.append(RowError(number, "geometry", problem, "件目"))
            continue
        original = geom
        geom, repaired = repair_polygon(geom)
        if geom is None:
            errors.append(RowError(number, "geometry", _no_area(original), "件目"))
            continue
        parts.setdefault(code or name or f"#{number}", []).append(
            {
                "number": number,
                "name": name,
                "code": code,
                "water": water,
                "geom": geom,
                "repaired": repaired,
                "kana": normalize_line(_text(row.get(kana_field))) if kana_field else "",
                "municipality": _municipality(row, columns),
                **{k: _int(row.get(c)) if c else None for k, c in pop_fields.items()},
            }
        )
    return parts, errors


def _no_area(geom) -> str:
    """Why a feature holds no area: not a polygon, rings too short, or all on one line."""
    if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon"):
        return "面（ポリゴン）ではありません"
    counts = shapely.get_num_coordinates(shapely.get_rings(shapely.get_parts(geom)))
    few = [int(c) for c in counts if 0 < c < 4]
    if few:
        return _few_points(few[0])
    return "面積がありません（点が一直線に並んでいるか、同じ点の繰り返しです）"


def _few_points(points: int) -> str:
    return (
        f"輪（外周や穴）の点が {points} 個しかありません（最初の点に戻って閉じるまで "
        "4 個以上必要です）"
    )


def _within_vertex_limit(geom, name: str, report: AreaReport, limits: Limits):
    """(geometry, None) within limits.max_area_vertices, simplified (Douglas–Peucker within
    limits.area_simplify_m, said in the report) when it has more; (None, reason) when even
    the simplified shape has more."""
    if geom is None:
        return None, None
    count = int(shapely.get_num_coordinates(geom))
    if count <= limits.max_area_vertices:
        return geom, None
    # Without preserve_topology: seconds instead of minutes on a million vertices; what it
    # may leave invalid is repaired next, like any other shape.
    simple = shapely.simplify(
        geom, limits.area_simplify_m / METRES_PER_DEGREE, preserve_topology=False
    )
    kept = int(shapely.get_num_coordinates(simple))
    if kept > limits.max_area_vertices:
        return None, (
            f"頂点が多すぎます（{count:,} 個。誤差 {limits.area_simplify_m:g} m で簡略化しても "
            f"{kept:,} 個で、上限は {limits.max_area_vertices:,} 個）。GIS で簡略化するか、設定 "
            f"{setting_name('max_area_vertices')} を上げてください"
        )
    report.simplified.append(
        f"「{name}」の境界を簡略化しました（頂点 {count:,} → {kept:,} 個、"
        f"誤差 {limits.area_simplify_m:g} m 以内）"
    )
    return simple, None


def _merge_parts(parts, errors, report, code_field, name_field, limits) -> dict[str, dict]:
    """One area per key: features that share a code (e-Stat repeats KEY_CODE for an area in
    several pieces, and for its 水面) become one (Multi)Polygon, and the report says so.
    Population is added up: e-Stat puts an area's count on one piece and 0 on the others."""
    areas: dict[str, dict] = {}
    water_only: list[str] = []
    for key, group in parts.items():
        land = [p for p in group if not p["water"]]
        if not land:
            water_only.append(key if group[0]["code"] or group[0]["name"] else "")
            continue
        names = list(dict.fromkeys(p["name"] for p in land + group if p["name"]))
        if not names:
            errors.append(RowError(group[0]["number"], name_field, "名前が空です", "件目"))
            continue
        name = names[0]
        if any(p["repaired"] for p in group):
            report.repaired.append(name)
        if looks_garbled(name):
            report.warnings.append(
                f"「{name}」は文字化けしているようです（文字コードを確認してください）"
            )
        geom = group[0]["geom"]
        if len(group) > 1:
            geom, problem = _within_vertex_limit(
                shapely.union_all([p["geom"] for p in group]), name, report, limits
            )
            if problem:
                errors.append(RowError(group[0]["number"], "geometry", problem, "件目"))
                continue
            geom, _ = repair_polygon(geom)
            where = f"{code_field} {key}" if group[0]["code"] else f"名前「{key}」"
            water = sum(p["water"] for p in group)
            report.merged.append(
                f"{where}（{name}）の {len(group)} 図形を 1 区域にまとめました"
                + (f"（うち水面 {water}）" if water else "")
            )
            if len(names) > 1:
                report.warnings.append(
                    f"{where} の図形の名前が違います（{'、'.join(names)}）。「{name}」にしました"
                )
        areas[key] = {
            "name": name,
            "code": group[0]["code"],
            "kana": next((p["kana"] for p in group if p["kana"]), ""),
            "municipality": next((p["municipality"] for p in group if p["municipality"]), ""),
            "geom": shapely.set_precision(geom, 1e-7),
            **{k: _sum(p[k] for p in group) for k in POPULATION_FIELDS},
        }
    if water_only:
        keys = [k for k in water_only if k]
        more = " ほか" if len(keys) > LISTED else ""
        listed = f"（{'、'.join(keys[:LISTED])}{more}）" if keys else ""
        report.skipped_water.append(
            f"水面だけの図形（HCODE {WATER_HCODE}）{len(water_only)} 件は"
            f"区域にしませんでした{listed}"
        )
    return areas


def _sum(values) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _municipality(row, columns) -> str:
    """市区町村名 as addresses write it: e-Stat GST_NAME + CSS_NAME (浜松市中区) or CITY_NAME,
    国土数値情報 N03_003 + N03_004 for a ward or a 郡 (浜松市中区, 浜名郡新居町), or a column
    such as 市区町村名; "" when the file does not say."""

    def value(column: str) -> str:
        return normalize_line(_text(row.get(column))) if column in columns else ""

    if value("GST_NAME"):
        return value("GST_NAME") + value("CSS_NAME")
    if value("CITY_NAME"):
        return value("CITY_NAME")
    if value("N03_004"):
        upper = value("N03_003")
        return upper + value("N03_004") if upper.endswith(("市", "郡")) else value("N03_004")
    return next((value(c) for c in MUNICIPALITY_FIELDS if value(c)), "")


def _warn_about_names(frame, columns, report, names: list[str]) -> None:
    """Warn when every name is a number or a code: the wrong column was probably chosen."""
    if not names or not all(_CODE_LIKE.fullmatch(n) for n in names):
        return
    examples = "、".join(names[:3])
    better = {
        c: v
        for c, v in _text_columns(frame, columns).items()
        if c != report.name_field and not all(_CODE_LIKE.fullmatch(x) for x in v)
    }
    hint = "".join(f"\n    {c}（例: {'、'.join(v)}）" for c, v in better.items())
    report.warnings.append(
        f"名前の列「{report.name_field}」の値がすべて数字や記号です（例: {examples}）。"
        "区域名の列を --name-field で指定してください" + (f"。名前らしい列:{hint}" if hint else "")
    )


def _parent_lines(session, layer: int, kind_label: str) -> list[str]:
    """How many areas of this layer have a parent, and how many of the layer below lie in
    areas of this kind."""
    lines = []
    if layer > 1:
        total, linked = parent_coverage(session, layer)
        for kind, n in linked.items():
            lines.append(
                f"第{layer}層の {total} 区域のうち {n} 区域が 第{layer - 1}層 {kind} に入ります"
            )
        if total and not linked and parent_coverage(session, layer - 1)[0]:
            lines.append(f"第{layer}層の区域は、どの第{layer - 1}層の区域にも入りません")
    if layer < 3:
        total, linked = parent_coverage(session, layer + 1)
        if total:
            lines.append(
                f"第{layer + 1}層の {total} 区域のうち {linked.get(kind_label, 0)} 区域が "
                f"この{kind_label}のどれかに入ります"
            )
    return lines


def _preview(session, areas: list[Area]) -> list[AreaPreview]:
    parents = parents_of(session, [a.id for a in areas])
    return [
        AreaPreview(
            a.name,
            a.code,
            a.municipality,
            a.layer,
            "、".join(
                f"{kind} {name}" + (f"（{share:.0%}）" if share is not None else "")
                for kind, name, share in parents[a.id]
            ),
        )
        for a in areas
    ]


def _read_frame(path: Path, crs: str | None, limits: Limits = DEFAULT_LIMITS):
    """The file's features in EPSG:4326, and why each feature whose geometry could not be
    read has none ({feature number: reason}). Size, feature count and columns are checked
    before any feature is read; every text value is checked and cleaned (clean_cell)."""
    if not path.is_file():
        raise FileProblem(f"ファイルがありません: {path.name}")
    if path.suffix.lower() not in READABLE:
        raise FileProblem(
            f"この形式は読めません: {path.suffix}（GeoJSON, Shapefile の zip, GeoPackage）"
        )
    _check_sizes(path, limits)
    frame, unreadable = _read_features(path, None, limits)
    if path.suffix.lower() in (".zip", ".shp") and _garbled(frame):
        # Shapefiles from Japanese sources are Shift_JIS and often come without a .cpg.
        frame, unreadable = _read_features(path, "cp932", limits)
    if not frame.geometry.notna().any():
        # Nothing to tell a coordinate system from: each feature's problem is reported.
        return frame.set_crs(frame.crs or "EPSG:4326", allow_override=True), unreadable
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
    return frame, unreadable


def _check_sizes(path: Path, limits: Limits) -> None:
    """The file (a Shapefile: with the files beside it), and what a zip unpacks to."""
    if path.suffix.lower() == ".shp":
        size = sum(
            p.stat().st_size for p in path.parent.iterdir() if p.stem == path.stem and p.is_file()
        )
        if size > limits.max_bytes:
            raise FileProblem(
                f"ファイルが大きすぎます（{size / 1024 / 1024:,.1f} MB。上限は {limits.max_mb} "
                f"MB）。ファイルを分けて取り込むか、設定 {setting_name('max_mb')} を上げてください"
            )
        return
    check_file_size(path, limits)
    if path.suffix.lower() == ".zip":
        check_unpacked_size(path, limits)


def _read_features(path: Path, encoding: str | None, limits: Limits):
    """(GeoDataFrame, {feature number: why its geometry could not be read})."""
    import geopandas
    import pandas
    import pyogrio

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL's notes (unclosed rings…) are said below
            info = pyogrio.read_info(path, encoding=encoding)
            if info.get("features", -1) > limits.max_area_features:
                raise _too_many_features(info["features"], limits)
            if len(info.get("fields", ())) > limits.max_columns:
                raise too_many_columns(len(info["fields"]), limits, "属性の列")
            meta, _, wkb, field_data = pyogrio.raw.read(
                path, encoding=encoding, max_features=limits.max_area_features + 1
            )
    except FileProblem:
        raise
    except Exception as exc:  # GDAL and pyogrio raise many kinds for a broken file
        said = None
        if path.suffix.lower() in (".geojson", ".json"):
            said = _geojson_file_problem(path, limits)
        raise FileProblem(said or _unreadable_file(path, exc)) from exc
    if len(wkb) > limits.max_area_features:
        raise _too_many_features(None, limits)
    columns: dict[str, list] = {}
    for name, values in zip(meta["fields"], field_data, strict=True):
        columns[clean_cell(str(name))] = _clean_column(name, values, limits)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # each shape that cannot be read is said below
        geometry = shapely.from_wkb(wkb, on_invalid="ignore")
        coordinates, owners = shapely.get_coordinates(geometry, return_index=True)
    unreadable = {
        int(i) + 1: _wkb_problem(wkb[i])
        for i in np.flatnonzero(pandas.isna(geometry))
        if wkb[i] is not None
    }
    for i in np.unique(owners[~np.isfinite(coordinates).all(axis=1)]):
        unreadable[int(i) + 1] = NOT_A_NUMBER
        geometry[i] = None
    missing = [
        int(i) + 1 for i in np.flatnonzero(pandas.isna(geometry)) if int(i) + 1 not in unreadable
    ]
    if missing and len(missing) == len(geometry) and path.suffix.lower() in (".zip", ".shp"):
        raise FileProblem(
            "図形が 1 つも読めません（.shp が壊れているか、図形のないファイルです）。"
            "元のファイルを入手し直してください"
        )
    if missing and path.suffix.lower() in (".geojson", ".json"):
        unreadable.update(_geojson_problems(path, missing))
    geometry_name = "geometry" if "geometry" not in columns else "geometry_"
    frame = geopandas.GeoDataFrame(
        pandas.DataFrame(columns, index=pandas.RangeIndex(len(geometry))),
        geometry=geopandas.GeoSeries(geometry, crs=meta.get("crs")).rename(geometry_name),
        crs=meta.get("crs"),
    )
    return frame, unreadable


def _too_many_features(count: int | None, limits: Limits) -> FileProblem:
    said = f"{count:,} 件。" if count is not None else ""
    return FileProblem(
        f"図形が多すぎます（{said}上限は {limits.max_area_features:,} 件）。ファイルを分けて"
        f"取り込むか、設定 {setting_name('max_area_features')} を上げてください"
    )


def _clean_column(name, values, limits: Limits):
    """One attribute column, its text cleaned and checked against the cell limit."""
    if values.dtype != object:
        return values
    cleaned = []
    for number, value in enumerate(values, start=1):
        if isinstance(value, str):
            if len(value) > limits.max_cell_chars:
                raise too_long_cell(f"{number}件目「{name}」", len(value), limits)
            value = clean_cell(value)
        cleaned.append(value)
    return cleaned


def _unreadable_file(path: Path, exc: Exception) -> str:
    """Why GDAL could not open a file, in Japanese (GDAL's words after it, for an expert)."""
    said = " ".join(str(exc).split())
    detail = said if len(said) <= 160 else said[:159] + "…"
    if "nested" in said:
        reason = "入れ子（[ や { の重なり）が深すぎます。ファイルが壊れているようです"
    elif "coordinate" in said and "type" in said:
        reason = "座標に数でない値（文字列など）があります。座標は引用符なしの数で書いてください"
    elif "Unrecognized number" in said or "GeoJSON" in said:
        reason = "GeoJSON として読めません（数として読めない値や、書き方の誤りがあります）"
    elif "not a database" in said or path.suffix.lower() == ".gpkg":
        reason = "GeoPackage として読めません"
    elif path.suffix.lower() in (".zip", ".shp"):
        reason = (
            "Shapefile として読めません（.shp, .shx, .dbf がそろっていて壊れていないか"
            "確かめてください）"
        )
    else:
        reason = "区域のファイルとして読めません"
    return f"{reason}（{clean_cell(detail)}）"


def _wkb_problem(data: bytes) -> str:
    """Why a feature's shape could not be read, from its rings: GEOS refuses such shapes
    without saying which ring is at fault, or how."""
    try:
        rings = list(_wkb_rings(data, 0))
    except (struct.error, ValueError, IndexError):
        return "図形のデータが壊れています"
    for points, closed, finite in rings:
        if not finite:
            return NOT_A_NUMBER
        if 0 < points < 4:
            return _few_points(points)
        if not closed:
            return "輪（外周や穴）が閉じていません（最初の点と最後の点が違います）"
    return "図形のデータが壊れています"


def _wkb_rings(data: bytes, offset: int):
    """(points, closed, finite) of each ring of a (Multi)Polygon in WKB (ISO or EWKB);
    returns the offset after it. Other types raise ValueError."""
    order = "<" if data[offset] == 1 else ">"
    (kind,) = struct.unpack_from(order + "I", data, offset + 1)
    offset += 5
    if kind & 0x20000000:  # EWKB: an SRID follows
        offset += 4
    dims = 2 + bool(kind & 0x80000000) + bool(kind & 0x40000000)
    kind &= 0x0FFFFFFF
    dims += {1: 1, 2: 1, 3: 2}.get(kind // 1000, 0)
    base = kind % 1000
    (count,) = struct.unpack_from(order + "I", data, offset)
    offset += 4
    if base == 3:  # Polygon: rings of points
        for _ in range(count):
            (points,) = struct.unpack_from(order + "I", data, offset)
            offset += 4
            xy = np.frombuffer(data, np.dtype(order + "f8"), points * dims, offset)
            xy = xy.reshape(points, dims)[:, :2]
            offset += 8 * points * dims
            closed = points == 0 or bool((xy[0] == xy[-1]).all())
            yield points, closed, bool(np.isfinite(xy).all())
        return offset
    if base in (6, 7):  # MultiPolygon, GeometryCollection: whole geometries
        for _ in range(count):
            offset = yield from _wkb_rings(data, offset)
        return offset
    raise ValueError(f"WKB type {kind}")


def _geojson_problems(path: Path, numbers: list[int]) -> dict[int, str]:
    """Why GDAL left the geometry of these GeoJSON features empty: coordinates that are text,
    or a type it does not know. Read only when there are such features."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            features = json.loads(path.read_bytes().decode("utf-8-sig")).get("features")
    except (ValueError, RecursionError, AttributeError):
        return {}
    if not isinstance(features, list):
        return {}
    problems = {}
    for number in numbers[:1000]:
        feature = features[number - 1] if number <= len(features) else None
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if isinstance(geometry, dict):
            problems[number] = _geojson_geometry_problem(geometry)
    return {n: p for n, p in problems.items() if p}


def _geojson_file_problem(path: Path, limits: Limits) -> str | None:
    """What is wrong with a GeoJSON file GDAL refused, found with Python's own reader (only
    then: GDAL's words say where, not what)."""
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    except RecursionError:
        return "入れ子（[ や { の重なり）が深すぎます。ファイルが壊れているようです"
    except json.JSONDecodeError as exc:
        return f"GeoJSON として読めません: {exc.msg}（{exc.lineno}行目）"
    except ValueError:  # not UTF-8, a number of too many digits
        return None
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        return "GeoJSON の FeatureCollection ではありません"
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            return f"{number}件目: GeoJSON の Feature ではありません"
        properties = feature.get("properties")
        for key, value in properties.items() if isinstance(properties, dict) else ():
            if isinstance(value, str) and len(value) > limits.max_cell_chars:
                where = f"{number}件目「{clean_cell(str(key))[:40]}」"
                return str(too_long_cell(where, len(value), limits))
        geometry = feature.get("geometry")
        problem = _geojson_geometry_problem(geometry) if isinstance(geometry, dict) else ""
        if problem:
            return f"{number}件目「geometry」: {problem}"
    return None


def _geojson_geometry_problem(geometry: dict) -> str:
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon", "GeometryCollection"):
        return ""  # a point or a line: 「面（ポリゴン）ではありません」 says it
    stack = [geometry.get("coordinates")]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(reversed(value))  # the first value first
        elif value is None or isinstance(value, bool) or not isinstance(value, int | float):
            shown = clean_cell(json.dumps(value, ensure_ascii=False))
            shown = shown if len(shown) <= 30 else shown[:29] + "…"
            return f"座標に数でない値があります（{shown}）。座標は引用符なしの数で書いてください"
        elif isinstance(value, float) and not np.isfinite(value):
            return NOT_A_NUMBER
    return ""


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


def _write_areas(
    session, report, areas, source, layer, kind_label, filename, *, drop_references: bool
) -> dict[str, Area]:
    """Create or update the areas (keyed within ``source``), delete those the file lacks,
    then relink parents; returns the stored areas in file order."""
    run = ImportRun(target="areas", source=source, profile=kind_label, filename=filename)
    session.add(run)
    session.flush()
    before = list(session.scalars(select(Area).where(Area.source == source).order_by(Area.id)))
    existing = match_in_place(before, areas)
    stored: dict[str, Area] = {}
    for key, values in areas.items():
        minx, miny, maxx, maxy = values["geom"].bounds
        values = {**values, "min_lon": minx, "min_lat": miny, "max_lon": maxx, "max_lat": maxy}
        area = existing.get(key)
        if area is None:
            area = Area(source=source, source_key=key, layer=layer, kind_label=kind_label, **values)
            stored[key] = area
            session.add(area)
            session.flush()
            session.add(
                Change(entity="area", entity_id=area.id, action="create", import_run_id=run.id)
            )
            report.created += 1
            continue
        stored[key] = area
        changed = [k for k, v in values.items() if not _same(getattr(area, k), v)]
        if area.source_key != key:  # kept by its code or name under the file's key
            area.source_key = key
            changed.append("source_key")
        if area.layer != layer or area.kind_label != kind_label:
            changed += ["layer"]
            area.layer, area.kind_label = layer, kind_label
        for name in changed:
            if name not in ("layer", "source_key"):
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
    kept_ids = {a.id for a in stored.values()}
    removed = [a for a in before if a.id not in kept_ids]
    kept = list(stored.values())
    report.removed = plan_removals(session, removed, kept)
    blocking = [r for r in report.removed if r.blocking]
    if blocking and not drop_references and report.dry_run:
        report.refusal = str(AreasInUse(blocking))
    # A dry run goes on as if the references were dropped: it shows where things would go.
    drop = drop_references or report.dry_run
    remove_areas(session, removed, kept, report.removed, drop_references=drop, run_id=run.id)
    # Both the areas of this file and those of the layer below may have a new parent; links
    # to the other kinds come out of the shapes again, so none is lost.
    link_parents(session, {layer, layer + 1})
    run.rows_total = len(areas)
    run.created, run.updated, run.unchanged = report.created, report.updated, report.unchanged
    if report.created or report.updated or removed:
        bump_data_version(session)
    return stored


def _same(old, new) -> bool:
    if hasattr(old, "equals_exact"):
        return bool(old.equals_exact(new, 1e-9)) if new is not None else False
    return old == new
