"""Pages for residents: home, area, resource, nearby, search, and their print versions."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, g, render_template, request, url_for

from mapapp import catalog, maps
from mapapp.listing import WEEKDAY_LABELS, calendar_events, make_card
from mapapp.models import Layer
from mapapp.schedule import to_ical
from mapapp.search import InvalidSearch, SearchQuery, kind_counts, search
from mapapp.storage import get_storage
from mapapp.web.errors import BadParameter
from mapapp.web.params import int_param
from mapapp.web.query import (
    area_outline,
    index_cache,
    list_limit,
    map_points,
    parse_filters,
    public_url,
    qr_svg,
    tiles,
    today,
)

blueprint = Blueprint("public", __name__)
NEARBY_ON_DETAIL = 5
PRIVATE_HOME_RADIUS_M = 200
NEARBY_RADIUS_M = 3_000  # "近くにあるもの" on a resource page: a short bus or car ride
AREA_PAGE_SIZE = 100  # the list, and so the map, show this many at a time


def _taxonomy():
    return current_app.extensions["mapapp.taxonomy"]


def _m_per_min() -> float:
    return current_app.config["WALK_M_PER_MIN"]


def _index():
    """The search index, fetched once per request (its freshness check is a query)."""
    if "search_index" not in g:
        g.search_index = index_cache(current_app).get(get_storage(current_app), _taxonomy())
    return g.search_index


def _run(query: SearchQuery):
    try:
        return search(_index(), query)
    except InvalidSearch as exc:
        raise BadParameter(exc.field, str(exc)) from None


def _cards(session, hits, dates=1):
    resources = catalog.resources_by_id(session, [h.resource_id for h in hits])
    day = today()
    return [
        make_card(
            resources[h.resource_id],
            _taxonomy(),
            today=day,
            m_per_min=_m_per_min(),
            distance_m=h.distance_m,
            dates=dates,
        )
        for h in hits
        if h.resource_id in resources
    ]


def _kind_styles(cards):
    used = {c.kind for c in cards}
    return [maps.KindStyle(k.code, k.label, k.symbol) for k in _taxonomy().kinds if k.code in used]


@blueprint.get("/")
def home():
    taxonomy = _taxonomy()
    with get_storage(current_app).reading() as session:
        areas = catalog.list_areas(session, Layer.DAILY_LIFE) or catalog.list_areas(session)
        counts = catalog.counts_by_area_and_kind(session)
        outside = catalog.count_outside(session)
        title = catalog.municipality_name(session, current_app.config["MUNICIPALITY_NAME"])
        bounds = catalog.bounds_of(areas)
        outlines = [
            area_outline(a, url_for("public.area", area_id=a.id), labelled=True) for a in areas
        ]
    rows = [(a, taxonomy.count_by_group(counts.get(a.id, {})), counts.get(a.id, {})) for a in areas]
    used = {kind for a in areas for kind in counts.get(a.id, {})}
    fmap = maps.build_map(tiles=tiles(), bounds=bounds, outlines=outlines)
    return render_template(
        "home.html",
        title=title,
        groups=taxonomy.groups,
        rows=rows,
        kinds=[k for k in taxonomy.kinds if k.code in used],
        outside=taxonomy.count_by_group(outside) if outside else None,
        map=maps.render_map(fmap),
    )


@blueprint.get("/areas/<int(max=2147483647):area_id>")
def area(area_id: int):
    return _area_page(area_id, "area.html")


@blueprint.get("/areas/<int(max=2147483647):area_id>/print")
def area_print(area_id: int):
    return _area_page(area_id, "print.html")


def _area_page(area_id: int, template: str):
    filters = parse_filters(request.args, _taxonomy())
    page = int_param(request.args, "page", 1, minimum=1)
    result = _run(filters.query(area_id=area_id))
    used_kinds = kind_counts(_index(), area_id)
    with get_storage(current_app).reading() as session:
        found = catalog.get_area(session, area_id)
        if found is None:
            abort(404)
        total = result.total
        first = (page - 1) * AREA_PAGE_SIZE
        cards = _cards(session, result.page(first, AREA_PAGE_SIZE))
        outline = area_outline(found, url_for("public.area", area_id=found.id))
        geom = found.geom
        bounds = (found.min_lon, found.min_lat, found.max_lon, found.max_lat)
        area_name, kind_label = found.name, found.kind_label
    args = {**filters.as_args(), **({"page": page} if page > 1 else {})}
    page_url = public_url("public.area", area_id=area_id, **args)

    def page_link(number):
        if number < 1 or (number - 1) * AREA_PAGE_SIZE >= total:
            return None
        return url_for("public.area", area_id=area_id, **filters.as_args(), page=number)

    context = {
        "title": f"{area_name}の地域資源",
        "area_name": area_name,
        "area_kind": kind_label,
        "area_id": area_id,
        "cards": cards,
        "filters": filters,
        "kinds": _taxonomy().kinds,
        "used_kinds": used_kinds,
        "weekdays": WEEKDAY_LABELS,
        "page_url": page_url,
        "print_url": url_for("public.area_print", area_id=area_id, **args),
        "total": total,
        "first_number": first + 1,
        "previous_url": page_link(page - 1),
        "next_url": page_link(page + 1),
    }
    if template == "print.html":
        points = [
            (i, c.lat, c.lon, c.kind) for i, c in enumerate(cards, start=1) if c.lat is not None
        ]
        return render_template(
            template, **context, svg=maps.print_svg([geom], points), qr=qr_svg(page_url)
        )
    fmap = maps.build_map(
        tiles=tiles(),
        bounds=bounds,
        outlines=[outline],
        points=map_points(cards),
        kinds=_kind_styles(cards),
    )
    return render_template(template, **context, map=maps.render_map(fmap))


@blueprint.get("/resources/<int(max=2147483647):resource_id>")
def resource(resource_id: int):
    taxonomy = _taxonomy()
    with get_storage(current_app).reading() as session:
        try:
            found = catalog.get_resource(session, resource_id)
        except catalog.NotFound:
            abort(404)
        card = make_card(found, taxonomy, today=today(), m_per_min=_m_per_min(), dates=3)
    if card.lat is None:  # not placed yet: the details without a map or a nearby list
        return render_template("resource.html", title=card.name, card=card, nearby=[], map=None)
    nearby = _run(SearchQuery(near=(card.lat, card.lon), radius_m=NEARBY_RADIUS_M))
    hits = [h for h in nearby.page(0, NEARBY_ON_DETAIL + 1) if h.resource_id != resource_id]
    hits = hits[:NEARBY_ON_DETAIL]
    with get_storage(current_app).reading() as session:
        near_cards = _cards(session, hits, dates=0)
    # A private home is shown as an area of about 200 m around its 町丁's point, not a pin.
    fmap = maps.build_map(
        tiles=tiles(),
        bounds=None,
        points=[] if card.private_home else map_points([card]),
        kinds=_kind_styles([card]),
        vague=[(card.lat, card.lon, PRIVATE_HOME_RADIUS_M)] if card.private_home else (),
    )
    fmap.location = [card.lat, card.lon]
    fmap.options["zoom"] = 16
    return render_template(
        "resource.html", title=card.name, card=card, nearby=near_cards, map=maps.render_map(fmap)
    )


@blueprint.get("/near")
def near():
    filters = parse_filters(request.args, _taxonomy())
    with get_storage(current_app).reading() as session:
        places = catalog.list_areas(session, Layer.NEIGHBOURHOOD) or catalog.list_areas(
            session, Layer.DAILY_LIFE
        )
        place_choices = [(a.id, a.name) for a in places]
        here = filters.near
        if here is None and filters.place_id is not None:
            place = catalog.get_area(session, filters.place_id)
            if place is None:
                raise BadParameter("place", "その町丁・区域はありません")
            point = place.geom.representative_point()
            here = (point.y, point.x)
        all_areas = catalog.list_areas(session, Layer.DAILY_LIFE)
        bounds = catalog.bounds_of(all_areas)
        outlines = [area_outline(a, url_for("public.area", area_id=a.id)) for a in all_areas]
    cards, total = [], 0
    if here is not None:
        result = _run(filters.query(near=here, radius_m=filters.radius_m))
        total = result.total
        with get_storage(current_app).reading() as session:
            cards = _cards(session, result.page(0, list_limit(request.args)))
    fmap = maps.build_map(
        tiles=tiles(),
        bounds=bounds,
        outlines=outlines,
        points=map_points(cards),
        kinds=_kind_styles(cards),
        here=here,
    )
    return render_template(
        "near.html",
        title="近くを探す",
        cards=cards,
        here=here,
        filters=filters,
        places=place_choices,
        kinds=_taxonomy().kinds,
        used_kinds=kind_counts(_index()),
        show_counts=False,  # counts are for the whole town, not for this place: leave them out
        total=total,
        weekdays=WEEKDAY_LABELS,
        map=maps.render_map(fmap),
        m_per_min=_m_per_min(),
    )


@blueprint.get("/search")
def search_page():
    return _search_page("search.html")


@blueprint.get("/search/print")
def search_print():
    return _search_page("print.html")


def _search_page(template: str):
    filters = parse_filters(request.args, _taxonomy())
    words = (request.args.get("q") or "").strip()[:100]
    cards, nothing, total = [], False, 0
    if words or filters.any():
        result = _run(filters.query(text=words))
        nothing, total = result.words_matched_nothing, result.total
        with get_storage(current_app).reading() as session:
            cards = _cards(session, result.page(0, list_limit(request.args)))
    args = {**filters.as_args(), **({"q": words} if words else {})}
    context = {
        "title": f"「{words}」の検索結果" if words else "名前で探す",
        "total": total,
        "words": words,
        "cards": cards,
        "nothing": nothing,
        "filters": filters,
        "kinds": _taxonomy().kinds,
        "weekdays": WEEKDAY_LABELS,
        "page_url": public_url("public.search_page", **args),
        "print_url": url_for("public.search_print", **args),
    }
    if template == "print.html":
        points = [
            (i, c.lat, c.lon, c.kind) for i, c in enumerate(cards, start=1) if c.lat is not None
        ]
        return render_template(
            template, **context, svg=maps.print_svg([], points), qr=qr_svg(context["page_url"])
        )
    fmap = maps.build_map(
        tiles=tiles(),
        bounds=_bounds_of_cards(cards),
        points=map_points(cards),
        kinds=_kind_styles(cards),
    )
    return render_template(template, **context, map=maps.render_map(fmap) if cards else None)


def _bounds_of_cards(cards):
    if not cards:
        return None
    placed = [c for c in cards if c.lat is not None]
    if not placed:
        return None
    lons, lats = [c.lon for c in placed], [c.lat for c in placed]
    return (min(lons), min(lats), max(lons), max(lats))


@blueprint.get("/kinds.css")
def kind_styles():
    """One colour class per kind, from the taxonomy (codes are [a-z0-9_], colours #rrggbb)."""
    css = "".join(f".kind-{k.code}{{--kind-color:{k.color}}}\n" for k in _taxonomy().kinds)
    response = current_app.response_class(css, mimetype="text/css")
    response.cache_control.max_age = 300
    return response


@blueprint.app_template_filter("date_ja")
def date_ja(value: dt.date | None) -> str:
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


@blueprint.get("/resources/<int(max=2147483647):resource_id>.ics")
def resource_calendar(resource_id: int):
    with get_storage(current_app).reading() as session:
        try:
            found = catalog.get_resource(session, resource_id)
        except catalog.NotFound:
            abort(404)
        events = calendar_events([found])
    return _calendar(events, f"resource-{resource_id}.ics")


@blueprint.get("/areas/<int(max=2147483647):area_id>.ics")
def area_calendar(area_id: int):
    filters = parse_filters(request.args, _taxonomy())
    result = _run(filters.query(area_id=area_id))
    with get_storage(current_app).reading() as session:
        if catalog.get_area(session, area_id) is None:
            abort(404)
        found = catalog.resources_by_id(session, [h.resource_id for h in result.hits])
        events = calendar_events(
            [found[h.resource_id] for h in result.hits if h.resource_id in found]
        )
    return _calendar(events, f"area-{area_id}.ics")


def _calendar(events, filename: str):
    body = to_ical(events, dtstart=today())
    response = current_app.response_class(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
