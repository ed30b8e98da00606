"""Tests for mapapp.demo: the fictional town is deterministic, consistent and plausible."""

import collections
import csv
import datetime
import itertools
import json
import math
import os
import re
import subprocess
import sys
from urllib.parse import urlparse

import pytest
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from mapapp import demo
from mapapp.demo.data import (
    AGE_BANDS,
    COLUMNS,
    GATHERING_KINDS,
    KINDS,
    PRIVATE_HOME_SALONS,
    SHAKYO_NAME,
)

BANDS_65_OVER = ("pop_65_69", "pop_70_74", "pop_75_79", "pop_80_84", "pop_85_over")
BANDS_75_OVER = BANDS_65_OVER[2:]
LAYER3_PROPERTIES = [
    "name", "kana", "code", "parent_code", "pop_total", "pop_65", "pop_75",
    *(f"pop_{band}" for band in AGE_BANDS),
]  # fmt: skip
RELATIVE_AREA_TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def town():
    return demo.build_demo_town()


@pytest.fixture(scope="module")
def town_polygon(town):
    return shape(town.layer1["features"][0]["geometry"])


@pytest.fixture(scope="module")
def districts(town):
    """第2層 polygons by name."""
    return {f["properties"]["name"]: shape(f["geometry"]) for f in town.layer2["features"]}


@pytest.fixture(scope="module")
def chome(town):
    """(properties, polygon) per 町丁."""
    return [(f["properties"], shape(f["geometry"])) for f in town.layer3["features"]]


def _point(row):
    return Point(float(row["経度"]), float(row["緯度"]))


def _district_of(row, districts):
    return next(name for name, polygon in districts.items() if polygon.covers(_point(row)))


def _all_coordinates(collection):
    for feature in collection["features"]:
        for ring in feature["geometry"]["coordinates"]:
            yield from ring


# --- determinism --------------------------------------------------------------------------------


def test_two_builds_are_equal(town):
    assert demo.build_demo_town() == town
    assert demo.build_demo_town(seed=7) != town


def test_files_are_byte_identical_across_writes(town, tmp_path):
    first = demo.write_demo_files(town, tmp_path / "a")
    second = demo.write_demo_files(demo.build_demo_town(), tmp_path / "b")
    assert set(first) == {"layer1", "layer2", "layer3", "resources"}
    for key, path in first.items():
        assert path.read_bytes() == second[key].read_bytes(), key


@pytest.mark.slow
def test_files_do_not_depend_on_the_hash_seed(town, tmp_path):
    script = "import pathlib, sys; from mapapp import demo; " + (
        "demo.write_demo_files(demo.build_demo_town(), pathlib.Path(sys.argv[1]))"
    )
    expected = demo.write_demo_files(town, tmp_path / "here")
    for hash_seed in ("1", "12345"):
        out = tmp_path / f"hash-{hash_seed}"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", script, str(out)], check=True, env=env)
        for key, path in expected.items():
            assert (out / path.name).read_bytes() == path.read_bytes(), (hash_seed, key)


# --- counts -------------------------------------------------------------------------------------


def test_area_counts_and_properties(town):
    assert town.name == demo.DEMO_TOWN_NAME
    assert town.code == demo.DEMO_TOWN_CODE == "99999"
    (layer1,) = town.layer1["features"]
    assert layer1["properties"] == {"name": town.name, "kana": "さくらだいちょう", "code": "99999"}
    assert len(town.layer2["features"]) == 6
    assert len(town.layer3["features"]) == 30
    layer2 = [f["properties"] for f in town.layer2["features"]]
    assert all(list(p) == ["name", "kana", "code", "kind_label"] for p in layer2)
    assert {p["kind_label"] for p in layer2} == {"地区社協区域"}
    assert all(list(f["properties"]) == LAYER3_PROPERTIES for f in town.layer3["features"])
    codes = [p["code"] for p in layer2] + [f["properties"]["code"] for f in town.layer3["features"]]
    assert len(set(codes)) == len(codes)


