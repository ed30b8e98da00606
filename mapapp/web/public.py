"""Pages for residents: home, area, resource, nearby, search, and their print versions."""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask import Blueprint, abort, current_app, g, render_template, url_for
from markupsafe import Markup

from mapapp import catalog, maps
from mapapp.coverage import areas_at, serving
from mapapp.listing import (
    WEEKDAY_LABELS,
    calendar_events,
    distance_text,
    make_card,
    merge_same_place,
    tell_apart,
)
from mapapp.models import Layer
from mapapp.schedule import to_ical
from mapapp.search import DEFAULT_RADIUS_M, SearchQuery, kind_counts, reading_order, search
from mapapp.storage import get_storage
from mapapp.web import resident
from mapapp.web.errors import BadParameter
from mapapp.web.params import MAX_WORDS, PLACE
from mapapp.web.query import (
    area_outline,
    filters_from,
    index_cache,
    map_points,
    public_url,
    qr_svg,
    request_args,
    tiles,
    today,
)

blueprint = Blueprint("public", __name__)
NEARBY_ON_DETAIL = 5
PRIVATE_HOME_RADIUS_M = 200
NEARBY_RADIUS_M = 3_000  # "近くにあるもの" on a resource page: a short bus or car ride
AREA_PAGE_SIZE = 100  # the list, and so the map, show this many at a time
PRINTED_MONTHS = 2  # paper lists the dates of this month and the next, not a relative 次回
OUTSIDE_LISTED = 30  # 区域外 places named on the home page
# A town without 第2層 areas draws its 町丁 on the home map only up to this many; beyond, the
# town's outline (the table still lists them).
MAX_OUTLINED_AREAS = 60
WIDER_RADII_M = (1_500, 3_000, 5_000)  # 「もっと広く探す」 steps
SERVED_GROUP_ORDER = ("home", "center", "care", "other")  # services that come to the home first


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
    return search(_index(), query)  # InvalidSearch is answered by mapapp.web.errors


def _cards(session, hits, dates=1, months=0):
    return _cards_by_id(session, [(h.resource_id, h.distance_m) for h in hits], dates, months)


def _cards_by_id(session, pairs, dates=1, months=0):
    """Cards for (resource id, distance_m or None) pairs, in their order."""
    resources = catalog.resources_by_id(session, [rid for rid, _ in pairs])
    day = today()
    return [
        make_card(
            resources[rid],
            _taxonomy(),
            today=day,
            m_per_min=_m_per_min(),
            distance_m=distance,
            dates=dates,
            months=months,
        )
        for rid, distance in pairs
        if rid in resources
    ]


def _listed(cards):
    """One card per place, the source's kind words where they tell entries apart."""
    return merge_same_place(tell_apart(cards))


def _kind_styles(cards):
    return resident.legend(cards, _taxonomy())


def _print_points(cards):
    return [(i, c.lat, c.lon, c.kind) for i, c in enumerate(cards, start=1) if c.lat is not None]


@blueprint.app_template_global("served_groups")
def served_groups(cards):
    """Served services by kind group, services that come to the home first."""
    return resident.grouped(cards, _taxonomy(), order=SERVED_GROUP_ORDER)


@blueprint.app_context_processor
def _site_context():
    """The town's name, the publisher and the help contact, for every page's template."""
    try:
        found = resident.site()
    except Exception:  # an error page must render even when the database does not answer
        current_app.logger.exception("site context")
        found = resident.Site("", "地域ささえあいマップ", ())
    # max_words: the search box stops where the parameter's declared limit is (no 400 page).
    return {"site": found, "today_date": today(), "max_words": MAX_WORDS}


