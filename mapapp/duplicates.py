"""Places that two sources both list: the same name (as search compares names) within 50 m.

A town's map is filled from several lists — the 社協's salon list, the MHLW 通いの場 data, the
care map, the 介護サービス情報公表 data — that name many of the same places. Such pairs are only
*likely* duplicates, for a person to look at: two salons may share a hall, and one 事業所
offers several services (each its own resource), so nothing here merges anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.geo import distance_m
from mapapp.models import Resource, ResourceStatus
from mapapp.text import search_key

NEAR_M = 50.0

# Datasets published one file per service, imported as one source per service
# (``kaigo:通所介護``, ``kaigo:訪問介護`` …): a 事業所 in two of them offers two services, it is
# not listed twice. Sources of one family are never compared with each other.
SERVICE_FAMILIES = frozenset({"kaigo"})


@dataclass(frozen=True)
class Place:
    """A resource as compared here. ``id`` is the resource's id, or the row's position for
    rows that are not written yet."""

    id: int
    source: str
    name: str
    lat: float | None
    lon: float | None
    address: str = ""


@dataclass(frozen=True)
class Pair:
    first: Place
    second: Place
    distance_m: float | None  # None: matched by address, one of them having no point


def source_family(source: str) -> str:
    """The source itself, or for ``kaigo:通所介護`` its family ``kaigo``."""
    head, sep, _ = source.partition(":")
    return head if sep and head in SERVICE_FAMILIES else source


def stored_places(session: Session) -> list[Place]:
    """Every resource that is not 終了, as a Place."""
    rows = session.execute(
        select(
            Resource.id, Resource.source, Resource.name, Resource.lat, Resource.lon,
            Resource.address,
        ).where(Resource.status != ResourceStatus.CLOSED)
    )  # fmt: skip
    return [Place(r.id, r.source, r.name, r.lat, r.lon, r.address or "") for r in rows]


def likely_duplicates(
    places: Sequence[Place],
    others: Sequence[Place] | None = None,
    *,
    near_m: float = NEAR_M,
    by_address: bool = False,
) -> list[Pair]:
    """Pairs of places of different source families with the same name key within ``near_m``.

    Without ``others``, pairs inside ``places``; with them, pairs of one place from each
    (``first`` from ``places``). Places without a point are skipped, unless ``by_address``:
    then such a place pairs with one of the same name and the same normalised address.
    Sorted by name, then by distance.
    """
    pairs: list[Pair] = []
    if others is None:
        for group in _by_name(places).values():
            for i, place in enumerate(group):
                pairs += _pairs_with(place, group[i + 1 :], near_m, by_address)
    else:
        index = _by_name(others)
        for place in places:
            pairs += _pairs_with(place, index.get(search_key(place.name), ()), near_m, by_address)
    return sorted(
        pairs,
        key=lambda p: (search_key(p.first.name), p.distance_m or 0.0, p.first.id, p.second.id),
    )


def _by_name(places: Iterable[Place]) -> dict[str, list[Place]]:
    groups: dict[str, list[Place]] = defaultdict(list)
    for place in places:
        key = search_key(place.name)
        if key:
            groups[key].append(place)
    return groups


def _has_point(place: Place) -> bool:
    return place.lat is not None and place.lon is not None


def _pairs_with(
    place: Place, candidates: Sequence[Place], near_m: float, by_address: bool
) -> list[Pair]:
    family = source_family(place.source)
    others = [c for c in candidates if source_family(c.source) != family]
    if not others:
        return []
    pairs: list[Pair] = []
    located = [c for c in others if _has_point(c)]
    if _has_point(place) and located:
        distances = np.atleast_1d(
            distance_m(
                place.lat,
                place.lon,
                np.array([c.lat for c in located], dtype=float),
                np.array([c.lon for c in located], dtype=float),
            )
        )
        pairs += [
            Pair(place, c, round(float(d), 1))
            for c, d in zip(located, distances, strict=True)
            if d <= near_m
        ]
    if by_address:
        address = search_key(place.address)
        pairs += [
            Pair(place, c, None)
            for c in others
            if address
            and not (_has_point(place) and _has_point(c))
            and search_key(c.address) == address
        ]
    return pairs