def test_resource_counts(town):
    kinds = collections.Counter(row["種別"] for row in town.resources)
    assert 140 <= len(town.resources) <= 160
    assert set(kinds) == set(KINDS)
    assert kinds["kurasapo"] == 6
    assert 2 <= kinds["houkatsu"] <= 3
    assert kinds["shakyo"] == 1
    gatherings = sum(kinds[kind] for kind in GATHERING_KINDS)
    assert 0.55 <= gatherings / len(town.resources) <= 0.65
    assert sum(row["位置の精度"] == "丁目" for row in town.resources) >= 4


def test_one_kurasapo_per_district_and_every_district_has_a_houkatsu(town, districts):
    for kind in ("kurasapo", "houkatsu"):
        covered = [
            area
            for row in town.resources
            if row["種別"] == kind
            for area in row["対象区域"].split("、")
        ]
        assert sorted(covered) == sorted(districts), kind


def test_statuses_like_a_real_list(town):
    statuses = collections.Counter(row["状態"] for row in town.resources)
    assert set(statuses) == {"活動中", "休止中", "準備中", "終了"}
    assert statuses["準備中"] == statuses["終了"] == 1
    assert 2 <= statuses["休止中"] <= 6
    assert statuses["活動中"] > 0.9 * len(town.resources)


# --- geometry -----------------------------------------------------------------------------------


def test_every_polygon_is_valid_rounded_and_counter_clockwise(town):
    for layer in (town.layer1, town.layer2, town.layer3):
        for feature in layer["features"]:
            assert feature["geometry"]["type"] == "Polygon"
            polygon = shape(feature["geometry"])
            assert polygon.is_valid, feature["properties"]["name"]
            assert polygon.exterior.is_ccw
            assert all(not ring.is_ccw for ring in polygon.interiors)
        for lon, lat in _all_coordinates(layer):
            assert (round(lon, 6), round(lat, 6)) == (lon, lat)


def test_town_is_about_8_by_6_km_in_central_japan(town_polygon):
    min_lon, min_lat, max_lon, max_lat = town_polygon.bounds
    km_per_deg_lon = 111.32 * math.cos(math.radians((min_lat + max_lat) / 2))
    assert 7 <= (max_lon - min_lon) * km_per_deg_lon <= 9.5
    assert 5 <= (max_lat - min_lat) * 110.95 <= 7
    assert 136.5 < town_polygon.centroid.x < 137.5
    assert 34.7 < town_polygon.centroid.y < 35.3
    assert len(town_polygon.exterior.coords) > 20  # an outline, not a rectangle


def test_layer2_tiles_the_town(districts, town_polygon):
    union = unary_union(list(districts.values()))
    assert abs(union.area - town_polygon.area) <= RELATIVE_AREA_TOLERANCE * town_polygon.area
    assert union.symmetric_difference(town_polygon).area <= (
        RELATIVE_AREA_TOLERANCE * town_polygon.area
    )
    for a, b in itertools.combinations(districts.values(), 2):
        assert a.intersection(b).area == 0


def test_each_chome_lies_in_exactly_one_district_and_names_it(town, chome):
    codes = {f["properties"]["name"]: f["properties"]["code"] for f in town.layer2["features"]}
    polygons = {codes[f["properties"]["name"]]: shape(f["geometry"]) for f in town.layer2["features"]}  # fmt: skip
    for properties, polygon in chome:
        containing = [code for code, district in polygons.items() if polygon.within(district)]
        assert containing == [properties["parent_code"]], properties["name"]


def test_chome_tile_their_district(town, chome):
    for feature in town.layer2["features"]:
        district = shape(feature["geometry"])
        members = [p for props, p in chome if props["parent_code"] == feature["properties"]["code"]]
        assert len(members) >= 3
        union = unary_union(members)
        assert union.symmetric_difference(district).area <= (
            RELATIVE_AREA_TOLERANCE * district.area
        )
        for a, b in itertools.combinations(members, 2):
            assert a.intersection(b).area == 0


