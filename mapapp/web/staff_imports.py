"""Staff page /staff/imports: a resource list uploaded, checked by a dry run (every problem,
by row and column, in Japanese), then imported on 「取り込む」.

**A coordinator's import** is limited to their areas by the importer itself
(ImportOptions.allowed_areas, checked inside the transaction that writes it, before it commits
and in the dry run before it rolls back; see mapapp.importing.scope): nothing is written when
a row lies, or would move a resource, outside them, and the page names those resources.

**People lists** (担い手の名簿, 相談の一覧: the form's ``what``) go through the same two routes
to mapapp.importing.people, for those allowed Action.MATCH as well (閲覧 never; the choice is
not shown to them). A coordinator's list is limited to their 第2層 areas
(PeopleOptions.allowed_areas): a row outside them refuses the whole file, naming 出典IDs. The
report shows counts, placement, warnings and every rejected row by row, column and reason,
naming rows by 出典ID, never by a person's name, address or contact.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from flask import current_app, render_template, request

from mapapp import audit
from mapapp.importing.errors import LISTED_ERRORS
from mapapp.importing.scope import OutsideImportScope
from mapapp.models import PLACEMENT_LABELS, Placement
from mapapp.permissions import Action, allowed
from mapapp.web.auth import client_ip, current_staff, refuse, require
from mapapp.web.staff_files import (
    LISTED,
    PENDING_IMPORT,
    Outcome,
    blueprint,
    check_upload,
    claim_upload,
    failed,
    limits,
    refuse_quietly,
    release,
    storage,
    sweep,
    taxonomy,
    upload_lost,
)

SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".geojson", ".json")
PEOPLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")
# What an uploaded list is: the form's ``what``; people lists need Action.MATCH too.
WHATS = {"resources": "資源の一覧", "volunteers": "担い手の名簿", "needs": "相談の一覧"}
PEOPLE = ("volunteers", "needs")


def _import_options(settings: dict, *, dry_run: bool):
    from mapapp.importing.placing import GeocoderSettings
    from mapapp.importing.resources import ImportOptions

    staff = current_staff()
    config = current_app.config
    return ImportOptions(
        kind=settings.get("kind") or None,
        source=settings.get("source") or None,
        dry_run=dry_run,
        skip_invalid=bool(settings.get("skip")),
        municipalities=tuple(n for n in [config["MUNICIPALITY_NAME"]] if n),
        geocoder=GeocoderSettings(config["GEOCODER_URL"], config["GEOCODER_INTERVAL_S"]),
        limits=limits(),
        allowed_areas=None if staff.is_admin else frozenset(staff.area_ids),
    )


def _run_import(path: Path, settings: dict, *, dry_run: bool) -> tuple[Outcome, object | None]:
    from mapapp.importing.resources import import_resources

    staff = current_staff()
    options = _import_options(settings, dry_run=dry_run)
    try:
        report = import_resources(storage(), path, taxonomy(), options)
    except OutsideImportScope as outside:
        refuse_quietly(staff, Action.IMPORT, str(outside))
        return Outcome(message=str(outside), status=403), None
    except Exception as problem:  # every file gets an answer, never a 500 (see failed)
        return failed(problem, "import of an uploaded file failed"), None
    return Outcome(report=_import_view(report)), report


def _import_view(report) -> dict:
    """The report as the page shows it (the same data the command line prints)."""
    from mapapp.duplicates import NEAR_M
    from mapapp.importing.profiles import PROFILES

    written = report.written
    placement = report.placement
    counts = []
    if placement is not None and not set(placement.by_placement) <= {Placement.COORDINATES}:
        counts = [
            (PLACEMENT_LABELS[p], n) for p in Placement if (n := placement.by_placement.get(p))
        ]
    not_placed = placement.not_placed if placement is not None else []
    profile = PROFILES.get(report.profile)
    return {
        "dry_run": report.dry_run,
        "filename": report.filename,
        "profile": report.profile,
        "profile_label": profile.label if profile else "",
        "encoding": report.encoding,
        "sources": report.sources,
        "rows_total": report.rows_total,
        "created": written.created,
        "updated": written.updated,
        "unchanged": written.unchanged,
        "rejected": len({e.row for e in report.rejected}),
        "problems": [str(e) for e in report.rejected[:LISTED_ERRORS]],
        "more_problems": max(len(report.rejected) - LISTED_ERRORS, 0),
        "warnings": report.warnings[:LISTED_ERRORS],
        "more_warnings": max(len(report.warnings) - LISTED_ERRORS, 0),
        "outside": written.outside_areas[:LISTED],
        "outside_count": len(written.outside_areas),
        "not_in_file": written.not_in_file,
        "duplicates": [
            f"{p.first.name} ⇔ 出典 {p.second.source} の ID {p.second.id}（{p.distance_m:.0f} m）"
            for p in report.duplicates[:5]
        ],
        "duplicate_count": len(report.duplicates),
        "near_m": f"{NEAR_M:.0f}",
        "placement": counts,
        "geocoder_requests": placement.geocoder_requests if placement is not None else 0,
        "not_placed": [f"{n}行目 {name}: {reason}" for n, name, reason in not_placed[:LISTED]],
        "not_placed_count": len(not_placed),
        "run_id": written.import_run_id,
    }


def _import_page(*, outcome: Outcome | None = None, form: dict | None = None, pending=None):
    kinds = [(k.code, k.label) for k in taxonomy().kinds]
    people = allowed(current_staff(), Action.MATCH)
    return render_template(
        "staff/imports.html", title="一覧を取り込む" if people else "資源の一覧を取り込む",
        kinds=kinds, form=form or {}, outcome=outcome, pending=pending, max_mb=limits().max_mb,
        suffixes="、".join(SUFFIXES), whats=list(WHATS.items()) if people else [],
    ), (outcome.status if outcome else 200)  # fmt: skip


@blueprint.get("/imports")
@require(Action.IMPORT)
def import_page():
    sweep()
    return _import_page()


@blueprint.post("/imports")
@require(Action.IMPORT)
def check_import():
    """Upload a list and do everything but write: the report, or every problem."""
    sweep()
    form = {
        "what": request.form.get("what", "resources")[:20].strip() or "resources",
        "kind": request.form.get("kind", "")[:200].strip(),
        "source": unicodedata.normalize("NFKC", request.form.get("source", ""))[:200].strip(),
        "skip": request.form.get("skip") == "1",
    }
    if form["what"] not in WHATS:
        refused = Outcome(message="取り込む一覧を選び直してください。", status=400)
        return _import_page(outcome=refused)
    if form["what"] in PEOPLE:
        _may_import_people()
        return check_upload(
            PENDING_IMPORT, PEOPLE_SUFFIXES, "CSV・Excel（.xlsx）", form,
            lambda path: _run_people(path, form, dry_run=True)[0], _import_page,
        )  # fmt: skip
    if form["kind"] and taxonomy().find_kind(form["kind"]) is None:
        return _import_page(outcome=Outcome(message="種別を選び直してください。", status=400))
    return check_upload(
        PENDING_IMPORT, SUFFIXES, "CSV・Excel（.xlsx）・GeoJSON", form,
        lambda path: _run_import(path, form, dry_run=True)[0], _import_page,
    )  # fmt: skip


@blueprint.post("/imports/confirm")
@require(Action.IMPORT)
def confirm_import():
    """Import the file this session checked, with the settings it was checked with."""
    sweep()
    found = claim_upload(PENDING_IMPORT)
    if found is None:
        return upload_lost("staff_files.import_page")
    settings, path = found
    staff = current_staff()
    if settings.get("what") in PEOPLE:
        try:
            _may_import_people()
            outcome, _report = _run_people(path, settings, dry_run=False)
        finally:
            release(PENDING_IMPORT, path)
        return _import_page(outcome=outcome)
    try:
        outcome, report = _run_import(path, settings, dry_run=False)
    finally:
        release(PENDING_IMPORT, path)
    if report is not None:
        written = report.written
        with storage().transaction() as db:
            audit.record(
                db, staff, "import", entity="import_run", entity_id=written.import_run_id,
                ip=client_ip(),
                detail=(
                    f"{report.filename}（出典 {'、'.join(report.sources) or '-'}）: "
                    f"新規 {written.created}、更新 {written.updated}、"
                    f"変更なし {written.unchanged}、"
                    f"取り込まなかった行 {len({e.row for e in report.rejected})}"
                ),
            )  # fmt: skip
    return _import_page(outcome=outcome)


# --- people lists (担い手の名簿, 相談の一覧) -----------------------------------------------------


def _may_import_people() -> None:
    """Refuse (and log) unless the current staff may see and change people's records."""
    staff = current_staff()
    if not allowed(staff, Action.MATCH):
        refuse(staff, Action.MATCH)


