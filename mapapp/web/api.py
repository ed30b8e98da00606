"""The JSON API: areas and resources as GeoJSON (read-only), and its OpenAPI description."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from mapapp import catalog
from mapapp.models import ResourceStatus
from mapapp.search import InvalidSearch, search
from mapapp.storage import get_storage
from mapapp.web.errors import BadParameter, api_error
from mapapp.web.openapi import openapi_document
from mapapp.web.params import int_param, list_param
from mapapp.web.query import index_cache, parse_filters

blueprint = Blueprint("api", __name__)
SEARCH_PARAMETERS = (
    "q",
    "near",
    "lat",
    "lon",
    "radius_m",
    "weekday",
    "date",
    "this_week",
    "free",
    "pickup",
)


def _taxonomy():
    return current_app.extensions["mapapp.taxonomy"]


@blueprint.get("/areas")
def areas():
    layer = int_param(request.args, "layer", None, minimum=1, maximum=3)
    with get_storage(current_app).reading() as session:
        counts = catalog.counts_by_area_and_kind(session)
        features = [
            catalog.area_feature(a, counts.get(a.id)) for a in catalog.list_areas(session, layer)
        ]
    return jsonify({"type": "FeatureCollection", "features": features})


@blueprint.get("/resources")
def resources():
    args = request.args
    limit = int_param(args, "limit", 100, minimum=1, maximum=current_app.config["API_PAGE_LIMIT"])
    offset = int_param(args, "offset", 0)
    area_id = int_param(args, "area", None, minimum=1)
    filters = parse_filters(args, _taxonomy())
    statuses = _statuses(list_param(args, "status"))
    storage = get_storage(current_app)
    if any(args.get(name) not in (None, "") for name in SEARCH_PARAMETERS):
        if statuses:
            raise BadParameter("status", "status は q・near・weekday などと一緒には使えません")
        query = filters.query(
            text=(args.get("q") or "")[:100],
            near=filters.near,
            radius_m=filters.radius_m if filters.near else None,
            area_id=area_id,
        )
        try:
            result = search(index_cache(current_app).get(storage, _taxonomy()), query)
        except InvalidSearch as exc:
            raise BadParameter(exc.field, str(exc)) from None
        page = result.page(offset, limit)
        with storage.reading() as session:
            found = catalog.resources_by_id(session, [h.resource_id for h in page])
            features = []
            for hit in page:
                feature = catalog.resource_feature(found[hit.resource_id], _taxonomy())
                feature["properties"]["distance_m"] = (
                    round(hit.distance_m, 1) if hit.distance_m is not None else None
                )
                features.append(feature)
        return _collection(features, result.total, limit, offset)
    # 終了 only when asked for by status, as everywhere else on the site.
    shown = statuses or tuple(s for s in ResourceStatus if s != ResourceStatus.CLOSED)
    where = catalog.ResourceFilter(area_id=area_id, kinds=filters.kinds, statuses=shown)
    with storage.reading() as session:
        listing = catalog.list_resources(session, where, limit, offset)
        features = [catalog.resource_feature(r, _taxonomy()) for r in listing.items]
    return _collection(features, listing.total, limit, offset)


def _statuses(values) -> tuple[ResourceStatus, ...]:
    try:
        return tuple(ResourceStatus(s) for s in values)
    except ValueError:
        raise BadParameter(
            "status", "status は preparing, active, paused, closed で指定してください"
        ) from None


def _collection(features, total, limit, offset):
    return jsonify(
        {
            "type": "FeatureCollection",
            "features": features,
            "total": total,
            "limit": limit,
            "offset": offset,
        }
    )


@blueprint.get("/resources/<int(max=2147483647):resource_id>")
def resource(resource_id: int):
    with get_storage(current_app).reading() as session:
        try:
            found = catalog.get_resource(session, resource_id)
        except catalog.NotFound as exc:
            return api_error(404, "not_found", str(exc))
        return jsonify(catalog.resource_feature(found, _taxonomy()))


@blueprint.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(_taxonomy()))
