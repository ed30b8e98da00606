"""Pages for residents. For now: the home page, areas with their resource counts."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from mapapp import catalog
from mapapp.models import Layer
from mapapp.storage import get_storage

blueprint = Blueprint("public", __name__)


@blueprint.get("/")
def home():
    taxonomy = current_app.extensions["mapapp.taxonomy"]
    with get_storage(current_app).reading() as session:
        areas = catalog.list_areas(session, Layer.DAILY_LIFE) or catalog.list_areas(session)
        counts = catalog.counts_by_area_and_kind(session)
        outside = catalog.count_outside(session)
        title = catalog.municipality_name(session, current_app.config["MUNICIPALITY_NAME"])
    rows = [(a.name, a.kind_label, taxonomy.count_by_group(counts.get(a.id, {}))) for a in areas]
    outside_row = taxonomy.count_by_group(outside) if outside else None
    return render_template(
        "home.html", title=title, groups=taxonomy.groups, rows=rows, outside=outside_row
    )


@blueprint.get("/kinds.css")
def kind_styles():
    """One colour class per kind, from the taxonomy (codes are [a-z0-9_], colours #rrggbb)."""
    taxonomy = current_app.extensions["mapapp.taxonomy"]
    css = "".join(f".kind-{k.code}{{--kind-color:{k.color}}}\n" for k in taxonomy.kinds)
    return current_app.response_class(css, mimetype="text/css")
