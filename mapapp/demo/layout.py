"""The demo town's shapes: an irregular outline cut into 第2層 areas and 町丁 that tile it
exactly, and their GeoJSON text."""

from __future__ import annotations

import json
import math
import random

import shapely
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.ops import polygonize, unary_union

from mapapp.demo import data

CENTRE_LON, CENTRE_LAT = 137.06, 35.04
KM_PER_DEG_LAT = 110.95
KM_PER_DEG_LON = 111.32 * math.cos(math.radians(CENTRE_LAT))
HALF_WIDTH_KM, HALF_HEIGHT_KM = 4.0, 3.0  # an outline of roughly 8 km × 6 km
OUTLINE_VERTICES = 40
COORD_DECIMALS = 6  # about 0.1 m; every vertex and point is stored already rounded
SEED_SPACING = 0.6  # min distance between 町丁 seeds, as a share of sqrt(km² per 町丁)
SEED_MARGIN = 0.2  # min distance of a seed from its district's edge, same unit
LAYOUT_ATTEMPTS = 50


def _lonlat(x_km: float, y_km: float) -> tuple[float, float]:
    return (round(CENTRE_LON + x_km / KM_PER_DEG_LON, COORD_DECIMALS),
            round(CENTRE_LAT + y_km / KM_PER_DEG_LAT, COORD_DECIMALS))  # fmt: skip


def area_km2(geometry) -> float:
    return geometry.area * KM_PER_DEG_LON * KM_PER_DEG_LAT


def build_layout(rng: random.Random) -> tuple[Polygon, list[Polygon], list[Polygon]]:
    """Town outline, 第2層 polygons (DISTRICTS order) and 町丁 polygons (CHOME order).

    The 町丁 are Voronoi cells cut from one noded line network, so neighbours share their
    vertices exactly; rounding those shared vertices the same way keeps the tiling exact, and
    each 第2層 area is the union of its 町丁. A draw that fails a check is drawn again.
    """
    for _ in range(LAYOUT_ATTEMPTS):
        outline = _town_outline(rng)
        seeds = _chome_seeds(rng, outline)
        chome = _tile(outline, seeds) if seeds else None
        if chome is None:
            continue
        districts = [
            unary_union([p for c, p in zip(data.CHOME, chome, strict=True) if c.district == d])
            for d in range(len(data.DISTRICTS))
        ]
        town = unary_union(chome)
        parts = [*districts, town]
        if all(isinstance(p, Polygon) and p.is_valid for p in parts) and not town.interiors:
            return town, districts, chome
    raise RuntimeError(f"no valid town layout in {LAYOUT_ATTEMPTS} attempts")


def _town_outline(rng: random.Random) -> Polygon:
    """A star-shaped outline: an ellipse bent by a few random low harmonics."""
    harmonics = [(k, rng.uniform(0.03, 0.06), rng.uniform(0, math.tau)) for k in (2, 3, 5)]
    points = []
    for i in range(OUTLINE_VERTICES):
        angle = math.tau * (i + rng.uniform(-0.3, 0.3)) / OUTLINE_VERTICES
        scale = 1 + sum(a * math.cos(k * angle + phase) for k, a, phase in harmonics)
        scale += rng.uniform(-0.03, 0.03)
        points.append(_lonlat(HALF_WIDTH_KM * scale * math.cos(angle),
                              HALF_HEIGHT_KM * scale * math.sin(angle)))  # fmt: skip
    return Polygon(points)


def _chome_seeds(rng: random.Random, outline: Polygon) -> list[Point] | None:
    """One seed per 町丁 (CHOME order), spread inside its district's Voronoi region."""
    centres = MultiPoint([_lonlat(d.x_km, d.y_km) for d in data.DISTRICTS])
    regions = shapely.voronoi_polygons(centres, extend_to=outline, ordered=True).geoms
    seeds: list[Point | None] = [None] * len(data.CHOME)
    for d, (centre, region) in enumerate(zip(centres.geoms, regions, strict=True)):
        members = [i for i, c in enumerate(data.CHOME) if c.district == d]
        region = region.intersection(outline)
        unit_km = math.sqrt(area_km2(region) / len(members))
        inner = region.buffer(-SEED_MARGIN * unit_km / KM_PER_DEG_LAT)
        points = _spaced_points(rng, inner, len(members), SEED_SPACING * unit_km)
        if points is None:
            return None
        points.sort(key=lambda p: _distance_km(p, centre))  # names run from the centre out
        for i, point in zip(members, points, strict=True):
            seeds[i] = point
    return seeds


