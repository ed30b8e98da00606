"""JSON exports: GeoJSON (RFC 7946) and HSDS 3 (Open Referral), written one resource at a time.

**GeoJSON**: a FeatureCollection, one Feature per resource, its geometry a Point in
longitude, latitude order, or ``null`` for a resource with no point; its properties are the
own format's columns (出典, 出典ID, 種別, 名称 … 元の種別), numbers as numbers, so that
``mapapp import-resources`` reads it back with the ``own`` profile.

**HSDS 3**: the shape of the HSDS API's paged list of fully nested services (``total_items``,
``total_pages``, ``page_number``, ``size``, ``first_page``, ``last_page``, ``empty``,
``contents``), one service per resource:

- service: ``name``, ``alternate_name`` (名称かな), ``description`` (内容), ``url``, ``status``
  (活動中 active, 休止中 temporarily closed, 終了 defunct, 準備中 inactive),
  ``fees_description`` (参加費), ``eligibility_description`` (対象者), ``assured_date``
  (最終確認日), ``last_modified``, ``organization`` (運営団体), ``phones`` (連絡先: the first
  phone number in it as ``number``, the whole text as ``description``; a contact with no
  number is a ``contacts`` entry named by the text), ``service_areas`` (対象区域 by name),
  ``schedules`` and ``service_at_locations`` → ``location`` (会場 as ``name``,
  ``latitude``/``longitude``, ``addresses``: the 住所 whole in ``address_1``, with
  ``state_province`` and ``city`` when the address names them, ``country`` JP).
- schedules, one per parsed rule (ScheduleRule): ``freq`` (WEEKLY or MONTHLY, the values HSDS
  allows; a YEARLY rule has none), ``interval``, ``byday`` (with ordinals: ``2MO,4MO``),
  ``bymonthday``, ``opens_at``/``closes_at`` (``10:00+09:00``), ``timezone`` 9, the verbatim
  開催日時 in ``description`` and 休み in ``notes``; the full RFC 5545 rule (with BYMONTH,
  which HSDS has no field for: 夏期/冬期) and its season are ``attributes`` of the schedule. A
  resource whose text gave no rule has one schedule holding the texts only.
- what HSDS has no field for is kept as ``attributes`` of the service whose
  ``taxonomy_term.taxonomy`` is ``mapapp``: 出典 (source), 出典ID (source_key), 種別 (kind, a
  term of the ``mapapp:kind`` taxonomy), タグ (terms of ``mapapp:tag``), 位置の精度, 対象範囲,
  対象範囲m, 定員, 送迎, 飲食, 元の種別.

Identifiers are UUIDs derived from 出典 and 出典ID (uuid5), so the same resource keeps its ids
from one export to the next. ``<``, ``>`` and ``&`` are written as JSON escapes, so that no
browser can read the file as HTML.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from typing import IO

from mapapp.addresses import split_address
from mapapp.contact import contact_parts
from mapapp.exporting.rows import Entry
from mapapp.exporting.tables import OWN_HEADERS, own_values
from mapapp.models import ResourceStatus

# Fixed: ids derived from it stay the same across exports and installations.
NAMESPACE = uuid.UUID("8a4f0f5e-3c1e-5b7a-9d2e-6f0c1b2a3d4e")
TAXONOMY = "mapapp"
HSDS_STATUS = {
    ResourceStatus.ACTIVE: "active",
    ResourceStatus.PAUSED: "temporarily closed",
    ResourceStatus.CLOSED: "defunct",
    ResourceStatus.PREPARING: "inactive",
}
HSDS_FREQUENCIES = ("WEEKLY", "MONTHLY")
# The service attributes that carry what HSDS has no field for: code → (own header, label).
FIELD_ATTRIBUTES = {
    "source": ("出典", "出典"),
    "source_key": ("出典ID", "出典ID"),
    "location_precision": ("位置の精度", "位置の精度"),
    "coverage": ("対象範囲", "対象範囲"),
    "coverage_m": ("対象範囲m", "対象範囲（m）"),
    "capacity": ("定員", "定員"),
    "pickup": ("送迎", "送迎"),
    "meals": ("飲食", "飲食"),
    "kind_text": ("元の種別", "元の種別"),
}


def dumps(value) -> str:
    """Compact JSON, UTF-8 text as it is, with <, > and & escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def geojson_feature(item: Entry) -> dict:
    # Numbers go as JSON numbers, a missing one as null; text as it is (no spreadsheet opens it).
    properties = dict(zip(OWN_HEADERS, own_values(item), strict=True))
    geometry = None
    if item.lat is not None and item.lon is not None:
        geometry = {"type": "Point", "coordinates": [item.lon, item.lat]}
    return {"type": "Feature", "id": item.id, "geometry": geometry, "properties": properties}


