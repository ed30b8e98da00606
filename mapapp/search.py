"""Resident search: one in-memory index of every resource, and a pipeline of small named
filters over it (area, distance, words, kind, weekday, fee, 送迎)."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import pickle
import subprocess
import sys
import threading
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mapapp.geo import EARTH_RADIUS_M, check_lat_lon, distance_m
from mapapp.models import Organization, Resource, ResourceArea, ResourceStatus
from mapapp.open_days import PAST_DAYS, OpenDays
from mapapp.schedule import parse_resource_schedule
from mapapp.storage import Storage, read_data_version
from mapapp.taxonomy import Taxonomy
from mapapp.text import FuzzyWords, reading, search_key

MAX_DATE_SPAN_DAYS = 30
STATUSES = [s.value for s in ResourceStatus]  # the index keeps a status as its position here
MAX_RADIUS_M = 50_000  # farther than anyone walks or is driven to a サロン
DEFAULT_RADIUS_M = 1_500  # about 25 minutes on foot at an older person's pace
_NONE = np.zeros(0, dtype=np.int64)  # no positions
CELL_DEG = 0.005  # rows of the spatial order: about 550 m of latitude
SEPARATE_BUILD_FROM = 20_000  # resources from which IndexCache builds in a child process


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
    statuses: tuple[str, ...] = ()  # ResourceStatus values; () = every status but 終了

    def check(self) -> None:
        """Raise InvalidSearch for values that cannot be searched with."""
        if self.near is not None:
            try:
                check_lat_lon(*self.near)
            except ValueError as exc:
                raise InvalidSearch("near", str(exc)) from None
        if self.radius_m is not None and not 1 <= self.radius_m <= MAX_RADIUS_M:
            raise InvalidSearch("radius_m", f"半径は 1〜{MAX_RADIUS_M} m で指定してください")
        unknown = [s for s in self.statuses if s not in STATUSES]
        if unknown:
            raise InvalidSearch("status", f"状態「{'、'.join(unknown)}」はありません")
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
    """Every resource, as arrays, built once per data version. 終了 ones are in it for the
    searches that ask for them by status; every other search leaves them out."""

    data_version: int
    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    kinds: np.ndarray  # int: position in kind_names
    kind_names: list[str]
    status: np.ndarray  # int: position in STATUSES
    pickup: np.ndarray  # bool
    free: np.ndarray  # bool: the fee was understood as 無料
    weekdays: np.ndarray  # int bitmask, bit 0 = Monday; 0 = unknown
    name_rank: np.ndarray  # position of each name in 50音 (search_key) order
    # Each resource's schedule, as a position in open_days.schedules (one per distinct pair
    # of 開催日時 and 休み texts), and the days those schedules meet.
    schedule_of: np.ndarray
    open_days: OpenDays
    # Prepared words (search_key), each once however many resources it names: a town of
    # 130,000 resources has about 630,000 (resource, word) pairs but 130,000 distinct words.
    # The resources each word names: positions word_owner[word_start[w]:word_start[w + 1]].
    words: list[str] = field(default_factory=list)
    word_start: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    word_owner: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    fuzzy: FuzzyWords | None = None  # words prepared for scoring
    by_area: dict[int, np.ndarray] = field(default_factory=dict)  # area id → positions
    # Positions of the resources with a point, in rows of CELL_DEG of latitude and by
    # longitude within a row, and their _cell_keys: ``near`` reads a slice of each row it
    # reaches (binary searches) instead of every point.
    spatial_order: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    spatial_key: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # Position in 五十音 order of reading (名称かな, else the computed one), then of name,
    # then of id: the order lists show, sorted once per build (see reading_order).
    reading_rank: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.ids)


@functools.lru_cache(maxsize=8)
def _kind_readings(taxonomy: Taxonomy) -> dict[str, str]:
    """{kind code: reading of its label}: the taxonomy's few short labels, read once per
    process and taxonomy (text.reading bounds each), not once per index build."""
    return {kind.code: reading(kind.label) for kind in taxonomy.kinds}


def build_index(session: Session, taxonomy: Taxonomy) -> ResourceIndex:
    # The version is read before the rows: a write that commits in between makes the index
    # look older than it is (rebuilt once more), never newer (stale for good).
    version = read_data_version(session)
    rows = session.execute(
        select(
            Resource.id, Resource.lat, Resource.lon, Resource.kind, Resource.pickup,
            Resource.fee_unit, Resource.open_weekdays, Resource.name, Resource.kana,
            Resource.reading, Resource.venue, Organization.name.label("organization"),
            Resource.schedule_text, Resource.closed_text, Resource.status,
            Resource.venue_reading, Organization.reading.label("organization_reading"),
        )
        .outerjoin(Organization, Organization.id == Resource.organization_id)
        .order_by(Resource.id)
    ).all()  # fmt: skip
    position = {r.id: i for i, r in enumerate(rows)}
    kind_names = sorted({r.kind for r in rows})
    word_ids: dict[str, int] = {}  # distinct prepared word → its position in ``words``
    prepared: dict[str, str] = {}  # text → search_key(text), once per distinct text
    key_word: list[int] = []
    owners: list[int] = []
    # Readings were computed on import (bounded, stored): none is computed here, in a request.
    kind_readings = _kind_readings(taxonomy)
    for i, r in enumerate(rows):
        label = taxonomy.kind(r.kind).label if taxonomy.has_kind(r.kind) else ""
        texts = (r.name, r.kana, r.reading, r.venue, r.organization, label)
        texts += (r.venue_reading, r.organization_reading, kind_readings.get(r.kind, ""))
        words = {_prepared(prepared, w) for w in texts if w}
        for word in sorted(w for w in words if w):
            key_word.append(word_ids.setdefault(word, len(word_ids)))
            owners.append(i)
    by_area: dict[int, list[int]] = defaultdict(list)
    for area_id, resource_id in session.execute(
        select(ResourceArea.area_id, ResourceArea.resource_id)
    ):
        if resource_id in position:
            by_area[area_id].append(position[resource_id])
    lat = np.array([r.lat for r in rows], dtype=float)  # None → NaN: not placed yet
    lon = np.array([r.lon for r in rows], dtype=float)
    schedule_ids: dict[tuple[str, str], int] = {}  # (開催日時, 休み) → position, in order seen
    schedule_of = [
        schedule_ids.setdefault((r.schedule_text, r.closed_text), len(schedule_ids)) for r in rows
    ]
    placed = np.flatnonzero(~np.isnan(lat) & ~np.isnan(lon))
    cells = _cell_keys(lat[placed], lon[placed])
    spatial_order = placed[np.argsort(cells, kind="stable")]
    return ResourceIndex(
        data_version=version,
        ids=np.array([r.id for r in rows], dtype=np.int64),
        lat=lat,
        lon=lon,
        kinds=np.array([kind_names.index(r.kind) for r in rows], dtype=np.int64),
        kind_names=kind_names,
        status=np.array([STATUSES.index(r.status) for r in rows], dtype=np.int64),
        pickup=np.array([r.pickup is True for r in rows], dtype=bool),
        free=np.array([r.fee_unit == "free" for r in rows], dtype=bool),
        weekdays=np.array([r.open_weekdays or 0 for r in rows], dtype=np.int64),
        name_rank=_ranks([_prepared(prepared, r.name) for r in rows]),
        schedule_of=np.array(schedule_of, dtype=np.int32),
        open_days=OpenDays.build(
            [parse_resource_schedule(*texts) for texts in schedule_ids],
            dt.date.today() - dt.timedelta(days=PAST_DAYS),
        ),
        words=list(word_ids),
        word_start=np.concatenate(([0], np.cumsum(np.bincount(key_word, minlength=len(word_ids))))),
        word_owner=np.array(owners, dtype=np.int32)[np.argsort(key_word, kind="stable")],
        fuzzy=FuzzyWords(list(word_ids)),
        by_area={a: np.array(sorted(p), dtype=np.int64) for a, p in by_area.items()},
        spatial_order=spatial_order,
        spatial_key=np.sort(cells, kind="stable"),
        reading_rank=_ranks(
            [(_reading_key(prepared, r), _prepared(prepared, r.name), r.id) for r in rows]
        ),
    )


class IndexCache:
    """One ResourceIndex per process, kept fresh without making requests wait for a build.

    - No index yet: the request builds one (others wait for that build, not their own).
    - The data version moved on because another process wrote (an import from the command
      line, another server process): requests go on with the index they have while one
      background thread builds the next, which replaces it when done. Such a write shows
      after one build (seconds at 130,000 resources), never in the middle of a request.
    - This process wrote (Storage.written_version): requests wait until the index is at
      least that new, so a write shows to its own process as soon as the write returns.

    From ``separate_build_from`` resources on, each build runs in a short-lived child
    process and only the finished index comes back: the serving process never holds the
    build's rows and garbage (which stayed as about 240 MB of its memory at 130,000), nor
    loads pykakasi for the kinds' readings.
    """

    def __init__(self, separate_build_from: int | None = SEPARATE_BUILD_FROM):
        self.separate_build_from = separate_build_from  # None: always in this process
        self._index: ResourceIndex | None = None
        self._build_lock = threading.Lock()  # one build at a time
        self._thread_lock = threading.Lock()
        self._background: threading.Thread | None = None
        self.background_error: BaseException | None = None  # the last failed background build

    def get(self, storage: Storage, taxonomy: Taxonomy) -> ResourceIndex:
        version = storage.data_version()
        index = self._index
        if index is not None and index.data_version == version:
            return index
        # A version this process committed is at most the database's: never wait for more.
        own = min(storage.written_version(), version)
        if index is None or index.data_version < own:
            return self._build_now(storage, taxonomy, needed=own)
        self._build_in_background(storage, taxonomy)
        return index

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a background build to finish (for tests and benches)."""
        thread = self._background
        if thread is not None:
            thread.join(timeout)

    def _build_now(self, storage, taxonomy, needed: int) -> ResourceIndex:
        """An index of version ``needed`` or newer, built here unless one is there."""
        with self._build_lock:  # waits for a background build, which may be new enough
            index = self._index
            if index is not None and index.data_version >= needed:
                return index
            self._index = self._built(storage, taxonomy)
            return self._index

    def _build_in_background(self, storage, taxonomy) -> None:
        with self._thread_lock:
            if self._background is not None and self._background.is_alive():
                return
            self._background = threading.Thread(
                target=self._build_for_later,
                args=(storage, taxonomy),
                name="mapapp-search-index",
                daemon=True,
            )
            self._background.start()

    def _build_for_later(self, storage, taxonomy) -> None:
        try:
            with self._build_lock:
                fresh = self._built(storage, taxonomy)
                if self._index is None or fresh.data_version >= self._index.data_version:
                    self._index = fresh
        except Exception as exc:  # the old index keeps serving; the next request tries again
            self.background_error = exc
            logging.getLogger(__name__).exception("search index: background build failed")

    def _built(self, storage: Storage, taxonomy: Taxonomy) -> ResourceIndex:
        if self.separate_build_from is not None:
            with storage.reading() as session:
                resources = session.scalar(select(func.count()).select_from(Resource)) or 0
            if resources >= self.separate_build_from:
                return _built_in_child(storage.url, taxonomy)
        with storage.reading() as session:
            return build_index(session, taxonomy)


