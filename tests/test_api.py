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
        ("limit=501", "limit"),  # API_PAGE_LIMIT
        ("limit=abc", "limit"),
        ("limit=", "limit"),
        ("offset=-1", "offset"),
        ("area=x", "area"),
        ("kind=spaceship", "kind"),
        ("kind=salon&kind=ibasho", "kind"),
        ("status=sleeping", "status"),
        ("free=yes", "free"),
        ("pickup=true", "pickup"),
        ("this_week=2", "this_week"),
        ("weekday=1&weekday=2", "weekday"),
        ("date=2026-6-11", "date"),
        ("date=9999-12-31", "date"),
        ("near=0,0", "near"),
        ("radius_m=50001", "radius_m"),
        ("q=" + "あ" * 101, "q"),
    ],
)
def test_bad_parameters_answer_in_one_error_shape(client, query, field):
    response = client.get(f"/api/resources?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter" and error["field"] == field and error["message"]
    assert error["status"] == 400


def test_unknown_parameters_are_refused_by_name(client):
    error = client.get("/api/resources?kinds=salon").get_json()["error"]
    assert (error["code"], error["field"]) == ("unknown_parameter", "kinds")
    assert "「kinds」というパラメーターはありません" in error["message"]


@pytest.mark.parametrize("day", [f"9999-12-{d}" for d in range(25, 32)])
@pytest.mark.parametrize(
    "path",
    [
        "/api/resources",
        "/areas/1",
        "/areas/1/print",
        "/areas/1.ics",
        "/near?lat=34.705&lon=137.51&",
        "/search?q=サロン&",
        "/search/print?q=サロン&",
    ],
)
def test_dates_at_the_end_of_the_calendar_are_refused_not_a_500(client, path, day):
    response = client.get(f"{path}{'' if path.endswith('&') else '?'}date={day}")
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.get_json()["error"]["field"] == "date"
    else:
        assert "日にち（date）は 2000-01-01 から" in response.get_data(as_text=True)


def test_a_search_error_from_the_domain_answers_in_the_error_shape(app):
    from mapapp.search import InvalidSearch

    def refuse():
        raise InvalidSearch("near", "日本の範囲外です")

    app.add_url_rule("/api/refuse", "refuse", refuse)
    app.add_url_rule("/refuse", "refuse_page", refuse)
    client = app.test_client()
    error = client.get("/api/refuse").get_json()["error"]
    assert error == {
        "status": 400,
        "code": "invalid_parameter",
        "message": "日本の範囲外です",
        "field": "near",
    }
    page = client.get("/refuse")
    assert page.status_code == 400 and "日本の範囲外です" in page.get_data(as_text=True)


def test_other_methods_get_405_with_allow(client):
    api = client.post("/api/resources")
    assert api.status_code == 405 and set(api.headers["Allow"].split(", ")) == {"GET", "HEAD"}
    assert api.get_json()["error"]["code"] == "method_not_allowed"
    page = client.delete("/search")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]
    assert "この操作はできません" in page.get_data(as_text=True)


def test_options_under_api_answers_in_the_error_shape(client):
    response = client.options("/api/resources")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert response.get_json()["error"]["status"] == 405
    missing = client.options("/api/nothing")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_too_large_headers_get_431_in_the_error_shape(client):
    from mapapp.web import MAX_HEADER_BYTES

    big = {"X-Filler": "x" * MAX_HEADER_BYTES}
    api = client.get("/api/areas", headers=big)
    assert api.status_code == 431
    assert api.get_json()["error"]["code"] == "request_header_fields_too_large"
    page = client.get("/", headers=big)
    assert page.status_code == 431 and "ヘッダーが大きすぎます" in page.get_data(as_text=True)
    assert client.get("/api/areas", headers={"X-Filler": "x" * 1000}).status_code == 200


def test_content_types_are_the_documented_ones(client, town):
    doc = client.get("/api/openapi.json")
    assert doc.mimetype == "application/json"
    paths = doc.get_json()["paths"]
    rid = client.get("/api/resources?limit=1").get_json()["features"][0]["id"]
    for url, path in [
        ("/api/areas", "/api/areas"),
        ("/api/resources?q=サロン", "/api/resources"),
        (f"/api/resources/{rid}", "/api/resources/{id}"),
        ("/api/openapi.json", "/api/openapi.json"),
        (f"/resources/{rid}.ics", "/resources/{id}.ics"),
    ]:
        response = client.get(url)
        assert response.status_code == 200
        assert [response.mimetype] == list(paths[path]["get"]["responses"]["200"]["content"])


def test_status_narrows_a_search_too(client, town, tmp_path, storage, taxonomy):
    closed = [own_row(出典ID="c1", 名称="閉じたサロン", 経度="137.512", 状態="終了")]
    import_resources(storage, write_csv(tmp_path / "closed.csv", closed), taxonomy)

    def names(query):
        body = client.get(f"/api/resources?{query}").get_json()
        return {f["properties"]["name"] for f in body["features"]}

    assert names("q=サロン") == {"西のサロン"}  # 終了 is left out unless asked for
    assert names("q=サロン&status=closed") == {"閉じたサロン"}
    assert names("q=サロン&status=active,closed") == {"西のサロン", "閉じたサロン"}
    assert names("q=体操&status=paused") == {"西の体操"}
    assert names("near=34.705,137.51&radius_m=500&status=paused") == {"西の体操"}
    assert names("status=closed") == {"閉じたサロン"}  # and the plain list, as before


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

    from mapapp.importing.boundaries import import_areas
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
