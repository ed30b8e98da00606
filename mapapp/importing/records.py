"""One resource as read from a file: typed, checked, normalised, ready to be written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from mapapp.fees import parse_fee
from mapapp.geo import InvalidCoordinate, check_lat_lon
from mapapp.importing import fields as parse
from mapapp.importing.fields import FieldProblem
from mapapp.models import Coverage, LocationPrecision, Placement, ResourceStatus
from mapapp.privacy import is_private_home, public_address, public_description, public_point
from mapapp.schedule import parse_resource_schedule, weekday_mask
from mapapp.taxonomy import Taxonomy
from mapapp.text import normalize_line, normalize_text, reading, unify_line_breaks


def keep_raw(text: str) -> str:
    """Text shown to people as written: only line-break tokens unified and ends trimmed."""
    lines = unify_line_breaks(text).split("\n")
    return "\n".join(line.strip() for line in lines).strip()


@dataclass(slots=True)  # one per row kept: no per-instance __dict__
class ResourceRecord:
    source: str
    source_key: str
    kind: str
    name: str
    lat: float | None  # None until placed (see mapapp.placement)
    lon: float | None
    kind_text: str = ""
    kana: str = ""
    organization: str = ""
    venue: str = ""
    address: str = ""
    location_precision: LocationPrecision = LocationPrecision.EXACT
    coverage: Coverage = Coverage.WALK
    coverage_m: int | None = None
    # Tuples: rows with the same text share one (see RecordBuilder).
    service_areas: tuple = ()  # names as read; area ids once resources._row_record checked them
    schedule_text: str = ""
    closed_text: str = ""
    fee_text: str = ""
    target_text: str = ""
    capacity: int | None = None
    pickup: bool | None = None
    meals: bool | None = None
    public_contact: str = ""
    url: str = ""
    description: str = ""
    status: ResourceStatus = ResourceStatus.ACTIVE
    verified_on: dt.date | None = None
    tags: tuple[str, ...] = ()
    # The file's own id before repeats were told apart by name (see writer._reconcile_keys).
    plain_key: str = ""
    # How the point was found (位置の精度), and what it was found from, for staff.
    placement: Placement = Placement.COORDINATES
    placement_note: str = ""
    # For a private home: the exact point, used only to find its areas, never stored.
    private_point: tuple[float, float] | None = None
    # Derived from the texts above (see derive()).
    reading: str = ""
    venue_reading: str = ""
    open_weekdays: int = 0
    schedule_review: str = ""
    schedule_rules: tuple[dict, ...] = ()  # shared by the rows with the same schedule texts
    fee_unit: str = "unknown"
    fee_amount_yen: int | None = None
    # Optional values that were left out or completed, by field: reported, the row is kept.
    warnings: Mapping[str, str] = field(default_factory=dict)


def build_record(
    texts: Mapping[str, str], kind: str, taxonomy: Taxonomy
) -> tuple[ResourceRecord | None, dict[str, str]]:
    """A record from a row's field texts, or the problems found, keyed by field name.

    ``kind`` is a taxonomy code already resolved by the caller. For the rows of a whole
    file, use one RecordBuilder: it reads each distinct text once.
    """
    return RecordBuilder(taxonomy).build(texts, kind)


# A memo keeps at most this many distinct texts of one column, so that a column whose every
# value differs costs no memory beyond the rows themselves.
MEMO_MAX_TEXTS = 20_000
NO_WARNINGS: Mapping[str, str] = MappingProxyType({})


class _Memo:
    """A function of one text, computed once per distinct text within one import.

    A FieldProblem is remembered too and raised again for the next row with the same text.
    """

    __slots__ = ("function", "found")

    def __init__(self, function: Callable[[str], object]) -> None:
        self.function = function
        self.found: dict[str, tuple[object, str | None]] = {}

    def __call__(self, text: str):
        found = self.found.get(text)
        if found is None:
            try:
                found = (self.function(text), None)
            except FieldProblem as exc:
                found = (None, str(exc))
            if len(self.found) < MEMO_MAX_TEXTS:
                self.found[text] = found
        if found[1] is not None:
            raise FieldProblem(found[1])
        return found[0]


class RecordBuilder:
    """Builds the records of one import.

    A list repeats the same kinds, schedules, fees, flags and tags down thousands of rows:
    what is read from such a text (parsed, normalised, derived) is read once and shared by
    the rows that have it, the same objects, so that both the time and the memory of an
    import follow its distinct texts. Names, addresses and points are read per row.
    """

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        line = normalize_line
        self.kind_text, self.organization, self.venue = _Memo(line), _Memo(line), _Memo(line)
        self.precision = _Memo(parse.parse_precision)
        self.coverage = _Memo(parse.parse_coverage)
        self.metres = _Memo(parse.parse_metres)
        self.count = _Memo(parse.parse_count)
        self.flag = _Memo(parse.parse_flag)
        self.status = _Memo(parse.parse_status)
        self.date = _Memo(parse.parse_date)
        self.areas = _Memo(lambda text: tuple(parse.split_list(text)))
        self.tags = _Memo(lambda text: tuple(parse.split_list(text)))
        self.raw = _Memo(keep_raw)
        self.venue_reading = _Memo(reading)
        self.fee = _Memo(fee_values)
        self.schedules: dict[tuple[str, str], tuple] = {}
        self.kinds: dict[str, tuple[bool, str]] = {}

    def build(
        self, texts: Mapping[str, str], kind: str
    ) -> tuple[ResourceRecord | None, dict[str, str]]:
        """A record from a row's field texts, or the problems found, keyed by field name."""
        problems: dict[str, str] = {}

        def attempt(field_name, function, *args):
            try:
                return function(*args)
            except (FieldProblem, InvalidCoordinate) as exc:
                problems[field_name] = str(exc)
                return None

        get = texts.get
        name = normalize_line(get("name", ""))
        if not name:
            problems["name"] = "名称が空です"
        lat, lon = _point(get("lat", ""), get("lon", ""), attempt, problems)
        warnings: dict[str, str] = {}
        url = _optional(warnings, "url", parse.parse_url, get("url", ""))
        contact = _optional(
            warnings, "public_contact", parse.parse_contact, get("public_contact", "")
        )
        known, usual_coverage = self._kind(kind)
        if not known:
            problems["kind"] = f"種別「{kind}」は分類表にありません"

        raw = self.raw
        record = ResourceRecord(
            source="",
            source_key="",
            kind=kind,
            name=name,
            lat=lat,
            lon=lon,
            placement=Placement.COORDINATES if lat is not None else Placement.NONE,
            kind_text=self.kind_text(get("kind_text", "")),
            kana=normalize_line(get("kana", "")),
            organization=self.organization(get("organization", "")),
            venue=self.venue(get("venue", "")),
            address=normalize_line(get("address", "")),
            location_precision=attempt(
                "location_precision", self.precision, get("location_precision", "")
            ),
            coverage=attempt("coverage", self.coverage, get("coverage", "") or usual_coverage),
            coverage_m=attempt("coverage_m", self.metres, get("coverage_m", "")),
            service_areas=self.areas(get("service_areas", "")),
            schedule_text=raw(get("schedule_text", "")),
            closed_text=raw(get("closed_text", "")),
            fee_text=raw(get("fee_text", "")),
            target_text=raw(get("target_text", "")),
            capacity=attempt("capacity", self.count, get("capacity", "")),
            pickup=attempt("pickup", self.flag, get("pickup", "")),
            meals=attempt("meals", self.flag, get("meals", "")),
            public_contact=contact,
            url=url,
            description=normalize_text(get("description", "")),
            status=attempt("status", self.status, get("status", "")),
            verified_on=attempt("verified_on", self.date, get("verified_on", "")),
            tags=self.tags(get("tags", "")),
            warnings=warnings or NO_WARNINGS,
        )
        if record.coverage == Coverage.AREAS and not record.service_areas:
            problems["service_areas"] = "対象範囲が「区域」のときは対象区域を書いてください"
        problems.update(_too_long(record))
        if problems:
            return None, problems
        if is_private_home(record.location_precision):
            record.description = public_description(
                record.description, record.venue, record.address
            )
            record.address = public_address(record.address)
            record.venue = ""  # often 「山田宅」: a private home is shown by its 丁目 only
            hide_home_point(record)
        self._derive(record)
        return record, problems

    def _kind(self, kind: str) -> tuple[bool, str]:
        """Whether the taxonomy has the kind, and its usual coverage (see _kind_coverage)."""
        found = self.kinds.get(kind)
        if found is None:
            found = self.kinds[kind] = (
                self.taxonomy.has_kind(kind),
                _kind_coverage(kind, self.taxonomy),
            )
        return found

    def _derive(self, record: ResourceRecord) -> None:
        """derive(), with the schedule, fee and venue reading shared by rows of equal texts."""
        key = (record.schedule_text, record.closed_text)
        schedule = self.schedules.get(key)
        if schedule is None:
            schedule = schedule_values(*key)
            if len(self.schedules) < MEMO_MAX_TEXTS:
                self.schedules[key] = schedule
        record.open_weekdays, record.schedule_review, record.schedule_rules = schedule
        record.fee_unit, record.fee_amount_yen = self.fee(record.fee_text)
        record.reading = reading(record.name)
        record.venue_reading = self.venue_reading(record.venue)


