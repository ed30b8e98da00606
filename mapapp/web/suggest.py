"""Residents send a correction of a place (「情報の修正を送る」) or a new place (「新しい場所を
知らせる」) without an account. Kept from spam without outside services: a hidden field people
leave empty, a signed form token that must be a few seconds old and at most two hours, and a
limit per sender address. Nothing sent is shown publicly.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from mapapp import corrections
from mapapp.history import FIELD_LABELS
from mapapp.models import STATUS_LABELS, Resource
from mapapp.privacy import is_private_home
from mapapp.storage import get_storage
from mapapp.web.auth import client_ip

blueprint = Blueprint("suggest", __name__)
HONEYPOT = "website"  # hidden from people; a bot fills it
MIN_SECONDS = 3  # a person takes longer than this to read and fill the form
MAX_SECONDS = 2 * 60 * 60


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="mapapp-suggestion")


def _form_token(resource_id: int | None) -> str:
    return _serializer().dumps({"r": resource_id or 0})


def _token_problem(resource_id: int | None) -> str | None:
    """Why the form's token is refused, in Japanese; None when it is good."""
    import time

    try:
        data, issued = _serializer().loads(
            request.form.get("form_token", ""), max_age=MAX_SECONDS, return_timestamp=True
        )
    except SignatureExpired:
        return "画面を開いてから時間がたちすぎました。お手数ですが、もう一度書いてください。"
    except BadSignature:
        return "この画面からは送れませんでした。ページを開き直してください。"
    if not isinstance(data, dict) or data.get("r") != (resource_id or 0):
        return "この画面からは送れませんでした。ページを開き直してください。"
    if time.time() - issued.timestamp() < MIN_SECONDS:
        return "送るのが早すぎました。内容を確かめてから、もう一度「送る」を押してください。"
    return None


def _page(resource, values, *, problems=None, sent=False, status=200):
    fields = corrections.CORRECTABLE if resource is not None else corrections.NEW_PLACE
    shown = [f for f in fields if not (resource is not None and _hidden(resource, f))]
    return render_template(
        "suggest.html",
        title="情報の修正を送る" if resource is not None else "新しい場所を知らせる",
        resource=resource, values=values, fields=shown, labels=FIELD_LABELS,
        problems=problems or {}, sent=sent, statuses=STATUS_LABELS,
        form_token=_form_token(resource.id if resource is not None else None),
        honeypot=HONEYPOT,
    ), status  # fmt: skip


def _hidden(resource: Resource, field: str) -> bool:
    """A private home's venue is never shown, so it is not offered for correction either."""
    return field == "venue" and is_private_home(resource.location_precision)


def _public_values(db, resource: Resource) -> dict[str, str]:
    from mapapp.editing import resource_texts
    from mapapp.privacy import shown_address

    values = resource_texts(db, resource)
    taxonomy = current_app.extensions["mapapp.taxonomy"]
    if taxonomy.has_kind(resource.kind):
        values["kind"] = taxonomy.kind(resource.kind).label
    values["address"] = shown_address(resource.address, resource.location_precision)
    if is_private_home(resource.location_precision):
        values["venue"] = ""
    return values


@blueprint.route("/resources/<int(max=2147483647):resource_id>/correction", methods=["GET", "POST"])
def correction(resource_id: int):
    with get_storage(current_app).reading() as db:
        resource = db.get(Resource, resource_id)
        if resource is None:
            abort(404)
        current = _public_values(db, resource)
    if request.method == "GET":
        return _page(resource, current)
    return _receive(resource, current)


@blueprint.route("/new-place", methods=["GET", "POST"])
def new_place():
    if request.method == "GET":
        return _page(None, {})
    return _receive(None, {})


def _new_place_point(resource, proposed) -> tuple[float, float] | None:
    """Where a new place lies, from its 会場 or address, so that the staff of that area see it
    (staff of the whole town see it either way)."""
    if resource is not None or not (proposed.get("address") or proposed.get("venue")):
        return None
    from mapapp.placement import Placed
    from mapapp.web.staff_api import find_point

    found = find_point(proposed.get("venue", ""), proposed.get("name", ""), proposed["address"])
    return (found.lat, found.lon) if isinstance(found, Placed) else None


def _receive(resource, current):
    fields = corrections.CORRECTABLE if resource is not None else corrections.NEW_PLACE
    values = {f: request.form.get(f, "")[: corrections.MAX_FIELD_CHARS + 1] for f in fields}
    if resource is not None and is_private_home(resource.location_precision):
        values.pop("venue", None)
    # Only what was changed from the page as shown counts as proposed.
    proposed = {k: v for k, v in values.items() if v.strip() != (current.get(k) or "").strip()}
    shown = {**current, **values}
    if request.form.get(HONEYPOT):
        return _page(resource, {}, sent=True)  # said to a bot as to a person; nothing kept
    problem = _token_problem(resource.id if resource is not None else None)
    if problem:
        return _page(resource, shown, problems={"form": problem}, status=400)
    try:
        with get_storage(current_app).transaction() as db:
            corrections.submit(
                db,
                resource_id=resource.id if resource is not None else None,
                proposed=proposed,
                message=request.form.get("message", "")[: corrections.MAX_MESSAGE_CHARS + 1],
                contact=request.form.get("contact", "")[: corrections.MAX_CONTACT_CHARS + 1],
                key=corrections.sender_key(current_app.config["SECRET_KEY"], client_ip()),
                per_hour=current_app.config["CORRECTIONS_PER_HOUR"],
                point=_new_place_point(resource, proposed),
            )
    except corrections.TooMany:
        message = "短い間にたくさん送られたため、受け付けませんでした。時間をおいてお試しください。"
        return _page(resource, shown, problems={"form": message}, status=429)
    except corrections.SuggestionProblem as exc:
        return _page(resource, shown, problems=exc.problems, status=400)
    return _page(resource, {}, sent=True)
