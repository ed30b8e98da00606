"""Resident search: a pipeline of small named filters (area, distance, words, kind, weekday,
fee, 送迎) over the in-memory index of every resource (mapapp.search_index), which
mapapp.index_cache keeps fresh in each process."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from mapapp.geo import EARTH_RADIUS_M, check_lat_lon, distance_m
from mapapp.index_cache import SEPARATE_BUILD_FROM, IndexCache  # noqa: F401 -- as before
from mapapp.models import ResourceStatus
from mapapp.search_index import (  # noqa: F401 -- build_index and kind_readings as before
    CELL_DEG,
    GONE,
    STATUSES,
    ResourceIndex,
    build_index,
    kind_readings,
)
from mapapp.taxonomy import Taxonomy
from mapapp.text import FuzzyWords, search_key

MAX_DATE_SPAN_DAYS = 30
MAX_RADIUS_M = 50_000  # farther than anyone walks or is driven to a サロン
DEFAULT_RADIUS_M = 1_500  # about 25 minutes on foot at an older person's pace
_NONE = np.zeros(0, dtype=np.int64)  # no positions
_kind_readings = kind_readings  # its name before the index had a module of its own


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
    positions = _candidates(index, query)
    # Statuses of the candidates only: a nearby search reads no array of the whole town.
    positions = positions[_status_mask(index, query.statuses, positions)]
    positions = _of_kinds(index, positions, query.kinds)
    positions = _open_on_weekday(index, positions, query.weekday)
    positions = _open_between(index, positions, query.open_between)
    positions = _free(index, positions, query.free_only)
    positions = _with_pickup(index, positions, query.pickup_only)
    positions, distances = _within_reach(index, positions, query.near, query.radius_m)
    scores = None
    if query.text.strip():
        scores = _matching_words(index, query.text)
        scores[~_status_mask(index, query.statuses)] = 0.0
        if not scores.any():
            return SearchResult(np.array([], dtype=np.int64), words_matched_nothing=True)
        keep = scores[positions] > 0.0
        positions = positions[keep]
        distances = distances[keep] if distances is not None else None
    return _ordered(index, positions, distances, scores)


def _status_mask(index, statuses, positions=None) -> np.ndarray:
    """Which of ``positions`` (default: all) have one of ``statuses`` (none given: any status
    but 終了)."""
    status = index.status if positions is None else index.status[positions]
    if not statuses:  # GONE: a row deleted since the build, never shown
        return (status != STATUSES.index(ResourceStatus.CLOSED)) & (status != GONE)
    return np.isin(status, [STATUSES.index(s) for s in statuses])


def _candidates(index, query) -> np.ndarray:
    """Positions that may match, before any filter: the area's (stored sorted), else those
    in the cells that ``near`` can reach, else all."""
    if query.area_id is not None:
        return index.by_area.get(query.area_id, _NONE)
    if query.near is not None:
        return _in_reach_of_cells(index, *query.near, query.radius_m or DEFAULT_RADIUS_M)
    return np.arange(len(index))


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
