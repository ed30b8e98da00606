"""A need taken on the phone or at a visit (相談受付), and a volunteer (担い手) recorded or
changed by a coordinator in a form.

The texts are read by the same functions as a list row (mapapp.matching.records). Where the
person lives is a map click or 緯度・経度, or an address placed as list rows are placed
(町丁目, 大字, a known venue; no online search from a form). The 第2層 area is derived from the
point and must be one of the coordinator's own (``scope``), or the save is refused with
everything typed kept. A change is based on the version the form was opened at: when someone
else saved in between, it is refused (StaleRecord) and nothing is overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mapapp import audit
from mapapp.areas import area_shapes
from mapapp.geo import areas_containing
from mapapp.matching import MatchingProblem
from mapapp.matching.people import in_scope, need_by_id, volunteer_by_id
from mapapp.matching.records import (
    IMPORTED_TRAINING,
    apply_need,
    apply_volunteer,
    read_need,
    read_volunteer,
)
from mapapp.matching.settings import MatchSettings
from mapapp.matching.vocab import Vocabulary
from mapapp.models import (
    Area,
    Layer,
    Need,
    NeedStatus,
    NeedStatusChange,
    Placement,
    Proposal,
    ProposalStatus,
    Volunteer,
)
from mapapp.placement import NotPlaced

MANUAL_SOURCE = "manual"  # 出典 of records typed in the staff pages
OPEN_PROPOSALS = (ProposalStatus.PROPOSED, ProposalStatus.ASKED, ProposalStatus.ACCEPTED)

# The form's fields, in the order the form shows them; the labels name them in messages.
NEED_LABELS = {
    "label": "相談者（呼び名）",
    "contact": "連絡先",
    "address": "住所",
    "lat": "緯度",
    "lon": "経度",
    "kinds": "困りごと",
    "text": "相談の内容",
    "wanted": "希望日時",
    "urgency": "緊急度",
    "wishes": "希望（同性の方など）",
    "gender": "性別",
    "consent": "本人の同意",
    "consent_how": "同意の方法",
    "consent_on": "同意日",
    "consent_scope": "共有してよい範囲",
    "received_on": "受付日",
    "follow_up_on": "次回確認日",
    "source_key": "出典ID",
}
VOLUNTEER_LABELS = {
    "label": "氏名",
    "contact": "連絡先",
    "address": "住所",
    "lat": "緯度",
    "lon": "経度",
    "skills": "活動",
    "availability": "活動できる日時",
    "travel_mode": "移動手段",
    "travel_m": "移動距離（m）",
    "capacity": "同時に担当できる人数",
    "trained_on": "養成講座の修了日",
    "insurance_until": "ボランティア保険の期限",
    "status": "状態",
    "gender": "性別",
    "note": "備考",
    "source_key": "出典ID",
}
MAX_TEXT = 2000  # characters of one free-text field
OUTSIDE_SCOPE = "その場所は担当区域の外です（担当区域の中の場所を選んでください）"


class IntakeProblem(MatchingProblem):
    """Fields that cannot be saved: field → a Japanese reason."""

    def __init__(self, problems: dict[str, str], *, outside_scope: bool = False):
        self.problems = problems
        self.outside_scope = outside_scope  # the place lies outside the viewer's areas
        super().__init__("、".join(problems.values()))


class StaleRecord(MatchingProblem):
    """Someone saved the record after this form was opened."""


# Where a record without 緯度・経度 lies: its address placed as list rows are (or NotPlaced).
Place = Callable[[str], object]


@dataclass(frozen=True)
class Saved:
    id: int
    created: bool
    changed: bool


def version_of(row: Need | Volunteer) -> str:
    """The version a form is based on: when the record was last saved."""
    return row.updated_at.isoformat(timespec="microseconds") if row.updated_at else ""


def need_texts(need: Need) -> dict[str, str]:
    """A need as the form shows it."""
    return {
        "label": need.label,
        "contact": need.contact,
        "address": need.address,
        "lat": _number(need.lat),
        "lon": _number(need.lon),
        "kinds": "、".join(k.kind for k in need.kinds),
        "text": need.text,
        "wanted": need.wanted_text,
        "urgency": str(need.urgency),
        "wishes": need.wishes,
        "gender": need.gender,
        "consent": "あり" if need.consent else "なし",
        "consent_how": need.consent_how,
        "consent_on": _date(need.consent_on),
        "consent_scope": need.consent_scope,
        "received_on": _date(need.received_on),
        "follow_up_on": _date(need.follow_up_on),
        "source_key": need.source_key or "",
    }


def volunteer_texts(volunteer: Volunteer) -> dict[str, str]:
    training = next((t for t in volunteer.trainings if t.name == IMPORTED_TRAINING), None)
    return {
        "label": volunteer.label,
        "contact": volunteer.contact,
        "address": volunteer.address,
        "lat": _number(volunteer.lat),
        "lon": _number(volunteer.lon),
        "skills": "、".join(s.skill for s in volunteer.skills),
        "availability": volunteer.availability_text,
        "travel_mode": str(volunteer.travel_mode),
        "travel_m": str(volunteer.travel_m),
        "capacity": str(volunteer.capacity),
        "trained_on": _date(training.completed_on if training else None),
        "insurance_until": _date(volunteer.insurance_until),
        "status": str(volunteer.status),
        "gender": volunteer.gender,
        "note": volunteer.note,
        "source_key": volunteer.source_key or "",
    }


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def save_need(
    session: Session,
    vocabulary: Vocabulary,
    texts: dict[str, str],
    *,
    staff,
    scope: frozenset[int] | None,
    today: dt.date,
    place: Place,
    need_ref: int | None = None,
    based_on: str | None = None,
    ip: str = "",
) -> Saved:
    """Record a new need (``need_ref`` None: 受付 today unless a 受付日 is given) or change one.
    IntakeProblem lists every field that cannot be saved; NotInScope when the need (or the
    place it is moved to) lies outside ``scope``; StaleRecord when ``based_on`` is old."""
    texts = _bounded(texts)
    record, problems = read_need(texts, vocabulary, today, keyed=False)
    _locate(session, record, problems, place)
    _check_scope(record, problems, scope)
    existing = None
    if need_ref is not None:
        existing = need_by_id(session, need_ref, scope)
        _check_version(existing, based_on)
    _check_key(session, Need, record, existing, problems)
    if problems:
        raise IntakeProblem(
            _labelled(problems, NEED_LABELS), outside_scope=problems.get("lat") == OUTSIDE_SCOPE
        )
    if existing is None:
        need = Need(
            source=MANUAL_SOURCE,
            source_key=record["source_key"],
            status=NeedStatus.RECEIVED,
            coordinator_id=staff.id if staff else None,
        )
        if record["received_on"] is None:
            record["received_on"] = today
        apply_need(need, record)
        session.add(need)
        session.flush()
        session.add(
            NeedStatusChange(
                need_id=need.id,
                account_id=staff.id if staff else None,
                old_status=None,
                new_status=NeedStatus.RECEIVED.value,
                note="相談受付",
            )
        )
        audit.record(session, staff, "create", entity="need", entity_id=need.id, ip=ip)
        return Saved(need.id, True, True)
    if record["received_on"] is None:
        record["received_on"] = existing.received_on
    record["source_key"] = record["source_key"] or existing.source_key
    if "referred_to" not in texts:  # つなぎ先 is set with the status, not in the form
        record["referred_to"] = existing.referred_to
    changed = apply_need(existing, record)
    session.flush()
    if changed:
        audit.record(session, staff, "update", entity="need", entity_id=existing.id, ip=ip)
    return Saved(existing.id, False, changed)


def save_volunteer(
    session: Session,
    vocabulary: Vocabulary,
    settings: MatchSettings,
    texts: dict[str, str],
    *,
    staff,
    scope: frozenset[int] | None,
    place: Place,
    volunteer_ref: int | None = None,
    based_on: str | None = None,
    ip: str = "",
) -> Saved:
    """Record a new volunteer or change one, as :func:`save_need`."""
    texts = _bounded(texts)
    record, problems = read_volunteer(texts, vocabulary, settings, keyed=False)
    if record.get("travel_m") is None and "travel_m" not in problems:
        problems["travel_m"] = "移動距離がわかりません（移動手段を選ぶか、m で書いてください）"
    _locate(session, record, problems, place)
    _check_scope(record, problems, scope)
    existing = None
    if volunteer_ref is not None:
        existing = volunteer_by_id(session, volunteer_ref, scope)
        _check_version(existing, based_on)
    _check_key(session, Volunteer, record, existing, problems)
    if problems:
        raise IntakeProblem(
            _labelled(problems, VOLUNTEER_LABELS),
            outside_scope=problems.get("lat") == OUTSIDE_SCOPE,
        )
    if existing is None:
        volunteer = Volunteer(source=MANUAL_SOURCE, source_key=record["source_key"])
        session.add(volunteer)
        apply_volunteer(volunteer, record)
        session.flush()
        audit.record(session, staff, "create", entity="volunteer", entity_id=volunteer.id, ip=ip)
        return Saved(volunteer.id, True, True)
    record["source_key"] = record["source_key"] or existing.source_key
    changed = apply_volunteer(existing, record)
    session.flush()
    if changed:
        audit.record(session, staff, "update", entity="volunteer", entity_id=existing.id, ip=ip)
    return Saved(existing.id, False, changed)


def delete_need(session: Session, need_id: int, *, staff, scope, ip: str = "") -> None:
    """Delete a person's need for good (本人の求め, the end of keeping it): its kinds, status
    history and cases go with it. The audit log keeps that it was deleted, by whom, and no
    personal data. NotInScope outside ``scope``."""
    need = need_by_id(session, need_id, scope)
    session.delete(need)
    session.flush()
    audit.record(
        session, staff, "delete", entity="need", entity_id=need_id, ip=ip,
        detail="相談の記録を削除",
    )  # fmt: skip


def delete_volunteer(session: Session, volunteer_id: int, *, staff, scope, ip: str = "") -> None:
    """Delete a volunteer for good: skills, trainings and points go with them; the cases they
    took part in stay with their needs, without them. Refused while a case of theirs is still
    open (候補・依頼中・引き受け): end it first."""
    volunteer = volunteer_by_id(session, volunteer_id, scope)
    open_cases = session.scalar(
        select(func.count())
        .select_from(Proposal)
        .where(
            Proposal.volunteer_id == volunteer_id,
            Proposal.status.in_([s.value for s in OPEN_PROPOSALS]),
        )
    )
    if open_cases:
        raise MatchingProblem(
            f"進行中の提案が {open_cases} 件あります。取りやめるか完了にしてから削除してください"
        )
    session.delete(volunteer)
    session.flush()
    audit.record(
        session, staff, "delete", entity="volunteer", entity_id=volunteer_id, ip=ip,
        detail="担い手の記録を削除",
    )  # fmt: skip


def _bounded(texts: dict) -> dict[str, str]:
    """Form texts as strings of at most MAX_TEXT characters (a list of ticked codes joined)."""
    out = {}
    for name, value in texts.items():
        if isinstance(value, list | tuple):
            value = "、".join(str(v) for v in value)
        out[name] = str(value if value is not None else "")[:MAX_TEXT]
    return out


def _locate(session: Session, record: dict, problems: dict, place: Place) -> None:
    """The point (given, or placed from the address) and the 第2層 area it lies in."""
    record["area_id"] = None
    if record["lat"] is None and "lat" not in problems:
        if not record["address"]:
            problems["address"] = "住所を書くか、地図で場所を選んでください"
            return
        found = place(record["address"])
        if found is None or isinstance(found, NotPlaced):
            why = found.reason if found is not None else "住所から場所を決められません"
            problems["address"] = f"住所から場所がわかりません（{why}）。地図で場所を選んでください"
            return
        record["lat"], record["lon"] = found.lat, found.lon
        record["placement"] = found.placement
    else:
        record["placement"] = Placement.COORDINATES
    if record["lat"] is None:
        return
    shapes = [a for a in area_shapes(session) if a.layer == Layer.DAILY_LIFE]
    inside = areas_containing([record["lat"]], [record["lon"]], shapes)[0] if shapes else []
    record["area_id"] = inside[0].id if inside else None


def _check_scope(record: dict, problems: dict, scope: frozenset[int] | None) -> None:
    if problems.get("lat") or problems.get("address") or record.get("lat") is None:
        return
    if not in_scope(record["area_id"], scope):
        problems["lat"] = OUTSIDE_SCOPE


def _check_key(session: Session, model, record: dict, existing, problems: dict) -> None:
    """A 出典ID typed in a form is one record's only (it keys a list imported again). The
    message does not say whose: that record may lie outside the viewer's areas."""
    key = record.get("source_key")
    if not key or (existing is not None and existing.source_key == key):
        return
    taken = session.scalar(
        select(model.id).where(model.source == MANUAL_SOURCE, model.source_key == key)
    )
    if taken is not None:
        problems["source_key"] = "この出典IDはほかの記録で使われています"


def _check_version(row: Need | Volunteer, based_on: str | None) -> None:
    if based_on is not None and based_on != version_of(row):
        raise StaleRecord(
            "ほかの人が先にこの記録を変更しました。開き直して、最新の内容を確かめてください"
        )


def _labelled(problems: dict[str, str], labels: dict[str, str]) -> dict[str, str]:
    """Problems keyed by form field; a reason that does not name its field gets the label."""
    out = {}
    for name, reason in problems.items():
        label = labels.get(name, "")
        out[name] = reason if not label or label in reason else f"{label}: {reason}"
    return out


def area_names(session: Session, ids) -> dict[int, str]:
    ids = [i for i in set(ids) if i is not None]
    if not ids:
        return {}
    return dict(session.execute(select(Area.id, Area.name).where(Area.id.in_(ids))).all())
