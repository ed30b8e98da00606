"""The resources an export writes, read in batches and seen as the public sees them.

Every format is written from :class:`Entry` values: one resource with its organisation, tags,
served areas and schedule rules, already passed through :mod:`mapapp.privacy` unless the export
is ``full`` (for admins). Resources are read ``BATCH`` at a time in id order, so that an export
holds one batch of the town in memory, never the whole town in several copies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from mapapp.models import (
    COVERAGE_LABELS,
    PRECISION_LABELS,
    ROUGH_PLACEMENTS,
    STATUS_LABELS,
    Area,
    Coverage,
    LocationPrecision,
    Resource,
    ResourceArea,
)
from mapapp.privacy import is_private_home, public_address, public_description, public_point
from mapapp.text import search_key

BATCH = 500


class ExportProblem(ValueError):
    """An export was asked for something it cannot do; the message is for staff, in Japanese."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One parsed schedule rule (ScheduleRule), as RFC 5545 and HH:MM times."""

    rrule: str
    opens_at: dt.time | None
    closes_at: dt.time | None
    season: str
    label: str

    def parts(self) -> dict[str, str]:
        """{"FREQ": "MONTHLY", "BYDAY": "2FR,4FR", …}"""
        found = {}
        for part in self.rrule.split(";"):
            name, _, value = part.partition("=")
            if name:
                found[name.upper()] = value
        return found


@dataclass(slots=True)
class Entry:
    """One resource as an export writes it (privacy applied unless the export is full)."""

    id: int
    source: str
    source_key: str
    kind: str
    kind_text: str
    name: str
    kana: str
    organization: str
    organization_kana: str
    venue: str
    address: str
    lat: float | None
    lon: float | None
    location_precision: LocationPrecision
    coverage: Coverage
    coverage_m: int | None
    service_areas: list[str]
    schedule_text: str
    closed_text: str
    fee_text: str
    target_text: str
    capacity: int | None
    pickup: bool | None
    meals: bool | None
    public_contact: str
    url: str
    description: str
    status: str  # ResourceStatus value
    verified_on: dt.date | None
    tags: list[str]
    rules: list[Rule] = field(default_factory=list)
    updated_at: dt.datetime | None = None

    @property
    def precision_label(self) -> str:
        return PRECISION_LABELS[self.location_precision]

    @property
    def coverage_label(self) -> str:
        return COVERAGE_LABELS[self.coverage]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def entry(resource: Resource, full: bool = False) -> Entry:
    """The resource as an export writes it: as the public sees it, or the full record."""
    precision = LocationPrecision(resource.location_precision)
    venue, address = resource.venue or "", resource.address or ""
    description = resource.description or ""
    lat, lon = resource.lat, resource.lon
    if not full and is_private_home(precision):
        # Rows are cut when written; this is the read-side check every public output makes.
        description = public_description(description, venue, address)
        venue, address = "", public_address(address)
        if resource.placement not in ROUGH_PLACEMENTS:
            lat, lon = public_point(lat, lon)
    organization = resource.organization
    return Entry(
        id=resource.id,
        source=resource.source,
        source_key=resource.source_key,
        kind=resource.kind,
        kind_text=resource.kind_text or "",
        name=resource.name,
        kana=resource.kana or "",
        organization=organization.name if organization else "",
        organization_kana=organization.kana if organization else "",
        venue=venue,
        address=address,
        lat=lat,
        lon=lon,
        location_precision=precision,
        coverage=resource.coverage,
        coverage_m=resource.coverage_m,
        service_areas=[a.name for a in sorted(resource.service_areas, key=lambda a: a.id)],
        schedule_text=resource.schedule_text or "",
        closed_text=resource.closed_text or "",
        fee_text=resource.fee_text or "",
        target_text=resource.target_text or "",
        capacity=resource.capacity,
        pickup=resource.pickup,
        meals=resource.meals,
        public_contact=resource.public_contact or "",
        url=resource.url or "",
        description=description,
        status=resource.status,
        verified_on=resource.verified_on,
        tags=[t.tag for t in resource.tags],
        rules=[
            Rule(r.rrule, r.opens_at, r.closes_at, r.season or "", r.label or "")
            for r in resource.schedule_rules
        ],
        updated_at=resource.updated_at,
    )


def _selection(area_id: int | None, kinds: tuple[str, ...] | None):
    query = select(Resource)
    if area_id is not None:
        inside = select(ResourceArea.resource_id).where(ResourceArea.area_id == area_id)
        query = query.where(Resource.id.in_(inside))
    if kinds is not None:
        query = query.where(Resource.kind.in_(kinds))
    return query


def count_resources(
    session: Session, area_id: int | None = None, kinds: tuple[str, ...] | None = None
) -> int:
    selection = _selection(area_id, kinds).with_only_columns(func.count(Resource.id))
    return session.scalar(selection) or 0


def iter_entries(
    session: Session,
    *,
    area_id: int | None = None,
    kinds: tuple[str, ...] | None = None,
    full: bool = False,
) -> Iterator[Entry]:
    """Every resource (of ``area_id``, of ``kinds``) in id order, ``BATCH`` at a time."""
    last = 0
    while True:
        query = (
            _selection(area_id, kinds)
            .where(Resource.id > last)
            .order_by(Resource.id)
            .limit(BATCH)
            .options(
                selectinload(Resource.organization),
                selectinload(Resource.tags),
                selectinload(Resource.service_areas),
                selectinload(Resource.schedule_rules),
            )
        )
        batch = session.scalars(query).all()
        if not batch:
            return
        for resource in batch:
            yield entry(resource, full)
        last = batch[-1].id
        del batch  # the session's identity map is weak: a written batch can be freed


def find_area(session: Session, text: str) -> Area:
    """The area named by ``--area``: its id, or its name (compared as search compares names).

    ExportProblem when there is none, or when the name is shared by several areas (listed,
    with their ids, so that the id can be given instead).
    """
    value = (text or "").strip()
    if not value:
        raise ExportProblem("--area に区域の ID か名前を書いてください")
    if value.isdigit():
        found = session.get(Area, int(value))
        if found is not None:
            return found
    areas = session.scalars(select(Area).where(Area.name == value).order_by(Area.id)).all()
    if not areas:
        key = search_key(value)
        rows = session.execute(select(Area.id, Area.name)).all()
        ids = [row.id for row in rows if search_key(row.name) == key]
        areas = [session.get(Area, i) for i in ids]
    if not areas:
        raise ExportProblem(
            f"区域「{value}」が見つかりません（区域の ID か名前を書いてください。"
            "区域の一覧は mapapp stats で見られます）"
        )
    if len(areas) > 1:
        listed = "、".join(f"ID {a.id}（第{a.layer}層 {a.kind_label}）" for a in areas[:10])
        raise ExportProblem(
            f"区域「{value}」は {len(areas)} か所あります: {listed}。--area に ID を書いてください"
        )
    return areas[0]
