"""Needs (相談の一覧) and volunteers (担い手の名簿) as CSV for Excel, for the coordinator who
keeps them: the headers `mapapp import-needs` / `import-volunteers` read, so that importing an
export gives back what was exported (labels, not codes, for a person to read).

Personal data: only for staff allowed to see these records, of their own areas (the caller
passes the records it may show); never a public export, and so not in mapapp.exporting, whose
modules never name these tables (tests/test_privacy_walk.py). Text cells are neutralised against
spreadsheet formulas as every export's are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import IO

from mapapp.exporting.tables import Substitutions, write_csv
from mapapp.matching.records import IMPORTED_TRAINING
from mapapp.matching.vocab import Vocabulary
from mapapp.models import (
    NEED_STATUS_LABELS,
    TRAVEL_MODE_LABELS,
    URGENCY_LABELS,
    VOLUNTEER_STATUS_LABELS,
    Need,
    NeedStatus,
    Volunteer,
)

NEED_COLUMNS = (
    "出典ID", "相談者", "住所", "緯度", "経度", "困りごと", "希望日時", "受付日", "状態", "同意",
    "連絡先", "内容", "緊急度", "希望", "性別", "同意の方法", "同意日", "共有してよい範囲",
    "次回確認日", "つなぎ先",
)  # fmt: skip
VOLUNTEER_COLUMNS = (
    "出典ID", "氏名", "住所", "緯度", "経度", "活動", "活動できる日時", "移動手段", "移動距離m",
    "同時に担当できる人数", "研修修了日", "保険期限", "状態", "連絡先", "性別", "備考",
)  # fmt: skip


def key_of(row: Need | Volunteer) -> str:
    """出典ID as exported: the list's own, else the record's number (typed in a form)."""
    return row.source_key or f"ID{row.id}"


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def need_values(need: Need, vocabulary: Vocabulary) -> list:
    return [
        key_of(need), need.label, need.address, need.lat, need.lon,
        "、".join(vocabulary.need_label(k.kind) for k in need.kinds), need.wanted_text,
        _date(need.received_on), NEED_STATUS_LABELS[NeedStatus(need.status)],
        "あり" if need.consent else "なし", need.contact, need.text,
        URGENCY_LABELS[need.urgency], need.wishes, need.gender, need.consent_how,
        _date(need.consent_on), need.consent_scope, _date(need.follow_up_on), need.referred_to,
    ]  # fmt: skip


def volunteer_values(volunteer: Volunteer, vocabulary: Vocabulary) -> list:
    training = next((t for t in volunteer.trainings if t.name == IMPORTED_TRAINING), None)
    return [
        key_of(volunteer), volunteer.label, volunteer.address, volunteer.lat, volunteer.lon,
        "、".join(vocabulary.skill_label(s.skill) for s in volunteer.skills),
        volunteer.availability_text, TRAVEL_MODE_LABELS[volunteer.travel_mode],
        volunteer.travel_m, volunteer.capacity,
        _date(training.completed_on if training else None), _date(volunteer.insurance_until),
        VOLUNTEER_STATUS_LABELS[volunteer.status], volunteer.contact, volunteer.gender,
        volunteer.note,
    ]  # fmt: skip


def write_needs_csv(stream: IO[bytes], needs: Iterable[Need], vocabulary: Vocabulary) -> int:
    """UTF-8 with BOM, CRLF; returns the number of rows."""
    rows: Iterator = ((n.id, need_values(n, vocabulary)) for n in needs)
    return write_csv(stream, NEED_COLUMNS, rows, "utf-8", Substitutions())


def write_volunteers_csv(
    stream: IO[bytes], volunteers: Iterable[Volunteer], vocabulary: Vocabulary
) -> int:
    rows: Iterator = ((v.id, volunteer_values(v, vocabulary)) for v in volunteers)
    return write_csv(stream, VOLUNTEER_COLUMNS, rows, "utf-8", Substitutions())
