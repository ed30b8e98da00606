"""Staff page /staff/exports: the resources written out (CSV, Excel, GeoJSON, the 厚生労働省
通いの場 CSV, HSDS) and downloaded; a coordinator's of their own areas, full records for admins."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from flask import current_app, render_template, request
from sqlalchemy import select

from mapapp import audit
from mapapp.exporting.resources import FORMATS, MEDIA_TYPES, SUFFIXES
from mapapp.exporting.rows import ExportProblem
from mapapp.models import Area, Layer
from mapapp.permissions import Action, allowed
from mapapp.web.auth import client_ip, current_staff, refuse, require, require_areas
from mapapp.web.query import today
from mapapp.web.staff_files import UNSAFE_CHARACTERS, blueprint, storage, taxonomy

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


def _export_areas(db, staff) -> list[Area]:
    """The areas one may export: a coordinator's own; for admins the 第2層 areas."""
    if staff.is_admin:
        query = select(Area).where(Area.layer == Layer.DAILY_LIFE)
    else:
        query = select(Area).where(Area.id.in_(sorted(staff.area_ids)))
    return list(db.scalars(query.order_by(Area.layer, Area.id)))


def _exports_page(*, message: str = "", form: dict | None = None, status: int = 200):
    staff = current_staff()
    with storage().reading() as db:
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
        parts.append(
            UNSAFE_CHARACTERS.sub("", area[1]).replace(" ", "_").replace("\u3000", "_")[:60]
        )
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
    with storage().reading() as db:
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
        with storage().reading() as db:
            body = export_resources(
                db, form["format"], taxonomy=taxonomy(), area=area_id, full=form["full"],
                encoding=form["encoding"],
            )  # fmt: skip
    except ExportProblem as problem:
        return _exports_page(message=str(problem), form=form, status=400)
    with storage().transaction() as db:
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