def _people_options(settings: dict, *, dry_run: bool):
    from mapapp.importing.people import PeopleOptions
    from mapapp.importing.placing import GeocoderSettings
    from mapapp.matching.people import expand_scope
    from mapapp.matching.settings import MatchSettings

    staff = current_staff()
    config = current_app.config
    areas = None
    if not staff.is_admin:
        with storage().reading() as db:
            areas = expand_scope(db, staff.area_ids)
    return PeopleOptions(
        source=settings.get("source") or None,
        dry_run=dry_run,
        skip_invalid=bool(settings.get("skip")),
        municipalities=tuple(n for n in [config["MUNICIPALITY_NAME"]] if n),
        geocoder=GeocoderSettings(config["GEOCODER_URL"], config["GEOCODER_INTERVAL_S"]),
        limits=limits(),
        settings=MatchSettings.from_config(config),
        allowed_areas=areas,
    )


def _run_people(path: Path, settings: dict, *, dry_run: bool) -> tuple[Outcome, object | None]:
    """The dry run or the import of a people list. The importer records the import in the
    audit log (as this staff member); the dry run, rolled back, is recorded here."""
    from mapapp.importing.people import import_needs, import_volunteers

    staff = current_staff()
    what = settings["what"]
    importer = import_volunteers if what == "volunteers" else import_needs
    report = None
    try:
        report = importer(
            storage(), path, taxonomy(), _people_options(settings, dry_run=dry_run), staff
        )
    except OutsideImportScope as outside:
        refuse_quietly(staff, Action.MATCH, str(outside))
        return Outcome(message=str(outside), status=403), None
    except Exception as problem:  # every file gets an answer, never a 500 (see failed)
        outcome = failed(problem, "import of an uploaded people list failed")
    else:
        outcome = Outcome(report=_people_view(report))
    if dry_run or report is None:
        _record_upload(what, path.name, report, dry_run=dry_run)
    return outcome, report


