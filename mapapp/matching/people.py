"""Needs and volunteers as staff see them: only those of the viewer's areas (scope None:
the whole town, 第1層 staff and admins), every view of a person's record in the audit log,
and a need without 本人の同意 never shown to a volunteer.

Nothing here is for public pages, the public API, map popups, search or public exports:
none of those read these tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mapapp import audit
from mapapp.matching import MatchingProblem
from mapapp.models import (
    NEED_STATUS_LABELS,
    AreaParent,
    Need,
    NeedKindLink,
    NeedStatus,
    Proposal,
    Volunteer,
)
from mapapp.privacy import public_point

OPEN_STATUSES = (NeedStatus.RECEIVED, NeedStatus.ARRANGING)
CLI_LOGIN = "cli"  # who the audit log names for the command line


class NotInScope(MatchingProblem):
    """The record lies outside the viewer's areas (or does not exist: not told apart)."""


class NoConsent(MatchingProblem):
    """本人の同意 is not recorded: the need may not be shown to a volunteer."""


def in_scope(area_id: int | None, scope: frozenset[int] | None) -> bool:
    """A record in no area is only in the whole town's scope (as resources: an admin's)."""
    return scope is None or (area_id is not None and area_id in scope)


def expand_scope(session: Session, area_ids) -> frozenset[int]:
    """A coordinator's areas, with the 第2層 areas of any 第1層 area among them (needs and
    volunteers carry their 第2層 area)."""
    ids = set(area_ids)
    if ids:
        ids |= set(
            session.scalars(select(AreaParent.area_id).where(AreaParent.parent_id.in_(list(ids))))
        )
    return frozenset(ids)


def _scoped(query, column, scope):
    return query if scope is None else query.where(column.in_(list(scope)))


def list_needs(
    session: Session,
    scope: frozenset[int] | None,
    *,
    statuses=None,
    kind: str | None = None,
    area_id: int | None = None,
) -> list[Need]:
    query = _scoped(select(Need).options(selectinload(Need.kinds)), Need.area_id, scope)
    if statuses is not None:
        query = query.where(Need.status.in_([NeedStatus(s).value for s in statuses]))
    if kind is not None:
        query = query.where(
            Need.id.in_(select(NeedKindLink.need_id).where(NeedKindLink.kind == kind))
        )
    if area_id is not None:
        query = query.where(Need.area_id == area_id)
    return list(session.scalars(query.order_by(Need.id)))


def list_volunteers(session: Session, scope: frozenset[int] | None) -> list[Volunteer]:
    return list(
        session.scalars(_scoped(select(Volunteer), Volunteer.area_id, scope).order_by(Volunteer.id))
    )


def find_need(session: Session, ref: str | int, scope: frozenset[int] | None) -> Need:
    """A need by id or by 出典ID, if it is in ``scope``; NotInScope otherwise (a need
    outside the scope is not told apart from none, so that nothing leaks)."""
    text = str(ref).strip()
    found = session.scalars(select(Need).where(Need.source_key == text)).all()
    if not found and text.isdigit():
        need = session.get(Need, int(text))
        found = [need] if need else []
    if len(found) > 1:
        found = [n for n in found if in_scope(n.area_id, scope)]
        if len(found) > 1:
            sources = "、".join(sorted(n.source for n in found))
            raise MatchingProblem(
                f"出典ID「{text}」のニーズが複数あります（出典 {sources}）。ID で指定してください"
            )
    if not found or not in_scope(found[0].area_id, scope):
        raise NotInScope(f"ニーズ「{text}」は見つからないか、担当区域の外です")
    return found[0]


def find_volunteer(session: Session, ref: str | int, scope: frozenset[int] | None) -> Volunteer:
    text = str(ref).strip()
    found = session.scalars(select(Volunteer).where(Volunteer.source_key == text)).all()
    if not found and text.isdigit():
        v = session.get(Volunteer, int(text))
        found = [v] if v else []
    found = [v for v in found if in_scope(v.area_id, scope)]
    if len(found) != 1:
        raise NotInScope(f"担い手「{text}」は見つからないか、担当区域の外です")
    return found[0]


