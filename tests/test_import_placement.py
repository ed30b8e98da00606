"""Lists without coordinates, as 社協 and cities publish them, land on the map with how each
point was found; what cannot be placed is kept, without a point, and listed for staff.

The fixtures are written here in the shapes of real files of three towns other than 湖西市
(names and points made up): 竹田市's サロン list with addresses only and a 位置参照情報
gazetteer, 松戸市's facility list and a サロン list with only 名称・開催日時・会場, and
新潟市中央区's list with 丁目 addresses against an e-Stat table of representative points.
"""

from __future__ import annotations

import csv
import io

import pytest
from shapely.geometry import box
from sqlalchemy import select

from mapapp.importing.errors import RowsRejected
from mapapp.importing.placing import GeocoderSettings
from mapapp.importing.resources import ImportOptions, import_resources
from mapapp.models import GeocodeCache, Placement, Resource
from tests.address_service import address_service
from tests.conftest import write_geojson


def write_csv(path, header, rows, encoding="utf-8-sig"):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


# 国土交通省 位置参照情報 大字・町丁目レベル, as published: CP932, every value quoted.
GAZETTEER_HEADER = [
    "都道府県コード", "都道府県名", "市区町村コード", "市区町村名", "大字町丁目コード",
    "大字町丁目名", "緯度", "経度", "原典資料コード", "大字・字・丁目区分コード",
]  # fmt: skip
TAKETA_GAZETTEER = [
    ["44", "大分県", "44208", "竹田市", "442080001000", "大字竹田", "32.974000", "131.398000", "3", "1"],
    ["44", "大分県", "44208", "竹田市", "442080002000", "玉来", "32.962000", "131.387000", "3", "1"],
    ["44", "大分県", "44208", "竹田市", "442080003000", "会々", "32.968000", "131.408000", "3", "1"],
    ["44", "大分県", "44208", "竹田市", "442080101000", "久住町大字久住", "33.040000", "131.250000", "3", "1"],
    ["44", "大分県", "44208", "竹田市", "442080201000", "直入町大字長湯", "33.070000", "131.370000", "3", "1"],
    ["44", "大分県", "44212", "豊後大野市", "442120301000", "清川町大字竹田", "32.979000", "131.480000", "3", "1"],
]  # fmt: skip

# 竹田市社協's list of サロン: addresses, no coordinates, hours in their own column.
TAKETA_SALONS_HEADER = [
    "No",
    "地区",
    "サロン名",
    "開催場所",
    "住所",
    "開催日",
    "時間",
    "参加費",
    "連絡先",
]
TAKETA_SALONS = [
    ["1", "竹田", "ふれあいサロン竹田", "竹田地区公民館", "竹田市大字竹田１６５０番地", "毎月第2水曜日", "10:00～12:00", "100円", "竹田市社協 0974-63-0000"],
    ["2", "玉来", "玉来いきいきサロン", "玉来集会所", "竹田市玉来５７２－１", "毎月第1・第3金曜日", "13:30～15:00", "無料", ""],
    ["3", "久住", "くじゅう茶話会", "久住公民館", "竹田市久住町大字久住6026番地1", "毎週火曜日", "9時半～11時半", "200円", ""],
    ["4", "直入", "長湯ふれあいサロン", "長湯温泉交流館", "大分県竹田市直入町大字長湯８０４３", "第4木曜日", "10時～", "100円", ""],
    ["5", "全域", "出張サロン", "各地区の集会所", "", "随時", "", "", "竹田市社協 0974-63-0000"],
]  # fmt: skip


@pytest.fixture
def taketa(tmp_path, cli):
    gazetteer = write_csv(
        tmp_path / "44000-17.0b.csv", GAZETTEER_HEADER, TAKETA_GAZETTEER, encoding="cp932"
    )
    loaded = cli("import-gazetteer", gazetteer)
    assert loaded.exit_code == 0, loaded.output
    assert "町丁目・大字 6 件" in loaded.output
    return write_csv(
        tmp_path / "taketa_salons.csv", TAKETA_SALONS_HEADER, TAKETA_SALONS, encoding="cp932"
    )


def resources(storage) -> dict[str, Resource]:
    with storage.reading() as session:
        return {r.name: r for r in session.scalars(select(Resource))}


