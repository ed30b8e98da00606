"""What the staff pages for matching (mapapp.web.matching) and the staff API for matching
(mapapp.web.matching_api) share: the vocabulary, the settings, the viewer's scope, where an
address lies, and the refusal written to the audit log when a record is not the viewer's."""

from __future__ import annotations

from flask import current_app, request
from sqlalchemy import select

from mapapp import audit
from mapapp.matching import people
from mapapp.matching.settings import MatchSettings
from mapapp.matching.vocab import Vocabulary
from mapapp.models import Volunteer
from mapapp.permissions import area_scope
from mapapp.storage import get_storage
from mapapp.web.auth import client_ip, current_staff
from mapapp.web.staff_api import find_point


def storage():
    return get_storage(current_app)


def vocabulary() -> Vocabulary:
    extensions = current_app.extensions
    if "mapapp.vocabulary" not in extensions:
        extensions["mapapp.vocabulary"] = Vocabulary(extensions["mapapp.taxonomy"])
    return extensions["mapapp.vocabulary"]


def settings() -> MatchSettings:
    return MatchSettings.from_config(current_app.config)


def scope(db) -> frozenset[int] | None:
    """The areas whose people the viewer sees: None for the whole town; a coordinator's
    areas with the 第2層 areas inside any 第1層 area among them."""
    areas = area_scope(current_staff())
    return None if areas is None else people.expand_scope(db, areas)


def place(address: str):
    """Where an address lies, as list rows are placed (no online search from a request)."""
    return find_point("", "", address)


def volunteer_labels(db, ids) -> dict[int, str]:
    """id → the volunteer's name, for those among ``ids`` (the viewer's, as found in scope)."""
    ids = list(ids)
    if not ids:
        return {}
    query = select(Volunteer.id, Volunteer.label).where(Volunteer.id.in_(ids))
    return dict(db.execute(query).all())


def log_refusal() -> None:
    """A record missing or outside the viewer's areas: the refusal goes to the audit log
    (the answer is a plain 404, so that nothing can be inferred)."""
    with storage().transaction() as db:
        audit.record(
            db, current_staff(), "refused", ip=client_ip(),
            detail=f"{request.method} {request.path[:200]} (match: 見つからないか区域外)",
        )  # fmt: skip
