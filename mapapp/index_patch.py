"""A search index brought up to date by changing only the rows that changed: what a process
needs after its own write (a staff edit), which must show as soon as the write returns.

The rows are read again and compared by fingerprint; only the changed, added and deleted ones
are derived again (their words, keys, schedule), the orders are mended by binary search, and
the rest is reused. The result answers every search as a full build of the same rows would
(tests/test_search_index.py compares them). When too much changed, a full build is cheaper.
"""

from __future__ import annotations

import bisect
import dataclasses

import numpy as np
from sqlalchemy.orm import Session

from mapapp import search_index as ix
from mapapp.schedule import parse_resource_schedule
from mapapp.taxonomy import Taxonomy
from mapapp.text import FuzzyWords

# Beyond this many changed rows, or this share of them, a full build is the cheaper way.
MAX_CHANGED, MAX_CHANGED_SHARE = 200, 0.02


class MoreWords:
    """A FuzzyWords and the words added after it, scored as one list of words."""

    def __init__(self, base: FuzzyWords, more: list[str]):
        self.base, self.more = base, FuzzyWords(more)

    def scores(self, query_key: str) -> np.ndarray:
        return np.concatenate((self.base.scores(query_key), self.more.scores(query_key)))


def patched(index: ix.ResourceIndex, session: Session, taxonomy: Taxonomy):
    """``index`` with the rows as they are now, or None when a full build is the better way
    (too many rows changed, or a new row sorts before an old one)."""
    version, rows, links = ix.read_rows(session)
    ids = np.array([r[ix.ID] for r in rows], dtype=np.int64)
    old = len(index)
    at = np.minimum(np.searchsorted(index.ids, ids), max(old - 1, 0))
    known = (index.ids[at] == ids) if old else np.zeros(len(ids), dtype=bool)
    added = np.flatnonzero(~known)
    if old and len(added) and ids[added[0]] < index.ids[-1]:
        return None  # positions follow ids: a new row before an old one needs a full build
    prints = ix.fingerprints(rows)
    changed = np.flatnonzero(known)[index.fingerprints[at[known]] != prints[known]]
    kept = np.zeros(old, dtype=bool)
    kept[at[known]] = True
    deleted = np.flatnonzero(~kept & (index.status != ix.GONE))
    if len(changed) + len(added) + len(deleted) > max(MAX_CHANGED, MAX_CHANGED_SHARE * len(rows)):
        return None
    # Positions: the old ones, then the added rows'. (row number in ``rows``, position)
    touched = [(int(r), int(at[r])) for r in changed] + [
        (int(r), old + n) for n, r in enumerate(added)
    ]
    return _with_rows(index, version, rows, links, touched, deleted, taxonomy, prints)


