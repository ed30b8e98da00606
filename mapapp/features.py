"""GeoJSON Features, built in one place for the API, the maps and the overview outlines.

Coordinates are (lon, lat) here, as GeoJSON has them; a resource without a point yet is a
Feature with a null geometry, as GeoJSON allows.
"""

from __future__ import annotations

from typing import Any

from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry


def feature(geometry: dict | None, properties: dict[str, Any], id: int | None = None) -> dict:  # noqa: A002 -- GeoJSON's member name
    """A GeoJSON Feature; ``id`` is written only when given."""
    found: dict[str, Any] = {"type": "Feature"}
    if id is not None:
        found["id"] = id
    found["geometry"] = geometry
    found["properties"] = properties
    return found


def point(lat: float | None, lon: float | None) -> dict | None:
    """A Point geometry, or None for a place not placed yet."""
    if lat is None or lon is None:
        return None
    return {"type": "Point", "coordinates": [lon, lat]}


def shape(geom: BaseGeometry, *, tolerance_deg: float = 0.0, decimals: int | None = None) -> dict:
    """A polygon's geometry, simplified (keeping its topology) and rounded when asked, so
    that overview maps of hundreds of 町丁 stay small."""
    if tolerance_deg:
        simpler = geom.simplify(tolerance_deg, preserve_topology=True)
        geom = geom if simpler.is_empty else simpler
    geometry = mapping(geom)
    if decimals is None:
        return geometry

    def rounded(value):
        if isinstance(value, list | tuple):
            if value and isinstance(value[0], float):
                return [round(v, decimals) for v in value]
            return [rounded(v) for v in value]
        return value

    return {"type": geometry["type"], "coordinates": rounded(geometry["coordinates"])}
