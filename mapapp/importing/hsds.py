"""Reading an HSDS 3 document (Open Referral): the paged list of fully nested services that
``mapapp export --format hsds`` writes, or that another HSDS 3 API returns for ``/services``.

Each service becomes one row of the own format (出典ID, 種別, 名称 …), so that the ``own``
profile reads it like any of our exports. What HSDS has no field for comes back from the
service's ``attributes`` of the ``mapapp`` taxonomy (see mapapp.exporting.documents); a service
from another system is keyed by its ``id`` and takes its kind from ``--kind``, or from the name
of its first taxonomy term when that is a kind the taxonomy knows.

Every value is checked as the other readers check theirs: the row and cell limits, and
clean_cell on each text.
"""

from __future__ import annotations

from collections.abc import Mapping

from mapapp.importing.errors import FileProblem
from mapapp.importing.limits import Limits, too_long_cell, too_many_rows
from mapapp.importing.profiles import OWN_COLUMNS
from mapapp.importing.readers import Row, RowValues, Table, clean_cell

HEADERS = tuple(header for header, _ in OWN_COLUMNS)
# Service attributes of the mapapp taxonomy → the own header they fill.
_FIELD_HEADERS = {
    "source": "出典",
    "source_key": "出典ID",
    "location_precision": "位置の精度",
    "coverage": "対象範囲",
    "coverage_m": "対象範囲m",
    "capacity": "定員",
    "pickup": "送迎",
    "meals": "飲食",
    "kind_text": "元の種別",
}
_STATUS = {
    "active": "活動中",
    "temporarily closed": "休止中",
    "defunct": "終了",
    "inactive": "準備中",
}
_COVERAGE = {"walk": "徒歩圏", "areas": "区域", "town": "全域"}
_PRECISION = {"exact": "番地", "chome": "丁目"}
_FLAGS = {"true": "あり", "false": "なし"}


def is_hsds(document) -> bool:
    """True for an HSDS paged list (``contents`` of services, with the Page members)."""
    return (
        isinstance(document, dict)
        and isinstance(document.get("contents"), list)
        and ("empty" in document or "total_items" in document)
        and "features" not in document
    )


def hsds_table(document: Mapping, limits: Limits) -> Table:
    services = document["contents"]
    if len(services) > limits.max_rows:
        raise too_many_rows(limits, "件")
    index = {h: i for i, h in enumerate(HEADERS)}
    rows = []
    for number, service in enumerate(services, start=1):
        if not isinstance(service, dict):
            raise FileProblem(f"{number}件目: HSDS の service（オブジェクト）ではありません")
        values = _service_values(number, service)
        for header, value in values.items():
            if len(value) > limits.max_cell_chars:
                raise too_long_cell(f"{number}件目「{header}」", len(value), limits)
        cells = tuple(clean_cell(values.get(h, "")) for h in HEADERS)
        rows.append(Row(number, RowValues(index, cells)))
    return Table(HEADERS, rows, "hsds", "件目")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str | int | float):
        return str(value)
    return ""


def _list(container: Mapping, name: str) -> list[dict]:
    found = container.get(name)
    return [x for x in found if isinstance(x, dict)] if isinstance(found, list) else []


def _dict(container: Mapping, name: str) -> dict:
    found = container.get(name)
    return found if isinstance(found, dict) else {}


def _service_values(number: int, service: Mapping) -> dict[str, str]:
    values: dict[str, str] = {
        "出典ID": _text(service.get("id")),
        "名称": _text(service.get("name")),
        "名称かな": _text(service.get("alternate_name")),
        "内容": _text(service.get("description")),
        "URL": _text(service.get("url")),
        "参加費": _text(service.get("fees_description")),
        "対象者": _text(service.get("eligibility_description")),
        "最終確認日": _text(service.get("assured_date")),
        "運営団体": _text(_dict(service, "organization").get("name")),
    }
    status = _text(service.get("status"))
    if status:
        if status not in _STATUS:
            raise FileProblem(
                f"{number}件目: status「{status}」は HSDS の値"
                f"（{'、'.join(_STATUS)}）ではありません"
            )
        values["状態"] = _STATUS[status]
    kinds, tags = [], []
    for attribute in _list(service, "attributes"):
        term = _dict(attribute, "taxonomy_term")
        taxonomy, code = _text(term.get("taxonomy")), _text(term.get("code"))
        if taxonomy == "mapapp" and code in _FIELD_HEADERS:
            values[_FIELD_HEADERS[code]] = _text(attribute.get("value"))
        elif taxonomy == "mapapp:kind":
            kinds.insert(0, code)
        elif taxonomy == "mapapp:tag":
            tags.append(_text(term.get("name")) or code)
        elif taxonomy != "mapapp" and _text(term.get("name")):
            kinds.append(_text(term.get("name")))
    values["種別"] = kinds[0] if kinds else ""
    values["タグ"] = "、".join(tags)
    values["位置の精度"] = _PRECISION.get(
        values.get("位置の精度", ""), values.get("位置の精度", "")
    )
    values["対象範囲"] = _COVERAGE.get(values.get("対象範囲", ""), values.get("対象範囲", ""))
    for header in ("送迎", "飲食"):
        values[header] = _FLAGS.get(values.get(header, ""), values.get(header, ""))
    values["対象区域"] = "、".join(
        name for area in _list(service, "service_areas") if (name := _text(area.get("name")))
    )
    schedules = _list(service, "schedules")
    values["開催日時"] = next((t for s in schedules if (t := _text(s.get("description")))), "")
    values["休み"] = next((t for s in schedules if (t := _text(s.get("notes")))), "")
    values["連絡先"] = _contact(service)
    values.update(_location(service))
    return values


def _contact(service: Mapping) -> str:
    for phone in _list(service, "phones"):
        text = _text(phone.get("description")) or _text(phone.get("number"))
        if text:
            return text
    for contact in _list(service, "contacts"):
        if text := _text(contact.get("name")):
            return text
    return ""


def _location(service: Mapping) -> dict[str, str]:
    """会場, 住所, 緯度, 経度 from the first service_at_location's location."""
    for at_location in _list(service, "service_at_locations"):
        location = _dict(at_location, "location")
        if not location:
            continue
        address = ""
        for found in _list(location, "addresses"):
            line = " ".join(
                t for t in (_text(found.get("address_1")), _text(found.get("address_2"))) if t
            )
            if line:  # 静岡県, 湖西市 in front unless the line has them (as ours have)
                region = (_text(found.get(n)) for n in ("state_province", "city"))
                address = "".join(r for r in region if r and r not in line) + line
                break
        return {
            "会場": _text(location.get("name")),
            "住所": address,
            "緯度": _text(location.get("latitude")),
            "経度": _text(location.get("longitude")),
        }
    return {}
