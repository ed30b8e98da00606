"""An import limited to some areas (a coordinator's): what it may create and change.

Every resource the import creates or changes must lie, by its stored (public) point, in one
of the allowed areas after the import, and every resource it changes must have lain in one
of them before. Rows the file leaves unchanged write nothing and are not refused; a row that
cannot be placed (位置なし) lies in no area and is refused.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.importing.errors import ImportProblem
from mapapp.models import Resource, ResourceArea

CHUNK = 500  # ids per IN (...) list
LISTED = 10  # resources named one by one in the message; the rest are counted


class OutsideImportScope(ImportProblem):
    """The import creates or changes resources outside the allowed areas; nothing was
    written. ``outside_after`` and ``outside_before`` are the resources' ids."""

    def __init__(self, message: str, outside_after=frozenset(), outside_before=frozenset()):
        super().__init__(message)
        self.outside_after = frozenset(outside_after)
        self.outside_before = frozenset(outside_before)


def resources_in(session: Session, areas: frozenset[int], among: Iterable[int]) -> set[int]:
    """Those of the resources ``among`` that lie in one of ``areas``."""
    found: set[int] = set()
    query = select(ResourceArea.resource_id).where(ResourceArea.area_id.in_(sorted(areas)))
    ids = sorted(set(among))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found |= set(session.scalars(query.where(ResourceArea.resource_id.in_(chunk))))
    return found


def check_scope(
    session: Session,
    areas: frozenset[int],
    *,
    created: Iterable[int],
    changed: Iterable[int],
    changed_inside_before: set[int],
) -> None:
    """Raise OutsideImportScope when a created or changed resource lies outside ``areas`` now,
    or a changed one did before (``changed_inside_before``: those of ``changed`` that did not,
    read before the write)."""
    created, changed = set(created), set(changed)
    touched = created | changed
    outside_after = touched - resources_in(session, areas, touched)
    outside_before = changed - changed_inside_before
    if outside_after or outside_before:
        raise OutsideImportScope(
            scope_message(session, outside_after, outside_before), outside_after, outside_before
        )


def scope_message(session: Session, outside_after: set[int], outside_before: set[int]) -> str:
    def names(ids: set[int]) -> str:
        shown = sorted(ids)[:LISTED]
        found = dict(
            session.execute(select(Resource.id, Resource.name).where(Resource.id.in_(shown))).all()
        )
        listed = "、".join(f"「{found.get(i, i)}」" for i in shown)
        return listed + (f" ほか {len(ids) - LISTED} 件" if len(ids) > LISTED else "")

    parts = [
        "担当区域の外の資源があるため、このファイルは取り込めません（何も書き込んでいません）。"
    ]
    if outside_after:
        parts.append(
            f"担当区域の外にある行・位置がわからない行 {len(outside_after)} 件: "
            f"{names(outside_after)}。"
        )
    if outside_before:
        parts.append(
            f"担当区域の外にある資源を変更する行 {len(outside_before)} 件: "
            f"{names(outside_before)}。"
        )
    parts.append("担当区域の行だけのファイルにするか、管理者に取り込みを頼んでください。")
    return "".join(parts)
