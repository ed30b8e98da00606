"""Placing the rows of a list that came without coordinates, with what the database knows:
places already on the map (venues), the gazetteer and 第3層 areas, and the geocode cache."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from mapapp.geocoding import AddressSearch, Answer
from mapapp.importing.records import ResourceRecord, hide_home_point
from mapapp.models import (
    Area,
    GeocodeCache,
    Layer,
    LocationPrecision,
    Placement,
    PlaceName,
    Resource,
    ResourceStatus,
)
from mapapp.placement import Gazetteer, KnownVenue, NamedPlace, NotPlaced, Placer, VenueFinder
from mapapp.storage import Storage

# Points good enough to place other rows at: given, set by staff, or found to the house.
EXACT_PLACEMENTS = (Placement.COORDINATES, Placement.MANUAL, Placement.GEOCODER)


@dataclass(frozen=True)
class GeocoderSettings:
    url: str = ""  # empty: no online search (the default)
    min_interval_s: float = 1.0


@dataclass
class PlacementSummary:
    by_placement: dict[Placement, int] = field(default_factory=dict)
    not_placed: list[tuple[int, str, str]] = field(default_factory=list)  # (row, name, reason)
    geocoder_requests: int = 0


def load_placer(
    storage: Storage,
    municipalities: Sequence[str] = (),
    geocoder: GeocoderSettings = GeocoderSettings(),  # noqa: B008 -- frozen
    extra_venues: Sequence[KnownVenue] = (),
) -> tuple[Placer, dict[str, Answer]]:
    """A Placer over the database's venues and gazetteer, and the geocode cache it fills."""
    with storage.reading() as session:
        places = [
            NamedPlace(r.municipality, r.name, Placement(r.level), r.lat, r.lon)
            for r in session.execute(
                select(PlaceName.municipality, PlaceName.name, PlaceName.level,
                       PlaceName.lat, PlaceName.lon)
            )
        ]  # fmt: skip
        for area in session.scalars(select(Area).where(Area.layer == Layer.NEIGHBOURHOOD)):
            point = area.geom.representative_point()
            level = Placement.OAZA if area.name.startswith("大字") else Placement.CHOME
            places.append(NamedPlace(area.municipality, area.name, level, point.y, point.x))
        towns = {n for (n,) in session.execute(select(Area.name).where(Area.layer == Layer.CITY))}
        towns |= {n for (n,) in session.execute(select(Area.municipality).distinct()) if n}
        venues = list(extra_venues)
        for r in session.execute(
            select(Resource.id, Resource.name, Resource.venue, Resource.address, Resource.lat,
                   Resource.lon)
            .where(
                Resource.lat.is_not(None),
                Resource.placement.in_([p.value for p in EXACT_PLACEMENTS]),
                Resource.location_precision == LocationPrecision.EXACT.value,
                Resource.status != ResourceStatus.CLOSED.value,
            )
        ):  # fmt: skip
            venues.append(KnownVenue(r.name, r.address, r.lat, r.lon, r.id))
            if r.venue:
                venues.append(KnownVenue(r.venue, r.address, r.lat, r.lon, r.id))
        cache: dict[str, Answer] = {
            row.query: (row.lat, row.lon, row.title) if row.lat is not None else None
            for row in session.scalars(select(GeocodeCache))
        }
    towns |= {m for m in municipalities if m}
    search = (
        AddressSearch(geocoder.url, cache, min_interval_s=geocoder.min_interval_s)
        if geocoder.url
        else None
    )
    placer = Placer(
        venues=VenueFinder(venues, sorted(towns)),
        gazetteer=Gazetteer(places),
        geocode=search,
        municipalities=tuple(sorted(towns)),
    )
    return placer, cache


def venues_in(records: Sequence[ResourceRecord]) -> list[KnownVenue]:
    """The file's own rows with coordinates, which its other rows may name as their 会場."""
    return [
        KnownVenue(r.name, r.address, r.lat, r.lon)
        for r in records
        if r.lat is not None and r.location_precision == LocationPrecision.EXACT
    ]


def place_records(
    numbered: Sequence[tuple[int, ResourceRecord]], placer: Placer
) -> PlacementSummary:
    """Give a point to every record without one that can be placed; count how each was."""
    summary = PlacementSummary()
    for number, record in numbered:
        if record.lat is None:
            found = placer.place(record.venue, record.name, record.address)
            if isinstance(found, NotPlaced):
                record.placement, record.placement_note = Placement.NONE, found.reason
                summary.not_placed.append((number, record.name, found.reason))
            else:
                record.lat, record.lon = found.lat, found.lon
                record.placement, record.placement_note = found.placement, found.note
                if record.location_precision == LocationPrecision.CHOME:
                    hide_home_point(record)
        counts = summary.by_placement
        counts[record.placement] = counts.get(record.placement, 0) + 1
    search = placer.geocode
    summary.geocoder_requests = search.asked if isinstance(search, AddressSearch) else 0
    return summary


def save_geocode_cache(storage: Storage, before: set[str], cache: dict[str, Answer]) -> None:
    """Keep the service's new answers, so that the next import does not ask again."""
    new = [
        {
            "query": query,
            "lat": answer[0] if answer else None,
            "lon": answer[1] if answer else None,
            "title": answer[2] if answer else "",
        }
        for query, answer in cache.items()
        if query not in before
    ]
    if not new:
        return
    with storage.transaction() as session:
        for row in new:
            session.merge(GeocodeCache(**row))
