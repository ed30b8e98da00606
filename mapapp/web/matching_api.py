"""The staff JSON API for matching under /api/staff: needs (相談受付) and volunteers (担い手)
listed, read, recorded and changed over a version; the candidates of a need; the case from
proposal to done; points; follow-ups; and the batch proposal. The same records as the staff
pages (mapapp.web.matching), in the same dictionaries (mapapp.matching.documents).

Everything here is personal data: every route needs Action.MATCH (管理者, and coordinators for
their own areas; 閲覧 never). A record outside the viewer's areas answers 404, as one that does
not exist, so that nothing can be inferred, and the refusal is in the audit log; every view of
a person's record is in the audit log. Answers that are not 2xx use the API's error shape:
400 ``invalid_fields`` with ``fields`` (field → a Japanese reason) for what was sent, 403
``outside_areas`` for a place outside one's areas, 409 for what the case does not allow now
(``no_consent``, ``not_possible``, ``version_conflict``), 428 for a change without its version.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, jsonify, request, url_for

from mapapp import audit
from mapapp.matching import MatchingProblem, cases, documents, intake, people
from mapapp.matching.batch import propose_batch
from mapapp.matching.candidates import find_candidates
from mapapp.models import (
    NEED_STATUS_LABELS,
    Area,
    Layer,
    NeedStatus,
    Proposal,
    ProposalStatus,
    Resource,
)
from mapapp.permissions import Action
from mapapp.web.auth import client_ip, current_staff, require
from mapapp.web.errors import BadParameter, api_error
from mapapp.web.matching_common import (
    log_refusal,
    place,
    scope,
    settings,
    storage,
    vocabulary,
    volunteer_labels,
)
from mapapp.web.params import MAX_ID
from mapapp.web.query import request_args, today

blueprint = Blueprint("matching_api", __name__)
_NO_OPTIONS = {"provide_automatic_options": False}
MAX_BODY_BYTES = 64 * 1024
OPEN = (NeedStatus.RECEIVED, NeedStatus.ARRANGING, NeedStatus.ARRANGED)  # as the page's 対応中
NOT_FOUND = "お探しのものは見つかりませんでした。"
VERSION_REQUIRED = "もとにした版を If-Match か version で指定してください"
STALE = (
    "ほかの人が先にこの記録を変更しました。最新の内容を読み込んでから、もう一度変更してください。"
)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII only: int() would also take "٣"
_SHOWN = 40  # characters of an unknown field's name repeated in a message


# --- answers -------------------------------------------------------------------------------


@blueprint.errorhandler(people.NotInScope)
def _not_in_scope(exc):
    log_refusal()
    return api_error(404, "not_found", NOT_FOUND)


@blueprint.errorhandler(intake.IntakeProblem)
def _invalid_fields(exc: intake.IntakeProblem):
    status, code = (403, "outside_areas") if exc.outside_scope else (400, "invalid_fields")
    body = {"status": status, "code": code, "message": str(exc), "fields": exc.problems}
    if exc.problems:
        body["field"] = next(iter(exc.problems))
    return jsonify({"error": body}), status


@blueprint.errorhandler(people.NoConsent)
def _no_consent(exc):
    return api_error(409, "no_consent", str(exc))


@blueprint.errorhandler(MatchingProblem)
def _not_possible(exc):
    return api_error(409, "not_possible", str(exc))


@blueprint.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"  # personal data: never in a shared cache
    return response


def _with_etag(body: dict, status: int = 200):
    response = jsonify(body)
    response.status_code = status
    response.headers["ETag"] = f'"{body["version"]}"'
    return response


def _stale(current_version: str):
    body = {
        "status": 409, "code": "version_conflict", "message": STALE,
        "current_version": current_version,
    }  # fmt: skip
    return jsonify({"error": body}), 409


# --- what was sent -------------------------------------------------------------------------


def _problem(field: str, reason: str):
    return intake.IntakeProblem({field: reason})


def _body(allowed, *, required: bool = True) -> dict:
    """The JSON object sent, with only ``allowed`` names (IntakeProblem otherwise)."""
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        raise _problem("body", "送られたデータが大きすぎます")
    if not required and not request.get_data():
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise _problem("body", "JSON のオブジェクトを送ってください")
    unknown = [name for name in data if name not in allowed]
    if unknown:
        raise intake.IntakeProblem(
            {name[:_SHOWN]: f"「{name[:_SHOWN]}」という項目はありません" for name in unknown[:10]}
        )
    return data


def _texts(data: dict, labels: dict[str, str], lists: tuple[str, ...]) -> dict:
    """The form's texts from a JSON object: numbers as written, 本人の同意 as true/false (or
    あり/なし), ``lists`` as an array or one text separated by 、."""
    texts, problems = {}, {}
    for name, value in data.items():
        if name not in labels:
            continue
        if value is None:
            value = ""
        elif isinstance(value, bool):
            if name != "consent":
                problems[name] = f"{labels[name]}は文字で書いてください"
                continue
            value = "あり" if value else "なし"
        elif isinstance(value, int | float):
            value = str(value)
        elif isinstance(value, list) and name in lists:
            if not all(isinstance(item, str) for item in value):
                problems[name] = f"{labels[name]}は文字の配列で書いてください"
                continue
        elif not isinstance(value, str):
            problems[name] = f"{labels[name]}は文字で書いてください"
            continue
        texts[name] = value
    if problems:
        raise intake.IntakeProblem(problems)
    return texts


def _text(data: dict, name: str, what: str, limit: int) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _problem(name, f"{what}は文字で書いてください")
    return value.strip()[:limit]


def _date(data: dict, name: str, what: str) -> dt.date | None:
    """A date written 2026-12-01; None when not given (or given empty or null)."""
    text = _text(data, name, what, 20)
    if not text:
        return None
    if _ISO_DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise _problem(name, f"{what}は 2026-12-01 の形で、ある日付を書いてください")


def _id(data: dict, name: str, what: str) -> int | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise _problem(name, f"{what}は ID（整数）で書いてください")
    return value


def _based_on(data: dict) -> str | None:
    """The version a change was based on: If-Match: "VERSION" or a ``version`` field."""
    header = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    value = header or data.get("version")
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _problem("version", "版（version）は GET で受け取った文字のまま書いてください")
    return value


def _in(db, area_id: int | None):
    """The viewer's scope narrowed to an area (with its 第2層 areas when it is of 第1層)."""
    wanted = scope(db)
    if area_id is None:
        return wanted
    area = people.expand_scope(db, {area_id})
    return area if wanted is None else wanted & area