def write_geojson(stream: IO[bytes], items: Iterable[Entry]) -> int:
    stream.write(b'{"type":"FeatureCollection","features":[')
    written = 0
    for written, item in enumerate(items, start=1):
        if written > 1:
            stream.write(b",")
        stream.write(b"\n" + dumps(geojson_feature(item)).encode("utf-8"))
    stream.write(b"\n]}\n")
    return written


# --- HSDS 3 --------------------------------------------------------------------------------


def _id(*parts) -> str:
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(map(str, parts))))


def _term(taxonomy: str, code: str, name: str) -> dict:
    return {
        "id": _id("taxonomy_term", taxonomy, code),
        "code": code,
        "name": name,
        "description": name,
        "taxonomy": taxonomy,
    }


def _attribute(entity: str, link_id: str, term: dict, value: str = "") -> dict:
    return {
        "id": _id("attribute", link_id, term["taxonomy"], term["code"]),
        "link_id": link_id,
        "link_type": term["code"],
        "link_entity": entity,
        "value": value,
        "label": term["name"],
        "taxonomy_term": term,
    }


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _time(value: dt.time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M") + "+09:00"


def _schedules(item: Entry, service_id: str) -> list[dict]:
    schedules = []
    for position, rule in enumerate(item.rules):
        parts = rule.parts()
        schedule_id = _id("schedule", service_id, position)
        freq = parts.get("FREQ", "")
        schedule = {
            "id": schedule_id,
            "service_id": service_id,
            "freq": freq if freq in HSDS_FREQUENCIES else None,
            "interval": int(parts["INTERVAL"]) if parts.get("INTERVAL", "").isdigit() else None,
            "byday": parts.get("BYDAY") or None,
            "bymonthday": parts.get("BYMONTHDAY") or None,
            "opens_at": _time(rule.opens_at),
            "closes_at": _time(rule.closes_at),
            "timezone": 9,
            "description": item.schedule_text,
            "notes": item.closed_text,
            "attributes": [
                _attribute("schedule", schedule_id, _term(TAXONOMY, "rrule", "RRULE"), rule.rrule)
            ],
        }
        if rule.season:
            season = _term(TAXONOMY, "season", "期間")
            schedule["attributes"].append(_attribute("schedule", schedule_id, season, rule.season))
        if rule.label:
            label = _term(TAXONOMY, "rule_label", "補足")
            schedule["attributes"].append(_attribute("schedule", schedule_id, label, rule.label))
        schedules.append({k: v for k, v in schedule.items() if v is not None})
    if not schedules and (item.schedule_text or item.closed_text):
        schedules.append(
            {
                "id": _id("schedule", service_id, 0),
                "service_id": service_id,
                "description": item.schedule_text,
                "notes": item.closed_text,
            }
        )
    return schedules


def _contact(item: Entry, service_id: str) -> dict:
    """phones (the first number in the 連絡先, the whole text as description) or contacts."""
    text = item.public_contact
    if not text:
        return {"phones": [], "contacts": []}
    number = next((part.text for part in contact_parts(text) if part.tel), "")
    if not number:
        contact = {"id": _id("contact", service_id), "service_id": service_id, "name": text}
        return {"phones": [], "contacts": [contact]}
    phone = {
        "id": _id("phone", service_id),
        "service_id": service_id,
        "number": number,
        "type": "voice",
        "description": text,
    }
    return {"phones": [phone], "contacts": []}


def _location(item: Entry, service_id: str) -> dict | None:
    if not (item.venue or item.address or item.lat is not None):
        return None
    location_id = _id("location", item.source, item.source_key)
    location = {
        "id": location_id,
        "location_type": "physical",
        "name": item.venue,
        "latitude": item.lat,
        "longitude": item.lon,
        "addresses": [],
    }
    if item.address:
        parts = split_address(item.address)
        location["addresses"].append(
            {
                "id": _id("address", location_id),
                "location_id": location_id,
                "address_1": item.address,
                "city": parts.municipality,
                "state_province": parts.prefecture,
                "postal_code": "",
                "country": "JP",
                "address_type": "physical",
            }
        )
    return location


def hsds_service(item: Entry, kind_label: str = "") -> dict:
    service_id = _id("service", item.source, item.source_key)
    attributes = []
    for code, value in (
        ("source", item.source),
        ("source_key", item.source_key),
        ("location_precision", item.location_precision.value),
        ("coverage", item.coverage.value),
        ("coverage_m", item.coverage_m),
        ("capacity", item.capacity),
        ("pickup", item.pickup),
        ("meals", item.meals),
        ("kind_text", item.kind_text),
    ):
        if value is not None and value != "":
            term = _term(TAXONOMY, code, FIELD_ATTRIBUTES[code][1])
            attributes.append(_attribute("service", service_id, term, _text(value)))
    kind = _term(f"{TAXONOMY}:kind", item.kind, kind_label or item.kind)
    attributes.append(_attribute("service", service_id, kind))
    for tag in item.tags:
        attributes.append(_attribute("service", service_id, _term(f"{TAXONOMY}:tag", tag, tag)))
    service = {
        "id": service_id,
        "name": item.name,
        "alternate_name": item.kana,
        "description": item.description,
        "url": item.url,
        "status": HSDS_STATUS[ResourceStatus(item.status)],
        "fees_description": item.fee_text,
        "eligibility_description": item.target_text,
        "assured_date": item.verified_on.isoformat() if item.verified_on else None,
        "last_modified": item.updated_at.isoformat(timespec="milliseconds") + "Z"
        if item.updated_at
        else None,
    }
    if item.organization:
        organization_id = _id("organization", item.organization)
        service["organization_id"] = organization_id
        service["organization"] = {
            "id": organization_id,
            "name": item.organization,
            "alternate_name": item.organization_kana,
            "description": "",
        }
    service.update(_contact(item, service_id))
    service["schedules"] = _schedules(item, service_id)
    service["service_areas"] = [
        {"id": _id("service_area", service_id, name), "service_id": service_id, "name": name}
        for name in item.service_areas
    ]
    location = _location(item, service_id)
    service["service_at_locations"] = (
        [
            {
                "id": _id("service_at_location", service_id),
                "service_id": service_id,
                "location_id": location["id"],
                "location": location,
            }
        ]
        if location
        else []
    )
    service["attributes"] = attributes
    return {k: v for k, v in service.items() if v is not None}


def write_hsds(stream: IO[bytes], items: Iterable[Entry], total: int, kind_labels: dict) -> int:
    head = {
        "total_items": total,
        "total_pages": 1,
        "page_number": 1,
        "size": total,
        "first_page": True,
        "last_page": True,
        "empty": total == 0,
    }
    stream.write(dumps(head)[:-1].encode("utf-8") + b',"contents":[')
    written = 0
    for written, item in enumerate(items, start=1):
        if written > 1:
            stream.write(b",")
        service = hsds_service(item, kind_labels.get(item.kind, ""))
        stream.write(b"\n" + dumps(service).encode("utf-8"))
    stream.write(b"\n]}\n")
    return written
