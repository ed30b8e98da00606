"""The case from a candidate to its end: propose → ask (the call) → accepted or declined →
done, with points credited on completion; and the need's own status, each change kept with
who and when.

A declined volunteer is never proposed again for that person (the hard filter
``not_declined`` reads these rows). Proposing checks the hard filters again on the day.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mapapp import audit
from mapapp.matching import MatchingProblem
from mapapp.matching.candidates import rank_volunteers
from mapapp.matching.facts import PersonHistory, need_facts, person_histories, volunteer_facts
from mapapp.matching.people import CLI_LOGIN, NoConsent
from mapapp.matching.settings import MatchSettings
from mapapp.matching.vocab import Vocabulary
from mapapp.models import (
    NEED_STATUS_LABELS,
    PROPOSAL_STATUS_LABELS,
    Need,
    NeedStatus,
    NeedStatusChange,
    PointEntry,
    Proposal,
    ProposalStatus,
    Resource,
    utcnow,
)

FINAL = (NeedStatus.DONE, NeedStatus.REFERRED, NeedStatus.WITHDRAWN)
NEXT_STATUSES = {
    NeedStatus.RECEIVED: (NeedStatus.ARRANGING, NeedStatus.REFERRED, NeedStatus.WITHDRAWN),
    NeedStatus.ARRANGING: (
        NeedStatus.RECEIVED,
        NeedStatus.ARRANGED,
        NeedStatus.REFERRED,
        NeedStatus.WITHDRAWN,
    ),
    NeedStatus.ARRANGED: (
        NeedStatus.ARRANGING,
        NeedStatus.DONE,
        NeedStatus.REFERRED,
        NeedStatus.WITHDRAWN,
    ),
}
# From which proposal status each step may be taken.
STEPS = {
    ProposalStatus.ASKED: (ProposalStatus.PROPOSED,),
    ProposalStatus.ACCEPTED: (ProposalStatus.PROPOSED, ProposalStatus.ASKED),
    ProposalStatus.DECLINED: (
        ProposalStatus.PROPOSED,
        ProposalStatus.ASKED,
        ProposalStatus.ACCEPTED,
    ),
    ProposalStatus.DONE: (ProposalStatus.ACCEPTED,),
    ProposalStatus.CANCELLED: (
        ProposalStatus.PROPOSED,
        ProposalStatus.ASKED,
        ProposalStatus.ACCEPTED,
    ),
}


def _staff_id(staff) -> int | None:
    return staff.id if staff else None


def change_need_status(
    session: Session,
    need: Need,
    new: NeedStatus,
    staff=None,
    *,
    note: str = "",
    referred_to: str = "",
) -> None:
    """Move a need to ``new`` (history row with who and when). つなぎ needs where to."""
    new = NeedStatus(new)
    old = NeedStatus(need.status)
    if new == old:
        return
    if new not in NEXT_STATUSES.get(old, ()):
        raise MatchingProblem(
            f"「{NEED_STATUS_LABELS[old]}」から「{NEED_STATUS_LABELS[new]}」には変えられません"
        )
    if new == NeedStatus.REFERRED:
        if not referred_to.strip():
            raise MatchingProblem("つなぎ先（地域包括支援センター・行政など）を書いてください")
        need.referred_to = referred_to.strip()[:200]
    if new in FINAL:
        for p in session.scalars(
            select(Proposal).where(
                Proposal.need_id == need.id,
                Proposal.status.in_([ProposalStatus.PROPOSED.value, ProposalStatus.ASKED.value]),
            )
        ):
            p.status, p.updated_by = ProposalStatus.CANCELLED, _staff_id(staff)
    need.status = new
    session.add(
        NeedStatusChange(
            need_id=need.id,
            account_id=_staff_id(staff),
            old_status=old.value,
            new_status=new.value,
            note=note,
        )
    )
    audit.record(
        session,
        staff,
        "update",
        entity="need",
        entity_id=need.id,
        detail=f"状態 {NEED_STATUS_LABELS[old]} → {NEED_STATUS_LABELS[new]}",
        login=CLI_LOGIN,
    )


def propose(
    session: Session,
    vocabulary: Vocabulary,
    need: Need,
    *,
    volunteer_id: int | None = None,
    resource_id: int | None = None,
    staff=None,
    as_of: dt.date,
    settings: MatchSettings,
    scope: frozenset[int] | None = None,
) -> Proposal:
    """Record a candidate for the need, with its score and reasons as of ``as_of``. A
    volunteer must pass every hard filter (MatchingProblem lists the reasons otherwise)."""
    if (volunteer_id is None) == (resource_id is None):
        raise MatchingProblem("担い手か資源のどちらか一つを選んでください")
    if NeedStatus(need.status) in FINAL or need.status == NeedStatus.ARRANGED:
        raise MatchingProblem(f"「{NEED_STATUS_LABELS[need.status]}」のニーズには提案できません")
    score, distance, reasons = 0.0, None, []
    if volunteer_id is not None:
        facts = need_facts(need, vocabulary)
        found = volunteer_facts(
            session, ids=[volunteer_id], scope=scope, as_of=as_of, settings=settings
        )
        if not found:
            raise MatchingProblem("その担い手は見つからないか、担当区域の外です")
        history = person_histories(session, [facts.person_key]).get(
            facts.person_key, PersonHistory()
        )
        ranked, excluded = rank_volunteers(facts, found, history, as_of, settings)
        if excluded:
            raise MatchingProblem("提案できません: " + "、".join(excluded[0].reasons))
        open_same = session.scalar(
            select(func.count())
            .select_from(Proposal)
            .where(
                Proposal.need_id == need.id,
                Proposal.volunteer_id == volunteer_id,
                Proposal.status.in_(
                    [
                        ProposalStatus.PROPOSED.value,
                        ProposalStatus.ASKED.value,
                        ProposalStatus.ACCEPTED.value,
                    ]
                ),
            )
        )
        if open_same:
            raise MatchingProblem("この担い手はすでにこのニーズの候補です")
        score, distance, reasons = ranked[0].score, ranked[0].distance_m, ranked[0].reasons
    elif session.get(Resource, resource_id) is None:
        raise MatchingProblem(f"資源 {resource_id} がありません")
    proposal = Proposal(
        need_id=need.id,
        volunteer_id=volunteer_id,
        resource_id=resource_id,
        score=score,
        distance_m=distance,
        reasons=json.dumps(reasons, ensure_ascii=False),
        status=ProposalStatus.PROPOSED,
        proposed_by=_staff_id(staff),
        proposed_at=utcnow(),
    )
    session.add(proposal)
    if need.status == NeedStatus.RECEIVED:
        change_need_status(session, need, NeedStatus.ARRANGING, staff, note="候補を提案")
    session.flush()
    return proposal


def _step(session: Session, proposal: Proposal, to: ProposalStatus, staff, note: str) -> Need:
    current = ProposalStatus(proposal.status)
    if current not in STEPS[to]:
        raise MatchingProblem(
            f"「{PROPOSAL_STATUS_LABELS[current]}」の提案を「{PROPOSAL_STATUS_LABELS[to]}」には"
            "できません"
        )
    proposal.status, proposal.updated_by = to, _staff_id(staff)
    if note.strip():
        stamp = utcnow().strftime("%Y-%m-%d %H:%M")
        proposal.note = (proposal.note + "\n" if proposal.note else "") + f"{stamp} {note.strip()}"
    need = session.get(Need, proposal.need_id)
    audit.record(
        session,
        staff,
        "update",
        entity="proposal",
        entity_id=proposal.id,
        detail=f"提案 {PROPOSAL_STATUS_LABELS[current]} → {PROPOSAL_STATUS_LABELS[to]}",
        login=CLI_LOGIN,
    )
    return need


def ask(session: Session, proposal: Proposal, staff=None, *, note: str = "") -> None:
    """The coordinator calls the candidate. Telling a volunteer about the need needs 本人の同意."""
    need = session.get(Need, proposal.need_id)
    if proposal.volunteer_id is not None and not need.consent:
        raise NoConsent("本人の同意がないため、担い手に依頼の連絡はできません")
    _step(session, proposal, ProposalStatus.ASKED, staff, note)
    proposal.asked_at = utcnow()


def accept(session: Session, proposal: Proposal, staff=None, *, note: str = "") -> None:
    """They said yes: the need is 手配済 (the helper's capacity counts this case until done)."""
    if proposal.volunteer_id is not None:
        need = session.get(Need, proposal.need_id)
        if not need.consent:
            raise NoConsent("本人の同意がないため、担い手に依頼できません")
    if proposal.asked_at is None:
        proposal.asked_at = utcnow()
    need = _step(session, proposal, ProposalStatus.ACCEPTED, staff, note)
    proposal.answered_at = utcnow()
    if need.status in (NeedStatus.RECEIVED,):
        change_need_status(session, need, NeedStatus.ARRANGING, staff, note="候補を提案")
    if need.status == NeedStatus.ARRANGING:
        change_need_status(session, need, NeedStatus.ARRANGED, staff, note="引き受けあり")


def decline(session: Session, proposal: Proposal, staff=None, *, note: str = "") -> None:
    """They (or the person) said no: never proposed again for this person."""
    need = _step(session, proposal, ProposalStatus.DECLINED, staff, note)
    proposal.answered_at = utcnow()
    if proposal.asked_at is None:
        proposal.asked_at = proposal.answered_at
    if need.status == NeedStatus.ARRANGED and not _accepted_left(session, need.id):
        change_need_status(session, need, NeedStatus.ARRANGING, staff, note="お断り")


def cancel(session: Session, proposal: Proposal, staff=None, *, note: str = "") -> None:
    """The coordinator drops the proposal (the person found help elsewhere, a mistake…);
    unlike お断り, the volunteer may be proposed again."""
    need = _step(session, proposal, ProposalStatus.CANCELLED, staff, note)
    if need.status == NeedStatus.ARRANGED and not _accepted_left(session, need.id):
        change_need_status(session, need, NeedStatus.ARRANGING, staff, note="提案の取りやめ")


def take_step(
    session: Session,
    proposal: Proposal,
    to: ProposalStatus,
    staff=None,
    *,
    note: str = "",
    settings: MatchSettings,
) -> None:
    """The step of the case that leads to ``to`` (STEPS says from where it may be taken)."""
    to = ProposalStatus(to)
    if to == ProposalStatus.DONE:
        done(session, proposal, staff, note=note, settings=settings)
        return
    steps = {
        ProposalStatus.ASKED: ask,
        ProposalStatus.ACCEPTED: accept,
        ProposalStatus.DECLINED: decline,
        ProposalStatus.CANCELLED: cancel,
    }
    if to not in steps:
        raise MatchingProblem(f"「{PROPOSAL_STATUS_LABELS[to]}」にはできません")
    steps[to](session, proposal, staff, note=note)


def _accepted_left(session: Session, need_id: int) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Proposal)
        .where(Proposal.need_id == need_id, Proposal.status == ProposalStatus.ACCEPTED.value)
    )