# --- needs ---------------------------------------------------------------------------------


def _statuses(values: tuple[str, ...]):
    """None for every status; else the statuses asked for (``open``: 受付・調整中・手配済)."""
    if "all" in values:
        return None
    wanted = []
    for value in values or ("open",):
        wanted.extend(OPEN if value == "open" else (NeedStatus(value),))
    return tuple(dict.fromkeys(wanted))


@blueprint.get("/needs", **_NO_OPTIONS)
@require(Action.MATCH)
def need_list():
    args = request_args()
    kind = None
    if args["kind"]:
        kind = vocabulary().need_kind(args["kind"])
        if kind is None:
            raise BadParameter(
                "kind",
                f"困りごと（kind）「{args['kind'][:_SHOWN]}」がわかりません（コード・名前で）",
            )
    start, limit = args["offset"], args["limit"]
    with storage().transaction() as db:
        needs = people.list_needs(
            db, _in(db, args["area"]), statuses=_statuses(args["status"]), kind=kind
        )
        shown = needs[start : start + limit]
        areas = intake.area_names(db, [n.area_id for n in shown])
        rows = [documents.need_row(n, vocabulary(), areas) for n in shown]
        audit.record(
            db, current_staff(), "view", entity="need", ip=client_ip(), detail="ニーズの一覧（API）"
        )
    return jsonify({"needs": rows, "total": len(needs), "limit": limit, "offset": start})