def _built_in_child(url: str, taxonomy: Taxonomy) -> ResourceIndex:
    """build_index in a fresh Python process (not a fork of a threaded server, and not
    multiprocessing, which would import the server's own main module again)."""
    done = subprocess.run(
        [sys.executable, "-c", "import mapapp.search as s; s._build_for_parent()"],
        input=pickle.dumps((url, taxonomy)),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            "search index: the build process failed: " + done.stderr.decode(errors="replace")
        )
    return pickle.loads(done.stdout)  # noqa: S301 -- written by our own child, just now


def _build_for_parent() -> None:
    """In the child: read (database URL, taxonomy), build, write the index to stdout."""
    url, taxonomy = pickle.load(sys.stdin.buffer)  # noqa: S301 -- from the parent
    storage = Storage(url)
    try:
        with storage.reading() as session:
            index = build_index(session, taxonomy)
    finally:
        storage.dispose()
    sys.stdout.buffer.write(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))


def kind_counts(index: ResourceIndex, area_id: int | None = None) -> dict[str, int]:
    """{kind: how many} (in the area, 終了 left out), for filter choices."""
    shown = _status_mask(index, ())
    positions = index.by_area.get(area_id, _NONE) if area_id else np.arange(len(index))
    positions = positions[shown[positions]]
    counts = np.bincount(index.kinds[positions], minlength=len(index.kind_names))
    return {name: int(n) for name, n in zip(index.kind_names, counts, strict=True) if n}


