"""Resident search: one in-memory index of every resource, and a pipeline of small named
filters over it (area, distance, words, kind, weekday, fee, 送迎)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.geo import check_lat_lon, distance_m
from mapapp.models import Organization, Resource, ResourceArea, ResourceStatus
from mapapp.schedule import occurrences_between, parse_resource_schedule
from mapapp.storage import Storage, read_data_version
from mapapp.taxonomy import Taxonomy
from mapapp.text import fuzzy_scores, reading, search_key

MAX_DATE_SPAN_DAYS = 30
MAX_RADIUS_M = 50_000  # farther than anyone walks or is driven to a サロン
DEFAULT_RADIUS_M = 1_500  # about 25 minutes on foot at an older person's pace


class InvalidSearch(ValueError):
    """A search that cannot be run; ``field`` names the parameter at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    near: tuple[float, float] | None = None  # (lat, lon)
    radius_m: int | None = None  # only with near; None: DEFAULT_RADIUS_M
    kinds: tuple[str, ...] = ()
    area_id: int | None = None
    weekday: int | None = None  # 0 = Monday
    open_between: tuple[dt.date, dt.date] | None = None  # meets on some day in [first, last]
    free_only: bool = False
    pickup_only: bool = False

    def check(self) -> None:
        """Raise InvalidSearch for values that cannot be searched with."""
        if self.near is not None:
            try:
                check_lat_lon(*self.near)
            except ValueError as exc:
                raise InvalidSearch("near", str(exc)) from None
        if self.radius_m is not None and not 1 <= self.radius_m <= MAX_RADIUS_M:
            raise InvalidSearch("radius_m", f"半径は 1〜{MAX_RADIUS_M} m で指定してください")
        if self.weekday is not None and not 0 <= self.weekday <= 6:
            raise InvalidSearch("weekday", "曜日は 0（月）〜6（日）で指定してください")
        if self.open_between is not None:
            first, last = self.open_between
            if last < first or (last - first).days > MAX_DATE_SPAN_DAYS:
                raise InvalidSearch(
                    "date", f"期間は {MAX_DATE_SPAN_DAYS + 1} 日以内で指定してください"
                )


@dataclass(frozen=True)
class Hit:
    resource_id: int
    distance_m: float | None = None
    score: float | None = None


@dataclass
class SearchResult:
    """Every match, in order, kept as arrays: a page of hits is made only when asked for, so
    an area of 100,000 resources costs its sort, not 100,000 objects."""

    ids: np.ndarray
    distances: np.ndarray | None = None
    scores: np.ndarray | None = None
    words_matched_nothing: bool = False  # the words found nothing at all (say so, show none)

    @property
    def total(self) -> int:
        return len(self.ids)

    def page(self, offset: int = 0, limit: int | None = None) -> list[Hit]:
        end = self.total if limit is None else min(self.total, offset + limit)
        return [
            Hit(
                int(self.ids[i]),
                float(self.distances[i]) if self.distances is not None else None,
                float(self.scores[i]) if self.scores is not None else None,
            )
            for i in range(offset, end)
        ]

    @property
    def hits(self) -> list[Hit]:
        return self.page()


@dataclass
class ResourceIndex:
    """Every resource that is not 終了, as arrays, built once per data version."""

    data_version: int
    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    kinds: np.ndarray  # int: position in kind_names
    kind_names: list[str]
    pickup: np.ndarray  # bool
    free: np.ndarray  # bool: the fee was understood as 無料
    weekdays: np.ndarray  # int bitmask, bit 0 = Monday; 0 = unknown
    name_rank: np.ndarray  # position of each name in 50音 (search_key) order
    schedule_texts: np.ndarray  # (開催日時, 休み) pairs, for date filters
    keys: list[str] = field(default_factory=list)  # prepared words, several per resource
    key_owner: list[int] = field(default_factory=list)  # position in ids of each key
    by_area: dict[int, np.ndarray] = field(default_factory=dict)  # area id → positions

    def __len__(self) -> int:
        return len(self.ids)


def build_index(session: Session, taxonomy: Taxonomy) -> ResourceIndex:
    # The version is read before the rows: a write that commits in between makes the index
    # look older than it is (rebuilt once more), never newer (stale for good).
    version = read_data_version(session)
    rows = session.execute(
        select(
            Resource.id, Resource.lat, Resource.lon, Resource.kind, Resource.pickup,
            Resource.fee_unit, Resource.open_weekdays, Resource.name, Resource.kana,
            Resource.reading, Resource.venue, Organization.name.label("organization"),
            Resource.schedule_text, Resource.closed_text,
        )
        .outerjoin(Organization, Organization.id == Resource.organization_id)
        .where(Resource.status != ResourceStatus.CLOSED)
        .order_by(Resource.id)
    ).all()  # fmt: skip
    position = {r.id: i for i, r in enumerate(rows)}
    kind_names = sorted({r.kind for r in rows})
    keys: list[str] = []
    owners: list[int] = []
    for i, r in enumerate(rows):
        label = taxonomy.kind(r.kind).label if taxonomy.has_kind(r.kind) else ""
        texts = (r.name, r.kana, r.reading, r.venue, r.organization, label)
        texts += tuple(reading(t) for t in (r.venue, r.organization, label))
        words = {search_key(w) for w in texts if w}
        for word in sorted(w for w in words if w):
            keys.append(word)
            owners.append(i)
    by_area: dict[int, list[int]] = defaultdict(list)
    for area_id, resource_id in session.execute(
        select(ResourceArea.area_id, ResourceArea.resource_id)
    ):
        if resource_id in position:
            by_area[area_id].append(position[resource_id])
    return ResourceIndex(
        data_version=version,
        ids=np.array([r.id for r in rows], dtype=np.int64),
        lat=np.array([r.lat for r in rows], dtype=float),
        lon=np.array([r.lon for r in rows], dtype=float),
        kinds=np.array([kind_names.index(r.kind) for r in rows], dtype=np.int64),
        kind_names=kind_names,
        pickup=np.array([r.pickup is True for r in rows], dtype=bool),
        free=np.array([r.fee_unit == "free" for r in rows], dtype=bool),
        weekdays=np.array([r.open_weekdays or 0 for r in rows], dtype=np.int64),
        name_rank=_ranks([search_key(r.name) for r in rows]),
        schedule_texts=np.array(
            [(r.schedule_text, r.closed_text) for r in rows] or np.empty((0, 2)), dtype=object
        ),
        keys=keys,
        key_owner=owners,
        by_area={a: np.array(sorted(p), dtype=np.int64) for a, p in by_area.items()},
    )