@blueprint.get("/needs/follow-ups", **_NO_OPTIONS)
@require(Action.MATCH)
def follow_ups():
    with storage().transaction() as db:
        due = people.follow_ups(db, scope(db), today())
        areas = intake.area_names(db, [n.area_id for n in due.today + due.this_week])
        body = {
            "today": [documents.need_row(n, vocabulary(), areas) for n in due.today],
            "this_week": [documents.need_row(n, vocabulary(), areas) for n in due.this_week],
        }
        audit.record(
            db, current_staff(), "view", entity="need", ip=client_ip(),
            detail="次回確認の一覧（API）",
        )  # fmt: skip
    return jsonify(body)


def _need_answer(need_id: int, status: int = 200, **extra):
    """The need as it is now (after a save), with its version as the ETag."""
    with storage().reading() as db:
        need = people.need_by_id(db, need_id, scope(db))
        body = documents.need_document(db, need, vocabulary())
    return _with_etag(body | extra, status)


@blueprint.post("/needs", **_NO_OPTIONS)
@require(Action.MATCH)
def create_need():
    data = _body({*intake.NEED_LABELS, "version"})  # a version sent along is not needed
    texts = _texts(data, intake.NEED_LABELS, ("kinds",))
    with storage().transaction() as db:
        saved = intake.save_need(
            db, vocabulary(), texts, staff=current_staff(), scope=scope(db), today=today(),
            place=place, ip=client_ip(),
        )  # fmt: skip
    response = _need_answer(saved.id, 201)
    response.headers["Location"] = url_for("matching_api.need", need_id=saved.id)
    return response


@blueprint.get("/needs/<int(max=2147483647):need_id>", **_NO_OPTIONS)
@require(Action.MATCH)
def need(need_id: int):
    with storage().transaction() as db:
        found = people.view_need(
            db, current_staff(), need_id, scope(db), what="相談の記録（API）", ip=client_ip()
        )
        body = documents.need_document(db, found, vocabulary())
    return _with_etag(body)


@blueprint.patch("/needs/<int(max=2147483647):need_id>", **_NO_OPTIONS)
@require(Action.MATCH)
def change_need(need_id: int):
    data = _body({*intake.NEED_LABELS, "version"})
    based_on = _based_on(data)
    if based_on is None:
        return api_error(428, "version_required", VERSION_REQUIRED)
    changes = _texts(data, intake.NEED_LABELS, ("kinds",))
    staff = current_staff()
    try:
        with storage().transaction() as db:
            viewer_scope = scope(db)
            found = people.view_need(
                db, staff, need_id, viewer_scope, what="相談の変更（API）", ip=client_ip()
            )
            # The fields not sent stay as they are (つなぎ先 changes with the status only).
            texts = {**intake.need_texts(found), "referred_to": found.referred_to, **changes}
            saved = intake.save_need(
                db, vocabulary(), texts, staff=staff, scope=viewer_scope, today=today(),
                place=place, need_ref=need_id, based_on=based_on, ip=client_ip(),
            )  # fmt: skip
    except intake.StaleRecord:
        with storage().reading() as db:
            return _stale(intake.version_of(people.need_by_id(db, need_id, scope(db))))
    return _need_answer(need_id, changed=saved.changed)


@blueprint.delete("/needs/<int(max=2147483647):need_id>", **_NO_OPTIONS)
@require(Action.MATCH)
def delete_need(need_id: int):
    """The need's record deleted for good, with its status history and cases."""
    with storage().transaction() as db:
        intake.delete_need(db, need_id, staff=current_staff(), scope=scope(db), ip=client_ip())
    return "", 204


