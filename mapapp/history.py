"""What a resource's fields are called, how each change is written down, and the history of
a resource: one entry per save (who, when, which fields, old and new values)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.models import Account, Area, Change, ImportRun, Organization

# What staff may change, in the order of the form, with the label people see.
FIELD_LABELS: dict[str, str] = {
    "name": "名称",
    "kana": "名称（かな）",
    "kind": "種別",
    "status": "状態",
    "status_on": "休止・終了の日",
    "organization": "運営団体",
    "venue": "会場",
    "address": "住所",
    "lat": "緯度",
    "lon": "経度",
    "location_precision": "位置の精度",
    "schedule_text": "開催日時",
    "closed_text": "休み",
    "fee_text": "参加費",
    "target_text": "対象者",
    "capacity": "定員",
    "pickup": "送迎",
    "meals": "飲食",
    "coverage": "対象範囲",
    "coverage_m": "対象範囲（m）",
    "service_areas": "対象区域",
    "public_contact": "連絡先",
    "url": "ホームページ",
    "description": "内容",
    "tags": "タグ",
    "verified_on": "最終確認日",
}
EDITABLE = tuple(FIELD_LABELS)
# Shown in the history besides the editable fields (they follow from them).
HISTORY_LABELS = FIELD_LABELS | {
    "organization_id": "運営団体",
    "kind_text": "種別（元の表記）",
    "placement": "位置の決め方",
    "placement_note": "位置の決め方（説明）",
    "create": "登録",
}
# Computed from other fields: recomputed, never shown as a change of their own.
DERIVED_FIELDS = frozenset(
    {"reading", "open_weekdays", "schedule_review", "fee_unit", "fee_amount_yen"}
)


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str | None
    new: str | None

    @property
    def label(self) -> str:
        return HISTORY_LABELS.get(self.field, self.field)


@dataclass
class HistoryEntry:
    """One save: when, by whom (a login or an import's file), which fields."""

    at: dt.datetime
    version: int | None
    by: str
    action: str
    changes: list[FieldChange]


def history(session: Session, resource_id: int) -> list[HistoryEntry]:
    """The resource's changes, newest first, one entry per save."""
    rows = session.scalars(
        select(Change)
        .where(Change.entity == "resource", Change.entity_id == resource_id)
        .order_by(Change.id.desc())
    ).all()
    logins = dict(session.execute(select(Account.id, Account.login)).all())
    files = dict(
        session.execute(
            select(ImportRun.id, ImportRun.filename).where(
                ImportRun.id.in_({r.import_run_id for r in rows if r.import_run_id})
            )
        ).all()
    )
    entries: list[HistoryEntry] = []
    for row in rows:
        if row.field in DERIVED_FIELDS:
            continue
        key = (row.version, row.user_id, row.import_run_id)
        last = entries[-1] if entries else None
        same = last is not None and getattr(last, "_key", None) == key and row.version is not None
        if not same and last is not None and row.version is None:
            same = getattr(last, "_key", None) == key and abs(last.at - row.at).total_seconds() < 2
        if not same:
            if row.user_id:
                by = logins.get(row.user_id, f"#{row.user_id}")
            elif row.import_run_id:
                by = f"取り込み（{files.get(row.import_run_id, '')}）"
            else:
                by = "システム"
            last = HistoryEntry(row.at, row.version, by, row.action, [])
            last._key = key  # type: ignore[attr-defined]
            entries.append(last)
        if row.field:
            last.changes.append(FieldChange(row.field, row.old, row.new))
    return entries


def changes_since(session: Session, resource_id: int, version: int) -> list[FieldChange]:
    """The fields changed after ``version`` (to show a refused second editor what happened)."""
    rows = session.scalars(
        select(Change)
        .where(
            Change.entity == "resource",
            Change.entity_id == resource_id,
            Change.version > version,
            Change.field.is_not(None),
        )
        .order_by(Change.id)
    ).all()
    first: dict[str, FieldChange] = {}
    for row in rows:
        if row.field in DERIVED_FIELDS:
            continue
        earlier = first.get(row.field)
        first[row.field] = FieldChange(row.field, earlier.old if earlier else row.old, row.new)
    return list(first.values())


def value_before(session: Session, name: str, old: str | None) -> dict[str, str]:
    if name == "organization_id":
        org = session.get(Organization, int(old)) if old else None
        return {"organization": org.name if org else ""}
    if name == "service_areas":
        ids = [int(n) for n in re.findall(r"\d+", old or "")]
        names = dict(session.execute(select(Area.id, Area.name).where(Area.id.in_(ids))).all())
        return {"service_areas": "、".join(names.get(i, "") for i in ids)}
    if old in ("True", "False"):
        return {name: "1" if old == "True" else "0"}
    return {name: old or ""}
