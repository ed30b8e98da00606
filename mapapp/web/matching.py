"""Staff pages for matching (/staff/needs, /staff/volunteers, /staff/batch): the intake of a
need on the phone, its candidates with their reasons, the case to its end, volunteers and
their points, and the weekly batch proposal.

Everything here is personal data. Every view needs Action.MATCH (管理者, and coordinators for
their own areas; 閲覧 never); a record outside the viewer's areas answers 404, as one that does
not exist, so that nothing can be inferred; every view of a person's record is in the audit
log. The domain (mapapp.matching) does the work; views stay thin.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from mapapp import audit
from mapapp.matching import MatchingProblem, cases, documents, intake, people
from mapapp.matching.batch import propose_batch
from mapapp.matching.candidates import find_candidates
from mapapp.models import (
    NEED_STATUS_LABELS,
    TRAVEL_MODE_LABELS,
    URGENCY_LABELS,
    VOLUNTEER_STATUS_LABELS,
    Area,
    Layer,
    NeedStatus,
    Placement,
    PlaceName,
    ProposalStatus,
)
from mapapp.permissions import Action
from mapapp.web import matching_common as common
from mapapp.web.auth import client_ip, current_staff, require
from mapapp.web.errors import MESSAGES
from mapapp.web.query import today

blueprint = Blueprint("matching", __name__)
LIST_LIMIT = 300
STEP_WORDS = {
    ProposalStatus.ASKED: "依頼の連絡をした",
    ProposalStatus.ACCEPTED: "引き受けてもらえた",
    ProposalStatus.DECLINED: "断られた",
    ProposalStatus.DONE: "支援が終わった",
    ProposalStatus.CANCELLED: "取りやめる",
}
STEP_DONE = {
    ProposalStatus.ASKED: "依頼の連絡を記録しました。",
    ProposalStatus.ACCEPTED: "引き受けを記録しました（手配済）。",
    ProposalStatus.DECLINED: "お断りを記録しました。この方には今後この担い手を候補に挙げません。",
    ProposalStatus.DONE: "支援の完了を記録しました。",
    ProposalStatus.CANCELLED: "提案を取りやめました。",
}


@blueprint.errorhandler(people.NotInScope)
def _not_in_scope(exc):
    common.log_refusal()
    return render_template("error.html", status=404, message=MESSAGES[404]), 404


@blueprint.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"  # personal data: never in a shared cache
    return response


def _as_of() -> dt.date:
    text = request.values.get("as_of", "").strip()[:10]
    if not text:
        return today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        abort(400, description="as_of")


# --- needs ---------------------------------------------------------------------------------


@blueprint.get("/needs")
@require(Action.MATCH)
def need_list():
    staff = current_staff()
    show = request.args.get("show", "open")
    statuses = {
        "open": (NeedStatus.RECEIVED, NeedStatus.ARRANGING, NeedStatus.ARRANGED),
        "all": None,
    }.get(show)
    if statuses is None and show != "all":
        statuses = (NeedStatus(show),) if show in NeedStatus._value2member_map_ else ()
    kind = common.vocabulary().need_kind(request.args.get("kind", "")[:40]) or None
    with common.storage().transaction() as db:
        scope = common.scope(db)
        needs = people.list_needs(db, scope, statuses=statuses, kind=kind)
        due = people.follow_ups(db, scope, today())
        areas = intake.area_names(db, [n.area_id for n in needs])
        rows = [documents.need_row(n, common.vocabulary(), areas) for n in needs[:LIST_LIMIT]]
        due_today = [documents.need_row(n, common.vocabulary(), areas) for n in due.today]
        due_week = [documents.need_row(n, common.vocabulary(), areas) for n in due.this_week]
        audit.record(db, staff, "view", entity="need", ip=client_ip(), detail="ニーズの一覧")
    return render_template(
        "staff/needs.html", title="相談（ニーズ）の一覧", rows=rows, total=len(needs),
        limit=LIST_LIMIT, due_today=due_today, due_week=due_week, show=show, kind=kind or "",
        statuses=NEED_STATUS_LABELS, kinds=_need_kinds(),
    )  # fmt: skip


def _need_kinds() -> list[tuple[str, str]]:
    return [(n.code, n.label) for n in common.vocabulary().taxonomy.needs]


def _skills() -> list[tuple[str, str]]:
    return [(s.code, s.label) for s in common.vocabulary().taxonomy.skills]


def _form_texts(labels: dict[str, str], lists: tuple[str, ...] = ()) -> dict:
    texts = {name: request.form.get(name, "") for name in labels if name in request.form}
    for name in lists:
        texts[name] = request.form.getlist(name)
    if "consent" in labels:
        texts["consent"] = "あり" if request.form.get("consent") == "1" else "なし"
    return texts


def _need_form(values, *, need_id=None, version=None, problems=None, status=200):
    if isinstance(values.get("kinds"), str):
        values = {**values, "kinds": [k for k in values["kinds"].split("、") if k]}
    return render_template(
        "staff/need_form.html",
        title="相談の受付" if need_id is None else "相談の内容を変える",
        need_id=need_id, values=values, version=version, problems=problems or {},
        labels=intake.NEED_LABELS, kinds=_need_kinds(),
        urgencies=[(u.value, label) for u, label in URGENCY_LABELS.items()],
        places=_place_names(), **_map_settings(),
    ), status  # fmt: skip


def _status(problem: intake.IntakeProblem) -> int:
    """403 when the place lies outside one's areas (as for resources), 400 for the rest."""
    return 403 if problem.outside_scope else 400


