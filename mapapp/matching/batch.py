"""Batch proposals: for all open needs of one kind (the weekly ゴミ出し round), an
assignment of volunteers that respects every hard filter and each volunteer's capacity left,
and is optimal: first the most needs assigned, then the least total straight-line distance.

The solver is an exact minimum-cost bipartite matching (LAPJVsp, scipy's
``min_weight_full_bipartite_matching``) on the feasible edges only: each volunteer becomes
as many columns as the needs they may still take (capacity left, at most their feasible
needs), each real edge costs its distance + 1 m, and each need also has its own "unassigned"
column at a cost M = n × (longest feasible distance + 1) + 1, larger than any sum of real
edge costs. A full matching of minimum cost therefore leaves the fewest needs unassigned and,
among those, has the least total distance (the +1 m per assigned need is the same for all
of them). A greedy baseline (nearest pairs first) is computed beside it for comparison.

Nothing is written: the result is a proposal for the coordinator (「つながる」).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching
from scipy.spatial import cKDTree
from sqlalchemy.orm import Session

from mapapp.geo import EARTH_RADIUS_M, distance_m
from mapapp.matching import filters
from mapapp.matching.facts import (
    NeedFacts,
    PersonHistory,
    VolunteerFacts,
    need_facts,
    person_histories,
    volunteer_facts,
)
from mapapp.matching.people import OPEN_STATUSES, list_needs
from mapapp.matching.settings import MatchSettings
from mapapp.matching.times import overlaps
from mapapp.matching.vocab import Vocabulary

NO_CANDIDATE = "条件に合う担い手がいません（距離・日時・以前のお断りなど）"
NOT_ENOUGH = "担い手の人数が足りません（合う担い手はほかの方に割り当てました）"


@dataclass(frozen=True)
class Edges:
    """Feasible (need, volunteer) pairs as parallel arrays of indices and distances."""

    need: np.ndarray
    volunteer: np.ndarray
    distance: np.ndarray

    def __len__(self) -> int:
        return len(self.need)


def eligible(volunteers, skills: frozenset[str], as_of: dt.date) -> list[int]:
    """Indices of volunteers who pass every per-volunteer filter and offer a wanted skill."""
    probe = NeedFacts(0, None, "", (), skills, None, None, None, None, "", "", False)
    return [
        i
        for i, v in enumerate(volunteers)
        if v.lat is not None
        and not any(f(v, as_of) for f in filters.VOLUNTEER_FILTERS)
        and not filters.has_skill(probe, v, PersonHistory())
    ]


def feasible_edges(
    needs: list[NeedFacts],
    volunteers: list[VolunteerFacts],
    histories: dict[str, PersonHistory],
    as_of: dt.date,
) -> Edges:
    """Every pair that passes all hard filters. Needs share one kind (their ``skills``)."""
    empty = Edges(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    placed = [i for i, n in enumerate(needs) if n.lat is not None and n.lon is not None]
    if not placed or not volunteers:
        return empty
    skills = needs[placed[0]].skills
    ok = eligible(volunteers, skills, as_of)
    if not ok:
        return empty
    n_lat = np.array([needs[i].lat for i in placed])
    n_lon = np.array([needs[i].lon for i in placed])
    v_lat = np.array([volunteers[j].lat for j in ok])
    v_lon = np.array([volunteers[j].lon for j in ok])
    reach = np.array([volunteers[j].travel_m for j in ok], dtype=float)
    # A local flat projection finds pairs that may be in reach; the great-circle distance
    # (the one the single-need filter uses) decides.
    lat0 = math.radians(float(np.mean(n_lat)))
    k = math.pi / 180 * EARTH_RADIUS_M
    tree = cKDTree(np.column_stack([n_lon * k * math.cos(lat0), n_lat * k]))
    v_xy = np.column_stack([v_lon * k * math.cos(lat0), v_lat * k])
    # Margin: the projection's error is well under 1 % within a town (and over a prefecture).
    hits = tree.query_ball_point(v_xy, reach * 1.02 + 100.0)
    counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
    if not counts.sum():
        return empty
    vol_local = np.repeat(np.arange(len(ok)), counts)
    need_local = np.fromiter((i for h in hits for i in h), dtype=np.int64, count=int(counts.sum()))
    d = distance_m(v_lat[vol_local], v_lon[vol_local], n_lat[need_local], n_lon[need_local])
    keep = d <= reach[vol_local]  # filters.within_reach, on arrays
    vol_local, need_local, d = vol_local[keep], need_local[keep], d[keep]
    # filters.times_overlap, on arrays: its predicate (times.overlaps) once per pair of
    # distinct slot sets (a town has few), then looked up for every pair.
    need_class, need_when = _time_classes([needs[i].when for i in placed])
    vol_class, vol_when = _time_classes([volunteers[j].when for j in ok])
    table = np.array([[overlaps(a, b) for b in vol_when] for a in need_when], dtype=bool)
    good = table[need_class[need_local], vol_class[vol_local]]
    need_idx = np.asarray(placed)[need_local]
    vol_idx = np.asarray(ok)[vol_local]
    # filters.not_declined, on arrays: (need, volunteer id) keys against the declined ones.
    vol_ids = np.array([v.id for v in volunteers], dtype=np.int64)
    width = int(vol_ids.max()) + 1 if len(vol_ids) else 1
    declined = [
        i * width + vid
        for i, n in enumerate(needs)
        if (h := histories.get(n.person_key)) is not None
        for vid in h.declined
        if 0 <= vid < width
    ]
    if declined:
        good &= ~np.isin(need_idx * width + vol_ids[vol_idx], np.array(declined, dtype=np.int64))
    return Edges(need_idx[good], vol_idx[good], d[good])


def _time_classes(availabilities) -> tuple[np.ndarray, list]:
    """Each availability's class (same slots, same class) and one availability per class."""
    classes: dict[tuple, int] = {}
    representatives = []
    out = np.empty(len(availabilities), dtype=np.int64)
    for k, when in enumerate(availabilities):
        c = classes.get(when.slots)
        if c is None:
            c = classes[when.slots] = len(representatives)
            representatives.append(when)
        out[k] = c
    return out, representatives


