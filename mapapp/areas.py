"""Areas in the database: their shapes, which areas each resource lies in, and which area of
the layer above each area lies in."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from mapapp.geo import AreaShape, areas_containing
from mapapp.models import (
    Area,
    AreaParent,
    Layer,
    Need,
    Resource,
    ResourceArea,
    ResourceStatus,
    Volunteer,
)

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
    for chunk in _chunks([p[0] for p in points]):
        session.execute(delete(ResourceArea).where(ResourceArea.resource_id.in_(chunk)))
    # A resource not placed yet lies in no area, and is not 区域外 either: it is 位置なし.
    unplaced = [p[0] for p in points if p[1] is None or p[2] is None]
    points = [p for p in points if p[1] is not None and p[2] is not None]
    ids = [p[0] for p in points]
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
        chosen += [] if flag else unplaced
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


def place_people(session: Session) -> int:
    """Every need's and volunteer's 第2層 area again from their point (after areas were added
    or changed): their area is derived, like a resource's. One without a point keeps none.
    Returns how many changed."""
    shapes = [a for a in area_shapes(session) if a.layer == Layer.DAILY_LIFE]
    moved = 0
    for model in (Need, Volunteer):
        rows = session.execute(select(model.id, model.area_id, model.lat, model.lon)).all()
        placed = [r for r in rows if r.lat is not None and r.lon is not None]
        found = areas_containing([r.lat for r in placed], [r.lon for r in placed], shapes)
        now = {r.id: (a[0].id if a else None) for r, a in zip(placed, found, strict=True)}
        changes = [
            {"id": r.id, "area_id": now.get(r.id)} for r in rows if now.get(r.id) != r.area_id
        ]
        if changes:
            session.execute(update(model), changes)
        moved += len(changes)
    return moved


def _chunks(ids: Iterable[int], size: int = CHUNK):
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# --- parents: which area of the layer above each area lies in ------------------------------------

# Shares of area are measured in one equal-area projection (WGS 84 / NSIDC EASE-Grid 2.0
# Global), so that a share is a true ratio of ground areas anywhere in Japan.
EQUAL_AREA_CRS = "EPSG:6933"
# Below this share an overlap is where two sources draw the same boundary a little apart
# (e-Stat 町丁 against 国土数値情報 学校区), not a place the area lies in.
MIN_PARENT_SHARE = 0.01


@dataclass(frozen=True)
class ParentLink:
    area_id: int
    parent_kind: str
    parent_id: int
    share: float  # the part of the area's area that lies in the parent, 0–1


def link_parents(session: Session, layers: Iterable[int]) -> list[ParentLink]:
    """Recompute the parents of every area of ``layers`` from their shapes.

    An area gets one parent in each kind (kind_label) of the layer above that it lies in: the
    area of that kind holding the largest share of it. So importing a second 第2層 kind adds
    links and keeps those to the first. ``Area.parent_id`` keeps the parent in the kind
    imported first (the primary one). Returns the links written.
    """
    layers = sorted({int(n) for n in layers if Layer.CITY < int(n) <= Layer.NEIGHBOURHOOD})
    if not layers:
        return []
    session.flush()
    wanted = set(layers) | {n - 1 for n in layers}
    rows = session.execute(
        select(Area.id, Area.layer, Area.kind_label, Area.geom)
        .where(Area.layer.in_(wanted))
        .order_by(Area.id)
    ).all()
    written: list[ParentLink] = []
    for layer in layers:
        children = [r for r in rows if r.layer == layer]
        uppers = [r for r in rows if r.layer == layer - 1]
        child_ids = [r.id for r in children]
        for chunk in _chunks(child_ids):
            session.execute(delete(AreaParent).where(AreaParent.area_id.in_(chunk)))
        links = best_parents(children, uppers) if children and uppers else []
        if links:
            session.execute(
                insert(AreaParent.__table__),
                [
                    {
                        "area_id": link.area_id,
                        "parent_kind": link.parent_kind,
                        "parent_id": link.parent_id,
                        "share": link.share,
                    }
                    for link in links
                ],
            )
        primary_kind = uppers[0].kind_label if uppers else None  # rows are in id order
        primary = {k.area_id: k.parent_id for k in links if k.parent_kind == primary_kind}
        by_parent: dict[int | None, list[int]] = {}
        for area_id in child_ids:
            by_parent.setdefault(primary.get(area_id), []).append(area_id)
        for parent_id, ids in by_parent.items():
            for chunk in _chunks(ids):
                session.execute(
                    update(Area)
                    .where(Area.id.in_(chunk))
                    .values(parent_id=parent_id)
                    .execution_options(synchronize_session=False)
                )
        written += links
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Area):
            session.expire(obj, ["parent_id"])
    return written


def best_parents(children: Sequence, uppers: Sequence) -> list[ParentLink]:
    """For rows with ``id``, ``kind_label`` and ``geom`` (EPSG:4326): each child's parent per
    kind of ``uppers``, by the largest share of the child's area (ties: the lower id)."""
    child_geoms = _equal_area([c.geom for c in children])
    upper_geoms = _equal_area([u.geom for u in uppers])
    tree = shapely.STRtree(upper_geoms)
    child_idx, upper_idx = tree.query(child_geoms, predicate="intersects")
    if not len(child_idx):
        return []
    overlap = shapely.area(shapely.intersection(child_geoms[child_idx], upper_geoms[upper_idx]))
    whole = shapely.area(child_geoms[child_idx])
    best: dict[tuple[int, str], tuple[float, int]] = {}
    for c, u, part, total in zip(child_idx, upper_idx, overlap, whole, strict=True):
        share = min(1.0, float(part / total)) if total > 0 else 0.0
        if share < MIN_PARENT_SHARE:
            continue
        key = (int(c), uppers[u].kind_label)
        candidate = (share, -uppers[u].id)
        if key not in best or candidate > best[key]:
            best[key] = candidate
    return [
        ParentLink(children[c].id, kind, -negative_id, round(share, 6))
        for (c, kind), (share, negative_id) in sorted(best.items())
    ]


