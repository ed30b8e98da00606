"""Page weight of a town with many 町丁: the home page and /near never carry every area's
boundary inline. A generated town of 666 町丁 areas (as detailed as census boundaries, about
120 points each), six 第2層 areas and 400 places; and the same town without 第2層 areas.

The time to serve the home page is measured and reported (``record_property``), not asserted:
speed lives in bench/ (STYLE.md)."""

from __future__ import annotations

import math
import random
import re
import statistics
import time

import pytest
from click.testing import CliRunner
from shapely.geometry import Polygon, box

from mapapp import create_app
from mapapp.cli import main
from mapapp.storage import get_storage
from tests.conftest import write_geojson
from tests.resource_files import own_row, write_csv

WEST, SOUTH, EAST, NORTH = 137.40, 34.60, 137.60, 34.72
COLUMNS, ROWS = 37, 18  # 666 町丁
MAX_PAGE_BYTES = 300_000


def _detailed(cell, rng: random.Random, points: int) -> Polygon:
    """A cell's outline with ``points`` vertices, slightly wobbly like a surveyed boundary."""
    min_x, min_y, max_x, max_y = cell.bounds
    cx, cy = (min_x + max_x) / 2, (min_y + max_y) / 2
    rx, ry = (max_x - min_x) / 2, (max_y - min_y) / 2
    ring = []
    for i in range(points):
        angle = 2 * math.pi * i / points
        # A superellipse fills the cell like a block of houses; the jitter is a few metres.
        x = cx + rx * 0.98 * math.copysign(abs(math.cos(angle)) ** 0.2, math.cos(angle))
        y = cy + ry * 0.98 * math.copysign(abs(math.sin(angle)) ** 0.2, math.sin(angle))
        ring.append((x + rng.uniform(-2e-5, 2e-5), y + rng.uniform(-2e-5, 2e-5)))
    return Polygon(ring)


def _town(tmp_path_factory, name: str, with_daily_life: bool) -> tuple[str, object]:
    directory = tmp_path_factory.mktemp(name)
    url = f"sqlite:///{directory / 'town.sqlite3'}"
    env = {"MAPAPP_DATABASE_URL": url, "MAPAPP_SECRET_KEY": "t"}
    rng = random.Random(666)
    width, height = (EAST - WEST) / COLUMNS, (NORTH - SOUTH) / ROWS
    chome = [
        ({"name": f"生成町{c + 1}-{r + 1}丁目", "code": f"C{c:02d}{r:02d}"},
         _detailed(box(WEST + c * width, SOUTH + r * height, WEST + (c + 1) * width,
                       SOUTH + (r + 1) * height), rng, 120))
        for c in range(COLUMNS) for r in range(ROWS)
    ]  # fmt: skip
    districts = [
        ({"name": f"第{i + 1}地区", "code": f"D{i}"},
         _detailed(box(WEST + (i % 3) * (EAST - WEST) / 3, SOUTH + (i // 3) * (NORTH - SOUTH) / 2,
                       WEST + (i % 3 + 1) * (EAST - WEST) / 3,
                       SOUTH + (i // 3 + 1) * (NORTH - SOUTH) / 2), rng, 400))
        for i in range(6)
    ]  # fmt: skip
    town = [
        ({"name": "生成市", "code": "99999"}, _detailed(box(WEST, SOUTH, EAST, NORTH), rng, 800))
    ]
    layers = [(1, "市町村", town), (3, "町丁", chome)]
    if with_daily_life:
        layers.insert(1, (2, "地区", districts))
    runner = CliRunner()
    for layer, kind, features in layers:
        path = write_geojson(directory / f"layer{layer}.geojson", features)
        result = runner.invoke(
            main, ["import-areas", str(path), "--layer", str(layer), "--kind", kind], env=env
        )
        assert result.exit_code == 0, result.output
    rows = [
        own_row(出典ID=f"g{i}", 名称=f"生成サロン{i}", 種別=rng.choice(["サロン", "体操教室", "配食"]),
                緯度=f"{rng.uniform(SOUTH, NORTH):.6f}", 経度=f"{rng.uniform(WEST, EAST):.6f}",
                開催日時="毎週火曜日 10:00〜11:30", 連絡先="053-000-0000")
        for i in range(400)
    ]  # fmt: skip
    result = runner.invoke(
        main, ["import-resources", str(write_csv(directory / "places.csv", rows))], env=env
    )
    assert result.exit_code == 0, result.output
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "t"}, directory)
    return url, app


@pytest.fixture(scope="module")
def many_chome(tmp_path_factory):
    _, app = _town(tmp_path_factory, "chome666", with_daily_life=True)
    yield app
    get_storage(app).dispose()


@pytest.fixture(scope="module")
def only_chome(tmp_path_factory):
    _, app = _town(tmp_path_factory, "chome666-only", with_daily_life=False)
    yield app
    get_storage(app).dispose()


def _served(client, path: str) -> tuple[bytes, float]:
    """The page, and the median time of five requests after two to warm up (seconds)."""
    for _ in range(2):
        body = client.get(path).data
    times = []
    for _ in range(5):
        start = time.perf_counter()
        body = client.get(path).data
        times.append(time.perf_counter() - start)
    return body, statistics.median(times)


def test_home_of_a_town_with_666_chome_is_light(many_chome, record_property):
    client = many_chome.test_client()
    chome = client.get("/api/areas?layer=3").get_json()["features"]
    assert len(chome) == COLUMNS * ROWS == 666
    body, seconds = _served(client, "/")
    record_property("home_bytes", len(body))
    record_property("home_ms", round(seconds * 1000, 1))
    print(f"home: {len(body)} bytes, {seconds * 1000:.1f} ms")  # noqa: T201 -- reported
    assert len(body) < MAX_PAGE_BYTES
    html = body.decode("utf-8")
    assert html.count('"type": "Feature"') == 6  # the six 第2層 areas, not the 666 町丁
    assert "第1地区" in html and "生成町1-1丁目" not in html


def test_near_of_a_town_with_666_chome_is_light(many_chome, record_property):
    client = many_chome.test_client()
    place = client.get("/api/areas?layer=3").get_json()["features"][300]["id"]
    for path in ("/near", f"/near?place={place}"):
        body, seconds = _served(client, path)
        record_property(f"near_bytes{'_place' if '?' in path else ''}", len(body))
        print(f"{path}: {len(body)} bytes, {seconds * 1000:.1f} ms")  # noqa: T201 -- reported
        assert len(body) < MAX_PAGE_BYTES, path
        html = body.decode("utf-8")
        assert html.count('"type": "Feature", "geometry": {"type": "Polygon"') <= 6, path
        choices = html.split('<select id="place"', 1)[1].split("</select>", 1)[0]
        assert len(re.findall(r'<option value="\d+"', choices)) == 666, path  # all 町丁 stay


def test_a_town_with_only_chome_lists_them_without_their_shapes(only_chome, record_property):
    body, seconds = _served(only_chome.test_client(), "/")
    record_property("only_chome_home_bytes", len(body))
    print(f"home without 第2層: {len(body)} bytes, {seconds * 1000:.1f} ms")  # noqa: T201
    assert len(body) < MAX_PAGE_BYTES
    html = body.decode("utf-8")
    assert html.count('class="area-index"') == 1 and html.count("生成町") >= 666
    assert html.count('"type": "Feature"') == 1  # the town's own outline
