"""Replacing a layer's areas: which stored areas a boundary file keeps, and what becomes of
the stated references (担当区域, 対象区域, a resident's 情報提供 waiting for staff) to those it
removes.

Derived rows are not references: they are computed again from the shapes after the
replacement — resource_area, area_parent, Area.parent_id, and a need's or a volunteer's
第2層 area, which comes from their point (mapapp.areas.place_people).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from mapapp.importing.errors import ImportProblem
from mapapp.models import (
    AccountArea,
    Area,
    Change,
    ServiceArea,
    Suggestion,
    SuggestionStatus,
)


@dataclass(frozen=True)
class References:
    """How many stated things refer to one area."""

    coordinators: int = 0  # accounts whose 担当区域 it is
    services: int = 0  # services (resources) whose 対象区域 it is
    suggestions: int = 0  # 情報提供 from residents still waiting for staff

    def __bool__(self) -> bool:
        return any((self.coordinators, self.services, self.suggestions))

    def __str__(self) -> str:
        """「コーディネーター 2 人の担当区域、サービス 3 件の対象区域」."""
        parts = [
            (self.coordinators, f"コーディネーター {self.coordinators} 人の担当区域"),
            (self.services, f"サービス {self.services} 件の対象区域"),
            (self.suggestions, f"確認待ちの情報提供 {self.suggestions} 件の区域"),
        ]
        return "、".join(text for count, text in parts if count)


@dataclass(frozen=True)
class RemovedArea:
    """A stored area the new file does not have."""

    id: int
    name: str
    code: str
    references: References
    replacement: str | None = None  # the new area its references move to (same name or code)

    @property
    def blocking(self) -> bool:
        """Referred to, with nothing to move the references to."""
        return bool(self.references) and self.replacement is None

    def __str__(self) -> str:
        if not self.references:
            return f"{self.name}（指しているものはありません）"
        if self.replacement is not None:
            return f"{self.name}（{self.references} → 「{self.replacement}」に移します）"
        return f"{self.name}（{self.references}）"


class AreasInUse(ImportProblem):
    """Areas the file lacks are still referred to; nothing was changed."""

    def __init__(self, blocking: list[RemovedArea]):
        self.blocking = blocking
        listed = "".join(f"{a.name} は{a.references}です。" for a in blocking)
        super().__init__(
            "ファイルにない区域を指しているものがあるため、区域を入れ替えられません"
            f"（何も変えていません）。{listed}"
            "ファイルに同じ名前かコードの区域を入れるか、担当者の区域を先に変えてください。"
            "または、これらの指定を外して入れ替えることを選んでください（担当区域と対象区域から"
            "外します）。"
        )


def match_in_place(existing: Iterable[Area], wanted: Mapping[str, dict]) -> dict[str, Area]:
    """{file key: stored area} for the stored areas the file keeps (their ids stay): the same
    key, else the same code, else the same name, each only when it picks out one area."""
    stored = list(existing)
    by_key = {a.source_key: a for a in stored}
    matched = {key: by_key[key] for key in wanted if key in by_key}
    free = [a for a in stored if a.source_key not in wanted]
    for key, values in wanted.items():
        if key in matched:
            continue
        for attribute in ("code", "name"):
            value = values.get(attribute) or ""
            found = [a for a in free if value and getattr(a, attribute) == value]
            if len(found) == 1:
                matched[key] = found[0]
                free.remove(found[0])
                break
    return matched


def plan_removals(session: Session, removed: list[Area], kept: list[Area]) -> list[RemovedArea]:
    """What refers to each removed area, and the kept area (same code, else same name) that
    its references move to."""
    plans = []
    for area in removed:
        replacement = _same_area(area, kept)
        plans.append(
            RemovedArea(
                area.id, area.name, area.code, references_to(session, area.id),
                replacement.name if replacement is not None else None,
            )
        )  # fmt: skip
    return plans


def references_to(session: Session, area_id: int) -> References:
    def count(query) -> int:
        return session.scalar(query) or 0

    return References(
        coordinators=count(
            select(func.count(func.distinct(AccountArea.account_id))).where(
                AccountArea.area_id == area_id
            )
        ),
        services=count(select(func.count()).where(ServiceArea.area_id == area_id)),
        suggestions=count(
            select(func.count()).where(
                Suggestion.area_id == area_id, Suggestion.status == SuggestionStatus.PENDING
            )
        ),
    )


def remove_areas(
    session: Session,
    removed: list[Area],
    kept: list[Area],
    plans: list[RemovedArea],
    *,
    drop_references: bool,
    run_id: int,
) -> None:
    """Move each removed area's references to its replacement; drop those of areas without
    one (only when ``drop_references``, else AreasInUse); then delete the areas."""
    blocking = [p for p in plans if p.blocking]
    if blocking and not drop_references:
        raise AreasInUse(blocking)
    dropped: dict[int, int] = {}  # removed area id → its layer
    for area in removed:
        replacement = _same_area(area, kept)
        if replacement is not None:
            _move_references(session, area.id, replacement.id)
        else:
            dropped[area.id] = area.layer
    if dropped:
        ids = sorted(dropped)
        session.execute(delete(AccountArea).where(AccountArea.area_id.in_(ids)))
        session.execute(delete(ServiceArea).where(ServiceArea.area_id.in_(ids)))
        session.execute(
            update(Suggestion)
            .where(Suggestion.area_id.in_(ids))
            .values(area_id=None)
            .execution_options(synchronize_session=False)
        )
    for area in removed:
        session.add(
            Change(entity="area", entity_id=area.id, action="delete", old=area.name,
                   import_run_id=run_id)
        )  # fmt: skip
    ids = [a.id for a in removed]
    for area in removed:
        session.expunge(area)
    if ids:
        session.execute(
            delete(Area).where(Area.id.in_(ids)).execution_options(synchronize_session=False)
        )


def _same_area(area: Area, kept: list[Area]) -> Area | None:
    for attribute in ("code", "name"):
        value = getattr(area, attribute) or ""
        found = [k for k in kept if value and getattr(k, attribute) == value]
        if len(found) == 1:
            return found[0]
    return None


def _move_references(session: Session, old: int, new: int) -> None:
    owners = ((AccountArea, AccountArea.account_id), (ServiceArea, ServiceArea.resource_id))
    for model, owner in owners:
        moving = set(session.scalars(select(owner).where(model.area_id == old)))
        present = set(session.scalars(select(owner).where(model.area_id == new)))
        session.execute(delete(model).where(model.area_id == old))
        rows = [{owner.key: o, "area_id": new} for o in sorted(moving - present)]
        if rows:
            session.execute(insert(model.__table__), rows)
    session.execute(
        update(Suggestion)
        .where(Suggestion.area_id == old)
        .values(area_id=new)
        .execution_options(synchronize_session=False)
    )