def solve_assignment(n_needs: int, capacity, edges: Edges) -> np.ndarray:
    """For each need, the index of its volunteer or -1: the most needs assigned, then the
    least total distance, each volunteer given at most ``capacity[j]`` needs."""
    assigned = np.full(n_needs, -1, dtype=np.int64)
    if not len(edges) or n_needs == 0:
        return assigned
    capacity = np.asarray(capacity, dtype=np.int64)
    # Only needs with an edge enter the matrix.
    rows_used, need_row = np.unique(edges.need, return_inverse=True)
    n = len(rows_used)
    degree = np.bincount(edges.volunteer, minlength=len(capacity))
    slots = np.minimum(np.maximum(capacity, 0), degree)
    base = np.concatenate([[0], np.cumsum(slots)[:-1]])
    total_slots = int(slots.sum())
    reps = slots[edges.volunteer]
    rows = np.repeat(need_row, reps)
    offsets = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
    cols = np.repeat(base[edges.volunteer], reps) + offsets
    weights = np.repeat(edges.distance + 1.0, reps)
    unassigned_cost = n * (float(edges.distance.max()) + 1.0) + 1.0
    rows = np.concatenate([rows, np.arange(n)])
    cols = np.concatenate([cols, total_slots + np.arange(n)])
    weights = np.concatenate([weights, np.full(n, unassigned_cost)])
    matrix = csr_matrix((weights, (rows, cols)), shape=(n, total_slots + n))
    row_ind, col_ind = min_weight_full_bipartite_matching(matrix)
    owner = np.repeat(np.arange(len(capacity)), slots)
    real = col_ind < total_slots
    assigned[rows_used[row_ind[real]]] = owner[col_ind[real]]
    return assigned


