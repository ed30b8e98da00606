"""Corrections and new places sent in by residents, without an account: kept in a queue that
only staff of the area see, approved (as sent or edited), or rejected. Nothing sent is shown
publicly until staff approve it, and the sender's contact never is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mapapp import editing
from mapapp.areas import area_shapes
from mapapp.geo import areas_containing
from mapapp.history import FIELD_LABELS
from mapapp.models import Layer, Resource, Suggestion, SuggestionStatus, utcnow
from mapapp.taxonomy import Taxonomy
from mapapp.text import normalize_text

# What a resident may propose, with the label the form shows. Points, areas, precision and
# status dates stay with staff.
CORRECTABLE = (
    "name", "kind", "schedule_text", "closed_text", "fee_text", "target_text", "venue",
    "address", "public_contact", "url", "description", "status",
)  # fmt: skip
NEW_PLACE = ("name", "kind", "venue", "address", "schedule_text", "fee_text", "public_contact")
MAX_FIELD_CHARS = 1000
MAX_MESSAGE_CHARS = 2000
MAX_CONTACT_CHARS = 200


class SuggestionProblem(ValueError):
    """The form cannot be taken as sent; ``problems`` by field, in Japanese."""

    def __init__(self, problems: Mapping[str, str]):
        super().__init__("、".join(problems.values()))
        self.problems = dict(problems)


class TooMany(Exception):
    """This address sent too many suggestions lately."""


class SuggestionMissing(LookupError):
    pass


def sender_key(secret: str, address: str) -> str:
    """A keyed hash of the sender's network address: enough to limit how often one address
    sends, without keeping the address itself."""
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()


def submit(
    session: Session,
    *,
    resource_id: int | None,
    proposed: Mapping[str, str],
    message: str,
    contact: str,
    key: str,
    per_hour: int,
    point: tuple[float, float] | None = None,
) -> Suggestion:
    """Queue a correction (``resource_id``) or a new place (None)."""
    since = utcnow() - dt.timedelta(hours=1)
    recent = session.scalar(
        select(func.count()).where(Suggestion.sender_key == key, Suggestion.received_at >= since)
    )
    if recent >= per_hour:
        raise TooMany()
    allowed = CORRECTABLE if resource_id is not None else NEW_PLACE
    fields: dict[str, str] = {}
    problems: dict[str, str] = {}
    for name in allowed:
        value = normalize_text(str(proposed.get(name, "") or ""))
        if len(value) > MAX_FIELD_CHARS:
            problems[name] = f"{FIELD_LABELS[name]}が長すぎます（{MAX_FIELD_CHARS:,} 文字まで）"
        elif value:
            fields[name] = value
    message = normalize_text(message or "")
    if len(message) > MAX_MESSAGE_CHARS:
        problems["message"] = f"ご意見が長すぎます（{MAX_MESSAGE_CHARS:,} 文字まで）"
    contact = normalize_text(contact or "")
    if len(contact) > MAX_CONTACT_CHARS:
        problems["contact"] = f"連絡先が長すぎます（{MAX_CONTACT_CHARS} 文字まで）"
    base_version = area_id = None
    if resource_id is not None:
        resource = session.get(Resource, resource_id)
        if resource is None:
            raise SuggestionMissing(resource_id)
        current = editing.resource_texts(session, resource)
        fields = {k: v for k, v in fields.items() if v != current.get(k)}
        base_version = resource.version
        if not fields and not message:
            problems["form"] = "直すところを書いてください（変わっていません）"
    elif not fields.get("name"):
        problems["name"] = "名称を書いてください"
    if problems:
        raise SuggestionProblem(problems)
    if resource_id is None and point is not None:
        area_id = _daily_life_area(session, point)
    suggestion = Suggestion(
        resource_id=resource_id,
        base_version=base_version,
        proposed=json.dumps(fields, ensure_ascii=False),
        message=message,
        sender_contact=contact,
        sender_key=key,
        area_id=area_id,
    )
    session.add(suggestion)
    session.flush()
    return suggestion


def _daily_life_area(session: Session, point: tuple[float, float]) -> int | None:
    shapes = [s for s in area_shapes(session) if s.layer == Layer.DAILY_LIFE]
    found = areas_containing([point[0]], [point[1]], shapes)[0]
    return found[0].id if found else None


def get(session: Session, suggestion_id: int) -> Suggestion:
    suggestion = session.get(Suggestion, suggestion_id)
    if suggestion is None:
        raise SuggestionMissing(suggestion_id)
    return suggestion


def areas_of(session: Session, suggestion: Suggestion) -> frozenset[int]:
    """The areas a suggestion belongs to: its resource's, or where the new place would be."""
    if suggestion.resource_id is not None:
        return editing.current_areas(session, suggestion.resource_id)
    return frozenset({suggestion.area_id}) if suggestion.area_id else frozenset()