def _record_upload(what: str, filename: str, report, *, dry_run: bool) -> None:
    head = f"{filename}（{WHATS[what]}{'、確認のみ' if dry_run else ''}）"
    if report is None:
        detail = f"{head}: 取り込めませんでした（何も書き込んでいません）"
    else:
        detail = (
            f"{head}: 新規 {report.created}、更新 {report.updated}、変更なし {report.unchanged}、"
            f"取り込まない行 {len({e.row for e in report.rejected})}"
        )
    with storage().transaction() as db:
        audit.record(
            db, current_staff(), "import", entity="volunteer" if what == "volunteers" else "need",
            ip=client_ip(), detail=detail,
        )  # fmt: skip


def _people_view(report) -> dict:
    """A people list's report as the page shows it: counts, 出典IDs, row numbers and reasons,
    never a row's name, address or contact."""
    labels = {**PLACEMENT_LABELS, Placement.COORDINATES: "緯度・経度の列から"}
    by_placement = [(labels[Placement(p)], n) for p, n in report.by_placement.items() if n]
    return {
        "people": True,
        "what_label": WHATS[report.what],
        "dry_run": report.dry_run,
        "filename": report.filename,
        "encoding": report.encoding,
        "sources": [report.source],
        "rows_total": report.rows_total,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": len({e.row for e in report.rejected}),
        "problems": [str(e) for e in report.rejected[:LISTED_ERRORS]],
        "more_problems": max(len(report.rejected) - LISTED_ERRORS, 0),
        "warnings": report.warnings[:LISTED_ERRORS],
        "more_warnings": max(len(report.warnings) - LISTED_ERRORS, 0),
        "outside": report.outside_areas[:LISTED],
        "outside_count": len(report.outside_areas),
        "placement": by_placement,
        "list_endpoint": (
            "matching.volunteer_list" if report.what == "volunteers" else "matching.need_list"
        ),
    }
