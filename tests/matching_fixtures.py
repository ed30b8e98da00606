"""Hand-made needs and volunteers on one meridian (lon 137.0): 0.001° of latitude is
111.195 m (mean Earth radius), so every distance can be checked on paper."""

from __future__ import annotations

import datetime as dt

from mapapp.models import (
    Need,
    NeedKindLink,
    NeedStatus,
    Proposal,
    ProposalStatus,
    Training,
    TravelMode,
    Volunteer,
    VolunteerSkill,
    VolunteerStatus,
)
from mapapp.text import search_key

LON = 137.0
LAT0 = 35.0
M_PER_MILLIDEGREE = 111.195
AS_OF = dt.date(2026, 6, 2)  # a Tuesday


def volunteer(
    session,
    key,
    lat,
    *,
    skills=("gomidashi",),
    status=VolunteerStatus.ACTIVE,
    trained=dt.date(2025, 1, 10),
    insurance=dt.date(2027, 3, 31),
    capacity=1,
    mode=TravelMode.WALK,
    travel_m=800,
    when="火曜 9:00〜12:00",
    gender="",
    area_id=None,
) -> Volunteer:
    v = Volunteer(
        label=f"担い手{key}",
        source="test",
        source_key=key,
        lat=lat,
        lon=LON,
        status=status,
        insurance_until=insurance,
        capacity=capacity,
        travel_mode=mode,
        travel_m=travel_m,
        availability_text=when,
        gender=gender,
        area_id=area_id,
    )
    v.skills = [VolunteerSkill(skill=s) for s in skills]
    if trained:
        v.trainings = [Training(name="養成講座", completed_on=trained)]
    session.add(v)
    session.flush()
    return v


def need(
    session,
    key,
    lat=LAT0,
    *,
    person="相談者A",
    kinds=("kaji",),
    when="火曜の午前",
    consent=True,
    status=NeedStatus.RECEIVED,
    wishes="",
    gender="",
    area_id=None,
    follow_up_on=None,
) -> Need:
    n = Need(
        label=person,
        person_key=search_key(person),
        source="test",
        source_key=key,
        lat=lat,
        lon=LON,
        wanted_text=when,
        consent=consent,
        status=status,
        wishes=wishes,
        gender=gender,
        area_id=area_id,
        follow_up_on=follow_up_on,
    )
    n.kinds = [NeedKindLink(kind=k) for k in kinds]
    session.add(n)
    session.flush()
    return n


def proposal(session, need_row, volunteer_row, status, asked_at=None) -> Proposal:
    p = Proposal(
        need_id=need_row.id,
        volunteer_id=volunteer_row.id,
        status=status,
        asked_at=asked_at or dt.datetime(2026, 5, 20, 10, 0),
    )
    session.add(p)
    session.flush()
    return p


__all__ = ["ProposalStatus"]
