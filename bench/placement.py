"""Placing lists without coordinates: 10k address-only rows against 2,500 町丁目 names.

Measures, in one process:

- placement alone (mapapp.placement.Placer over every row: venue, then 町丁目・大字);
- the whole import of the address-only list, and of the same list with 緯度・経度 given;
- the baseline: reading the same CSV with the csv module.

The addresses are written the ways lists write them: with and without the prefecture and
municipality, 丁目 in kanji, digits or as 「3-5-2」, full-width digits, 大字 and 字, rooms after
the house number; a tenth give a 会場 that is on the map, a twentieth cannot be placed.
Usage: python bench/placement.py [--rows 10000] [--names 2500]
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from pathlib import Path

from mapapp.addresses import kanji_number
from mapapp.importing.gazetteer import import_gazetteer
from mapapp.importing.placing import load_placer
from mapapp.importing.resources import ImportOptions, import_resources
from mapapp.storage import Storage
from mapapp.taxonomy import load_taxonomy

TOWNS = ("北山市", "南川市", "東野郡東野町", "西浜市中央区", "西浜市港区")
BASES = [
    "本町",
    "栄町",
    "旭町",
    "緑ケ丘",
    "桜が丘",
    "一之宮",
    "中央",
    "新町",
    "若葉",
    "松原",
    "泉",
    "春日",
    "大手町",
    "寿",
    "朝日",
]
KANJI = "〇一二三四五六七八九"
LAT0, LON0 = 35.0, 137.0


def kanji(n: int) -> str:
    tens, ones = divmod(n, 10)
    return (
        ("" if tens < 2 else KANJI[tens]) + ("十" if tens else "") + (KANJI[ones] if ones else "")
    )


def gazetteer_rows(names: int, rng: random.Random) -> list[dict[str, str]]:
    """町丁目 names: every town has every base with 丁目 up to what it takes, some 大字."""
    rows = []
    per_town = names // len(TOWNS)
    for t, town in enumerate(TOWNS):
        for i in range(per_town):
            base = f"{BASES[i % len(BASES)]}{i // (len(BASES) * 9) or ''}"
            chome = i // len(BASES) % 9 + 1
            is_oaza = i % 10 == 0
            name = f"大字{base}" if is_oaza else f"{base}{kanji(chome)}丁目"
            lat, lon = LAT0 + t * 0.2 + rng.random() * 0.1, LON0 + rng.random() * 0.1
            rows.append(
                {"都道府県名": "架空県", "市区町村コード": f"9900{t}", "市区町村名": town,
                 "大字町丁目名": name, "緯度": f"{lat:.6f}", "経度": f"{lon:.6f}",
                 "大字・字・丁目区分コード": "1" if is_oaza else "3"}
            )  # fmt: skip
    return rows


def address(entry: dict[str, str], rng: random.Random) -> str:
    town, name = entry["市区町村名"], entry["大字町丁目名"]
    house = f"{rng.randint(1, 40)}-{rng.randint(1, 20)}"
    if name.startswith("大字"):
        body = rng.choice(
            (f"{name}{rng.randint(1, 3000)}", f"{name[2:]}字山田{rng.randint(1, 900)}")
        )
    else:
        base, chome = name[: name.index("丁目")].rstrip(KANJI + "十"), name[name.index("丁目") - 1]
        number = kanji_number(name[len(base) : name.index("丁目")])
        body = rng.choice(
            (f"{name}{house}", f"{base}{number}丁目{house}", f"{base}{number}-{house}",
             f"{base}{str(number).translate(str.maketrans('0123456789', '０１２３４５６７８９'))}丁目{house}号 2階")
        )  # fmt: skip
        del chome
    ward = town.split("市")[-1] if "区" in town else ""
    return rng.choice((f"架空県{town}{body}", f"{town}{body}", f"{ward or town}{body}"))


def write_lists(directory: Path, rows: int, names: int) -> tuple[Path, Path, Path, Path]:
    rng = random.Random(7)
    places = gazetteer_rows(names, rng)
    gazetteer = directory / "gazetteer.csv"
    with gazetteer.open("w", encoding="cp932", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(places[0]))
        writer.writeheader()
        writer.writerows(places)
    venues = [(f"{rng.choice(BASES)}第{i}集会所", rng.choice(places)) for i in range(300)]
    venue_file = directory / "venues.csv"
    with venue_file.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["名称", "住所", "緯度", "経度"])
        for name, place in venues:
            writer.writerow([name, address(place, rng), place["緯度"], place["経度"]])
    plain, with_points = directory / "salons.csv", directory / "salons_with_points.csv"
    with (
        plain.open("w", encoding="utf-8-sig", newline="") as a,
        with_points.open("w", encoding="utf-8-sig", newline="") as b,
    ):
        no_point, point = csv.writer(a), csv.writer(b)
        no_point.writerow(["名称", "会場", "住所", "開催日時"])
        point.writerow(["名称", "会場", "住所", "開催日時", "緯度", "経度"])
        for i in range(rows):
            place = rng.choice(places)
            venue = rng.choice(venues)[0] if i % 10 == 0 else f"{place['大字町丁目名']}の家"
            where = address(place, rng) if i % 20 else f"架空県どこか町{i}"
            row = [f"サロン{i}", venue, where, f"毎月第{i % 4 + 1}火曜日 10:00〜11:30"]
            no_point.writerow(row)
            point.writerow([*row, place["緯度"], place["経度"]])
    return gazetteer, venue_file, plain, with_points


def timed(function):
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--names", type=int, default=2_500)
    args = parser.parse_args()
    taxonomy = load_taxonomy()
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        gazetteer, venues, plain, with_points = write_lists(directory, args.rows, args.names)
        storage = Storage(f"sqlite:///{directory / 'bench.sqlite3'}")
        storage.upgrade()
        import_gazetteer(storage, gazetteer)
        import_resources(storage, venues, taxonomy, ImportOptions(kind="other", source="v"))

        def read_baseline():
            with plain.open(encoding="utf-8-sig", newline="") as f:
                return list(csv.DictReader(f))

        baseline_s = min(timed(read_baseline)[0] for _ in range(3))
        rows = read_baseline()
        placer_s, (placer, _) = timed(lambda: load_placer(storage, ()))
        place_s, placed = timed(
            lambda: [placer.place(r["会場"], r["名称"], r["住所"]) for r in rows]
        )
        kinds: dict[str, int] = {}
        for found in placed:
            label = getattr(found, "placement", None)
            key = label.value if label else "none"
            kinds[key] = kinds.get(key, 0) + 1
        options = ImportOptions(kind="サロン", source="s")
        import_s, report = timed(lambda: import_resources(storage, plain, taxonomy, options))
        options = ImportOptions(kind="サロン", source="p")
        given_s, _ = timed(lambda: import_resources(storage, with_points, taxonomy, options))
        storage.dispose()
    n = len(rows)
    print(f"placing {n} address-only rows against {args.names} 町丁目・大字 names (SQLite file)")
    print(f"  outcome: {kinds}")
    print(f"  csv read (baseline)       {baseline_s * 1000:8.1f} ms")
    print(f"  gazetteer + venues loaded {placer_s * 1000:8.1f} ms")
    print(
        f"  placement alone           {place_s * 1000:8.1f} ms  {n / place_s:8.0f} rows/s"
        f"  {place_s / baseline_s:5.1f}× the csv read"
    )
    print(
        f"  import, placing each row  {import_s:8.2f} s   {n / import_s:8.0f} rows/s"
        f"  {import_s / baseline_s:5.0f}× the csv read"
    )
    print(
        f"  import, 緯度・経度 given   {given_s:8.2f} s   {n / given_s:8.0f} rows/s"
        f"  {given_s / baseline_s:5.0f}× the csv read"
    )
    print(f"  not placed in the import: {len(report.placement.not_placed)}")


if __name__ == "__main__":
    main()
