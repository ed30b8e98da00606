"""The search index: every resource as arrays (points, kinds, weekdays, fee, words, orders),
built once per data version from one read of the rows. ``mapapp.search`` runs queries over
it; ``mapapp.index_patch`` brings it up to date when only a few rows changed."""

from __future__ import annotations

import datetime as dt
import marshal
import zlib
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.models import Organization, Resource, ResourceArea, ResourceStatus
from mapapp.open_days import PAST_DAYS, OpenDays
from mapapp.schedule import parse_resource_schedule
from mapapp.storage import read_data_version
from mapapp.taxonomy import Taxonomy
from mapapp.text import FuzzyWords, search_key

STATUSES = [s.value for s in ResourceStatus]  # the index keeps a status as its position here
GONE = len(STATUSES)  # the status of a row deleted since the build (a patched index keeps it)
CELL_DEG = 0.005  # rows of the spatial order: about 550 m of latitude


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
    status: np.ndarray  # int: position in STATUSES, or GONE
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
    # What a patch needs to change a few rows without deriving the others again: each row's
    # fingerprint (fingerprints()), its name's and reading's keys (the very strings of
    # ``words``, so they cost a reference each), and the (開催日時, 休み) pair of each schedule.
    fingerprints: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    name_keys: list[str] = field(default_factory=list)
    reading_keys: list[str] = field(default_factory=list)
    schedule_texts: list[tuple[str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)


def kind_readings(taxonomy: Taxonomy) -> dict[str, str]:
    """{kind code: reading of its label}: the taxonomy's own (data/taxonomy.toml), so that a
    serving process never loads pykakasi; computed only for a kind whose entry has none."""
    missing = [kind.label for kind in taxonomy.kinds if not kind.reading]
    if missing:
        from mapapp.text import reading  # pykakasi: only for a taxonomy without readings

        computed = {label: reading(label) for label in missing}
    return {kind.code: kind.reading or computed[kind.label] for kind in taxonomy.kinds}


# The columns build_index reads, in this order (a row is a plain tuple of them).
ROW_COLUMNS = (
    Resource.id, Resource.lat, Resource.lon, Resource.kind, Resource.pickup,
    Resource.fee_unit, Resource.open_weekdays, Resource.name, Resource.kana,
    Resource.reading, Resource.venue, Organization.name.label("organization"),
    Resource.schedule_text, Resource.closed_text, Resource.status,
    Resource.venue_reading, Organization.reading.label("organization_reading"),
)  # fmt: skip
ID, LAT, LON, KIND, PICKUP, FEE_UNIT, WEEKDAYS, NAME, KANA, READING, VENUE, ORGANIZATION = range(12)
SCHEDULE, CLOSED, STATUS, VENUE_READING, ORGANIZATION_READING = range(12, 17)


def read_rows(session: Session) -> tuple[int, list[tuple], np.ndarray]:
    """(data version, every resource's row in id order, [[area id, resource id]] links).

    Rows are the database driver's own tuples (a status is its stored value, 送迎 may be 1
    for True): 130,000 of them are read in a fraction of the time SQLAlchemy's rows take.
    The version is read before the rows: a write that commits in between makes the index
    look older than it is (rebuilt once more), never newer (stale for good).
    """
    version = read_data_version(session)
    connection = session.connection()
    rows_of = (
        select(*ROW_COLUMNS)
        .outerjoin(Organization, Organization.id == Resource.organization_id)
        .order_by(Resource.id)
    )
    links_of = select(ResourceArea.area_id, ResourceArea.resource_id)
    cursor = connection.connection.cursor()  # the driver's cursor: no step per row on the way
    try:
        cursor.execute(str(rows_of.compile(dialect=connection.dialect)))
        rows = cursor.fetchall()
        cursor.execute(str(links_of.compile(dialect=connection.dialect)))
        links = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 2)
    finally:
        cursor.close()
    return version, rows, links


def fingerprints(rows: list[tuple]) -> np.ndarray:
    """A 64-bit checksum of each row (CRC-32 and Adler-32 of its marshalled values): the same
    in every process, so that a patch finds the rows that changed since a build made in
    another one. Marshal format 2: later ones mark shared objects, which vary by process."""
    dumped = [marshal.dumps(row, 2) for row in rows]
    return np.array(
        [zlib.crc32(d) << 32 | zlib.adler32(d) for d in dumped], dtype=np.uint64
    ).reshape(-1)


def row_words(row: tuple, label: str, kind_reading: str, prepared: dict[str, str]) -> set[str]:
    """The prepared words a row is found by: name, かな, readings, venue, organisation, kind."""
    texts = (row[NAME], row[KANA], row[READING], row[VENUE], row[ORGANIZATION], label)
    texts += (row[VENUE_READING], row[ORGANIZATION_READING], kind_reading)
    words = {_prepared(prepared, w) for w in texts if w}
    words.discard("")
    return words


def build_index(session: Session, taxonomy: Taxonomy) -> ResourceIndex:
    version, rows, links = read_rows(session)
    return assemble(version, rows, links, taxonomy)