def test_resources_lie_inside_the_town_and_walkable_ones_inside_a_district(
    town, town_polygon, districts
):
    for row in town.resources:
        assert town_polygon.covers(_point(row)), row["出典ID"]
        if row["対象範囲"] == "徒歩圏":
            assert any(d.covers(_point(row)) for d in districts.values()), row["出典ID"]


# --- population ---------------------------------------------------------------------------------


def test_bands_add_up(chome):
    for properties, _ in chome:
        bands = [properties[f"pop_{band}"] for band in AGE_BANDS]
        assert all(isinstance(n, int) and n >= 0 for n in bands)
        assert sum(bands) == properties["pop_total"]
        assert sum(properties[b] for b in BANDS_65_OVER) == properties["pop_65"]
        assert sum(properties[b] for b in BANDS_75_OVER) == properties["pop_75"]


def test_town_population_and_ageing(chome):
    total = sum(p["pop_total"] for p, _ in chome)
    over_65 = sum(p["pop_65"] for p, _ in chome)
    assert 25_000 <= total <= 35_000
    assert 0.30 <= over_65 / total <= 0.38
    rates = [p["pop_65"] / p["pop_total"] for p, _ in chome]
    assert max(rates) >= 0.43  # the old hillside 団地
    assert min(rates) <= 0.23  # the new suburb


def test_some_districts_are_under_served(town, districts, chome):
    """Gap analysis needs something to find: 通いの場 per 65+ resident varies a lot."""
    by_name = {f["properties"]["code"]: f["properties"]["name"] for f in town.layer2["features"]}
    over_65 = collections.Counter()
    for properties, _ in chome:
        over_65[by_name[properties["parent_code"]]] += properties["pop_65"]
    places = collections.Counter(
        _district_of(row, districts) for row in town.resources if row["種別"] in GATHERING_KINDS
    )
    rates = sorted(places[name] / over_65[name] for name in districts)
    town_rate = sum(places.values()) / sum(over_65.values())
    assert rates[0] < 0.5 * town_rate
    assert rates[1] < 0.6 * town_rate
    assert rates[-1] > town_rate


# --- resource rows ------------------------------------------------------------------------------


def test_rows_have_exactly_the_columns_in_order(town):
    for row in town.resources:
        assert list(row) == list(COLUMNS)
        assert all(isinstance(value, str) for value in row.values())


def test_source_ids_are_unique(town):
    ids = [row["出典ID"] for row in town.resources]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"demo-\d{4}", i) for i in ids)


def test_field_values(town, districts):
    for row in town.resources:
        where = row["出典ID"]
        assert row["種別"] in KINDS, where
        assert re.fullmatch(r"[ぁ-ゖー]+", row["名称かな"]), where
        assert row["住所"].startswith(demo.DEMO_TOWN_NAME), where
        assert re.fullmatch(r"\d{2,3}\.\d{6}", row["緯度"]), where
        assert re.fullmatch(r"\d{2,3}\.\d{6}", row["経度"]), where
        assert row["位置の精度"] in ("番地", "丁目"), where
        assert row["対象範囲"] in ("徒歩圏", "区域", "町全域"), where
        if row["対象範囲"] == "区域":
            assert set(row["対象区域"].split("、")) <= set(districts), where
        else:
            assert row["対象区域"] == "", where
        assert row["開催日時"], where
        assert row["定員"] == "" or row["定員"].isdigit(), where
        assert row["送迎"] in ("あり", "なし", ""), where
        assert row["飲食"] in ("あり", "なし", ""), where
        assert re.fullmatch(r"0599-00-\d{4}", row["連絡先"]), where
        url = urlparse(row["URL"])
        assert row["URL"] == "" or url.hostname.endswith(".example.jp"), where
        checked = datetime.date.fromisoformat(row["最終確認日"])
        assert datetime.date(2025, 1, 1) <= checked <= datetime.date(2026, 12, 31), where
        assert len(row["タグ"].split("、")) >= 2, where
        assert row["内容"].endswith("。"), where


