"""Reading areas and resources for pages and the API: filters, paging, counts, GeoJSON."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import Connection, String, bindparam, func, literal, select, union_all
from sqlalchemy.orm import Session, selectinload

from mapapp import features
from mapapp.fees import format_fee, parse_fee
from mapapp.models import (
    COVERAGE_LABELS,
    PLACEMENT_LABELS,
    PRECISION_LABELS,
    STATUS_LABELS,
    Area,
    Layer,
    Organization,
    Placement,
    Resource,
    ResourceArea,
    ResourceStatus,
    ResourceTag,
    ServiceArea,
)
from mapapp.privacy import public_venue, shown_address
from mapapp.taxonomy import Taxonomy


class NotFound(LookupError):
    """No row with that id."""


@dataclass(frozen=True)
class ResourceFilter:
    area_id: int | None = None
    kinds: tuple[str, ...] = ()
    statuses: tuple[ResourceStatus, ...] = ()


@dataclass(frozen=True)
class Page:
    total: int
    items: list


def list_resources(session: Session, where: ResourceFilter, limit: int, offset: int) -> Page:
    """Resources matching ``where``, ordered by id, one page of them."""
    query = select(Resource)
    if where.area_id is not None:
        query = query.join(ResourceArea, ResourceArea.resource_id == Resource.id).where(
            ResourceArea.area_id == where.area_id
        )
    if where.kinds:
        query = query.where(Resource.kind.in_(where.kinds))
    if where.statuses:
        query = query.where(Resource.status.in_(where.statuses))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    items = session.scalars(
        query.options(
            selectinload(Resource.areas),
            selectinload(Resource.tags),
            selectinload(Resource.organization),
        )
        .order_by(Resource.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return Page(total or 0, list(items))


def get_resource(session: Session, resource_id: int) -> Resource:
    resource = session.get(
        Resource,
        resource_id,
        options=[
            selectinload(Resource.areas),
            selectinload(Resource.tags),
            selectinload(Resource.organization),
        ],
    )
    if resource is None:
        raise NotFound(f"資源 {resource_id} はありません")
    return resource


def list_areas(session: Session, layer: int | None = None) -> list[Area]:
    query = select(Area).order_by(Area.layer, Area.code, Area.name, Area.id)
    if layer is not None:
        query = query.where(Area.layer == layer)
    return list(session.scalars(query))


def counts_by_area_and_kind(session: Session) -> dict[int, dict[str, int]]:
    """{area_id: {kind: number of resources}} over every layer (終了 not counted)."""
    rows = session.execute(
        select(ResourceArea.area_id, Resource.kind, func.count())
        .join(Resource, Resource.id == ResourceArea.resource_id)
        .where(Resource.status != ResourceStatus.CLOSED)
        .group_by(ResourceArea.area_id, Resource.kind)
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for area_id, kind, n in rows:
        counts[area_id][kind] = n
    return counts


def count_outside(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Resource.kind, func.count())
        .where(Resource.outside_areas.is_(True), Resource.status != ResourceStatus.CLOSED)
        .group_by(Resource.kind)
    )
    return dict(rows.all())


def municipality_name(session: Session, configured: str) -> str:
    if configured:
        return configured
    first = session.scalar(select(Area.name).where(Area.layer == Layer.CITY).order_by(Area.id))
    return first or "地域ささえあいマップ"


def resource_feature(resource: Resource, taxonomy: Taxonomy) -> dict:
    """One resource as a GeoJSON Feature with its public fields (no personal data)."""
    kind = taxonomy.kind(resource.kind) if taxonomy.has_kind(resource.kind) else None
    return features.feature(
        features.point(resource.lat, resource.lon),
        {
            "id": resource.id,
            "name": resource.name,
            "kana": resource.kana,
            "kind": resource.kind,
            "kind_label": kind.label if kind else resource.kind,
            "kind_text": resource.kind_text,
            "organization": resource.organization.name if resource.organization else "",
            "venue": public_venue(resource.venue, resource.location_precision),
            "address": shown_address(resource.address, resource.location_precision),
            "location_precision": resource.location_precision.value,
            "location_precision_label": PRECISION_LABELS[resource.location_precision],
            "placement": resource.placement.value,
            "placement_label": PLACEMENT_LABELS[resource.placement],
            "coverage": resource.coverage.value,
            "coverage_label": COVERAGE_LABELS[resource.coverage],
            "coverage_m": resource.coverage_m,
            "schedule_text": resource.schedule_text,
            "closed_text": resource.closed_text,
            "fee_text": resource.fee_text,
            "fee_label": fee_label(resource.fee_text),
            "fee_unit": resource.fee_unit,
            "fee_amount_yen": resource.fee_amount_yen,
            "target_text": resource.target_text,
            "capacity": resource.capacity,
            "pickup": resource.pickup,
            "meals": resource.meals,
            "public_contact": resource.public_contact,
            "url": resource.url,
            "description": resource.description,
            "status": resource.status.value,
            "status_label": STATUS_LABELS[resource.status],
            "verified_on": resource.verified_on.isoformat() if resource.verified_on else None,
            "tags": [t.tag for t in resource.tags],
            "outside_areas": resource.outside_areas,
            "areas": [
                {"id": a.id, "name": a.name, "layer": a.layer, "kind_label": a.kind_label}
                for a in sorted(resource.areas, key=lambda a: (a.layer, a.id))
            ],
            "source": resource.source,
            "source_key": resource.source_key,
            "version": resource.version,
            "updated_at": resource.updated_at.isoformat() + "Z",
        },
        id=resource.id,
    )


@functools.lru_cache(maxsize=4096)
def fee_label(fee_text: str) -> str:
    """The 参加費 text as read (「1回100円」), for features; lists repeat a few fee texts."""
    return format_fee(parse_fee(fee_text))


def area_feature(area: Area, counts: dict[str, int] | None = None) -> dict:
    return features.feature(
        features.shape(area.geom),
        {
            "id": area.id,
            "name": area.name,
            "kana": area.kana,
            "layer": area.layer,
            "kind_label": area.kind_label,
            "code": area.code,
            "parent_id": area.parent_id,
            "pop_total": area.pop_total,
            "pop_65": area.pop_65,
            "pop_75": area.pop_75,
            "resource_count": sum((counts or {}).values()),
            "resource_counts": counts or {},
        },
        id=area.id,
    )


@dataclass(frozen=True, slots=True)
class AreaRef:
    """An area a resource lies in or serves, as lists and features name it."""

    id: int
    name: str
    layer: int
    kind_label: str


@dataclass(frozen=True, slots=True)
class TagRef:
    tag: str


@dataclass(frozen=True, slots=True)
class OrganizationRef:
    name: str


IDS_PER_QUERY = 900  # under SQLite's limit on bound parameters


def resources_by_id(session: Session | Connection, ids: list[int]) -> dict[int, SimpleNamespace]:
    """Resources with what cards and features show, read with two plain queries per 900 ids
    (the rows with their organisation's name; then tags, areas and service areas together),
    not through the ORM: a list of 20 costs what its rows cost, not 20 mapped objects.

    Each value has a Resource's column attributes, ``organization`` (``.name``, or None),
    ``tags`` (``.tag``, in tag order), ``areas`` and ``service_areas`` (AreaRef, by id). They
    are plain read-only values, attached to no session. Given a Connection rather than a
    Session, no Session is begun and ended around the two reads (half the cost of 20 rows).
    """
    found: dict[int, SimpleNamespace] = {}
    # Core statements: no ORM step on the way
    connection = session if isinstance(session, Connection) else session.connection()
    for start in range(0, len(ids), IDS_PER_QUERY):
        chunk = [int(i) for i in ids[start : start + IDS_PER_QUERY]]
        rows_of, links_of = _row_statements(len(chunk))
        chunk = {f"id{n}": i for n, i in enumerate(chunk)}
        for row in connection.execute(rows_of, chunk).all():
            values = row._asdict()
            organization = values.pop("_organization")
            found[row.id] = SimpleNamespace(
                **values,
                organization=OrganizationRef(organization) if organization is not None else None,
                tags=[],
                areas=[],
                service_areas=[],
            )
        for resource_id, link, tag, area_id, name, layer, kind_label in connection.execute(
            links_of, chunk
        ).all():
            resource = found.get(resource_id)
            if resource is None:
                continue
            if link == "tag":
                resource.tags.append(TagRef(tag))
            else:
                getattr(resource, link).append(AreaRef(area_id, name, layer, kind_label))
    for resource in found.values():
        resource.tags.sort(key=lambda t: t.tag)
        resource.areas.sort(key=lambda a: a.id)
        resource.service_areas.sort(key=lambda a: a.id)
    return found


@functools.lru_cache(maxsize=64)
def _row_statements(count: int):
    """The two statements of resources_by_id for ``count`` ids, built once each: the rows
    with their organisation's name; (resource_id, link, tag, area_id, name, layer,
    kind_label) of their tags, areas and service areas. Both take the ids as ``id0`` …
    (one parameter each: an expanding one is rendered again on every execution)."""
    ids = [bindparam(f"id{n}") for n in range(count)]
    table = Resource.__table__
    rows = (
        select(table, Organization.name.label("_organization"))
        .outerjoin(Organization, Organization.id == table.c.organization_id)
        .where(table.c.id.in_(ids))
    )
    nothing = literal(None)
    tags = select(ResourceTag.resource_id, literal("tag"), ResourceTag.tag, *[nothing] * 4).where(
        ResourceTag.resource_id.in_(ids)
    )
    areas = [
        select(
            link.resource_id, literal(name), literal(None, String), Area.id, Area.name,
            Area.layer, Area.kind_label,
        )
        .join(Area, Area.id == link.area_id)
        .where(link.resource_id.in_(ids))
        for link, name in ((ResourceArea, "areas"), (ServiceArea, "service_areas"))
    ]  # fmt: skip
    return rows, union_all(tags, *areas)


def get_area(session: Session, area_id: int) -> Area | None:
    return session.get(Area, area_id)


def bounds_of(areas: list[Area]) -> tuple[float, float, float, float] | None:
    """(min_lon, min_lat, max_lon, max_lat) around the areas, or None for none."""
    if not areas:
        return None
    return (
        min(a.min_lon for a in areas),
        min(a.min_lat for a in areas),
        max(a.max_lon for a in areas),
        max(a.max_lat for a in areas),
    )


def schedules_to_review(session: Session) -> list[tuple[int, str, str, str, str]]:
    """(id, name, 開催日時, 休み, reasons) of every resource whose schedule a person must check."""
    rows = session.execute(
        select(
            Resource.id, Resource.name, Resource.schedule_text, Resource.closed_text,
            Resource.schedule_review,
        )
        .where(Resource.schedule_review != "", Resource.status != ResourceStatus.CLOSED)
        .order_by(Resource.id)
    )  # fmt: skip
    return [tuple(r) for r in rows]


def places_to_review(session: Session) -> list[tuple[int, str, str, str, str, str]]:
    """(id, name, 会場, 住所, 位置の精度, note) of every resource whose point is rough or
    missing, those without a point first: staff check or set them on the map."""
    rough = [p.value for p in Placement if p not in (Placement.COORDINATES, Placement.MANUAL)]
    rows = session.execute(
        select(
            Resource.id, Resource.name, Resource.venue, Resource.address, Resource.placement,
            Resource.placement_note,
        )
        .where(Resource.placement.in_(rough), Resource.status != ResourceStatus.CLOSED)
        .order_by(Resource.lat.is_not(None), Resource.id)
    )  # fmt: skip
    return [
        (r.id, r.name, r.venue, r.address, PLACEMENT_LABELS[r.placement], r.placement_note)
        for r in rows
    ]


# --- for resident pages: names without shapes, orders, the town's own contact ----------------


def area_names(session: Session, layer: int) -> list[tuple[int, str, str]]:
    """(id, name, kind_label) of a layer's areas, without loading their shapes."""
    rows = session.execute(
        select(Area.id, Area.name, Area.kind_label)
        .where(Area.layer == layer)
        .order_by(Area.code, Area.name, Area.id)
    )
    return [tuple(r) for r in rows]


def count_areas(session: Session, layer: int) -> int:
    return session.scalar(select(func.count()).select_from(Area).where(Area.layer == layer)) or 0


def outside_ids(session: Session, limit: int) -> tuple[int, list[int]]:
    """(how many, the first ``limit`` ids) of resources (not 終了) in no 第2層 area."""
    where = (Resource.outside_areas.is_(True), Resource.status != ResourceStatus.CLOSED)
    total = session.scalar(select(func.count()).select_from(Resource).where(*where)) or 0
    ids = session.scalars(select(Resource.id).where(*where).order_by(Resource.id).limit(limit))
    return total, list(ids)


def town_contact(session: Session, kind: str = "shakyo") -> str:
    """「name phone」 of the town's 社会福祉協議会 when the data has exactly one with a
    contact, else ""."""
    rows = session.execute(
        select(Resource.name, Resource.public_contact)
        .where(
            Resource.kind == kind,
            Resource.public_contact != "",
            Resource.status != ResourceStatus.CLOSED,
        )
        .limit(2)
    ).all()
    return f"{rows[0].name} {rows[0].public_contact}" if len(rows) == 1 else ""
