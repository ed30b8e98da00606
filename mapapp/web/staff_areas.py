"""Staff page /staff/areas (admins): a boundary file replaces the areas of one source (a
layer's kind), or adds a new kind. A dry run first shows what changes: the areas added,
changed and removed, what refers to those removed, and which resources change area, on a
map; then 「この区域に入れ替える」 imports the same file.

Which areas are kept, and what becomes of the references to those removed, is the
importer's (mapapp.importing.boundaries, mapapp.importing.area_references); this page
passes on the admin's explicit choice to drop references that cannot be moved.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from flask import current_app, render_template, request
from sqlalchemy import func, select

from mapapp import audit
from mapapp.importing.area_changes import NONE_LABEL, AreaChanges, WatchedAreas
from mapapp.importing.errors import LISTED_ERRORS
from mapapp.models import Area
from mapapp.permissions import Action
from mapapp.web.auth import client_ip, current_staff, require
from mapapp.web.staff_files import (
    PENDING_AREAS,
    Outcome,
    blueprint,
    check_upload,
    claim_upload,
    failed,
    limits,
    release,
    storage,
    sweep,
    upload_lost,
)

SUFFIXES = (".geojson", ".json", ".zip", ".gpkg")
MOVES_LISTED = 50  # rows of the from → to table
STATUS_LABELS = {
    "new": "新しい区域",
    "changed": "形か名前が変わる区域",
    "same": "変わらない区域",
    "removed": "削除される区域",
}


def _area_groups(db) -> list[dict]:
    """The areas as imported: one group per source, layer and kind."""
    rows = db.execute(
        select(Area.source, Area.layer, Area.kind_label, func.count(Area.id))
        .group_by(Area.source, Area.layer, Area.kind_label)
        .order_by(Area.layer, Area.kind_label, Area.source)
    ).all()
    return [
        {"source": s, "layer": layer, "kind": kind, "count": n, "value": f"{layer}|{kind}|{s}"}
        for s, layer, kind, n in rows
    ]


def _area_settings() -> tuple[dict, str]:
    """The form's settings (target group or a new one, name field, CRS), or a message."""
    form = request.form
    settings = {
        "target": form.get("target", "")[:400],
        "layer": form.get("layer", "").strip(),
        "kind": unicodedata.normalize("NFKC", form.get("kind", ""))[:100].strip(),
        "name_field": form.get("name_field", "")[:100].strip(),
        "crs": form.get("crs", "")[:40].strip(),
    }
    if settings["target"] and settings["target"] != "new":
        with storage().reading() as db:
            groups = {g["value"]: g for g in _area_groups(db)}
        group = groups.get(settings["target"])
        if group is None:
            return settings, "入れ替える区域を選び直してください。"
        settings.update(layer=str(group["layer"]), kind=group["kind"], source=group["source"])
        return settings, ""
    if settings["layer"] not in ("1", "2", "3"):
        return settings, "層を選んでください。"
    if not settings["kind"]:
        return settings, "区域の種類を書いてください（例: 小学校区）。"
    settings["source"] = f"layer{settings['layer']}:{settings['kind']}"
    return settings, ""


def _run_areas(path: Path, settings: dict, *, dry_run: bool, drop_references: bool = False):
    """The area import (or its dry run) watched: (outcome, report, changes); report and
    changes are None when it was refused."""
    from mapapp.importing.boundaries import import_areas

    watched = WatchedAreas(storage(), settings["source"], map_shapes=dry_run)
    try:
        report = import_areas(
            watched, path, source=settings["source"], dry_run=dry_run,
            layer=int(settings["layer"]), kind_label=settings["kind"],
            name_field=settings.get("name_field") or None, crs=settings.get("crs") or None,
            limits=limits(), drop_references=drop_references,
        )  # fmt: skip
    except Exception as problem:  # every file gets an answer, never a 500 (see failed)
        return failed(problem, "area import of an uploaded file failed"), None, None
    changes = watched.changes
    if changes is None:
        return Outcome(message="区域の変化を確かめられませんでした。", status=400), None, None
    for shape in changes.shapes:
        shape["properties"]["label"] = STATUS_LABELS[shape["properties"]["status"]]
    return Outcome(report=_area_view(report, changes)), report, changes


