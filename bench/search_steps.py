"""Each step of the "request cost that does not grow with the town" work, before and after,
side by side in one process on the same bench town (bench/site.py's): the computation the
step replaced, written out here as it was, against what the code does now.

Usage: python bench/search_steps.py [--sizes 10000,130000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import select, tuple_
from sqlalchemy.orm import selectinload

from mapapp import catalog
from mapapp.geo import distance_m
from mapapp.models import Resource
from mapapp.schedule import occurrences_between, parse_resource_schedule
from mapapp.search import IndexCache, SearchQuery, search
from mapapp.storage import get_storage, read_data_version
from mapapp.text import fuzzy_scores, search_key


def bench_site():
    """bench/site.py as a module (its name would clash with the standard library's site)."""
    path = Path(__file__).with_name("site.py")
    spec = importlib.util.spec_from_file_location("bench_site", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_site"] = module
    spec.loader.exec_module(module)
    return module


def median_s(function, repeat: int) -> float:
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def every_pair_words(index, text: str) -> dict[int, float]:
    """Before: WRatio over every (resource, word) pair, best kept per resource in a dict."""
    pairs = _pairs(index)
    best: dict[int, float] = {}
    for key, score in fuzzy_scores(search_key(text), pairs[1]):
        owner = pairs[0][key]
        best[owner] = max(score, best.get(owner, 0.0))
    positions = np.arange(len(index))
    keep = np.array([p in best for p in positions], dtype=bool)
    positions = positions[keep]
    score = np.array([best.get(p, 0.0) for p in positions])
    order = np.lexsort((index.name_rank[positions], -score, np.zeros(len(positions))))
    return index.ids[positions[order]]


_pair_cache: dict[int, tuple[list[int], list[str]]] = {}


def _pairs(index):
    if id(index) not in _pair_cache:
        owners, words = [], []
        for w, word in enumerate(index.words):
            for owner in index.word_owner[index.word_start[w] : index.word_start[w + 1]]:
                owners.append(int(owner))
                words.append(word)
        _pair_cache[id(index)] = (owners, words)
    return _pair_cache[id(index)]


def every_distance(index, near, radius_m):
    """Before: haversine over every point, then the sort."""
    positions = np.arange(len(index))
    distances = distance_m(near[0], near[1], index.lat[positions], index.lon[positions])
    keep = distances <= radius_m
    positions, distances = positions[keep], distances[keep]
    order = np.lexsort((index.name_rank[positions], np.zeros(len(positions)), distances))
    return index.ids[positions[order]]


def every_schedule(index, texts, first, last):
    """Before: each resource's texts parsed (cached) and its rules expanded, per request."""
    keep = [
        p
        for p in range(len(index))
        if occurrences_between(parse_resource_schedule(*texts[p]), first, last)
    ]
    return index.ids[keep]


def orm_rows(session, ids):
    """Before: the display rows through the ORM with its eager loads."""
    return {
        r.id: r
        for r in session.scalars(
            select(Resource)
            .where(Resource.id.in_(ids))
            .options(
                selectinload(Resource.areas),
                selectinload(Resource.tags),
                selectinload(Resource.organization),
                selectinload(Resource.service_areas),
            )
        )
    }


def id_lookup(session, keys):
    """Before: the writer's id look-up after inserting, 500 (source, source_key) at a time."""
    table = Resource.__table__
    found = 0
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found += len(
            session.execute(
                select(table.c.id).where(tuple_(table.c.source, table.c.source_key).in_(chunk))
            ).all()
        )
    return found


def measure(size: int, repeat: int) -> list[tuple[str, float, float]]:
    site = bench_site()
    rows = []
    with tempfile.TemporaryDirectory() as name:
        app = site.make_town(Path(name), size)
        storage = get_storage(app)
        taxonomy = app.extensions["mapapp.taxonomy"]
        start = time.perf_counter()
        index = IndexCache(separate_build_from=None).get(storage, taxonomy)
        rows.append(("index build, in this process", time.perf_counter() - start, 0.0))
        with storage.reading() as session:
            texts = {
                r.id: (r.schedule_text, r.closed_text)
                for r in session.execute(
                    select(Resource.id, Resource.schedule_text, Resource.closed_text)
                )
            }
        by_position = [texts[int(i)] for i in index.ids]
        few = max(3, repeat // 5)

        count = iter(range(10**6))
        before = median_s(lambda: every_pair_words(index, f"ふれあいサロン{next(count)}"), few)
        after = median_s(
            lambda: search(index, SearchQuery(text=f"ふれあいサロン{next(count)}")), few
        )
        rows.append(("q=ふれあいサロンN: every pair → distinct words", before, after))
        before = median_s(lambda: every_pair_words(index, "ふれあい"), few)
        after = median_s(lambda: search(index, SearchQuery(text="ふれあい")), few)
        rows.append(("q=ふれあい: every pair → distinct words", before, after))

        near = (site.LAT0 + site.SIZE / 2, site.LON0 + site.SIZE / 2)
        before = median_s(lambda: every_distance(index, near, 1_000), repeat)
        after = median_s(lambda: search(index, SearchQuery(near=near, radius_m=1_000)), repeat)
        rows.append(("nearby 1 km: every distance → cells", before, after))

        day = dt.date.today() + dt.timedelta(days=3)
        week = (day, day + dt.timedelta(days=6))
        before = median_s(lambda: every_schedule(index, by_position, day, day), few)
        after = median_s(lambda: search(index, SearchQuery(open_between=(day, day))), repeat)
        rows.append(("date=: rules per request → open-days bits", before, after))
        before = median_s(lambda: every_schedule(index, by_position, *week), few)
        after = median_s(lambda: search(index, SearchQuery(open_between=week)), repeat)
        rows.append(("7 days: rules per request → open-days bits", before, after))

        hits = [
            h.resource_id for h in search(index, SearchQuery(near=near, radius_m=1_000)).page(0, 20)
        ]

        def rows_with(function):
            with storage.reading() as session:
                return function(session, hits)

        before = median_s(lambda: rows_with(orm_rows), repeat)
        after = median_s(lambda: rows_with(catalog.resources_by_id), repeat)
        rows.append(("20 display rows: ORM + eager loads → plain", before, after))

        def version_by_session():
            with storage.reading() as session:
                return read_data_version(session)

        before = median_s(version_by_session, repeat * 10)
        after = median_s(storage.data_version, repeat * 10)
        rows.append(("data version check: Session → connection", before, after))

        with storage.reading() as session:
            keys = [tuple(r) for r in session.execute(select(Resource.source, Resource.source_key))]
            before = median_s(lambda: id_lookup(session, keys), 1)
        rows.append((f"writer id look-up of {len(keys):,} rows → RETURNING", before, 0.0))

        start = time.perf_counter()
        IndexCache(separate_build_from=0).get(storage, taxonomy)
        rows.append(("index build, in a child process", time.perf_counter() - start, 0.0))
        storage.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,130000")
    parser.add_argument("--repeat", type=int, default=20)
    options = parser.parse_args()
    for size in (int(s) for s in options.sizes.split(",")):
        print(f"{size:,} resources (medians, same process, same data)")
        print(f"  {'step':52} {'before':>11} {'after':>11} {'gain':>8}")
        for label, before, after in measure(size, options.repeat):
            if after:
                gain = f"{before / after:7.1f}×"
                print(f"  {label:52} {before * 1000:>8.1f} ms {after * 1000:>8.2f} ms {gain}")
            else:
                print(f"  {label:52} {before * 1000:>8.0f} ms")


if __name__ == "__main__":
    main()
