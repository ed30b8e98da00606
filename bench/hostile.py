"""Bounded imports: memory of an import per MB of input, and the time to refuse hostile files.

Memory: a generated resource list (the project's own format, as bench/run.py writes it) is
imported into a fresh database in a child process, after pykakasi is loaded; the figure is the
growth of the peak resident set (ru_maxrss) during the import, per MB of the file, and the
growth between two sizes per MB between them (what each further MB costs, fixed costs left
out). The same for reading the file alone (readers.read_table).

Refusals: each hostile file is generated, imported with the default limits, and timed; the
database file must be byte for byte what it was.

Usage: python bench/hostile.py [--rows 20000,80000]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import grid, write_geojson, write_resources  # noqa: E402
from mapapp.importing.boundaries import import_areas  # noqa: E402
from mapapp.importing.errors import ImportProblem  # noqa: E402
from mapapp.importing.profiles import OWN_COLUMNS  # noqa: E402
from mapapp.importing.readers import read_table  # noqa: E402
from mapapp.importing.resources import ImportOptions, import_resources  # noqa: E402
from mapapp.storage import Storage  # noqa: E402
from mapapp.taxonomy import load_taxonomy  # noqa: E402
from mapapp.text import reading  # noqa: E402

HEADERS = [h for h, _ in OWN_COLUMNS]
# The target: an import's peak RSS growth below this many MB per MB of input.
IMPORT_MB_PER_MB = 28
SQUARE = [[137.50, 34.70], [137.52, 34.70], [137.52, 34.72], [137.50, 34.72], [137.50, 34.70]]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def seeded_storage(directory: Path) -> Storage:
    storage = Storage(f"sqlite:///{directory / 'bench.sqlite3'}")
    storage.upgrade()
    areas = write_geojson(directory / "l2.geojson", grid(6, 5, "圏域"))
    import_areas(storage, areas, layer=2, kind_label="圏域")
    return storage


def child(mode: str, rows: int) -> None:
    """One measurement in this fresh process; prints JSON."""
    directory = Path(tempfile.mkdtemp())
    path = directory / "resources.csv"
    write_resources(path, rows)
    storage = seeded_storage(directory)
    taxonomy = load_taxonomy()
    reading("体操教室")  # pykakasi's dictionaries: a fixed cost, loaded before measuring
    before = rss_mb()
    start = time.perf_counter()
    if mode == "read":
        read_table(path)
    else:
        import_resources(storage, path, taxonomy, ImportOptions(profile="own"))
    seconds = time.perf_counter() - start
    print(json.dumps({"mb": path.stat().st_size / 1024 / 1024, "grew": rss_mb() - before,
                      "s": seconds}))  # fmt: skip


def measure(mode: str, rows: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(rows)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# --- hostile files ---------------------------------------------------------------------------


def _own_csv(path: Path, rows: list[dict]) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=HEADERS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _row(**values) -> dict:
    base = dict.fromkeys(HEADERS, "")
    base.update({"出典ID": "r1", "種別": "サロン", "名称": "ふれあいサロン", "緯度": "34.705",
                 "経度": "137.51"})  # fmt: skip
    base.update(values)
    return base


def _polygon(path: Path, coordinates, name="区域") -> Path:
    feature = {"type": "Feature", "properties": {"name": name},
               "geometry": {"type": "Polygon", "coordinates": coordinates}}  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]},
                               ensure_ascii=False), "utf-8")  # fmt: skip
    return path


def _lying_workbook(path: Path, last_row: int) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["出典ID", "種別", "名称", "緯度", "経度"])
    book.active.append(["x1", "サロン", "うそつきサロン", 34.705, 137.51])
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    cell = f'<row r="{last_row}"><c r="XFD{last_row}" t="inlineStr"><is><t>x</t></is></c></row>'
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(
                    rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', data
                )
                data = data.replace(b"</sheetData>", cell.encode() + b"</sheetData>")
            out.writestr(info, data)
    return path


def _zeros_shapefile(directory: Path) -> Path:
    import geopandas
    from shapely.geometry import box

    folder = directory / "shp"
    folder.mkdir()
    frame = geopandas.GeoDataFrame(
        {"name": ["西"]}, geometry=[box(137.50, 34.70, 137.52, 34.72)], crs="EPSG:4326"
    )
    frame.to_file(folder / "a.shp")
    archive = directory / "zeros.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in folder.iterdir():
            data = part.read_bytes()
            z.writestr(part.name, b"\0" * len(data) if part.suffix == ".shp" else data)
    return archive


def _million_vertices(path: Path) -> Path:
    import numpy as np

    turn = np.linspace(0, 2 * np.pi, 1_000_000, endpoint=False)
    ring = np.c_[137.52 + 0.01 * np.cos(turn), 34.71 + 0.008 * np.sin(turn)].round(7).tolist()
    return _polygon(path, [ring + ring[:1]], "まるい町")


def hostile_files(d: Path) -> list[tuple[str, str, Path]]:
    """(label, "resources" or "areas", path) of each hostile file."""
    lines = [",".join(HEADERS)] + [",".join(_row(出典ID=str(i)).values()) for i in range(5)]
    lines[2] = lines[2].replace("ふれあいサロン", '"ふれあいサロン', 1)  # a quote never closed
    quote = d / "quote.csv"
    quote.write_text("\n".join(lines) + "\n", "utf-8")
    deep = d / "deep.geojson"
    deep.write_text(
        '{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000 + "}"
    )
    deep_area = d / "deep_area.geojson"
    deep_area.write_text(
        _polygon(d / "x.geojson", "DEEP")
        .read_text()
        .replace('"DEEP"', "[" * 100_000 + "]" * 100_000)
    )
    wide = d / "wide.csv"
    wide.write_text(",".join(f"列{i}" for i in range(200_000)) + "\n", "utf-8")
    bomb = d / "bomb.xlsx"
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(600):
            member.write(bytes(1024 * 1024))
    points = d / "points.geojson"
    points.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": f"点{i}"},
         "geometry": {"type": "Point", "coordinates": [137.5, 34.7]}} for i in range(20_000)]}))  # fmt: skip
    too_many = d / "too_many.geojson"
    too_many.write_text(
        points.read_text().replace(
            '"features": [',
            '"features": ['
            + ('{"type": "Feature", "properties": {"name": "x"}, "geometry": null},' * 1),
        )
    )
    return [
        ("CSV, 200,000 columns", "resources", wide),
        (
            "CSV, a 10 MB name",
            "resources",
            _own_csv(d / "long.csv", [_row(名称="名" * 10_000_000)]),
        ),
        ("GeoJSON list, a 10 MB name", "resources", _polygon_free_long_name(d)),
        ("CSV, unterminated quote", "resources", quote),
        (
            "CSV, 緯度 nan / 経度 inf",
            "resources",
            _own_csv(d / "nan.csv", [_row(緯度="nan", 経度="inf")]),
        ),
        ("GeoJSON list, nested 100,000 deep", "resources", deep),
        (
            "xlsx, 1,048,576 rows × XFD claimed",
            "resources",
            _lying_workbook(d / "lie.xlsx", 1_048_576),
        ),
        ("xlsx, row 99,999,999", "resources", _lying_workbook(d / "lie2.xlsx", 99_999_999)),
        ("xlsx, unpacks to 600 MB", "resources", bomb),
        ("area, unclosed ring", "areas", _polygon(d / "unclosed.geojson", [SQUARE[:-1]])),
        ("area, 2-point ring", "areas", _polygon(d / "two.geojson", [SQUARE[:2]])),
        (
            "area, coordinates as strings",
            "areas",
            _polygon(d / "strings.geojson", [[[str(x), str(y)] for x, y in SQUARE]]),
        ),
        ("area, NaN coordinate", "areas", _nan_area(d / "nan.geojson")),
        ("area, nested 100,000 deep", "areas", deep_area),
        ("area, .shp of zeros", "areas", _zeros_shapefile(d)),
        (
            "area, a 10 MB name",
            "areas",
            _polygon(d / "long_area.geojson", [SQUARE], "名" * 10_000_000),
        ),
        ("area, 20,000 bad features", "areas", points),
        ("area, 20,001 features", "areas", too_many),
        ("area, 1,000,000 vertices", "areas", _million_vertices(d / "circle.geojson")),
    ]


def _polygon_free_long_name(d: Path) -> Path:
    feature = {"type": "Feature", "properties": _row(名称="名" * 10_000_000),
               "geometry": {"type": "Point", "coordinates": [137.51, 34.705]}}  # fmt: skip
    path = d / "long.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]},
                               ensure_ascii=False), "utf-8")  # fmt: skip
    return path


def _nan_area(path: Path) -> Path:
    ring = json.dumps(SQUARE).replace("137.52, 34.7]", "NaN, 34.7]")
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
                    '{"name": "区域"}, "geometry": {"type": "Polygon", "coordinates": [' + ring + "]}}]}")  # fmt: skip
    return path


def refusals() -> None:
    print("\ntime to refuse (or read safely) each hostile file, default limits")
    print(f"{'file':<36} {'MB':>6} {'seconds':>8}  db same  outcome")
    with tempfile.TemporaryDirectory() as directory:
        d = Path(directory)
        storage = seeded_storage(d)
        taxonomy = load_taxonomy()
        reading("体操教室")
        database = Path(storage.engine.url.database)
        for label, target, path in hostile_files(d):
            storage.dispose()
            before = database.read_bytes()
            start = time.perf_counter()
            try:
                if target == "resources":
                    report = import_resources(storage, path, taxonomy, ImportOptions(dry_run=True))
                    outcome = f"read: {report.rows_total} 行"
                else:
                    report = import_areas(storage, path, layer=3, kind_label="町丁", dry_run=True)
                    outcome = "read: " + ("; ".join(report.simplified) or f"{report.created} 区域")
            except ImportProblem as exc:
                outcome = str(exc).split("\n")[0]
                errors = getattr(exc, "errors", None)
                if errors:
                    outcome += f" / {errors[0]}"
            seconds = time.perf_counter() - start
            storage.dispose()
            same = "yes" if database.read_bytes() == before else "NO"
            size = path.stat().st_size / 1024 / 1024
            shown = outcome if len(outcome) <= 70 else outcome[:69] + "…"
            print(f"{label:<36} {size:>6.1f} {seconds:>8.2f}  {same:<7}  {shown}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", default="20000,80000")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "ROWS"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    sizes = [int(s) for s in args.rows.split(",")]
    print(
        "memory of an import of a generated own-format list (peak RSS growth, pykakasi loaded before)"
    )
    print(f"{'what':<8} {'rows':>8} {'file MB':>8} {'grew MB':>8} {'MB/MB':>6} {'seconds':>8}"
          f"  target (import): MB/MB < {IMPORT_MB_PER_MB}")  # fmt: skip
    for mode in ("read", "import"):
        results = [measure(mode, rows) for rows in sizes]
        for rows, r in zip(sizes, results, strict=True):
            ratio = r["grew"] / r["mb"]
            verdict = ("ok" if ratio < IMPORT_MB_PER_MB else "MISS") if mode == "import" else ""
            print(f"{mode:<8} {rows:>8} {r['mb']:>8.1f} {r['grew']:>8.0f} "
                  f"{ratio:>6.1f} {r['s']:>8.2f}  {verdict}")  # fmt: skip
        if len(results) > 1:
            first, last = results[0], results[-1]
            slope = (last["grew"] - first["grew"]) / (last["mb"] - first["mb"])
            print(f"{mode:<8} each further MB of input: {slope:.1f} MB")
    refusals()


if __name__ == "__main__":
    main()