def _spaced_points(rng: random.Random, region, count: int, min_km: float) -> list[Point] | None:
    minx, miny, maxx, maxy = region.bounds
    points: list[Point] = []
    for _ in range(2000):
        if len(points) == count:
            return points
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if region.contains(p) and all(_distance_km(p, q) >= min_km for q in points):
            points.append(p)
    return points if len(points) == count else None


def _distance_km(a: Point, b: Point) -> float:
    return math.hypot((a.x - b.x) * KM_PER_DEG_LON, (a.y - b.y) * KM_PER_DEG_LAT)


def _tile(outline: Polygon, seeds: list[Point]) -> list[Polygon] | None:
    """Voronoi cells of `seeds` cut to `outline`, rounded; None when one is split or broken."""
    edges = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=outline.buffer(0.01),
                                     only_edges=True)  # fmt: skip
    network = unary_union([shapely.LineString(outline.exterior.coords), edges])
    groups: list[list[Polygon]] = [[] for _ in seeds]
    for face in polygonize(network.geoms):
        inside = face.representative_point()
        if outline.contains(inside):
            groups[min(range(len(seeds)), key=lambda i: inside.distance(seeds[i]))].append(face)
    cells = []
    for faces in groups:
        cell = unary_union(faces) if faces else None
        if not isinstance(cell, Polygon):
            return None
        cell = _rounded(cell)
        if not cell.is_valid:
            return None
        cells.append(cell)
    # Rounding must not have made neighbours overlap.
    if abs(sum(c.area for c in cells) - unary_union(cells).area) > 1e-12 * outline.area:
        return None
    return cells


def _rounded(polygon: Polygon) -> Polygon:
    return Polygon(_rounded_ring(polygon.exterior.coords),
                   [_rounded_ring(ring.coords) for ring in polygon.interiors])  # fmt: skip


def _rounded_ring(coords) -> list[tuple[float, float]]:
    ring: list[tuple[float, float]] = []
    for x, y in coords:
        point = (round(x, COORD_DECIMALS), round(y, COORD_DECIMALS))
        if not ring or ring[-1] != point:
            ring.append(point)
    return ring


# --- GeoJSON ----------------------------------------------------------------------------------


def collection(items: list[tuple[Polygon, dict]]) -> dict:
    features = [
        {"type": "Feature", "properties": properties, "geometry": _geojson_polygon(polygon)}
        for polygon, properties in items
    ]
    return {"type": "FeatureCollection", "features": features}


def _geojson_polygon(polygon: Polygon) -> dict:
    rings = [polygon.exterior.coords, *(ring.coords for ring in polygon.interiors)]
    return {"type": "Polygon", "coordinates": _oriented([[list(c) for c in r] for r in rings])}


def _oriented(rings: list[list[list[float]]]) -> list[list[list[float]]]:
    """RFC 7946 §3.1.6: exterior ring counter-clockwise, holes clockwise; coordinates rounded."""
    result = []
    for index, ring in enumerate(rings):
        ring = [[round(x, COORD_DECIMALS), round(y, COORD_DECIMALS)] for x, y, *_ in ring]
        doubled_area = sum(
            x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False)
        )
        if (doubled_area > 0) != (index == 0):
            ring.reverse()
        result.append(ring)
    return result


def geojson_text(collection: dict) -> str:
    """One feature per line, so the files diff well; polygons rounded and oriented on the way."""
    features = []
    for feature in collection["features"]:
        geometry = feature["geometry"]
        if geometry["type"] == "Polygon":
            geometry = {"type": "Polygon", "coordinates": _oriented(geometry["coordinates"])}
        features.append(json.dumps({**feature, "geometry": geometry}, ensure_ascii=False))
    return '{"type": "FeatureCollection", "features": [\n' + ",\n".join(features) + "\n]}\n"
