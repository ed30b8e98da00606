"""Staff edits of one resource: checked like an imported row, saved only over the version it
was based on, every changed field kept in the history with who changed it, areas re-derived.

An edit is the resource's current values as text with the changed fields laid over them, read
by the same ``build_record`` an import uses: the same checks, the same Japanese messages, the
same private-home rule (mapapp.privacy) and the same derived fields.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from mapapp.areas import area_shapes, place_resources
from mapapp.history import (
    DERIVED_FIELDS,
    EDITABLE,
    FIELD_LABELS,
    FieldChange,
    changes_since,
)
from mapapp.importing.records import ResourceRecord, build_record, hide_home_point
from mapapp.importing.writer import (
    COLUMNS,
    QUIET_COLUMNS,
    forget_private_history,
    hide_private_homes,
    organization_ids,
    resource_values,
)
from mapapp.models import (
    Area,
    Change,
    Layer,
    Placement,
    Resource,
    ResourceArea,
    ResourceStatus,
    ResourceTag,
    ScheduleRule,
    ServiceArea,
)
from mapapp.placement import Placed
from mapapp.privacy import is_private_home
from mapapp.storage import bump_data_version
from mapapp.taxonomy import Taxonomy
from mapapp.text import normalize_line, search_key

STAFF_SOURCE = "staff"  # the source of resources made by staff in the browser or the API

MAX_TEXT_CHARS = 5000  # any one field of an edit; the record's own limits are tighter


class EditProblem(ValueError):
    """The edit cannot be saved as given; ``problems`` says why, by field."""

    def __init__(self, problems: Mapping[str, str]):
        super().__init__("、".join(_with_label(k, v) for k, v in problems.items()))
        self.problems = dict(problems)


def _with_label(name: str, problem: str) -> str:
    label = FIELD_LABELS.get(name, name)
    return problem if problem.startswith(label) else f"{label}: {problem}"


class StaleEdit(Exception):
    """The resource changed since the version the edit was based on; nothing was written."""

    def __init__(self, current_version: int, changes: list[FieldChange]):
        super().__init__(f"この資源は別の人が先に変更しました（現在の版 {current_version}）")
        self.current_version = current_version
        self.changes = changes


class OutsideScope(PermissionError):
    """The resource lies, or would lie, outside the areas the editor keeps."""


class ResourceMissing(LookupError):
    pass


@dataclass
class Saved:
    resource_id: int
    version: int
    created: bool
    changes: list[FieldChange] = field(default_factory=list)
    outside_areas: bool = False


# --- the current values as text ----------------------------------------------------------------


def resource_texts(session: Session, resource: Resource) -> dict[str, str]:
    """The resource's editable values as the text a form or a file would hold."""
    texts = {
        "name": resource.name,
        "kana": resource.kana,
        "kind": resource.kind,
        "status": resource.status.value,
        "status_on": _text(resource.status_on),
        "organization": resource.organization.name if resource.organization else "",
        "venue": resource.venue,
        "address": resource.address,
        "lat": _text(resource.lat),
        "lon": _text(resource.lon),
        "location_precision": resource.location_precision.value,
        "schedule_text": resource.schedule_text,
        "closed_text": resource.closed_text,
        "fee_text": resource.fee_text,
        "target_text": resource.target_text,
        "capacity": _text(resource.capacity),
        "pickup": _text(resource.pickup),
        "meals": _text(resource.meals),
        "coverage": resource.coverage.value,
        "coverage_m": _text(resource.coverage_m),
        "service_areas": "、".join(a.name for a in resource.service_areas),
        "public_contact": resource.public_contact,
        "url": resource.url,
        "description": resource.description,
        "tags": "、".join(sorted(t.tag for t in resource.tags)),
        "verified_on": _text(resource.verified_on),
    }
    return texts


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def as_text(value) -> str:
    """A value from a form or a JSON body as the text the record reader takes."""
    if isinstance(value, list | tuple):
        return "、".join(_text(v) for v in value)
    if isinstance(value, dict):
        raise TypeError("an object")
    return _text(value)


# --- saving ------------------------------------------------------------------------------------


