"""Writing checked resource records in one transaction: create, update by source key, keep
history, place in areas, bump the data version."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import RowMapping, bindparam, delete, insert, select, update

from mapapp.areas import CHUNK, area_shapes, place_resources
from mapapp.geo import areas_containing
from mapapp.importing.records import DERIVED_VERSION, ResourceRecord, derived_values
from mapapp.importing.scope import check_scope
from mapapp.models import (
    Area,
    Change,
    ImportRun,
    Layer,
    Meta,
    Organization,
    Resource,
    ResourceArea,
    ResourceStatus,
    ResourceTag,
    ScheduleRule,
    ServiceArea,
)
from mapapp.privacy import PRIVATE_FIELDS, is_private_home
from mapapp.storage import Storage, bump_data_version
from mapapp.text import reading, search_key

# Resource columns an import sets, compared to decide whether a row changed.
COLUMNS = (
    "kind",
    "kind_text",
    "name",
    "kana",
    "organization_id",
    "venue",
    "address",
    "lat",
    "lon",
    "placement",
    "placement_note",
    "location_precision",
    "coverage",
    "coverage_m",
    "schedule_text",
    "closed_text",
    "fee_text",
    "target_text",
    "capacity",
    "pickup",
    "meals",
    "public_contact",
    "url",
    "description",
    "status",
    "verified_on",
    "reading",
    "open_weekdays",
    "schedule_review",
    "fee_unit",
    "fee_amount_yen",
)
# Written with every row but neither compared nor kept in the history: it follows from the
# venue (which is), and for a private home the history must not keep what the venue was.
QUIET_COLUMNS = ("venue_reading",)


@dataclass
class WriteResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    outside_areas: list[str] = field(default_factory=list)  # names of resources 区域外
    not_in_file: int = 0  # rows of the same source(s) that this file no longer has
    closed: int = 0  # of those, how many this import marked 終了 (--close-missing)
    import_run_id: int | None = None


def write_resources(
    storage: Storage,
    records: Sequence[ResourceRecord],
    *,
    filename: str,
    profile: str,
    rejected: int,
    dry_run: bool,
    progress: Callable[[str, int, int], None],
    close_missing: bool = False,
    allowed_areas: frozenset[int] | None = None,
) -> WriteResult:
    """Create or update ``records`` by (source, source_key), all in one transaction.

    A dry run does all the work, reports it, and rolls it back. With ``allowed_areas``, the
    write is checked before it commits (or rolls back) and raises OutsideImportScope when it
    creates or changes a resource outside them (mapapp.importing.scope).
    """
    result = WriteResult()
    with storage.transaction(commit=not dry_run) as session:
        inside_before: set[int] = set()
        if allowed_areas is not None:
            inside_before = set(
                session.scalars(
                    select(ResourceArea.resource_id).where(
                        ResourceArea.area_id.in_(sorted(allowed_areas))
                    )
                )
            )
        created, changed = _write(session, records, result, filename, profile, rejected, progress)
        if close_missing:
            changed |= _close_missing(session, records, result)
        if allowed_areas is not None:
            check_scope(
                session, allowed_areas, created=created, changed=changed,
                changed_inside_before=inside_before & changed,
            )  # fmt: skip
    if dry_run:
        result.import_run_id = None  # the run's record was rolled back with everything else
    return result


def _write(
    session, records, result, filename, profile, rejected, progress
) -> tuple[set[int], set[int]]:
    """Write the records; returns the ids of the resources created and of those changed."""
    run = ImportRun(
        target="resources",
        source=",".join(sorted({r.source for r in records})),
        profile=profile,
        filename=filename,
        rows_total=len(records) + rejected,
        rejected=rejected,
    )
    session.add(run)
    session.flush()
    result.import_run_id = run.id

    shapes = area_shapes(session)
    hide_private_homes(records, shapes, dict(session.execute(select(Area.id, Area.name)).all()))
    org_ids = organization_ids(session, {r.organization for r in records if r.organization})
    first_rows = session.scalar(select(Resource.id).limit(1)) is None
    existing = _existing(session, {r.source for r in records})
    _reconcile_keys(records, existing)
    wanted = {(r.source, r.source_key): r for r in records}
    result.not_in_file = sum(1 for key in existing if key not in wanted)

    # Only what a write needs is kept for all rows: the records to create, and the values and
    # differences of the rows that changed. Values, statements' parameters and history rows
    # are built per chunk of rows as they are written, so that memory follows the rows kept.
    creates: list[ResourceRecord] = []
    updates: list[tuple[int, int, ResourceRecord, dict, dict]] = []
    for key, record in wanted.items():
        old = existing.get(key)
        if old is None:
            creates.append(record)
            continue
        values = resource_values(record, org_ids)
        diff = {
            name: (old[name], values[name])
            for name in COLUMNS
            if _comparable(old[name]) != _comparable(values[name])
        }
        old_tags = existing.tags.get(old["id"], ())
        if old_tags != tuple(sorted(record.tags)):
            diff["tags"] = ("、".join(old_tags), "、".join(sorted(record.tags)))
        old_areas = existing.areas.get(old["id"], ())
        if old_areas != tuple(sorted(record.service_areas)):
            diff["service_areas"] = (old_areas, tuple(sorted(record.service_areas)))
        if diff:
            updates.append((old["id"], old["version"], record, values, diff))
        else:
            result.unchanged += 1
    del wanted

    progress("書き込み", 0, len(creates) + len(updates))
    # Resources, then their history, in the order of the file: ids come out as they would
    # from one statement, and every created row's history comes before the updated ones'.
    touched: list[tuple[int, ResourceRecord]] = []
    created: set[int] = set()
    for chunk in _chunks(creates):
        rows = [(record, resource_values(record, org_ids)) for record in chunk]
        created_ids = _insert(session, rows)
        _record_changes(session, _create_changes(created_ids, run.id))
        touched += zip(created_ids, chunk, strict=True)
        created.update(created_ids)
    for chunk in _chunks(updates):
        _update(session, chunk)
        _record_changes(session, _update_changes(chunk, run.id))
        touched += [(rid, record) for rid, _v, record, _vals, _d in chunk]
    result.created, result.updated = len(creates), len(updates)
    homes = [
        existing.rows[(record.source, record.source_key)]["id"]
        for record in records
        if is_private_home(record.location_precision)
        and (record.source, record.source_key) in existing
    ]
    del creates, updates, existing
    forget_private_history(session, homes)

    _replace_links(session, touched)
    progress("区域の判定", 0, len(touched))
    # Areas come from the stored (public) point: a private home's area never says more than
    # its point does.
    outside: list[int] = []
    for chunk in _chunks(touched):
        outside += place_resources(session, [(rid, r.lat, r.lon) for rid, r in chunk], shapes)
    names = {rid: r.name for rid, r in touched}
    result.outside_areas = [names[rid] for rid in outside]
    run.created, run.updated, run.unchanged = result.created, result.updated, result.unchanged
    if first_rows:  # every row in the database was read by this version of the parsers
        _mark_derived_current(session)
    if touched:
        bump_data_version(session)
    progress("書き込み", len(touched), len(touched))
    return created, {rid for rid, _record in touched} - created


# Rows per chunk: the statements, parameters and history rows of one chunk are all that is
# built at a time.
WRITE_CHUNK = 2000


def _chunks(items: Sequence, size: int = WRITE_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _create_changes(created_ids: Sequence[int], run_id: int) -> list[dict]:
    return [
        {"entity": "resource", "entity_id": rid, "action": "create", "import_run_id": run_id}
        for rid in created_ids
    ]


def _update_changes(updates, run_id: int) -> list[dict]:
    return [
        {
            "entity": "resource",
            "entity_id": rid,
            "action": "update",
            "field": name,
            "old": None if old is None else str(_comparable(old)),
            "new": None if new is None else str(_comparable(new)),
            "import_run_id": run_id,
        }
        for rid, *_, diff in updates
        for name, (old, new) in diff.items()
    ]


def _record_changes(session, changes: list[dict]) -> None:
    if changes:
        session.execute(insert(Change.__table__), changes)


def _close_missing(session, records, result: WriteResult) -> set[int]:
    """Mark 終了 the resources of these sources that the file no longer lists; returns their
    ids."""
    wanted = {(r.source, r.source_key) for r in records}
    table = Resource.__table__
    rows = session.execute(
        select(
            table.c.id, table.c.source, table.c.source_key, table.c.status, table.c.version
        ).where(
            table.c.source.in_(sorted({r.source for r in records})),
            table.c.status != ResourceStatus.CLOSED.value,
        )
    ).all()
    missing = [r for r in rows if (r.source, r.source_key) not in wanted]
    if not missing:
        return set()
    run_id = result.import_run_id
    for row in missing:
        done = session.execute(
            update(table)
            .where(table.c.id == row.id, table.c.version == row.version)
            .values(status=ResourceStatus.CLOSED.value, version=row.version + 1)
        )
        if done.rowcount != 1:
            raise ConcurrentEdit(
                "取り込み中に別の人が同じ資源を変更しました。もう一度取り込んでください"
            )
    session.execute(
        insert(Change.__table__),
        [
            {"entity": "resource", "entity_id": r.id, "action": "update", "field": "status",
             "old": r.status, "new": ResourceStatus.CLOSED.value, "import_run_id": run_id}
            for r in missing
        ],
    )  # fmt: skip
    result.closed = len(missing)
    bump_data_version(session)
    return {r.id for r in missing}


def _reconcile_keys(records, existing) -> None:
    """Keep each place on the row it had, however the file's repeated ids are ordered now.

    A repeated id is told apart by name (``A#name``), the first occurrence keeping ``A``. When
    the order or the set of repeats changes, a row goes back to the stored key that carries
    its own name, so that one place never takes over another's page (and printed QR code).
    """
    chosen: dict[tuple[str, str], ResourceRecord] = {}
    for record in records:
        plain = record.plain_key or record.source_key
        name = search_key(record.name)
        stored = existing.get((record.source, plain))
        if stored is not None and search_key(stored["name"]) == name:
            key = plain
        elif (record.source, f"{plain}#{name}") in existing:
            key = f"{plain}#{name}"
        else:
            key = record.source_key
        if (record.source, key) in chosen:  # two rows claim one stored place: keep the file's keys
            return
        chosen[(record.source, key)] = record
    for (_, key), record in chosen.items():
        record.source_key = key


def forget_private_history(session, resource_ids: Sequence[int]) -> None:
    """Remove the values of a private home's venue, address, point and description from its
    history (that each change happened is kept): they may hold the house before it was hidden.
    """
    table = Change.__table__
    for start in range(0, len(resource_ids), CHUNK):
        session.execute(
            update(table)
            .where(
                table.c.entity == "resource",
                table.c.entity_id.in_(resource_ids[start : start + CHUNK]),
                table.c.field.in_(PRIVATE_FIELDS),
                (table.c.old.is_not(None)) | (table.c.new.is_not(None)),
            )
            .values(old=None, new=None)
        )


def hide_private_homes(records, shapes, area_names: dict[int, str]) -> None:
    """Put each private home at the representative point of the 町丁 (第3層) it lies in, and
    name that 町丁 where nothing of the address could safely be kept."""
    homes = [r for r in records if r.private_point is not None]
    neighbourhoods = [s for s in shapes if s.layer == Layer.NEIGHBOURHOOD]
    if not homes or not neighbourhoods:
        return
    containing = areas_containing(
        [h.private_point[0] for h in homes], [h.private_point[1] for h in homes], neighbourhoods
    )
    for home, found in zip(homes, containing, strict=True):
        if found:
            point = found[0].geom.representative_point()
            home.lat, home.lon = round(point.y, 6), round(point.x, 6)
            home.address = home.address or area_names.get(found[0].id, "")


def _comparable(value):
    return value.value if hasattr(value, "value") else value


def resource_values(record: ResourceRecord, org_ids: dict[str, int]) -> dict:
    values = {name: getattr(record, name) for name in COLUMNS if name != "organization_id"}
    values["organization_id"] = (
        org_ids.get(search_key(record.organization)) if record.organization else None
    )
    for name in ("placement", "location_precision", "coverage", "status"):
        values[name] = values[name].value
    values.update({name: getattr(record, name) for name in QUIET_COLUMNS})
    return values


def organization_ids(session, names: set[str]) -> dict[str, int]:
    by_key = {search_key(n): n for n in sorted(names)}
    ids = dict(session.execute(select(Organization.name_key, Organization.id)).all())
    missing = [
        {"name": by_key[k], "name_key": k, "reading": reading(by_key[k])}
        for k in by_key
        if k not in ids
    ]
    if missing:
        session.execute(insert(Organization.__table__), missing)
        ids = dict(session.execute(select(Organization.name_key, Organization.id)).all())
    return ids


@dataclass
class _Stored:
    """The stored resources of the file's sources: one row each (a tuple-like Row, not a
    dict of its columns) by (source, source_key), and their tags and served areas by id."""

    rows: dict[tuple[str, str], RowMapping]
    tags: dict[int, tuple[str, ...]]
    areas: dict[int, tuple[int, ...]]

    def get(self, key: tuple[str, str]) -> RowMapping | None:
        return self.rows.get(key)

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self.rows

    def __iter__(self):
        return iter(self.rows)


def _existing(session, sources: set[str]) -> _Stored:
    table = Resource.__table__
    columns = [table.c.id, table.c.version, table.c.source, table.c.source_key] + [
        table.c[name] for name in COLUMNS
    ]
    found: dict[tuple[str, str], RowMapping] = {}
    for row in session.execute(select(*columns).where(table.c.source.in_(sorted(sources)))):
        found[(row.source, row.source_key)] = row._mapping
    ids = [m["id"] for m in found.values()]
    tags: dict[int, list[str]] = {}
    areas: dict[int, list[int]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for rid, tag in session.execute(
            select(ResourceTag.resource_id, ResourceTag.tag).where(
                ResourceTag.resource_id.in_(chunk)
            )
        ):
            tags.setdefault(rid, []).append(tag)
        for rid, area_id in session.execute(
            select(ServiceArea.resource_id, ServiceArea.area_id).where(
                ServiceArea.resource_id.in_(chunk)
            )
        ):
            areas.setdefault(rid, []).append(area_id)
    return _Stored(
        found,
        {rid: tuple(sorted(values)) for rid, values in tags.items()},
        {rid: tuple(sorted(values)) for rid, values in areas.items()},
    )


def _insert(session, creates) -> list[int]:
    if not creates:
        return []
    rows = [
        {**values, "source": record.source, "source_key": record.source_key, "version": 1}
        for record, values in creates
    ]
    table = Resource.__table__
    # The ids come back from the INSERT itself, in the order of the rows (SQLAlchemy's
    # "insertmanyvalues" batches with RETURNING): no look-up afterwards, which went
    # through the whole (source, source_key) index once per 500 rows.
    inserted = session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
    )
    return [row.id for row in inserted]


class ConcurrentEdit(RuntimeError):
    """A resource changed between reading and writing it; nothing was written."""


def _update(session, updates) -> None:
    if not updates:
        return
    table = Resource.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("_id"), table.c.version == bindparam("_version"))
        .values({name: bindparam(name) for name in [*COLUMNS, *QUIET_COLUMNS, "version"]})
    )
    rows = [
        {**values, "_id": rid, "_version": version, "version": version + 1}
        for rid, version, _record, values, _diff in updates
    ]
    outcome = session.connection().execute(statement, rows)
    if outcome.rowcount not in (-1, len(rows)):
        raise ConcurrentEdit(
            "取り込み中に別の人が同じ資源を変更しました。もう一度取り込んでください"
        )


def _replace_links(session, touched: list[tuple[int, ResourceRecord]]) -> None:
    """Tags, served areas and schedule rules of the touched resources, a chunk at a time."""
    ids = [rid for rid, _ in touched]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        session.execute(delete(ResourceTag).where(ResourceTag.resource_id.in_(chunk)))
        session.execute(delete(ServiceArea).where(ServiceArea.resource_id.in_(chunk)))
        session.execute(delete(ScheduleRule).where(ScheduleRule.resource_id.in_(chunk)))
    del ids
    for table, rows_of in (
        (ResourceTag, _tag_rows),
        (ServiceArea, _served_rows),
        (ScheduleRule, _rule_rows),
    ):
        for chunk in _chunks(touched):
            rows = [row for rid, record in chunk for row in rows_of(rid, record)]
            if rows:
                session.execute(insert(table.__table__), rows)


def _tag_rows(rid: int, record: ResourceRecord) -> list[dict]:
    return [{"resource_id": rid, "tag": tag} for tag in record.tags]


def _served_rows(rid: int, record: ResourceRecord) -> list[dict]:
    return [{"resource_id": rid, "area_id": area_id} for area_id in record.service_areas]


def _rule_rows(rid: int, record: ResourceRecord) -> list[dict]:
    return [{"resource_id": rid, **rule} for rule in record.schedule_rules]


DERIVED = (
    "reading", "venue_reading", "open_weekdays", "schedule_review", "fee_unit", "fee_amount_yen"
)  # fmt: skip
DERIVED_VERSION_KEY = "derived_version"


def derived_are_stale(storage: Storage) -> bool:
    """True when resources exist that were read by an older version of the parsers."""
    with storage.reading() as session:
        stored = session.scalar(select(Meta.value).where(Meta.key == DERIVED_VERSION_KEY))
        anything = session.scalar(select(Resource.id).limit(1))
    return anything is not None and stored != DERIVED_VERSION


def _mark_derived_current(session) -> None:
    meta = session.get(Meta, DERIVED_VERSION_KEY)
    if meta is None:
        session.add(Meta(key=DERIVED_VERSION_KEY, value=DERIVED_VERSION))
    else:
        meta.value = DERIVED_VERSION


def _refresh_organization_readings(session) -> int:
    """Organisations whose stored reading differs from what text.reading() gives now."""
    table = Organization.__table__
    rows = session.execute(select(table.c.id, table.c.name, table.c.reading)).all()
    updates = [
        {"_id": r.id, "reading": reading(r.name)} for r in rows if reading(r.name) != r.reading
    ]
    if updates:
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values(reading=bindparam("reading")),
            updates,
        )
    return len(updates)


def refresh_derived(storage: Storage, progress: Callable[[str, int, int], None]) -> int:
    """Recompute every resource's derived fields (after the parsers or the schema changed).

    Returns how many resources changed. Versions and history are left alone: the texts
    people wrote did not change, only what the program reads from them.
    """
    table = Resource.__table__
    changed = 0
    with storage.transaction() as session:
        names = ("id", "name", "schedule_text", "closed_text", "fee_text", "venue")
        texts = [table.c[n] for n in names]
        rows = session.execute(select(*texts, *(table.c[name] for name in DERIVED))).all()
        updates, rules, ids = [], [], []
        for done, row in enumerate(rows, start=1):
            values = derived_values(
                row.name, row.schedule_text, row.closed_text, row.fee_text, row.venue
            )
            rules += [{"resource_id": row.id, **rule} for rule in values.pop("schedule_rules")]
            ids.append(row.id)
            if any(getattr(row, name) != values[name] for name in DERIVED):
                updates.append({"_id": row.id, **values})
            if done % 2000 == 0 or done == len(rows):
                progress("再計算", done, len(rows))
        if updates:
            session.connection().execute(
                update(table)
                .where(table.c.id == bindparam("_id"))
                .values({n: bindparam(n) for n in DERIVED}),
                updates,
            )
        for start in range(0, len(ids), CHUNK):
            session.execute(
                delete(ScheduleRule).where(ScheduleRule.resource_id.in_(ids[start : start + CHUNK]))
            )
        if rules:
            session.execute(insert(ScheduleRule.__table__), rules)
        changed = len(updates) + _refresh_organization_readings(session)
        _mark_derived_current(session)
        if changed:
            bump_data_version(session)
    return changed
