"""Importing lists of volunteers (担い手) and of needs (相談受付): CSV (UTF-8 with or without
BOM, CP932) or .xlsx, headers in any order, every row checked (errors with row and column in
Japanese), rows without 緯度・経度 placed from their address as resource lists are, then
written all or nothing (``dry_run``: checked and counted, nothing written).

Rows are keyed by 出典 (the ``source`` option) + 出典ID: importing the list again updates them.

A list limited to some areas (``allowed_areas``, a coordinator's) is refused whole, before
anything is written and in the dry run too, when a row's 第2層 area is not one of them (or it
lies in no area), or a row would change a person of the same 出典・出典ID recorded outside them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from mapapp import audit
from mapapp.areas import area_shapes
from mapapp.geo import areas_containing
from mapapp.importing.errors import ErrorList, FileProblem, RowError
from mapapp.importing.limits import DEFAULT_LIMITS, Limits
from mapapp.importing.placing import GeocoderSettings, load_placer, save_geocode_cache
from mapapp.importing.profiles import header_key
from mapapp.importing.readers import read_table
from mapapp.importing.scope import OutsideImportScope
from mapapp.matching.records import read_need, read_volunteer, write_need, write_volunteer
from mapapp.matching.settings import DEFAULT_SETTINGS, MatchSettings
from mapapp.matching.vocab import Vocabulary
from mapapp.models import (
    Layer,
    Need,
    Placement,
    Volunteer,
)
from mapapp.placement import NotPlaced
from mapapp.storage import Storage

VOLUNTEER_HEADERS = {
    "出典ID": "source_key",
    "氏名": "label",
    "住所": "address",
    "緯度": "lat",
    "経度": "lon",
    "活動": "skills",
    "活動できる日時": "availability",
    "移動手段": "travel_mode",
    "移動距離m": "travel_m",
    "移動距離": "travel_m",
    "移動距離(m)": "travel_m",
    "同時に担当できる人数": "capacity",
    "研修修了日": "trained_on",
    "保険期限": "insurance_until",
    "状態": "status",
    "連絡先": "contact",
    "性別": "gender",
    "備考": "note",
}
NEED_HEADERS = {
    "出典ID": "source_key",
    "相談者": "label",
    "住所": "address",
    "緯度": "lat",
    "経度": "lon",
    "困りごと": "kinds",
    "希望日時": "wanted",
    "受付日": "received_on",
    "状態": "status",
    "同意": "consent",
    "連絡先": "contact",
    "内容": "text",
    "緊急度": "urgency",
    "希望": "wishes",
    "性別": "gender",
    "同意の方法": "consent_how",
    "同意日": "consent_on",
    "共有してよい範囲": "consent_scope",
    "次回確認日": "follow_up_on",
    "つなぎ先": "referred_to",
}
REQUIRED = {"volunteers": ("出典ID", "氏名", "活動"), "needs": ("出典ID", "相談者", "困りごと")}
LISTED = 10  # 出典IDs named one by one in a refusal; the rest are counted
CHUNK = 500  # 出典IDs per IN (...) list


class OutsidePeopleScope(OutsideImportScope):
    """A list limited to some areas (a coordinator's) has rows outside them, or rows that would
    change a person recorded outside them; nothing was written. ``outside`` and ``others``
    are those rows' 出典IDs."""

    def __init__(self, message: str, outside=(), others=()):
        super().__init__(message)
        self.outside = tuple(outside)
        self.others = tuple(others)


@dataclass
class PeopleReport:
    what: str  # "volunteers" | "needs"
    filename: str
    encoding: str
    source: str
    rows_total: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    by_placement: dict[str, int] = field(default_factory=dict)
    outside_areas: list[str] = field(default_factory=list)  # 出典IDs in no 第2層 area
    dry_run: bool = False


@dataclass(frozen=True)
class PeopleOptions:
    source: str | None = None
    dry_run: bool = False
    skip_invalid: bool = False
    today: dt.date | None = None
    municipalities: tuple[str, ...] = ()
    geocoder: GeocoderSettings = GeocoderSettings()
    limits: Limits = DEFAULT_LIMITS
    settings: MatchSettings = DEFAULT_SETTINGS
    # The 第2層 areas every row must lie in (a coordinator's, see matching.people.expand_scope);
    # None: the whole town.
    allowed_areas: frozenset[int] | None = None


def import_volunteers(storage, path, taxonomy, options=PeopleOptions(), staff=None):  # noqa: B008
    return _import(storage, Path(path), Vocabulary(taxonomy), options, "volunteers", staff)


def import_needs(storage, path, taxonomy, options=PeopleOptions(), staff=None):  # noqa: B008
    return _import(storage, Path(path), Vocabulary(taxonomy), options, "needs", staff)


def _import(
    storage: Storage, path: Path, vocabulary: Vocabulary, options: PeopleOptions, what: str, staff
) -> PeopleReport:
    table = read_table(path, options.limits)
    headers = VOLUNTEER_HEADERS if what == "volunteers" else NEED_HEADERS
    known = {header_key(h): f for h, f in headers.items()}
    columns: dict[str, str] = {}  # field → the file's header
    unused = []
    for h in table.headers:
        if not h:
            continue
        f = known.get(header_key(h))
        if f is None:
            unused.append(h)
        else:
            columns.setdefault(f, h)
    missing = [h for h in REQUIRED[what] if headers[h] not in columns]
    if missing:
        raise FileProblem(f"見出し「{'」「'.join(missing)}」がありません（1行目）")
    source = options.source or what
    report = PeopleReport(
        what, path.name, table.encoding, source, len(table.rows), dry_run=options.dry_run
    )
    if unused:
        report.warnings.append(f"使わない列: {'、'.join(unused)}")
    today = options.today or dt.date.today()
    errors = ErrorList()
    records: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}

    label_of = {f: h for f, h in columns.items()}
    for row in table.rows:
        cells = {f: row.values[h] for f, h in columns.items()}
        if what == "volunteers":
            record, problems = read_volunteer(cells, vocabulary, options.settings)
        else:
            record, problems = read_need(cells, vocabulary, today)
        key = record.get("source_key") or ""
        if key and key in seen:
            problems.setdefault("source_key", f"出典ID「{key}」が {seen[key]}行目と重複しています")
        elif key:
            seen[key] = row.number
        for f, reason in problems.items():
            errors.append(
                RowError(row.number, label_of.get(f, _HEADER_OF[what].get(f, "")), reason)
            )
        if not problems:
            records.append((row.number, record))
    _place(storage, records, options, errors, label_of, report)
    if errors and not options.skip_invalid:
        raise errors.rejected(len(table.rows))
    report.rejected = sorted(errors.errors, key=lambda e: e.row)
    bad_rows = {e.row for e in errors.errors}
    records = [(n, r) for n, r in records if n not in bad_rows]
    with storage.transaction(commit=not options.dry_run) as session:
        shapes = [a for a in area_shapes(session) if a.layer == Layer.DAILY_LIFE]
        found = (
            areas_containing([r["lat"] for _, r in records], [r["lon"] for _, r in records], shapes)
            if records
            else []
        )
        for (_, record), areas in zip(records, found, strict=True):
            record["area_id"] = areas[0].id if areas else None
            if not areas and shapes:
                report.outside_areas.append(record["source_key"])
        if options.allowed_areas is not None:
            _check_scope(session, what, source, records, options.allowed_areas)
        write = write_volunteer if what == "volunteers" else write_need
        for _, record in records:
            outcome = write(session, source, record, staff)
            setattr(report, outcome, getattr(report, outcome) + 1)
        audit.record(
            session,
            staff,
            "import",
            entity="volunteer" if what == "volunteers" else "need",
            detail=f"{path.name}: 新規 {report.created}、更新 {report.updated}"
            + ("（確認のみ）" if options.dry_run else ""),
            login="cli",
        )
    return report