@blueprint.get("/")
def home():
    taxonomy = _taxonomy()
    with get_storage(current_app).reading() as session:
        areas = catalog.list_areas(session, Layer.DAILY_LIFE)
        index_only = []  # hundreds of 町丁 and no 第2層: names and counts, no shapes
        if not areas:
            if catalog.count_areas(session, Layer.NEIGHBOURHOOD) <= MAX_OUTLINED_AREAS:
                areas = catalog.list_areas(session, Layer.NEIGHBOURHOOD)
            else:
                index_only = catalog.area_names(session, Layer.NEIGHBOURHOOD)
        # Overview outlines: the areas of the table, or the town's own outline when there are
        # hundreds of 町丁 and no 第2層 (never hundreds of polygons inline).
        drawn = areas or catalog.list_areas(session, Layer.CITY)
        counts = catalog.counts_by_area_and_kind(session)
        outside = catalog.count_outside(session)
        outside_total, outside_ids = catalog.outside_ids(session, OUTSIDE_LISTED)
        outside_cards = _cards_by_id(session, [(i, None) for i in outside_ids], dates=0)
        bounds = catalog.bounds_of(drawn)
        outlines = [
            resident.outline(a, url_for("public.area", area_id=a.id), labelled=a.layer > 1)
            for a in drawn
        ]
        names = {a.id: resident.area_display_name(a.name, a.kind_label) for a in areas}
    rows = [
        (a, names[a.id], taxonomy.count_by_group(counts.get(a.id, {})), counts.get(a.id, {}))
        for a in areas
    ]
    used = {kind for a in areas for kind in counts.get(a.id, {})}
    fmap = maps.build_map(tiles=tiles(), bounds=bounds, outlines=outlines)
    return render_template(
        "home.html",
        title="",
        groups=taxonomy.groups,
        rows=rows,
        kinds=[k for k in taxonomy.kinds if k.code in used],
        outside=taxonomy.count_by_group(outside) if outside else None,
        outside_cards=outside_cards,
        index_only=[
            (i, resident.area_display_name(n, k), sum(counts.get(i, {}).values()))
            for i, n, k in index_only
        ],
        outside_total=outside_total,
        map=maps.render_map(fmap),
    )


@blueprint.get("/areas/<int(max=2147483647):area_id>")
def area(area_id: int):
    return _area_page(area_id, "area.html")


@blueprint.get("/areas/<int(max=2147483647):area_id>/print")
def area_print(area_id: int):
    return _area_page(area_id, "print.html")


