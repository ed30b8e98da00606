"""Importing area boundaries: formats, encodings, coordinate systems, repairs, layers."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import geopandas
import pytest
from shapely.geometry import Polygon, box
from sqlalchemy import select

from mapapp.importing.boundaries import import_areas
from mapapp.importing.errors import FileProblem, RowsRejected
from mapapp.models import Area
from tests.conftest import EAST, WEST, write_geojson


def frame(rows, crs="EPSG:4326"):
    return geopandas.GeoDataFrame([r[0] for r in rows], geometry=[r[1] for r in rows], crs=crs)


def names(storage, layer=None):
    with storage.reading() as session:
        query = select(Area).order_by(Area.name)
        if layer:
            query = query.where(Area.layer == layer)
        return {a.name: a for a in session.scalars(query)}


def test_zipped_shapefile_in_shift_jis_without_cpg(tmp_path, storage):
    # 国土数値情報 2021 A32 (中学校区) attribute names, written as Shift_JIS with no .cpg.
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    rows = [({"A32_001": "22221", "A32_004": "鷲津中学校", "A32_003": "C1"}, WEST),
            ({"A32_001": "22221", "A32_004": "新居中学校", "A32_003": "C2"}, EAST)]  # fmt: skip
    frame(rows).to_file(shp_dir / "A32.shp", encoding="cp932")
    (shp_dir / "A32.cpg").unlink(missing_ok=True)
    archive = tmp_path / "A32-21_22.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in shp_dir.iterdir():
            z.write(part, part.name)
    report = import_areas(storage, archive, layer=2, kind_label="中学校区")
    assert report.name_field == "A32_004" and report.created == 2
    areas = names(storage)
    assert set(areas) == {"鷲津中学校", "新居中学校"}
    assert areas["鷲津中学校"].code == "C1"


def test_projected_coordinates_are_reprojected(tmp_path, storage):
    # EPSG:6676 = JGD2011 / 平面直角座標系 第VIII系 (静岡県); the box is the WEST square.
    projected = frame([({"name": "西区域"}, WEST)]).to_crs("EPSG:6676")
    projected.to_file(tmp_path / "west.gpkg", driver="GPKG")
    import_areas(storage, tmp_path / "west.gpkg", layer=2, kind_label="地区社協区域")
    stored = names(storage)["西区域"].geom
    assert stored.symmetric_difference(WEST).area / WEST.area < 1e-6


def test_missing_crs_with_metre_coordinates_asks_for_one(tmp_path, storage):
    path = write_geojson(
        tmp_path / "m.geojson", [({"name": "A"}, box(-20000, -30000, -19000, -29000))]
    )
    with pytest.raises(FileProblem, match="--crs EPSG:6677 のように指定してください"):
        import_areas(storage, path, layer=2, kind_label="地区")


def test_invalid_polygon_is_repaired_and_reported(tmp_path, storage):
    bowtie = Polygon([(137.50, 34.70), (137.52, 34.72), (137.52, 34.70), (137.50, 34.72)])
    path = write_geojson(tmp_path / "b.geojson", [({"name": "ちょうちょ"}, bowtie)])
    report = import_areas(storage, path, layer=2, kind_label="地区")
    assert report.repaired == ["ちょうちょ"]
    geom = names(storage)["ちょうちょ"].geom
    assert geom.is_valid and geom.geom_type == "MultiPolygon"


def test_bad_features_are_all_reported(tmp_path, storage):
    import json

    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": ""}, "geometry": {"type": "Polygon", "coordinates": [[[137.5, 34.7], [137.6, 34.7], [137.6, 34.8], [137.5, 34.7]]]}},
        {"type": "Feature", "properties": {"name": "点"}, "geometry": {"type": "Point", "coordinates": [137.5, 34.7]}},
    ]}, ensure_ascii=False), "utf-8")  # fmt: skip
    with pytest.raises(RowsRejected) as caught:
        import_areas(storage, path, layer=2, kind_label="地区")
    assert [str(e) for e in caught.value.errors] == [
        "1件目「name」: 名前が空です",
        "2件目「geometry」: 面（ポリゴン）ではありません",
    ]
    assert names(storage) == {}


def test_reimport_updates_in_place_and_layers_link_parents(tmp_path, storage):
    town = write_geojson(
        tmp_path / "town.geojson", [({"name": "さくら台町"}, box(137.50, 34.70, 137.54, 34.72))]
    )
    path = tmp_path / "d.geojson"
    write_geojson(path, [({"name": "西", "pop_total": 100}, WEST), ({"name": "東"}, EAST)])
    import_areas(storage, town, layer=1, kind_label="市町村")
    import_areas(storage, path, layer=2, kind_label="地区")
    write_geojson(path, [({"name": "西", "pop_total": 120}, WEST), ({"name": "東"}, EAST)])
    report = import_areas(storage, path, layer=2, kind_label="地区")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    areas = names(storage)
    assert areas["西"].pop_total == 120
    assert areas["西"].parent_id == areas["東"].parent_id == areas["さくら台町"].id


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"layer": 4, "kind_label": "x"}, "層は 1, 2, 3 のどれかです"),
        ({"layer": 2, "kind_label": " "}, "区域の種類"),
        ({"layer": 2, "kind_label": "x", "name_field": "nope"}, "名前の列がわかりません"),
    ],
)
def test_wrong_options_say_what_to_do(tmp_path, storage, kwargs, message):
    path = write_geojson(tmp_path / "a.geojson", [({"name": "A"}, WEST)])
    with pytest.raises(FileProblem, match=message):
        import_areas(storage, path, **kwargs)


def test_unknown_format_is_refused(tmp_path, storage):
    (tmp_path / "a.kml").write_text("<kml/>")
    with pytest.raises(FileProblem, match="この形式は読めません"):
        import_areas(storage, tmp_path / "a.kml", layer=2, kind_label="x")


# --- e-Stat 小地域 (国勢調査 町丁・字等別境界) as downloaded -------------------------------------

# The .prj e-Stat ships: JGD2000 in degrees (EPSG:4612), in the ESRI spelling.
JGD2000_PRJ = (
    'GEOGCS["GCS_JGD_2000",DATUM["D_JGD_2000",SPHEROID["GRS_1980",6378137.0,298.257222101]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
)
LAND, WATER = 8101, 8154


def estat_small_areas(tmp_path, town: dict, features: list[tuple]) -> Path:
    """A zipped e-Stat 小地域 Shapefile: its attribute columns, Shift_JIS without a .cpg, and
    a JGD2000 .prj. ``features``: (S_AREA, S_NAME, HCODE, JINKO, SETAI, KIGO_E, polygon)."""
    pref, city = town["PREF"], town["CITY"]
    rows = []
    for number, (s_area, s_name, hcode, jinko, setai, kigo_e, polygon) in enumerate(features, 1):
        point = polygon.representative_point()
        rows.append(({
            "KEY_CODE": pref + city + s_area, "PREF": pref, "CITY": city, "S_AREA": s_area,
            "PREF_NAME": town["PREF_NAME"], "CITY_NAME": town["GST_NAME"] + town["CSS_NAME"],
            "S_NAME": s_name, "KIGO_E": kigo_e, "HCODE": hcode,
            "AREA": round(polygon.area * 1.0e10, 1), "PERIMETER": round(polygon.length * 1.0e5, 1),
            f"H27KA{pref}_": number, f"H27KA{pref}_ID": number, "KEN": pref,
            "KEN_NAME": town["PREF_NAME"], "SITYO_NAME": "", "GST_NAME": town["GST_NAME"],
            "CSS_NAME": town["CSS_NAME"], "KIHON1": s_area[-2:], "DUMMY1": "-", "KIHON2": "00",
            "KEYCODE1": city + s_area, "KEYCODE2": city + s_area,
            "AREA_MAX_F": "M" if kigo_e in ("", "E1") else "", "KIGO_D": "", "N_KEN": "",
            "N_CITY": "", "KIGO_I": "", "MOJI": s_name, "KBSUM": 1 if jinko else 0,
            "JINKO": jinko, "SETAI": setai, "X_CODE": round(point.x, 5), "Y_CODE": round(point.y, 5),
            "KCODE1": f"{s_area[:4]}-{s_area[4:] or '00'}",
        }, polygon))  # fmt: skip
    shp_dir = tmp_path / f"h27ka{pref}{city}"
    shp_dir.mkdir()
    frame(rows, crs="EPSG:4612").to_file(shp_dir / f"h27ka{pref}{city}.shp", encoding="cp932")
    (shp_dir / f"h27ka{pref}{city}.cpg").unlink(missing_ok=True)
    (shp_dir / f"h27ka{pref}{city}.prj").write_text(JGD2000_PRJ, "ascii")
    archive = tmp_path / f"A002005212015DDSWC{pref}{city}.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in shp_dir.iterdir():
            z.write(part, part.name)
    return archive


# 美浜台市 (fictional, 静岡県): 一丁目 has an 飛び地 (two features, one KEY_CODE), 二丁目 a 池
# drawn as a separate 水面 feature with its KEY_CODE, and 大字吉野 a 9-digit KEY_CODE.
MIHAMADAI = {
    "PREF": "22",
    "CITY": "228",
    "PREF_NAME": "静岡県",
    "GST_NAME": "美浜台市",
    "CSS_NAME": "",
}
MIHAMADAI_FEATURES = [
    ("001001", "美浜台一丁目", LAND, 850, 360, "E1", box(138.000, 34.750, 138.004, 34.754)),
    ("001001", "美浜台一丁目", LAND, 0, 0, "E2", box(138.010, 34.750, 138.011, 34.751)),
    ("001002", "美浜台二丁目", LAND, 620, 270, "", box(138.004, 34.750, 138.008, 34.754)),
    ("001002", "美浜台二丁目", WATER, 0, 0, "", box(138.004, 34.746, 138.008, 34.750)),
    ("0020", "大字吉野", LAND, 75, 31, "", box(138.000, 34.754, 138.008, 34.760)),
]  # fmt: skip


def test_estat_small_areas_with_repeated_key_codes_import_as_one_area_each(tmp_path, storage):
    archive = estat_small_areas(tmp_path, MIHAMADAI, MIHAMADAI_FEATURES)
    with zipfile.ZipFile(archive) as z:
        assert not any(n.endswith(".cpg") for n in z.namelist())
        assert (
            "GCS_JGD_2000" in z.read(next(n for n in z.namelist() if n.endswith(".prj"))).decode()
        )
    report = import_areas(storage, archive, layer=3, kind_label="町丁")
    assert report.name_field == "S_NAME" and report.created == 3
    assert report.merged == [
        "KEY_CODE 22228001001（美浜台一丁目）の 2 図形を 1 区域にまとめました",
        "KEY_CODE 22228001002（美浜台二丁目）の 2 図形を 1 区域にまとめました（うち水面 1）",
    ]
    assert report.warnings == [] and report.skipped_water == []
    areas = names(storage)
    assert set(areas) == {"美浜台一丁目", "美浜台二丁目", "大字吉野"}
    first = areas["美浜台一丁目"]
    assert (first.code, first.municipality, first.pop_total) == ("22228001001", "美浜台市", 850)
    assert first.geom.geom_type == "MultiPolygon" and len(first.geom.geoms) == 2
    # The 池 belongs to 二丁目: one polygon, land and water together.
    second = areas["美浜台二丁目"].geom
    assert second.symmetric_difference(box(138.004, 34.746, 138.008, 34.754)).area < 1e-9
    assert areas["美浜台二丁目"].pop_total == 620 and areas["大字吉野"].code == "222280020"


# 水無瀬市北区 (fictional ward of a fictional 政令市, 愛知県): the municipality is GST_NAME +
# CSS_NAME; a 水面 feature with a KEY_CODE of its own and no name is no 町丁.
MINASE_KITA = {
    "PREF": "23",
    "CITY": "151",
    "PREF_NAME": "愛知県",
    "GST_NAME": "水無瀬市",
    "CSS_NAME": "北区",
}
MINASE_KITA_FEATURES = [
    ("002001", "若葉町一丁目", LAND, 1210, 540, "", box(136.900, 35.200, 136.904, 35.204)),
    ("002002", "若葉町二丁目", LAND, 980, 430, "", box(136.904, 35.200, 136.908, 35.204)),
    ("0030", "大字川端", LAND, 140, 52, "E1", box(136.900, 35.204, 136.908, 35.208)),
    ("0030", "大字川端", LAND, 0, 0, "E2", box(136.912, 35.204, 136.913, 35.205)),
    ("0990", "", WATER, 0, 0, "", box(136.908, 35.200, 136.912, 35.208)),
]  # fmt: skip


def test_estat_ward_of_a_designated_city(tmp_path, storage):
    archive = estat_small_areas(tmp_path, MINASE_KITA, MINASE_KITA_FEATURES)
    report = import_areas(storage, archive, layer=3, kind_label="町丁")
    assert report.created == 3
    assert report.skipped_water == [
        "水面だけの図形（HCODE 8154）1 件は区域にしませんでした（231510990）"
    ]
    assert report.merged == ["KEY_CODE 231510030（大字川端）の 2 図形を 1 区域にまとめました"]
    areas = names(storage)
    assert {a.municipality for a in areas.values()} == {"水無瀬市北区"}
    assert areas["若葉町一丁目"].pop_total == 1210 and areas["大字川端"].pop_total == 140


def test_estat_dry_run_previews_the_areas_and_writes_nothing(tmp_path, storage, cli):
    archive = estat_small_areas(tmp_path, MINASE_KITA, MINASE_KITA_FEATURES)
    result = cli("import-areas", archive, "--layer", "3", "--kind", "町丁", "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("確認のみ（書き込んでいません）") and "名前の列: S_NAME" in lines[0]
    assert "  いくつもの図形をまとめた区域: 1 区域" in lines
    assert "    KEY_CODE 231510030（大字川端）の 2 図形を 1 区域にまとめました" in lines
    assert "  先頭 3 区域（名前、コード、市区町村、層、親の区域）:" in lines
    assert "    若葉町一丁目\t23151002001\t水無瀬市北区\t第3層\t-" in lines
    assert names(storage) == {}


# --- a city's own Shapefile: plane rectangular coordinates, names in a column we do not know ---

# 桜川町 (fictional) 自治会 areas as a city GIS exports them: JGD2000 / 平面直角座標系 第VIII系.
JICHIKAI = [
    ({"OBJECTID": 1, "CHIKU_CD": "0101", "CHIKU_NM": "上ノ原", "KOMINKAN": "上ノ原公民館",
      "Shape_Leng": 1480.2, "Shape_Area": 130512.7}, box(138.10, 34.90, 138.104, 34.903)),
    ({"OBJECTID": 2, "CHIKU_CD": "0102", "CHIKU_NM": "中ノ原", "KOMINKAN": "中ノ原集会所",
      "Shape_Leng": 1480.2, "Shape_Area": 130512.7}, box(138.104, 34.90, 138.108, 34.903)),
    ({"OBJECTID": 3, "CHIKU_CD": "0201", "CHIKU_NM": "下ノ原", "KOMINKAN": "下ノ原会館",
      "Shape_Leng": 1480.2, "Shape_Area": 130512.7}, box(138.10, 34.903, 138.108, 34.906)),
]  # fmt: skip


def city_shapefile(tmp_path, crs: str = "EPSG:2450") -> Path:
    shp_dir = tmp_path / "jichikai"
    shp_dir.mkdir()
    frame(JICHIKAI).to_crs(crs).to_file(shp_dir / "jichikai.shp")
    archive = tmp_path / "jichikai.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in shp_dir.iterdir():
            z.write(part, part.name)
    return archive


def test_unknown_name_column_lists_the_candidates_with_samples(tmp_path, storage):
    archive = city_shapefile(tmp_path)
    with pytest.raises(FileProblem) as caught:
        import_areas(storage, archive, layer=3, kind_label="自治会")
    assert str(caught.value).splitlines() == [
        "名前の列がわかりません。区域名の入った列を --name-field で指定してください。",
        "文字の列と値の例:",
        "  CHIKU_CD（例: 0101、0102、0201）",
        "  CHIKU_NM（例: 上ノ原、中ノ原、下ノ原）",
        "  KOMINKAN（例: 上ノ原公民館、中ノ原集会所、下ノ原会館）",
        "ほかの列: OBJECTID、Shape_Leng、Shape_Area",
    ]
    assert names(storage) == {}


def test_names_that_are_all_codes_are_warned_about(tmp_path, storage):
    archive = city_shapefile(tmp_path)
    report = import_areas(
        storage, archive, layer=3, kind_label="自治会", name_field="CHIKU_CD", dry_run=True
    )
    assert report.warnings == [
        "名前の列「CHIKU_CD」の値がすべて数字や記号です（例: 0101、0102、0201）。"
        "区域名の列を --name-field で指定してください。名前らしい列:"
        "\n    CHIKU_NM（例: 上ノ原、中ノ原、下ノ原）"
        "\n    KOMINKAN（例: 上ノ原公民館、中ノ原集会所、下ノ原会館）"
    ]
    assert [p.name for p in report.preview] == ["0101", "0102", "0201"]
    assert names(storage) == {}


def test_city_shapefile_in_plane_rectangular_coordinates_imports_with_name_field(tmp_path, storage):
    archive = city_shapefile(tmp_path)
    report = import_areas(storage, archive, layer=3, kind_label="自治会", name_field="CHIKU_NM")
    assert report.created == 3 and report.warnings == []
    areas = names(storage)
    for props, polygon in JICHIKAI:
        stored = areas[props["CHIKU_NM"]]
        assert stored.municipality == "" and stored.code == ""
        assert stored.geom.symmetric_difference(polygon).area / polygon.area < 1e-6


def test_an_area_over_the_vertex_limit_is_simplified_and_said(tmp_path, cli, monkeypatch):
    import numpy as np

    monkeypatch.setenv("MAPAPP_AREA_MAX_VERTICES", "200")
    turn = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    circle = Polygon(np.c_[137.52 + 0.01 * np.cos(turn), 34.71 + 0.008 * np.sin(turn)])
    path = write_geojson(tmp_path / "c.geojson", [({"name": "まるい町"}, circle)])
    result = cli("import-areas", path, "--layer", "2", "--kind", "地区")
    assert result.exit_code == 0, result.output
    said = re.search(
        r"「まるい町」の境界を簡略化しました（頂点 401 → (\d+) 個、誤差 1 m 以内）", result.output
    )
    assert said and int(said.group(1)) <= 200
