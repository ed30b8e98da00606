"""Import throughput: generated resources with area assignment, at 10k and 130k rows.

Prints resources/s and, as machine-independent figures, the ratio of the import time to two
baselines measured in the same process: reading the same CSV with the standard csv module,
and the floor the issue names (pandas reads the CSV, geopandas joins its points to both layers
of areas). Target: the first import within 10× that floor.
Usage: python bench/run.py [--sizes 10000,130000] (or --rows)
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import tempfile
import time
from pathlib import Path

from shapely.geometry import box, mapping

from mapapp.importing.boundaries import import_areas
from mapapp.importing.profiles import OWN_COLUMNS
from mapapp.importing.resources import ImportOptions, import_resources
from mapapp.storage import Storage
from mapapp.taxonomy import load_taxonomy

# A 30 km × 20 km town: 6 × 5 第2層 squares and 30 × 20 町丁 squares (600, the most a town has).
LON0, LAT0, WIDTH, HEIGHT = 137.40, 34.60, 0.33, 0.18
KINDS = ("サロン", "居場所", "体操教室", "配食", "見守り", "くらサポ", "薬局")
DAYS = "月火水木金土日"


def schedule_text(rng: random.Random) -> str:
    """One of a few hundred distinct 開催日時 texts, in the shapes real lists use."""
    day, hour = rng.choice(DAYS), rng.randint(9, 14)
    first, second = rng.randint(1, 2), rng.randint(3, 4)
    return rng.choice((
        f"毎週{day}曜日 {hour}:00〜{hour + 1}:30",
        f"毎月第{first}・第{second}{day}曜日 {hour}:30～{hour + 2}:00",
        f"毎⽉２回／{first * 5}⽇、{second * 6}⽇ {hour}:00〜{hour + 1}:30",
        f"第{first}週 {hour}時～",
    ))  # fmt: skip


def grid(nx: int, ny: int, prefix: str):
    dx, dy = WIDTH / nx, HEIGHT / ny
    return [
        ({"name": f"{prefix}{i}-{j}", "code": f"{prefix}{i}-{j}"},
         box(LON0 + i * dx, LAT0 + j * dy, LON0 + (i + 1) * dx, LAT0 + (j + 1) * dy))
        for i in range(nx) for j in range(ny)
    ]  # fmt: skip


def write_geojson(path: Path, features) -> Path:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": p, "geometry": mapping(g)} for p, g in features
        ],
    }
    path.write_text(json.dumps(collection, ensure_ascii=False), "utf-8")
    return path


def write_resources(path: Path, count: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    headers = [h for h, _ in OWN_COLUMNS]
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=headers)
        writer.writeheader()
        for i in range(count):
            row = dict.fromkeys(headers, "")
            row.update({
                "出典ID": f"b{i}", "種別": rng.choice(KINDS), "名称": f"地域の資源{i}",
                "住所": f"さくら台町{i % 97}丁目{i % 13}-{i % 7}",
                "緯度": f"{LAT0 + rng.random() * HEIGHT:.6f}", "経度": f"{LON0 + rng.random() * WIDTH:.6f}",
                "開催日時": schedule_text(rng), "参加費": f"{rng.randint(1, 5) * 100}円", "タグ": "体操、交流",
            })  # fmt: skip
            writer.writerow(row)


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def bench(size: int, directory: Path) -> dict:
    storage = Storage(f"sqlite:///{directory / f'bench{size}.sqlite3'}")
    storage.upgrade()
    taxonomy = load_taxonomy()
    import_areas(
        storage,
        write_geojson(directory / "l2.geojson", grid(6, 5, "圏域")),
        layer=2,
        kind_label="圏域",
    )
    import_areas(
        storage,
        write_geojson(directory / "l3.geojson", grid(30, 20, "町丁")),
        layer=3,
        kind_label="町丁",
    )
    path = directory / f"resources{size}.csv"
    write_resources(path, size)

    def read_baseline():
        with path.open(encoding="utf-8-sig", newline="") as f:
            sum(1 for _ in csv.DictReader(f))

    baseline_s = min(timed(read_baseline) for _ in range(3))
    floor_s = min(timed(lambda: pandas_floor(path, directory)) for _ in range(3))
    report = None

    def run_import():
        nonlocal report
        report = import_resources(storage, path, taxonomy, ImportOptions(profile="own"))

    first_s = timed(run_import)
    assert report.written.created == size
    again_s = timed(run_import)  # same file again: every row compared, nothing written
    assert report.written.unchanged == size
    storage.dispose()
    return {
        "size": size,
        "first_s": first_s,
        "first_per_s": size / first_s,
        "again_s": again_s,
        "again_per_s": size / again_s,
        "baseline_s": baseline_s,
        "ratio": first_s / baseline_s,
        "floor_s": floor_s,
        "floor_ratio": first_s / floor_s,
    }


def pandas_floor(path: Path, directory: Path) -> int:
    """Read the CSV with pandas and join its points to the 第2層 and 町丁 squares: the least
    any import of this file must do. Returns the number of (resource, area) pairs."""
    import geopandas as gpd
    import pandas as pd

    rows = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    points = gpd.GeoDataFrame(
        rows,
        geometry=gpd.points_from_xy(rows["経度"].astype(float), rows["緯度"].astype(float)),
        crs="EPSG:4326",
    )
    pairs = 0
    for layer in ("l2", "l3"):
        areas = gpd.read_file(directory / f"{layer}.geojson")
        pairs += len(gpd.sjoin(points, areas, predicate="within"))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", "--rows", default="10000,130000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    print("import of generated resources into 30 第2層 + 600 町丁 areas (SQLite file)")
    print(
        f"{'rows':>8} {'first import':>14} {'rows/s':>9} {'re-import':>11} {'rows/s':>9} {'csv read':>9} {'ratio':>7} {'floor':>8} {'ratio':>7} {'target':>8}"
    )
    with tempfile.TemporaryDirectory() as directory:
        for size in sizes:
            r = bench(size, Path(directory))
            print(
                f"{r['size']:>8} {r['first_s']:>12.2f} s {r['first_per_s']:>9.0f} "
                f"{r['again_s']:>9.2f} s {r['again_per_s']:>9.0f} {r['baseline_s']:>7.3f} s {r['ratio']:>6.0f}× "
                f"{r['floor_s']:>6.2f} s {r['floor_ratio']:>6.1f}× {'≤ 10×':>6} {'ok' if r['floor_ratio'] <= 10 else 'MISS'}"
            )


if __name__ == "__main__":
    main()
