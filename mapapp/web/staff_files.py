"""Staff pages for files under /staff: resource lists and area boundaries imported from the
browser (a dry run first, then 「取り込む」 on the same uploaded file), and exports downloaded.

The work is done by the importers and exporters the command line uses (mapapp.importing,
mapapp.exporting); these views upload, check who may do what, and show the reports.

**Uploads** are kept between the dry run and the confirmation in ``instance/uploads/TOKEN/``,
TOKEN a random value stored in the (signed) session together with the file's cleaned name;
the confirming form only repeats the token, which must equal the session's. A path is never
taken from the request. The folder is deleted after the import (whatever its outcome), when
another file is checked, and by any request to these pages once it is an hour old.

**A coordinator's import** is checked inside the transaction that writes it, before it
commits (and in the dry run, before it rolls back): every resource the file would create or
change must lie, by its stored (public) point, in one of their areas after the import, and
every resource it would change must have lain in one of them before. Otherwise nothing is
written and the page names the resources. Rows the file leaves unchanged write nothing and
are not refused; a row that cannot be placed (位置なし) is refused, as such resources are
kept by admins (mapapp.permissions).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import secrets
import shutil
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import func, select

from mapapp import audit, features
from mapapp.exporting.resources import FORMATS, MEDIA_TYPES, SUFFIXES
from mapapp.exporting.rows import ExportProblem
from mapapp.importing.errors import LISTED_ERRORS, ImportProblem, RowsRejected
from mapapp.importing.limits import Limits
from mapapp.models import (
    PLACEMENT_LABELS,
    Area,
    Change,
    ImportRun,
    Layer,
    Placement,
    Resource,
    ResourceArea,
)
from mapapp.permissions import Action, allowed
from mapapp.storage import get_storage
from mapapp.web.auth import client_ip, current_staff, refuse, require, require_areas
from mapapp.web.query import today

blueprint = Blueprint("staff_files", __name__)

UPLOADS = "uploads"  # folder under the instance folder
UPLOAD_SECONDS = 3600  # an upload not confirmed within an hour is deleted
RUNNING_SECONDS = 86400  # what is left of an import that stopped without cleaning up
FORM_BYTES = 1024 * 1024  # room for the form's other fields and the multipart framing
RESOURCE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".geojson", ".json")
AREA_SUFFIXES = (".geojson", ".json", ".zip", ".gpkg")
PENDING_IMPORT = "pending_import"
PENDING_AREAS = "pending_areas"
LISTED = 10  # names listed one by one in a report line; the rest are counted
MAP_AREAS = 3000  # more areas than this are not drawn on the preview map
MOVES_LISTED = 50  # rows of the from → to table
NONE_LABEL = "（なし）"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
_FOLDER = re.compile(r"[A-Za-z0-9_-]{32}(?:-run)?")  # an upload, or one being imported
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"/\\|?*\u202a-\u202e\u2066-\u2069]')

FORMAT_LABELS = {
    "csv": "CSV（このシステムの形式。取り込み直せます）",
    "xlsx": "Excel（.xlsx、CSV と同じ列）",
    "geojson": "GeoJSON（地図ソフト用）",
    "mhlw": "厚生労働省 通いの場 CSV（通いの場だけ）",
    "hsds": "HSDS（JSON、ほかのシステム用）",
}
DOWNLOAD_NAMES = {
    "csv": "資源一覧",
    "xlsx": "資源一覧",
    "geojson": "資源一覧",
    "mhlw": "通いの場_厚労省形式",
    "hsds": "資源一覧_HSDS",
}
STATUS_LABELS = {
    "new": "新しい区域",
    "changed": "形か名前が変わる区域",
    "same": "変わらない区域",
    "stale": "ファイルにない区域（残ります）",
}


@blueprint.record_once
def _limit_uploads(state) -> None:
    """Requests larger than the import size limit are refused before they are read (413)."""
    config = state.app.config
    if config.get("MAX_CONTENT_LENGTH") is None:
        config["MAX_CONTENT_LENGTH"] = Limits.from_config(config).max_bytes + FORM_BYTES


@blueprint.app_context_processor
def _abilities():
    def staff_may(action: str) -> bool:
        staff = current_staff()
        return staff is not None and allowed(staff, Action(action))

    return {"staff_may": staff_may}


@blueprint.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"  # shared office PCs: nothing in the cache
    return response


@blueprint.errorhandler(413)
def _too_large(_exc):
    limits = Limits.from_config(current_app.config)
    return render_template(
        "staff/too_large.html", title="ファイルが大きすぎます", max_mb=limits.max_mb
    ), 413


def _storage():
    return get_storage(current_app)


def _taxonomy():
    return current_app.extensions["mapapp.taxonomy"]


def _limits() -> Limits:
    return Limits.from_config(current_app.config)


# --- uploads ---------------------------------------------------------------------------------


class UploadRefused(Exception):
    """The upload cannot be used (no file, an empty one, a kind not read here)."""


def _uploads_root() -> Path:
    root = Path(current_app.instance_path) / UPLOADS
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def _sweep() -> None:
    """Delete uploads older than an hour (asked by every request to these pages)."""
    root = _uploads_root()
    now = time.time()
    for folder in root.iterdir():
        # One being imported is left a day (an import runs in its request, for minutes).
        limit = now - (RUNNING_SECONDS if folder.name.endswith("-run") else UPLOAD_SECONDS)
        try:
            old = folder.stat().st_mtime < limit
        except OSError:
            continue
        if old and _FOLDER.fullmatch(folder.name):
            shutil.rmtree(folder, ignore_errors=True)


def clean_filename(given: str, suffixes: tuple[str, ...]) -> str | None:
    """The uploaded file's own name without folders, control or reserved characters, or None
    when its ending is not one of ``suffixes``. Japanese names are kept: a list imported
    without 出典 is keyed by its file name, as on the command line."""
    name = unicodedata.normalize("NFC", given or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("", name).strip().lstrip(". ")
    stem, dot, suffix = name.rpartition(".")
    if not dot or "." + suffix.lower() not in suffixes:
        return None
    return (stem.strip()[:80] or "upload") + "." + suffix.lower()


def _save_upload(key: str, suffixes: tuple[str, ...], kinds: str) -> Path:
    """Keep the form's ``file`` in a new folder named by a random token (the previous upload
    of this session under ``key`` is deleted)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise UploadRefused("ファイルを選んでください。")
    name = clean_filename(upload.filename, suffixes)
    if name is None:
        raise UploadRefused(f"このファイルは取り込めません。{kinds} のファイルを選んでください。")
    _discard(key)
    token = secrets.token_urlsafe(24)
    folder = _uploads_root() / token
    folder.mkdir(mode=0o700)
    path = folder / name
    upload.save(path)
    if path.stat().st_size == 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise UploadRefused("ファイルが空です（0 バイト）。中身のあるファイルを選んでください。")
    session[key] = {"token": token, "name": name, "at": int(time.time())}
    return path