def pending(session: Session, scope: frozenset[int] | None) -> list[Suggestion]:
    """Waiting suggestions, oldest first; only those in ``scope`` (None: all)."""
    rows = session.scalars(
        select(Suggestion)
        .where(Suggestion.status == SuggestionStatus.PENDING)
        .order_by(Suggestion.id)
    ).all()
    if scope is None:
        return list(rows)
    return [s for s in rows if areas_of(session, s) & scope]


def proposed_fields(suggestion: Suggestion) -> dict[str, str]:
    try:
        data = json.loads(suggestion.proposed or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: str(v) for k, v in data.items() if k in CORRECTABLE}


def as_document(session: Session, suggestion: Suggestion) -> dict:
    """For staff: what was sent, as a diff against the current entry."""
    fields = proposed_fields(suggestion)
    current: dict[str, str] = {}
    name = fields.get("name", "")
    stale = False
    if suggestion.resource_id is not None:
        resource = session.get(Resource, suggestion.resource_id)
        if resource is not None:
            current = editing.resource_texts(session, resource)
            name = resource.name
            stale = resource.version != suggestion.base_version
    return {
        "id": suggestion.id,
        "resource_id": suggestion.resource_id,
        "name": name,
        "received_at": suggestion.received_at.isoformat(timespec="seconds"),
        "status": suggestion.status.value,
        "changed_since_sent": stale,
        "diff": [
            {
                "field": k,
                "label": FIELD_LABELS.get(k, k),
                "current": current.get(k, ""),
                "proposed": v,
            }
            for k, v in fields.items()
        ],  # fmt: skip
        "message": suggestion.message,
        "sender_contact": suggestion.sender_contact,
    }


def approve(
    session: Session,
    taxonomy: Taxonomy,
    suggestion: Suggestion,
    account_id: int,
    *,
    fields: Mapping[str, object] | None = None,
    note: str = "",
    may_keep: Callable[[frozenset[int]], bool] = lambda areas: True,
    today: dt.date | None = None,
    find_point=None,
) -> editing.Saved:
    """Apply the suggestion (or staff's edited ``fields``) to the resource, or create it."""
    _still_pending(suggestion)
    changes = dict(fields) if fields is not None else proposed_fields(suggestion)
    if suggestion.resource_id is not None:
        resource = session.get(Resource, suggestion.resource_id)
        if resource is None:
            raise SuggestionMissing(suggestion.id)
        saved = editing.save_resource(
            session, taxonomy, changes, resource_id=resource.id, based_on=resource.version,
            account_id=account_id, may_keep=may_keep, today=today, find_point=find_point,
        )  # fmt: skip
    else:
        changes.setdefault("kind", "")
        saved = editing.save_resource(
            session, taxonomy, changes, account_id=account_id, may_keep=may_keep, today=today,
            find_point=find_point,
        )  # fmt: skip
        suggestion.resource_id = saved.resource_id
    _close(suggestion, SuggestionStatus.APPROVED, account_id, note)
    return saved


def reject(session: Session, suggestion: Suggestion, account_id: int, note: str = "") -> None:
    _still_pending(suggestion)
    _close(suggestion, SuggestionStatus.REJECTED, account_id, note)


def _still_pending(suggestion: Suggestion) -> None:
    if suggestion.status != SuggestionStatus.PENDING:
        raise editing.EditProblem({"status": "この修正はもう対応済みです"})


def _close(suggestion: Suggestion, status: SuggestionStatus, account_id: int, note: str) -> None:
    suggestion.status = status
    suggestion.reviewed_by = account_id
    suggestion.reviewed_at = utcnow()
    suggestion.review_note = normalize_text(note)[:1000]