def parents_of(
    session: Session, area_ids: Sequence[int]
) -> dict[int, list[tuple[str, str, float | None]]]:
    """{area_id: [(parent kind, parent name, share), …]}, kinds in the order first imported."""
    result: dict[int, list[tuple[str, str, float | None]]] = {i: [] for i in area_ids}
    for chunk in _chunks(area_ids):
        rows = session.execute(
            select(AreaParent.area_id, AreaParent.parent_kind, Area.name, AreaParent.share)
            .join(Area, Area.id == AreaParent.parent_id)
            .where(AreaParent.area_id.in_(chunk))
            .order_by(AreaParent.area_id, Area.id)
        )
        for area_id, kind, name, share in rows:
            result[area_id].append((kind, name, share))
    return result


def parent_coverage(session: Session, layer: int) -> tuple[int, dict[str, int]]:
    """How many areas ``layer`` has, and how many of them have a parent of each kind."""
    total = session.scalar(select(func.count(Area.id)).where(Area.layer == layer)) or 0
    rows = session.execute(
        select(AreaParent.parent_kind, func.count())
        .join(Area, Area.id == AreaParent.area_id)
        .where(Area.layer == layer)
        .group_by(AreaParent.parent_kind)
        .order_by(func.min(AreaParent.parent_id))
    )
    return total, dict(rows.all())


@functools.cache
def _to_equal_area():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", EQUAL_AREA_CRS, always_xy=True)


def _equal_area(geoms: Sequence[BaseGeometry]) -> np.ndarray:
    transformer = _to_equal_area()

    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    projected = shapely.transform(np.asarray(geoms, dtype=object), project)
    invalid = ~shapely.is_valid(projected)
    if invalid.any():
        projected[invalid] = shapely.make_valid(projected[invalid])
    return projected


# --- what `mapapp stats` says about layers ------------------------------------------------------


@dataclass(frozen=True)
class LayerSummary:
    layer: int
    kind_label: str  # "" for the whole layer when it has several kinds
    areas: int
    resources_outside: int  # not 終了, with a point, in no area of this layer (or kind)


def layer_summaries(session: Session) -> list[LayerSummary]:
    """Each layer, then each of its kinds (in the order first imported): how many areas, and
    how many resources with a point lie in none of them (終了 not counted)."""
    kinds = session.execute(
        select(Area.layer, Area.kind_label, func.count(Area.id))
        .group_by(Area.layer, Area.kind_label)
        .order_by(Area.layer, func.min(Area.id))
    ).all()
    result: list[LayerSummary] = []
    for layer in sorted({k.layer for k in kinds}):
        of_layer = [k for k in kinds if k.layer == layer]
        outside = _count_outside(session, Area.layer == layer)
        if len(of_layer) == 1:
            result.append(LayerSummary(layer, of_layer[0].kind_label, of_layer[0][2], outside))
            continue
        result.append(LayerSummary(layer, "", sum(k[2] for k in of_layer), outside))
        for k in of_layer:
            of_kind = (Area.layer == layer) & (Area.kind_label == k.kind_label)
            result.append(LayerSummary(layer, k.kind_label, k[2], _count_outside(session, of_kind)))
    return result


def count_unplaced(session: Session) -> int:
    """Resources (終了 not counted) that have no point yet: 位置なし."""
    return (
        session.scalar(
            select(func.count(Resource.id)).where(
                Resource.status != ResourceStatus.CLOSED,
                (Resource.lat.is_(None)) | (Resource.lon.is_(None)),
            )
        )
        or 0
    )


def _count_outside(session: Session, which_areas) -> int:
    inside = (
        select(ResourceArea.resource_id)
        .join(Area, Area.id == ResourceArea.area_id)
        .where(ResourceArea.resource_id == Resource.id, which_areas)
    )
    return (
        session.scalar(
            select(func.count(Resource.id)).where(
                Resource.status != ResourceStatus.CLOSED,
                Resource.lat.is_not(None),
                Resource.lon.is_not(None),
                ~inside.exists(),
            )
        )
        or 0
    )