# Longest value each field keeps, in characters: the database's columns for names, and for
# the texts that the schedule and fee readers parse, lengths that keep them fast (their time
# grows faster than the text). Any cell is also within IMPORT_MAX_CELL_CHARS.
FIELD_MAX_CHARS = {
    "name": 300,
    "kana": 300,
    "venue": 300,
    "address": 300,
    "organization": 200,
    "kind_text": 200,
    "schedule_text": 1000,
    "closed_text": 500,
    "fee_text": 300,
    "target_text": 1000,
}
FIELD_LABELS = {
    "name": "名称", "kana": "名称かな", "venue": "会場", "address": "住所",
    "organization": "運営団体", "kind_text": "種別",
    "schedule_text": "開催日時", "closed_text": "休み", "fee_text": "参加費",
    "target_text": "対象者",
}  # fmt: skip


def _too_long(record: ResourceRecord) -> dict[str, str]:
    """{field: problem} for the values longer than FIELD_MAX_CHARS allows."""
    problems = {}
    for field_name, most in FIELD_MAX_CHARS.items():
        length = len(getattr(record, field_name) or "")
        if length > most:
            problems[field_name] = (
                f"{FIELD_LABELS[field_name]}が長すぎます（{length:,} 文字。{most:,} 文字まで）"
            )
    return problems