def _map_settings() -> dict:
    from mapapp.web.staff import town_bounds

    return {
        "tiles": current_app.config["TILE_URL"],
        "attribution": current_app.config["TILE_ATTRIBUTION"],
        "town_bounds": town_bounds(),
    }


def _place_names() -> list[str]:
    """町丁目 and 大字 names the address field suggests (where the town has them)."""
    with common.storage().reading() as db:
        names = set(
            db.scalars(
                select(PlaceName.name).where(
                    PlaceName.level.in_([Placement.CHOME.value, Placement.OAZA.value])
                )
            )
        )
        names |= set(db.scalars(select(Area.name).where(Area.layer == Layer.NEIGHBOURHOOD)))
    return sorted(names)[:3000]


@blueprint.get("/needs/new")
@require(Action.MATCH)
def new_need():
    return _need_form({"received_on": today().isoformat(), "urgency": "normal"})


@blueprint.post("/needs/new")
@require(Action.MATCH)
def create_need():
    texts = _form_texts(intake.NEED_LABELS, lists=("kinds",))
    try:
        with common.storage().transaction() as db:
            saved = intake.save_need(
                db, common.vocabulary(), texts, staff=current_staff(), scope=common.scope(db),
                today=today(), place=common.place, ip=client_ip(),
            )  # fmt: skip
    except intake.IntakeProblem as problem:
        return _need_form(texts, problems=problem.problems, status=_status(problem))
    flash("相談を受け付けました。")
    return redirect(url_for("matching.need_page", need_id=saved.id))


@blueprint.get("/needs/<int(max=2147483647):need_id>")
@require(Action.MATCH)
def need_page(need_id: int):
    with common.storage().transaction() as db:
        need = people.view_need(
            db, current_staff(), need_id, common.scope(db), what="相談の記録", ip=client_ip()
        )
        document = documents.need_document(db, need, common.vocabulary())
    return render_template(
        "staff/need.html", title=f"相談 {need_id}", need=document, step_words=STEP_WORDS
    )


@blueprint.get("/needs/<int(max=2147483647):need_id>/edit")
@require(Action.MATCH)
def edit_need(need_id: int):
    with common.storage().transaction() as db:
        need = people.view_need(
            db, current_staff(), need_id, common.scope(db), what="相談の変更", ip=client_ip()
        )
        values, version = intake.need_texts(need), intake.version_of(need)
    return _need_form(values, need_id=need_id, version=version)


@blueprint.post("/needs/<int(max=2147483647):need_id>/edit")
@require(Action.MATCH)
def save_need(need_id: int):
    texts = _form_texts(intake.NEED_LABELS, lists=("kinds",))
    version = request.form.get("version", "")
    try:
        with common.storage().transaction() as db:
            saved = intake.save_need(
                db, common.vocabulary(), texts, staff=current_staff(), scope=common.scope(db),
                today=today(), place=common.place, need_ref=need_id, based_on=version,
                ip=client_ip(),
            )  # fmt: skip
    except intake.IntakeProblem as problem:
        return _need_form(
            texts, need_id=need_id, version=version, problems=problem.problems,
            status=_status(problem),
        )  # fmt: skip
    except intake.StaleRecord as stale:
        return _need_form(
            texts, need_id=need_id, version=version, problems={"version": str(stale)},
            status=409,
        )  # fmt: skip
    flash("保存しました。" if saved.changed else "変更はありませんでした。")
    return redirect(url_for("matching.need_page", need_id=need_id))