def _area_page(area_id: int, template: str):
    given = request_args()
    filters, page = filters_from(given), given["page"]
    taxonomy = _taxonomy()
    query = filters.query(area_id=area_id)
    result = _run(query)
    used_kinds = kind_counts(_index(), area_id)
    printing = template == "print.html"
    with get_storage(current_app).reading() as session:
        found = catalog.get_area(session, area_id)
        if found is None:
            abort(404)
        ordered = reading_order(_index(), taxonomy, result.ids).tolist()
        total = len(ordered)
        first = (page - 1) * AREA_PAGE_SIZE
        shown = [(rid, None) for rid in ordered[first : first + AREA_PAGE_SIZE]]
        cards = _listed(_cards_by_id(session, shown, months=PRINTED_MONTHS if printing else 0))
        outline = area_outline(found, url_for("public.area", area_id=found.id))
        geom = found.geom
        bounds = (found.min_lon, found.min_lat, found.max_lon, found.max_lat)
        area_name = resident.area_display_name(found.name, found.kind_label)
        kind_label = found.kind_label
        served = (
            []
            if printing
            else _served(session, [area_id, *_parents(session, found)], filters.kinds)
        )
    undated = resident.undated_nearby(_index(), query) if not total else 0
    args = {**filters.as_args(), **({"page": page} if page > 1 else {})}
    kinds_words = resident.describe_kinds(filters.kinds, taxonomy, used_kinds)
    what = "通いの場・相談窓口・サービス" if kinds_words == "すべての種類" else kinds_words

    def page_link(number):
        if number < 1 or (number - 1) * AREA_PAGE_SIZE >= total:
            return None
        return url_for("public.area", area_id=area_id, **filters.as_args(), page=number)

    gatherings = resident.gathering_kinds(taxonomy, used_kinds)
    context = {
        "title": f"{area_name}の{what}",
        # Counted as printed: places, when the whole list fits (several services of one
        # place are one entry), else every entry.
        "list_title": f"{area_name}の{what} {len(cards) if total == len(shown) else total}件",
        "area_name": area_name,
        "area_kind": kind_label,
        "area_id": area_id,
        "cards": cards,
        "groups": resident.grouped(cards, taxonomy),
        "filters": filters,
        "filter_words": resident.describe_filters(filters, kinds_words),
        "kinds": taxonomy.kinds,
        "used_kinds": used_kinds,
        "gathering_kinds": gatherings,
        "gathering_url": url_for("public.area", area_id=area_id, kind=",".join(gatherings))
        + "#results",
        "all_url": url_for("public.area", area_id=area_id) + "#results",
        "weekdays": WEEKDAY_LABELS,
        "page_url": public_url("public.area", area_id=area_id, **args),
        "print_url": url_for("public.area_print", area_id=area_id, **args),
        "back_url": url_for("public.area", area_id=area_id, **args),
        "total": total,
        "first_number": first + 1,
        "shown_count": len(shown),
        "previous_url": page_link(page - 1),
        "next_url": page_link(page + 1),
        "served": served,
        "undated": undated,
        "undated_url": url_for("public.area", area_id=area_id, **_without_dates(filters.as_args()))
        + "#results",
    }
    if printing:
        return render_template(
            template,
            **context,
            svg=maps.print_svg([geom], _print_points(cards)),
            qr=qr_svg(context["page_url"]) if context["page_url"] else None,
        )
    fmap = maps.build_map(
        tiles=tiles(),
        bounds=bounds,
        outlines=[outline],
        points=map_points(cards),
        kinds=_kind_styles(cards),
    )
    return render_template(
        template, **context, map=maps.render_map(fmap), legend=_kind_styles(cards)
    )


def _parents(session, area) -> list[int]:
    """The areas above ``area``: a service for a 第2層 area serves its 町丁 too."""
    from sqlalchemy import select

    from mapapp.models import AreaParent

    ids = set(session.scalars(select(AreaParent.parent_id).where(AreaParent.area_id == area.id)))
    if area.parent_id:
        ids.add(area.parent_id)
    return sorted(ids)


SERVED_LIMIT = 60  # services listed under 「お住まいの地区で使える」 before the page says "N more"


def _served(session, area_ids, kinds=()):
    """Cards of the services (not 通いの場) that serve these areas or the whole town: services
    that come to the home first, by kind in the taxonomy's order, each kind in 五十音 order."""
    taxonomy = _taxonomy()
    rank = {code: n for n, code in enumerate(SERVED_GROUP_ORDER)}
    gatherings = tuple(k.code for k in taxonomy.kinds if k.group == "kayoi")
    # How many serve the place is counted once per data version (a count reads every row of
    # the town; the index is replaced whenever the data changes).
    key = (_index().data_version, tuple(area_ids), tuple(kinds), gatherings)
    counts = current_app.extensions.setdefault("mapapp.served_counts", {})
    known = counts.get(key)
    found, total = serving(
        session, area_ids, kinds, limit=SERVED_LIMIT, leave_out_kinds=gatherings,
        count=known is None,
    )  # fmt: skip
    if known is None:
        if len(counts) > 1000:
            counts.clear()
        counts[key] = total
    else:
        total = known
    day = today()
    cards = [make_card(r, taxonomy, today=day, m_per_min=_m_per_min(), dates=0) for r in found]
    kind_rank = {k.code: n for n, k in enumerate(taxonomy.kinds)}  # 配食, then 移動支援 …
    cards.sort(key=lambda c: (rank.get(c.group, len(rank)), kind_rank.get(c.kind, 0), c.reading))
    return Served(_listed(cards), more=total - len(found))


