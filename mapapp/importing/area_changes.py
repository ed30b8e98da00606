"""What an area import does to the areas of one source and to the resources in them: read
in the import's own transaction, before it writes and again before it commits (or, in a dry
run, rolls back), so that what moves is exactly what the import does."""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from mapapp import features
from mapapp.models import Area, Change, ImportRun, Resource, ResourceArea

MAP_AREAS = 3000  # more areas than this are not drawn on the preview map
NONE_LABEL = "（なし）"  # a resource in no area of the source


@dataclass
class AreaChanges:
    """What an area import does to the areas of one source and to the resources in them."""

    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    moves: list[tuple[str, str, int]] = field(default_factory=list)  # from, to, resources
    moved: int = 0
    outside_before: int = 0
    outside_after: int = 0
    # GeoJSON features for the map; properties: name, status (new, changed, same, removed).
    shapes: list[dict] = field(default_factory=list)


@dataclass
class WatchedAreas:
    """The storage as an area import sees it, watched (see the module's doc); ``changes`` is
    set when the import's transaction ends without an error."""

    storage: object
    source: str
    map_shapes: bool = False
    changes: AreaChanges | None = None

    def __getattr__(self, name):
        return getattr(self.storage, name)

    def reading(self):
        return self.storage.reading()

    @contextlib.contextmanager
    def transaction(self, *, commit: bool = True):
        with self.storage.transaction(commit=commit) as db:
            last_run = db.scalar(select(func.max(ImportRun.id))) or 0
            before = self._areas(db)
            shapes_before = self._shapes(db) if self.map_shapes else {}
            placed_before = self._placed(db)
            outside_before = self._outside(db)
            yield db
            self.changes = self._compare(db, last_run, before, placed_before, outside_before)
            if self.map_shapes and len(before) + len(self.changes.created) <= MAP_AREAS:
                self.changes.shapes = self._features(db, last_run, before, shapes_before)

    def _areas(self, db) -> dict[int, str]:
        rows = db.execute(select(Area.id, Area.name).where(Area.source == self.source))
        return {r.id: r.name for r in rows}

    def _shapes(self, db) -> dict[int, object]:
        rows = db.execute(select(Area.id, Area.geom).where(Area.source == self.source))
        return {r.id: r.geom for r in rows}

    def _placed(self, db) -> dict[int, set[int]]:
        rows = db.execute(
            select(ResourceArea.resource_id, ResourceArea.area_id)
            .join(Area, Area.id == ResourceArea.area_id)
            .where(Area.source == self.source)
        )
        placed: dict[int, set[int]] = {}
        for rid, area in rows:
            placed.setdefault(rid, set()).add(area)
        return placed

    def _outside(self, db) -> int:
        return db.scalar(select(func.count(Resource.id)).where(Resource.outside_areas)) or 0

    def _updated(self, db, last_run: int) -> set[int]:
        run_id = db.scalar(
            select(ImportRun.id).where(ImportRun.id > last_run, ImportRun.target == "areas")
        )
        if run_id is None:
            return set()
        return set(
            db.scalars(
                select(Change.entity_id).where(
                    Change.import_run_id == run_id, Change.entity == "area",
                    Change.action == "update",
                )
            )
        )  # fmt: skip

    def _compare(self, db, last_run, before, placed_before, outside_before) -> AreaChanges:
        after = self._areas(db)
        updated = self._updated(db, last_run)
        changes = AreaChanges(
            created=[after[i] for i in after if i not in before],
            changed=[after[i] for i in after if i in updated and i in before],
            outside_before=outside_before,
            outside_after=self._outside(db),
        )

        def label(areas: set[int], names: dict[int, str]) -> str:
            return "、".join(sorted(names[a] for a in areas if a in names)) or NONE_LABEL

        placed_after = self._placed(db)
        counted: Counter[tuple[str, str]] = Counter()
        for rid in placed_before.keys() | placed_after.keys():
            old = label(placed_before.get(rid, set()), before)
            new = label(placed_after.get(rid, set()), after)
            if old != new:
                counted[(old, new)] += 1
        changes.moved = sum(counted.values())
        changes.moves = [(a, b, n) for (a, b), n in counted.most_common()]
        return changes

    def _features(self, db, last_run, before, shapes_before) -> list[dict]:
        updated = self._updated(db, last_run)
        rows = db.execute(select(Area.id, Area.name, Area.geom).where(Area.source == self.source))
        shapes, kept = [], set()
        for r in rows:
            kept.add(r.id)
            status = "new" if r.id not in before else "changed" if r.id in updated else "same"
            shapes.append((r.id, r.name, r.geom, status))
        shapes += [(i, before[i], g, "removed") for i, g in shapes_before.items() if i not in kept]
        return [
            features.feature(
                features.shape(geom, tolerance_deg=0.0001, decimals=5),
                {"name": name, "status": status},
                id=area_id,
            )
            for area_id, name, geom, status in shapes
            if geom is not None
        ]