@blueprint.post("/needs/<int(max=2147483647):need_id>/status")
@require(Action.MATCH)
def change_status(need_id: int):
    staff = current_staff()
    status = request.form.get("status", "")
    follow_up = request.form.get("follow_up_on", "").strip()[:10]
    try:
        with common.storage().transaction() as db:
            need = people.need_by_id(db, need_id, common.scope(db))
            if status and status != need.status:
                if status not in NeedStatus._value2member_map_:
                    raise MatchingProblem("状態を選んでください")
                cases.change_need_status(
                    db, need, NeedStatus(status), staff,
                    note=request.form.get("note", "")[:1000],
                    referred_to=request.form.get("referred_to", "")[:200],
                )  # fmt: skip
            if "follow_up_on" in request.form:
                need.follow_up_on = _date_or_problem(follow_up, "次回確認日")
    except people.NotInScope:
        raise
    except MatchingProblem as problem:
        flash(f"変えられませんでした: {problem}")
    else:
        flash("記録しました。")
    return redirect(url_for("matching.need_page", need_id=need_id))


def _date_or_problem(text: str, what: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise MatchingProblem(f"{what}は 2026-12-01 の形で書いてください") from None


@blueprint.get("/needs/<int(max=2147483647):need_id>/candidates")
@require(Action.MATCH)
def candidates_page(need_id: int):
    day = _as_of()
    with common.storage().transaction() as db:
        scope = common.scope(db)
        need = people.view_need(
            db, current_staff(), need_id, scope, what="候補の表示", ip=client_ip()
        )
        found = find_candidates(
            db, common.vocabulary(), need, as_of=day, settings=common.settings(), scope=scope
        )
        labels = common.volunteer_labels(db, [c.id for c in found.volunteers])
        labels |= common.volunteer_labels(db, [e.id for e in found.excluded])
        document = documents.need_document(db, need, common.vocabulary())
    return render_template(
        "staff/candidates.html", title=f"相談 {need_id} の候補", need=document, found=found,
        labels=labels, as_of=day.isoformat(),
    )  # fmt: skip


@blueprint.post("/needs/<int(max=2147483647):need_id>/proposals")
@require(Action.MATCH)
def propose(need_id: int):
    staff = current_staff()
    try:
        volunteer_id = _int_or_none(request.form.get("volunteer_id"))
        resource_id = _int_or_none(request.form.get("resource_id"))
        with common.storage().transaction() as db:
            scope = common.scope(db)
            need = people.need_by_id(db, need_id, scope)
            proposal = cases.propose(
                db, common.vocabulary(), need, volunteer_id=volunteer_id, resource_id=resource_id,
                staff=staff, as_of=_as_of(), settings=common.settings(), scope=scope,
            )  # fmt: skip
            audit.record(
                db, staff, "create", entity="proposal", entity_id=proposal.id, ip=client_ip()
            )
    except people.NotInScope:
        raise
    except MatchingProblem as problem:
        flash(f"提案できませんでした: {problem}")
        return redirect(url_for("matching.candidates_page", need_id=need_id))
    flash("候補に挙げました。連絡したら「依頼の連絡をした」を押してください。")
    return redirect(url_for("matching.need_page", need_id=need_id))


def _int_or_none(text: str | None) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 10:
        raise MatchingProblem("選んだ候補がわかりません")
    return int(text)


@blueprint.post("/proposals/<int(max=2147483647):proposal_id>/<step>")
@require(Action.MATCH)
def proposal_step(proposal_id: int, step: str):
    if step not in STEP_WORDS:
        abort(404)
    to = ProposalStatus(step)
    with common.storage().transaction() as db:
        need_id = people.proposal_by_id(db, proposal_id, common.scope(db)).need_id
    try:
        with common.storage().transaction() as db:
            proposal = people.proposal_by_id(db, proposal_id, common.scope(db))
            cases.take_step(
                db, proposal, to, current_staff(), note=request.form.get("note", "")[:1000],
                settings=common.settings(),
            )  # fmt: skip
    except people.NotInScope:
        raise
    except MatchingProblem as problem:
        flash(f"記録できませんでした: {problem}")
    else:
        flash(STEP_DONE[to])
    return redirect(url_for("matching.need_page", need_id=need_id))


@blueprint.post("/needs/<int(max=2147483647):need_id>/delete")
@require(Action.MATCH)
def delete_need(need_id: int):
    if request.form.get("sure") != "1":
        flash("削除するときは「元に戻せないことを確かめました」に印をつけてください。")
        return redirect(url_for("matching.need_page", need_id=need_id))
    with common.storage().transaction() as db:
        intake.delete_need(
            db, need_id, staff=current_staff(), scope=common.scope(db), ip=client_ip()
        )
    flash(f"相談 {need_id} の記録を削除しました。")
    return redirect(url_for("matching.need_list"))


# --- volunteers ----------------------------------------------------------------------------


@blueprint.get("/volunteers")
@require(Action.MATCH)
def volunteer_list():
    staff = current_staff()
    with common.storage().transaction() as db:
        volunteers = people.list_volunteers(db, common.scope(db))
        areas = intake.area_names(db, [v.area_id for v in volunteers])
        rows = [
            documents.volunteer_row(v, common.vocabulary(), areas) for v in volunteers[:LIST_LIMIT]
        ]
        audit.record(db, staff, "view", entity="volunteer", ip=client_ip(), detail="担い手の一覧")
    return render_template(
        "staff/volunteers.html", title="担い手の一覧", rows=rows, total=len(volunteers),
        limit=LIST_LIMIT,
    )  # fmt: skip


def _volunteer_form(values, *, volunteer_id=None, version=None, problems=None, status=200):
    if isinstance(values.get("skills"), str):
        values = {**values, "skills": [k for k in values["skills"].split("、") if k]}
    return render_template(
        "staff/volunteer_form.html",
        title="担い手の登録" if volunteer_id is None else "担い手の記録を変える",
        volunteer_id=volunteer_id, values=values, version=version, problems=problems or {},
        labels=intake.VOLUNTEER_LABELS, skills=_skills(),
        modes=[(m.value, label) for m, label in TRAVEL_MODE_LABELS.items()],
        statuses=[(s.value, label) for s, label in VOLUNTEER_STATUS_LABELS.items()],
        places=_place_names(), **_map_settings(),
    ), status  # fmt: skip


@blueprint.get("/volunteers/new")
@require(Action.MATCH)
def new_volunteer():
    return _volunteer_form({"travel_mode": "walk", "capacity": "1", "status": "active"})


@blueprint.post("/volunteers/new")
@require(Action.MATCH)
def create_volunteer():
    texts = _form_texts(intake.VOLUNTEER_LABELS, lists=("skills",))
    try:
        with common.storage().transaction() as db:
            saved = intake.save_volunteer(
                db, common.vocabulary(), common.settings(), texts, staff=current_staff(),
                scope=common.scope(db), place=common.place, ip=client_ip(),
            )  # fmt: skip
    except intake.IntakeProblem as problem:
        return _volunteer_form(texts, problems=problem.problems, status=_status(problem))
    flash("担い手を登録しました。")
    return redirect(url_for("matching.volunteer_page", volunteer_id=saved.id))


@blueprint.get("/volunteers/<int(max=2147483647):volunteer_id>")
@require(Action.MATCH)
def volunteer_page(volunteer_id: int):
    with common.storage().transaction() as db:
        volunteer = people.view_volunteer(
            db, current_staff(), volunteer_id, common.scope(db), what="担い手の記録", ip=client_ip()
        )
        document = documents.volunteer_document(db, volunteer, common.vocabulary())
    return render_template(
        "staff/volunteer.html", title=f"担い手 {volunteer_id}", volunteer=document
    )


@blueprint.get("/volunteers/<int(max=2147483647):volunteer_id>/edit")
@require(Action.MATCH)
def edit_volunteer(volunteer_id: int):
    with common.storage().transaction() as db:
        volunteer = people.view_volunteer(
            db, current_staff(), volunteer_id, common.scope(db), what="担い手の変更", ip=client_ip()
        )
        values, version = intake.volunteer_texts(volunteer), intake.version_of(volunteer)
    return _volunteer_form(values, volunteer_id=volunteer_id, version=version)


@blueprint.post("/volunteers/<int(max=2147483647):volunteer_id>/edit")
@require(Action.MATCH)
def save_volunteer(volunteer_id: int):
    texts = _form_texts(intake.VOLUNTEER_LABELS, lists=("skills",))
    version = request.form.get("version", "")
    try:
        with common.storage().transaction() as db:
            saved = intake.save_volunteer(
                db, common.vocabulary(), common.settings(), texts, staff=current_staff(),
                scope=common.scope(db), place=common.place, volunteer_ref=volunteer_id,
                based_on=version, ip=client_ip(),
            )  # fmt: skip
    except intake.IntakeProblem as problem:
        return _volunteer_form(
            texts, volunteer_id=volunteer_id, version=version, problems=problem.problems,
            status=_status(problem),
        )  # fmt: skip
    except intake.StaleRecord as stale:
        return _volunteer_form(
            texts, volunteer_id=volunteer_id, version=version,
            problems={"version": str(stale)}, status=409,
        )  # fmt: skip
    flash("保存しました。" if saved.changed else "変更はありませんでした。")
    return redirect(url_for("matching.volunteer_page", volunteer_id=volunteer_id))


@blueprint.post("/volunteers/<int(max=2147483647):volunteer_id>/points")
@require(Action.MATCH)
def redeem_points(volunteer_id: int):
    staff = current_staff()
    text = request.form.get("points", "").strip()[:6]
    try:
        if not text.isdigit():
            raise MatchingProblem("交換するポイントを数字で書いてください")
        with common.storage().transaction() as db:
            people.volunteer_by_id(db, volunteer_id, common.scope(db))
            left = cases.redeem_points(
                db, volunteer_id, int(text), staff,
                reason=request.form.get("reason", "").strip()[:200] or "交換",
            )  # fmt: skip
            audit.record(
                db, staff, "update", entity="volunteer", entity_id=volunteer_id,
                ip=client_ip(), detail=f"ポイント交換 {text}",
            )  # fmt: skip
    except people.NotInScope:
        raise
    except MatchingProblem as problem:
        flash(f"交換できませんでした: {problem}")
    else:
        flash(f"{text} ポイントを交換しました（残り {left}）。")
    return redirect(url_for("matching.volunteer_page", volunteer_id=volunteer_id))


@blueprint.post("/volunteers/<int(max=2147483647):volunteer_id>/delete")
@require(Action.MATCH)
def delete_volunteer(volunteer_id: int):
    back = redirect(url_for("matching.volunteer_page", volunteer_id=volunteer_id))
    if request.form.get("sure") != "1":
        flash("削除するときは「元に戻せないことを確かめました」に印をつけてください。")
        return back
    try:
        with common.storage().transaction() as db:
            intake.delete_volunteer(
                db, volunteer_id, staff=current_staff(), scope=common.scope(db), ip=client_ip()
            )
    except people.NotInScope:
        raise
    except MatchingProblem as problem:
        flash(f"削除できませんでした: {problem}")
        return back
    flash(f"担い手 {volunteer_id} の記録を削除しました。")
    return redirect(url_for("matching.volunteer_list"))


# --- lists as CSV, for the coordinator's own Excel ---------------------------------------


@blueprint.get("/needs.csv")
@require(Action.MATCH)
def needs_csv():
    """The needs of one's areas (all states) with the headers `import-needs` reads."""
    with common.storage().transaction() as db:
        needs = people.list_needs(db, common.scope(db))
        return _people_csv(db, "need", needs, "相談の一覧", "needs")


@blueprint.get("/volunteers.csv")
@require(Action.MATCH)
def volunteers_csv():
    """The volunteers of one's areas with the headers `import-volunteers` reads."""
    with common.storage().transaction() as db:
        volunteers = people.list_volunteers(db, common.scope(db))
        return _people_csv(db, "volunteer", volunteers, "担い手の名簿", "volunteers")


def _people_csv(db, entity: str, rows, name: str, ascii_name: str):
    import io

    from mapapp.matching.export import write_needs_csv, write_volunteers_csv
    from mapapp.web.staff_exports import content_disposition

    stream = io.BytesIO()
    write = write_needs_csv if entity == "need" else write_volunteers_csv
    count = write(stream, rows, common.vocabulary())
    audit.record(
        db, current_staff(), "export", entity=entity, ip=client_ip(),
        detail=f"{name}（CSV、{count} 件）",
    )  # fmt: skip
    day = today().strftime("%Y%m%d")
    return (
        stream.getvalue(),
        200,
        {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": content_disposition(
                f"{name}_{day}.csv", f"{ascii_name}_{day}.csv"
            ),
        },
    )


