"""The read-only JSON API and the home page, on hand-made data."""

from __future__ import annotations

import pytest

from mapapp.importing.resources import ImportOptions, import_resources
from tests.conftest import payloads
from tests.resource_files import own_row, write_csv


@pytest.fixture
def town(cli, crossing_layers, tmp_path, storage, taxonomy):
    cli("import-areas", crossing_layers["junior"], "--layer", "2", "--kind", "中学校区")
    rows = [
        own_row(出典ID="w1", 名称="西のサロン", 経度="137.51", 種別="サロン", タグ="体操、交流"),
        own_row(出典ID="w2", 名称="西の体操", 経度="137.515", 種別="体操教室", 状態="休止中"),
        own_row(出典ID="e1", 名称="東の居場所", 経度="137.53", 種別="居場所"),
        own_row(出典ID="x1", 名称="遠くの薬局", 緯度="34.80", 経度="137.60", 種別="薬局"),
    ]
    import_resources(storage, write_csv(tmp_path / "town.csv", rows), taxonomy)


def test_areas_as_geojson_with_counts(client, town):
    body = client.get("/api/areas").get_json()
    assert body["type"] == "FeatureCollection"
    by_name = {f["properties"]["name"]: f for f in body["features"]}
    assert set(by_name) == {"西中学校区", "東中学校区"}
    west = by_name["西中学校区"]
    assert west["geometry"]["type"] == "Polygon"
    assert west["properties"]["resource_counts"] == {"salon": 1, "taiso": 1}
    assert west["properties"]["layer"] == 2
    assert client.get("/api/areas?layer=3").get_json()["features"] == []


def test_resources_filter_by_area_kind_and_status(client, town):
    west_id = next(
        f["id"]
        for f in client.get("/api/areas").get_json()["features"]
        if f["properties"]["name"] == "西中学校区"
    )
    body = client.get(f"/api/resources?area={west_id}").get_json()
    assert body["total"] == 2
    assert {f["properties"]["name"] for f in body["features"]} == {"西のサロン", "西の体操"}
    feature = body["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [137.51, 34.705]}
    props = feature["properties"]
    assert props["kind"] == "salon" and props["kind_label"] == "サロン"
    assert props["areas"] == [
        {"id": west_id, "name": "西中学校区", "layer": 2, "kind_label": "中学校区"}
    ]
    assert props["tags"] == ["交流", "体操"]
    everything = client.get("/api/resources?status=active,paused,preparing,closed").get_json()
    assert everything["total"] == 4
    only_paused = client.get("/api/resources?status=paused").get_json()
    assert [f["properties"]["name"] for f in only_paused["features"]] == ["西の体操"]
    kinds = client.get("/api/resources?kind=salon,ibasho").get_json()
    assert kinds["total"] == 2


def test_paging(client, town):
    first = client.get("/api/resources?limit=3").get_json()
    second = client.get("/api/resources?limit=3&offset=3").get_json()
    assert first["total"] == second["total"] == 4
    assert len(first["features"]) == 3 and len(second["features"]) == 1
    ids = [f["id"] for f in first["features"] + second["features"]]
    assert ids == sorted(ids) and len(set(ids)) == 4


def test_one_resource_and_not_found(client, town):
    listing = client.get("/api/resources?limit=1").get_json()
    rid = listing["features"][0]["id"]
    one = client.get(f"/api/resources/{rid}").get_json()
    assert one["properties"]["id"] == rid
    missing = client.get("/api/resources/999999")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("limit=abc", "limit"),
        ("offset=-1", "offset"),
        ("area=x", "area"),
        ("kind=spaceship", "kind"),
        ("status=sleeping", "status"),
    ],
)
def test_bad_parameters_answer_in_one_error_shape(client, town, query, field):
    response = client.get(f"/api/resources?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter" and error["field"] == field and error["message"]


def test_unknown_api_path_is_json(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404


def test_home_lists_areas_with_counts_and_outside(client, town):
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "charset=utf-8" in page.headers["Content-Type"]
    assert "西中学校区" in html and "東中学校区" in html and "区域外" in html
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_error_page_is_japanese_html(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "お探しのページは見つかりませんでした" in page.get_data(
        as_text=True
    )


def test_hostile_text_comes_back_as_text(client, tmp_path, storage, taxonomy):
    from shapely.geometry import box

    from mapapp.importing.areas import import_areas
    from mapapp.text import normalize_line
    from tests.conftest import write_geojson

    texts = payloads()
    squares = [
        (
            {"name": p, "code": f"A{i}"},
            box(137.5 + i * 0.001, 34.7, 137.5 + (i + 1) * 0.001, 34.701),
        )
        for i, p in enumerate(texts)
    ]
    import_areas(
        storage, write_geojson(tmp_path / "a.geojson", squares), layer=2, kind_label="地区"
    )
    rows = [
        own_row(
            出典ID=f"p{i}",
            名称=p,
            会場=p,
            運営団体=p,
            開催日時=p,
            参加費=p,
            住所=p,
            緯度="34.7005",
            経度=f"{137.5005 + i * 0.001:.4f}",
        )
        for i, p in enumerate(texts)
    ]
    import_resources(
        storage, write_csv(tmp_path / "p.csv", rows), taxonomy, ImportOptions(profile="own")
    )

    features = client.get("/api/resources?limit=500").get_json()["features"]
    assert {f["properties"]["name"] for f in features} == {normalize_line(p) for p in texts}
    assert {f["properties"]["schedule_text"] for f in features} == {p.strip() for p in texts}
    assert {f["properties"]["organization"] for f in features} == {normalize_line(p) for p in texts}
    areas = client.get("/api/areas").get_json()["features"]
    assert {a["properties"]["name"] for a in areas} == {normalize_line(p) for p in texts}

    html = client.get("/").get_data(as_text=True)
    for dangerous in (
        "<script>alert",
        "<img src=x",
        "<svg",
        "<iframe",
        "<details open",
        "onerror=alert(1)>",
    ):
        assert dangerous not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{7*7}}" in html and ">49<" not in html