def _with_rows(index, version, rows, links, touched, deleted, taxonomy, prints):
    size = len(index) + sum(1 for _, p in touched if p >= len(index))
    grown = size - len(index)

    def extended(values, fill):
        return np.concatenate((values, np.full(grown, fill, dtype=values.dtype)))

    lat, lon = extended(index.lat, np.nan), extended(index.lon, np.nan)
    ids, status = extended(index.ids, 0), extended(index.status, ix.GONE)
    pickup, free = extended(index.pickup, False), extended(index.free, False)
    weekdays, schedule_of = extended(index.weekdays, 0), extended(index.schedule_of, 0)
    fingerprints = extended(index.fingerprints, 0)
    kind_names = sorted({*index.kind_names, *(rows[r][ix.KIND] for r, _ in touched)})
    renumbered = np.array([kind_names.index(k) for k in index.kind_names] or [0])
    kinds = extended(renumbered[index.kinds], 0)
    name_keys = [*index.name_keys, *[""] * grown]
    reading_keys = [*index.reading_keys, *[""] * grown]
    schedule_texts = list(index.schedule_texts)
    schedule_ids = {texts: n for n, texts in enumerate(schedule_texts)}
    words = list(index.words)
    word_ids = {word: n for n, word in enumerate(words)}
    readings = ix.kind_readings(taxonomy)
    labels = {kind.code: kind.label for kind in taxonomy.kinds}
    prepared: dict[str, str] = {}
    new_pairs: list[tuple[int, int]] = []  # (word, position)
    for r, p in touched:
        row = rows[r]
        ids[p], lat[p], lon[p] = row[ix.ID], _number(row[ix.LAT]), _number(row[ix.LON])
        kinds[p], status[p] = kind_names.index(row[ix.KIND]), ix.STATUSES.index(row[ix.STATUS])
        pickup[p], free[p] = bool(row[ix.PICKUP]), row[ix.FEE_UNIT] == "free"
        weekdays[p], fingerprints[p] = row[ix.WEEKDAYS] or 0, prints[r]
        texts = (row[ix.SCHEDULE], row[ix.CLOSED])
        schedule_of[p] = schedule_ids.setdefault(texts, len(schedule_ids))
        name_keys[p] = ix._prepared(prepared, row[ix.NAME])
        reading_keys[p] = ix.reading_key(prepared, row)
        kind = row[ix.KIND]
        for word in sorted(
            ix.row_words(row, labels.get(kind, ""), readings.get(kind, ""), prepared)
        ):
            new_pairs.append((word_ids.setdefault(word, len(word_ids)), p))
    for p in deleted.tolist():
        lat[p] = lon[p] = np.nan
        status[p], fingerprints[p] = ix.GONE, 0  # the id may come back, with any values
        name_keys[p] = reading_keys[p] = ""
    words = list(word_ids)
    redone = np.zeros(size, dtype=bool)
    redone[[p for _, p in touched]] = True
    redone[deleted] = True
    word_start, word_owner = _pairs(index, new_pairs, redone, len(words))
    spatial_order, spatial_key = ix.spatial(lat, lon)
    new_schedules = [parse_resource_schedule(*t) for t in list(schedule_ids)[len(schedule_texts) :]]

    def name_order(p):
        return (name_keys[p], p)

    def reading_order(p):
        return (reading_keys[p], name_keys[p], int(ids[p]))

    return dataclasses.replace(
        index,
        data_version=version,
        ids=ids,
        lat=lat,
        lon=lon,
        kinds=kinds,
        kind_names=kind_names,
        status=status,
        pickup=pickup,
        free=free,
        weekdays=weekdays,
        name_rank=_mended(index.name_rank, redone, status != ix.GONE, name_order),
        schedule_of=schedule_of,
        open_days=index.open_days.with_more(new_schedules),
        words=words,
        word_start=word_start,
        word_owner=word_owner,
        fuzzy=_fuzzy(index, words),
        by_area=ix.areas_of(links, ids, status != ix.GONE),
        spatial_order=spatial_order,
        spatial_key=spatial_key,
        reading_rank=_mended(index.reading_rank, redone, status != ix.GONE, reading_order),
        fingerprints=fingerprints,
        name_keys=name_keys,
        reading_keys=reading_keys,
        schedule_texts=list(schedule_ids),
    )


def _number(value) -> float:
    return np.nan if value is None else float(value)


def _pairs(index, new_pairs, redone, words):
    """word_start and word_owner with the redone positions' old pairs left out and
    ``new_pairs`` (word, position) put in."""
    lengths = np.diff(index.word_start)
    word_of = np.repeat(np.arange(len(index.words), dtype=np.int64), lengths)
    owner = index.word_owner.astype(np.int64)
    keep = ~redone[owner]
    added = np.array(new_pairs, dtype=np.int64).reshape(-1, 2)
    word_of = np.concatenate((word_of[keep], added[:, 0]))
    owner = np.concatenate((owner[keep], added[:, 1]))
    order = np.lexsort((owner, word_of))
    start = np.concatenate(([0], np.cumsum(np.bincount(word_of, minlength=words))))
    return start, owner[order].astype(np.int32)


def _fuzzy(index, words):
    """The index's prepared words, and the words a patch added scored beside them."""
    fuzzy = index.fuzzy or FuzzyWords(index.words)
    base = fuzzy.base if isinstance(fuzzy, MoreWords) else fuzzy
    if len(words) == len(base.words):
        return base
    return MoreWords(base, words[len(base.words) :])


def _mended(rank: np.ndarray, redone: np.ndarray, present: np.ndarray, key) -> np.ndarray:
    """Ranks by ``key`` of the present positions (the others last), from the old ``rank``:
    the positions not redone keep their order, and each redone one is put in by binary
    search, as a full sort by ``key`` would place it."""
    size = len(redone)
    order = np.empty(len(rank), dtype=np.int64)
    order[rank] = np.arange(len(rank))
    kept = order[~redone[order] & present[order]].tolist()
    inserted = sorted(np.flatnonzero(redone & present).tolist(), key=key)
    places = [bisect.bisect_left(kept, key(p), key=key) for p in inserted]
    merged = np.insert(np.array(kept, dtype=np.int64), places, inserted).tolist()
    merged += np.flatnonzero(~present).tolist()
    found = np.empty(size, dtype=np.int64)
    found[merged] = np.arange(size)
    return found
