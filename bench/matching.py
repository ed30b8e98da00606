"""Matching at scale: candidates for one need among 10k volunteers and 130k resources, and a
batch proposal for 5k needs × 10k volunteers (the optimal min-cost matching and greedy).

Synthetic data in a fresh SQLite file: 130k resources over a 60 km square (mostly 徒歩圏
places, some services for the town), 10k volunteers and 5k ゴミ出し needs over a 20 km town;
volunteers walk (800 m), cycle (2 km) or drive (5 km), help 1–3 people, some are 休止, some
lack training or insurance, availability and wanted times from a few weekly texts.

Reports wall time (perf_counter, without tracing), then the same work again under tracemalloc
for the peak of Python allocations, the process's peak RSS, and assigned count and total
distance of the optimum against greedy. Goal beside the batch: 10 s.
Usage: python bench/matching.py [--volunteers 10000] [--needs 5000] [--resources 130000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource as rusage
import tempfile
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import insert, select

from mapapp.matching.batch import assignment_distance, propose_batch
from mapapp.matching.candidates import find_candidates
from mapapp.matching.settings import MatchSettings
from mapapp.matching.vocab import Vocabulary
from mapapp.models import (
    Need,
    NeedKindLink,
    Resource,
    Training,
    Volunteer,
    VolunteerSkill,
)
from mapapp.storage import Storage
from mapapp.taxonomy import load_taxonomy

AS_OF = dt.date(2026, 6, 2)
WHEN_V = [
    "火曜の午前",
    "月・水・金 9:00〜12:00",
    "平日の午後",
    "火・木 10:00〜15:00",
    "土日",
    "",
    "毎週水曜日 13:00〜16:00",
]
WHEN_N = ["火曜の午前", "水曜の午後", "金曜 9:00〜10:00", "", "月曜日", "木曜 13:00〜14:00"]
SKILLS = ["gomidashi", "kaji", "hanashiaite", "kusatori", "unten", "kaimono", "mimamori"]
MODES = [("walk", 800), ("walk", 800), ("bicycle", 2000), ("car", 5000)]


def build(storage: Storage, n_vol: int, n_need: int, n_res: int, kinds: list[str], rng):
    lat0, lon0 = 34.8, 137.3
    with storage.transaction() as s:
        s.execute(
            insert(Resource),
            [
                {
                    "kind": rng.choice(kinds),
                    "name": f"資源{i}",
                    "source": "bench",
                    "source_key": str(i),
                    "lat": lat0 - 0.25 + rng.random() * 0.55,
                    "lon": lon0 - 0.3 + rng.random() * 0.66,
                    "coverage": "town" if i % 200 == 0 else "walk",
                    "schedule_text": rng.choice(WHEN_V),
                    "version": 1,
                }
                for i in range(n_res)
            ],
        )
        vols = []
        for i in range(n_vol):
            mode, metres = rng.choice(MODES)
            vols.append(
                {
                    "label": f"担い手{i}",
                    "source": "bench",
                    "source_key": f"V{i}",
                    "lat": lat0 + rng.random() * 0.18,
                    "lon": lon0 + rng.random() * 0.22,
                    "travel_mode": mode,
                    "travel_m": metres,
                    "capacity": rng.choice([1, 1, 2, 3]),
                    "insurance_until": dt.date(2027, 3, 31) if rng.random() > 0.05 else None,
                    "status": "active" if rng.random() > 0.1 else "paused",
                    "availability_text": rng.choice(WHEN_V),
                }
            )
        s.execute(insert(Volunteer), vols)
        ids = s.scalars(select(Volunteer.id).order_by(Volunteer.id)).all()
        s.execute(
            insert(VolunteerSkill),
            [{"volunteer_id": vid, "skill": sk} for vid in ids for sk in rng.sample(SKILLS, 2)],
        )
        s.execute(
            insert(Training),
            [
                {"volunteer_id": vid, "name": "養成講座", "completed_on": dt.date(2025, 1, 1)}
                for vid in ids
                if rng.random() > 0.05
            ],
        )
        s.execute(
            insert(Need),
            [
                {
                    "label": f"相談者{i}",
                    "person_key": f"相談者{i}",
                    "source": "bench",
                    "source_key": f"N{i}",
                    "lat": lat0 + rng.random() * 0.18,
                    "lon": lon0 + rng.random() * 0.22,
                    "wanted_text": rng.choice(WHEN_N),
                    "consent": True,
                    "status": "received",
                }
                for i in range(n_need)
            ],
        )
        need_ids = s.scalars(select(Need.id)).all()
        s.execute(insert(NeedKindLink), [{"need_id": nid, "kind": "kaji"} for nid in need_ids])
        return need_ids[0]


def run_candidates(storage, vocabulary, need_id, settings):
    with storage.reading() as s:
        need = s.get(Need, need_id)
        return find_candidates(s, vocabulary, need, as_of=AS_OF, settings=settings)


def run_batch(storage, vocabulary, settings):
    with storage.reading() as s:
        return propose_batch(s, vocabulary, "kaji", as_of=AS_OF, settings=settings)


def measure(label, function, *args):
    start = time.perf_counter()
    result = function(*args)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    function(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--needs", type=int, default=5_000)
    parser.add_argument("--resources", type=int, default=130_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    taxonomy = load_taxonomy()
    vocabulary = Vocabulary(taxonomy)
    settings = MatchSettings()
    with tempfile.TemporaryDirectory() as directory:
        storage = Storage(f"sqlite:///{Path(directory) / 'bench.sqlite3'}")
        storage.upgrade()
        start = time.perf_counter()
        need_id = build(
            storage,
            args.volunteers,
            args.needs,
            args.resources,
            [k.code for k in taxonomy.kinds],
            rng,
        )
        print(
            f"data: {args.resources:,} resources, {args.volunteers:,} volunteers, "
            f"{args.needs:,} needs written in {time.perf_counter() - start:.1f} s"
        )
        result, seconds, peak = measure(
            "candidates", run_candidates, storage, vocabulary, need_id, settings
        )
        print(
            f"candidates for one need: {seconds * 1000:,.0f} ms, peak traced {peak / 2**20:.1f} MiB"
            f" — {len(result.volunteers)} volunteers listed (of "
            f"{len(result.volunteers) + len(result.excluded)} with a matching skill inside the box of the longest 移動距離m), "
            f"{len(result.resources)} resources"
        )
        batch, seconds, peak = measure("batch", run_batch, storage, vocabulary, settings)
        optimum = int((batch.assigned >= 0).sum())
        greedy = int((batch.greedy >= 0).sum())
        t = batch.timings
        print(
            f"batch for {len(batch.needs):,} needs × {len(batch.volunteers):,} volunteers "
            f"with the skill: {seconds:.2f} s (goal ≤ 10 s), peak traced {peak / 2**20:.0f} MiB"
        )
        print(
            f"  load {t['load_s']:.2f} s, hard filters {t['filters_s']:.2f} s "
            f"({len(batch.edges):,} feasible pairs), optimal matching {t['solve_s']:.2f} s, "
            f"greedy {t['greedy_s']:.2f} s"
        )
        print(
            f"  optimal: {optimum:,} assigned, total {assignment_distance(batch.assigned, batch.edges) / 1000:,.1f} km"
        )
        print(
            f"  greedy:  {greedy:,} assigned, total {assignment_distance(batch.greedy, batch.edges) / 1000:,.1f} km"
        )
        print(
            f"peak RSS of the process: {rusage.getrusage(rusage.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
        )
        storage.dispose()


if __name__ == "__main__":
    main()