def need_by_id(session: Session, need_id: int, scope: frozenset[int] | None) -> Need:
    """A need by its id (a page's address), if in ``scope``; NotInScope otherwise."""
    need = session.get(Need, need_id)
    if need is None or not in_scope(need.area_id, scope):
        raise NotInScope(f"ニーズ {need_id} は見つからないか、担当区域の外です")
    return need


def volunteer_by_id(session: Session, volunteer_id: int, scope: frozenset[int] | None):
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None or not in_scope(volunteer.area_id, scope):
        raise NotInScope(f"担い手 {volunteer_id} は見つからないか、担当区域の外です")
    return volunteer


def proposal_by_id(session: Session, proposal_id: int, scope: frozenset[int] | None):
    """A case (proposal) whose need is in ``scope``; NotInScope otherwise."""
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotInScope(f"提案 {proposal_id} は見つからないか、担当区域の外です")
    need_by_id(session, proposal.need_id, scope)
    return proposal


def view_need(session: Session, staff, ref, scope, *, what: str = "", ip: str = "") -> Need:
    """A need for a member of staff to look at; the view goes to the audit log. ``ref``: an
    id (int, a page's address) or text as typed (id or 出典ID)."""
    need = (
        need_by_id(session, ref, scope) if isinstance(ref, int) else find_need(session, ref, scope)
    )
    audit.record(
        session,
        staff,
        "view",
        entity="need",
        entity_id=need.id,
        ip=ip,
        detail=what,
        login=CLI_LOGIN,
    )
    return need


def view_volunteer(session: Session, staff, ref, scope, *, what: str = "", ip: str = ""):
    if isinstance(ref, int):
        volunteer = volunteer_by_id(session, ref, scope)
    else:
        volunteer = find_volunteer(session, ref, scope)
    audit.record(
        session,
        staff,
        "view",
        entity="volunteer",
        entity_id=volunteer.id,
        ip=ip,
        detail=what,
        login=CLI_LOGIN,
    )
    return volunteer


def for_volunteer(need: Need, area_name: str = "") -> dict:
    """What a volunteer may be told of a need: only with 本人の同意, and then only the kinds,
    the wanted time, the coarse place (町丁目 level point, the area's name) and the scope of
    sharing the person agreed to. Never the name, contact or address."""
    if not need.consent:
        raise NoConsent("本人の同意がないため、このニーズを担い手に伝えることはできません")
    lat, lon = public_point(need.lat, need.lon)
    return {
        "kinds": [k.kind for k in need.kinds],
        "wanted": need.wanted_text,
        "wanted_on": need.wanted_on.isoformat() if need.wanted_on else None,
        "area": area_name,
        "approx_lat": lat,
        "approx_lon": lon,
        "consent_scope": need.consent_scope,
    }


@dataclass(frozen=True)
class FollowUps:
    today: list[Need]  # due today or overdue
    this_week: list[Need]  # due later this week (through Sunday)


def follow_ups(session: Session, scope, today: dt.date) -> FollowUps:
    """Needs still in hand (受付・調整中・手配済) whose 次回確認日 is due."""
    week_end = today + dt.timedelta(days=6 - today.weekday())
    in_hand = [s.value for s in (*OPEN_STATUSES, NeedStatus.ARRANGED)]
    query = _scoped(select(Need), Need.area_id, scope).where(
        Need.status.in_(in_hand), Need.follow_up_on.is_not(None), Need.follow_up_on <= week_end
    )
    needs = list(session.scalars(query.order_by(Need.follow_up_on, Need.id)))
    return FollowUps(
        [n for n in needs if n.follow_up_on <= today], [n for n in needs if n.follow_up_on > today]
    )


def status_label(status) -> str:
    return NEED_STATUS_LABELS[NeedStatus(status)]
