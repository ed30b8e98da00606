"""Importing a resource list: read → profile → check every row → key → write all or nothing."""

from __future__ import annotations

import shlex
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from mapapp import duplicates
from mapapp.importing.errors import FileProblem, RowError, RowsRejected
from mapapp.importing.limits import DEFAULT_LIMITS, Limits
from mapapp.importing.placing import (
    GeocoderSettings,
    PlacementSummary,
    load_placer,
    place_records,
    save_geocode_cache,
    venues_in,
)
from mapapp.importing.profiles import PROFILES, Profile, detect_profile, header_key, mapped_profile
from mapapp.importing.readers import Table, read_table
from mapapp.importing.records import RecordBuilder, ResourceRecord
from mapapp.importing.writer import WriteResult, write_resources
from mapapp.models import Area, Layer, Placement, Resource
from mapapp.storage import Storage
from mapapp.taxonomy import Taxonomy
from mapapp.text import normalize_line, search_key

Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    """Default progress callback: says nothing."""


@dataclass(frozen=True)
class ImportOptions:
    profile: str | None = None  # a name from PROFILES; None: detect from the headers
    kind: str | None = None  # kind code or label for files that carry no kind column
    source: str | None = None  # overrides the profile's source name
    column_map: Mapping[str, str] = field(default_factory=dict)  # file header → own header
    dry_run: bool = False
    skip_invalid: bool = False
    close_missing: bool = False  # rows of the same source that the file no longer has → 終了
    require_point: bool = False  # refuse rows that cannot be placed, instead of keeping them
    municipalities: tuple[str, ...] = ()  # the town's own names, to read addresses without them
    geocoder: GeocoderSettings = GeocoderSettings()
    limits: Limits = DEFAULT_LIMITS  # file size, rows, columns, characters per cell
    # The areas this import may create and change resources in (a coordinator's); None: all.
    # Checked before the write commits: mapapp.importing.scope.OutsideImportScope.
    allowed_areas: frozenset[int] | None = None


@dataclass
class ImportReport:
    filename: str
    profile: str
    encoding: str
    rows_total: int
    sources: list[str]
    rejected: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    written: WriteResult | None = None
    dry_run: bool = False
    placement: PlacementSummary | None = None
    # Rows of this file that another source seems to list too (same name, within 50 m).
    duplicates: list[duplicates.Pair] = field(default_factory=list)