def _area_view(report, changes: AreaChanges) -> dict:
    return {
        "dry_run": report.dry_run,
        "filename": report.filename,
        "layer": report.layer,
        "kind": report.kind_label,
        "name_field": report.name_field,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "created_names": changes.created,
        "changed_names": changes.changed,
        "removed": [
            {
                "name": r.name,
                "references": str(r.references),
                "replacement": r.replacement,
                "blocking": r.blocking,
            }
            for r in report.removed
        ],
        "blocking": sum(r.blocking for r in report.removed),
        "moves": changes.moves[:MOVES_LISTED],
        "more_moves": max(len(changes.moves) - MOVES_LISTED, 0),
        "moved": changes.moved,
        "outside_before": changes.outside_before,
        "outside_after": changes.outside_after,
        "merged": report.merged[:LISTED_ERRORS],
        "skipped_water": report.skipped_water,
        "repaired": report.repaired,
        "simplified": report.simplified[:LISTED_ERRORS],
        "warnings": report.warnings,
        "parents": report.parents,
        "preview": report.preview,
        "shapes": {"type": "FeatureCollection", "features": changes.shapes},
        "map_skipped": report.dry_run and not changes.shapes,
    }


def _areas_page(*, outcome: Outcome | None = None, form: dict | None = None, pending=None):
    with storage().reading() as db:
        groups = _area_groups(db)
    config = current_app.config
    return render_template(
        "staff/areas.html", title="区域を入れ替える", groups=groups, form=form or {},
        outcome=outcome, pending=pending, max_mb=limits().max_mb,
        suffixes="、".join(SUFFIXES), statuses=STATUS_LABELS, none_label=NONE_LABEL,
        tiles=config["TILE_URL"], attribution=config["TILE_ATTRIBUTION"],
    ), (outcome.status if outcome else 200)  # fmt: skip


@blueprint.get("/areas")
@require(Action.MANAGE_AREAS)
def area_page():
    sweep()
    return _areas_page()


@blueprint.post("/areas")
@require(Action.MANAGE_AREAS)
def check_areas():
    """Upload a boundary file and preview what replacing the areas would do; nothing is
    written."""
    sweep()
    settings, problem = _area_settings()
    if problem:
        return _areas_page(outcome=Outcome(message=problem, status=400), form=settings)
    return check_upload(
        PENDING_AREAS, SUFFIXES, "GeoJSON・Shapefile の zip・GeoPackage", settings,
        lambda path: _run_areas(path, settings, dry_run=True)[0], _areas_page,
    )  # fmt: skip


@blueprint.post("/areas/confirm")
@require(Action.MANAGE_AREAS)
def replace_areas():
    """Import the checked boundary file: the areas of its source are updated, added and
    removed (their references dropped only when the form ticks 「drop_references」), and every
    resource is placed again."""
    sweep()
    found = claim_upload(PENDING_AREAS)
    if found is None:
        return upload_lost("staff_files.area_page")
    settings, path = found
    drop = request.form.get("drop_references") == "1"
    try:
        outcome, report, changes = _run_areas(path, settings, dry_run=False, drop_references=drop)
    finally:
        release(PENDING_AREAS, path)
    if report is not None:
        names = [r.name for r in report.removed if r.blocking]
        with storage().transaction() as db:
            audit.record(
                db, current_staff(), "areas", entity="area", ip=client_ip(),
                detail=(
                    f"{report.filename}: 第{report.layer}層 {report.kind_label}"
                    f"（出典 {settings['source']}）新規 {report.created}、更新 {report.updated}、"
                    f"変更なし {report.unchanged}、削除 {len(report.removed)}"
                    f"{'（指定を外しました: ' + '、'.join(names) + '）' if names else ''}、"
                    f"区域の変わった資源 {changes.moved} 件"
                ),
            )  # fmt: skip
    return _areas_page(outcome=outcome)
