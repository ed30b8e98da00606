"""Matching on paper: hard filters, ranking and its reasons, continuity and load, the case
from proposal to done, privacy (scope, consent, audit)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from mapapp.matching import MatchingProblem, cases
from mapapp.matching.candidates import find_candidates
from mapapp.matching.people import (
    NoConsent,
    NotInScope,
    follow_ups,
    for_volunteer,
    list_needs,
    list_volunteers,
    view_need,
)
from mapapp.matching.settings import MatchSettings
from mapapp.matching.vocab import Vocabulary
from mapapp.models import (
    AuditEntry,
    NeedStatus,
    NeedStatusChange,
    PointEntry,
    ProposalStatus,
    TravelMode,
    VolunteerStatus,
)
from tests.matching_fixtures import AS_OF, LAT0, M_PER_MILLIDEGREE, need, proposal, volunteer

S = MatchSettings()


def m(millidegrees: float) -> float:
    return millidegrees * M_PER_MILLIDEGREE


@pytest.fixture
def vocabulary(taxonomy):
    return Vocabulary(taxonomy)


@pytest.fixture
def town(storage):
    """Need N1 (相談者A, ゴミ出し, 火曜の午前) at LAT0 and eleven volunteers around it."""
    with storage.transaction() as s:
        n1 = need(s, "N1")
        volunteer(s, "A", LAT0 + 0.002)  # 222 m: passes
        volunteer(s, "B", LAT0 + 0.005)  # 556 m: passes
        volunteer(s, "C", LAT0 + 0.001, status=VolunteerStatus.PAUSED)
        volunteer(s, "D", LAT0 + 0.001, trained=None)
        volunteer(s, "E", LAT0 + 0.001, insurance=dt.date(2026, 6, 1))
        volunteer(s, "F", LAT0 + 0.010)  # 1112 m > 800 m on foot
        volunteer(s, "G", LAT0 + 0.001, when="水曜 9:00〜12:00")
        h = volunteer(s, "H", LAT0 + 0.001)
        volunteer(s, "I", LAT0 + 0.001, skills=("hanashiaite",))
        j = volunteer(s, "J", LAT0 + 0.001)
        volunteer(s, "K", LAT0 + 0.010, mode=TravelMode.CAR, travel_m=5000)  # 1112 m by car
        other = need(s, "N0", LAT0 + 0.003, person="相談者Z", status=NeedStatus.ARRANGED)
        proposal(s, other, h, ProposalStatus.ACCEPTED)  # H is full (capacity 1)
        earlier = need(s, "N-old", LAT0, person="相談者A", status=NeedStatus.WITHDRAWN)
        proposal(s, earlier, j, ProposalStatus.DECLINED)  # J declined 相談者A before
        return n1.id


def candidates(storage, vocabulary, need_id, settings=S, as_of=AS_OF):
    with storage.reading() as s:
        n = view_need(s, None, need_id, None)
        return find_candidates(s, vocabulary, n, as_of=as_of, settings=settings)


def test_hard_filters_exclude_exactly_the_right_people(storage, vocabulary, town):
    result = candidates(storage, vocabulary, town)
    assert [c.source_id for c in result.volunteers] == ["K", "A", "B"]
    excluded = {e.source_id: e.reasons for e in result.excluded}
    assert set(excluded) == {"C", "D", "E", "F", "G", "H", "J"}
    assert excluded["C"] == ("休止です",)
    assert excluded["D"] == ("研修（養成講座）の修了が登録されていません",)
    assert excluded["E"] == ("ボランティア保険の期限が 2026-06-01 で切れています",)
    assert excluded["F"] == ("移動距離（徒歩 800m）を超えています（直線 約1,112m）",)
    assert excluded["G"][0].startswith(
        "希望日時（火 9:00〜12:00）と活動できる日時（水 9:00〜12:00）"
    )
    assert excluded["H"] == ("同時に担当できる人数（1人）がいっぱいです（担当中 1人）",)
    assert excluded["J"] == ("この方について以前お断りがありました",)
    # I offers no skill for 家事援助: not a candidate, not even considered.
    assert "I" not in excluded


def test_insurance_is_judged_on_the_day_asked(storage, vocabulary, town):
    before = candidates(storage, vocabulary, town, as_of=dt.date(2026, 6, 1))
    assert "E" in [c.source_id for c in before.volunteers]


def test_score_parts_are_the_documented_formula(storage, vocabulary, town):
    result = candidates(storage, vocabulary, town)
    a = next(c for c in result.volunteers if c.source_id == "A")
    assert a.distance_m == pytest.approx(m(2), abs=0.5)
    parts = {p.name: p.points for p in a.parts}
    assert parts["distance"] == pytest.approx(40 * (1 - m(2) / 800), abs=0.05)
    assert parts["time"] == 20  # 火 9–12 fully covered
    assert parts["continuity"] == 0
    assert parts["load"] == 15
    assert parts["wish"] == 0
    assert a.score == pytest.approx(40 * (1 - m(2) / 800) + 35, abs=0.05)
    assert a.reasons[0] == f"距離 約{m(2):,.0f}m（徒歩4分）（{parts['distance']:+.1f}）"
    assert "希望時間の 100% が活動の時間と重なります" in a.reasons[1]
    k = result.volunteers[0]
    assert k.source_id == "K"  # 1112 m of a 5 km reach by car is nearer than 222 m of 800 m
    assert {p.name: p.points for p in k.parts}["distance"] == pytest.approx(
        40 * (1 - m(10) / 5000), abs=0.05
    )


def test_continuity_moves_a_former_helper_up(storage, vocabulary, town):
    with storage.transaction() as s:
        from mapapp.models import Volunteer

        b = s.scalar(select(Volunteer).where(Volunteer.source_key == "B"))
        old = need(s, "N-earlier", LAT0, person="相談者A", status=NeedStatus.DONE)
        # In January: outside the 90-day load window, so only continuity changes.
        proposal(s, old, b, ProposalStatus.DONE, asked_at=dt.datetime(2026, 1, 10, 10, 0))
    result = candidates(storage, vocabulary, town)
    assert [c.source_id for c in result.volunteers] == ["B", "K", "A"]
    b = result.volunteers[0]
    assert "前にもこの方を担当しています（継続）（+25.0）" in b.reasons
    # On paper: B 40×(1−556/800) + 20 + 25 + 15 = 72.2 > K 40×(1−1112/5000) + 35 = 66.1.
    assert b.score == pytest.approx(40 * (1 - m(5) / 800) + 60, abs=0.05)


def test_load_moves_a_busy_helper_down(storage, vocabulary, town):
    with storage.transaction() as s:
        from mapapp.models import Volunteer

        k = s.scalar(select(Volunteer).where(Volunteer.source_key == "K"))
        k.capacity = 5
        for i in range(3):  # asked three times in May for other people
            other = need(s, f"X{i}", LAT0, person=f"別の方{i}", status=NeedStatus.DONE)
            proposal(s, other, k, ProposalStatus.DONE)
    result = candidates(storage, vocabulary, town)
    assert [c.source_id for c in result.volunteers] == ["A", "K", "B"]
    k = result.volunteers[1]
    assert {p.name: p.points for p in k.parts}["load"] == pytest.approx(15 / 4)
    assert "最近90日の依頼 3件、担当中 0/5人（+3.8）" in k.reasons
    # Outside the 90-day window, the same requests no longer count.
    later = candidates(storage, vocabulary, town, as_of=dt.date(2026, 9, 1))
    k_later = next(c for c in later.volunteers if c.source_id == "K")
    assert {p.name: p.points for p in k_later.parts}["load"] == 15


def test_wish_for_the_same_gender(storage, vocabulary):
    with storage.transaction() as s:
        n = need(s, "W", wishes="同性の方を希望", gender="女性")
        volunteer(s, "woman", LAT0 + 0.003, gender="女性")
        volunteer(s, "man", LAT0 + 0.001, gender="男性")
        volunteer(s, "unknown", LAT0 + 0.002)
        nid = n.id
    result = candidates(storage, vocabulary, nid)
    assert [c.source_id for c in result.volunteers] == ["woman", "unknown", "man"]
    assert "希望「同性の方」に合います（+10.0）" in result.volunteers[0].reasons
    assert "希望「同性の方」に合いません（-10.0）" in result.volunteers[2].reasons


def test_declined_volunteer_is_not_proposed_again(storage, vocabulary, town):
    with storage.transaction() as s:
        n = view_need(s, None, town, None)
        p = cases.propose(s, vocabulary, n, volunteer_id=_id(s, "A"), as_of=AS_OF, settings=S)
        cases.ask(s, p, note="電話: 考えます")
        cases.decline(s, p, note="都合がつかない")
    result = candidates(storage, vocabulary, town)
    assert "A" not in [c.source_id for c in result.volunteers]
    assert dict((e.source_id, e.reasons) for e in result.excluded)["A"] == (
        "この方について以前お断りがありました",
    )
    with storage.transaction() as s, pytest.raises(MatchingProblem, match="以前お断り"):
        n = view_need(s, None, town, None)
        cases.propose(s, vocabulary, n, volunteer_id=_id(s, "A"), as_of=AS_OF, settings=S)
    # Also for another need of the same person.
    with storage.transaction() as s:
        later = need(s, "N2", person="相談者A")
        later_id = later.id
    assert "A" not in [c.source_id for c in candidates(storage, vocabulary, later_id).volunteers]


def _id(session, key):
    from mapapp.models import Volunteer

    return session.scalar(select(Volunteer.id).where(Volunteer.source_key == key))


def test_case_to_done_credits_points_and_keeps_history(storage, vocabulary, town):
    with storage.transaction() as s:
        n = view_need(s, None, town, None)
        p = cases.propose(s, vocabulary, n, volunteer_id=_id(s, "B"), as_of=AS_OF, settings=S)
        assert n.status == NeedStatus.ARRANGING
        assert json.loads(p.reasons)[0].startswith("距離 約556m")
        cases.ask(s, p, note="電話した")
        cases.accept(s, p, note="引き受けてくれた")
        assert n.status == NeedStatus.ARRANGED
        cases.done(s, p, settings=S)
        assert n.status == NeedStatus.DONE
        assert cases.points_balance(s, p.volunteer_id) == 1
        assert cases.redeem_points(s, p.volunteer_id, 1, reason="商品券") == 0
        with pytest.raises(MatchingProblem, match="ポイントが足りません"):
            cases.redeem_points(s, p.volunteer_id, 1)
        history = s.scalars(
            select(NeedStatusChange)
            .where(NeedStatusChange.need_id == n.id)
            .order_by(NeedStatusChange.id)
        ).all()
        assert [(h.old_status, h.new_status) for h in history] == [
            ("received", "arranging"),
            ("arranging", "arranged"),
            ("arranged", "done"),
        ]
        assert all(h.at is not None for h in history)
        ledger = s.scalars(select(PointEntry).order_by(PointEntry.id)).all()
        assert [e.delta for e in ledger] == [1, -1]
        with pytest.raises(MatchingProblem):
            cases.change_need_status(s, n, NeedStatus.RECEIVED)


def test_continuity_after_a_done_case(storage, vocabulary, town):
    with storage.transaction() as s:
        n = view_need(s, None, town, None)
        p = cases.propose(s, vocabulary, n, volunteer_id=_id(s, "B"), as_of=AS_OF, settings=S)
        cases.accept(s, p)
        cases.done(s, p, settings=S)
        nxt = need(s, "N3", person="相談者A")
        nid = nxt.id
    first = candidates(storage, vocabulary, nid).volunteers[0]
    assert first.source_id == "B"


def test_referral_needs_where(storage, town):
    with storage.transaction() as s:
        n = view_need(s, None, town, None)
        with pytest.raises(MatchingProblem, match="つなぎ先"):
            cases.change_need_status(s, n, NeedStatus.REFERRED)
        cases.change_need_status(s, n, NeedStatus.REFERRED, referred_to="地域包括支援センター")
        assert n.referred_to == "地域包括支援センター"


def test_need_without_consent_is_never_shown_to_a_volunteer(storage, vocabulary):
    with storage.transaction() as s:
        n = need(s, "NC", consent=False)
        volunteer(s, "A", LAT0 + 0.001)
        nid = n.id
    result = candidates(storage, vocabulary, nid)
    assert result.to_json()["need"]["shareable_with_volunteer"] is False
    with storage.transaction() as s:
        n = view_need(s, None, nid, None)
        with pytest.raises(NoConsent):
            for_volunteer(n)
        p = cases.propose(s, vocabulary, n, volunteer_id=_id(s, "A"), as_of=AS_OF, settings=S)
        with pytest.raises(NoConsent):
            cases.ask(s, p)
        with pytest.raises(NoConsent):
            cases.accept(s, p)


def test_for_volunteer_has_no_personal_fields(storage):
    with storage.transaction() as s:
        n = need(s, "NV")
        n.contact, n.address, n.lat = "053-000-0000", "鷲津1-2-3", 35.00037
        shown = for_volunteer(n)
    text = json.dumps(shown, ensure_ascii=False)
    assert "相談者A" not in text and "053-000-0000" not in text and "鷲津1-2-3" not in text
    assert shown["approx_lat"] == 35.0  # about 100 m, never the door


def test_scope_hides_other_areas_and_views_are_audited(storage, vocabulary):
    from shapely.geometry import box

    from mapapp.models import Area

    with storage.transaction() as s:
        areas = []
        for name in ("東", "西"):
            a = Area(
                layer=2,
                kind_label="中学校区",
                name=name,
                geom=box(0, 0, 1, 1),
                min_lon=0,
                min_lat=0,
                max_lon=1,
                max_lat=1,
                source="t",
                source_key=name,
            )
            s.add(a)
            areas.append(a)
        s.flush()
        east, west = areas[0].id, areas[1].id
        need(s, "E1", area_id=east)
        need(s, "W1", area_id=west, person="相談者W")
        volunteer(s, "VE", LAT0 + 0.001, area_id=east)
        volunteer(s, "VW", LAT0 + 0.001, area_id=west)
        need(s, "NONE", person="区域外の方")
    with storage.transaction() as s:
        assert [n.source_key for n in list_needs(s, frozenset({east}))] == ["E1"]
        assert [v.source_key for v in list_volunteers(s, frozenset({east}))] == ["VE"]
        assert {n.source_key for n in list_needs(s, None)} == {"E1", "W1", "NONE"}
        with pytest.raises(NotInScope):
            view_need(s, None, "W1", frozenset({east}))
        with pytest.raises(NotInScope):
            view_need(s, None, "NONE", frozenset({east}))
        n = view_need(s, None, "E1", frozenset({east}), what="テスト")
        result = find_candidates(s, vocabulary, n, as_of=AS_OF, settings=S, scope=frozenset({east}))
        assert [c.source_id for c in result.volunteers] == ["VE"]
    with storage.reading() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.entity == "need")).all()
        assert [(e.action, e.entity_id, e.detail) for e in entries] == [("view", n.id, "テスト")]


def test_follow_ups_today_and_this_week(storage):
    with storage.transaction() as s:
        need(s, "late", follow_up_on=dt.date(2026, 5, 30))
        need(s, "today", follow_up_on=AS_OF)
        need(s, "sunday", follow_up_on=dt.date(2026, 6, 7))
        need(s, "next-week", follow_up_on=dt.date(2026, 6, 8))
        need(s, "done", follow_up_on=AS_OF, status=NeedStatus.DONE)
    with storage.reading() as s:
        due = follow_ups(s, None, AS_OF)
        assert [n.source_key for n in due.today] == ["late", "today"]
        assert [n.source_key for n in due.this_week] == ["sunday"]


def test_resources_walk_and_town_coverage(storage, vocabulary):
    from mapapp.models import Coverage, Resource

    with storage.transaction() as s:
        n = need(s, "R", kinds=("hanashiaite",), when="火曜の午前")
        for key, kind, lat, coverage, sched in [
            ("near", "salon", LAT0 + 0.003, Coverage.WALK, "毎週火曜日 10:00〜11:30"),
            ("far", "salon", LAT0 + 0.010, Coverage.WALK, "毎週火曜日 10:00〜11:30"),
            ("wrongkind", "haishoku", LAT0 + 0.001, Coverage.WALK, ""),
            ("town", "ninchisho_cafe", LAT0 + 0.05, Coverage.TOWN, "毎週水曜日 10:00〜11:30"),
        ]:
            s.add(
                Resource(
                    kind=kind,
                    name=key,
                    lat=lat,
                    lon=137.0,
                    coverage=coverage,
                    schedule_text=sched,
                    source="t",
                    source_key=key,
                )
            )
        nid = n.id
    result = candidates(storage, vocabulary, nid)
    names = [r.name for r in result.resources]
    assert names == ["near", "town"]
    near = result.resources[0]
    assert near.reasons[1].startswith(f"距離 約{m(3):,.0f}m（徒歩6分）")
    assert "希望時間の 50% が開催の時間と重なります" in near.reasons[2]  # 10:00–11:30 of 9–12
    assert result.resources[1].reasons[1].startswith("市町村全域が対象")