def save_resource(
    session: Session,
    taxonomy: Taxonomy,
    changes: Mapping[str, object],
    *,
    resource_id: int | None = None,
    based_on: int | None = None,
    account_id: int | None = None,
    may_keep: Callable[[frozenset[int]], bool] = lambda areas: True,
    today: dt.date | None = None,
    find_point: Callable[[str, str, str], object] | None = None,
) -> Saved:
    """Create (``resource_id`` None) or change a resource, inside the caller's transaction.

    ``based_on`` is the version the editor saw; a resource that has moved on since raises
    StaleEdit (with what changed) and nothing is written. ``may_keep`` says whether the editor
    keeps the given areas: it is asked for where the resource is and where it would be.
    ``find_point(venue, name, address)`` places a resource given no point, as imports do
    (mapapp.importing.placing.load_placer).
    """
    unknown = [name for name in changes if name not in EDITABLE]
    if unknown:
        raise EditProblem({name[:60]: "この項目は変更できません" for name in unknown})
    resource = None
    if resource_id is not None:
        resource = session.get(Resource, resource_id)
        if resource is None:
            raise ResourceMissing(resource_id)
        if based_on is None:
            raise EditProblem({"version": "もとにした版（version）を指定してください"})
        if based_on != resource.version:
            raise StaleEdit(resource.version, changes_since(session, resource_id, based_on))
        if not may_keep(current_areas(session, resource_id)):
            raise OutsideScope("担当区域の外にある資源です")
    texts = resource_texts(session, resource) if resource else {}
    problems: dict[str, str] = {}
    for name, value in changes.items():
        try:
            text = as_text(value)
        except TypeError:
            problems[name] = "文字か数で書いてください"
            continue
        if len(text) > MAX_TEXT_CHARS:
            problems[name] = f"長すぎます（{len(text):,} 文字。{MAX_TEXT_CHARS:,} 文字まで）"
        texts[name] = text
    if problems:
        raise EditProblem(problems)

    record = _record(session, taxonomy, texts, find_point)
    status_on = _status_on(texts, record, resource, today)
    moved = resource is None or (resource.lat, resource.lon) != (record.lat, record.lon)
    if resource is not None and not moved:
        record.placement, record.placement_note = resource.placement, resource.placement_note
    elif record.lat is not None and record.placement == Placement.COORDINATES:
        record.placement, record.placement_note = Placement.MANUAL, "職員が地図で指定"
    if record.lat is not None and not may_keep(_areas_at(session, record.lat, record.lon)):
        raise OutsideScope("担当区域の外には置けません")

    org_ids = organization_ids(session, {record.organization} if record.organization else set())
    values = resource_values(record, org_ids)
    values["status_on"] = status_on
    if resource is None:
        return _create(session, record, values, account_id)
    return _update(session, resource, record, values, account_id)


def _record(session: Session, taxonomy: Taxonomy, texts: dict[str, str], find_point=None):
    kind = taxonomy.find_kind(texts.get("kind", ""))
    problems: dict[str, str] = {}
    if kind is None:
        word = texts.get("kind", "")
        problems["kind"] = f"種別「{word}」は分類表にありません" if word else "種別を選んでください"
    record, found = build_record(texts, kind.code if kind else "", taxonomy)
    problems.update({k: v for k, v in found.items() if not (k == "kind" and "kind" in problems)})
    if record is not None:
        # An import leaves an unreadable URL or contact out and says so; an editor who typed
        # one is told instead, and the value that was there stays.
        for name in ("url", "public_contact"):
            if normalize_line(texts.get(name, "")) and not getattr(record, name):
                said = record.warnings.get(name, "読み取れません")
                problems[name] = said.removesuffix("。空欄にしました")
        names = _area_ids_by_name(session)
        unknown = [n for n in record.service_areas if search_key(n) not in names]
        if unknown:
            problems["service_areas"] = f"区域「{'、'.join(unknown)}」が登録されていません"
        record.service_areas = [names[search_key(n)] for n in record.service_areas if not unknown]
    if problems or record is None:
        raise EditProblem(problems)
    if record.lat is None and find_point is not None and (record.address or record.venue):
        found = find_point(record.venue, record.name, record.address)
        if isinstance(found, Placed):  # by its 会場, 町丁目 or 大字, as imports place rows
            record.lat, record.lon = found.lat, found.lon
            record.placement, record.placement_note = found.placement, found.note
            if is_private_home(record.location_precision):
                hide_home_point(record)
    if record.private_point is not None:
        shapes = area_shapes(session)
        hide_private_homes(
            [record], shapes, dict(session.execute(select(Area.id, Area.name)).all())
        )
    record.source = STAFF_SOURCE
    return record


def _status_on(texts, record: ResourceRecord, resource: Resource | None, today) -> dt.date | None:
    """Since when a resource is 休止中 or 終了: as written, else the day it was set so."""
    written = normalize_line(texts.get("status_on", ""))
    if record.status not in (ResourceStatus.PAUSED, ResourceStatus.CLOSED):
        return None
    if written:
        from mapapp.importing.fields import FieldProblem, parse_date

        try:
            return parse_date(written)
        except FieldProblem as exc:
            raise EditProblem({"status_on": str(exc)}) from None
    if resource is not None and resource.status == record.status and resource.status_on:
        return resource.status_on
    return today or dt.date.today()


def _create(session, record: ResourceRecord, values: dict, account_id) -> Saved:
    table = Resource.__table__
    row = {**values, "source": STAFF_SOURCE, "source_key": uuid.uuid4().hex[:16], "version": 1}
    resource_id = session.execute(insert(table).returning(table.c.id), [row]).scalar_one()
    session.execute(
        insert(Change.__table__),
        [{"entity": "resource", "entity_id": resource_id, "action": "create",
          "user_id": account_id, "version": 1}],
    )  # fmt: skip
    _replace_links(session, resource_id, record)
    outside = place_resources(session, [(resource_id, record.lat, record.lon)])
    bump_data_version(session)
    return Saved(resource_id, 1, True, [], bool(outside))