def import_resources(
    storage: Storage,
    path: Path,
    taxonomy: Taxonomy,
    options: ImportOptions = ImportOptions(),  # noqa: B008 -- frozen, never mutated
    progress: Progress = _no_progress,
) -> ImportReport:
    """Import one file of resources; nothing is written unless every row is good.

    Raises FileProblem when the file cannot be used at all, RowsRejected (listing every
    bad row) when some rows are bad and ``skip_invalid`` is off, and OutsideImportScope when
    it would create or change a resource outside ``allowed_areas``.
    """
    path = Path(path)
    progress("読み込み", 0, 1)
    table = read_table(path, options.limits)
    progress("読み込み", 1, 1)
    profile = _choose_profile(table, options)
    fixed_kind = _fixed_kind(options.kind, taxonomy)
    _require_kind(table, profile, fixed_kind)
    area_names = _area_names(storage)

    records: list[tuple[int, ResourceRecord]] = []
    errors: list[RowError] = []
    warnings: list[str] = []
    total = len(table.rows)
    # The rows' own cells under header_key()s: a view per row, no copy of the cells.
    keyed_index = table.index(header_key)
    keyed_rows = [row.values.rekeyed(keyed_index) for row in table.rows]
    builder = RecordBuilder(taxonomy)
    for done, (row, values) in enumerate(zip(table.rows, keyed_rows, strict=True), start=1):
        record, problems = _row_record(values, profile, fixed_kind, builder, area_names)
        if problems:
            errors += [
                RowError(row.number, _column_of(profile, name), reason, _unit(table))
                for name, reason in problems.items()
            ]
        else:
            record.source = options.source or _row_source(values, profile, path)
            record.source_key = profile.key(values) if profile.key_columns else ""
            records.append((row.number, record))
            warnings += _field_warnings(row.number, record, profile, table)
        if done % 2000 == 0 or done == total:
            progress("確認", done, total)

    warnings += _report_repeated_ids(table, keyed_rows, profile)
    # The records hold what is kept: the file's cells are not needed past this point, so
    # memory follows the rows kept rather than the file.
    del keyed_rows
    table.rows.clear()
    placement = _place(storage, records, options, progress)
    if options.require_point:
        errors += [
            RowError(number, "緯度・経度", f"位置がわかりません（{reason}）", _unit(table))
            for number, _name, reason in placement.not_placed
        ]
    errors += _assign_keys(records, _unit(table))
    if errors and not options.skip_invalid:
        raise RowsRejected(sorted(errors, key=lambda e: e.row), total)
    if errors and options.close_missing:
        # A rejected row is still in the file: closing "what the file lacks" would close it.
        raise FileProblem(
            "問題のある行があるときは --close-missing は使えません。先に行を直してください"
        )
    bad_rows = {e.row for e in errors}
    good = [record for number, record in records if number not in bad_rows]
    likely = _compare_with_other_sources(storage, good, options, _names_its_sources(table, profile))

    report = ImportReport(
        filename=path.name,
        profile=profile.name,
        encoding=table.encoding,
        rows_total=total,
        sources=sorted({r.source for r in good}),
        rejected=sorted(errors, key=lambda e: e.row),
        warnings=warnings,
        dry_run=options.dry_run,
        placement=placement,
        duplicates=likely,
    )
    report.written = write_resources(
        storage,
        good,
        filename=path.name,
        profile=profile.name,
        rejected=len(bad_rows),
        dry_run=options.dry_run,
        close_missing=options.close_missing,
        progress=progress,
        allowed_areas=options.allowed_areas,
    )
    return report


def _place(storage, records, options: ImportOptions, progress) -> PlacementSummary:
    """Points for the rows that came without coordinates (see mapapp.placement)."""
    unplaced = [(n, r) for n, r in records if r.lat is None]
    if not unplaced:
        return PlacementSummary({Placement.COORDINATES: len(records)} if records else {})
    progress("位置の推定", 0, len(unplaced))
    placer, cache = load_placer(
        storage, options.municipalities, options.geocoder, venues_in([r for _, r in records])
    )
    asked_before = set(cache)
    try:
        summary = place_records(records, placer)
    finally:
        if not options.dry_run:
            save_geocode_cache(storage, asked_before, cache)
    progress("位置の推定", len(unplaced), len(unplaced))
    return summary


def _choose_profile(table: Table, options: ImportOptions) -> Profile:
    if options.column_map:
        profile = mapped_profile(options.column_map)
    elif options.profile:
        if options.profile not in PROFILES:
            raise FileProblem(f"形式「{options.profile}」はありません（{'、'.join(PROFILES)}）")
        profile = PROFILES[options.profile]
    else:
        profile = detect_profile(table.headers)
    present = {header_key(h) for h in table.headers}
    missing = [h for h in profile.signature if header_key(h) not in present]
    if missing:
        raise FileProblem(f"形式「{profile.label}」に必要な列がありません: {'、'.join(missing)}")
    if not any(header_key(h) in present for h in profile.key_columns):
        # No id column (a hand-made list): name and address become the key, said in the report.
        profile = Profile(**{**profile.__dict__, "key_columns": (), "id_columns": ()})
    return profile


def _fixed_kind(word: str | None, taxonomy: Taxonomy) -> str | None:
    if not word:
        return None
    kind = taxonomy.find_kind(word)
    if kind is None:
        raise FileProblem(f"--kind「{word}」は分類表にありません")
    return kind.code