# --- the batch proposal --------------------------------------------------------------------


@blueprint.get("/batch")
@require(Action.MATCH)
def batch_page():
    staff = current_staff()
    kind = common.vocabulary().need_kind(request.args.get("kind", "")[:40])
    day = _as_of()
    result = None
    with common.storage().transaction() as db:
        scope = common.scope(db)
        areas = [
            a
            for a in db.scalars(
                select(Area).where(Area.layer == Layer.DAILY_LIFE).order_by(Area.name)
            )
            if scope is None or a.id in scope
        ]
        area_id = _int_or_none_page(request.args.get("area", ""))
        if area_id is not None and area_id not in {a.id for a in areas}:
            raise people.NotInScope("area")
        if kind:
            found = propose_batch(
                db, common.vocabulary(), kind, area_id=area_id, as_of=day,
                settings=common.settings(), scope=scope,
            )  # fmt: skip
            result = _batch_view(db, found)
            audit.record(
                db, staff, "view", entity="need", ip=client_ip(),
                detail=f"割り当て案 {kind}（{len(found.needs)} 件）",
            )  # fmt: skip
    return render_template(
        "staff/batch.html", title="まとめて割り当て案", kinds=_need_kinds(), kind=kind or "",
        areas=areas, area_id=area_id, as_of=day.isoformat(), result=result,
    )  # fmt: skip