def _pending(key: str) -> tuple[dict, Path] | None:
    """The upload this session checked under ``key``: its settings and its path, or None when
    there is none, it is over an hour old or its folder is gone."""
    held = session.get(key)
    if not isinstance(held, dict):
        return None
    token, name, at = held.get("token"), held.get("name"), held.get("at")
    if not isinstance(token, str) or not _TOKEN.fullmatch(token) or not isinstance(at, int):
        return None
    if not isinstance(name, str) or name != Path(name).name or name.startswith("."):
        return None
    if time.time() - at > UPLOAD_SECONDS:
        _discard(key)
        return None
    path = _uploads_root() / token / name
    return (held, path) if path.is_file() else None


def _discard(key: str) -> None:
    held = session.pop(key, None)
    if isinstance(held, dict) and _TOKEN.fullmatch(str(held.get("token", ""))):
        shutil.rmtree(_uploads_root() / held["token"], ignore_errors=True)


def _claim_upload(key: str) -> tuple[dict, Path] | None:
    """The pending upload, when the confirming form names the same one (another tab may have
    checked another file since this page was shown), moved aside (an atomic rename) so that
    a second click on 「取り込む」 finds nothing to import; the caller deletes its folder."""
    found = _pending(key)
    if found is None or request.form.get("upload", "") != found[0]["token"]:
        return None
    settings, path = found
    claimed = path.parent.with_name(path.parent.name + "-run")
    try:
        path.parent.rename(claimed)
        os.utime(claimed)  # its age is now the import's, for _sweep
    except OSError:
        return None
    return settings, claimed / path.name


def _release(key: str, path: Path) -> None:
    session.pop(key, None)
    shutil.rmtree(path.parent, ignore_errors=True)


# --- importing resources ------------------------------------------------------------------------


class OutsideImportScope(ImportProblem):
    """A coordinator's import touches resources outside their areas; nothing was written."""


