"""The hard filters: each a small named function that gives the Japanese reason a volunteer
cannot be proposed for a need, or None when they pass. A coordinator is told every reason
that applies (``exclusions``).

Per volunteer (whatever the need): 活動中, 研修修了, 保険, 担当できる人数.
Per pair: 活動が合う, 以前お断りがない, 移動距離の内, 日時が重なる.
"""

from __future__ import annotations

import datetime as dt

from mapapp.geo import distance_m
from mapapp.matching.facts import NeedFacts, PersonHistory, VolunteerFacts
from mapapp.matching.times import overlaps
from mapapp.models import TRAVEL_MODE_LABELS, VOLUNTEER_STATUS_LABELS, VolunteerStatus


def is_active(v: VolunteerFacts, as_of: dt.date) -> str | None:
    if v.status != VolunteerStatus.ACTIVE:
        return f"{VOLUNTEER_STATUS_LABELS[v.status]}です"
    return None


def is_trained(v: VolunteerFacts, as_of: dt.date) -> str | None:
    """養成講座 (any training) completed by ``as_of`` and not expired."""
    done = [(c, u) for c, u in v.trainings if c <= as_of]
    if not done:
        if v.trainings:
            return f"研修の修了が {v.trainings[0][0].isoformat()} でまだ先です"
        return "研修（養成講座）の修了が登録されていません"
    if all(u is not None and u < as_of for _, u in done):
        last = max(u for _, u in done)
        return f"研修の有効期限が {last.isoformat()} で切れています"
    return None


def is_insured(v: VolunteerFacts, as_of: dt.date) -> str | None:
    """ボランティア保険 valid on ``as_of``."""
    if v.insurance_until is None:
        return "ボランティア保険が登録されていません"
    if v.insurance_until < as_of:
        return f"ボランティア保険の期限が {v.insurance_until.isoformat()} で切れています"
    return None


def has_capacity(v: VolunteerFacts, as_of: dt.date) -> str | None:
    if v.active_cases >= v.capacity:
        return f"同時に担当できる人数（{v.capacity}人）がいっぱいです（担当中 {v.active_cases}人）"
    return None


VOLUNTEER_FILTERS = (is_active, is_trained, is_insured, has_capacity)


def has_skill(need: NeedFacts, v: VolunteerFacts, history: PersonHistory) -> str | None:
    if not need.skills & v.skills:
        return "この困りごとに合う活動が登録されていません"
    return None


def not_declined(need: NeedFacts, v: VolunteerFacts, history: PersonHistory) -> str | None:
    if v.id in history.declined:
        return "この方について以前お断りがありました"
    return None


def reach_reason(distance: float | None, v: VolunteerFacts) -> str | None:
    """The within-reach test on a distance already measured (None: a point is missing)."""
    if distance is None:
        return "担い手か相談者の位置がわかりません"
    if distance > v.travel_m:
        mode = TRAVEL_MODE_LABELS[v.travel_mode]
        return f"移動距離（{mode} {v.travel_m:,}m）を超えています（直線 約{distance:,.0f}m）"
    return None


def pair_distance(need: NeedFacts, v: VolunteerFacts) -> float | None:
    """Straight-line distance from the volunteer's point to the need's, in metres."""
    if None in (need.lat, need.lon, v.lat, v.lon):
        return None
    return float(distance_m(v.lat, v.lon, need.lat, need.lon))


def within_reach(need: NeedFacts, v: VolunteerFacts, history: PersonHistory) -> str | None:
    return reach_reason(pair_distance(need, v), v)


def times_overlap(need: NeedFacts, v: VolunteerFacts, history: PersonHistory) -> str | None:
    if not overlaps(need.when, v.when):
        return (
            f"希望日時（{need.when.describe()}）と活動できる日時（{v.when.describe()}）が"
            "重なりません"
        )
    return None


PAIR_FILTERS = (has_skill, not_declined, within_reach, times_overlap)


def exclusions(
    need: NeedFacts, v: VolunteerFacts, history: PersonHistory, as_of: dt.date
) -> list[str]:
    """Every reason this volunteer cannot be proposed for this need (empty: they can)."""
    reasons = [r for f in VOLUNTEER_FILTERS if (r := f(v, as_of))]
    return reasons + [r for f in PAIR_FILTERS if (r := f(need, v, history))]
