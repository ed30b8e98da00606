"""The staff API: reading a resource with its version, changing it over that version only,
history and restore, 確認, 要確認, tokens from the command line."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from mapapp.models import ApiToken, Change, Resource
from mapapp.storage import get_storage
from tests.staff_helpers import area_id, resource_in, sign_in

AREA_A = "中央地区"


def _bearer(cli_on_staff, login: str, *args: str) -> dict:
    result = cli_on_staff("create-token", login, *args)
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("mapapp_") and "\n" not in token  # the token alone, one line
    return {"Authorization": f"Bearer {token}"}


def test_a_patch_over_a_stale_version_is_refused_and_changes_nothing(staff_app, cli_on_staff):
    client = staff_app.test_client()
    auth = _bearer(cli_on_staff, "coord_a")
    rid = resource_in(staff_app, AREA_A, kind="salon").id
    first = client.get(f"/api/staff/resources/{rid}", headers=auth)
    assert first.status_code == 200 and first.headers["ETag"] == '"1"'
    fee = first.get_json()["fields"]["fee_text"]

    saved = client.patch(
        f"/api/staff/resources/{rid}",
        json={"fee_text": "無料"},
        headers={**auth, "If-Match": '"1"'},
    )
    assert saved.status_code == 200, saved.get_json()
    assert saved.headers["ETag"] == '"2"'
    assert saved.get_json()["changed"] == [
        {"field": "fee_text", "label": "参加費", "old": fee, "new": "無料"}
    ]
    # A second editor who read version 1 is refused, told what changed, and nothing is written.
    stale = client.patch(
        f"/api/staff/resources/{rid}", json={"fee_text": "500円", "version": 1}, headers=auth
    )
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "version_conflict" and error["current_version"] == 2
    assert error["changes"][0]["new"] == "無料"
    after = client.get(f"/api/staff/resources/{rid}", headers=auth).get_json()
    assert after["version"] == 2 and after["fields"]["fee_text"] == "無料"

    missing = client.patch(f"/api/staff/resources/{rid}", json={"fee_text": "1円"}, headers=auth)
    assert missing.status_code == 428
    assert missing.get_json()["error"]["code"] == "version_required"


def test_bad_values_are_refused_by_field_in_japanese(staff_app, cli_on_staff):
    client = staff_app.test_client()
    auth = _bearer(cli_on_staff, "admin")
    rid = resource_in(staff_app, AREA_A, kind="salon").id
    for body, field in (
        ({"lat": "abc", "version": 1}, "lat"),
        ({"lat": "1e999", "lon": "137", "version": 1}, "lat"),
        ({"kind": "宇宙船", "version": 1}, "kind"),
        ({"name": "", "version": 1}, "name"),
        ({"nonsense": "x", "version": 1}, "nonsense"),
        ({"name": {"a": 1}, "version": 1}, "name"),
        ({"name": "x" * 6000, "version": 1}, "name"),
    ):
        answer = client.patch(f"/api/staff/resources/{rid}", json=body, headers=auth)
        assert answer.status_code == 400, body
        error = answer.get_json()["error"]
        assert error["code"] == "invalid_fields" and field in error["fields"], error
        assert any("\u3040" <= ch <= "\u30ff" for ch in error["message"])  # Japanese
    not_json = client.patch(
        f"/api/staff/resources/{rid}", data="x", headers={**auth, "If-Match": '"1"'}
    )
    assert not_json.status_code == 400
    assert client.get(f"/api/staff/resources/{rid}", headers=auth).get_json()["version"] == 1


def test_a_move_re_derives_the_areas(staff_app, cli_on_staff):
    client = staff_app.test_client()
    auth = _bearer(cli_on_staff, "admin")
    rid = resource_in(staff_app, AREA_A, kind="salon").id
    elsewhere = resource_in(staff_app, "東部地区")
    moved = client.patch(
        f"/api/staff/resources/{rid}",
        json={"lat": elsewhere.lat, "lon": elsewhere.lon, "version": 1},
        headers=auth,
    ).get_json()
    assert "東部地区" in [a["name"] for a in moved["areas"]]
    assert AREA_A not in [a["name"] for a in moved["areas"]]
    assert moved["placement"] == "manual"
    public = client.get(f"/api/resources/{rid}").get_json()
    assert public["geometry"]["coordinates"] == [elsewhere.lon, elsewhere.lat]
    assert "東部地区" in [a["name"] for a in public["properties"]["areas"]]


def test_create_history_confirm_and_restore(staff_app, cli_on_staff):
    client = staff_app.test_client()
    auth = _bearer(cli_on_staff, "coord_a")
    inside = resource_in(staff_app, AREA_A, kind="salon")
    created = client.post(
        "/api/staff/resources",
        json={"name": "ひだまりサロン", "kind": "サロン", "lat": inside.lat, "lon": inside.lon,
              "schedule_text": "毎月第2・第4月曜日 11:30〜14:00"},
        headers=auth,
    )  # fmt: skip
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    rid = body["id"]
    assert created.headers["Location"].endswith(f"/api/staff/resources/{rid}")
    assert body["schedule"]["rules"] == ["毎月 第2・第4 月曜日 11:30〜14:00"]
    assert AREA_A in [a["name"] for a in body["areas"]]

    client.patch(
        f"/api/staff/resources/{rid}", json={"name": "ひだまり", "version": 1}, headers=auth
    )
    confirmed = client.post(f"/api/staff/resources/{rid}/confirm", headers=auth).get_json()
    assert confirmed["version"] == 3

    entries = client.get(f"/api/staff/resources/{rid}/history", headers=auth).get_json()["entries"]
    assert [e["version"] for e in entries] == [3, 2, 1]
    assert all(e["by"] == "coord_a" for e in entries)
    assert entries[1]["changes"] == [
        {"field": "name", "label": "名称", "old": "ひだまりサロン", "new": "ひだまり"}
    ]
    assert entries[2]["action"] == "create"

    restored = client.post(
        f"/api/staff/resources/{rid}/restore", json={"to_version": 1, "version": 3}, headers=auth
    )
    assert restored.status_code == 200, restored.get_json()
    after = restored.get_json()
    assert after["version"] == 4 and after["fields"]["name"] == "ひだまりサロン"
    assert after["fields"]["verified_on"] == ""  # as it was at version 1
    assert client.get(f"/api/resources/{rid}").get_json()["properties"]["name"] == "ひだまりサロン"


def test_the_review_list_gives_reasons_and_keeps_to_the_areas(staff_app, cli_on_staff):
    client = staff_app.test_client()
    storage = get_storage(staff_app)
    rid = resource_in(staff_app, AREA_A, kind="salon").id
    with storage.transaction() as session:
        session.execute(
            update(Resource).where(Resource.id == rid).values(verified_on=dt.date(2020, 1, 1))
        )
    mine = client.get("/api/staff/review", headers=_bearer(cli_on_staff, "coord_a")).get_json()
    item = next(i for i in mine["items"] if i["id"] == rid)
    assert "unconfirmed" in item["codes"] and "2020-01-01" in item["reasons"][0]
    theirs = client.get("/api/staff/review", headers=_bearer(cli_on_staff, "coord_b")).get_json()
    assert rid not in [i["id"] for i in theirs["items"]]
    everyone = client.get("/api/staff/review", headers=_bearer(cli_on_staff, "admin")).get_json()
    assert everyone["total"] >= mine["total"] + theirs["total"]
    one_area = client.get(
        f"/api/staff/review?area={area_id(staff_app, AREA_A)}",
        headers=_bearer(cli_on_staff, "admin"),
    ).get_json()
    assert one_area["total"] == mine["total"]

    client.post(f"/api/staff/resources/{rid}/confirm", headers=_bearer(cli_on_staff, "coord_a"))
    again = client.get("/api/staff/review", headers=_bearer(cli_on_staff, "coord_a")).get_json()
    assert rid not in [i["id"] for i in again["items"] if i["codes"] == ["unconfirmed"]]


def test_tokens_are_stored_hashed_expire_and_can_be_revoked(staff_app, cli_on_staff):
    client = staff_app.test_client()
    auth = _bearer(cli_on_staff, "viewer", "--days", "1")
    token = auth["Authorization"].removeprefix("Bearer ")
    with get_storage(staff_app).reading() as session:
        stored = session.scalars(select(ApiToken.digest)).all()
    assert token not in stored and all(len(d) == 64 for d in stored)
    assert client.get("/api/staff/review", headers=auth).status_code == 200

    with get_storage(staff_app).transaction() as session:
        session.execute(update(ApiToken).values(expires_at=dt.datetime(2000, 1, 1)))
    expired = client.get("/api/staff/review", headers=auth)
    assert expired.status_code == 401
    assert expired.headers["WWW-Authenticate"].startswith("Bearer")
    assert "トークン" in expired.get_json()["error"]["message"]

    fresh = _bearer(cli_on_staff, "viewer")
    assert cli_on_staff("revoke-tokens", "viewer").exit_code == 0
    assert client.get("/api/staff/review", headers=fresh).status_code == 401
    assert client.get("/api/staff/review", headers={"Authorization": "Bearer x"}).status_code == 401
    assert cli_on_staff("create-token", "nobody").exit_code == 2


def test_a_session_write_needs_the_csrf_header(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    rid = resource_in(staff_app, AREA_A, kind="salon").id
    body = {"fee_text": "無料", "version": 1}
    refused = client.patch(f"/api/staff/resources/{rid}", json=body)
    assert refused.status_code == 403 and refused.get_json()["error"]["status"] == 403
    cross_site = client.patch(
        f"/api/staff/resources/{rid}",
        json=body,
        headers={"X-CSRF-Token": token, "Sec-Fetch-Site": "cross-site"},
    )
    assert cross_site.status_code == 403
    ok = client.patch(f"/api/staff/resources/{rid}", json=body, headers={"X-CSRF-Token": token})
    assert ok.status_code == 200
    with get_storage(staff_app).reading() as session:
        users = session.scalars(select(Change.user_id).where(Change.entity_id == rid)).all()
    assert users and set(users) - {None}


def test_paused_and_ended_carry_their_date_to_the_public_page(staff_app, cli_on_staff):
    client = staff_app.test_client()
    auth = _bearer(cli_on_staff, "coord_a")
    rid = resource_in(staff_app, AREA_A, kind="salon").id
    paused = client.patch(
        f"/api/staff/resources/{rid}",
        json={"status": "休止中", "status_on": "2026-11-01", "version": 1},
        headers=auth,
    ).get_json()
    assert paused["fields"]["status"] == "paused"
    assert paused["fields"]["status_on"] == "2026-11-01"
    page = client.get(f"/resources/{rid}").get_data(as_text=True)
    assert "休止中" in page and "11月1日" in page and "から" in page
    # Back to 活動中: the date goes; 終了 without a date takes the day it was set.
    active = client.patch(
        f"/api/staff/resources/{rid}", json={"status": "活動中", "version": 2}, headers=auth
    ).get_json()
    assert active["fields"]["status_on"] == ""
    ended = client.patch(
        f"/api/staff/resources/{rid}", json={"status": "終了", "version": 3}, headers=auth
    ).get_json()
    assert ended["fields"]["status_on"] != ""
    assert "活動を終えました" in client.get(f"/resources/{rid}").get_data(as_text=True)