@blueprint.post("/needs/<int(max=2147483647):need_id>/status", **_NO_OPTIONS)
@require(Action.MATCH)
def change_need_status(need_id: int):
    data = _body({"status", "note", "referred_to", "follow_up_on"})
    status = _text(data, "status", "状態（status）", 20)
    if status and status not in NeedStatus._value2member_map_:
        codes = "・".join(f"{s.value}（{label}）" for s, label in NEED_STATUS_LABELS.items())
        raise _problem("status", f"状態（status）は {codes} のどれかにしてください")
    if not status and "follow_up_on" not in data:
        raise _problem("status", "状態（status）か次回確認日（follow_up_on）を指定してください")
    follow_up = _date(data, "follow_up_on", "次回確認日（follow_up_on）")
    note = _text(data, "note", "メモ（note）", 1000)
    referred_to = _text(data, "referred_to", "つなぎ先（referred_to）", 200)
    staff = current_staff()
    with storage().transaction() as db:
        found = people.view_need(
            db, staff, need_id, scope(db), what="相談の状態（API）", ip=client_ip()
        )
        if status and status != found.status:
            cases.change_need_status(
                db, found, NeedStatus(status), staff, note=note, referred_to=referred_to
            )
        if "follow_up_on" in data and found.follow_up_on != follow_up:
            found.follow_up_on = follow_up
            audit.record(
                db, staff, "update", entity="need", entity_id=need_id, ip=client_ip(),
                detail=f"次回確認日 {follow_up or 'なし'}",
            )  # fmt: skip
    return _need_answer(need_id)


@blueprint.get("/needs/<int(max=2147483647):need_id>/candidates", **_NO_OPTIONS)
@require(Action.MATCH)
def candidates(need_id: int):
    """As ``mapapp candidates NEED --json``, with each volunteer's name (``label``)."""
    args = request_args()
    with storage().transaction() as db:
        viewer_scope = scope(db)
        found = people.view_need(
            db, current_staff(), need_id, viewer_scope, what="候補の表示（API）", ip=client_ip()
        )
        result = find_candidates(
            db, vocabulary(), found, as_of=args["as_of"] or today(), settings=settings(),
            scope=viewer_scope,
        )  # fmt: skip
        body = result.to_json(with_excluded=args["excluded"])
        people_listed = body["volunteers"] + body.get("excluded", [])
        labels = volunteer_labels(db, [v["id"] for v in people_listed])
    for v in people_listed:
        v["label"] = labels.get(v["id"], "")
    return jsonify(body)


@blueprint.post("/needs/<int(max=2147483647):need_id>/proposals", **_NO_OPTIONS)
@require(Action.MATCH)
def propose(need_id: int):
    data = _body({"volunteer_id", "resource_id", "as_of"})
    volunteer_id = _id(data, "volunteer_id", "担い手（volunteer_id）")
    resource_id = _id(data, "resource_id", "資源（resource_id）")
    if (volunteer_id is None) == (resource_id is None):
        raise _problem(
            "volunteer_id",
            "担い手（volunteer_id）か資源（resource_id）のどちらか一つを指定してください",
        )
    day = _date(data, "as_of", "基準日（as_of）") or today()
    staff = current_staff()
    with storage().transaction() as db:
        viewer_scope = scope(db)
        found = people.need_by_id(db, need_id, viewer_scope)
        if resource_id is not None and db.get(Resource, resource_id) is None:
            raise _problem("resource_id", f"資源 {resource_id} はありません")
        proposal = cases.propose(
            db, vocabulary(), found, volunteer_id=volunteer_id, resource_id=resource_id,
            staff=staff, as_of=day, settings=settings(), scope=viewer_scope,
        )  # fmt: skip
        audit.record(
            db, staff, "create", entity="proposal", entity_id=proposal.id, ip=client_ip(),
            detail="API",
        )  # fmt: skip
        body = _proposal(db, proposal)
    response = jsonify(body)
    response.status_code = 201
    return response


def _proposal(db, proposal: Proposal) -> dict:
    db.flush()
    return next(
        p for p in documents.proposals_of(db, need_id=proposal.need_id) if p["id"] == proposal.id
    )


# --- the case, step by step ----------------------------------------------------------------


def _step(proposal_id: int, to: ProposalStatus):
    """Record a step of the case (cases.STEPS says from which statuses it may be taken)."""
    note = _text(_body({"note"}, required=False), "note", "メモ（note）", 1000)
    staff = current_staff()
    with storage().transaction() as db:
        proposal = people.proposal_by_id(db, proposal_id, scope(db))
        cases.take_step(db, proposal, to, staff, note=note, settings=settings())
        return jsonify(_proposal(db, proposal))