def _int_or_none_page(text: str) -> int | None:
    try:
        return _int_or_none(text[:12])
    except MatchingProblem:
        abort(400)


def _batch_view(db, found) -> dict:
    out = found.to_json()
    from mapapp.models import Need, Volunteer

    need_ids = [a["need"]["id"] for a in out["assignments"]] + [u["id"] for u in out["unassigned"]]
    volunteer_ids = [a["volunteer"]["id"] for a in out["assignments"]]
    need_labels = dict(db.execute(select(Need.id, Need.label).where(Need.id.in_(need_ids))).all())
    volunteer_labels = dict(
        db.execute(
            select(Volunteer.id, Volunteer.label).where(Volunteer.id.in_(volunteer_ids))
        ).all()
    )
    for a in out["assignments"]:
        a["need"]["label"] = need_labels.get(a["need"]["id"], "")
        a["volunteer"]["label"] = volunteer_labels.get(a["volunteer"]["id"], "")
    for u in out["unassigned"]:
        u["label"] = need_labels.get(u["id"], "")
    return out


@blueprint.post("/batch")
@require(Action.MATCH)
def accept_batch():
    """Propose the pairs the coordinator kept ticked (each checked again on the day)."""
    staff = current_staff()
    pairs = []
    for value in request.form.getlist("pair")[:5000]:
        need_text, _, volunteer_text = value.partition(":")
        if need_text.isdigit() and volunteer_text.isdigit():
            pairs.append((int(need_text), int(volunteer_text)))
    made, problems = 0, []
    day = _as_of()
    for need_id, volunteer_id in pairs:
        try:
            with common.storage().transaction() as db:
                scope = common.scope(db)
                need = people.need_by_id(db, need_id, scope)
                proposal = cases.propose(
                    db, common.vocabulary(), need, volunteer_id=volunteer_id, staff=staff,
                    as_of=day, settings=common.settings(), scope=scope,
                )  # fmt: skip
                audit.record(
                    db, staff, "create", entity="proposal", entity_id=proposal.id,
                    ip=client_ip(), detail="まとめて割り当て",
                )  # fmt: skip
            made += 1
        except MatchingProblem as problem:
            problems.append(f"相談 {need_id}: {problem}")
    flash(f"{made} 件を候補に挙げました。" + (" " + " / ".join(problems[:10]) if problems else ""))
    return redirect(url_for("matching.need_list"))
