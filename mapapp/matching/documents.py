"""Needs, volunteers and cases as staff pages and the staff API show them: one dictionary
each, so that a page and the API never disagree. Personal fields are in them: only for a
viewer in scope (mapapp.matching.people), never for a public output."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.matching.cases import NEXT_STATUSES, points_balance
from mapapp.matching.intake import area_names, version_of
from mapapp.matching.people import NoConsent, for_volunteer
from mapapp.matching.times import read_availability
from mapapp.matching.vocab import Vocabulary
from mapapp.models import (
    NEED_STATUS_LABELS,
    PLACEMENT_LABELS,
    PROPOSAL_STATUS_LABELS,
    TRAVEL_MODE_LABELS,
    URGENCY_LABELS,
    VOLUNTEER_STATUS_LABELS,
    Account,
    Need,
    NeedStatus,
    NeedStatusChange,
    PointEntry,
    Proposal,
    Resource,
    Volunteer,
)

POINTS_SHOWN = 50  # ledger lines on a volunteer's page


def need_row(need: Need, vocabulary: Vocabulary, areas: dict[int, str]) -> dict:
    """A need in a list: who (the coordinator's label for the person), what, where (the
    area), its state and when to follow it up."""
    return {
        "id": need.id,
        "source_id": need.source_key,
        "label": need.label,
        "kinds": [k.kind for k in need.kinds],
        "kind_labels": [vocabulary.need_label(k.kind) for k in need.kinds],
        "area_id": need.area_id,
        "area": areas.get(need.area_id, "区域外") if need.area_id else "区域外",
        "status": str(need.status),
        "status_label": NEED_STATUS_LABELS[NeedStatus(need.status)],
        "urgency": str(need.urgency),
        "urgency_label": URGENCY_LABELS[need.urgency],
        "received_on": _date(need.received_on),
        "follow_up_on": _date(need.follow_up_on),
        "consent": need.consent,
    }


def need_document(session: Session, need: Need, vocabulary: Vocabulary) -> dict:
    """A need in full, for the coordinator in charge: the record, how its 希望日時 was read,
    its status history, its proposals (cases) and which states it may move to."""
    areas = area_names(session, [need.area_id])
    wanted = read_availability(need.wanted_text, need.wanted_on)
    document = need_row(need, vocabulary, areas)
    document.update(
        {
            "version": version_of(need),
            "contact": need.contact,
            "address": need.address,
            "lat": need.lat,
            "lon": need.lon,
            "placement": PLACEMENT_LABELS.get(need.placement, str(need.placement)),
            "text": need.text,
            "wanted": need.wanted_text,
            "wanted_reading": wanted.describe(),
            "wanted_unread": list(wanted.unread),
            "wanted_on": _date(need.wanted_on),
            "wishes": need.wishes,
            "gender": need.gender,
            "consent_how": need.consent_how,
            "consent_on": _date(need.consent_on),
            "consent_scope": need.consent_scope,
            "referred_to": need.referred_to,
            "next_statuses": [
                {"status": str(s), "label": NEED_STATUS_LABELS[s]}
                for s in NEXT_STATUSES.get(NeedStatus(need.status), ())
            ],
            "for_volunteer": _for_volunteer(need, areas.get(need.area_id, ""), vocabulary),
            "history": status_history(session, need.id),
            "proposals": proposals_of(session, need_id=need.id),
        }
    )
    return document


def _for_volunteer(need: Need, area_name: str, vocabulary: Vocabulary) -> dict | None:
    """What the coordinator may tell a volunteer when asking (before they take it on): None
    without 本人の同意 (mapapp.matching.people.for_volunteer)."""
    try:
        told = for_volunteer(need, area_name)
    except NoConsent:
        return None
    return {**told, "kind_labels": [vocabulary.need_label(k) for k in told["kinds"]]}


def status_history(session: Session, need_id: int) -> list[dict]:
    rows = session.execute(
        select(NeedStatusChange, Account.login, Account.name)
        .outerjoin(Account, Account.id == NeedStatusChange.account_id)
        .where(NeedStatusChange.need_id == need_id)
        .order_by(NeedStatusChange.at, NeedStatusChange.id)
    ).all()
    return [
        {
            "at": _stamp(change.at),
            "by": name or login or "取り込み・コマンド",
            "from": NEED_STATUS_LABELS.get(change.old_status, "") if change.old_status else "",
            "to": NEED_STATUS_LABELS.get(change.new_status, change.new_status),
            "note": change.note,
        }
        for change, login, name in rows
    ]


def proposals_of(
    session: Session, *, need_id: int | None = None, volunteer_id: int | None = None
) -> list[dict]:
    """The cases of a need (with who was proposed) or of a volunteer (with which need)."""
    query = (
        select(Proposal, Volunteer.label, Volunteer.source_key, Resource.name)
        .outerjoin(Volunteer, Volunteer.id == Proposal.volunteer_id)
        .outerjoin(Resource, Resource.id == Proposal.resource_id)
        .order_by(Proposal.proposed_at.desc(), Proposal.id.desc())
    )
    if need_id is not None:
        query = query.where(Proposal.need_id == need_id)
    if volunteer_id is not None:
        query = query.where(Proposal.volunteer_id == volunteer_id)
    out = []
    for proposal, volunteer, volunteer_key, resource in session.execute(query):
        out.append(
            {
                "id": proposal.id,
                "need_id": proposal.need_id,
                "volunteer_id": proposal.volunteer_id,
                "volunteer": volunteer or "",
                "volunteer_source_id": volunteer_key,
                "resource_id": proposal.resource_id,
                "resource": resource or "",
                "status": str(proposal.status),
                "status_label": PROPOSAL_STATUS_LABELS[proposal.status],
                "score": proposal.score,
                "distance_m": proposal.distance_m,
                "reasons": json.loads(proposal.reasons or "[]"),
                "note": proposal.note,
                "proposed_at": _stamp(proposal.proposed_at),
                "steps": [str(s) for s in _steps(proposal)],
            }
        )
    return out


def _steps(proposal: Proposal):
    from mapapp.matching.cases import STEPS

    return [to for to, after in STEPS.items() if proposal.status in after]


def volunteer_row(volunteer: Volunteer, vocabulary: Vocabulary, areas: dict[int, str]) -> dict:
    return {
        "id": volunteer.id,
        "source_id": volunteer.source_key,
        "label": volunteer.label,
        "skills": [s.skill for s in volunteer.skills],
        "skill_labels": [vocabulary.skill_label(s.skill) for s in volunteer.skills],
        "area_id": volunteer.area_id,
        "area": areas.get(volunteer.area_id, "区域外") if volunteer.area_id else "区域外",
        "status": str(volunteer.status),
        "status_label": VOLUNTEER_STATUS_LABELS[volunteer.status],
        "travel": f"{TRAVEL_MODE_LABELS[volunteer.travel_mode]} {volunteer.travel_m:,} m まで",
        "capacity": volunteer.capacity,
        "insurance_until": _date(volunteer.insurance_until),
    }


def volunteer_document(session: Session, volunteer: Volunteer, vocabulary: Vocabulary) -> dict:
    areas = area_names(session, [volunteer.area_id])
    available = read_availability(volunteer.availability_text)
    document = volunteer_row(volunteer, vocabulary, areas)
    ledger = session.scalars(
        select(PointEntry)
        .where(PointEntry.volunteer_id == volunteer.id)
        .order_by(PointEntry.at.desc(), PointEntry.id.desc())
        .limit(POINTS_SHOWN)
    )
    document.update(
        {
            "version": version_of(volunteer),
            "contact": volunteer.contact,
            "address": volunteer.address,
            "lat": volunteer.lat,
            "lon": volunteer.lon,
            "placement": PLACEMENT_LABELS.get(volunteer.placement, str(volunteer.placement)),
            "gender": volunteer.gender,
            "availability": volunteer.availability_text,
            "availability_reading": available.describe(),
            "availability_unread": list(available.unread),
            "travel_mode": str(volunteer.travel_mode),
            "travel_m": volunteer.travel_m,
            "note": volunteer.note,
            "trainings": [
                {"name": t.name, "completed_on": _date(t.completed_on)}
                for t in sorted(volunteer.trainings, key=lambda t: t.completed_on)
            ],
            "points": points_balance(session, volunteer.id),
            "ledger": [{"at": _stamp(p.at), "delta": p.delta, "reason": p.reason} for p in ledger],
            "cases": proposals_of(session, volunteer_id=volunteer.id),
        }
    )
    return document


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _stamp(value: dt.datetime | None) -> str:
    """A stored UTC time as Japan's clock reads it."""
    if value is None:
        return ""
    japan = value.replace(tzinfo=dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=9)))
    return japan.strftime("%Y-%m-%d %H:%M")
