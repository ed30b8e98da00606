"""Earlier versions of a resource: its values at any version (the current values with every
later change undone), and restoring one as a new version (history is never rewritten)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.editing import ResourceMissing, Saved, resource_texts, save_resource
from mapapp.history import DERIVED_FIELDS, HISTORY_LABELS, value_before
from mapapp.models import Change, Resource
from mapapp.taxonomy import Taxonomy


class NotRestorable(ValueError):
    pass


def values_at(session: Session, resource_id: int, version: int) -> dict[str, str]:
    """The editable fields as they were at ``version`` (undoing every later change)."""
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise ResourceMissing(resource_id)
    if not 1 <= version <= resource.version:
        raise NotRestorable(f"版 {version} はありません（1〜{resource.version}）")
    texts = resource_texts(session, resource)
    later = session.scalars(
        select(Change)
        .where(
            Change.entity == "resource",
            Change.entity_id == resource_id,
            Change.version > version,
            Change.field.is_not(None),
        )
        .order_by(Change.id.desc())
    ).all()
    for row in later:
        if row.field in DERIVED_FIELDS or row.field in ("kind_text", "placement", "placement_note"):
            continue
        if row.old is None and row.new is None:
            label = HISTORY_LABELS.get(row.field, row.field)
            raise NotRestorable(f"{label}の以前の値は個人宅のため消去されています")
        texts.update(value_before(session, row.field, row.old))
    return texts


def restore(
    session: Session,
    taxonomy: Taxonomy,
    resource_id: int,
    version: int,
    *,
    based_on: int,
    account_id: int | None,
    may_keep: Callable[[frozenset[int]], bool] = lambda areas: True,
) -> Saved:
    """Save the values of an earlier version as a new version (history is never rewritten)."""
    texts = values_at(session, resource_id, version)
    current = resource_texts(session, session.get(Resource, resource_id))
    changed = {k: v for k, v in texts.items() if current.get(k) != v}
    return save_resource(
        session,
        taxonomy,
        changed,
        resource_id=resource_id,
        based_on=based_on,
        account_id=account_id,
        may_keep=may_keep,
    )
