"""Areas in the database: their shapes, and which areas each resource lies in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from mapapp.geo import AreaShape, areas_containing
from mapapp.models import Area, Layer, Resource, ResourceArea

CHUNK = 500  # ids per IN (...) list, well under SQLite's variable limit


def area_shapes(session: Session) -> list[AreaShape]:
    rows = session.execute(select(Area.id, Area.layer, Area.geom).order_by(Area.id)).all()
    return [AreaShape(r.id, r.layer, r.geom) for r in rows]


def is_outside(containing: Sequence[AreaShape], layers_present: set[int]) -> bool:
    """区域外: in no 第2層 area (or, where a city has none, in no area at all)."""
    if Layer.DAILY_LIFE in layers_present:
        return not any(a.layer == Layer.DAILY_LIFE for a in containing)
    return not containing


def place_resources(
    session: Session,
    points: Sequence[tuple[int, float, float]],
    shapes: Sequence[AreaShape] | None = None,
) -> list[int]:
    """Write resource_area rows and the 区域外 flag for (resource_id, lat, lon) points.

    Returns the ids of resources that lie outside every 第2層 area.
    """
    shapes = area_shapes(session) if shapes is None else shapes
    layers_present = {s.layer for s in shapes}
    ids = [p[0] for p in points]
    for chunk in _chunks(ids):
        session.execute(delete(ResourceArea).where(ResourceArea.resource_id.in_(chunk)))
    containing = areas_containing([p[1] for p in points], [p[2] for p in points], shapes)
    rows = [
        {"resource_id": rid, "area_id": a.id, "layer": a.layer}
        for rid, found in zip(ids, containing, strict=True)
        for a in found
    ]
    if rows:
        session.execute(insert(ResourceArea.__table__), rows)
    outside = [
        rid for rid, found in zip(ids, containing, strict=True) if is_outside(found, layers_present)
    ]
    outside_set = set(outside)
    for flag in (True, False):
        chosen = [rid for rid in ids if (rid in outside_set) is flag]
        for chunk in _chunks(chosen):
            session.execute(
                update(Resource)
                .where(Resource.id.in_(chunk))
                .values(outside_areas=flag)
                .execution_options(synchronize_session=False)
            )
    return outside


def place_all_resources(session: Session) -> list[int]:
    """Recompute every resource's areas (after areas were added or changed)."""
    points = session.execute(select(Resource.id, Resource.lat, Resource.lon)).all()
    return place_resources(session, [tuple(p) for p in points])


def _chunks(ids: Iterable[int], size: int = CHUNK):
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
