"""Batch proposals: the min-cost matching equals the optimum of an independent brute-force
solver on small random cases, respects capacities, assigns at least as many as greedy; its
feasible pairs are exactly those the single-need hard filters let through."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mapapp.matching import filters
from mapapp.matching.batch import (
    Edges,
    assignment_distance,
    feasible_edges,
    greedy_assignment,
    solve_assignment,
)
from mapapp.matching.facts import NeedFacts, PersonHistory, VolunteerFacts
from mapapp.matching.times import read_availability
from mapapp.models import TravelMode, VolunteerStatus


def brute_force(n_needs, capacity, edges):
    """(most needs assigned, least total distance) by trying every choice."""
    options = [[] for _ in range(n_needs)]
    for i, j, d in zip(
        edges.need.tolist(), edges.volunteer.tolist(), edges.distance.tolist(), strict=True
    ):
        options[i].append((j, d))
    best = (0, 0.0)
    left = list(capacity)

    def walk(i, count, total):
        nonlocal best
        if i == n_needs:
            if count > best[0] or (count == best[0] and total < best[1] - 1e-9):
                best = (count, total)
            return
        walk(i + 1, count, total)
        for j, d in options[i]:
            if left[j] > 0:
                left[j] -= 1
                walk(i + 1, count + 1, total + d)
                left[j] += 1

    walk(0, 0, 0.0)
    return best


@st.composite
def cases(draw):
    n = draw(st.integers(0, 6))
    v = draw(st.integers(0, 4))
    capacity = draw(st.lists(st.integers(1, 3), min_size=v, max_size=v))
    pairs = [(i, j) for i in range(n) for j in range(v)]
    chosen = (
        draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs))) if pairs else []
    )
    distances = draw(st.lists(st.integers(0, 3000), min_size=len(chosen), max_size=len(chosen)))
    edges = Edges(
        np.array([p[0] for p in chosen], dtype=np.int64),
        np.array([p[1] for p in chosen], dtype=np.int64),
        np.array(distances, dtype=float),
    )
    return n, capacity, edges


@settings(max_examples=400, deadline=None)
@given(cases())
def test_optimal_equals_brute_force_and_beats_greedy(case):
    n, capacity, edges = case
    assigned = solve_assignment(n, capacity, edges)
    count = int((assigned >= 0).sum())
    total = assignment_distance(assigned, edges)
    best = brute_force(n, capacity, edges)
    assert count == best[0]
    assert abs(total - best[1]) < 1e-6
    # Feasible pairs only, and nobody over capacity.
    pairs = set(zip(edges.need.tolist(), edges.volunteer.tolist(), strict=True))
    assert all((i, j) in pairs for i, j in enumerate(assigned.tolist()) if j >= 0)
    used = np.bincount(assigned[assigned >= 0], minlength=len(capacity))
    assert all(used[j] <= capacity[j] for j in range(len(capacity)))
    greedy = greedy_assignment(n, capacity, edges)
    assert count >= int((greedy >= 0).sum())
    if count == int((greedy >= 0).sum()):
        assert total <= assignment_distance(greedy, edges) + 1e-6


def test_greedy_is_not_optimal_on_a_paper_case():
    # Need 0 may go to A (1 m) or B (5 m); need 1 only to A (2 m). Greedy takes A for need 0
    # and leaves need 1 out; the optimum assigns both (0→B, 1→A: 7 m).
    edges = Edges(np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([1.0, 5.0, 2.0]))
    assert solve_assignment(2, [1, 1], edges).tolist() == [1, 0]
    assert greedy_assignment(2, [1, 1], edges).tolist() == [0, -1]


AS_OF = dt.date(2026, 6, 2)
WHEN = ["", "火曜の午前", "火曜 11:00〜13:00", "水曜日", "月・水 13:00〜16:00", "要相談"]


@st.composite
def people(draw):
    needs = [
        NeedFacts(
            i,
            str(i),
            f"p{draw(st.integers(0, 3))}",
            ("kaji",),
            frozenset({"gomidashi"}),
            35.0 + draw(st.integers(0, 30)) / 1000,
            137.0 + draw(st.integers(0, 30)) / 1000,
            None,
            read_availability(draw(st.sampled_from(WHEN))),
            "",
            "",
            True,
        )
        for i in range(draw(st.integers(1, 6)))
    ]
    volunteers = [
        VolunteerFacts(
            j,
            str(j),
            frozenset(
                draw(st.sampled_from([{"gomidashi"}, {"hanashiaite"}, {"gomidashi", "kaji"}]))
            ),
            35.0 + draw(st.integers(0, 30)) / 1000,
            137.0 + draw(st.integers(0, 30)) / 1000,
            None,
            draw(st.sampled_from(list(VolunteerStatus))),
            TravelMode.WALK,
            draw(st.sampled_from([300, 800, 2000])),
            draw(st.integers(1, 2)),
            draw(st.integers(0, 2)),
            0,
            draw(st.sampled_from([None, dt.date(2026, 6, 1), dt.date(2027, 3, 31)])),
            draw(st.sampled_from([(), ((dt.date(2025, 1, 1), None),)])),
            "",
            read_availability(draw(st.sampled_from(WHEN))),
        )
        for j in range(draw(st.integers(0, 6)))
    ]
    declined = {
        f"p{k}": PersonHistory(frozenset(draw(st.sets(st.integers(0, 5), max_size=2))))
        for k in range(4)
    }
    return needs, volunteers, declined


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people())
def test_batch_pairs_are_exactly_those_the_filters_allow(case):
    needs, volunteers, histories = case
    edges = feasible_edges(needs, volunteers, histories, AS_OF)
    got = set(zip(edges.need.tolist(), edges.volunteer.tolist(), strict=True))
    expected = {
        (i, j)
        for i, n in enumerate(needs)
        for j, v in enumerate(volunteers)
        if not filters.exclusions(n, v, histories.get(n.person_key, PersonHistory()), AS_OF)
    }
    assert got == expected