def done(
    session: Session, proposal: Proposal, staff=None, *, note: str = "", settings: MatchSettings
) -> None:
    """The help took place: the need is 完了 and the volunteer gets MATCH_POINTS_PER_HELP."""
    need = _step(session, proposal, ProposalStatus.DONE, staff, note)
    proposal.done_at = utcnow()
    if proposal.volunteer_id is not None and settings.points_per_help:
        session.add(
            PointEntry(
                volunteer_id=proposal.volunteer_id,
                delta=settings.points_per_help,
                reason="支援の完了",
                proposal_id=proposal.id,
                account_id=_staff_id(staff),
            )
        )
    if need.status == NeedStatus.ARRANGED and not _accepted_left(session, need.id):
        change_need_status(session, need, NeedStatus.DONE, staff, note="支援の完了")


def points_balance(session: Session, volunteer_id: int) -> int:
    return session.scalar(
        select(func.coalesce(func.sum(PointEntry.delta), 0)).where(
            PointEntry.volunteer_id == volunteer_id
        )
    )


def redeem_points(
    session: Session, volunteer_id: int, points: int, staff=None, *, reason: str = "交換"
) -> int:
    """Exchange points (商品券…); refused beyond the balance. Returns the new balance."""
    if points <= 0:
        raise MatchingProblem("交換するポイントは 1 以上にしてください")
    balance = points_balance(session, volunteer_id)
    if points > balance:
        raise MatchingProblem(f"ポイントが足りません（残り {balance}）")
    session.add(
        PointEntry(
            volunteer_id=volunteer_id, delta=-points, reason=reason, account_id=_staff_id(staff)
        )
    )
    session.flush()
    return balance - points