@dataclass
class ScopedImport:
    """The storage as a coordinator's import sees it: the transaction that writes the import
    is checked against their areas before it commits or rolls back (see the module's doc)."""

    storage: object
    areas: frozenset[int]
    checked: bool = False

    def __getattr__(self, name):
        return getattr(self.storage, name)

    def reading(self):
        return self.storage.reading()

    @contextlib.contextmanager
    def transaction(self, *, commit: bool = True):
        with self.storage.transaction(commit=commit) as db:
            last_run = db.scalar(select(func.max(ImportRun.id))) or 0
            theirs_before = _resources_in(db, self.areas, None)
            yield db
            self._check(db, last_run, theirs_before)

    def _check(self, db, last_run: int, theirs_before: set[int]) -> None:
        run = db.scalars(
            select(ImportRun)
            .where(ImportRun.id > last_run, ImportRun.target == "resources")
            .order_by(ImportRun.id)
        ).first()
        if run is None:
            return  # not the import's write (the address-search cache, say)
        rows = db.execute(
            select(Change.entity_id, Change.action).where(
                Change.import_run_id == run.id, Change.entity == "resource"
            )
        ).all()
        created = {rid for rid, action in rows if action == "create"}
        updated = {rid for rid, action in rows if action == "update"} - created
        if len(created) != (run.created or 0) or len(updated) != (run.updated or 0):
            raise OutsideImportScope(
                "取り込む資源が担当区域の中にあるか確かめられなかったため、取り込みませんでした。"
                "管理者に取り込みを頼んでください"
            )
        touched = created | updated
        outside_after = touched - _resources_in(db, self.areas, touched)
        outside_before = updated - theirs_before
        self.checked = True
        if outside_after or outside_before:
            raise OutsideImportScope(_scope_message(db, outside_after, outside_before))


def _resources_in(db, areas: frozenset[int], among: set[int] | None) -> set[int]:
    """The resources lying in ``areas`` (of those ``among``, when given)."""
    found: set[int] = set()
    query = select(ResourceArea.resource_id).where(ResourceArea.area_id.in_(sorted(areas)))
    if among is None:
        return set(db.scalars(query))
    ids = sorted(among)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found |= set(db.scalars(query.where(ResourceArea.resource_id.in_(chunk))))
    return found


def _scope_message(db, outside_after: set[int], outside_before: set[int]) -> str:
    def names(ids: set[int]) -> str:
        shown = sorted(ids)[:LISTED]
        found = dict(
            db.execute(select(Resource.id, Resource.name).where(Resource.id.in_(shown))).all()
        )
        listed = "、".join(f"「{found.get(i, i)}」" for i in shown)
        return listed + (f" ほか {len(ids) - LISTED} 件" if len(ids) > LISTED else "")

    parts = [
        "担当区域の外の資源があるため、このファイルは取り込めません（何も書き込んでいません）。"
    ]
    if outside_after:
        parts.append(
            f"担当区域の外にある行・位置がわからない行 {len(outside_after)} 件: "
            f"{names(outside_after)}。"
        )
    if outside_before:
        parts.append(
            f"担当区域の外にある資源を変更する行 {len(outside_before)} 件: "
            f"{names(outside_before)}。"
        )
    parts.append("担当区域の行だけのファイルにするか、管理者に取り込みを頼んでください。")
    return "".join(parts)


def _import_options(settings: dict, *, dry_run: bool):
    from mapapp.importing.placing import GeocoderSettings
    from mapapp.importing.resources import ImportOptions

    config = current_app.config
    return ImportOptions(
        kind=settings.get("kind") or None,
        source=settings.get("source") or None,
        dry_run=dry_run,
        skip_invalid=bool(settings.get("skip")),
        municipalities=tuple(n for n in [config["MUNICIPALITY_NAME"]] if n),
        geocoder=GeocoderSettings(config["GEOCODER_URL"], config["GEOCODER_INTERVAL_S"]),
        limits=_limits(),
    )


def _refused_errors() -> tuple[type[Exception], ...]:
    """What an import says to a person instead of failing: as the command line's."""
    from mapapp.geo import InvalidCoordinate
    from mapapp.geocoding import GeocoderUnavailable
    from mapapp.importing.writer import ConcurrentEdit
    from mapapp.taxonomy import TaxonomyError

    return (ImportProblem, ConcurrentEdit, GeocoderUnavailable, TaxonomyError, InvalidCoordinate)


