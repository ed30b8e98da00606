"""Admins' staff pages: accounts (make, stop, start) and the audit log (read, save as CSV).
They are views of the staff blueprint (mapapp.web.staff)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from mapapp import accounts, audit
from mapapp.models import ROLE_LABELS, Account, Area, Layer, Role, utcnow
from mapapp.permissions import Action
from mapapp.web.auth import client_ip, current_staff, require
from mapapp.web.staff import _storage, blueprint


def _chosen_areas(form) -> list[int]:
    """The area ids ticked in an account form."""
    return [int(a) for a in form.getlist("area") if a.isdigit()]


@blueprint.get("/accounts")
@require(Action.MANAGE_ACCOUNTS)
def account_list():
    with _storage().reading() as db:
        rows = list(db.scalars(select(Account).order_by(Account.login)))
        areas = list(
            db.scalars(select(Area).where(Area.layer == Layer.DAILY_LIFE).order_by(Area.id))
        )
        scoped = {a.id: [x.name for x in a.areas] for a in rows}
    return render_template(
        "staff/accounts.html", title="アカウント", rows=rows, areas=areas, scoped=scoped,
        roles=ROLE_LABELS,
    )  # fmt: skip


@blueprint.post("/accounts")
@require(Action.MANAGE_ACCOUNTS)
def create_account():
    staff = current_staff()
    form = request.form
    try:
        with _storage().transaction() as db:
            role = accounts.parse_role(form.get("role", ""))
            area_ids = _chosen_areas(form)
            account = accounts.create_account(
                db, form.get("login", ""), form.get("password", ""), role,
                area_ids if role == Role.COORDINATOR else [], form.get("name", ""),
            )  # fmt: skip
            audit.record(
                db, staff, "account", entity="account", entity_id=account.id, ip=client_ip(),
                detail=f"作成 {account.login}（{ROLE_LABELS[role]}）",
            )  # fmt: skip
    except accounts.AccountProblem as problem:
        flash(f"作れませんでした: {problem}")
    else:
        flash("アカウントを作りました。")
    return redirect(url_for("staff.account_list"))


@blueprint.post("/accounts/<int(max=2147483647):account_id>/active")
@require(Action.MANAGE_ACCOUNTS)
def set_active(account_id: int):
    staff = current_staff()
    active = request.form.get("active") == "1"
    with _storage().transaction() as db:
        account = db.get(Account, account_id)
        if account is None:
            abort(404)
        if account.id == staff.id and not active:
            flash("自分のアカウントは止められません。")
            return redirect(url_for("staff.account_list"))
        account.active = active
        if not active:
            accounts.revoke_tokens(db, account)
            account.sessions_after = utcnow()
        audit.record(
            db, staff, "account", entity="account", entity_id=account.id, ip=client_ip(),
            detail=("再開 " if active else "停止 ") + account.login,
        )  # fmt: skip
    flash("変更しました。")
    return redirect(url_for("staff.account_list"))


@blueprint.post("/accounts/<int(max=2147483647):account_id>")
@require(Action.MANAGE_ACCOUNTS)
def update_account(account_id: int):
    """A new role, other areas, or a new password (which ends the account's sessions)."""
    staff = current_staff()
    form = request.form
    try:
        with _storage().transaction() as db:
            account = db.get(Account, account_id)
            if account is None:
                abort(404)
            role = accounts.parse_role(form.get("role", ""))
            area_ids = _chosen_areas(form)
            if role == Role.COORDINATOR and not area_ids:
                raise accounts.AccountProblem(
                    "コーディネーターには担当区域を1つ以上指定してください"
                )
            if account.id == staff.id and role != Role.ADMIN:
                raise accounts.AccountProblem("自分の役割は変えられません")
            said = []
            if role != account.role:
                said.append(f"役割 {ROLE_LABELS[account.role]}→{ROLE_LABELS[role]}")
                account.role = role
                account.sessions_after = utcnow()
            accounts.set_areas(db, account.id, area_ids if role == Role.COORDINATOR else [])
            said.append("担当区域")
            if form.get("password"):
                accounts.set_password(db, account, form["password"])
                said.append("パスワード再設定")
            audit.record(
                db, staff, "account", entity="account", entity_id=account.id, ip=client_ip(),
                detail=f"変更 {account.login}: {'、'.join(said)}",
            )  # fmt: skip
    except accounts.AccountProblem as problem:
        flash(f"変更できませんでした: {problem}")
    else:
        flash("変更しました。")
    return redirect(url_for("staff.account_list"))


@blueprint.get("/audit")
@require(Action.VIEW_AUDIT)
def audit_log():
    with _storage().reading() as db:
        entries = audit.recent(db, 300)
    return render_template(
        "staff/audit.html", title="操作の記録", entries=entries, labels=audit.ACTION_LABELS
    )


@blueprint.get("/audit.csv")
@require(Action.VIEW_AUDIT)
def audit_csv():
    staff = current_staff()
    with _storage().transaction() as db:
        body = audit.as_csv(db)
        audit.record(db, staff, "export", entity="audit", ip=client_ip())
    return current_app.response_class(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit.csv"},
    )
