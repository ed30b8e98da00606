"""The resident pages, rendered by Flask on the demo town (no browser)."""

from __future__ import annotations

import re

import pytest

from mapapp.web import tile_origin

EXTERNAL = re.compile(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}""", re.IGNORECASE)


@pytest.fixture(scope="module")
def demo_client(tmp_path_factory):
    from click.testing import CliRunner

    from mapapp import create_app
    from mapapp.cli import main
    from mapapp.storage import get_storage

    directory = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{directory / 'demo.sqlite3'}"
    result = CliRunner().invoke(
        main, ["demo"], env={"MAPAPP_DATABASE_URL": url, "MAPAPP_SECRET_KEY": "t"}
    )
    assert result.exit_code == 0, result.output
    app = create_app(
        {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "t"}, instance_path=directory
    )
    yield app.test_client()
    get_storage(app).dispose()


def area_ids(client) -> dict[str, int]:
    areas = client.get("/api/areas?layer=2").get_json()["features"]
    return {a["properties"]["name"]: a["id"] for a in areas}


def pages(client) -> list[str]:
    first = client.get("/api/resources?limit=1").get_json()["features"][0]["id"]
    area = next(iter(area_ids(client).values()))
    return [
        "/", f"/areas/{area}", f"/areas/{area}/print", f"/resources/{first}", "/near",
        "/near?lat=35.04&lon=137.06", "/search", "/search?q=たいそう", "/search/print?q=たいそう",
    ]  # fmt: skip


def test_every_public_page_renders(demo_client):
    for path in pages(demo_client):
        response = demo_client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"


def test_no_page_names_an_external_host_but_the_tiles(demo_client):
    allowed = tile_origin("https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png").split("//")[1]
    for path in pages(demo_client):
        html = demo_client.get(path).get_data(as_text=True)
        hosts = {m.split("//")[1].lower() for m in EXTERNAL.findall(html)}
        assert hosts <= {allowed, "www.w3.org"}, (path, hosts)  # w3.org: the SVG namespace


def test_area_page_lists_and_maps_the_same_resources(demo_client):
    area = area_ids(demo_client)["中央地区"]
    html = demo_client.get(f"/areas/{area}").get_data(as_text=True)
    listed = re.findall(r'<li class="card[^"]*" id="r(\d+)"', html)
    mapped = re.findall(r'"id": (\d+), "kind"', html)
    api = demo_client.get(f"/api/resources?area={area}&limit=500").get_json()
    active = {str(f["id"]) for f in api["features"] if f["properties"]["status"] != "closed"}
    assert set(listed) == set(mapped) == active


def test_area_filters_narrow_map_and_list_together(demo_client):
    area = area_ids(demo_client)["中央地区"]
    html = demo_client.get(f"/areas/{area}?kind=salon&weekday=1").get_data(as_text=True)
    listed = re.findall(r'id="r(\d+)"', html)
    assert listed, "中央地区 has サロン that meet on Tuesdays"
    for rid in listed:
        feature = demo_client.get(f"/api/resources/{rid}").get_json()
        assert feature["properties"]["kind"] == "salon"
    everything = re.findall(
        r'id="r(\d+)"', demo_client.get(f"/areas/{area}").get_data(as_text=True)
    )
    assert len(listed) < len(everything)


def test_free_and_pickup_filters(demo_client):
    area = area_ids(demo_client)["中央地区"]
    free = demo_client.get(f"/areas/{area}?free=1").get_data(as_text=True)
    for fee in re.findall(r"<dt>参加費</dt><dd class=\"pre\">([^<]*)</dd>", free):
        assert "無料" in fee
    pickup = demo_client.get(f"/areas/{area}?pickup=1").get_data(as_text=True)
    assert pickup.count('<li class="card') == pickup.count("<dt>送迎</dt><dd>あり</dd>") >= 1


def test_bad_filter_values_get_a_japanese_page(demo_client):
    response = demo_client.get("/areas/1?weekday=9")
    assert response.status_code == 400
    assert "曜日（weekday）は 0 から 6 までの整数で指定してください" in response.get_data(
        as_text=True
    )
    assert demo_client.get("/near?lat=north&lon=137").status_code == 400
    assert demo_client.get("/near?lat=0&lon=0").status_code == 400
    assert demo_client.get("/areas/99999").status_code == 404


def test_private_home_shows_only_the_chome(demo_client):
    features = demo_client.get("/api/resources?limit=500").get_json()["features"]
    homes = [f for f in features if f["properties"]["location_precision"] == "chome"]
    assert len(homes) >= 4
    for home in homes:
        html = demo_client.get(f"/resources/{home['id']}").get_data(as_text=True)
        assert "丁目までの表示です" in html
        assert not re.search(r"丁目\d", home["properties"]["address"])


def test_resource_page_shows_next_dates_and_nearby(demo_client):
    features = demo_client.get("/api/resources?kind=salon&limit=500").get_json()["features"]
    weekly = next(
        f
        for f in features
        if f["properties"]["status"] == "active" and "毎週" in f["properties"]["schedule_text"]
    )
    html = demo_client.get(f"/resources/{weekly['id']}").get_data(as_text=True)
    assert "<dt>次回</dt>" in html and re.search(r"\d+月\d+日\([月火水木金土日]\)", html)
    assert "近くにあるもの" in html


def test_search_says_when_nothing_matches(demo_client):
    html = demo_client.get("/search?q=ぞうさんのすべりだい").get_data(as_text=True)
    assert "見つかりませんでした" in html and '<li class="card' not in html


@pytest.mark.parametrize(
    "typed", ["ふれあいかいかん", "ﾌﾚｱｲ会館", "ふれあい会館", "フレアイカイカン"]
)
def test_search_finds_the_hall_however_it_is_typed(demo_client, typed):
    body = demo_client.get(f"/api/resources?q={typed}").get_json()
    assert body["total"] >= 1
    assert all(f["properties"]["venue"] == "西山ふれあい会館" for f in body["features"][:3])


def test_nearby_api_sorts_by_distance_and_reports_it(demo_client):
    body = demo_client.get("/api/resources?near=35.04,137.06&radius_m=1000&limit=500").get_json()
    distances = [f["properties"]["distance_m"] for f in body["features"]]
    assert (
        distances == sorted(distances) and distances[-1] <= 1000 and body["total"] == len(distances)
    )


def test_print_page_has_qr_map_and_numbered_list(demo_client):
    area = area_ids(demo_client)["西山地区"]
    html = demo_client.get(f"/areas/{area}/print").get_data(as_text=True)
    assert html.count('<span class="num">') >= 5
    assert 'class="print-map"' in html and "<svg" in html
    # No PUBLIC_URL: no QR code, and the page says why (the Host header is never printed).
    assert "最新の情報を見る" not in html and "QRコードとアドレスは印刷されません" in html
    app = demo_client.application
    app.config["PUBLIC_URL"] = "https://map.example.lg.jp"
    try:
        html = demo_client.get(f"/areas/{area}/print").get_data(as_text=True)
    finally:
        app.config["PUBLIC_URL"] = ""
    assert "最新の情報を見る" in html and f"https://map.example.lg.jp/areas/{area}" in html


def test_openapi_describes_the_api(demo_client):
    doc = demo_client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert {"/api/areas", "/api/resources", "/api/resources/{id}", "/areas/{id}.ics"} <= set(
        doc["paths"]
    )
    names = {p["name"] for p in doc["paths"]["/api/resources"]["get"]["parameters"]}
    assert {"q", "near", "radius_m", "kind", "weekday", "limit"} <= names


def test_kinds_css_matches_the_taxonomy(demo_client):
    css = demo_client.get("/kinds.css").get_data(as_text=True)
    assert ".kind-salon{--kind-color:#b3261e}" in css
