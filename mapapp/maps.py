"""Maps for pages: folium maps built from plain data, with Leaflet served from static/ and the
tile source taken from the settings; and a static SVG map for printing."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from mapapp import features

LEAFLET_JS = "/static/vendor/leaflet/leaflet.js"
LEAFLET_CSS = "/static/vendor/leaflet/leaflet.css"
CLUSTER_JS = "/static/vendor/markercluster/leaflet.markercluster.js"
CLUSTER_CSS = "/static/vendor/markercluster/MarkerCluster.css"
MIN_SPAN_DEG = 0.0005  # about 50 m: smaller boxes are shown centred at the default zoom
# Markers closer than this on screen (px) are drawn as one numbered circle, until the zoom
# level where a street's buildings are apart; places in one building then spread out on a tap.
CLUSTER_RADIUS_PX = 40
NO_CLUSTERS_FROM_ZOOM = 17
GATHERING_GROUP = "kayoi"  # 通いの場 are round markers; the other kinds square


@dataclass(frozen=True)
class Tiles:
    url: str  # "" for no background map (the areas and markers still show)
    attribution: str  # plain text; shown escaped
    max_zoom: int = 18


@dataclass(frozen=True)
class MapPoint:
    id: int
    lat: float
    lon: float
    name: str
    kind: str
    kind_label: str
    when: str  # one line: the next date, or the schedule text's first line
    url: str
    distance: str = ""  # 「徒歩8分（約450m）」 where a search started from a place


@dataclass(frozen=True)
class KindStyle:
    code: str
    label: str
    symbol: str
    group: str = ""
    count: int = 0  # how many of this kind the map shows (for the legend)

    @property
    def shape(self) -> str:
        """round for 通いの場, square for the rest: the group is told by shape, not colour."""
        return "round" if self.group == GATHERING_GROUP else "square"


@dataclass(frozen=True)
class MapParts:
    """What a page needs to show a folium map: the container, and the script that fills it."""

    name: str  # the JavaScript variable folium gives the map
    body: Markup
    script: Markup
    css: tuple[str, ...] = (LEAFLET_CSS, CLUSTER_CSS)
    js: tuple[str, ...] = (LEAFLET_JS, CLUSTER_JS)


def build_map(
    *,
    tiles: Tiles,
    bounds: tuple[float, float, float, float] | None,  # (min_lon, min_lat, max_lon, max_lat)
    outlines: Sequence[dict] = (),  # GeoJSON features of areas to draw, with properties.name
    points: Sequence[MapPoint] = (),
    kinds: Sequence[KindStyle] = (),
    here: tuple[float, float] | None = None,  # (lat, lon) where a nearby search started
    here_radius_m: int | None = None,  # the walking distance searched, drawn as a ring
    vague: Sequence[tuple[float, float, int]] = (),  # (lat, lon, radius_m): "somewhere here"
):
    """A folium Map: area outlines, one GeoJSON layer of markers per kind in one cluster
    group, 「ここ」 and the distance searched around it.

    Each kind is one layer whose features carry only what a popup needs, so a page grows by
    about a hundred bytes per resource rather than by a marker object with HTML per resource.
    The legend is the page's (HTML beside the map), so there is no layer control; the scale
    (metres only) and the Japanese titles of the zoom buttons are set by static/js/map.js.
    """
    import folium
    from folium.plugins import MarkerCluster

    center = here or _center(bounds) or (35.68, 139.76)
    fmap = folium.Map(location=list(center), zoom_start=15, tiles=None, zoom_control=False)
    fmap.options["maxZoom"] = tiles.max_zoom  # clustering needs it, also without a background
    # A calm map: zooming jumps instead of sliding, and clusters split at once (older
    # readers, and a map that has settled by the time the page says it is ready).
    fmap.options["zoomAnimation"] = False
    fmap.default_js = [("leaflet", LEAFLET_JS)]
    fmap.default_css = [("leaflet_css", LEAFLET_CSS)]
    if tiles.url:
        folium.TileLayer(
            tiles=tiles.url,
            attr=str(escape(tiles.attribution)),
            name="背景地図",
            max_zoom=tiles.max_zoom,
            max_native_zoom=tiles.max_zoom,
            control=False,
        ).add_to(fmap)
    if outlines:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": list(outlines)},
            name="区域",
            control=False,
            style_function=lambda _: {
                "color": "#0d47a1",
                "weight": 3,
                "fill": True,
                "fillOpacity": 0.04,
            },
            on_each_feature=folium.JsCode("function (f, layer) { mapapp.bindArea(f, layer); }"),
        ).add_to(fmap)
    by_kind: dict[str, list[MapPoint]] = {}
    for point in points:
        by_kind.setdefault(point.kind, []).append(point)
    cluster = None
    if points:
        cluster = MarkerCluster(
            control=False,
            options={
                "maxClusterRadius": CLUSTER_RADIUS_PX,
                "disableClusteringAtZoom": NO_CLUSTERS_FROM_ZOOM,
                "spiderfyOnMaxZoom": True,
                "showCoverageOnHover": False,
                "animate": False,
                # A page holds at most a few hundred places: keep them all, so that a marker
                # does not vanish while the map pans to show a popup.
                "removeOutsideVisibleBounds": False,
            },
            icon_create_function="function (cluster) { return mapapp.clusterIcon(cluster); }",
        )
        cluster.default_js = [("markerclusterjs", CLUSTER_JS)]
        cluster.default_css = [("markerclustercss", CLUSTER_CSS)]
        cluster.add_to(fmap)
    for kind in kinds:
        chosen = by_kind.get(kind.code)
        if not chosen:
            continue
        folium.GeoJson(
            {"type": "FeatureCollection", "features": [_feature(p) for p in chosen]},
            name=str(escape(f"{kind.symbol} {kind.label}（{len(chosen)}）")),
            marker=folium.Marker(
                icon=folium.DivIcon(
                    html=str(escape(kind.symbol)),
                    class_name=f"map-marker kind-{kind.code} marker-{kind.shape}",
                    icon_size=(36, 36),
                    icon_anchor=(18, 18),
                )
            ),
            on_each_feature=folium.JsCode("function (f, layer) { mapapp.bindResource(f, layer); }"),
        ).add_to(cluster)
    for lat, lon, radius_m in vague:
        folium.Circle(
            location=[lat, lon],
            radius=radius_m,
            color="#b3261e",
            weight=3,
            fill=True,
            fill_opacity=0.15,
        ).add_to(fmap)
    if here:
        if here_radius_m:
            ring = folium.Circle(
                location=list(here),
                radius=here_radius_m,
                color="#1a1a1a",
                weight=2,
                dash_array="8 6",
                fill=False,
                interactive=False,
            )
            ring.add_to(fmap)
            fmap.fit_bounds(_box_around(here, here_radius_m))
        folium.Marker(
            location=list(here),
            icon=folium.DivIcon(
                html="ここ",
                class_name="map-here",
                icon_size=(64, 40),
                icon_anchor=(32, 48),
            ),
            z_index_offset=1000,
            title="ここから探しました",
            alt="ここから探しました",
            keyboard=False,
        ).add_to(fmap)
    if bounds and not here:
        min_lon, min_lat, max_lon, max_lat = bounds
        if max_lon - min_lon > MIN_SPAN_DEG or max_lat - min_lat > MIN_SPAN_DEG:
            fmap.fit_bounds([[min_lat, min_lon], [max_lat, max_lon]])
        # else: one place (or one building): Leaflet cannot fit a box of no size; stay centred.
    return fmap


def _box_around(here: tuple[float, float], radius_m: float) -> list[list[float]]:
    """[[south, west], [north, east]] of a circle of ``radius_m`` around (lat, lon)."""
    import math

    lat, lon = here
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    return [[lat - dlat, lon - dlon], [lat + dlat, lon + dlon]]


def render_map(fmap) -> MapParts:
    """Split a folium Map into the container and its script, without folium's page header
    (which would restyle the whole page and add a viewport that forbids zooming)."""
    root = fmap.get_root()
    root.render()
    body = root.html.render()
    script = root.script.render()
    if re.search(r"</script", script, re.IGNORECASE):  # data is JSON-escaped; never expected
        raise ValueError("map script contains a closing script tag")
    # folium writes every value into the script as escaped JSON (tojson), and names into the
    # layer control pass through escape() above.
    return MapParts(fmap.get_name(), Markup(body), Markup(script))  # noqa: S704


def _feature(point: MapPoint) -> dict:
    return features.feature(
        features.point(point.lat, point.lon),
        {
            "id": point.id,
            "name": point.name,
            "kind": point.kind_label,
            "when": point.when,
            "url": point.url,
            "distance": point.distance,
        },
    )


def _center(bounds):
    if not bounds:
        return None
    min_lon, min_lat, max_lon, max_lat = bounds
    return ((min_lat + max_lat) / 2, (min_lon + max_lon) / 2)


# --- printing --------------------------------------------------------------------------

PRINT_MARK_R = 11  # px of the numbered circles in the SVG's own units (680 wide)
_PLACING_STEP = 6  # px between rings of positions tried around a crowded spot
_PLACING_RINGS = 40


def place_labels(
    anchors: Sequence[tuple[float, float]], radius: float, width: float, height: float
) -> list[tuple[float, float]]:
    """Where to draw numbered circles so that no two overlap: each at its place when that is
    free, else at the nearest free spot on rings around it (in order, so number 1 keeps its
    place). Inside ``width`` × ``height`` wherever there is room.
    """
    import math

    placed: list[tuple[float, float]] = []
    gap = 2 * radius + 1

    def free(x, y):
        inside = radius <= x <= width - radius and radius <= y <= height - radius
        return inside and all((x - px) ** 2 + (y - py) ** 2 >= gap * gap for px, py in placed)

    for ax, ay in anchors:
        spot = (ax, ay)
        if not free(ax, ay):
            spot = None
            for ring in range(1, _PLACING_RINGS + 1):
                distance = gap * 0.5 + ring * _PLACING_STEP
                steps = max(8, int(2 * math.pi * distance / _PLACING_STEP))
                for step in range(steps):
                    angle = -math.pi / 2 + 2 * math.pi * step / steps  # from straight up
                    x, y = ax + distance * math.cos(angle), ay + distance * math.sin(angle)
                    if free(x, y):
                        spot = (x, y)
                        break
                if spot:
                    break
            spot = spot or (ax, ay)  # no room left at all: stack (never for a town's list)
        placed.append(spot)
    return placed


def print_svg(
    outlines: Sequence,
    points: Sequence[tuple[int, float, float, str]],
    width: int = 680,
    height: int = 520,
) -> Markup:
    """A static map for paper: area outlines and numbered points matching the printed list.

    ``outlines`` are shapely (Multi)Polygons; ``points`` are (number, lat, lon, kind code).
    The projection is equirectangular around the middle latitude, which is true to within a
    fraction of a percent over a town.
    """
    import math

    from shapely.geometry import MultiPoint
    from shapely.ops import unary_union

    shapes = [g for g in outlines if g is not None]
    extent = unary_union(
        shapes + [MultiPoint([(lon, lat) for _, lat, lon, _ in points])] if points else shapes
    )
    if extent.is_empty:
        return Markup("")
    min_lon, min_lat, max_lon, max_lat = extent.bounds
    x_scale = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lon - min_lon) * x_scale, 1e-6)
    span_y = max(max_lat - min_lat, 1e-6)
    margin = 24
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)

    def xy(lon, lat):
        return (
            margin + (lon - min_lon) * x_scale * scale,
            height - margin - (lat - min_lat) * scale,
        )

    paths = []
    for shape in shapes:
        polygons = getattr(shape, "geoms", [shape])
        for polygon in polygons:
            ring = " ".join(
                f"{x:.1f},{y:.1f}" for x, y in (xy(*c) for c in polygon.exterior.coords)
            )
            paths.append(f'<polygon points="{ring}" class="print-area"/>')
    anchors = [xy(lon, lat) for _, lat, lon, _ in points]
    radius = PRINT_MARK_R if len(points) < 100 else PRINT_MARK_R + 3
    placed = place_labels(anchors, radius, width, height)
    leaders, marks = [], []
    for (number, _, _, kind), (ax, ay), (x, y) in zip(points, anchors, placed, strict=True):
        if (x, y) != (ax, ay):  # moved off a crowded spot: a line back to the place
            leaders.append(
                f'<line x1="{ax:.1f}" y1="{ay:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
                'class="print-leader"/>'
                f'<circle cx="{ax:.1f}" cy="{ay:.1f}" r="3" class="print-dot"/>'
            )
        marks.append(
            f'<g class="print-mark kind-{escape(kind)}"><circle cx="{x:.1f}" cy="{y:.1f}" '
            f'r="{radius}"/><text x="{x:.1f}" y="{y + 5:.1f}" text-anchor="middle">{number}'
            "</text></g>"
        )
    marks = leaders + marks
    # Only numbers and escaped kind codes go into the SVG.
    return Markup(  # noqa: S704
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="地図（番号は一覧の番号）" '
        f'class="print-map">{"".join(paths)}{"".join(marks)}</svg>'
    )
