"""Resident site at scale: with 1k, 10k and 130k resources in one area, the nearby API, name
search, date filters, the area and resource pages, a write seen by a serving index, and a
serving process's memory, each beside the issue's target and an empty Flask endpoint measured
in the same run (Flask's test client, this process; memory in a fresh process). A naive
folium page (one Marker + Popup per resource) is timed up to 10k.

Usage: python bench/site.py [--sizes 1000,10000,130000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from run import schedule_text  # bench/run.py, beside this file
from shapely.geometry import box, mapping
from sqlalchemy import text

from mapapp import create_app
from mapapp.importing.boundaries import import_areas
from mapapp.importing.profiles import OWN_COLUMNS
from mapapp.importing.resources import ImportOptions, import_resources
from mapapp.storage import bump_data_version, get_storage

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


def timed(function, repeat: int, budget_s: float = 20.0) -> tuple[float, int]:
    """Median seconds over ``repeat`` calls (at least 3, fewer once ``budget_s`` is spent),
    and the size of the last response body."""
    times, size = [], 0
    spent_from = time.perf_counter()
    for _ in range(repeat):
        start = time.perf_counter()
        size = function()
        times.append(time.perf_counter() - start)
        if len(times) >= 3 and time.perf_counter() - spent_from > budget_s:
            break
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


def empty_endpoint_s() -> float:
    """Median seconds of an empty Flask endpoint through the test client: the baseline."""
    empty = Flask("empty")
    empty.add_url_rule("/", "empty", lambda: "")
    client = empty.test_client()
    get(client, "/")
    return timed(lambda: get(client, "/"), 300)[0]


def outside_write(database: Path, resource_id: int, name: str) -> None:
    """Rename one resource and bump the data version as another process would (an import
    from the command line): plain sqlite3, nothing this process's Storage hears of."""
    connection = sqlite3.connect(database)
    with connection:
        connection.execute("UPDATE resource SET name = ? WHERE id = ?", (name, resource_id))
        connection.execute(
            "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) "
            "WHERE key = 'data_version'"
        )
    connection.close()


def after_change(client, database: Path, resource_id: int, n: int) -> tuple[float, float]:
    """(slowest request while the change is being taken in, seconds until it is visible).

    Requests go on one after another, as residents keep asking, until the renamed resource
    is found by name.
    """
    name = f"ベンチ改名{n}号館"
    outside_write(database, resource_id, name)
    written = time.perf_counter()
    slowest = 0.0
    path = f"/api/resources?q={name}&limit=1"
    while True:
        start = time.perf_counter()
        response = client.get(path)
        slowest = max(slowest, time.perf_counter() - start)
        features = response.get_json()["features"]
        if features and features[0]["properties"]["name"] == name:
            return slowest, time.perf_counter() - written
        if time.perf_counter() - written > 120:
            return slowest, float("inf")
        time.sleep(0.005)


def after_own_write(app, client, path: str) -> float:
    """Seconds of the first request after this process wrote: it waits for the new index, so
    that a write shows to its own process as soon as it returns."""
    storage = get_storage(app)
    with storage.transaction() as session:
        session.execute(text("UPDATE resource SET name = name || '改' WHERE id = 1"))
        bump_data_version(session)
    start = time.perf_counter()
    get(client, path)
    return time.perf_counter() - start