@dataclass
class Outcome:
    """What a page shows of one import: its report, or why it was refused."""

    report: dict | None = None
    message: str = ""
    problems: list[str] = field(default_factory=list)
    more_problems: int = 0
    status: int = 200


def _run_import(path: Path, settings: dict, *, dry_run: bool) -> tuple[Outcome, object | None]:
    from mapapp.importing.resources import import_resources

    staff = current_staff()
    storage = _storage()
    scoped = None
    if not staff.is_admin:
        storage = scoped = ScopedImport(storage, staff.area_ids)
    options = _import_options(settings, dry_run=dry_run)
    try:
        report = import_resources(storage, path, _taxonomy(), options)
    except RowsRejected as rejected:
        listed, more = rejected.listed()
        return Outcome(
            message=str(rejected), problems=[str(e) for e in listed], more_problems=more,
            status=400,
        ), None  # fmt: skip
    except OutsideImportScope as outside:
        refuse_quietly(staff, Action.IMPORT, str(outside))
        return Outcome(message=str(outside), status=403), None
    except _refused_errors() as problem:
        return Outcome(message=str(problem), status=400), None
    except Exception:  # a file no reader foresaw must still get an answer, not a 500
        current_app.logger.exception("import of an uploaded file failed")
        return Outcome(
            message="このファイルは読み取れませんでした。ファイルの形式と中身を確かめてください。",
            status=400,
        ), None
    if (
        scoped is not None
        and not scoped.checked
        and (report.written.created or report.written.updated)
    ):  # the write was not seen: never let a coordinator go on unchecked
        return Outcome(
            message="担当区域の中か確かめられなかったため、取り込めません。管理者に頼んでください。",
            status=403,
        ), None
    return Outcome(report=_import_view(report)), report


def refuse_quietly(staff, action: Action, detail: str) -> None:
    """Log a refusal the page explains itself (refuse() would answer the plain 403 page)."""
    with _storage().transaction() as db:
        audit.record(
            db, staff, "refused", ip=client_ip(),
            detail=f"{request.method} {request.path[:200]} ({action.value}) {detail}",
        )  # fmt: skip


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
    kinds = [(k.code, k.label) for k in _taxonomy().kinds]
    return render_template(
        "staff/imports.html", title="資源の一覧を取り込む", kinds=kinds, form=form or {},
        outcome=outcome, pending=pending, max_mb=_limits().max_mb,
        suffixes="、".join(RESOURCE_SUFFIXES),
    ), (outcome.status if outcome else 200)  # fmt: skip


@blueprint.get("/imports")
@require(Action.IMPORT)
def import_page():
    _sweep()
    return _import_page()


@blueprint.post("/imports")
@require(Action.IMPORT)
def check_import():
    """Upload a list and do everything but write: the report, or every problem."""
    _sweep()
    form = {
        "kind": request.form.get("kind", "")[:200].strip(),
        "source": unicodedata.normalize("NFKC", request.form.get("source", ""))[:200].strip(),
        "skip": request.form.get("skip") == "1",
    }
    if form["kind"] and _taxonomy().find_kind(form["kind"]) is None:
        return _import_page(outcome=Outcome(message="種別を選び直してください。", status=400))
    try:
        path = _save_upload(PENDING_IMPORT, RESOURCE_SUFFIXES, "CSV・Excel（.xlsx）・GeoJSON")
    except UploadRefused as refused:
        return _import_page(outcome=Outcome(message=str(refused), status=400), form=form)
    outcome, _report = _run_import(path, form, dry_run=True)
    if outcome.report is None:
        _discard(PENDING_IMPORT)
        return _import_page(outcome=outcome, form=form)
    session[PENDING_IMPORT] = {**session[PENDING_IMPORT], **form}
    return _import_page(outcome=outcome, form=form, pending=session[PENDING_IMPORT])


@blueprint.post("/imports/confirm")
@require(Action.IMPORT)
def confirm_import():
    """Import the file this session checked, with the settings it was checked with."""
    _sweep()
    found = _claim_upload(PENDING_IMPORT)
    if found is None:
        message = (
            "確認したファイルが見つかりません（1 時間たったか、別の画面で別のファイルを確認した"
            "ためです）。もう一度ファイルを選んで確認してください。"
        )
        flash(message)
        return redirect(url_for("staff_files.import_page"))
    settings, path = found
    staff = current_staff()
    try:
        outcome, report = _run_import(path, settings, dry_run=False)
    finally:
        _release(PENDING_IMPORT, path)
    if report is not None:
        written = report.written
        with _storage().transaction() as db:
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