def search(index: ResourceIndex, query: SearchQuery) -> SearchResult:
    """Run the filters in order; hits are sorted by distance, then word score, then name."""
    query.check()
    shown = _status_mask(index, query.statuses)
    positions = _candidates(index, query)
    positions = positions[shown[positions]]
    positions = _of_kinds(index, positions, query.kinds)
    positions = _open_on_weekday(index, positions, query.weekday)
    positions = _open_between(index, positions, query.open_between)
    positions = _free(index, positions, query.free_only)
    positions = _with_pickup(index, positions, query.pickup_only)
    positions, distances = _within_reach(index, positions, query.near, query.radius_m)
    scores = None
    if query.text.strip():
        scores = _matching_words(index, query.text)
        scores[~shown] = 0.0
        if not scores.any():
            return SearchResult(np.array([], dtype=np.int64), words_matched_nothing=True)
        keep = scores[positions] > 0.0
        positions = positions[keep]
        distances = distances[keep] if distances is not None else None
    return _ordered(index, positions, distances, scores)


def _status_mask(index, statuses) -> np.ndarray:
    """Which positions have one of ``statuses`` (none given: any status but 終了)."""
    if not statuses:
        return index.status != STATUSES.index(ResourceStatus.CLOSED)
    return np.isin(index.status, [STATUSES.index(s) for s in statuses])