def assemble(version: int, rows: list[tuple], links: np.ndarray, taxonomy: Taxonomy):
    """The index of ``rows`` (read_rows' order and shape) and their area links."""
    kind_names = sorted({r[KIND] for r in rows})
    word_ids: dict[str, int] = {}  # distinct prepared word → its position in ``words``
    prepared: dict[str, str] = {}  # text → search_key(text), once per distinct text
    key_word: list[int] = []
    owners: list[int] = []
    # Readings were computed on import (bounded, stored): none is computed here, in a request.
    readings = kind_readings(taxonomy)
    labels = {kind.code: kind.label for kind in taxonomy.kinds}
    for i, r in enumerate(rows):
        words = row_words(r, labels.get(r[KIND], ""), readings.get(r[KIND], ""), prepared)
        for word in sorted(words):
            key_word.append(word_ids.setdefault(word, len(word_ids)))
            owners.append(i)
    ids = np.array([r[ID] for r in rows], dtype=np.int64)
    lat = np.array([r[LAT] for r in rows], dtype=float)  # None → NaN: not placed yet
    lon = np.array([r[LON] for r in rows], dtype=float)
    schedule_ids: dict[tuple[str, str], int] = {}  # (開催日時, 休み) → position, in order seen
    schedule_of = [
        schedule_ids.setdefault((r[SCHEDULE], r[CLOSED]), len(schedule_ids)) for r in rows
    ]
    name_keys = [_prepared(prepared, r[NAME]) for r in rows]
    reading_keys = [reading_key(prepared, r) for r in rows]
    spatial_order, spatial_key = spatial(lat, lon)
    return ResourceIndex(
        data_version=version,
        ids=ids,
        lat=lat,
        lon=lon,
        kinds=np.array([kind_names.index(r[KIND]) for r in rows], dtype=np.int64),
        kind_names=kind_names,
        status=np.array([STATUSES.index(r[STATUS]) for r in rows], dtype=np.int64),
        pickup=np.array([bool(r[PICKUP]) for r in rows], dtype=bool),
        free=np.array([r[FEE_UNIT] == "free" for r in rows], dtype=bool),
        weekdays=np.array([r[WEEKDAYS] or 0 for r in rows], dtype=np.int64),
        name_rank=ranks(name_keys),
        schedule_of=np.array(schedule_of, dtype=np.int32),
        open_days=OpenDays.build(
            [parse_resource_schedule(*texts) for texts in schedule_ids],
            dt.date.today() - dt.timedelta(days=PAST_DAYS),
        ),
        words=list(word_ids),
        word_start=np.concatenate(([0], np.cumsum(np.bincount(key_word, minlength=len(word_ids))))),
        word_owner=np.array(owners, dtype=np.int32)[np.argsort(key_word, kind="stable")],
        fuzzy=FuzzyWords(list(word_ids)),
        by_area=areas_of(links, ids, np.ones(len(ids), dtype=bool)),
        spatial_order=spatial_order,
        spatial_key=spatial_key,
        reading_rank=ranks(list(zip(reading_keys, name_keys, ids.tolist(), strict=True))),
        fingerprints=fingerprints(rows),
        name_keys=name_keys,
        reading_keys=reading_keys,
        schedule_texts=list(schedule_ids),
    )


def areas_of(links: np.ndarray, ids: np.ndarray, present: np.ndarray) -> dict[int, np.ndarray]:
    """{area id: positions, ascending} of the [[area id, resource id]] links whose resource
    is in ``ids`` (ascending) and present."""
    if not len(links) or not len(ids):
        return {}
    at = np.minimum(np.searchsorted(ids, links[:, 1]), len(ids) - 1)
    held = (ids[at] == links[:, 1]) & present[at]
    areas, positions = links[held, 0], at[held]
    order = np.lexsort((positions, areas))
    areas, positions = areas[order], positions[order]
    firsts = np.flatnonzero(np.r_[True, areas[1:] != areas[:-1]])
    return {
        int(areas[s]): positions[s:e]
        for s, e in zip(firsts.tolist(), [*firsts[1:].tolist(), len(areas)], strict=True)
    }


def spatial(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(spatial_order, spatial_key) of the placed points."""
    placed = np.flatnonzero(~np.isnan(lat) & ~np.isnan(lon))
    cells = cell_keys(lat[placed], lon[placed])
    return placed[np.argsort(cells, kind="stable")], np.sort(cells, kind="stable")


def cell_keys(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Row of CELL_DEG latitude × 400, plus longitude + 180: sorted, each row's points lie
    together in order of longitude (360 < 400 keeps rows apart)."""
    return np.floor(lat / CELL_DEG) * 400.0 + (lon + 180.0)


def reading_key(cache: dict[str, str], row: tuple) -> str:
    """What lists sort by: the 名称かな, else the computed reading, else the name."""
    return _prepared(cache, row[KANA] or row[READING] or row[NAME])


def _prepared(cache: dict[str, str], text: str) -> str:
    """search_key(text) through a dict local to one build: names outnumber search_key's
    cache in a large town, and venues, organisations and kinds repeat."""
    found = cache.get(text)
    if found is None:
        found = cache[text] = search_key(text)
    return found


def ranks(keys: list) -> np.ndarray:
    order = sorted(range(len(keys)), key=keys.__getitem__)
    found = np.empty(len(keys), dtype=np.int64)
    found[order] = np.arange(len(keys))
    return found
