"""Importing lists of volunteers (担い手) and of needs (相談受付): CSV (UTF-8 with or without
BOM, CP932) or .xlsx, headers in any order, every row checked (errors with row and column in
Japanese), rows without 緯度・経度 placed from their address as resource lists are, then
written all or nothing (``dry_run``: checked and counted, nothing written).

Rows are keyed by 出典 (the ``source`` option) + 出典ID: importing the list again updates them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from mapapp import audit
from mapapp.areas import area_shapes
from mapapp.geo import InvalidCoordinate, areas_containing, check_lat_lon
from mapapp.importing.errors import ErrorList, FileProblem, RowError
from mapapp.importing.fields import (
    FieldProblem,
    parse_count,
    parse_date,
    parse_flag,
    parse_float,
    parse_metres,
    split_list,
)
from mapapp.importing.limits import DEFAULT_LIMITS, Limits
from mapapp.importing.placing import GeocoderSettings, load_placer, save_geocode_cache
from mapapp.importing.profiles import header_key
from mapapp.importing.readers import read_table
from mapapp.matching import vocab
from mapapp.matching.settings import DEFAULT_SETTINGS, MatchSettings
from mapapp.matching.times import leading_date
from mapapp.matching.vocab import Vocabulary
from mapapp.models import (
    Layer,
    Need,
    NeedKindLink,
    NeedStatus,
    NeedStatusChange,
    Placement,
    Training,
    Volunteer,
    VolunteerSkill,
)
from mapapp.placement import NotPlaced
from mapapp.storage import Storage
from mapapp.text import normalize_line, normalize_text, search_key

IMPORTED_TRAINING = "養成講座"  # the training a list's 研修修了日 records

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
    build = _volunteer_row if what == "volunteers" else _need_row
    label_of = {f: h for f, h in columns.items()}
    for row in table.rows:
        cells = {f: row.values[h] for f, h in columns.items()}
        record, problems = build(cells, vocabulary, options.settings, today)
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
        write = _write_volunteer if what == "volunteers" else _write_need
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


_HEADER_OF = {
    "volunteers": {f: h for h, f in VOLUNTEER_HEADERS.items()},
    "needs": {f: h for h, f in NEED_HEADERS.items()},
}


def _attempt(problems: dict, name: str, function, *args):
    try:
        return function(*args)
    except (FieldProblem, ValueError, InvalidCoordinate) as exc:
        problems.setdefault(name, str(exc))
        return None


def _point(cells: dict, problems: dict) -> tuple[float | None, float | None]:
    lat_text, lon_text = cells.get("lat", ""), cells.get("lon", "")
    if not normalize_line(lat_text) and not normalize_line(lon_text):
        return None, None
    lat = _attempt(problems, "lat", parse_float, lat_text, "緯度")
    lon = _attempt(problems, "lon", parse_float, lon_text, "経度")
    if lat is not None and lon is not None:
        _attempt(problems, "lat", check_lat_lon, lat, lon)
    if lat is None or lon is None or "lat" in problems:
        return None, None
    return lat, lon


def _required(cells: dict, name: str, problems: dict, what: str, limit: int) -> str:
    value = normalize_line(cells.get(name, ""))
    if not value:
        problems[name] = f"{what}がありません"
    elif len(value) > limit:
        problems[name] = f"{what}が長すぎます（{limit} 文字まで）"
    return value


def _codes(text: str, lookup, name: str, what: str, problems: dict) -> list[str]:
    codes, unknown = [], []
    for word in split_list(text):
        code = lookup(word)
        (codes if code else unknown).append(code or word)
    if unknown:
        problems[name] = (
            f"{what}「{'」「'.join(unknown)}」がわかりません（コード・名前・別名で書いてください）"
        )
    elif not codes:
        problems[name] = f"{what}がありません"
    return list(dict.fromkeys(codes))


def _volunteer_row(cells, vocabulary: Vocabulary, settings: MatchSettings, today):
    problems: dict[str, str] = {}
    record = {
        "source_key": _required(cells, "source_key", problems, "出典ID", 200),
        "label": _required(cells, "label", problems, "氏名", 100),
        "address": normalize_line(cells.get("address", ""))[:300],
        "contact": normalize_text(cells.get("contact", "")),
        "note": normalize_text(cells.get("note", "")),
        "skills": _codes(cells.get("skills", ""), vocabulary.skill, "skills", "活動", problems),
        "availability_text": normalize_text(cells.get("availability", "")),
    }
    record["lat"], record["lon"] = _point(cells, problems)
    mode = _attempt(problems, "travel_mode", vocab.travel_mode, cells.get("travel_mode", ""))
    record["travel_mode"] = mode
    metres = _attempt(problems, "travel_m", parse_metres, cells.get("travel_m", ""))
    record["travel_m"] = (
        metres if metres is not None else (settings.default_reach(mode) if mode else None)
    )
    capacity = _attempt(problems, "capacity", parse_count, cells.get("capacity", ""))
    if capacity == 0:
        problems["capacity"] = "同時に担当できる人数は 1 以上にしてください"
    record["capacity"] = capacity or 1
    record["trained_on"] = _attempt(problems, "trained_on", parse_date, cells.get("trained_on", ""))
    record["insurance_until"] = _attempt(
        problems, "insurance_until", parse_date, cells.get("insurance_until", "")
    )
    record["status"] = _attempt(problems, "status", vocab.volunteer_status, cells.get("status", ""))
    record["gender"] = _attempt(problems, "gender", vocab.gender, cells.get("gender", ""))
    return record, problems


def _need_row(cells, vocabulary: Vocabulary, settings: MatchSettings, today):
    problems: dict[str, str] = {}
    label = _required(cells, "label", problems, "相談者", 100)
    wanted = normalize_text(cells.get("wanted", ""))
    record = {
        "source_key": _required(cells, "source_key", problems, "出典ID", 200),
        "label": label,
        "person_key": search_key(label)[:100],
        "address": normalize_line(cells.get("address", ""))[:300],
        "contact": normalize_text(cells.get("contact", "")),
        "text": normalize_text(cells.get("text", "")),
        "wishes": normalize_text(cells.get("wishes", "")),
        "consent_how": normalize_line(cells.get("consent_how", ""))[:100],
        "consent_scope": normalize_text(cells.get("consent_scope", "")),
        "referred_to": normalize_line(cells.get("referred_to", ""))[:200],
        "kinds": _codes(
            cells.get("kinds", ""), vocabulary.need_kind, "kinds", "困りごと", problems
        ),
        "wanted_text": wanted,
        "wanted_on": leading_date(wanted, today),
    }
    record["lat"], record["lon"] = _point(cells, problems)
    for name in ("received_on", "consent_on", "follow_up_on"):
        record[name] = _attempt(problems, name, parse_date, cells.get(name, ""))
    record["status"] = _attempt(problems, "status", vocab.need_status, cells.get("status", ""))
    consent = _attempt(problems, "consent", parse_flag, cells.get("consent", ""))
    record["consent"] = bool(consent)
    record["urgency"] = _attempt(problems, "urgency", vocab.urgency, cells.get("urgency", ""))
    record["gender"] = _attempt(problems, "gender", vocab.gender, cells.get("gender", ""))
    if record["status"] == NeedStatus.REFERRED and not record["referred_to"]:
        problems.setdefault("status", "つなぎ の行には つなぎ先 を書いてください")
    return record, problems


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


_VOLUNTEER_FIELDS = (
    "label",
    "address",
    "contact",
    "note",
    "availability_text",
    "lat",
    "lon",
    "placement",
    "travel_mode",
    "travel_m",
    "capacity",
    "insurance_until",
    "status",
    "gender",
    "area_id",
)
_NEED_FIELDS = (
    "label",
    "person_key",
    "address",
    "contact",
    "text",
    "wishes",
    "consent_how",
    "consent_scope",
    "referred_to",
    "wanted_text",
    "wanted_on",
    "lat",
    "lon",
    "placement",
    "received_on",
    "consent_on",
    "follow_up_on",
    "consent",
    "urgency",
    "gender",
    "area_id",
)


def _assign(row, record, names) -> bool:
    changed = False
    for name in names:
        value = record[name]
        if value is None and name in ("status", "urgency", "gender", "travel_mode"):
            continue
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _write_volunteer(session, source: str, record: dict, staff) -> str:
    row = session.scalar(
        select(Volunteer).where(
            Volunteer.source == source, Volunteer.source_key == record["source_key"]
        )
    )
    created = row is None
    if created:
        row = Volunteer(source=source, source_key=record["source_key"])
        session.add(row)
    changed = _assign(row, record, _VOLUNTEER_FIELDS)
    if {s.skill for s in row.skills} != set(record["skills"]):
        row.skills = [VolunteerSkill(skill=s) for s in record["skills"]]
        changed = True
    if record["trained_on"] is not None:
        training = next((t for t in row.trainings if t.name == IMPORTED_TRAINING), None)
        if training is None:
            row.trainings.append(
                Training(name=IMPORTED_TRAINING, completed_on=record["trained_on"])
            )
            changed = True
        elif training.completed_on != record["trained_on"]:
            training.completed_on = record["trained_on"]
            changed = True
    session.flush()
    return "created" if created else ("updated" if changed else "unchanged")


def _write_need(session, source: str, record: dict, staff) -> str:
    row = session.scalar(
        select(Need).where(Need.source == source, Need.source_key == record["source_key"])
    )
    created = row is None
    status = record["status"] or NeedStatus.RECEIVED
    old_status = None
    if created:
        row = Need(source=source, source_key=record["source_key"], status=status)
        session.add(row)
    else:
        old_status = NeedStatus(row.status)
    changed = _assign(row, record, _NEED_FIELDS)
    if {k.kind for k in row.kinds} != set(record["kinds"]):
        row.kinds = [NeedKindLink(kind=k) for k in record["kinds"]]
        changed = True
    if old_status != status:
        row.status = status
        changed = True
    session.flush()
    if old_status != status:
        session.add(
            NeedStatusChange(
                need_id=row.id,
                account_id=staff.id if staff else None,
                old_status=old_status.value if old_status else None,
                new_status=NeedStatus(status).value,
                note="取り込み",
            )
        )
    return "created" if created else ("updated" if changed else "unchanged")


Progress = Callable[[str, int, int], None]