def _update(session, resource: Resource, record: ResourceRecord, values: dict, account_id):
    old = {name: getattr(resource, name) for name in (*COLUMNS, "status_on")}
    changes = [
        FieldChange(name, _stored(old[name]), _stored(values[name]))
        for name in (*COLUMNS, "status_on")
        if _stored(old[name]) != _stored(values[name])
    ]
    old_tags = "、".join(sorted(t.tag for t in resource.tags))
    new_tags = "、".join(sorted(record.tags))
    if old_tags != new_tags:
        changes.append(FieldChange("tags", old_tags, new_tags))
    old_served = str(tuple(sorted(a.id for a in resource.service_areas)))
    new_served = str(tuple(sorted(record.service_areas)))
    if old_served != new_served:
        changes.append(FieldChange("service_areas", old_served, new_served))
    if not changes:
        return Saved(resource.id, resource.version, False, [], resource.outside_areas)
    version = resource.version + 1
    table = Resource.__table__
    written = session.execute(
        update(table)
        .where(table.c.id == resource.id, table.c.version == resource.version)
        .values({**{n: values[n] for n in (*COLUMNS, *QUIET_COLUMNS, "status_on")}})
        .values(version=version)
    )
    if written.rowcount != 1:  # changed between reading and writing: the other save wins
        raise StaleEdit(resource.version + 1, [])
    session.execute(
        insert(Change.__table__),
        [
            {"entity": "resource", "entity_id": resource.id, "action": "update",
             "field": c.field, "old": c.old, "new": c.new, "user_id": account_id,
             "version": version}
            for c in changes
        ],
    )  # fmt: skip
    session.expire(resource)
    _replace_links(session, resource.id, record)
    outside = place_resources(session, [(resource.id, record.lat, record.lon)])
    if is_private_home(record.location_precision):
        forget_private_history(session, [resource.id])
    bump_data_version(session)
    shown = [c for c in changes if c.field not in DERIVED_FIELDS]
    return Saved(resource.id, version, False, shown, bool(outside))


def _stored(value) -> str | None:
    """A value as the history keeps it (the same text imports write)."""
    if value is None:
        return None
    value = value.value if hasattr(value, "value") else value
    return str(value)


def _replace_links(session, resource_id: int, record: ResourceRecord) -> None:
    for table in (ResourceTag, ServiceArea, ScheduleRule):
        session.execute(delete(table).where(table.resource_id == resource_id))
    if record.tags:
        session.execute(
            insert(ResourceTag.__table__),
            [{"resource_id": resource_id, "tag": t} for t in record.tags],
        )
    if record.service_areas:
        session.execute(
            insert(ServiceArea.__table__),
            [{"resource_id": resource_id, "area_id": a} for a in record.service_areas],
        )
    if record.schedule_rules:
        session.execute(
            insert(ScheduleRule.__table__),
            [{"resource_id": resource_id, **rule} for rule in record.schedule_rules],
        )


def _area_ids_by_name(session: Session) -> dict[str, int]:
    rows = session.execute(select(Area.id, Area.name, Area.layer)).all()
    names: dict[str, int] = {}
    for row in sorted(rows, key=lambda r: r.layer != Layer.DAILY_LIFE):
        names.setdefault(search_key(row.name), row.id)
    return names


def current_areas(session: Session, resource_id: int) -> frozenset[int]:
    return frozenset(
        session.scalars(select(ResourceArea.area_id).where(ResourceArea.resource_id == resource_id))
    )


def _areas_at(session: Session, lat: float, lon: float) -> frozenset[int]:
    from mapapp.geo import areas_containing

    found = areas_containing([lat], [lon], area_shapes(session))[0]
    return frozenset(a.id for a in found)


# --- confirming -------------------------------------------------------------------------------


def confirm_unchanged(
    session: Session, resource_id: int, on: dt.date, account_id: int | None
) -> Saved:
    """最終確認日 set to ``on``: checked and still as listed. Kept in the history."""
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise ResourceMissing(resource_id)
    old, version = resource.verified_on, resource.version + 1
    session.execute(
        update(Resource.__table__)
        .where(Resource.id == resource_id)
        .values(verified_on=on, version=version)
    )
    session.execute(
        insert(Change.__table__),
        [{"entity": "resource", "entity_id": resource_id, "action": "update",
          "field": "verified_on", "old": _stored(old), "new": on.isoformat(),
          "user_id": account_id, "version": version}],
    )  # fmt: skip
    bump_data_version(session)
    session.expire(resource)
    return Saved(resource_id, version, False, [FieldChange("verified_on", _stored(old), str(on))])