class IndexCache:
    """One ResourceIndex per process, rebuilt when the data version has moved on."""

    def __init__(self):
        self._index: ResourceIndex | None = None
        self._lock = threading.Lock()

    def get(self, storage: Storage, taxonomy: Taxonomy) -> ResourceIndex:
        version = storage.data_version()
        index = self._index
        if index is not None and index.data_version == version:
            return index
        with self._lock:  # one thread builds; the others wait without holding a connection
            if self._index is None or self._index.data_version != version:
                with storage.reading() as session:
                    self._index = build_index(session, taxonomy)
            return self._index


def kind_counts(index: ResourceIndex, area_id: int | None = None) -> dict[str, int]:
    """{kind: how many} (in the area), for filter choices."""
    positions = index.by_area.get(area_id, np.array([], dtype=np.int64)) if area_id else slice(None)
    counts = np.bincount(index.kinds[positions], minlength=len(index.kind_names))
    return {name: int(n) for name, n in zip(index.kind_names, counts, strict=True) if n}


def search(index: ResourceIndex, query: SearchQuery) -> SearchResult:
    """Run the filters in order; hits are sorted by distance, then word score, then name."""
    query.check()
    positions = np.arange(len(index))
    positions = _in_area(index, positions, query.area_id)
    positions = _of_kinds(index, positions, query.kinds)
    positions = _open_on_weekday(index, positions, query.weekday)
    positions = _open_between(index, positions, query.open_between)
    positions = _free(index, positions, query.free_only)
    positions = _with_pickup(index, positions, query.pickup_only)
    positions, distances = _within_reach(index, positions, query.near, query.radius_m)
    scores: dict[int, float] = {}
    if query.text.strip():
        scores = _matching_words(index, query.text)
        if not scores:
            return SearchResult(np.array([], dtype=np.int64), words_matched_nothing=True)
        keep = np.array([p in scores for p in positions], dtype=bool)
        positions = positions[keep]
        distances = distances[keep] if distances is not None else None
    return _ordered(index, positions, distances, scores)


def _in_area(index, positions, area_id):
    if area_id is None:
        return positions
    return np.intersect1d(positions, index.by_area.get(area_id, np.array([], dtype=np.int64)))


def _of_kinds(index, positions, kinds):
    if not kinds:
        return positions
    wanted = [index.kind_names.index(k) for k in kinds if k in index.kind_names]
    return positions[np.isin(index.kinds[positions], wanted)]


def _open_on_weekday(index, positions, weekday):
    if weekday is None:
        return positions
    return positions[(index.weekdays[positions] & (1 << weekday)) != 0]


def _open_between(index, positions, days):
    if days is None:
        return positions
    first, last = days
    keep = [
        p
        for p in positions
        if occurrences_between(parse_resource_schedule(*index.schedule_texts[p]), first, last)
    ]
    return np.array(keep, dtype=np.int64)


def _free(index, positions, free_only):
    return positions[index.free[positions]] if free_only else positions


def _with_pickup(index, positions, pickup_only):
    return positions[index.pickup[positions]] if pickup_only else positions


def _within_reach(index, positions, near, radius_m):
    if near is None:
        return positions, None
    lat, lon = near
    distances = distance_m(lat, lon, index.lat[positions], index.lon[positions])
    keep = distances <= (radius_m or DEFAULT_RADIUS_M)
    return positions[keep], distances[keep]


def _matching_words(index: ResourceIndex, text: str) -> dict[int, float]:
    """Best word score per resource position, for words that pass the fuzzy cutoff."""
    best: dict[int, float] = {}
    for key_index, score in fuzzy_scores(search_key(text), index.keys):
        owner = index.key_owner[key_index]
        best[owner] = max(score, best.get(owner, 0.0))
    return best


def _ordered(index, positions, distances, scores) -> SearchResult:
    """Nearest first; then best word match; then in 50音 order of names."""
    score = np.array([scores.get(p, 0.0) for p in positions]) if scores else None
    distance = distances if distances is not None else np.zeros(len(positions))
    tie_break = -score if score is not None else np.zeros(len(positions))
    order = np.lexsort((index.name_rank[positions], tie_break, distance))  # last key sorts first
    return SearchResult(
        ids=index.ids[positions[order]],
        distances=distances[order] if distances is not None else None,
        scores=score[order] if score is not None else None,
    )


def _ranks(keys: list[str]) -> np.ndarray:
    order = sorted(range(len(keys)), key=keys.__getitem__)
    ranks = np.empty(len(keys), dtype=np.int64)
    ranks[order] = np.arange(len(keys))
    return ranks