def test_a_salon_list_with_addresses_only_lands_on_the_map(taketa, cli, storage):
    result = cli("import-resources", taketa, "--kind", "サロン")
    assert result.exit_code == 0, result.output
    assert "位置の精度: 大字 4、位置なし 1" in result.output
    assert "6行目 出張サロン: 住所も、地図にある会場もありません" in result.output
    found = resources(storage)
    assert len(found) == 5
    salon = found["ふれあいサロン竹田"]
    assert (salon.lat, salon.lon) == (32.974, 131.398)  # 竹田市's 大字竹田, not 豊後大野市's
    assert salon.placement == Placement.OAZA
    assert salon.placement_note == "竹田市大字竹田の代表点"
    assert found["くじゅう茶話会"].placement_note == "竹田市久住町大字久住の代表点"
    assert found["長湯ふれあいサロン"].lat == 33.07
    assert salon.schedule_text == "毎月第2水曜日 10:00～12:00"
    assert found["くじゅう茶話会"].open_weekdays == 0b10  # 火曜日
    unplaced = found["出張サロン"]
    assert (unplaced.lat, unplaced.lon, unplaced.placement) == (None, None, Placement.NONE)
    assert unplaced.outside_areas is False  # 位置なし is not 区域外

    listed = cli("review-places")
    lines = listed.stdout.splitlines()
    assert lines[0] == "ID\t名称\t会場\t住所\t位置の精度\t位置の根拠・理由"
    assert lines[1].split("\t")[1:] == [
        "出張サロン", "各地区の集会所", "", "位置なし", "住所も、地図にある会場もありません",
    ]  # fmt: skip
    assert len(lines) == 6  # the four 大字 points are listed for checking too

    again = cli("import-resources", taketa, "--kind", "サロン")
    assert "新規 0、更新 0、変更なし 5" in again.output


def test_require_point_refuses_the_rows_that_cannot_be_placed(taketa, storage, taxonomy):
    with pytest.raises(RowsRejected) as refused:
        import_resources(
            storage, taketa, taxonomy, ImportOptions(kind="サロン", require_point=True)
        )
    assert [str(e) for e in refused.value.errors] == [
        "6行目「緯度・経度」: 位置がわかりません（住所も、地図にある会場もありません）"
    ]
    assert resources(storage) == {}


