"""What lists and pages show of a resource, in plain Japanese: the next date, the fee, the
walking distance, 丁目 only for a private home."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mapapp.geo import walk_min
from mapapp.models import (
    COVERAGE_LABELS,
    ROUGH_PLACEMENTS,
    STATUS_LABELS,
    Coverage,
    LocationPrecision,
    Resource,
    ResourceStatus,
)
from mapapp.schedule import format_occurrence, next_occurrences, parse_resource_schedule
from mapapp.schedule.model import JA_WEEKDAYS
from mapapp.taxonomy import Taxonomy

WEEKDAY_LABELS = tuple(JA_WEEKDAYS)


@dataclass(frozen=True)
class Card:
    id: int
    name: str
    kana: str
    kind: str
    kind_label: str
    symbol: str
    venue: str
    address: str
    private_home: bool
    schedule_text: str
    closed_text: str
    next_dates: tuple[str, ...]
    # The schedule could not be read with certainty: no dates are shown, only the text as
    # written with 「日程は主催者にご確認ください」.
    schedule_check: bool
    fee_text: str
    target_text: str
    capacity: int | None
    pickup: bool | None
    meals: bool | None
    public_contact: str
    url: str
    description: str
    organization: str
    status: str
    status_label: str
    active: bool
    coverage_label: str
    verified_on: dt.date | None
    tags: tuple[str, ...]
    lat: float | None  # None: not placed yet (no map, no nearby list)
    lon: float | None
    rough_location: bool  # the point is a 町丁目's or 大字's, not the place's own
    distance_m: float | None
    distance_text: str
    areas: tuple[tuple[int, str, int], ...]  # (id, name, layer), 第1層 first

    @property
    def daily_life_area(self) -> tuple[int, str] | None:
        """The 第2層 area it lies in, for breadcrumbs."""
        return next(((i, n) for i, n, layer in self.areas if layer == 2), None)

    @property
    def when(self) -> str:
        """One line for a map popup or a narrow list."""
        if self.next_dates:
            return f"次回: {self.next_dates[0]}"
        return (self.schedule_text or "").split("\n")[0]


def distance_text(distance_m: float | None, m_per_min: float) -> str:
    """「徒歩8分（約450m）」; metres rounded to 10 m, kilometres beyond 1 km."""
    if distance_m is None:
        return ""
    minutes = walk_min(distance_m, m_per_min)
    if distance_m >= 1000:
        far = f"約{distance_m / 1000:.1f}km"
    else:
        far = f"約{max(10, round(distance_m / 10) * 10)}m"
    return f"徒歩{minutes}分（{far}）"


def make_card(
    resource: Resource,
    taxonomy: Taxonomy,
    *,
    today: dt.date,
    m_per_min: float,
    distance_m: float | None = None,
    dates: int = 1,
) -> Card:
    kind = taxonomy.kind(resource.kind) if taxonomy.has_kind(resource.kind) else None
    active = resource.status == ResourceStatus.ACTIVE
    next_dates: tuple[str, ...] = ()
    schedule_check = False
    if active:
        schedule = parse_resource_schedule(resource.schedule_text, resource.closed_text)
        written = f"{resource.schedule_text or ''}{resource.closed_text or ''}".strip()
        schedule_check = bool(schedule.needs_review) and bool(written)
        if dates:
            found = next_occurrences(schedule, today, dates)
            next_dates = tuple(format_occurrence(o, today) for o in found)
    private = resource.location_precision == LocationPrecision.CHOME
    return Card(
        id=resource.id,
        name=resource.name,
        kana=resource.kana,
        kind=resource.kind,
        kind_label=kind.label if kind else resource.kind,
        symbol=kind.symbol if kind else "・",
        venue=resource.venue if not private else "",
        address=resource.address,
        private_home=private,
        schedule_text=resource.schedule_text,
        closed_text=resource.closed_text,
        next_dates=next_dates,
        schedule_check=schedule_check,
        fee_text=resource.fee_text,
        target_text=resource.target_text,
        capacity=resource.capacity,
        pickup=resource.pickup,
        meals=resource.meals,
        public_contact=resource.public_contact,
        url=resource.url,
        description=resource.description,
        organization=resource.organization.name if resource.organization else "",
        status=resource.status.value,
        status_label=STATUS_LABELS[resource.status],
        active=active,
        coverage_label=COVERAGE_LABELS[resource.coverage]
        if resource.coverage != Coverage.WALK
        else "",
        verified_on=resource.verified_on,
        tags=tuple(t.tag for t in resource.tags),
        lat=resource.lat,
        lon=resource.lon,
        rough_location=resource.placement in ROUGH_PLACEMENTS,
        distance_m=distance_m,
        distance_text=distance_text(distance_m, m_per_min),
        areas=tuple(
            (a.id, a.name, a.layer) for a in sorted(resource.areas, key=lambda a: (a.layer, a.id))
        ),
    )


def calendar_events(resources) -> list[tuple[str, str, object, str | None]]:
    """(uid, summary, schedule, location) for to_ical; 終了 and 休止中 are left out."""
    events = []
    for resource in resources:
        if resource.status != ResourceStatus.ACTIVE:
            continue
        schedule = parse_resource_schedule(resource.schedule_text, resource.closed_text)
        place = resource.venue or resource.address or None
        events.append((f"resource-{resource.id}@mapapp", resource.name, schedule, place))
    return events
