"""What the filters and the score look at, loaded from the database in a few queries
(plain, immutable values: the same functions serve one need and a batch of thousands)."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mapapp.matching.settings import MatchSettings
from mapapp.matching.times import Availability, read_availability
from mapapp.matching.vocab import Vocabulary
from mapapp.models import (
    Need,
    NeedKindLink,
    Proposal,
    ProposalStatus,
    Training,
    TravelMode,
    Volunteer,
    VolunteerSkill,
    VolunteerStatus,
)

# A request counts towards a helper's recent load once they were asked (or further).
ASKED_STATUSES = (
    ProposalStatus.ASKED,
    ProposalStatus.ACCEPTED,
    ProposalStatus.DECLINED,
    ProposalStatus.DONE,
)
HELPED_STATUSES = (ProposalStatus.ACCEPTED, ProposalStatus.DONE)


@dataclass(frozen=True)
class NeedFacts:
    id: int
    source_id: str | None
    person_key: str
    kinds: tuple[str, ...]
    skills: frozenset[str]  # the skills that meet its kinds
    lat: float | None
    lon: float | None
    area_id: int | None  # 第2層
    when: Availability
    gender: str
    wishes: str
    consent: bool


@dataclass(frozen=True)
class VolunteerFacts:
    id: int
    source_id: str | None
    skills: frozenset[str]
    lat: float | None
    lon: float | None
    area_id: int | None
    status: VolunteerStatus
    travel_mode: TravelMode
    travel_m: int
    capacity: int
    active_cases: int  # accepted and not yet done
    recent_asks: int  # asked (or further) within the load window
    insurance_until: dt.date | None
    trainings: tuple[tuple[dt.date, dt.date | None], ...]  # (completed_on, valid_until)
    gender: str
    when: Availability


@dataclass(frozen=True)
class PersonHistory:
    """Helpers a person declined or was declined by (never proposed again) and helpers who
    helped them before (continuity)."""

    declined: frozenset[int] = frozenset()
    helped: frozenset[int] = frozenset()


def need_facts(need: Need, vocabulary: Vocabulary) -> NeedFacts:
    kinds = tuple(link.kind for link in need.kinds)
    return NeedFacts(
        id=need.id,
        source_id=need.source_key,
        person_key=need.person_key,
        kinds=kinds,
        skills=vocabulary.skills_for(kinds),
        lat=need.lat,
        lon=need.lon,
        area_id=need.area_id,
        when=read_availability(need.wanted_text, need.wanted_on),
        gender=need.gender,
        wishes=need.wishes,
        consent=need.consent,
    )


def needs_facts(session: Session, needs: Iterable[Need], vocabulary: Vocabulary):
    return [need_facts(n, vocabulary) for n in needs]


def volunteer_facts(
    session: Session,
    *,
    skills: Iterable[str] | None = None,
    scope: frozenset[int] | None = None,
    as_of: dt.date,
    settings: MatchSettings,
    ids: Iterable[int] | None = None,
    near: tuple[float, float, float] | None = None,
) -> list[VolunteerFacts]:
    """Volunteers offering any of ``skills`` (None: all), within ``scope`` (None: all),
    with their trainings, current cases and recent requests. ``near`` (lat, lon, metres)
    leaves out those whose point lies outside that box (or who have none)."""
    query = select(
        Volunteer.id,
        Volunteer.source_key,
        Volunteer.lat,
        Volunteer.lon,
        Volunteer.area_id,
        Volunteer.status,
        Volunteer.travel_mode,
        Volunteer.travel_m,
        Volunteer.capacity,
        Volunteer.insurance_until,
        Volunteer.gender,
        Volunteer.availability_text,
    )
    if skills is not None:
        query = query.where(
            Volunteer.id.in_(
                select(VolunteerSkill.volunteer_id).where(VolunteerSkill.skill.in_(list(skills)))
            )
        )
    if scope is not None:
        query = query.where(Volunteer.area_id.in_(list(scope)))
    if ids is not None:
        query = query.where(Volunteer.id.in_(list(ids)))
    if near is not None:
        lat, lon, metres = near
        dlat = metres / 111_000.0 * 1.01
        dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
        query = query.where(
            Volunteer.lat.between(lat - dlat, lat + dlat),
            Volunteer.lon.between(lon - dlon, lon + dlon),
        )
    rows = session.execute(query.order_by(Volunteer.id)).all()
    if not rows:
        return []
    wanted = (
        select(Volunteer.id).where(query.whereclause) if query.whereclause is not None else None
    )

    def of_wanted(statement, column):
        return statement if wanted is None else statement.where(column.in_(wanted))

    skill_map: dict[int, set[str]] = defaultdict(set)
    for vid, skill in session.execute(
        of_wanted(
            select(VolunteerSkill.volunteer_id, VolunteerSkill.skill), VolunteerSkill.volunteer_id
        )
    ):
        skill_map[vid].add(skill)
    trainings: dict[int, list] = defaultdict(list)
    for vid, done, until in session.execute(
        of_wanted(
            select(Training.volunteer_id, Training.completed_on, Training.valid_until),
            Training.volunteer_id,
        )
    ):
        trainings[vid].append((done, until))
    active = dict(
        session.execute(
            of_wanted(
                select(Proposal.volunteer_id, func.count())
                .where(Proposal.status == ProposalStatus.ACCEPTED.value)
                .group_by(Proposal.volunteer_id),
                Proposal.volunteer_id,
            )
        ).all()
    )
    since = dt.datetime.combine(as_of - dt.timedelta(days=settings.load_days), dt.time())
    until = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    recent = dict(
        session.execute(
            of_wanted(
                select(Proposal.volunteer_id, func.count())
                .where(
                    Proposal.status.in_([s.value for s in ASKED_STATUSES]),
                    Proposal.asked_at >= since,
                    Proposal.asked_at < until,
                )
                .group_by(Proposal.volunteer_id),
                Proposal.volunteer_id,
            )
        ).all()
    )
    return [
        VolunteerFacts(
            id=r.id,
            source_id=r.source_key,
            skills=frozenset(skill_map.get(r.id, ())),
            lat=r.lat,
            lon=r.lon,
            area_id=r.area_id,
            status=VolunteerStatus(r.status),
            travel_mode=TravelMode(r.travel_mode),
            travel_m=r.travel_m,
            capacity=r.capacity,
            active_cases=active.get(r.id, 0),
            recent_asks=recent.get(r.id, 0),
            insurance_until=r.insurance_until,
            trainings=tuple(sorted(trainings.get(r.id, ()))),
            gender=r.gender,
            when=read_availability(r.availability_text),
        )
        for r in rows
    ]


def person_histories(session: Session, person_keys: Iterable[str]) -> dict[str, PersonHistory]:
    """Each person's declined and former helpers (by the needs' person_key)."""
    keys = list(set(person_keys))
    declined: dict[str, set[int]] = defaultdict(set)
    helped: dict[str, set[int]] = defaultdict(set)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for key, vid, status in session.execute(
            select(Need.person_key, Proposal.volunteer_id, Proposal.status)
            .join(Need, Need.id == Proposal.need_id)
            .where(Need.person_key.in_(chunk), Proposal.volunteer_id.is_not(None))
        ):
            if status == ProposalStatus.DECLINED:
                declined[key].add(vid)
            elif status in HELPED_STATUSES:
                helped[key].add(vid)
    return {
        k: PersonHistory(frozenset(declined.get(k, ())), frozenset(helped.get(k, ()))) for k in keys
    }


def need_kinds_of(session: Session, need_ids: Iterable[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for nid, kind in session.execute(
        select(NeedKindLink.need_id, NeedKindLink.kind).where(
            NeedKindLink.need_id.in_(list(need_ids))
        )
    ):
        out[nid].append(kind)
    return out
