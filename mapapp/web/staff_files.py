"""Staff pages for files under /staff: the blueprint, and the upload plumbing its pages share.

The pages themselves are mapapp.web.staff_imports (resource lists: a dry run first, then
「取り込む」 on the same uploaded file), mapapp.web.staff_areas (boundary files: a preview of
what moves and what is removed, then 「入れ替える」) and mapapp.web.staff_exports (downloads).
The work is done by the importers and exporters the command line uses (mapapp.importing,
mapapp.exporting); these views upload, check who may do what, and show the reports.

**Uploads** are kept between the dry run and the confirmation in ``instance/uploads/TOKEN/``,
TOKEN a random value stored in the (signed) session together with the file's cleaned name;
the confirming form only repeats the token, which must equal the session's. A path is never
taken from the request. The folder is deleted after the import (whatever its outcome), when
another file is checked, and by any request to these pages once it is an hour old.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

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

from mapapp import audit
from mapapp.importing.errors import ImportProblem, RowsRejected
from mapapp.importing.limits import Limits
from mapapp.permissions import Action, allowed
from mapapp.storage import get_storage
from mapapp.web.auth import client_ip, current_staff

blueprint = Blueprint("staff_files", __name__)

UPLOADS = "uploads"  # folder under the instance folder
UPLOAD_SECONDS = 3600  # an upload not confirmed within an hour is deleted
RUNNING_SECONDS = 86400  # what is left of an import that stopped without cleaning up
FORM_BYTES = 1024 * 1024  # room for the form's other fields and the multipart framing
PENDING_IMPORT = "pending_import"
PENDING_AREAS = "pending_areas"
LISTED = 10  # names listed one by one in a report line; the rest are counted
UPLOAD_LOST = (
    "確認したファイルが見つかりません（1 時間たったか、別の画面で別のファイルを確認した"
    "ためです）。もう一度ファイルを選んで確認してください。"
)
UNREADABLE = "このファイルは読み取れませんでした。ファイルの形式と中身を確かめてください。"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
_FOLDER = re.compile(r"[A-Za-z0-9_-]{32}(?:-run)?")  # an upload, or one being imported
UNSAFE_CHARACTERS = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"/\\|?*\u202a-\u202e\u2066-\u2069]')


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
    return render_template(
        "staff/too_large.html", title="ファイルが大きすぎます", max_mb=limits().max_mb
    ), 413


def storage():
    return get_storage(current_app)


def taxonomy():
    return current_app.extensions["mapapp.taxonomy"]


def limits() -> Limits:
    return Limits.from_config(current_app.config)


# --- uploads ---------------------------------------------------------------------------------


class UploadRefused(Exception):
    """The upload cannot be used (no file, an empty one, a kind not read here)."""


def _uploads_root() -> Path:
    root = Path(current_app.instance_path) / UPLOADS
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def sweep() -> None:
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
    name = UNSAFE_CHARACTERS.sub("", name).strip().lstrip(". ")
    stem, dot, suffix = name.rpartition(".")
    if not dot or "." + suffix.lower() not in suffixes:
        return None
    return (stem.strip()[:80] or "upload") + "." + suffix.lower()


def save_upload(key: str, suffixes: tuple[str, ...], kinds: str) -> Path:
    """Keep the form's ``file`` in a new folder named by a random token (the previous upload
    of this session under ``key`` is deleted)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise UploadRefused("ファイルを選んでください。")
    name = clean_filename(upload.filename, suffixes)
    if name is None:
        raise UploadRefused(f"このファイルは取り込めません。{kinds} のファイルを選んでください。")
    discard(key)
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
        discard(key)
        return None
    path = _uploads_root() / token / name
    return (held, path) if path.is_file() else None


def discard(key: str) -> None:
    held = session.pop(key, None)
    if isinstance(held, dict) and _TOKEN.fullmatch(str(held.get("token", ""))):
        shutil.rmtree(_uploads_root() / held["token"], ignore_errors=True)


def claim_upload(key: str) -> tuple[dict, Path] | None:
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
        os.utime(claimed)  # its age is now the import's, for sweep
    except OSError:
        return None
    return settings, claimed / path.name


def release(key: str, path: Path) -> None:
    session.pop(key, None)
    shutil.rmtree(path.parent, ignore_errors=True)


def check_upload(key: str, suffixes: tuple[str, ...], kinds: str, form: dict, run, page):
    """A dry run of the form's file: keep it under ``key`` (with ``form``, the settings it was
    checked with) when ``run(path)`` gives an Outcome with a report, else delete it. ``page``
    renders the answer (outcome, form, pending)."""
    try:
        path = save_upload(key, suffixes, kinds)
    except UploadRefused as refused:
        return page(outcome=Outcome(message=str(refused), status=400), form=form)
    outcome = run(path)
    if outcome.report is None:
        discard(key)
        return page(outcome=outcome, form=form)
    session[key] = {**session[key], **form}
    return page(outcome=outcome, form=form, pending=session[key])


def upload_lost(endpoint: str):
    """The answer to a confirmation whose upload is gone: back to the form, saying why."""
    flash(UPLOAD_LOST)
    return redirect(url_for(endpoint))


# --- what a page shows of an import ----------------------------------------------------------


@dataclass
class Outcome:
    """What a page shows of one import: its report, or why it was refused."""

    report: dict | None = None
    message: str = ""
    problems: list[str] = field(default_factory=list)
    more_problems: int = 0
    status: int = 200


def refused_errors() -> tuple[type[Exception], ...]:
    """What an import says to a person instead of failing: as the command line's."""
    from mapapp.geo import InvalidCoordinate
    from mapapp.geocoding import GeocoderUnavailable
    from mapapp.importing.writer import ConcurrentEdit
    from mapapp.taxonomy import TaxonomyError

    return (ImportProblem, ConcurrentEdit, GeocoderUnavailable, TaxonomyError, InvalidCoordinate)


def failed(problem: Exception, what: str) -> Outcome:
    """The page's answer to an import that raised: every problem of a rejected file, the
    message of a refused one, and for a file no reader foresaw (logged as ``what``) a plain
    request to check it — never a 500."""
    if isinstance(problem, RowsRejected):
        listed, more = problem.listed()
        return Outcome(
            message=str(problem), problems=[str(e) for e in listed], more_problems=more,
            status=400,
        )  # fmt: skip
    if isinstance(problem, refused_errors()):
        return Outcome(message=str(problem), status=400)
    current_app.logger.error("%s", what, exc_info=problem)
    return Outcome(message=UNREADABLE, status=400)


def refuse_quietly(staff, action: Action, detail: str) -> None:
    """Log a refusal the page explains itself (refuse() would answer the plain 403 page)."""
    with storage().transaction() as db:
        audit.record(
            db, staff, "refused", ip=client_ip(),
            detail=f"{request.method} {request.path[:200]} ({action.value}) {detail}",
        )  # fmt: skip


# The pages: each adds its views to ``blueprint`` when imported (after it exists, above).
from mapapp.web import staff_areas, staff_exports, staff_imports  # noqa: E402, F401
