"""Distances in metres, walking minutes, and which areas contain which points."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)

# Japan, generously: 南鳥島 to 与那国島, 沖ノ鳥島 to 択捉島.
JAPAN_LAT = (20.0, 46.0)
JAPAN_LON = (122.0, 154.5)


class InvalidCoordinate(ValueError):
    """A latitude/longitude pair that cannot be a place in Japan."""


def check_lat_lon(lat: float, lon: float) -> None:
    """Raise InvalidCoordinate unless (lat, lon) lies in Japan; says when they look swapped."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise InvalidCoordinate(f"expected finite (lat, lon), got ({lat}, {lon})")
    in_japan = JAPAN_LAT[0] <= lat <= JAPAN_LAT[1] and JAPAN_LON[0] <= lon <= JAPAN_LON[1]
    if in_japan:
        return
    if JAPAN_LAT[0] <= lon <= JAPAN_LAT[1] and JAPAN_LON[0] <= lat <= JAPAN_LON[1]:
        raise InvalidCoordinate(f"緯度と経度が逆のようです (緯度 {lat}, 経度 {lon})")
    raise InvalidCoordinate(f"日本の範囲外です (緯度 {lat}, 経度 {lon})")


def distance_m(lat1, lon1, lat2, lon2):
    """Great-circle (haversine) distance in metres; works on scalars and NumPy arrays."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def walk_min(distance_m: float, m_per_min: float) -> int:
    """Whole minutes on foot, rounded up, never 0 for a distance above 0."""
    if m_per_min <= 0:
        raise ValueError(f"expected a positive walking speed, got {m_per_min}")
    return max(1, math.ceil(distance_m / m_per_min)) if distance_m > 0 else 0


@dataclass(frozen=True)
class AreaShape:
    id: int
    layer: int
    geom: BaseGeometry


def areas_containing(
    lat: Sequence[float], lon: Sequence[float], areas: Sequence[AreaShape]
) -> list[list[AreaShape]]:
    """For each point, the areas (of any layer) that cover it, in the order of ``areas``.

    A point on a shared boundary belongs to both neighbours; overlapping layers are
    independent of each other.
    """
    result: list[list[AreaShape]] = [[] for _ in range(len(lat))]
    if not areas or not len(lat):
        return result
    points = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    tree = shapely.STRtree([a.geom for a in areas])
    point_idx, area_idx = tree.query(points, predicate="intersects")
    order = np.lexsort((area_idx, point_idx))
    for p, a in zip(point_idx[order], area_idx[order], strict=True):
        result[p].append(areas[a])
    return result


def repair_polygon(geom: BaseGeometry | None) -> tuple[BaseGeometry | None, bool]:
    """A valid (Multi)Polygon from a possibly invalid one, and whether it needed repair.

    Returns (None, False) for anything that holds no area (points, lines, empty shapes).
    """
    if geom is None or geom.is_empty:
        return None, False
    repaired = False
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
        repaired = True
    if geom.geom_type == "GeometryCollection":
        polygons = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(polygons) if polygons else None
    if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon") or geom.area == 0:
        return None, repaired
    return geom, repaired