# --- areas ------------------------------------------------------------------------------------


@dataclass
class AreaChanges:
    """What an area import does to the areas of one source and to the resources in them."""

    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    moves: list[tuple[str, str, int]] = field(default_factory=list)  # from, to, resources
    moved: int = 0
    outside_before: int = 0
    outside_after: int = 0
    shapes: list[dict] = field(default_factory=list)  # GeoJSON features for the map
    untouched: dict[int, str] = field(default_factory=dict)  # id → name: same or not in file
    keys: dict[int, str] = field(default_factory=dict)  # id → source_key, of those untouched


@dataclass
class WatchedAreas:
    """The storage as an area import sees it: the areas of ``source`` and the resources in
    them are read before the import writes and again before it commits (or, in a dry run,
    rolls back), in the same transaction, so that what moves is exactly what the import does."""

    storage: object
    source: str
    map_shapes: bool = False
    changes: AreaChanges | None = None

    def __getattr__(self, name):
        return getattr(self.storage, name)

    def reading(self):
        return self.storage.reading()

    @contextlib.contextmanager
    def transaction(self, *, commit: bool = True):
        with self.storage.transaction(commit=commit) as db:
            last_run = db.scalar(select(func.max(ImportRun.id))) or 0
            before = self._areas(db)
            placed_before = self._placed(db)
            outside_before = self._outside(db)
            yield db
            self.changes = self._compare(db, last_run, before, placed_before, outside_before)

    def _areas(self, db) -> dict[int, tuple[str, str]]:
        rows = db.execute(
            select(Area.id, Area.source_key, Area.name).where(Area.source == self.source)
        )
        return {r.id: (r.source_key, r.name) for r in rows}

    def _placed(self, db) -> dict[int, set[int]]:
        rows = db.execute(
            select(ResourceArea.resource_id, ResourceArea.area_id)
            .join(Area, Area.id == ResourceArea.area_id)
            .where(Area.source == self.source)
        )
        placed: dict[int, set[int]] = {}
        for rid, area in rows:
            placed.setdefault(rid, set()).add(area)
        return placed

    def _outside(self, db) -> int:
        return db.scalar(select(func.count(Resource.id)).where(Resource.outside_areas)) or 0

    def _compare(self, db, last_run, before, placed_before, outside_before) -> AreaChanges:
        after = self._areas(db)
        run_id = db.scalar(
            select(ImportRun.id).where(ImportRun.id > last_run, ImportRun.target == "areas")
        )
        changed_ids: set[int] = set()
        if run_id is not None:
            changed_ids = set(
                db.scalars(
                    select(Change.entity_id).where(
                        Change.import_run_id == run_id, Change.entity == "area",
                        Change.action == "update",
                    )
                )
            )  # fmt: skip
        created_ids = [i for i in after if i not in before]
        changes = AreaChanges(
            created=[after[i][1] for i in created_ids],
            changed=[after[i][1] for i in after if i in changed_ids and i in before],
            outside_before=outside_before,
            outside_after=self._outside(db),
        )
        untouched = [i for i in before if i not in changed_ids]
        changes.untouched = {i: after[i][1] for i in untouched if i in after}
        changes.keys = {i: after[i][0] for i in untouched if i in after}

        def label(areas: set[int], names: dict[int, tuple[str, str]]) -> str:
            return "、".join(sorted(names[a][1] for a in areas if a in names)) or NONE_LABEL

        placed_after = self._placed(db)
        counted: Counter[tuple[str, str]] = Counter()
        for rid in placed_before.keys() | placed_after.keys():
            old = label(placed_before.get(rid, set()), before)
            new = label(placed_after.get(rid, set()), after)
            if old != new:
                counted[(old, new)] += 1
        changes.moved = sum(counted.values())
        changes.moves = [(a, b, n) for (a, b), n in counted.most_common()]
        if self.map_shapes and len(after) <= MAP_AREAS:
            status = {i: "new" for i in created_ids} | {i: "changed" for i in changed_ids}
            rows = db.execute(
                select(Area.id, Area.name, Area.geom).where(Area.source == self.source)
            )
            changes.shapes = [
                features.feature(
                    features.shape(r.geom, tolerance_deg=0.0001, decimals=5),
                    {"name": r.name, "status": status.get(r.id, "same")},
                    id=r.id,
                )
                for r in rows
                if r.geom is not None
            ]
        return changes