_PROPOSAL = "/proposals/<int(max=2147483647):proposal_id>"


@blueprint.post(f"{_PROPOSAL}/asked", **_NO_OPTIONS)
@require(Action.MATCH)
def proposal_asked(proposal_id: int):
    return _step(proposal_id, ProposalStatus.ASKED)


@blueprint.post(f"{_PROPOSAL}/accepted", **_NO_OPTIONS)
@require(Action.MATCH)
def proposal_accepted(proposal_id: int):
    return _step(proposal_id, ProposalStatus.ACCEPTED)


@blueprint.post(f"{_PROPOSAL}/declined", **_NO_OPTIONS)
@require(Action.MATCH)
def proposal_declined(proposal_id: int):
    return _step(proposal_id, ProposalStatus.DECLINED)


@blueprint.post(f"{_PROPOSAL}/done", **_NO_OPTIONS)
@require(Action.MATCH)
def proposal_done(proposal_id: int):
    return _step(proposal_id, ProposalStatus.DONE)


@blueprint.post(f"{_PROPOSAL}/cancelled", **_NO_OPTIONS)
@require(Action.MATCH)
def proposal_cancelled(proposal_id: int):
    return _step(proposal_id, ProposalStatus.CANCELLED)


# --- volunteers ----------------------------------------------------------------------------


@blueprint.get("/volunteers", **_NO_OPTIONS)
@require(Action.MATCH)
def volunteer_list():
    args = request_args()
    start, limit = args["offset"], args["limit"]
    with storage().transaction() as db:
        volunteers = people.list_volunteers(db, _in(db, args["area"]))
        shown = volunteers[start : start + limit]
        areas = intake.area_names(db, [v.area_id for v in shown])
        rows = [documents.volunteer_row(v, vocabulary(), areas) for v in shown]
        audit.record(
            db, current_staff(), "view", entity="volunteer", ip=client_ip(),
            detail="担い手の一覧（API）",
        )  # fmt: skip
    return jsonify({"volunteers": rows, "total": len(volunteers), "limit": limit, "offset": start})


def _volunteer_answer(volunteer_id: int, status: int = 200, **extra):
    with storage().reading() as db:
        found = people.volunteer_by_id(db, volunteer_id, scope(db))
        body = documents.volunteer_document(db, found, vocabulary())
    return _with_etag(body | extra, status)


@blueprint.post("/volunteers", **_NO_OPTIONS)
@require(Action.MATCH)
def create_volunteer():
    data = _body({*intake.VOLUNTEER_LABELS, "version"})
    texts = _texts(data, intake.VOLUNTEER_LABELS, ("skills",))
    with storage().transaction() as db:
        saved = intake.save_volunteer(
            db, vocabulary(), settings(), texts, staff=current_staff(), scope=scope(db),
            place=place, ip=client_ip(),
        )  # fmt: skip
    response = _volunteer_answer(saved.id, 201)
    response.headers["Location"] = url_for("matching_api.volunteer", volunteer_id=saved.id)
    return response


@blueprint.get("/volunteers/<int(max=2147483647):volunteer_id>", **_NO_OPTIONS)
@require(Action.MATCH)
def volunteer(volunteer_id: int):
    with storage().transaction() as db:
        found = people.view_volunteer(
            db, current_staff(), volunteer_id, scope(db), what="担い手の記録（API）",
            ip=client_ip(),
        )  # fmt: skip
        body = documents.volunteer_document(db, found, vocabulary())
    return _with_etag(body)