def _area_names(storage: Storage) -> dict[str, int]:
    """Area names (search keys) → id, 第2層 winning over other layers of the same name."""
    with storage.reading() as session:
        rows = session.execute(select(Area.id, Area.name, Area.layer)).all()
    names: dict[str, int] = {}
    for row in sorted(rows, key=lambda r: r.layer != Layer.DAILY_LIFE):
        names.setdefault(search_key(row.name), row.id)
    return names


def _row_record(values, profile, fixed_kind, builder: RecordBuilder, area_names):
    taxonomy = builder.taxonomy
    # A plain dict of the row's cells first: a profile looks each column up (one or more
    # times), and a dict answers that at C speed where a Mapping view goes through Python.
    texts = profile.fields(dict(values))
    kind = fixed_kind or profile.default_kind or None
    if kind is None:
        words = [w for w in profile.kind_words(values) if w]
        if not words:
            return None, {"kind": "種別が空です（--kind で指定することもできます）"}
        found = next((k for k in map(taxonomy.find_kind, words) if k is not None), None)
        if found is None:
            return None, {"kind": f"種別「{' / '.join(words)}」は分類表にありません"}
        kind = found.code
        texts.setdefault("kind_text", " / ".join(words))
    record, problems = builder.build(texts, kind)
    if record is not None and record.service_areas:
        unknown = [n for n in record.service_areas if search_key(n) not in area_names]
        if unknown:
            problems = {"service_areas": f"区域「{'、'.join(unknown)}」が登録されていません"}
            return None, problems
        record.service_areas = tuple(area_names[search_key(n)] for n in record.service_areas)
    return record, problems


def _row_source(values, profile: Profile, path: Path) -> str:
    """The file's own 出典 column; else the profile's source (one per service where the data
    is published so); else one named after the file alone, so that importing the same file
    again with other options (--kind, --map, --profile) updates the same rows."""
    named = " ".join(values.get(header_key(h), "") for h in profile.columns.get("source", ()))
    if normalize_line(named):
        return normalize_line(named)
    if profile.source_column:
        part = normalize_line(values.get(header_key(profile.source_column), ""))
        return f"{profile.default_source}:{part}" if part else profile.default_source
    return profile.default_source or f"file:{normalize_line(path.stem)}"


def _require_kind(table: Table, profile: Profile, fixed_kind: str | None) -> None:
    """Say once, before any row is read, that a file without a kind column needs --kind."""
    if fixed_kind or profile.default_kind:
        return
    present = {header_key(h) for h in table.headers}
    if not any(header_key(h) in present for h in profile.kind_columns):
        columns = "・".join(profile.kind_columns) or "種別"
        raise FileProblem(
            f"このファイルには種別の列（{columns}）がありません。"
            "--kind で種別を指定してください（例: --kind サロン、--kind 居場所）"
        )


def _field_warnings(number: int, record: ResourceRecord, profile: Profile, table: Table):
    """The row's optional values that were left out or completed, as lines for the report."""
    return [
        str(RowError(number, _column_of(profile, name), reason, _unit(table)))
        for name, reason in record.warnings.items()
    ]


def _names_its_sources(table: Table, profile: Profile) -> bool:
    """True when the file has a 出典 column of its own (the own format, or mapped onto it)."""
    present = {header_key(h) for h in table.headers}
    return any(header_key(h) in present for h in profile.columns.get("source", ()))