@dataclass
class FileKeys:
    """The keys of a file's areas, read by a dry run under a source of their own."""

    storage: object
    source: str
    keys: set[str] = field(default_factory=set)

    def __getattr__(self, name):
        return getattr(self.storage, name)

    def reading(self):
        return self.storage.reading()

    @contextlib.contextmanager
    def transaction(self, *, commit: bool = True):
        with self.storage.transaction(commit=False) as db:
            yield db
            self.keys = set(db.scalars(select(Area.source_key).where(Area.source == self.source)))


def _area_groups(db) -> list[dict]:
    """The areas as imported: one group per source, layer and kind."""
    rows = db.execute(
        select(Area.source, Area.layer, Area.kind_label, func.count(Area.id))
        .group_by(Area.source, Area.layer, Area.kind_label)
        .order_by(Area.layer, Area.kind_label, Area.source)
    ).all()
    return [
        {"source": s, "layer": layer, "kind": kind, "count": n, "value": f"{layer}|{kind}|{s}"}
        for s, layer, kind, n in rows
    ]


def _area_settings() -> tuple[dict, str]:
    """The form's settings (target group or a new one, name field, CRS), or a message."""
    form = request.form
    settings = {
        "target": form.get("target", "")[:400],
        "layer": form.get("layer", "").strip(),
        "kind": unicodedata.normalize("NFKC", form.get("kind", ""))[:100].strip(),
        "name_field": form.get("name_field", "")[:100].strip(),
        "crs": form.get("crs", "")[:40].strip(),
    }
    if settings["target"] and settings["target"] != "new":
        with _storage().reading() as db:
            groups = {g["value"]: g for g in _area_groups(db)}
        group = groups.get(settings["target"])
        if group is None:
            return settings, "入れ替える区域を選び直してください。"
        settings.update(layer=str(group["layer"]), kind=group["kind"], source=group["source"])
        return settings, ""
    if settings["layer"] not in ("1", "2", "3"):
        return settings, "層を選んでください。"
    if not settings["kind"]:
        return settings, "区域の種類を書いてください（例: 小学校区）。"
    settings["source"] = f"layer{settings['layer']}:{settings['kind']}"
    return settings, ""


def _run_areas(path: Path, settings: dict, *, dry_run: bool):
    """The area import (or its dry run) watched; (report, changes) or a message and status."""
    from mapapp.importing.boundaries import import_areas

    watched = WatchedAreas(_storage(), settings["source"], map_shapes=dry_run)
    arguments = dict(
        layer=int(settings["layer"]), kind_label=settings["kind"],
        name_field=settings.get("name_field") or None, crs=settings.get("crs") or None,
        limits=_limits(),
    )  # fmt: skip
    try:
        report = import_areas(
            watched, path, source=settings["source"], dry_run=dry_run, **arguments
        )
        changes = watched.changes
        stale = _stale_areas(path, report, changes, arguments) if changes else []
    except RowsRejected as rejected:
        listed, more = rejected.listed()
        return Outcome(
            message=str(rejected), problems=[str(e) for e in listed], more_problems=more,
            status=400,
        ), None, None  # fmt: skip
    except _refused_errors() as problem:
        return Outcome(message=str(problem), status=400), None, None
    except Exception:  # a file no reader foresaw must still get an answer, not a 500
        current_app.logger.exception("area import of an uploaded file failed")
        return (
            Outcome(
                message="このファイルは読み取れませんでした。ファイルの形式と中身を確かめてください。",
                status=400,
            ),
            None,
            None,
        )
    if changes is None:
        return Outcome(message="区域の変化を確かめられませんでした。", status=400), None, None
    for shape in changes.shapes:
        properties = shape["properties"]
        if shape["id"] in stale:
            properties["status"] = "stale"
        properties["label"] = STATUS_LABELS[properties["status"]]
    view = _area_view(report, changes, [changes.untouched[i] for i in stale])
    return Outcome(report=view), report, changes


def _stale_areas(path: Path, report, changes: AreaChanges, arguments: dict) -> list[int]:
    """The areas of the source that the file does not name (they stay: the import updates and
    adds, it never removes). Known from the counts alone, except when some untouched areas
    are in the file unchanged and some are not: then a dry run under a source of its own
    reads the file's keys."""
    from mapapp.importing.boundaries import import_areas

    untouched = list(changes.untouched)
    if report.unchanged >= len(untouched):
        return []
    if report.unchanged == 0:
        return untouched
    source = f"preview:{secrets.token_hex(8)}"
    reader = FileKeys(_storage(), source)
    import_areas(reader, path, source=source, dry_run=True, **arguments)
    return [i for i in untouched if changes.keys[i] not in reader.keys]


