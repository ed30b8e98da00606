"""The JSON API: areas and resources as GeoJSON (read-only)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from mapapp import catalog
from mapapp.models import ResourceStatus
from mapapp.storage import get_storage
from mapapp.web.errors import BadParameter, api_error
from mapapp.web.params import int_param, list_param

blueprint = Blueprint("api", __name__)


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
    limit = int_param(
        request.args, "limit", 100, minimum=1, maximum=current_app.config["API_PAGE_LIMIT"]
    )
    offset = int_param(request.args, "offset", 0)
    area_id = int_param(request.args, "area", None, minimum=1)
    kinds = list_param(request.args, "kind")
    taxonomy = _taxonomy()
    unknown = [k for k in kinds if not taxonomy.has_kind(k)]
    if unknown:
        raise BadParameter("kind", f"種別「{'、'.join(unknown)}」はありません")
    statuses = list_param(request.args, "status")
    try:
        status_values = tuple(ResourceStatus(s) for s in statuses)
    except ValueError:
        raise BadParameter(
            "status", "status は preparing, active, paused, closed で指定してください"
        ) from None
    where = catalog.ResourceFilter(area_id=area_id, kinds=kinds, statuses=status_values)
    with get_storage(current_app).reading() as session:
        page = catalog.list_resources(session, where, limit, offset)
        features = [catalog.resource_feature(r, taxonomy) for r in page.items]
    return jsonify(
        {
            "type": "FeatureCollection",
            "features": features,
            "total": page.total,
            "limit": limit,
            "offset": offset,
        }
    )


@blueprint.get("/resources/<int:resource_id>")
def resource(resource_id: int):
    with get_storage(current_app).reading() as session:
        try:
            found = catalog.get_resource(session, resource_id)
        except catalog.NotFound as exc:
            return api_error(404, "not_found", str(exc))
        return jsonify(catalog.resource_feature(found, _taxonomy()))
