"""The staff JSON API under /api/staff: resources read, created, changed over a version,
confirmed and restored; the 要確認 list; corrections sent by residents.

Authenticated by a signed-in session (with the X-CSRF-Token header on writes) or by
``Authorization: Bearer TOKEN``. Every answer that is not 2xx uses the API's error shape.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

from mapapp import audit, corrections, editing, review, versions
from mapapp.history import FIELD_LABELS, FieldChange, history
from mapapp.models import Area, Resource
from mapapp.permissions import Action, area_scope
from mapapp.schedule.words import read_schedule
from mapapp.storage import get_storage
from mapapp.web.auth import client_ip, current_staff, require, require_areas
from mapapp.web.errors import api_error
from mapapp.web.query import request_args, today

blueprint = Blueprint("staff_api", __name__)
_NO_OPTIONS = {"provide_automatic_options": False}
MAX_BODY_BYTES = 256 * 1024


@blueprint.errorhandler(editing.EditProblem)
@blueprint.errorhandler(corrections.SuggestionProblem)
def edit_problem(exc):
    problems = exc.problems
    body = {"status": 400, "code": "invalid_fields", "message": str(exc), "fields": problems}
    if problems:
        body["field"] = next(iter(problems))
    return jsonify({"error": body}), 400


@blueprint.errorhandler(editing.StaleEdit)
def stale_edit(exc: editing.StaleEdit):
    body = {
        "error": {
            "status": 409,
            "code": "version_conflict",
            "message": "ほかの人が先に変更しました。最新の内容を読み込んでから、"
            "もう一度変更してください。",
            "current_version": exc.current_version,
            "changes": _changes(exc.changes),
        }
    }
    return jsonify(body), 409


@blueprint.errorhandler(editing.OutsideScope)
def outside_scope(exc: editing.OutsideScope):
    return api_error(403, "outside_areas", f"{exc}。担当区域の中だけ変更できます。")


@blueprint.errorhandler(editing.ResourceMissing)
@blueprint.errorhandler(corrections.SuggestionMissing)
def missing(exc):
    return api_error(404, "not_found", "お探しのものは見つかりませんでした。")


@blueprint.errorhandler(versions.NotRestorable)
def not_restorable(exc):
    return api_error(400, "not_restorable", str(exc), "to_version")


def find_point(venue: str, name: str, address: str):
    """Where a resource given no point lies, by its 会場, 町丁目 or 大字 (as imports place rows;
    no online address search from a request)."""
    from mapapp.importing.placing import load_placer

    placer, _ = load_placer(get_storage(current_app))
    return placer.place(venue, name, address)


def _taxonomy():
    return current_app.extensions["mapapp.taxonomy"]


def _body() -> dict:
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        raise editing.EditProblem({"body": "送られたデータが大きすぎます"})
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise editing.EditProblem({"body": "JSON のオブジェクトを送ってください"})
    return data


def may_keep():
    """Whether the current staff keeps a set of areas (for editing.save_resource)."""
    scope = area_scope(current_staff())
    return lambda areas: scope is None or bool(scope & areas)


def resource_document(db, resource: Resource) -> dict:
    """A resource as staff see it: every editable field as text, with what is derived."""
    texts = editing.resource_texts(db, resource)
    reading = read_schedule(resource.schedule_text, resource.closed_text, today())
    return {
        "id": resource.id,
        "version": resource.version,
        "fields": texts,
        "labels": FIELD_LABELS,
        "areas": [
            {"id": a.id, "name": a.name, "layer": a.layer}
            for a in sorted(resource.areas, key=lambda a: (a.layer, a.id))
        ],
        "outside_areas": resource.outside_areas,
        "placement": resource.placement.value,
        "placement_note": resource.placement_note,
        "schedule": {
            "rules": list(reading.rules),
            "notes": list(reading.notes),
            "review": list(reading.review),
            "next_dates": list(reading.next_dates),
        },
        "source": resource.source,
        "updated_at": resource.updated_at.isoformat(timespec="seconds"),
        "public_url": url_for("public.resource", resource_id=resource.id),
    }


def _changes(changes: list[FieldChange]) -> list[dict]:
    return [{"field": c.field, "label": c.label, "old": c.old, "new": c.new} for c in changes]


def _with_etag(body: dict, status: int = 200):
    response = jsonify(body)
    response.status_code = status
    response.headers["ETag"] = f'"{body["version"]}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _based_on(data: dict) -> int | None:
    """The version a change was based on: If-Match: "3" or a ``version`` field."""
    header = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    value = header or data.pop("version", None)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise editing.EditProblem({"version": "版（version）は整数で書いてください"}) from None


def _load(db, resource_id: int) -> Resource:
    resource = db.get(Resource, resource_id)
    if resource is None:
        raise editing.ResourceMissing(resource_id)
    return resource


def editable(db, resource_id: int):
    """The current staff, when the resource exists (else ResourceMissing) and they may edit
    it where it lies (else refused and logged)."""
    _load(db, resource_id)
    return require_areas(
        Action.EDIT, editing.current_areas(db, resource_id),
        entity="resource", entity_id=resource_id,
    )  # fmt: skip


def _saved_document(resource_id: int, saved):
    """The resource as it is after a save, with what the save changed."""
    with get_storage(current_app).reading() as db:
        body = resource_document(db, _load(db, resource_id))
    body["changed"] = _changes(saved.changes)
    return _with_etag(body)


@blueprint.get("/resources/<int(max=2147483647):resource_id>", **_NO_OPTIONS)
@require(Action.VIEW)
def resource(resource_id: int):
    with get_storage(current_app).reading() as db:
        return _with_etag(resource_document(db, _load(db, resource_id)))


@blueprint.patch("/resources/<int(max=2147483647):resource_id>", **_NO_OPTIONS)
@require(Action.EDIT)
def change_resource(resource_id: int):
    data = _body()
    based_on = _based_on(data)
    if based_on is None:
        return api_error(
            428, "version_required", "もとにした版を If-Match か version で指定してください"
        )
    staff = current_staff()
    with get_storage(current_app).transaction() as db:
        editable(db, resource_id)
        saved = editing.save_resource(
            db, _taxonomy(), data, resource_id=resource_id, based_on=based_on,
            account_id=staff.id, may_keep=may_keep(), today=today(), find_point=find_point,
        )  # fmt: skip
        if saved.changes:
            audit.record(
                db, staff, "update", entity="resource", entity_id=resource_id, ip=client_ip(),
                detail="、".join(c.field for c in saved.changes),
            )  # fmt: skip
    return _saved_document(resource_id, saved)


@blueprint.post("/resources", **_NO_OPTIONS)
@require(Action.EDIT)
def create_resource():
    data = _body()
    data.pop("version", None)
    staff = current_staff()
    if area_scope(staff) is not None and not (data.get("lat") and data.get("lon")):
        raise editing.EditProblem({"lat": "担当区域の中の場所（緯度・経度）を指定してください"})
    with get_storage(current_app).transaction() as db:
        saved = editing.save_resource(
            db, _taxonomy(), data, account_id=staff.id, may_keep=may_keep(), today=today(),
            find_point=find_point,
        )  # fmt: skip
        audit.record(
            db, staff, "create", entity="resource", entity_id=saved.resource_id, ip=client_ip()
        )
    with get_storage(current_app).reading() as db:
        body = resource_document(db, _load(db, saved.resource_id))
    response = _with_etag(body, 201)
    response.headers["Location"] = url_for("staff_api.resource", resource_id=saved.resource_id)
    return response


@blueprint.get("/resources/<int(max=2147483647):resource_id>/history", **_NO_OPTIONS)
@require(Action.VIEW)
def resource_history(resource_id: int):
    with get_storage(current_app).reading() as db:
        resource = _load(db, resource_id)
        entries = history(db, resource_id)
        body = {
            "id": resource_id,
            "version": resource.version,
            "entries": [
                {
                    "at": e.at.isoformat(timespec="seconds"),
                    "version": e.version,
                    "by": e.by,
                    "action": e.action,
                    "changes": _changes(e.changes),
                }
                for e in entries
            ],
        }
    return jsonify(body)


@blueprint.post("/resources/<int(max=2147483647):resource_id>/confirm", **_NO_OPTIONS)
@require(Action.EDIT)
def confirm_resource(resource_id: int):
    staff = current_staff()
    with get_storage(current_app).transaction() as db:
        editable(db, resource_id)
        saved = editing.confirm_unchanged(db, resource_id, today(), staff.id)
        audit.record(db, staff, "confirm", entity="resource", entity_id=resource_id, ip=client_ip())
    return jsonify({"id": resource_id, "version": saved.version, "verified_on": str(today())})


@blueprint.post("/resources/<int(max=2147483647):resource_id>/restore", **_NO_OPTIONS)
@require(Action.EDIT)
def restore_resource(resource_id: int):
    data = _body()
    based_on = _based_on(data)
    target = data.get("to_version")
    if based_on is None or not isinstance(target, int):
        raise editing.EditProblem(
            {"to_version": "戻す版（to_version）と、もとにした版（version）を指定してください"}
        )
    staff = current_staff()
    with get_storage(current_app).transaction() as db:
        editable(db, resource_id)
        saved = versions.restore(
            db, _taxonomy(), resource_id, target, based_on=based_on,
            account_id=staff.id, may_keep=may_keep(),
        )  # fmt: skip
        audit.record(
            db, staff, "restore", entity="resource", entity_id=resource_id, ip=client_ip(),
            detail=f"版 {target} に戻す",
        )  # fmt: skip
    return _saved_document(resource_id, saved)


@blueprint.post("/schedule-reading", **_NO_OPTIONS)
@require(Action.VIEW)
def schedule_reading():
    """What the schedule reader makes of a text, for the edit form as staff type."""
    data = _body()
    text = str(data.get("schedule_text", ""))[: editing.MAX_TEXT_CHARS]
    closed = str(data.get("closed_text", ""))[: editing.MAX_TEXT_CHARS]
    reading = read_schedule(text, closed, today())
    return jsonify(
        {
            "rules": list(reading.rules),
            "notes": list(reading.notes),
            "review": list(reading.review),
            "next_dates": list(reading.next_dates),
        }
    )


@blueprint.get("/review", **_NO_OPTIONS)
@require(Action.VIEW)
def review_list():
    args = request_args()
    staff = current_staff()
    scope = area_scope(staff)
    areas = scope
    if args.get("area") is not None:
        wanted = frozenset({args["area"]})
        areas = wanted if scope is None else scope & wanted
    with get_storage(current_app).reading() as db:
        if args.get("area") is not None and db.get(Area, args["area"]) is None:
            return api_error(404, "not_found", "その区域はありません", "area")
        items, total = review.review_list(
            db, today=today(), months=current_app.config["REVIEW_AFTER_MONTHS"], areas=areas
        )
    return jsonify(
        {
            "total": total,
            "items": [
                {
                    "id": i.resource_id, "name": i.name, "kind": i.kind, "version": i.version,
                    "verified_on": i.verified_on.isoformat() if i.verified_on else None,
                    "reasons": i.reasons, "codes": i.codes,
                }
                for i in items
            ],
        }
    )  # fmt: skip


@blueprint.get("/corrections", **_NO_OPTIONS)
@require(Action.VIEW)
def correction_list():
    staff = current_staff()
    with get_storage(current_app).transaction() as db:
        pending = corrections.pending(db, area_scope(staff))
        body = {"items": [corrections.as_document(db, s) for s in pending]}
        audit.record(db, staff, "view", entity="suggestion", ip=client_ip())
    return jsonify(body)


@blueprint.post("/corrections/<int(max=2147483647):suggestion_id>/approve", **_NO_OPTIONS)
@require(Action.REVIEW_CORRECTION)
def approve_correction(suggestion_id: int):
    return _decide(suggestion_id, "approve")


@blueprint.post("/corrections/<int(max=2147483647):suggestion_id>/reject", **_NO_OPTIONS)
@require(Action.REVIEW_CORRECTION)
def reject_correction(suggestion_id: int):
    return _decide(suggestion_id, "reject")


def _decide(suggestion_id: int, decision: str):
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        raise editing.EditProblem({"body": "JSON のオブジェクトを送ってください"})
    staff = current_staff()
    with get_storage(current_app).transaction() as db:
        suggestion = corrections.get(db, suggestion_id)
        require_areas(
            Action.REVIEW_CORRECTION, corrections.areas_of(db, suggestion),
            entity="suggestion", entity_id=suggestion_id,
        )  # fmt: skip
        note = str(data.get("note", ""))[:1000]
        if decision == "approve":
            edits = data.get("fields")
            saved = corrections.approve(
                db, _taxonomy(), suggestion, staff.id,
                fields=edits if isinstance(edits, dict) else None,
                note=note, may_keep=may_keep(), today=today(), find_point=find_point,
            )  # fmt: skip
            result = {"resource_id": saved.resource_id, "version": saved.version}
        else:
            corrections.reject(db, suggestion, staff.id, note)
            result = {}
        audit.record(
            db, staff, decision, entity="suggestion", entity_id=suggestion_id, ip=client_ip()
        )
    return jsonify({"id": suggestion_id, "status": suggestion.status.value, **result})