def serving_rss_mb(directory: Path, paths: list[str]) -> tuple[float, float]:
    """(resident MB after the requests, peak MB) of a fresh serving process (bench/serving.py)
    that answers ``paths`` once each, on the same database."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("serving.py")), str(directory), *paths],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rss, peak = json.loads(out.strip().splitlines()[-1])
    return rss, peak


def measure(size: int, repeat: int) -> dict:
    """Build a town of ``size`` resources in one area and time what residents ask of it."""
    figures: dict = {}
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        app = make_town(directory, size)
        client = app.test_client()
        figures["empty"] = empty_endpoint_s()
        rng = random.Random(3)
        center = f"{LAT0 + SIZE / 2:.5f},{LON0 + SIZE / 2:.5f}"
        nearby = f"/api/resources?near={center}&radius_m=1000&limit=20"
        area_id = client.get("/api/areas").get_json()["features"][0]["id"]
        ids = [f["id"] for f in client.get("/api/resources?limit=500").get_json()["features"]]
        day = (dt.date.today() + dt.timedelta(days=3)).isoformat()
        build_start = time.perf_counter()
        get(client, nearby)
        figures["build"] = time.perf_counter() - build_start  # includes the search index
        figures["nearby"], _ = timed(lambda: get(client, nearby), repeat)
        # Every query is new (no cache answers it), and each matches every name in the town.
        words = iter(range(10**6))
        figures["q"], _ = timed(
            lambda: get(client, f"/api/resources?q=ふれあいサロン{next(words)}&limit=20"), repeat
        )
        figures["q_all"], _ = timed(
            lambda: get(client, "/api/resources?q=ふれあい&limit=20"), repeat
        )
        figures["date"], _ = timed(
            lambda: get(client, f"/api/resources?date={day}&limit=20"), repeat
        )
        figures["this_week"], _ = timed(
            lambda: get(client, "/api/resources?this_week=1&limit=20"), repeat
        )
        figures["area"], figures["area_bytes"] = timed(
            lambda: get(client, f"/areas/{area_id}"), max(3, repeat // 2)
        )
        figures["resource"], _ = timed(lambda: get(client, f"/resources/{rng.choice(ids)}"), repeat)
        database = directory / "site.sqlite3"
        changes = [after_change(client, database, ids[n], n) for n in range(3)]
        figures["change_stall"] = max(stall for stall, _ in changes)
        figures["change_visible"] = max(visible for _, visible in changes)
        figures["own_write"] = after_own_write(app, client, nearby)
        figures["rss"], figures["rss_peak"] = serving_rss_mb(
            directory,
            [
                nearby,
                "/api/resources?q=ふれあいサロン1&limit=20",
                f"/api/resources?date={day}&limit=20",
                f"/areas/{area_id}",
                f"/resources/{ids[0]}",
            ],
        )
        if size <= 10_000:
            points = [(LAT0 + rng.random() * SIZE, LON0 + rng.random() * SIZE) for _ in range(size)]
            figures["naive"], figures["naive_bytes"] = timed(lambda: naive_folium_page(points), 1)
        get_storage(app).dispose()
    return figures


@dataclass(frozen=True)
class Target:
    """One line of the table: what is measured, the issue's target, and how far from it."""

    label: str
    target: str
    show: Callable[[dict], str]
    value: Callable[[dict], float] | None = None  # compared with limit
    limit: Callable[[dict], float] | None = None  # None: the issue sets no target for it

    def verdict(self, figures: dict) -> str:
        """ "ok", or "MISS ×k" where k is the figure over the target; "" without a target."""
        if self.limit is None or self.value is None:
            return ""
        value, limit = self.value(figures), self.limit(figures)
        return "ok" if value <= limit else f"MISS ×{value / limit:.1f}"


def _ms(key: str, ratio: bool = False) -> Callable[[dict], str]:
    def show(f: dict) -> str:
        if key not in f:
            return "(not run)"
        text = f"{f[key] * 1000:.1f} ms" if f[key] < 0.1 else f"{f[key] * 1000:.0f} ms"
        return f"{text} {f[key] / f['empty']:.0f}×" if ratio else text

    return show


def _within(key: str, seconds: float) -> dict:
    return {"value": lambda f: f[key], "limit": lambda f: seconds}


TARGETS = (
    Target("empty Flask endpoint", "(baseline)", lambda f: f"{f['empty'] * 1e6:.0f} µs"),
    Target("first request (index build)", "—", _ms("build")),
    Target("nearby API, 20 rows", "≤ 10× empty", _ms("nearby", ratio=True),
           value=lambda f: f["nearby"], limit=lambda f: 10 * f["empty"]),
    Target("name search q=, 20 rows", "≤ 100 ms", _ms("q", True), **_within("q", 0.100)),
    Target("q= in every name (ふれあい)", "≤ 100 ms", _ms("q_all", True),
           **_within("q_all", 0.100)),
    Target("date= filter, 20 rows", "—", _ms("date", True)),
    Target("this_week= filter, 20 rows", "—", _ms("this_week", True)),
    Target("area page (100 cards + map)", "≤ 60 ms", _ms("area", True), **_within("area", 0.060)),
    Target("resource page", "≤ 30 ms", _ms("resource", True), **_within("resource", 0.030)),
    Target("slowest request, outside write", "< 1 s (no stall)", _ms("change_stall"),
           **_within("change_stall", 1.0)),
    Target("outside write visible after", "—", _ms("change_visible")),
    Target("request after own write", "< 1 s (no stall)", _ms("own_write"),
           **_within("own_write", 1.0)),
    Target("serving process RSS (peak)", "≤ 300 MB",
           lambda f: f"{f['rss']:.0f} MB ({f['rss_peak']:.0f})",
           value=lambda f: f["rss_peak"], limit=lambda f: 300),
    Target("naive folium page", "—", _ms("naive")),
)  # fmt: skip


def table(results: dict[int, dict]) -> str:
    sizes = sorted(results)
    head = f"{'':32} {'target':>17} " + " ".join(f"{s:>26,}" for s in sizes)
    lines = [head, "-" * len(head)]
    for target in TARGETS:
        cells = []
        for size in sizes:
            figures = results[size]
            verdict = target.verdict(figures)
            cells.append(f"{target.show(figures) + (' ' + verdict if verdict else ''):>26}")
        lines.append(f"{target.label:32} {target.target:>17} " + " ".join(cells))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,130000")
    parser.add_argument("--repeat", type=int, default=20)
    options = parser.parse_args()
    results = {}
    for size in (int(s) for s in options.sizes.split(",")):
        print(f"measuring {size:,} resources …", file=sys.stderr, flush=True)
        results[size] = measure(size, options.repeat)
    print("resident site, one area; Flask test client in this process; medians; "
          "ratios against the empty endpoint measured beside each size")  # fmt: skip
    print(table(results))


if __name__ == "__main__":
    main()
