"""Corrections and new places from residents: no account, kept from spam, never public until
staff of the area approve them (as sent or edited), or reject them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from mapapp.models import Resource, Suggestion
from mapapp.storage import get_storage
from mapapp.web import suggest
from tests.staff_helpers import area_id, resource_in, sign_in

AREA_A = "中央地区"
_FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


@pytest.fixture
def no_wait(monkeypatch):
    monkeypatch.setattr(suggest, "MIN_SECONDS", 0)


def _send(client, url: str, **fields):
    token = _FORM_TOKEN.search(client.get(url).get_data(as_text=True)).group(1)
    return client.post(url, data={"form_token": token, **fields})


def _queued(app) -> list[Suggestion]:
    with get_storage(app).reading() as session:
        return list(session.scalars(select(Suggestion).order_by(Suggestion.id)))


def test_a_correction_waits_for_staff_of_its_area_and_then_shows(staff_app, no_wait):
    resident = staff_app.test_client()
    resource = resource_in(staff_app, AREA_A, kind="salon")
    url = f"/resources/{resource.id}/correction"
    sent = _send(resident, url, fee_text="参加費は200円になりました", contact="090-0000-0000 山田")
    assert sent.status_code == 200 and "ありがとうございました" in sent.get_data(as_text=True)
    (queued,) = _queued(staff_app)
    assert queued.resource_id == resource.id and "200円" in queued.proposed
    # Nothing sent is public: not the page, not the API, not the sender's contact.
    page = resident.get(f"/resources/{resource.id}").get_data(as_text=True)
    api = resident.get(f"/api/resources/{resource.id}").get_data(as_text=True)
    for public in (page, api):
        assert "200円になりました" not in public and "090-0000-0000" not in public

    other = staff_app.test_client()
    sign_in(other, "coord_b")
    assert other.get("/api/staff/corrections").get_json()["items"] == []
    refused = other.post(
        f"/api/staff/corrections/{queued.id}/approve",
        headers={"X-CSRF-Token": sign_in(other, "coord_b")},
    )
    assert refused.status_code == 403

    staff = staff_app.test_client()
    token = sign_in(staff, "coord_a")
    (item,) = staff.get("/api/staff/corrections").get_json()["items"]
    assert item["diff"] == [
        {"field": "fee_text", "label": "参加費", "current": resource.fee_text,
         "proposed": "参加費は200円になりました"}
    ]  # fmt: skip
    assert item["sender_contact"] == "090-0000-0000 山田"
    queue_page = staff.get("/staff/corrections").get_data(as_text=True)
    assert "参加費は200円になりました" in queue_page and resource.fee_text in queue_page
    # Staff edit what was sent before approving it.
    approved = staff.post(
        f"/staff/corrections/{queued.id}/approve",
        data={"csrf_token": token, "field_fee_text": "200円"},
    )
    assert approved.status_code == 302
    assert "200円" in resident.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert _queued(staff_app)[0].status.value == "approved"
    again = staff.post(
        f"/api/staff/corrections/{queued.id}/reject", headers={"X-CSRF-Token": token}
    )
    assert again.status_code == 400 and "対応済み" in again.get_json()["error"]["message"]


def test_a_new_place_is_created_only_when_approved(staff_app, no_wait):
    resident = staff_app.test_client()
    sent = _send(resident, "/new-place", name="みどり体操の会", kind="体操教室",
                 address="さくら台町本町2丁目", schedule_text="毎週水曜 10時から")  # fmt: skip
    assert sent.status_code == 200
    with get_storage(staff_app).reading() as session:
        assert session.scalar(select(Resource).where(Resource.name == "みどり体操の会")) is None
    (queued,) = _queued(staff_app)
    assert queued.area_id == area_id(staff_app, AREA_A)  # 本町2丁目 lies in 中央地区
    other = staff_app.test_client()
    sign_in(other, "coord_b")
    assert other.get("/api/staff/corrections").get_json()["items"] == []
    staff = staff_app.test_client()
    token = sign_in(staff, "coord_a")
    (item,) = staff.get("/api/staff/corrections").get_json()["items"]
    made = staff.post(
        f"/api/staff/corrections/{item['id']}/approve", headers={"X-CSRF-Token": token}
    )
    assert made.status_code == 200, made.get_json()
    rid = made.get_json()["resource_id"]
    public = resident.get(f"/api/resources/{rid}").get_json()
    assert public["properties"]["name"] == "みどり体操の会"
    # Placed as imports place an address: at the 町丁目's representative point, for staff to
    # move to the house on the map.
    assert public["properties"]["placement"] == "chome"
    assert AREA_A in [a["name"] for a in public["properties"]["areas"]]


def test_spam_is_kept_out_without_outside_services(staff_app, monkeypatch):
    resident = staff_app.test_client()
    resource = resource_in(staff_app, AREA_A, kind="salon")
    url = f"/resources/{resource.id}/correction"
    too_fast = _send(resident, url, fee_text="1円")
    assert too_fast.status_code == 400 and "早すぎ" in too_fast.get_data(as_text=True)
    monkeypatch.setattr(suggest, "MIN_SECONDS", 0)
    bot = _send(resident, url, fee_text="2円", website="http://spam.example")
    assert bot.status_code == 200  # told as a person would be, and nothing kept
    forged = resident.post(url, data={"form_token": "forged", "fee_text": "3円"})
    assert forged.status_code == 400
    other_page = _FORM_TOKEN.search(resident.get("/new-place").get_data(as_text=True)).group(1)
    moved = resident.post(url, data={"form_token": other_page, "fee_text": "4円"})
    assert moved.status_code == 400
    assert _queued(staff_app) == []
    unchanged = _send(resident, url)
    assert unchanged.status_code == 400 and "変わっていません" in unchanged.get_data(as_text=True)

    for n in range(staff_app.config["CORRECTIONS_PER_HOUR"]):
        assert _send(resident, url, fee_text=f"{n}0円").status_code == 200
    limited = _send(resident, url, fee_text="99円")
    assert limited.status_code == 429 and "時間をおいて" in limited.get_data(as_text=True)
    assert len(_queued(staff_app)) == staff_app.config["CORRECTIONS_PER_HOUR"]
    assert all(
        len(s.sender_key) == 64 and "127.0.0.1" not in s.sender_key for s in _queued(staff_app)
    )


def test_a_private_home_is_offered_for_correction_as_the_public_sees_it(staff_app):
    with get_storage(staff_app).reading() as session:
        home = session.scalars(
            select(Resource).where(Resource.location_precision == "chome")
        ).first()
    page = staff_app.test_client().get(f"/resources/{home.id}/correction").get_data(as_text=True)
    assert 'name="venue"' not in page
    assert home.address in page  # stored cut at the 丁目 already
