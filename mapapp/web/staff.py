"""Staff pages under /staff: sign in, the resources of one's areas, the edit form with a map,
history and restore, 要確認, corrections from residents, accounts and the audit log.

Views stay thin: the domain modules (editing, review, corrections, accounts, audit) do the
work; every view is wrapped in ``require`` and checks the thing's areas itself.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import func, select

from mapapp import accounts, audit, corrections, editing, review, versions
from mapapp.history import FIELD_LABELS, history
from mapapp.matching import people
from mapapp.models import ROLE_LABELS, STATUS_LABELS, Area, Resource
from mapapp.permissions import Action, allowed, area_scope
from mapapp.schedule.words import read_schedule
from mapapp.storage import get_storage
from mapapp.web.auth import (
    begin_session,
    client_ip,
    current_staff,
    end_session,
    require,
    require_areas,
)
from mapapp.web.query import today
from mapapp.web.staff_api import editable, find_point, may_keep

blueprint = Blueprint("staff", __name__)
LIST_LIMIT = 200


def _taxonomy():
    return current_app.extensions["mapapp.taxonomy"]


def _storage():
    return get_storage(current_app)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no //) may be returned to."""
    if not target:
        return url_for("staff.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("staff.home")
    if "\\" in target:
        return url_for("staff.home")
    return target


@blueprint.errorhandler(editing.ResourceMissing)
def _missing(exc):
    abort(404)


@blueprint.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"  # shared office PCs: no staff page in cache
    return response


# --- signing in and out ------------------------------------------------------------------


@blueprint.route("/login", methods=["GET", "POST"])
def sign_in():
    message = ""
    login = ""
    if request.method == "POST":
        login = request.form.get("login", "")[:60]
        password = request.form.get("password", "")[:400]
        with _storage().transaction() as db:
            try:
                account = accounts.sign_in(db, login, password, client_ip())
            except accounts.SignInRefused as refused:
                message = refused.message
                audit.record(
                    db, None, "sign_in_refused", login=login, ip=client_ip(),
                    detail=refused.reason, entity="account", entity_id=refused.account_id,
                )  # fmt: skip
            else:
                staff = accounts.staff_of(db, account)
                audit.record(db, staff, "sign_in", ip=client_ip())
                begin_session(account)
                return redirect(_safe_next(request.args.get("next")))
    status = 401 if message else 200
    return render_template(
        "staff/login.html", message=message, login=login, title="職員ログイン"
    ), status


@blueprint.post("/logout")
def sign_out():
    staff = current_staff()
    if staff is not None:
        with _storage().transaction() as db:
            audit.record(db, staff, "sign_out", ip=client_ip())
    end_session()
    flash("ログアウトしました。")
    return redirect(url_for("staff.sign_in"))


# --- home and lists ----------------------------------------------------------------------


@blueprint.get("/")
@require(Action.VIEW)
def home():
    staff = current_staff()
    scope = area_scope(staff)
    with _storage().reading() as db:
        items, due = review.review_list(
            db, today=today(), months=current_app.config["REVIEW_AFTER_MONTHS"],
            areas=scope, limit=0,
        )  # fmt: skip
        waiting = len(corrections.pending(db, scope))
        follow_ups = None
        if allowed(staff, Action.MATCH):
            people_scope = None if scope is None else people.expand_scope(db, scope)
            follow_ups = len(people.follow_ups(db, people_scope, today()).today)
        areas = _areas_named(db, staff.area_ids) if scope is not None else []
    return render_template(
        "staff/home.html", title="職員メニュー", due=due, waiting=waiting, areas=areas,
        follow_ups=follow_ups,
        role_label=ROLE_LABELS[staff.role], can=_abilities(staff),
    )  # fmt: skip


def _abilities(staff) -> dict[str, bool]:
    return {a.value: allowed(staff, a) for a in Action}


def _areas_named(db, ids) -> list[Area]:
    return list(db.scalars(select(Area).where(Area.id.in_(sorted(ids))).order_by(Area.id)))


@blueprint.get("/resources")
@require(Action.VIEW)
def resource_list():
    staff = current_staff()
    scope = area_scope(staff)
    words = request.args.get("q", "")[:100].strip()
    with _storage().reading() as db:
        query = select(Resource).order_by(Resource.name).limit(LIST_LIMIT)
        if words:
            query = query.where(Resource.name.contains(words, autoescape=True))
        if scope is not None:
            from mapapp.models import ResourceArea

            query = query.where(
                Resource.id.in_(
                    select(ResourceArea.resource_id).where(ResourceArea.area_id.in_(scope))
                )
            )
        rows = list(db.scalars(query))
    return render_template(
        "staff/resources.html", title="資源の一覧", rows=rows, q=words,
        statuses=STATUS_LABELS, limit=LIST_LIMIT,
    )  # fmt: skip


@blueprint.get("/review")
@require(Action.VIEW)
def review_page():
    scope = area_scope(current_staff())
    with _storage().reading() as db:
        items, total = review.review_list(
            db, today=today(), months=current_app.config["REVIEW_AFTER_MONTHS"], areas=scope
        )
    return render_template(
        "staff/review.html", title="要確認", items=items, total=total,
        months=current_app.config["REVIEW_AFTER_MONTHS"],
    )  # fmt: skip


# --- one resource: edit, confirm, history, restore ---------------------------------------


def _kinds():
    return [(k.code, k.label) for k in _taxonomy().kinds]


def _form_page(resource_id, values, *, version, problems=None, conflict=None, status=200):
    reading = read_schedule(values.get("schedule_text", ""), values.get("closed_text", ""), today())
    return render_template(
        "staff/edit.html",
        title="資源の登録" if resource_id is None else "資源の変更",
        resource_id=resource_id, values=values, version=version, labels=FIELD_LABELS,
        problems=problems or {}, conflict=conflict or [], kinds=_kinds(),
        statuses=STATUS_LABELS, reading=reading,
        tiles=current_app.config["TILE_URL"], attribution=current_app.config["TILE_ATTRIBUTION"],
        town_bounds=town_bounds(),
    ), status  # fmt: skip


def town_bounds() -> str:
    """The areas' extent as "south,west,north,east", where the map opens for a new place."""
    with _storage().reading() as db:
        south, west, north, east = db.execute(
            select(
                func.min(Area.min_lat), func.min(Area.min_lon),
                func.max(Area.max_lat), func.max(Area.max_lon),
            )
        ).one()  # fmt: skip
    return "" if south is None else f"{south},{west},{north},{east}"


@blueprint.get("/resources/new")
@require(Action.EDIT)
def new_resource():
    return _form_page(None, {"kind": "salon", "status": "active"}, version=None)


@blueprint.get("/resources/<int(max=2147483647):resource_id>/edit")
@require(Action.VIEW)
def edit_resource(resource_id: int):
    with _storage().reading() as db:
        resource = _resource(db, resource_id)
        values = editing.resource_texts(db, resource)
        version = resource.version
    return _form_page(resource_id, values, version=version)


def _resource(db, resource_id: int) -> Resource:
    resource = db.get(Resource, resource_id)
    if resource is None:
        abort(404)
    return resource


def _form_values() -> dict[str, str]:
    return {name: request.form.get(name, "") for name in FIELD_LABELS if name in request.form}


@blueprint.post("/resources/new")
@require(Action.EDIT)
def create_resource():
    values = _form_values()
    staff = current_staff()
    try:
        with _storage().transaction() as db:
            saved = editing.save_resource(
                db, _taxonomy(), values, account_id=staff.id, may_keep=may_keep(),
                today=today(), find_point=find_point,
            )  # fmt: skip
            audit.record(
                db, staff, "create", entity="resource", entity_id=saved.resource_id,
                ip=client_ip(),
            )  # fmt: skip
    except editing.EditProblem as problem:
        return _form_page(None, values, version=None, problems=problem.problems, status=400)
    except editing.OutsideScope as outside:
        return _form_page(None, values, version=None, problems={"lat": str(outside)}, status=403)
    flash("登録しました。")
    return redirect(url_for("staff.edit_resource", resource_id=saved.resource_id))


@blueprint.post("/resources/<int(max=2147483647):resource_id>/edit")
@require(Action.EDIT)
def save_resource(resource_id: int):
    values = _form_values()
    staff = current_staff()
    try:
        based_on = int(request.form.get("version", ""))
    except ValueError:
        based_on = -1
    try:
        with _storage().transaction() as db:
            editable(db, resource_id)
            saved = editing.save_resource(
                db, _taxonomy(), values, resource_id=resource_id, based_on=based_on,
                account_id=staff.id, may_keep=may_keep(), today=today(),
                find_point=find_point,
            )  # fmt: skip
            if saved.changes:
                audit.record(
                    db, staff, "update", entity="resource", entity_id=resource_id,
                    ip=client_ip(), detail="、".join(c.field for c in saved.changes),
                )  # fmt: skip
    except editing.StaleEdit as stale:
        # Nothing is lost: the form comes back with what this person typed, what the other
        # person changed, and the newer version to save over once they have looked.
        return _form_page(
            resource_id, _typed_over_newer(resource_id, based_on, values),
            version=stale.current_version, conflict=stale.changes, status=409,
        )  # fmt: skip
    except editing.EditProblem as problem:
        return _form_page(
            resource_id, values, version=based_on, problems=problem.problems, status=400
        )
    except editing.OutsideScope as outside:
        return _form_page(
            resource_id, values, version=based_on, problems={"lat": str(outside)}, status=403
        )
    if saved.changes:
        flash(f"保存しました（{'・'.join(c.label for c in saved.changes)}）。")
    else:
        flash("変更はありませんでした。")
    return redirect(url_for("staff.edit_resource", resource_id=resource_id))


def _typed_over_newer(resource_id: int, based_on: int, typed: dict[str, str]) -> dict[str, str]:
    """The form after a refused stale save: what this person changed, over the newer version.
    A field they left as it was at ``based_on`` shows the newer value, so that saving again
    does not undo the other person's change."""

    def same(a: str, b: str) -> bool:
        return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()

    with _storage().reading() as db:
        try:
            seen = versions.values_at(db, resource_id, based_on)
        except (versions.NotRestorable, editing.ResourceMissing):
            return typed
        newer = editing.resource_texts(db, _resource(db, resource_id))
    return {
        name: newer[name] if name in seen and name in newer and same(value, seen[name]) else value
        for name, value in typed.items()
    }


@blueprint.post("/resources/<int(max=2147483647):resource_id>/confirm")
@require(Action.EDIT)
def confirm_resource(resource_id: int):
    staff = current_staff()
    with _storage().transaction() as db:
        editable(db, resource_id)
        editing.confirm_unchanged(db, resource_id, today(), staff.id)
        audit.record(db, staff, "confirm", entity="resource", entity_id=resource_id, ip=client_ip())
    flash("変わりないことを確認しました（最終確認日を今日にしました）。")
    return redirect(_safe_next(request.form.get("next")))


@blueprint.get("/resources/<int(max=2147483647):resource_id>/history")
@require(Action.VIEW)
def resource_history(resource_id: int):
    with _storage().reading() as db:
        resource = _resource(db, resource_id)
        entries = history(db, resource_id)
        name, version = resource.name, resource.version
    return render_template(
        "staff/history.html", title=f"変更履歴: {name}", name=name, entries=entries,
        resource_id=resource_id, version=version,
    )  # fmt: skip


@blueprint.post("/resources/<int(max=2147483647):resource_id>/restore")
@require(Action.EDIT)
def restore_resource(resource_id: int):
    staff = current_staff()
    try:
        target = int(request.form.get("to_version", ""))
        based_on = int(request.form.get("version", ""))
    except ValueError:
        flash("戻す版がわかりませんでした。")
        return redirect(url_for("staff.resource_history", resource_id=resource_id))
    try:
        with _storage().transaction() as db:
            editable(db, resource_id)
            versions.restore(
                db, _taxonomy(), resource_id, target, based_on=based_on,
                account_id=staff.id, may_keep=may_keep(),
            )  # fmt: skip
            audit.record(
                db, staff, "restore", entity="resource", entity_id=resource_id,
                ip=client_ip(), detail=f"版 {target} に戻す",
            )  # fmt: skip
    except editing.StaleEdit:
        flash("ほかの人が先に変更しました。履歴を確かめてから、もう一度お試しください。")
    except (versions.NotRestorable, editing.EditProblem, editing.OutsideScope) as problem:
        flash(f"戻せませんでした: {problem}")
    else:
        flash(f"版 {target} の内容に戻しました（新しい版として保存しました）。")
    return redirect(url_for("staff.resource_history", resource_id=resource_id))


# --- corrections from residents ----------------------------------------------------------


@blueprint.get("/corrections")
@require(Action.VIEW)
def correction_list():
    staff = current_staff()
    with _storage().transaction() as db:
        items = [corrections.as_document(db, s) for s in corrections.pending(db, area_scope(staff))]
        audit.record(db, staff, "view", entity="suggestion", ip=client_ip())
    return render_template(
        "staff/corrections.html", title="届いた修正・新しい場所", items=items,
        can_decide=allowed(staff, Action.REVIEW_CORRECTION),
    )  # fmt: skip


@blueprint.post("/corrections/<int(max=2147483647):suggestion_id>/approve")
@require(Action.REVIEW_CORRECTION)
def approve_correction(suggestion_id: int):
    return _decide(suggestion_id, "approve")


@blueprint.post("/corrections/<int(max=2147483647):suggestion_id>/reject")
@require(Action.REVIEW_CORRECTION)
def reject_correction(suggestion_id: int):
    return _decide(suggestion_id, "reject")


def _decide(suggestion_id: int, decision: str):
    staff = current_staff()
    note = request.form.get("note", "")[:1000]
    try:
        with _storage().transaction() as db:
            try:
                suggestion = corrections.get(db, suggestion_id)
            except corrections.SuggestionMissing:
                abort(404)
            require_areas(
                Action.REVIEW_CORRECTION, corrections.areas_of(db, suggestion),
                entity="suggestion", entity_id=suggestion_id,
            )  # fmt: skip
            if decision == "approve":
                fields = {
                    k.removeprefix("field_"): v
                    for k, v in request.form.items()
                    if k.startswith("field_")
                    and k.removeprefix("field_") in corrections.CORRECTABLE
                }
                saved = corrections.approve(
                    db, _taxonomy(), suggestion, staff.id, fields=fields or None, note=note,
                    may_keep=may_keep(), today=today(), find_point=find_point,
                )  # fmt: skip
                message = "反映しました。"
                target = url_for("staff.edit_resource", resource_id=saved.resource_id)
            else:
                corrections.reject(db, suggestion, staff.id, note)
                message, target = "見送りました。", url_for("staff.correction_list")
            audit.record(
                db, staff, decision, entity="suggestion", entity_id=suggestion_id, ip=client_ip()
            )
    except (editing.EditProblem, editing.OutsideScope, editing.StaleEdit) as problem:
        flash(f"反映できませんでした: {problem}")
        return redirect(url_for("staff.correction_list"))
    flash(message)
    return redirect(target)


# The admins' pages (accounts, the audit log) are on this blueprint too.
from mapapp.web import staff_admin  # noqa: E402, F401
