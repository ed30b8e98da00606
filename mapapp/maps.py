"""Maps for pages: folium maps built from plain data, with Leaflet served from static/ and the
tile source taken from the settings; and a static SVG map for printing."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

LEAFLET_JS = "/static/vendor/leaflet/leaflet.js"
LEAFLET_CSS = "/static/vendor/leaflet/leaflet.css"
MIN_SPAN_DEG = 0.0005  # about 50 m: smaller boxes are shown centred at the default zoom


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


@dataclass(frozen=True)
class MapParts:
    """What a page needs to show a folium map: the container, and the script that fills it."""

    name: str  # the JavaScript variable folium gives the map
    body: Markup
    script: Markup
    css: tuple[str, ...] = (LEAFLET_CSS,)
    js: tuple[str, ...] = (LEAFLET_JS,)


def build_map(
    *,
    tiles: Tiles,
    bounds: tuple[float, float, float, float] | None,  # (min_lon, min_lat, max_lon, max_lat)
    outlines: Sequence[dict] = (),  # GeoJSON features of areas to draw, with properties.name
    points: Sequence[MapPoint] = (),
    kinds: Sequence[KindStyle] = (),
    here: tuple[float, float] | None = None,  # (lat, lon) where a nearby search started
    vague: Sequence[tuple[float, float, int]] = (),  # (lat, lon, radius_m): "somewhere here"
):
    """A folium Map: area outlines, one GeoJSON layer of markers per kind, a layer control.

    Each kind is one layer whose features carry only what a popup needs, so a page grows by
    about a hundred bytes per resource rather than by a marker object with HTML per resource.
    """
    import folium

    center = here or _center(bounds) or (35.68, 139.76)
    fmap = folium.Map(location=list(center), zoom_start=15, tiles=None, control_scale=True)
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
                    class_name=f"map-marker kind-{kind.code}",
                    icon_size=(36, 36),
                    icon_anchor=(18, 18),
                )
            ),
            on_each_feature=folium.JsCode("function (f, layer) { mapapp.bindResource(f, layer); }"),
        ).add_to(fmap)
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
        folium.CircleMarker(
            location=list(here), radius=10, color="#b3261e", weight=4, fill=True, fill_opacity=0.9
        ).add_to(fmap)
    if bounds and not here:
        min_lon, min_lat, max_lon, max_lat = bounds
        if max_lon - min_lon > MIN_SPAN_DEG or max_lat - min_lat > MIN_SPAN_DEG:
            fmap.fit_bounds([[min_lat, min_lon], [max_lat, max_lon]])
        # else: one place (or one building): Leaflet cannot fit a box of no size; stay centred.
    if len(by_kind) > 1:
        folium.LayerControl(collapsed=True).add_to(fmap)
    return fmap


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
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [point.lon, point.lat]},
        "properties": {
            "id": point.id,
            "name": point.name,
            "kind": point.kind_label,
            "when": point.when,
            "url": point.url,
            "distance": point.distance,
        },
    }


def _center(bounds):
    if not bounds:
        return None
    min_lon, min_lat, max_lon, max_lat = bounds
    return ((min_lat + max_lat) / 2, (min_lon + max_lon) / 2)


# --- printing --------------------------------------------------------------------------


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
    marks = []
    for number, lat, lon, kind in points:
        x, y = xy(lon, lat)
        marks.append(
            f'<g class="print-mark kind-{escape(kind)}"><circle cx="{x:.1f}" cy="{y:.1f}" r="11"/>'
            f'<text x="{x:.1f}" y="{y + 5:.1f}" text-anchor="middle">{number}</text></g>'
        )
    # Only numbers and escaped kind codes go into the SVG.
    return Markup(  # noqa: S704
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="地図（番号は一覧の番号）" '
        f'class="print-map">{"".join(paths)}{"".join(marks)}</svg>'
    )