def _check_scope(session, what: str, source: str, records, allowed: frozenset[int]) -> None:
    """Raise OutsidePeopleScope when a row lies outside ``allowed`` (or in no area), or would
    change a volunteer or need of the same 出典・出典ID recorded outside them."""
    outside = [r["source_key"] for _, r in records if r["area_id"] not in allowed]
    model = Volunteer if what == "volunteers" else Need
    keys = [r["source_key"] for _, r in records]
    others: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        query = select(model.source_key, model.area_id).where(
            model.source == source, model.source_key.in_(keys[start : start + CHUNK])
        )
        others |= {key for key, area in session.execute(query) if area not in allowed}
    if not outside and not others:
        return
    people = "担い手" if what == "volunteers" else "相談"

    def listed(found: list[str]) -> str:
        shown = "、".join(found[:LISTED])
        return shown + (f" ほか {len(found) - LISTED} 件" if len(found) > LISTED else "")

    parts = ["担当区域の外の行があるため、このファイルは取り込めません（何も書き込んでいません）。"]
    if outside:
        parts.append(
            f"担当区域の外にある行・どの区域にも入らない行 {len(outside)} 件（出典ID "
            f"{listed(outside)}）。"
        )
    ordered = [k for k in keys if k in others]
    if ordered:
        parts.append(
            f"担当区域の外の{people}と出典・出典IDが同じ行 {len(ordered)} 件（出典ID "
            f"{listed(ordered)}）。"
        )
    parts.append("担当区域の行だけのファイルにするか、管理者に取り込みを頼んでください。")
    raise OutsidePeopleScope("".join(parts), outside, ordered)


_HEADER_OF = {
    "volunteers": {f: h for h, f in VOLUNTEER_HEADERS.items()},
    "needs": {f: h for h, f in NEED_HEADERS.items()},
}


def _place(storage, records, options: PeopleOptions, errors: ErrorList, label_of, report):
    """Points for rows without 緯度・経度, from their address (町丁目, 大字, the geocoder);
    a row that cannot be placed is an error on 住所: matching needs a point."""
    missing = [(n, r) for n, r in records if r["lat"] is None]
    for _, r in records:
        if r["lat"] is not None:
            r["placement"] = Placement.COORDINATES
    if missing:
        placer, cache = load_placer(storage, options.municipalities, options.geocoder)
        before = set(cache)
        for number, record in missing:
            found = placer.place("", "", record["address"]) if record["address"] else None
            if found is None or isinstance(found, NotPlaced):
                why = found.reason if found is not None else "緯度・経度も住所もありません"
                # A person's address is not repeated in a report (nor on a page or terminal).
                why = why.replace(f"住所「{record['address']}」", "住所")
                errors.append(
                    RowError(
                        number, label_of.get("address", "住所"), f"位置がわかりません（{why}）"
                    )
                )
                continue
            record["lat"], record["lon"], record["placement"] = (
                found.lat,
                found.lon,
                found.placement,
            )
        if not options.dry_run:
            save_geocode_cache(storage, before, cache)
    for _, r in records:
        if r.get("placement") is not None:
            key = Placement(r["placement"]).value
            report.by_placement[key] = report.by_placement.get(key, 0) + 1
    # ErrorList wants rows in order for its counting; keep the listing sorted.
    errors.errors.sort(key=lambda e: e.row)
