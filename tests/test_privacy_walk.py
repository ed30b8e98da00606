"""A walk of every public output for a private home (居宅サロン): no exact address, venue or
point anywhere, areas and distances from the public point, and no exact values in history."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import select

from mapapp.importing.resources import import_resources
from mapapp.models import Area, Change, Resource
from tests.conftest import WEST
from tests.resource_files import own_row, write_csv

# The house, as the organiser's list gives it before it is marked a private home.
HOUSE = {
    "住所": "さくら台町本町2丁目3-5 山田方",
    "会場": "山田宅",
    "緯度": "34.705123",
    "経度": "137.501234",
    "内容": "山田宅（さくら台町本町2丁目3-5 山田方）で、お茶とおしゃべり",
    "連絡先": "さくら台町社協 053-000-0000",
}
SECRETS = ("山田", "3-5", "34.7051", "137.5012", "34.70512", "137.50123")
SEARCH_FROM = (34.706, 137.503)  # a neighbour looking for a salon nearby
HALL = own_row(
    出典ID="hall", 名称="本町公民館サロン", 緯度="34.7049", 経度="137.5015", 種別="サロン"
)


@pytest.fixture
def home(tmp_path, storage, taxonomy, cli, crossing_layers):
    assert (
        cli(
            "import-areas", crossing_layers["junior"], "--layer", "2", "--kind", "中学校区"
        ).exit_code
        == 0
    )
    assert (
        cli(
            "import-areas", crossing_layers["elementary"], "--layer", "3", "--kind", "町丁"
        ).exit_code
        == 0
    )
    exact = own_row(
        出典ID="home",
        名称="ひだまりサロン",
        種別="サロン",
        開催日時="毎週火曜日 10:00～11:30",
        **HOUSE,
    )
    path = tmp_path / "list.csv"
    import_resources(storage, write_csv(path, [exact, HALL]), taxonomy)  # first as published
    hidden = {**exact, "位置の精度": "丁目"}
    import_resources(storage, write_csv(path, [hidden, HALL]), taxonomy)  # then marked private
    with storage.reading() as session:
        found = session.scalar(select(Resource).where(Resource.source_key == "home"))
        hall = session.scalar(select(Resource).where(Resource.source_key == "hall"))
        areas = session.scalars(select(Area)).all()
        return found.id, (found.lat, found.lon), hall.id, [a.id for a in areas]


def public_outputs(client, home_id, hall_id, area_ids):
    lat, lon = SEARCH_FROM
    paths = [
        "/", f"/resources/{home_id}", f"/resources/{home_id}.ics", f"/resources/{hall_id}",
        f"/near?near={lat},{lon}", "/search?q=ひだまり", "/search/print?q=ひだまり",
        "/api/resources", f"/api/resources/{home_id}", f"/api/resources?near={lat},{lon}",
        "/api/resources?q=ひだまり", "/api/areas", "/api/areas?layer=3",
    ]  # fmt: skip
    for area_id in area_ids:
        paths += [f"/areas/{area_id}", f"/areas/{area_id}/print", f"/areas/{area_id}.ics"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        yield path, response.get_data(as_text=True)


def test_no_public_output_shows_the_house(home, client):
    home_id, _, hall_id, area_ids = home
    walked = 0
    for path, body in public_outputs(client, home_id, hall_id, area_ids):
        for secret in SECRETS:
            assert secret not in body, (path, secret)
        walked += 1
    assert walked == 13 + 3 * len(area_ids)
    page = client.get(f"/resources/{home_id}").get_data(as_text=True)
    assert "さくら台町本町2丁目" in page and "053-000-0000" in page  # 丁目 and contact stay
    assert "お茶とおしゃべり" in page and "（個人宅）" in page


def test_areas_and_distances_come_from_the_public_point(home, client):
    from shapely.geometry import Point

    home_id, (lat, lon), _, _ = home
    feature = client.get(f"/api/resources/{home_id}").get_json()
    named = {a["name"] for a in feature["properties"]["areas"]}
    published = Point(lon, lat)
    assert "西中学校区" not in named or WEST.covers(published)
    assert feature["geometry"]["coordinates"] == [lon, lat]
    near = client.get("/api/resources?near=34.705123,137.501234&radius_m=3000").get_json()
    distance = next(f["properties"]["distance_m"] for f in near["features"] if f["id"] == home_id)
    # From the house the distance is to the public point: it tells nothing of the house.
    expected = (
        6_371_008.8
        * math.radians(1)
        * math.hypot(lat - 34.705123, (lon - 137.501234) * math.cos(math.radians(lat)))
    )
    assert abs(distance - expected) < max(5.0, expected * 0.01)
    assert distance > 100


def test_the_history_keeps_that_it_changed_not_what_it_was(home, storage):
    home_id = home[0]
    with storage.reading() as session:
        rows = session.scalars(select(Change).where(Change.entity_id == home_id)).all()
    assert {r.field for r in rows} >= {"venue", "address", "lat", "lon", "location_precision"}
    for row in rows:
        for secret in SECRETS:
            assert secret not in (row.old or "") and secret not in (row.new or ""), row.field


# --- needs and volunteers: personal records no public output ever reads ----------------------

PERSON_SECRETS = ("秘密の相談者", "秘密の担い手", "090-9999-0000", "重い袋が持てない", "浜辺3-21")
PUBLIC_MODULES = (
    "mapapp/web/public.py", "mapapp/web/api.py", "mapapp/web/resident.py",
    "mapapp/web/suggest.py", "mapapp/web/openapi.py", "mapapp/search.py",
    "mapapp/search_index.py", "mapapp/listing.py", "mapapp/features.py", "mapapp/maps.py",
    "mapapp/coverage.py", "mapapp/catalog.py",
)  # fmt: skip
PERSON_NAMES = {"Need", "NeedKindLink", "Volunteer", "VolunteerSkill", "Proposal", "PointEntry"}


def test_no_public_output_shows_a_need_or_a_volunteer(home, storage, client, cli, tmp_path):
    from tests.matching_fixtures import need, volunteer

    home_id, _, hall_id, area_ids = home
    lat, lon = SEARCH_FROM
    with storage.transaction() as session:
        n = need(session, "P1", lat, person="秘密の相談者", area_id=area_ids[0])
        n.lon, n.contact, n.address = lon, "090-9999-0000", "さくら台町浜辺3-21"
        n.text = "ゴミ出し。重い袋が持てない"
        v = volunteer(session, "P1", lat, area_id=area_ids[0])
        v.lon, v.label, v.contact = lon, "秘密の担い手", "090-9999-0000"
    walked = 0
    for path, body in public_outputs(client, home_id, hall_id, area_ids):
        for secret in PERSON_SECRETS:
            assert secret not in body, (path, secret)
        walked += 1
    assert walked == 13 + 3 * len(area_ids)
    for fmt in ("csv", "xlsx", "geojson", "mhlw", "hsds"):
        out = tmp_path / f"export.{fmt}"
        assert cli("export", "--format", fmt, "--out", str(out)).exit_code == 0
        data = out.read_bytes()
        if fmt == "xlsx":
            import openpyxl

            book = openpyxl.load_workbook(out, read_only=True)
            data = "\n".join(
                str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                for c in row if c is not None
            ).encode()  # fmt: skip
        text = data.decode("utf-8-sig", errors="replace")
        for secret in PERSON_SECRETS:
            assert secret not in text, (fmt, secret)


def test_the_public_modules_do_not_name_the_personal_tables():
    """A guard beside the walk: no module that builds a public output imports the matching
    package or names a personal table, so none can read them by accident."""
    import ast

    from tests.conftest import ROOT

    modules = [ROOT / m for m in PUBLIC_MODULES] + sorted((ROOT / "mapapp/exporting").glob("*.py"))
    for path in modules:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("mapapp.matching"), path
                assert not PERSON_NAMES & {a.name for a in node.names}, path
            elif isinstance(node, ast.Name):
                assert node.id not in PERSON_NAMES, (path, node.id)
