"""Needs (相談受付) and volunteers (担い手) from texts by field name — a row of a list or a
staff form — checked field by field with Japanese reasons, and written to their tables.

The list importer (mapapp.importing.people) and the staff forms (mapapp.matching.intake) both
come through here, so a value means the same wherever it was typed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from mapapp.geo import InvalidCoordinate, check_lat_lon
from mapapp.importing.fields import (
    FieldProblem,
    parse_count,
    parse_date,
    parse_flag,
    parse_float,
    parse_metres,
    split_list,
)
from mapapp.matching import vocab
from mapapp.matching.settings import MatchSettings
from mapapp.matching.times import leading_date
from mapapp.matching.vocab import Vocabulary
from mapapp.models import (
    Need,
    NeedKindLink,
    NeedStatus,
    NeedStatusChange,
    Training,
    Volunteer,
    VolunteerSkill,
)
from mapapp.text import normalize_line, normalize_text, search_key

IMPORTED_TRAINING = "養成講座"  # the training a list's 研修修了日 records


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


def read_volunteer(cells, vocabulary: Vocabulary, settings: MatchSettings, *, keyed: bool = True):
    """A volunteer's record from texts by field name, and the problems found (field → reason).
    ``keyed``: a list row must carry 出典ID; a form (keyed False) need not."""
    problems: dict[str, str] = {}
    record = {
        "source_key": _key(cells, problems, keyed),
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


def read_need(cells, vocabulary: Vocabulary, today: dt.date, *, keyed: bool = True):
    """A need's record from texts by field name, and the problems found (field → reason)."""
    problems: dict[str, str] = {}
    label = _required(cells, "label", problems, "相談者", 100)
    wanted = normalize_text(cells.get("wanted", ""))
    record = {
        "source_key": _key(cells, problems, keyed),
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


def _key(cells: dict, problems: dict, keyed: bool) -> str | None:
    if keyed:
        return _required(cells, "source_key", problems, "出典ID", 200)
    return normalize_line(cells.get("source_key", ""))[:200] or None


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


def write_volunteer(session, source: str, record: dict, staff) -> str:
    """A list row: the volunteer of 出典 + 出典ID made or brought up to date."""
    row = session.scalar(
        select(Volunteer).where(
            Volunteer.source == source, Volunteer.source_key == record["source_key"]
        )
    )
    created = row is None
    if created:
        row = Volunteer(source=source, source_key=record["source_key"])
        session.add(row)
    changed = apply_volunteer(row, record)
    session.flush()
    return "created" if created else ("updated" if changed else "unchanged")


def apply_volunteer(row: Volunteer, record: dict) -> bool:
    """Put a read record on a volunteer's row; whether anything changed."""
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
    return changed


def write_need(session, source: str, record: dict, staff) -> str:
    """A list row: the need of 出典 + 出典ID made or brought up to date; a change of 状態 is
    kept in the need's status history."""
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
    changed = apply_need(row, record)
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


def apply_need(row: Need, record: dict) -> bool:
    """Put a read record on a need's row (not its 状態: that changes with a history row)."""
    changed = _assign(row, record, _NEED_FIELDS)
    if {k.kind for k in row.kinds} != set(record["kinds"]):
        row.kinds = [NeedKindLink(kind=k) for k in record["kinds"]]
        changed = True
    return changed
