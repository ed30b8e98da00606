"""Small helpers the views share: the request's parameters (declared in params.py) and the
filters among them, the index cache, map data from cards, the QR code, today's date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app, g, request, url_for
from markupsafe import Markup

from mapapp import features, maps
from mapapp.search import DEFAULT_RADIUS_M, IndexCache, SearchQuery
from mapapp.web.params import Context, parse_args

JAPAN = ZoneInfo("Asia/Tokyo")


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


def param_context(app) -> Context:
    """What the parameter declarations need from the app: its kinds, its API page limit and
    today's date in Japan."""
    taxonomy = app.extensions["mapapp.taxonomy"]
    return Context(
        kinds=tuple(k.code for k in taxonomy.kinds),
        api_page_limit=app.config["API_PAGE_LIMIT"],
        today=today(),
    )


def request_args() -> dict:
    """The current route's declared parameters, read and checked once per request
    (BadParameter, answered in the error shape or as a Japanese page, when one is wrong)."""
    if "parsed_args" not in g:
        g.parsed_args = parse_args(request.endpoint, request.args, param_context(current_app))
    return g.parsed_args


def filters_from(args: dict) -> Filters:
    """The list filters among a route's parsed parameters (those it does not take stay off)."""
    near = args.get("near")
    if args.get("lat") is not None:
        near = (args["lat"], args["lon"])
    return Filters(
        kinds=args.get("kind", ()),
        weekday=args.get("weekday"),
        free_only=args.get("free", False),
        pickup_only=args.get("pickup", False),
        near=near,
        radius_m=args.get("radius_m", DEFAULT_RADIUS_M),
        place_id=args.get("place"),
        date=args.get("date"),
        this_week=args.get("this_week", False),
    )


def area_outline(area, url: str, *, labelled: bool = False) -> dict:
    """An area for the map; ``labelled`` writes its name on the map (the home page's overview)."""
    return features.feature(
        features.shape(area.geom), {"name": area.name, "url": url, "label": labelled}
    )


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
    """The page's address as residents reach it, for paper and QR codes: only from
    PUBLIC_URL, "" when it is not set. The request's Host header is never used: anyone can
    forge it, and behind a proxy it is an internal name."""
    base = current_app.config["PUBLIC_URL"].strip().rstrip("/")
    return base + url_for(endpoint, **values) if base else ""


def qr_svg(url: str) -> Markup:
    """The page's address as a QR code, inline SVG (no external service)."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True
    )
    return Markup(buffer.getvalue().decode("utf-8"))  # noqa: S704 -- segno's own SVG