def _candidates(index, query) -> np.ndarray:
    """Positions that may match, before any filter: the area's (stored sorted), else those
    in the cells that ``near`` can reach, else all."""
    if query.area_id is not None:
        return index.by_area.get(query.area_id, _NONE)
    if query.near is not None:
        return _in_reach_of_cells(index, *query.near, query.radius_m or DEFAULT_RADIUS_M)
    return np.arange(len(index))


def _cell_keys(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Row of CELL_DEG latitude × 400, plus longitude + 180: sorted, each row's points lie
    together in order of longitude (360 < 400 keeps rows apart)."""
    return np.floor(lat / CELL_DEG) * 400.0 + (lon + 180.0)


def _in_reach_of_cells(index, lat: float, lon: float, radius_m: float) -> np.ndarray:
    """Positions in the rows ``radius_m`` reaches, between the longitudes it reaches: a few
    slices of spatial_order, a superset of the points within reach."""
    lat_reach, lon_reach = _reach_deg(lat, radius_m)
    rows = np.arange(
        math.floor((lat - lat_reach) / CELL_DEG), math.floor((lat + lat_reach) / CELL_DEG) + 1
    )
    west, east = 0.0, 360.0
    if lon_reach is not None:  # a hair wider than the box: keys carry rounding
        west, east = (
            max(west, lon - lon_reach + 179.9999999),
            min(east, lon + lon_reach + 180.0000001),
        )
    starts = np.searchsorted(index.spatial_key, rows * 400.0 + west, "left")
    lengths = np.searchsorted(index.spatial_key, rows * 400.0 + east, "right") - starts
    return _gather(index.spatial_order, starts, lengths)


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
    meets = index.open_days.meets_between(*days)  # per distinct schedule
    return positions[meets[index.schedule_of[positions]]]


def _free(index, positions, free_only):
    return positions[index.free[positions]] if free_only else positions


def _with_pickup(index, positions, pickup_only):
    return positions[index.pickup[positions]] if pickup_only else positions


def _within_reach(index, positions, near, radius_m):
    if near is None:
        return positions, None
    lat, lon = near
    radius_m = radius_m or DEFAULT_RADIUS_M
    lat_reach, lon_reach = _reach_deg(lat, radius_m)
    box = np.abs(index.lat[positions] - lat) <= lat_reach  # NaN (no point) is never inside
    if lon_reach is not None:
        box &= np.abs(index.lon[positions] - lon) <= lon_reach
    positions = positions[box]
    distances = distance_m(lat, lon, index.lat[positions], index.lon[positions])
    keep = distances <= radius_m
    return positions[keep], distances[keep]


def _reach_deg(lat: float, radius_m: float) -> tuple[float, float | None]:
    """(Δlat, Δlon) in degrees beyond which no point is within ``radius_m`` of latitude
    ``lat`` by the haversine distance; Δlon None where the circle reaches a pole.

    hav(d/R) = hav(Δφ) + cos φ1 cos φ2 hav(Δλ), so d ≥ R·|Δφ|, and hav(Δλ) ≤ hav(d/R) /
    (cos φ1 cos φ2) with φ2 at most Δφ nearer a pole. A margin of one part in a million
    keeps rounding from dropping a point the exact distance keeps.
    """
    margin = 1 + 1e-6
    angle = radius_m / EARTH_RADIUS_M * margin
    lat_reach = math.degrees(angle)
    nearest_pole = math.radians(min(90.0, abs(lat) + lat_reach))
    cosines = math.cos(math.radians(lat)) * math.cos(nearest_pole)
    ratio = math.sin(angle / 2) ** 2 / cosines if cosines > 0 else math.inf
    if ratio >= 1:
        return lat_reach, None
    return lat_reach, math.degrees(2 * math.asin(math.sqrt(ratio))) * margin


def _matching_words(index: ResourceIndex, text: str) -> np.ndarray:
    """Best word score of each resource position; 0.0 where no word passes the fuzzy cutoff.

    Each distinct word is scored once, then its score goes to every resource it names.
    """
    fuzzy = index.fuzzy or FuzzyWords(index.words)
    by_word = fuzzy.scores(search_key(text))
    matched = np.flatnonzero(by_word)
    starts = index.word_start[matched]
    lengths = index.word_start[matched + 1] - starts
    best = np.zeros(len(index))
    owners = _gather(index.word_owner, starts, lengths)
    np.maximum.at(best, owners, np.repeat(by_word[matched], lengths))
    return best


def _gather(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """values[s : s + n] for every (s, n) of starts and lengths, concatenated, in one step."""
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return values[offsets + np.arange(lengths.sum())]


def _reading_key(cache: dict[str, str], row) -> str:
    """What lists sort by: the 名称かな, else the computed reading, else the name."""
    return _prepared(cache, row.kana or row.reading or row.name)


def _prepared(cache: dict[str, str], text: str) -> str:
    """search_key(text) through a dict local to one build: names outnumber search_key's
    cache in a large town, and venues, organisations and kinds repeat."""
    found = cache.get(text)
    if found is None:
        found = cache[text] = search_key(text)
    return found


def _ordered(index, positions, distances, scores) -> SearchResult:
    """Nearest first; then best word match; then in 50音 order of names."""
    score = scores[positions] if scores is not None else None
    distance = distances if distances is not None else np.zeros(len(positions))
    tie_break = -score if score is not None else np.zeros(len(positions))
    order = np.lexsort((index.name_rank[positions], tie_break, distance))  # last key sorts first
    return SearchResult(
        ids=index.ids[positions[order]],
        distances=distances[order] if distances is not None else None,
        scores=score[order] if score is not None else None,
    )


def reading_order(index: ResourceIndex, taxonomy: Taxonomy, ids) -> np.ndarray:
    """``ids`` of this index with 通いの場 first, then each kind group in the taxonomy's
    order, and in 五十音 order of reading (名称かな, else the computed one) within a group:
    an area's list in one NumPy sort, without reading 100,000 rows per request. Ids the
    index does not hold are left out."""
    ids = np.asarray(ids, dtype=np.int64)
    groups = {group.code: n for n, group in enumerate(taxonomy.groups)}
    group_of_kind = np.array(
        [
            groups.get(taxonomy.kind(k).group, len(groups)) if taxonomy.has_kind(k) else len(groups)
            for k in index.kind_names
        ]
        or [0]
    )
    positions = np.searchsorted(index.ids, ids)  # ids are stored in ascending order
    held = positions < len(index)
    positions = positions[held][index.ids[positions[held]] == ids[held]]
    order = np.lexsort((index.reading_rank[positions], group_of_kind[index.kinds[positions]]))
    return index.ids[positions[order]]


def _ranks(keys: list) -> np.ndarray:
    order = sorted(range(len(keys)), key=keys.__getitem__)
    ranks = np.empty(len(keys), dtype=np.int64)
    ranks[order] = np.arange(len(keys))
    return ranks