def _compare_with_other_sources(
    storage: Storage, records: list[ResourceRecord], options: ImportOptions, named: bool
) -> list[duplicates.Pair]:
    """The rows another source lists too (same name within 50 m), for the report.

    Stops the import (FileProblem) when its source is new and given by default (no --source,
    no 出典 column: ``named`` is False), and most of its rows are another source's: that is
    the same list under another name (the file was renamed, or was imported before under an
    older default), and importing it would put every place on the map twice.
    """
    if not records:
        return []
    own_sources = sorted({r.source for r in records})
    with storage.reading() as session:
        stored = duplicates.stored_places(session)
        known = session.scalar(select(Resource.id).where(Resource.source.in_(own_sources)).limit(1))
    mine = [
        duplicates.Place(i, r.source, r.name, r.lat, r.lon, r.address)
        for i, r in enumerate(records)
    ]
    pairs = duplicates.likely_duplicates(mine, stored, by_address=True)
    if options.source is None and not named and known is None:
        rows_by_source: dict[str, set[int]] = defaultdict(set)
        for pair in pairs:
            rows_by_source[pair.second.source].add(pair.first.id)
        if rows_by_source:
            source, rows = max(rows_by_source.items(), key=lambda item: len(item[1]))
            if len(rows) >= 2 and 2 * len(rows) >= len(records):
                raise FileProblem(
                    f"この一覧の行の多くは出典「{source}」と同じです（{len(records)} 行のうち "
                    f"{len(rows)} 行が同じ名前・同じ場所）。同じ一覧なら --source "
                    f"{shlex.quote(source)} を付けてください。別の一覧なら --source に新しい"
                    "出典名を付けてください"
                )
    return [p for p in pairs if p.distance_m is not None]


def _column_of(profile: Profile, field_name: str) -> str:
    if field_name == "kind" and profile.kind_columns:
        return " / ".join(profile.kind_columns)
    headers = profile.columns.get(field_name)
    return " ".join(headers) if headers else field_name


def _unit(table: Table) -> str:
    return "件目" if table.row_label == "件目" else "行目"


def _report_repeated_ids(table: Table, keyed_rows: list[dict], profile: Profile) -> list[str]:
    if not profile.id_columns:
        return []
    rows_by_id: dict[str, list[int]] = defaultdict(list)
    for row, values in zip(table.rows, keyed_rows, strict=True):
        key = "|".join(values.get(header_key(h), "").strip() for h in profile.id_columns)
        if key.strip("|"):
            rows_by_id[key].append(row.number)
    repeated = {k: rows for k, rows in rows_by_id.items() if len(rows) > 1}
    if not repeated:
        return []
    column = "・".join(profile.id_columns)
    sample = "; ".join(
        f"{k}（{'、'.join(map(str, rows))}{_unit(table)}）"
        for k, rows in list(repeated.items())[:5]
    )
    how = (
        f"{'・'.join(profile.key_columns)} の組で区別しました"
        if len(profile.key_columns) > len(profile.id_columns)
        else "名称で区別しました"
    )
    more = f" ほか {len(repeated) - 5} 件" if len(repeated) > 5 else ""
    return [f"{column} が重複しています: {len(repeated)} 件（{sample}{more}）。{how}"]


def _assign_keys(records: list[tuple[int, ResourceRecord]], unit: str) -> list[RowError]:
    """Give every record a unique (source, source_key); repeats are told apart by name.

    Rows without an id get name + address as their key. The first row with an id keeps it
    as it is, so that its key does not change when a repeat appears later in the file. Two
    rows alike in id and name are the same row written twice: the later one is an error, so
    that no two places merge.
    """
    for _, record in records:
        if not record.source_key.strip("|"):
            record.source_key = f"{search_key(record.name)}@{search_key(record.address)}"
    names_by_id: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    errors: list[RowError] = []
    first_row: dict[tuple[str, str], int] = {}
    for number, record in records:
        plain = (record.source, record.source_key)
        record.plain_key = record.source_key
        name = search_key(record.name)
        earlier = names_by_id[plain]
        if name in earlier:
            errors.append(
                RowError(number, "", f"{earlier[name]}{unit}と同じ ID・名称です（重複行）", unit)
            )
            continue
        if earlier:
            record.source_key = f"{record.source_key}#{name}"
        earlier[name] = number
        key = (record.source, record.source_key)
        if key in first_row:
            errors.append(
                RowError(number, "", f"{first_row[key]}{unit}と同じ ID・名称です（重複行）", unit)
            )
        else:
            first_row[key] = number
    return errors