def _area_view(report, changes: AreaChanges, stale: list[str]) -> dict:
    return {
        "dry_run": report.dry_run,
        "filename": report.filename,
        "layer": report.layer,
        "kind": report.kind_label,
        "name_field": report.name_field,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "created_names": changes.created,
        "changed_names": changes.changed,
        "stale_names": stale,
        "moves": changes.moves[:MOVES_LISTED],
        "more_moves": max(len(changes.moves) - MOVES_LISTED, 0),
        "moved": changes.moved,
        "outside_before": changes.outside_before,
        "outside_after": changes.outside_after,
        "merged": report.merged[:LISTED_ERRORS],
        "skipped_water": report.skipped_water,
        "repaired": report.repaired,
        "simplified": report.simplified[:LISTED_ERRORS],
        "warnings": report.warnings,
        "parents": report.parents,
        "preview": report.preview,
        "shapes": {"type": "FeatureCollection", "features": changes.shapes},
        "map_skipped": report.dry_run and not changes.shapes,
    }


def _areas_page(*, outcome: Outcome | None = None, form: dict | None = None, pending=None):
    with _storage().reading() as db:
        groups = _area_groups(db)
    config = current_app.config
    return render_template(
        "staff/areas.html", title="区域を入れ替える", groups=groups, form=form or {},
        outcome=outcome, pending=pending, max_mb=_limits().max_mb,
        suffixes="、".join(AREA_SUFFIXES), statuses=STATUS_LABELS, none_label=NONE_LABEL,
        tiles=config["TILE_URL"], attribution=config["TILE_ATTRIBUTION"],
    ), (outcome.status if outcome else 200)  # fmt: skip


@blueprint.get("/areas")
@require(Action.MANAGE_AREAS)
def area_page():
    _sweep()
    return _areas_page()


@blueprint.post("/areas")
@require(Action.MANAGE_AREAS)
def check_areas():
    """Upload a boundary file and preview what replacing the areas would do; nothing is
    written."""
    _sweep()
    settings, problem = _area_settings()
    if problem:
        return _areas_page(outcome=Outcome(message=problem, status=400), form=settings)
    try:
        path = _save_upload(PENDING_AREAS, AREA_SUFFIXES, "GeoJSON・Shapefile の zip・GeoPackage")
    except UploadRefused as refused:
        return _areas_page(outcome=Outcome(message=str(refused), status=400), form=settings)
    outcome, _report, _changes = _run_areas(path, settings, dry_run=True)
    if outcome.report is None:
        _discard(PENDING_AREAS)
        return _areas_page(outcome=outcome, form=settings)
    session[PENDING_AREAS] = {**session[PENDING_AREAS], **settings}
    return _areas_page(outcome=outcome, form=settings, pending=session[PENDING_AREAS])


@blueprint.post("/areas/confirm")
@require(Action.MANAGE_AREAS)
def replace_areas():
    """Import the checked boundary file: the areas of its source are updated and added, and
    every resource is placed again."""
    _sweep()
    found = _claim_upload(PENDING_AREAS)
    if found is None:
        message = (
            "確認したファイルが見つかりません（1 時間たったか、別の画面で別のファイルを確認した"
            "ためです）。もう一度ファイルを選んで確認してください。"
        )
        flash(message)
        return redirect(url_for("staff_files.area_page"))
    settings, path = found
    try:
        outcome, report, changes = _run_areas(path, settings, dry_run=False)
    finally:
        _release(PENDING_AREAS, path)
    if report is not None:
        with _storage().transaction() as db:
            audit.record(
                db, current_staff(), "areas", entity="area", ip=client_ip(),
                detail=(
                    f"{report.filename}: 第{report.layer}層 {report.kind_label}"
                    f"（出典 {settings['source']}）新規 {report.created}、更新 {report.updated}、"
                    f"変更なし {report.unchanged}、区域の変わった資源 {changes.moved} 件"
                ),
            )  # fmt: skip
    return _areas_page(outcome=outcome)


# --- exports ----------------------------------------------------------------------------------


def _export_areas(db, staff) -> list[Area]:
    """The areas one may export: a coordinator's own; for admins the 第2層 areas."""
    if staff.is_admin:
        query = select(Area).where(Area.layer == Layer.DAILY_LIFE)
    else:
        query = select(Area).where(Area.id.in_(sorted(staff.area_ids)))
    return list(db.scalars(query.order_by(Area.layer, Area.id)))