@blueprint.patch("/volunteers/<int(max=2147483647):volunteer_id>", **_NO_OPTIONS)
@require(Action.MATCH)
def change_volunteer(volunteer_id: int):
    data = _body({*intake.VOLUNTEER_LABELS, "version"})
    based_on = _based_on(data)
    if based_on is None:
        return api_error(428, "version_required", VERSION_REQUIRED)
    changes = _texts(data, intake.VOLUNTEER_LABELS, ("skills",))
    staff = current_staff()
    try:
        with storage().transaction() as db:
            viewer_scope = scope(db)
            found = people.view_volunteer(
                db, staff, volunteer_id, viewer_scope, what="担い手の変更（API）", ip=client_ip()
            )
            texts = {**intake.volunteer_texts(found), **changes}
            saved = intake.save_volunteer(
                db, vocabulary(), settings(), texts, staff=staff, scope=viewer_scope,
                place=place, volunteer_ref=volunteer_id, based_on=based_on, ip=client_ip(),
            )  # fmt: skip
    except intake.StaleRecord:
        with storage().reading() as db:
            current = people.volunteer_by_id(db, volunteer_id, scope(db))
            return _stale(intake.version_of(current))
    return _volunteer_answer(volunteer_id, changed=saved.changed)


@blueprint.delete("/volunteers/<int(max=2147483647):volunteer_id>", **_NO_OPTIONS)
@require(Action.MATCH)
def delete_volunteer(volunteer_id: int):
    """The volunteer's record deleted for good (409 while a case of theirs is open)."""
    with storage().transaction() as db:
        intake.delete_volunteer(
            db, volunteer_id, staff=current_staff(), scope=scope(db), ip=client_ip()
        )
    return "", 204


@blueprint.post("/volunteers/<int(max=2147483647):volunteer_id>/points", **_NO_OPTIONS)
@require(Action.MATCH)
def redeem_points(volunteer_id: int):
    data = _body({"points", "reason"})
    points = data.get("points")
    if isinstance(points, str) and _DIGITS.fullmatch(points.strip()):
        points = int(points.strip())
    if isinstance(points, bool) or not isinstance(points, int) or not 1 <= points <= 999_999:
        raise _problem("points", "交換するポイント（points）を 1 以上の整数で書いてください")
    reason = _text(data, "reason", "交換の内容（reason）", 200) or "交換"
    staff = current_staff()
    with storage().transaction() as db:
        people.volunteer_by_id(db, volunteer_id, scope(db))
        left = cases.redeem_points(db, volunteer_id, points, staff, reason=reason)
        audit.record(
            db, staff, "update", entity="volunteer", entity_id=volunteer_id, ip=client_ip(),
            detail=f"ポイント交換 {points}",
        )  # fmt: skip
    return jsonify({"id": volunteer_id, "redeemed": points, "points": left})


# --- the batch proposal --------------------------------------------------------------------


@blueprint.post("/batch", **_NO_OPTIONS)
@require(Action.MATCH)
def batch_proposal():
    """The optimal assignment for the open needs of a kind (as ``mapapp propose --json``),
    within the viewer's areas: a proposal only, nothing is written but the audit log."""
    data = _body({"kind", "area", "as_of"})
    kind_text = _text(data, "kind", "困りごと（kind）", 40)
    kind = vocabulary().need_kind(kind_text) if kind_text else None
    if kind is None:
        raise _problem(
            "kind",
            f"困りごと（kind）「{kind_text}」がわかりません（コード・名前・別名で書いてください）"
            if kind_text
            else "困りごと（kind）を指定してください",
        )
    area_id = _id(data, "area", "区域（area）")
    day = _date(data, "as_of", "基準日（as_of）") or today()
    with storage().transaction() as db:
        viewer_scope = scope(db)
        if area_id is not None:
            area = db.get(Area, area_id)
            if area is None or (viewer_scope is not None and area_id not in viewer_scope):
                raise people.NotInScope(f"区域 {area_id}")
            if area.layer != Layer.DAILY_LIFE:
                raise _problem("area", "区域（area）は第2層（日常生活圏域）の区域にしてください")
        found = propose_batch(
            db, vocabulary(), kind, area_id=area_id, as_of=day, settings=settings(),
            scope=viewer_scope,
        )  # fmt: skip
        audit.record(
            db, current_staff(), "view", entity="need", ip=client_ip(),
            detail=f"割り当て案 {kind}（{len(found.needs)} 件、API）",
        )  # fmt: skip
    return jsonify(found.to_json())