def test_an_unplaced_resource_has_a_page_and_api_entry_but_no_map(taketa, cli, client, storage):
    cli("import-resources", taketa, "--kind", "サロン")
    unplaced = resources(storage)["出張サロン"]
    page = client.get(f"/resources/{unplaced.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "地図上の場所はまだ登録されていません" in text
    assert "leaflet" not in text.lower() or "map-" not in text
    api = client.get(f"/api/resources/{unplaced.id}").get_json()
    assert api["geometry"] is None
    assert api["properties"]["placement"] == "none"
    search = client.get("/api/resources", query_string={"q": "出張サロン"}).get_json()
    assert search["features"][0]["properties"]["name"] == "出張サロン"
    near = client.get("/api/resources", query_string={"near": "32.974,131.398"}).get_json()
    assert "出張サロン" not in [f["properties"]["name"] for f in near["features"]]
    rough = resources(storage)["ふれあいサロン竹田"]
    assert "おおよその位置" in client.get(f"/resources/{rough.id}").get_data(as_text=True)


# 松戸市: the city's facility list (自治体標準オープンデータセット 公共施設一覧) with points …
FACILITY_HEADER = ["ID", "名称", "名称_カナ", "住所", "方書", "緯度", "経度", "電話番号"]
MATSUDO_FACILITIES = [
    ["1001", "六実市民センター", "ムツミシミンセンター", "千葉県松戸市六実4-6-1", "", "35.786200", "139.994800", "047-000-0001"],
    ["1002", "常盤平市民センター", "トキワダイラシミンセンター", "千葉県松戸市常盤平3-30", "", "35.796000", "139.956000", "047-000-0002"],
    ["1003", "小金原市民センター", "コガネハラシミンセンター", "千葉県松戸市小金原2-1-1", "", "35.822000", "139.940000", "047-000-0003"],
]  # fmt: skip
# … and the 社協's salon list: only 名称, 開催日時 and 会場.
MATSUDO_SALONS = [
    ["六実ふれあいサロン", "毎月第2火曜日 13:30～15:30", "六実市民センター 和室"],
    ["ときわだいらおしゃべりカフェ", "毎週木曜日 10時～12時", "常磐平市民ｾﾝﾀｰ（2階）"],
    ["小金原げんき体操", "毎月第1・第3月曜日 10:00～11:00", "小金原市民センター"],
    ["ふじ茶話会", "毎月第4土曜日", "ふじ集会所"],
]  # fmt: skip


def test_a_list_of_names_dates_and_venues_lands_on_its_venues(tmp_path, cli, storage):
    facilities = write_csv(tmp_path / "matsudo_facilities.csv", FACILITY_HEADER, MATSUDO_FACILITIES)
    done = cli("import-resources", facilities, "--kind", "other", "--profile", "standard")
    assert done.exit_code == 0, done.output
    salons = write_csv(tmp_path / "salons.csv", ["名称", "開催日時", "会場"], MATSUDO_SALONS)
    result = cli("import-resources", salons, "--kind", "サロン")
    assert result.exit_code == 0, result.output
    assert "位置の精度: 会場 3、位置なし 1" in result.output
    found = resources(storage)
    assert (found["六実ふれあいサロン"].lat, found["六実ふれあいサロン"].lon) == (35.7862, 139.9948)
    cafe = found["ときわだいらおしゃべりカフェ"]
    assert (cafe.lat, cafe.placement) == (35.796, Placement.VENUE)
    assert cafe.placement_note == "会場「常磐平市民センター(2階)」を「常盤平市民センター」の位置に"
    assert found["ふじ茶話会"].placement == Placement.NONE


# 新潟市中央区: e-Stat 小地域 attributes with representative points (X_CODE 経度, Y_CODE 緯度).
ESTAT_HEADER = [
    "KEY_CODE",
    "PREF",
    "CITY",
    "S_AREA",
    "PREF_NAME",
    "CITY_NAME",
    "S_NAME",
    "X_CODE",
    "Y_CODE",
]
NIIGATA_POINTS = [
    ["151030010001", "15", "103", "010001", "新潟県", "新潟市中央区", "東大通一丁目", "139.060000", "37.912000"],
    ["151030010002", "15", "103", "010002", "新潟県", "新潟市中央区", "東大通二丁目", "139.062000", "37.910000"],
    ["151030020003", "15", "103", "020003", "新潟県", "新潟市中央区", "万代三丁目", "139.055000", "37.915000"],
    ["151030030005", "15", "103", "030005", "新潟県", "新潟市中央区", "古町通五番町", "139.045000", "37.923000"],
]  # fmt: skip


def test_chome_addresses_against_an_estat_table(tmp_path, cli, storage):
    points = write_csv(tmp_path / "h27ka15103.csv", ESTAT_HEADER, NIIGATA_POINTS, "cp932")
    assert cli("import-gazetteer", points).exit_code == 0
    rows = [
        ["ID", "名称", "住所", "開催日時"],
        ["n1", "東大通ふれあいの会", "新潟市中央区東大通2-3-4", "毎週月曜日 10:00-11:30"],
        ["n2", "万代カフェ", "中央区万代３丁目５番１号 ○○ビル1階", "毎月15日"],
        ["n3", "古町茶の間", "新潟県新潟市中央区古町通5番町600", "毎週水・金曜日"],
    ]
    salons = write_csv(tmp_path / "niigata.csv", rows[0], rows[1:])
    result = cli("import-resources", salons, "--kind", "ibasho")
    assert result.exit_code == 0, result.output
    found = resources(storage)
    assert {n: (r.lat, r.lon, r.placement) for n, r in found.items()} == {
        "東大通ふれあいの会": (37.910, 139.062, Placement.CHOME),
        "万代カフェ": (37.915, 139.055, Placement.CHOME),
        "古町茶の間": (37.923, 139.045, Placement.CHOME),
    }


def test_layer3_areas_place_addresses_and_the_areas_follow(tmp_path, cli, storage, crossing_layers):
    assert (
        cli(
            "import-areas", crossing_layers["junior"], "--layer", "2", "--kind", "中学校区"
        ).exit_code
        == 0
    )
    neighbourhoods = write_geojson(
        tmp_path / "chocho.geojson",
        [
            ({"name": "本町一丁目"}, box(137.50, 34.70, 137.51, 34.71)),
            ({"name": "本町二丁目"}, box(137.53, 34.70, 137.54, 34.71)),
        ],
    )
    assert cli("import-areas", neighbourhoods, "--layer", "3", "--kind", "町丁").exit_code == 0
    rows = [["名称", "住所", "開催日時"], ["本町サロン", "本町2-3-5", "毎週火曜日"]]
    salons = write_csv(tmp_path / "honmachi.csv", rows[0], rows[1:])
    assert cli("import-resources", salons, "--kind", "サロン").exit_code == 0
    with storage.reading() as session:
        salon = session.scalars(select(Resource)).one()
        assert salon.placement == Placement.CHOME
        assert 137.53 < salon.lon < 137.54 and 34.70 < salon.lat < 34.71
        assert {a.name for a in salon.areas} == {"東中学校区", "本町二丁目"}


def test_the_address_service_is_used_only_when_configured_and_remembered(
    taketa, storage, taxonomy, tmp_path
):
    rows = [["名称", "住所"], ["拝田原サロン", "竹田市拝田原777"], ["どこかの会", "竹田市どこか1"]]
    listing = write_csv(tmp_path / "haitabaru.csv", rows[0], rows[1:])
    with address_service() as (url, asked):
        # Not configured (the default): nothing is asked, the rows are kept without a point.
        report = import_resources(storage, listing, taxonomy, ImportOptions(kind="サロン"))
        assert report.placement.by_placement == {Placement.NONE: 2}
        assert asked == []
        options = ImportOptions(kind="サロン", geocoder=GeocoderSettings(url, 0.0))
        report = import_resources(storage, listing, taxonomy, options)
        assert report.placement.by_placement == {Placement.GEOCODER: 1, Placement.NONE: 1}
        found = resources(storage)["拝田原サロン"]
        assert (found.lat, found.lon) == (32.97, 131.395)
        assert found.placement_note == "住所検索「大分県竹田市拝田原777」"
        import_resources(storage, listing, taxonomy, options)  # answers come from the cache
        assert asked == ["竹田市拝田原777", "竹田市どこか1"]
    with storage.reading() as session:
        cached = {c.query: c.lat for c in session.scalars(select(GeocodeCache))}
    assert cached == {"竹田市拝田原777": 32.97, "竹田市どこか1": None}