class Served(list):
    """The services shown, and how many more serve the place (a town-wide list of hundreds is
    cut, and the page says how many were left out and how to see them)."""

    def __init__(self, cards, more: int = 0):
        super().__init__(cards)
        self.more = more


def _without_dates(args: dict) -> dict:
    return {k: v for k, v in args.items() if k not in ("weekday", "date", "this_week")}


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
        "resource.html",
        title=card.name,
        card=card,
        nearby=near_cards,
        map=maps.render_map(fmap),
        legend=_kind_styles([card]) if not card.private_home else [],
    )


@blueprint.get("/near")
def near():
    given = request_args()
    filters = filters_from(given)
    taxonomy = _taxonomy()
    used = kind_counts(_index())
    gatherings = resident.gathering_kinds(taxonomy, used)
    # Residents walk to 通いの場: they are what /near lists unless other kinds are chosen.
    chosen = filters.kinds or gatherings
    here, origin, place_name, inside, served = None, "", "", True, []
    with get_storage(current_app).reading() as session:
        place_choices = [(i, n) for i, n, _ in catalog.area_names(session, Layer.NEIGHBOURHOOD)]
        here = filters.near
        if here is None and filters.place_id is not None:
            place = catalog.get_area(session, filters.place_id)
            if place is None:
                raise BadParameter("place", f"{PLACE.shown}: その町丁・区域はありません")
            point = place.geom.representative_point()
            here = (point.y, point.x)
            place_name = resident.area_display_name(place.name, place.kind_label)
        overview = catalog.list_areas(session, Layer.DAILY_LIFE)
        bounds = catalog.bounds_of(overview)
        # Not links: a tap on the map searches from that point (static/js/map.js).
        outlines = [resident.outline(a, "") for a in overview]
        if here is not None:
            found_at = areas_at(session, *here)
            town_has_areas = bool(overview) or catalog.count_areas(session, Layer.CITY) > 0
            inside = not town_has_areas or any(a.layer <= Layer.DAILY_LIFE for a in found_at)
            finest = max(found_at, key=lambda a: a.layer, default=None)
            origin = place_name or (
                resident.area_display_name(finest.name, finest.kind_label) + "付近"
                if finest
                else "選んだ場所"
            )
            served = _served(session, [a.id for a in found_at]) if inside else []
    cards, total, undated, shown_count = [], 0, 0, 0
    query = None
    if here is not None:
        query = dataclasses.replace(filters, kinds=chosen).query(
            near=here, radius_m=filters.radius_m
        )
        result = _run(query)
        total = result.total
        with get_storage(current_app).reading() as session:
            hits = result.page(0, given["limit"])
            shown_count = len(hits)
            cards = _listed(_cards(session, hits))
        undated = resident.undated_nearby(_index(), query)
    here_args = (
        {"place": filters.place_id}
        if place_name
        else {"lat": f"{here[0]:.6f}", "lon": f"{here[1]:.6f}"}
        if here
        else {}
    )
    radius_args = {"radius_m": filters.radius_m} if filters.radius_m != DEFAULT_RADIUS_M else {}
    kinds_words = resident.describe_kinds(chosen, taxonomy, used)

    def near_url(**changes):
        args = {**here_args, **radius_args, **filters.as_args(), **changes}
        return url_for("public.near", **{k: v for k, v in args.items() if v is not None})

    fmap = maps.build_map(
        tiles=tiles(),
        bounds=bounds,
        outlines=outlines,
        points=map_points(cards),
        kinds=_kind_styles(cards),
        here=here,
        here_radius_m=filters.radius_m if here else None,
    )
    wider = next((r for r in WIDER_RADII_M if r > filters.radius_m), None)
    return render_template(
        "near.html",
        title="近くを探す",
        cards=cards,
        here=here,
        here_args=here_args,
        hidden={**here_args, **radius_args},
        origin=origin,
        inside=inside,
        served=served,
        filters=filters,
        chosen_kinds=chosen,
        kinds_words=kinds_words,
        filter_words=resident.describe_filters(filters, kinds_words),
        places=place_choices,
        kinds=taxonomy.kinds,
        used_kinds=used,
        gathering_kinds=gatherings,
        show_counts=False,  # counts are for the whole town, not for this place: leave them out
        total=total,
        shown_count=shown_count,
        undated=undated,
        undated_url=near_url(**dict.fromkeys(("weekday", "date", "this_week"))) + "#results",
        gathering_url=near_url(kind=None) + "#results",
        all_url=near_url(kind=",".join(k for k in used)) + "#results",
        wider_url=near_url(radius_m=wider) + "#results" if wider else "",
        wider_words=distance_text(wider, _m_per_min()) if wider else "",
        reach_words=distance_text(filters.radius_m, _m_per_min()),
        weekdays=WEEKDAY_LABELS,
        map=maps.render_map(fmap),
        legend=_kind_styles(cards),
        m_per_min=_m_per_min(),
    )