def _exports_page(*, message: str = "", form: dict | None = None, status: int = 200):
    staff = current_staff()
    with _storage().reading() as db:
        areas = [(a.id, a.name, a.layer) for a in _export_areas(db, staff)]
    return render_template(
        "staff/exports.html", title="資源の一覧を書き出す", areas=areas, formats=FORMAT_LABELS,
        form=form or {}, message=message, whole_town=staff.is_admin,
        may_full=allowed(staff, Action.EXPORT_FULL),
    ), status  # fmt: skip


@blueprint.get("/exports")
@require(Action.EXPORT)
def export_page():
    return _exports_page()


def download_names(fmt: str, area: tuple[int, str] | None, full: bool, day: dt.date):
    """(the Japanese file name, an ASCII one for browsers that know no filename*)."""
    date = day.strftime("%Y%m%d")
    parts = [DOWNLOAD_NAMES[fmt]]
    if area is not None:
        parts.append(_UNSAFE.sub("", area[1]).replace(" ", "_").replace("\u3000", "_")[:60])
    if full:
        parts.append("完全な記録")
    parts.append(date)
    ascii_parts = ["resources", fmt] + ([f"area{area[0]}"] if area else [])
    ascii_parts += ["full"] if full else []
    return (
        "_".join(p for p in parts if p) + SUFFIXES[fmt],
        "_".join(ascii_parts + [date]) + SUFFIXES[fmt],
    )


def content_disposition(name: str, fallback: str) -> str:
    """RFC 6266 / RFC 5987: the UTF-8 name, and a plain ASCII one for old browsers."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@blueprint.post("/exports")
@require(Action.EXPORT)
def download_export():
    from mapapp.exporting.resources import export_resources

    staff = current_staff()
    form = {
        "format": request.form.get("format", ""),
        "area": request.form.get("area", "").strip(),
        "encoding": "cp932" if request.form.get("encoding") == "cp932" else "utf-8",
        "full": request.form.get("full") == "1",
    }
    if form["format"] not in FORMATS:
        return _exports_page(message="形式を選んでください。", form=form, status=400)
    area_id = None
    if form["area"]:
        if not form["area"].isdigit() or not 0 < int(form["area"]) < 2**31:
            return _exports_page(message="区域を選び直してください。", form=form, status=400)
        area_id = int(form["area"])
    with _storage().reading() as db:
        area = db.get(Area, area_id) if area_id is not None else None
        if area_id is not None and area is None:
            return _exports_page(message="その区域はありません。", form=form, status=400)
        named = (area.id, area.name) if area is not None else None
    # A coordinator exports one of their own areas; the whole town and full records are admins'.
    require_areas(
        Action.EXPORT, {area_id} if area_id is not None else set(), entity="area",
        entity_id=area_id,
    )  # fmt: skip
    if form["full"] and not allowed(staff, Action.EXPORT_FULL):
        refuse(staff, Action.EXPORT_FULL, entity="area", entity_id=area_id)
    if form["format"] not in ("csv", "mhlw"):
        form["encoding"] = "utf-8"  # the choice is for CSV; the other formats are UTF-8
    try:
        with _storage().reading() as db:
            body = export_resources(
                db, form["format"], taxonomy=_taxonomy(), area=area_id, full=form["full"],
                encoding=form["encoding"],
            )  # fmt: skip
    except ExportProblem as problem:
        return _exports_page(message=str(problem), form=form, status=400)
    with _storage().transaction() as db:
        audit.record(
            db, staff, "export", entity="resource", entity_id=area_id, ip=client_ip(),
            detail=(
                f"形式 {form['format']}、区域 {named[1] if named else '全域'}"
                f"{f'（ID {named[0]}）' if named else ''}、"
                f"{'完全な記録（個人宅を含む）' if form['full'] else '公開用'}、"
                f"文字コード {form['encoding']}"
            ),
        )  # fmt: skip
    name, fallback = download_names(form["format"], named, form["full"], today())
    media = MEDIA_TYPES[form["format"]]
    if media.startswith("text/"):
        media += "; charset=" + ("shift_jis" if form["encoding"] == "cp932" else "utf-8")
    return current_app.response_class(
        body, mimetype=None, content_type=media,
        headers={"Content-Disposition": content_disposition(name, fallback)},
    )  # fmt: skip