def test_schedules_are_written_as_people_write_them(town):
    schedules = "".join(row["開催日時"] for row in town.resources)
    for quirk in ("\u2f49", "\u2f47", "\u2fa6", "\u301c", "\uff5e", "~", "\n", "１", "２"):
        assert quirk in schedules, repr(quirk)
    texts = {row["開催日時"] for row in town.resources}
    assert {"随時", "週１回以上", "第１週 10時～", "不定期"} <= texts


def test_private_home_salons_show_only_the_chome(town, chome):
    shakyo = next(row for row in town.resources if row["種別"] == "shakyo")
    assert shakyo["名称"] == SHAKYO_NAME
    homes = [row for row in town.resources if row["位置の精度"] == "丁目"]
    assert 4 <= len(homes) == len(PRIVATE_HOME_SALONS) <= 6
    representative = {
        demo.DEMO_TOWN_NAME + re.sub("([一二三])丁目", lambda m: f"{'一二三'.index(m[1]) + 1}丁目",
                                     props["name"]): polygon.representative_point()
        for props, polygon in chome
    }  # fmt: skip
    for row in homes:
        assert row["種別"] == "salon"
        assert re.fullmatch(r"さくら台町\D+\d丁目", row["住所"]), row["住所"]
        assert row["会場"] == "個人宅"
        assert row["連絡先"] == shakyo["連絡先"]
        point = representative[row["住所"]]
        assert (row["緯度"], row["経度"]) == (f"{point.y:.6f}", f"{point.x:.6f}")


def test_some_buildings_host_several_services(town):
    kinds_at = collections.defaultdict(set)
    for row in town.resources:
        if row["位置の精度"] == "番地":
            kinds_at[(row["緯度"], row["経度"])].add(row["種別"])
    assert max(len(kinds) for kinds in kinds_at.values()) >= 4


# --- files --------------------------------------------------------------------------------------


def test_csv_reads_back_as_the_rows(town, tmp_path):
    path = demo.write_demo_files(town, tmp_path)["resources"]
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.split(b"\r\n", 1)[0].decode("utf-8-sig") == ",".join(COLUMNS)
    assert raw.endswith(b"\r\n")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == list(COLUMNS)
        assert list(reader) == town.resources


def test_geojson_files_read_back_as_the_layers(town, tmp_path):
    paths = demo.write_demo_files(town, tmp_path / "nested" / "dir")
    for layer in ("layer1", "layer2", "layer3"):
        text = paths[layer].read_text(encoding="utf-8")
        assert "\\u" not in text  # written with ensure_ascii=False
        assert getattr(town, layer)["features"][0]["properties"]["name"] in text
        assert json.loads(text) == getattr(town, layer)
        assert paths[layer].name == f"{layer}.geojson"


@pytest.mark.parametrize("seed", [1, 2, 3, 99])
def test_other_seeds_build_a_consistent_town(seed):
    other = demo.build_demo_town(seed)
    town_polygon = shape(other.layer1["features"][0]["geometry"])
    districts = {f["properties"]["code"]: shape(f["geometry"]) for f in other.layer2["features"]}
    union = unary_union(list(districts.values()))
    assert union.symmetric_difference(town_polygon).area <= (
        RELATIVE_AREA_TOLERANCE * town_polygon.area
    )
    for feature in other.layer3["features"]:
        polygon = shape(feature["geometry"])
        assert polygon.is_valid
        assert polygon.within(districts[feature["properties"]["parent_code"]])
    assert all(town_polygon.covers(_point(row)) for row in other.resources)
    assert len(other.resources) == len(demo.build_demo_town().resources)