@blueprint.get("/search")
def search_page():
    return _search_page("search.html")


@blueprint.get("/search/print")
def search_print():
    return _search_page("print.html")


def _search_page(template: str):
    given = request_args()
    filters, words = filters_from(given), given["q"]
    taxonomy = _taxonomy()
    printing = template == "print.html"
    cards, nothing, total, broader = [], False, 0, 0
    used = kind_counts(_index())
    if words or filters.any():
        query = filters.query(text=words)
        result = _run(query)
        nothing, total = result.words_matched_nothing, result.total
        with get_storage(current_app).reading() as session:
            cards = _listed(
                _cards(
                    session,
                    result.page(0, given["limit"]),
                    months=PRINTED_MONTHS if printing else 0,
                )
            )
        if not total and not nothing and filters.any():
            broader = _run(SearchQuery(text=words)).total if words else 0
    args = {**filters.as_args(), **({"q": words} if words else {})}
    kinds_words = resident.describe_kinds(filters.kinds, taxonomy, used) if filters.kinds else ""
    heading = f"「{words}」の検索結果" if words else "名前で探す"
    context = {
        "title": heading,
        "list_title": (f"「{words}」" if words else "")
        + (f"{kinds_words}" if kinds_words else "")
        + ("の検索結果" if words or kinds_words else "検索結果")
        + f" {total}件",
        "total": total,
        "words": words,
        "cards": cards,
        "nothing": nothing,
        "broader": broader,
        "broader_url": url_for("public.search_page", q=words) + "#results" if words else "",
        "filters": filters,
        "filter_words": resident.describe_filters(filters, kinds_words),
        "kinds": taxonomy.kinds,
        "used_kinds": used,
        "weekdays": WEEKDAY_LABELS,
        "page_url": public_url("public.search_page", **args),
        "print_url": url_for("public.search_print", **args),
        "back_url": url_for("public.search_page", **args),
    }
    if printing:
        return render_template(
            template,
            **context,
            svg=maps.print_svg([], _print_points(cards)),
            qr=qr_svg(context["page_url"]) if context["page_url"] else None,
        )
    fmap = maps.build_map(
        tiles=tiles(),
        bounds=_bounds_of_cards(cards),
        points=map_points(cards),
        kinds=_kind_styles(cards),
    )
    return render_template(
        template,
        **context,
        map=maps.render_map(fmap) if cards else None,
        legend=_kind_styles(cards),
    )


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


@blueprint.app_template_filter("css_string")
def css_string(value) -> Markup:
    """A CSS string literal for a page's own <style>: every character but ASCII letters,
    digits and spaces written as an escape (\\00305f), so no text can end the string or
    the style element."""
    escaped = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch == " ") else f"\\{ord(ch):06x}"
        for ch in str(value)
    )
    return Markup(f'"{escaped}"')  # noqa: S704 -- only letters, digits, spaces and escapes


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
    filters = filters_from(request_args())
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
