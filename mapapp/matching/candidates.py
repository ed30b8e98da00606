"""Candidates for one need: volunteers with a matching skill who pass every hard filter,
and resources whose kind meets the need and that reach the person, each with a score whose
parts are shown in Japanese; best first."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mapapp.areas import area_shapes
from mapapp.geo import areas_containing, distance_m
from mapapp.matching import filters
from mapapp.matching.facts import (
    NeedFacts,
    PersonHistory,
    need_facts,
    person_histories,
    volunteer_facts,
)
from mapapp.matching.scoring import Part, distance_text, time_part, total, volunteer_parts
from mapapp.matching.settings import MatchSettings
from mapapp.matching.times import schedule_availability
from mapapp.matching.vocab import Vocabulary
from mapapp.models import (
    NEED_STATUS_LABELS,
    Area,
    Coverage,
    Need,
    Resource,
    ResourceStatus,
    ServiceArea,
    Volunteer,
)

M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True)
class VolunteerCandidate:
    id: int
    source_id: str | None
    score: float
    distance_m: float
    parts: tuple[Part, ...]

    @property
    def reasons(self) -> list[str]:
        return [p.reason() for p in self.parts]

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "source_id": self.source_id,
            "score": self.score,
            "distance_m": round(self.distance_m, 1),
            "reasons": self.reasons,
            "parts": [p.to_json() for p in self.parts],
        }


@dataclass(frozen=True)
class Excluded:
    id: int
    source_id: str | None
    reasons: tuple[str, ...]

    def to_json(self) -> dict:
        return {"id": self.id, "source_id": self.source_id, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class ResourceCandidate:
    id: int
    name: str
    kind: str
    coverage: str
    score: float
    distance_m: float | None
    parts: tuple[Part, ...]

    @property
    def reasons(self) -> list[str]:
        return [p.reason() for p in self.parts]

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "coverage": self.coverage,
            "score": self.score,
            "distance_m": None if self.distance_m is None else round(self.distance_m, 1),
            "reasons": self.reasons,
        }


@dataclass
class Candidates:
    need: NeedFacts
    need_json: dict
    volunteers: list[VolunteerCandidate] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)
    resources: list[ResourceCandidate] = field(default_factory=list)

    def to_json(self, with_excluded: bool = False) -> dict:
        out = {
            "need": self.need_json,
            "volunteers": [v.to_json() for v in self.volunteers],
            "resources": [r.to_json() for r in self.resources],
        }
        if with_excluded:
            out["excluded"] = [e.to_json() for e in self.excluded]
        return out


def need_json(need: Need, facts: NeedFacts, vocabulary: Vocabulary) -> dict:
    """What the candidates list says about the need: no name, contact, address or point."""
    return {
        "id": need.id,
        "source_id": need.source_key,
        "kinds": list(facts.kinds),
        "kind_labels": [vocabulary.need_label(k) for k in facts.kinds],
        "status": NEED_STATUS_LABELS[need.status],
        "area_id": need.area_id,
        "wanted": need.wanted_text,
        "wanted_slots": facts.when.describe(),
        "consent": need.consent,
        # 本人の同意 なし: the need is never shown to a volunteer (mapapp.matching.people).
        "shareable_with_volunteer": bool(need.consent),
    }


def rank_volunteers(
    facts: NeedFacts,
    volunteers,
    history: PersonHistory,
    as_of: dt.date,
    settings: MatchSettings,
) -> tuple[list[VolunteerCandidate], list[Excluded]]:
    """Every volunteer given either passes the hard filters (then scored) or is excluded with
    all its reasons. Candidates best first (score, then nearer, then id)."""
    ranked, excluded = [], []
    for v in volunteers:
        reasons = filters.exclusions(facts, v, history, as_of)
        if reasons:
            excluded.append(Excluded(v.id, v.source_id, tuple(reasons)))
            continue
        distance = filters.pair_distance(facts, v)
        parts = tuple(volunteer_parts(facts, v, history, distance, settings))
        ranked.append(VolunteerCandidate(v.id, v.source_id, total(parts), distance, parts))
    ranked.sort(key=lambda c: (-c.score, c.distance_m, c.id))
    return ranked, excluded


def find_candidates(
    session: Session,
    vocabulary: Vocabulary,
    need: Need,
    *,
    as_of: dt.date,
    settings: MatchSettings,
    scope: frozenset[int] | None = None,
) -> Candidates:
    """Candidates for ``need`` (already checked to be in the viewer's scope): volunteers of
    ``scope`` only (None: all), resources of the whole town (they are public)."""
    facts = need_facts(need, vocabulary)
    result = Candidates(facts, need_json(need, facts, vocabulary))
    if facts.skills:
        # Nobody farther than the longest 移動距離m can pass: those are not even loaded.
        longest = session.scalar(select(func.max(Volunteer.travel_m))) or 0
        near = (facts.lat, facts.lon, float(longest)) if facts.lat is not None else None
        volunteers = volunteer_facts(
            session, skills=facts.skills, scope=scope, as_of=as_of, settings=settings, near=near
        )
        history = person_histories(session, [facts.person_key]).get(
            facts.person_key, PersonHistory()
        )
        ranked, result.excluded = rank_volunteers(facts, volunteers, history, as_of, settings)
        result.volunteers = ranked[: settings.list_limit]
    result.resources = resource_candidates(session, vocabulary, facts, settings)
    return result


def resource_candidates(
    session: Session, vocabulary: Vocabulary, facts: NeedFacts, settings: MatchSettings
) -> list[ResourceCandidate]:
    """Active resources of the kinds that meet the need: 徒歩圏 places within MATCH_WALK_M of
    the home; services for areas whose service areas hold the home; services for the town
    (these two get half the distance points: they come to the person, wherever they live)."""
    kinds = sorted(vocabulary.resource_kinds_for(facts.kinds))
    if not kinds or facts.lat is None or facts.lon is None:
        return []
    taxonomy = vocabulary.taxonomy
    found: list[ResourceCandidate] = []
    columns = (
        Resource.id,
        Resource.name,
        Resource.kind,
        Resource.coverage,
        Resource.lat,
        Resource.lon,
        Resource.schedule_text,
        Resource.closed_text,
    )
    active = (Resource.status == ResourceStatus.ACTIVE.value, Resource.kind.in_(kinds))
    reach = settings.walk_m
    dlat = reach / M_PER_DEG_LAT
    dlon = reach / (M_PER_DEG_LAT * max(math.cos(math.radians(facts.lat)), 0.01))
    walk_rows = session.execute(
        select(*columns).where(
            *active,
            Resource.coverage == Coverage.WALK.value,
            Resource.lat.between(facts.lat - dlat, facts.lat + dlat),
            Resource.lon.between(facts.lon - dlon, facts.lon + dlon),
        )
    ).all()
    home_areas = {
        a.id: a for a in areas_containing([facts.lat], [facts.lon], area_shapes(session))[0]
    }
    area_rows = []
    if home_areas:
        area_rows = session.execute(
            select(*columns, ServiceArea.area_id)
            .join(ServiceArea, ServiceArea.resource_id == Resource.id)
            .where(
                *active,
                Resource.coverage == Coverage.AREAS.value,
                ServiceArea.area_id.in_(list(home_areas)),
            )
        ).all()
    town_rows = session.execute(
        select(*columns).where(*active, Resource.coverage == Coverage.TOWN.value)
    ).all()
    names = (
        dict(session.execute(select(Area.id, Area.name).where(Area.id.in_(list(home_areas)))).all())
        if home_areas
        else {}
    )

    def kind_label(code: str) -> str:
        return taxonomy.kind(code).label if taxonomy.has_kind(code) else code

    def add(row, distance, reach_part: Part):
        when = schedule_availability(row.schedule_text, row.closed_text)
        parts = (
            Part("kind", 0.0, f"種別「{kind_label(row.kind)}」"),
            reach_part,
            time_part(facts.when, when, settings.weight_time, "開催"),
        )
        found.append(
            ResourceCandidate(
                row.id, row.name, row.kind, row.coverage, total(list(parts)), distance, parts
            )
        )

    for row in walk_rows:
        if row.lat is None or row.lon is None:
            continue
        d = float(distance_m(facts.lat, facts.lon, row.lat, row.lon))
        if d <= reach:
            points = settings.weight_distance * max(0.0, 1 - d / reach) if reach else 0.0
            add(row, d, Part("distance", points, distance_text(d, settings)))
    seen = set()
    for row in area_rows:
        if row.id in seen:
            continue
        seen.add(row.id)
        d = _distance_or_none(facts, row)
        text = f"お住まいの区域「{names.get(row.area_id, row.area_id)}」が対象"
        add(row, d, Part("distance", settings.weight_distance / 2, text))
    for row in town_rows:
        add(
            row,
            _distance_or_none(facts, row),
            Part("distance", settings.weight_distance / 2, "市町村全域が対象"),
        )
    found.sort(key=lambda c: (-c.score, c.distance_m if c.distance_m is not None else 0, c.id))
    return found[: settings.list_limit]


def _distance_or_none(facts: NeedFacts, row) -> float | None:
    if row.lat is None or row.lon is None:
        return None
    return float(distance_m(facts.lat, facts.lon, row.lat, row.lon))