# Optional values longer than this are left out (and said), like any other bad one.
OPTIONAL_MAX_CHARS = {"url": 500, "public_contact": 200}


def _optional(warnings: dict[str, str], field_name: str, function, text: str) -> str:
    """An optional value: a bad one is left out and said, never a reason to drop the row."""
    most = OPTIONAL_MAX_CHARS.get(field_name)
    if most is not None and len(text) > most:
        said = f"長すぎます（{len(text):,} 文字。{most:,} 文字まで）"
        warnings[field_name] = f"{said}。空欄にしました"
        return ""
    try:
        value, note = function(text)
    except FieldProblem as exc:
        warnings[field_name] = f"{exc}。空欄にしました"
        return ""
    if note:
        warnings[field_name] = note
    return value


def _kind_coverage(kind: str, taxonomy: Taxonomy) -> str:
    """The kind's usual reach when the file says nothing: 配食 and 移送 serve the whole town
    (data/taxonomy.toml ``coverage``); staff can change it per resource."""
    return taxonomy.kind(kind).coverage if taxonomy.has_kind(kind) else ""


def _point(lat_text: str, lon_text: str, attempt, problems) -> tuple[float | None, float | None]:
    """Both coordinates, or neither (the row is placed later from its venue or address)."""
    if not normalize_line(lat_text) and not normalize_line(lon_text):
        return None, None
    lat = attempt("lat", parse.parse_float, lat_text, "緯度")
    lon = attempt("lon", parse.parse_float, lon_text, "経度")
    if lat is not None and lon is not None:
        attempt("lat", check_lat_lon, lat, lon)
    if lat is None or lon is None or "lat" in problems:
        return None, None
    return lat, lon


def hide_home_point(record: ResourceRecord) -> None:
    """Keep a private home's exact point only to find the 町丁目 it lies in (the writer then
    puts it at that 町丁目's point); what is stored is rough (mapapp.privacy).

    A point that is already a 町丁目's or 大字's representative point says nothing of the house.
    """
    if record.lat is None or record.lon is None:
        return
    if record.placement in (Placement.CHOME, Placement.OAZA):
        return
    record.private_point = (record.lat, record.lon)
    record.lat, record.lon = public_point(record.lat, record.lon)


# Bump when the schedule, fee or reading parsers change what they read from the same text:
# databases read by an older version are then recomputed on the next start (cli._storage).
DERIVED_VERSION = "5"  # 5: readings of venues and organisations are stored (bounded)


def derive(record: ResourceRecord) -> None:
    """Fill the fields search and filters use: reading, weekdays, schedule rules, fee."""
    for name, value in derived_values(
        record.name, record.schedule_text, record.closed_text, record.fee_text, record.venue
    ).items():
        setattr(record, name, value)


def derived_values(
    name: str, schedule_text: str, closed_text: str, fee_text: str, venue: str = ""
) -> dict:
    """What is computed from a resource's texts: readings, weekdays, schedule rules, fee."""
    open_weekdays, schedule_review, rules = schedule_values(schedule_text, closed_text)
    fee_unit, fee_amount_yen = fee_values(fee_text)
    return {
        "reading": reading(name),
        "venue_reading": reading(venue),
        "open_weekdays": open_weekdays,
        "schedule_review": schedule_review,
        "schedule_rules": rules,
        "fee_unit": fee_unit,
        "fee_amount_yen": fee_amount_yen,
    }


def schedule_values(schedule_text: str, closed_text: str) -> tuple[int, str, tuple[dict, ...]]:
    """(open weekdays mask, review reasons, schedule_rule rows) read from the two texts."""
    schedule = parse_resource_schedule(schedule_text, closed_text)
    rules = tuple(
        {
            "position": i,
            "rrule": rule.to_rrule(),
            "opens_at": rule.opens_at,
            "closes_at": rule.closes_at,
            "season": rule.season,
            "label": rule.label,
        }
        for i, rule in enumerate(schedule.rules)
    )
    return weekday_mask(schedule), "\n".join(schedule.needs_review), rules


def fee_values(fee_text: str) -> tuple[str, int | None]:
    """(unit, amount in yen) read from a 参加費 text."""
    fee = parse_fee(fee_text)
    return fee.unit, fee.amount_yen
