"""Which areas a place lies in, and which services serve it: 配食, 移送, 見守り, 訪問 and the
other services that come to the resident are found by the areas they serve (the whole town, or
named areas), not by walking distance."""

from __future__ import annotations

from shapely.geometry import Point
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from mapapp.models import Area, Coverage, Resource, ResourceStatus, ServiceArea


def areas_at(session: Session, lat: float, lon: float) -> list[Area]:
    """Every area (any layer) whose polygon holds the point, 第1層 first."""
    candidates = session.scalars(
        select(Area)
        .where(Area.min_lon <= lon, Area.max_lon >= lon, Area.min_lat <= lat, Area.max_lat >= lat)
        .order_by(Area.layer, Area.id)
    )
    point = Point(lon, lat)
    return [area for area in candidates if area.geom.covers(point)]


def serving(
    session: Session,
    area_ids: list[int],
    kinds: tuple[str, ...] = (),
    *,
    limit: int | None = None,
    leave_out_kinds: tuple[str, ...] = (),
    count: bool = True,
) -> tuple[list[Resource], int | None]:
    """(services, how many there are in all): services (not 終了) for the whole town, or for
    one of ``area_ids``; of ``kinds`` when given, never of ``leave_out_kinds``. The first
    ``limit`` by kind and id; the caller sorts them for people. ``count=False`` leaves the
    total out (None): counting reads every row of the town."""
    served_here = select(ServiceArea.resource_id).where(ServiceArea.area_id.in_(area_ids or [-1]))
    query = (
        select(Resource)
        .where(
            Resource.status != ResourceStatus.CLOSED,
            or_(
                Resource.coverage == Coverage.TOWN,
                (Resource.coverage == Coverage.AREAS) & Resource.id.in_(served_here),
            ),
        )
        .options(
            selectinload(Resource.areas),
            selectinload(Resource.tags),
            selectinload(Resource.organization),
            selectinload(Resource.service_areas),
        )
        .order_by(Resource.kind, Resource.id)
    )
    if kinds:
        query = query.where(Resource.kind.in_(kinds))
    if leave_out_kinds:
        query = query.where(Resource.kind.not_in(leave_out_kinds))
    total = None
    if count:
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query)), (total or 0) if count else None
