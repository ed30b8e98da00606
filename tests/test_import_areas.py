"""Importing area boundaries: formats, encodings, coordinate systems, repairs, layers."""

from __future__ import annotations

import zipfile

import geopandas
import pytest
from shapely.geometry import Polygon, box
from sqlalchemy import select

from mapapp.importing.areas import import_areas
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
