"""Resident site at scale: nearby API and area page with 1k, 10k and 130k resources in one
area, against an empty Flask endpoint and a naive folium page (one Marker + Popup per
resource), all measured in this process with Flask's test client.

Usage: python bench/site.py [--sizes 1000,10000,130000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from flask import Flask
from run import schedule_text  # bench/run.py, beside this file
from shapely.geometry import box, mapping

from mapapp import create_app
from mapapp.importing.areas import import_areas
from mapapp.importing.profiles import OWN_COLUMNS
from mapapp.importing.resources import ImportOptions, import_resources
from mapapp.storage import get_storage

LON0, LAT0, SIZE = 137.40, 34.60, 0.10  # one 9 km × 11 km area
KINDS = ("サロン", "居場所", "体操教室", "配食", "見守り", "認知症カフェ", "薬局")


def make_town(directory: Path, size: int, seed: int = 7):
    area = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "ベンチ地区"},
                "geometry": mapping(box(LON0, LAT0, LON0 + SIZE, LAT0 + SIZE)),
            }
        ],
    }
    (directory / "area.geojson").write_text(json.dumps(area, ensure_ascii=False), "utf-8")
    rng = random.Random(seed)
    headers = [h for h, _ in OWN_COLUMNS]
    with (directory / "resources.csv").open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=headers)
        writer.writeheader()
        for i in range(size):
            row = dict.fromkeys(headers, "")
            row.update({
                "出典ID": f"s{i}", "種別": rng.choice(KINDS), "名称": f"ふれあいサロン{i}",
                "会場": f"第{i % 50}公民館", "緯度": f"{LAT0 + rng.random() * SIZE:.6f}",
                "経度": f"{LON0 + rng.random() * SIZE:.6f}", "開催日時": schedule_text(rng), "参加費": "100円",
            })  # fmt: skip
            writer.writerow(row)
    url = f"sqlite:///{directory / 'site.sqlite3'}"
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "bench", "TILE_URL": ""}, instance_path=directory
    )
    storage = get_storage(app)
    storage.upgrade()
    import_areas(storage, directory / "area.geojson", layer=2, kind_label="地区")
    import_resources(
        storage,
        directory / "resources.csv",
        app.extensions["mapapp.taxonomy"],
        ImportOptions(profile="own"),
    )
    return app


def timed(function, repeat: int) -> tuple[float, int]:
    """Median seconds over ``repeat`` calls, and the size of the last response body."""
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        size = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), size


def get(client, path: str) -> int:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(response.data)


def naive_folium_page(points) -> int:
    import folium

    fmap = folium.Map(location=[LAT0 + SIZE / 2, LON0 + SIZE / 2], zoom_start=13, tiles=None)
    for i, (lat, lon) in enumerate(points):
        folium.Marker(
            [lat, lon],
            popup=folium.Popup(f"ふれあいサロン{i}<br>毎週月曜日"),
            tooltip=f"ふれあいサロン{i}",
        ).add_to(fmap)
    return len(fmap.get_root().render().encode("utf-8"))


def measure(size: int, repeat: int, empty_s: float) -> str:
    """One row of the table: build a town of ``size`` resources and time its pages."""
    with tempfile.TemporaryDirectory() as directory:
        app = make_town(Path(directory), size)
        client = app.test_client()
        center = f"{LAT0 + SIZE / 2:.5f},{LON0 + SIZE / 2:.5f}"
        nearby = f"/api/resources?near={center}&radius_m=1000&limit=50"
        area = f"/areas/{client.get('/api/areas').get_json()['features'][0]['id']}"
        build_start = time.perf_counter()
        get(client, nearby)
        build_s = time.perf_counter() - build_start  # includes building the search index
        near_s, _ = timed(lambda: get(client, nearby), repeat)
        area_s, area_bytes = timed(lambda: get(client, area), max(3, repeat // 4))
        if size <= 10_000:
            rng = random.Random(1)
            points = [(LAT0 + rng.random() * SIZE, LON0 + rng.random() * SIZE) for _ in range(size)]
            naive_s, naive_bytes = timed(lambda: naive_folium_page(points), 1)
            naive = f"{naive_s * 1000:>9.0f} ms {naive_bytes:>10,}"
        else:
            naive = f"{'(not run: ~1 min)':>23}"
        get_storage(app).dispose()
    return (
        f"{size:>9} | {build_s * 1000:>8.0f} ms | {near_s * 1000:>7.1f} ms {near_s / empty_s:>6.0f}× | "
        f"{area_s * 1000:>7.0f} ms {area_bytes:>9,} {area_s / empty_s:>6.0f}× | {naive}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,130000")
    parser.add_argument("--repeat", type=int, default=20)
    options = parser.parse_args()

    empty = Flask("empty")
    empty.add_url_rule("/", "empty", lambda: "")
    empty_client = empty.test_client()
    empty_s, _ = timed(lambda: get(empty_client, "/"), 200)
    print(f"empty Flask endpoint: {empty_s * 1e6:.0f} µs (median of 200)")
    print(
        f"{'resources':>9} | {'first build':>11} | {'nearby API':>10} {'ratio':>7} | {'area page':>10} {'bytes':>9} {'ratio':>7} | {'naive folium':>12} {'bytes':>10}"
    )
    for size in (int(s) for s in options.sizes.split(",")):
        print(measure(size, options.repeat, empty_s))


if __name__ == "__main__":
    main()
