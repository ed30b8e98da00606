"""The JSON API: areas and resources as GeoJSON (read-only), and its OpenAPI description."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from mapapp import catalog
from mapapp.models import ResourceStatus
from mapapp.search import search
from mapapp.storage import get_storage
from mapapp.web.errors import api_error
from mapapp.web.openapi import openapi_document
from mapapp.web.query import filters_from, index_cache, param_context, request_args

blueprint = Blueprint("api", __name__)
GEOJSON = "application/geo+json"  # RFC 7946; what the OpenAPI document says every 200 is


def _taxonomy():
    return current_app.extensions["mapapp.taxonomy"]


def _geojson(body: dict):
    return current_app.response_class(current_app.json.dumps(body), mimetype=GEOJSON)


# OPTIONS is answered like any other method the API does not have: 405 in the error shape,
# with Allow (Flask would otherwise answer it itself, with an empty HTML body).
_GET = {"provide_automatic_options": False}


@blueprint.get("/areas", **_GET)
def areas():
    layer = request_args()["layer"]
    with get_storage(current_app).reading() as session:
        counts = catalog.counts_by_area_and_kind(session)
        features = [
            catalog.area_feature(a, counts.get(a.id)) for a in catalog.list_areas(session, layer)
        ]
    return _geojson({"type": "FeatureCollection", "features": features})


@blueprint.get("/resources", **_GET)
def resources():
    args = request_args()
    limit, offset, area_id = args["limit"], args["offset"], args["area"]
    filters = filters_from(args)
    storage = get_storage(current_app)
    if _is_search(args["q"], filters):
        query = filters.query(
            text=args["q"],
            near=filters.near,
            radius_m=filters.radius_m if filters.near else None,
            area_id=area_id,
            statuses=args["status"],
        )
        result = search(index_cache(current_app).get(storage, _taxonomy()), query)
        page = result.page(offset, limit)
        # Two plain reads on a connection: a Session around them would cost as much again.
        with storage.engine.connect() as connection:
            found = catalog.resources_by_id(connection, [h.resource_id for h in page])
        taxonomy = _taxonomy()
        features = []
        for hit in page:
            feature = catalog.resource_feature(found[hit.resource_id], taxonomy)
            feature["properties"]["distance_m"] = (
                round(hit.distance_m, 1) if hit.distance_m is not None else None
            )
            features.append(feature)
        return _collection(features, result.total, limit, offset)
    # 終了 only when asked for by status, as everywhere else on the site.
    statuses = tuple(map(ResourceStatus, args["status"])) or tuple(
        s for s in ResourceStatus if s != ResourceStatus.CLOSED
    )
    where = catalog.ResourceFilter(area_id=area_id, kinds=filters.kinds, statuses=statuses)
    with storage.reading() as session:
        listing = catalog.list_resources(session, where, limit, offset)
        features = [catalog.resource_feature(r, _taxonomy()) for r in listing.items]
    return _collection(features, listing.total, limit, offset)


def _is_search(words: str, filters) -> bool:
    """Words, a place, or a filter only the search index knows (weekday, dates, fee, 送迎):
    answered nearest or best match first. Otherwise (area, kind, status) a list in id order."""
    return bool(
        words
        or filters.near
        or filters.weekday is not None
        or filters.open_between()
        or filters.free_only
        or filters.pickup_only
    )


def _collection(features, total, limit, offset):
    return _geojson(
        {
            "type": "FeatureCollection",
            "features": features,
            "total": total,
            "limit": limit,
            "offset": offset,
        }
    )


@blueprint.get("/resources/<int(max=2147483647):resource_id>", **_GET)
def resource(resource_id: int):
    with get_storage(current_app).reading() as session:
        try:
            found = catalog.get_resource(session, resource_id)
        except catalog.NotFound as exc:
            return api_error(404, "not_found", str(exc))
        return _geojson(catalog.resource_feature(found, _taxonomy()))


@blueprint.get("/openapi.json", **_GET)
def openapi():
    return jsonify(openapi_document(param_context(current_app)))