def greedy_assignment(n_needs: int, capacity, edges: Edges) -> np.ndarray:
    """Nearest pairs first, each taken while the need is free and the volunteer has room."""
    assigned = np.full(n_needs, -1, dtype=np.int64)
    left = list(np.asarray(capacity, dtype=np.int64).tolist())
    free = [True] * n_needs
    order = np.argsort(edges.distance, kind="stable")
    need, volunteer = edges.need[order].tolist(), edges.volunteer[order].tolist()
    for i, j in zip(need, volunteer, strict=True):
        if free[i] and left[j] > 0:
            free[i], left[j] = False, left[j] - 1
            assigned[i] = j
    return assigned


def assignment_distance(assigned: np.ndarray, edges: Edges) -> float:
    lookup = dict(
        zip(
            zip(edges.need.tolist(), edges.volunteer.tolist(), strict=True),
            edges.distance.tolist(),
            strict=True,
        )
    )
    return float(sum(lookup[(i, j)] for i, j in enumerate(assigned.tolist()) if j >= 0))


@dataclass
class BatchResult:
    kind: str
    needs: list[NeedFacts]
    volunteers: list[VolunteerFacts]
    edges: Edges
    assigned: np.ndarray
    greedy: np.ndarray
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        lookup = dict(
            zip(
                zip(self.edges.need.tolist(), self.edges.volunteer.tolist(), strict=True),
                self.edges.distance.tolist(),
                strict=True,
            )
        )
        with_edge = set(self.edges.need.tolist())
        assignments, unassigned, total = [], [], 0.0
        for i, j in enumerate(self.assigned.tolist()):
            need = self.needs[i]
            ref = {"id": need.id, "source_id": need.source_id}
            if j < 0:
                unassigned.append({**ref, "reason": NOT_ENOUGH if i in with_edge else NO_CANDIDATE})
                continue
            d = lookup[(i, j)]
            total += d
            v = self.volunteers[j]
            assignments.append(
                {
                    "need": ref,
                    "volunteer": {"id": v.id, "source_id": v.source_id},
                    "distance_m": round(d, 1),
                }
            )
        greedy_n = int((self.greedy >= 0).sum())
        return {
            "kind": self.kind,
            "assignments": assignments,
            "unassigned": unassigned,
            "total_distance_m": round(total, 1),
            "greedy": {
                "assigned": greedy_n,
                "total_distance_m": round(assignment_distance(self.greedy, self.edges), 1),
            },
        }


def propose_batch(
    session: Session,
    vocabulary: Vocabulary,
    kind: str,
    *,
    area_id: int | None = None,
    as_of: dt.date,
    settings: MatchSettings,
    scope: frozenset[int] | None = None,
) -> BatchResult:
    """The optimal assignment for the open needs (受付・調整中) of ``kind`` in the viewer's
    scope (and ``area_id`` when given), among the volunteers of that scope."""
    import time

    clock = time.perf_counter()
    timings: dict[str, float] = {}
    skills = vocabulary.skills_for([kind])
    needs = [
        replace(need_facts(n, vocabulary), skills=skills)
        for n in list_needs(session, scope, statuses=OPEN_STATUSES, kind=kind, area_id=area_id)
    ]
    volunteers = (
        volunteer_facts(session, skills=skills, scope=scope, as_of=as_of, settings=settings)
        if skills
        else []
    )
    histories = person_histories(session, [n.person_key for n in needs])
    timings["load_s"] = time.perf_counter() - clock
    clock = time.perf_counter()
    edges = feasible_edges(needs, volunteers, histories, as_of)
    timings["filters_s"] = time.perf_counter() - clock
    capacity = [v.capacity - v.active_cases for v in volunteers]
    clock = time.perf_counter()
    assigned = solve_assignment(len(needs), capacity, edges)
    timings["solve_s"] = time.perf_counter() - clock
    clock = time.perf_counter()
    greedy = greedy_assignment(len(needs), capacity, edges)
    timings["greedy_s"] = time.perf_counter() - clock
    return BatchResult(kind, needs, volunteers, edges, assigned, greedy, timings)
