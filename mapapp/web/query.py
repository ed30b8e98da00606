"""Small helpers the resident pages share: filters from the query string, the index cache,
map data from cards, the QR code, today's date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from markupsafe import Markup
from shapely.geometry import mapping

from mapapp import maps
from mapapp.search import DEFAULT_RADIUS_M, MAX_RADIUS_M, IndexCache, SearchQuery
from mapapp.web.errors import BadParameter
from mapapp.web.params import int_param, list_param

JAPAN = ZoneInfo("Asia/Tokyo")
MAX_LIST = 200


def today() -> dt.date:
    return dt.datetime.now(JAPAN).date()


def index_cache(app) -> IndexCache:
    return app.extensions.setdefault("mapapp.index_cache", IndexCache())


def tiles() -> maps.Tiles:
    config = current_app.config
    return maps.Tiles(config["TILE_URL"], config["TILE_ATTRIBUTION"], config["TILE_MAX_ZOOM"])


@dataclass(frozen=True)
class Filters:
    kinds: tuple[str, ...] = ()
    weekday: int | None = None
    free_only: bool = False
    pickup_only: bool = False
    near: tuple[float, float] | None = None
    radius_m: int = DEFAULT_RADIUS_M
    place_id: int | None = None

    date: dt.date | None = None
    this_week: bool = False

    def any(self) -> bool:
        return bool(
            self.kinds
            or self.weekday is not None
            or self.date
            or self.this_week
            or self.free_only
            or self.pickup_only
        )

    def open_between(self) -> tuple[dt.date, dt.date] | None:
        if self.date:
            return (self.date, self.date)
        if self.this_week:
            start = today()
            return (start, start + dt.timedelta(days=6 - start.weekday()))  # through Sunday
        return None

    def query(self, **where) -> SearchQuery:
        """A SearchQuery with these filters and ``where`` (area, place, words)."""
        return SearchQuery(
            kinds=self.kinds,
            weekday=self.weekday,
            open_between=self.open_between(),
            free_only=self.free_only,
            pickup_only=self.pickup_only,
            **where,
        )

    def as_args(self) -> dict:
        """The filters as query-string arguments, to rebuild a link to the same list."""
        args: dict = {}
        if self.kinds:
            args["kind"] = ",".join(self.kinds)
        if self.weekday is not None:
            args["weekday"] = self.weekday
        if self.date:
            args["date"] = self.date.isoformat()
        if self.this_week:
            args["this_week"] = 1
        if self.free_only:
            args["free"] = 1
        if self.pickup_only:
            args["pickup"] = 1
        return args


def parse_filters(args, taxonomy) -> Filters:
    kinds = list_param(args, "kind")
    unknown = [k for k in kinds if not taxonomy.has_kind(k)]
    if unknown:
        raise BadParameter("kind", f"種別「{'、'.join(unknown)}」はありません")
    near = None
    if args.get("lat") or args.get("lon"):
        near = (_float(args, "lat"), _float(args, "lon"))
    elif args.get("near"):
        parts = args["near"].split(",")
        if len(parts) != 2:
            raise BadParameter(
                "near", "near は 緯度,経度 の形で指定してください（例: 35.04,137.06）"
            )
        near = (_float({"near": parts[0]}, "near"), _float({"near": parts[1]}, "near"))
    return Filters(
        kinds=kinds,
        weekday=int_param(args, "weekday", None, minimum=0, maximum=6),
        free_only=args.get("free") in ("1", "on", "true"),
        pickup_only=args.get("pickup") in ("1", "on", "true"),
        near=near,
        radius_m=int_param(args, "radius_m", DEFAULT_RADIUS_M, minimum=1, maximum=MAX_RADIUS_M),
        place_id=int_param(args, "place", None, minimum=1),
        date=_date(args),
        this_week=args.get("this_week") in ("1", "on", "true"),
    )


def _date(args) -> dt.date | None:
    raw = (args.get("date") or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(
            "date", f"date は 2026-06-11 の形で指定してください（「{raw}」）"
        ) from None


def list_limit(args) -> int:
    """How many rows a page lists (the API pages with its own limit)."""
    return int_param(args, "limit", 50, minimum=1, maximum=MAX_LIST)


def _float(args, name: str) -> float:
    raw = (args.get(name) or "").strip()
    try:
        value = float(raw)
    except ValueError:
        raise BadParameter(name, f"{name} は数字で指定してください（「{raw}」）") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise BadParameter(name, f"{name} は数字で指定してください（「{raw}」）")
    return value


def area_outline(area, url: str, *, labelled: bool = False) -> dict:
    """An area for the map; ``labelled`` writes its name on the map (the home page's overview)."""
    return {
        "type": "Feature",
        "geometry": mapping(area.geom),
        "properties": {"name": area.name, "url": url, "label": labelled},
    }


def map_points(cards) -> list[maps.MapPoint]:
    return [
        maps.MapPoint(
            id=c.id,
            lat=c.lat,
            lon=c.lon,
            name=c.name,
            kind=c.kind,
            kind_label=c.kind_label,
            when=c.when if c.active else c.status_label,
            url=url_for("public.resource", resource_id=c.id),
            distance=c.distance_text,
        )
        for c in cards
        if c.lat is not None
    ]


def public_url(endpoint: str, **values) -> str:
    """The page's address as residents reach it: PUBLIC_URL when set (behind a proxy, the
    request's own host is an internal one), else the request's host."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    if not base:
        return url_for(endpoint, _external=True, **values)
    return base + url_for(endpoint, **values)


def qr_svg(url: str) -> Markup:
    """The page's address as a QR code, inline SVG (no external service)."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True
    )
    return Markup(buffer.getvalue().decode("utf-8"))  # noqa: S704 -- segno's own SVG
