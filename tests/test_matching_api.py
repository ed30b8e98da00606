"""The staff JSON API for matching (/api/staff/needs …) with a bearer token: a call becomes a
case and the helper gets points; candidates as the command line gives them; area B finds
nothing of area A; versions; Japanese reasons for each field; consent; 閲覧 sees no one."""

from __future__ import annotations

import json

from sqlalchemy import select

from mapapp.models import AuditEntry, Need, NeedStatus
from mapapp.storage import get_storage
from tests.staff_helpers import resource_in

AREA_A, AREA_B = "中央地区", "東部地区"
AS_OF = "2026-06-02"  # a Tuesday, as the need and the volunteer want


class Api:
    """A client of the staff API with a token of ``login`` (made by `mapapp create-token`)."""

    def __init__(self, app, cli, login: str):
        token = cli("create-token", login).stdout.strip()
        assert token, login
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, url: str, **headers):
        return self.client.get(url, headers={**self.headers, **headers})

    def post(self, url: str, body=None, **headers):
        return self.client.post(url, json=body, headers={**self.headers, **headers})

    def patch(self, url: str, body, **headers):
        return self.client.patch(url, json=body, headers={**self.headers, **headers})

    def delete(self, url: str, **headers):
        return self.client.delete(url, headers={**self.headers, **headers})


def _point(app, area: str) -> tuple[float, float]:
    r = resource_in(app, area, kind="salon") or resource_in(app, area)
    return r.lat, r.lon


def _volunteer(at, **extra) -> dict:
    lat, lon = at
    return {
        "label": "佐藤 花子",
        "contact": "090-0000-0000",
        "lat": round(lat + 0.001, 6),
        "lon": round(lon, 6),
        "skills": ["gomidashi", "kaji"],
        "availability": "火曜 9:00〜12:00",
        "travel_mode": "walk",
        "travel_m": 800,
        "capacity": 2,
        "trained_on": "2025-04-01",
        "insurance_until": "2099-03-31",
        **extra,
    }


def _need(at, **extra) -> dict:
    lat, lon = at
    return {
        "label": "山田さん（電話）",
        "contact": "053-000-0000（長女）",
        "lat": lat,
        "lon": lon,
        "kinds": "kaji",
        "text": "ゴミ出しを手伝ってほしい",
        "wanted": "火曜の午前",
        "consent": True,
        "consent_how": "口頭",
        **extra,
    }


def _made(answer) -> dict:
    assert answer.status_code == 201, answer.get_data(as_text=True)
    body = answer.get_json()
    assert answer.headers["ETag"] == f'"{body["version"]}"'
    assert answer.headers["Location"].endswith(f"/{body['id']}")
    return body


def _without_labels(candidates: dict) -> dict:
    out = json.loads(json.dumps(candidates))
    for v in out["volunteers"]:
        v.pop("label")
    return out


def test_a_call_becomes_a_case_and_the_helper_gets_points(staff_app, cli_on_staff):
    api = Api(staff_app, cli_on_staff, "coord_a")
    at = _point(staff_app, AREA_A)
    volunteer = _made(api.post("/api/staff/volunteers", _volunteer(at)))
    need = _made(api.post("/api/staff/needs", _need(at)))
    assert need["kinds"] == ["kaji"] and need["status"] == "received" and need["consent"]

    found = api.get(f"/api/staff/needs/{need['id']}/candidates?as_of={AS_OF}")
    assert found.status_code == 200 and found.headers["Cache-Control"] == "no-store"
    candidates = found.get_json()
    assert [v["label"] for v in candidates["volunteers"]] == ["佐藤 花子"]
    assert any("火 9:00" in reason for reason in candidates["volunteers"][0]["reasons"])
    command = cli_on_staff("candidates", str(need["id"]), "--json", "--as-of", AS_OF)
    assert command.exit_code == 0, command.output
    assert _without_labels(candidates) == json.loads(command.stdout)

    proposed = api.post(
        f"/api/staff/needs/{need['id']}/proposals",
        {"volunteer_id": volunteer["id"], "as_of": AS_OF},
    )
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    case = proposed.get_json()
    assert (case["volunteer"], case["status"], case["steps"][0]) == (
        "佐藤 花子",
        "proposed",
        "asked",
    )
    for step in ("asked", "accepted", "done"):
        answer = api.post(f"/api/staff/proposals/{case['id']}/{step}", {"note": step})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        assert answer.get_json()["status"] == step
    again = api.post(f"/api/staff/proposals/{case['id']}/asked")
    assert again.status_code == 409 and "できません" in again.get_json()["error"]["message"]

    record = api.get(f"/api/staff/needs/{need['id']}").get_json()
    assert record["status"] == "done"
    assert [h["to"] for h in record["history"]] == ["受付", "調整中", "手配済", "完了"]
    helper = api.get(f"/api/staff/volunteers/{volunteer['id']}").get_json()
    assert helper["points"] > 0 and helper["cases"][0]["status"] == "done"

    spent = api.post(f"/api/staff/volunteers/{volunteer['id']}/points", {"points": 1})
    assert spent.get_json() == {
        "id": volunteer["id"],
        "redeemed": 1,
        "points": helper["points"] - 1,
    }
    too_many = api.post(f"/api/staff/volunteers/{volunteer['id']}/points", {"points": 10**5})
    assert too_many.status_code == 409
    assert "ポイントが足りません" in too_many.get_json()["error"]["message"]

    with get_storage(staff_app).reading() as db:
        views = db.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "view", AuditEntry.entity == "need",
                AuditEntry.entity_id == need["id"], AuditEntry.login == "coord_a",
            )
        ).all()  # fmt: skip
    assert {v.detail for v in views} >= {"候補の表示（API）", "相談の記録（API）"}


def test_lists_follow_ups_and_the_batch_proposal(staff_app, cli_on_staff):
    api = Api(staff_app, cli_on_staff, "coord_a")
    at = _point(staff_app, AREA_A)
    api.post("/api/staff/volunteers", _volunteer(at))
    first = _made(api.post("/api/staff/needs", _need(at, follow_up_on="2000-01-03")))
    _made(api.post("/api/staff/needs", _need(at, label="鈴木さん", kinds=["hanashiaite"])))

    listed = api.get("/api/staff/needs?kind=kaji").get_json()
    assert listed["total"] == 1 and listed["needs"][0]["id"] == first["id"]
    assert "contact" not in listed["needs"][0]  # a list row: no contact, no address
    assert api.get("/api/staff/needs?status=all&limit=1").get_json()["total"] == 2
    assert api.get("/api/staff/needs?status=done").get_json()["total"] == 0
    unknown = api.get("/api/staff/needs?kind=空飛ぶ").get_json()["error"]
    assert (unknown["code"], unknown["field"]) == ("invalid_parameter", "kind")
    wrong = api.get("/api/staff/needs?show=all").get_json()["error"]
    assert wrong["code"] == "unknown_parameter"
    assert api.get("/api/staff/volunteers").get_json()["total"] == 1

    due = api.get("/api/staff/needs/follow-ups").get_json()
    assert [n["id"] for n in due["today"]] == [first["id"]] and due["this_week"] == []

    batch = api.post("/api/staff/batch", {"kind": "ゴミ出し", "as_of": AS_OF})
    assert batch.status_code == 200, batch.get_data(as_text=True)
    command = cli_on_staff("propose", "--need-kind", "kaji", "--json", "--as-of", AS_OF)
    assert batch.get_json() == json.loads(command.stdout)
    assert batch.get_json()["assignments"][0]["need"]["id"] == first["id"]
    with get_storage(staff_app).reading() as db:
        assert db.get(Need, first["id"]).status == NeedStatus.RECEIVED  # nothing written
    assert api.post("/api/staff/batch", {"kind": "空飛ぶ"}).get_json()["error"]["field"] == "kind"


def test_area_b_finds_nothing_of_area_a(staff_app, cli_on_staff):
    a = Api(staff_app, cli_on_staff, "coord_a")
    b = Api(staff_app, cli_on_staff, "coord_b")
    at = _point(staff_app, AREA_A)
    volunteer = _made(a.post("/api/staff/volunteers", _volunteer(at)))["id"]
    need = _made(a.post("/api/staff/needs", _need(at, follow_up_on="2000-01-03")))
    case = a.post(f"/api/staff/needs/{need['id']}/proposals", {"volunteer_id": volunteer})
    case = case.get_json()["id"]
    n, v = need["id"], volunteer
    before = a.get(f"/api/staff/needs/{n}").get_json()
    version = {"If-Match": f'"{need["version"]}"'}
    answers = [
        b.get(f"/api/staff/needs/{n}"),
        b.patch(f"/api/staff/needs/{n}", {"text": "B"}, **version),
        b.post(f"/api/staff/needs/{n}/status", {"status": "withdrawn"}),
        b.get(f"/api/staff/needs/{n}/candidates"),
        b.post(f"/api/staff/needs/{n}/proposals", {"resource_id": 1}),
        *(b.post(f"/api/staff/proposals/{case}/{s}") for s in ("asked", "declined", "cancelled")),
        b.get(f"/api/staff/volunteers/{v}"),
        b.patch(f"/api/staff/volunteers/{v}", {"note": "B", "version": "x"}),
        b.post(f"/api/staff/volunteers/{v}/points", {"points": 1}),
        b.post("/api/staff/batch", {"kind": "kaji", "area": need["area_id"]}),
        b.get("/api/staff/needs/2147483647"),  # none at all: the same answer
        b.post("/api/staff/proposals/2147483647/asked"),
    ]
    for answer in answers:
        assert answer.status_code == 404, (answer.request.path, answer.get_data(as_text=True))
        assert answer.get_json()["error"]["code"] == "not_found"
        assert "山田" not in answer.get_data(as_text=True)
    assert b.get("/api/staff/needs?status=all").get_json() == {
        "needs": [], "total": 0, "limit": 100, "offset": 0,
    }  # fmt: skip
    assert b.get(f"/api/staff/needs?status=all&area={need['area_id']}").get_json()["total"] == 0
    assert b.get("/api/staff/volunteers").get_json()["total"] == 0
    assert b.get("/api/staff/needs/follow-ups").get_json() == {"today": [], "this_week": []}
    batch = b.post("/api/staff/batch", {"kind": "kaji"}).get_json()
    assert batch["assignments"] == [] and batch["unassigned"] == []

    assert a.get(f"/api/staff/needs/{n}").get_json() == before
    assert before["status"] == "arranging" and before["proposals"][0]["status"] == "proposed"
    with get_storage(staff_app).reading() as db:
        refusals = db.scalars(
            select(AuditEntry).where(AuditEntry.action == "refused", AuditEntry.login == "coord_b")
        ).all()
    assert len(refusals) == len(answers)


def test_a_stale_change_is_refused_and_a_change_needs_its_version(staff_app, cli_on_staff):
    api = Api(staff_app, cli_on_staff, "coord_a")
    at = _point(staff_app, AREA_A)
    need = _made(api.post("/api/staff/needs", _need(at)))
    url = f"/api/staff/needs/{need['id']}"
    opened = api.get(url)
    assert opened.headers["ETag"] == f'"{need["version"]}"'

    missing = api.patch(url, {"text": "版なし"})
    assert missing.status_code == 428
    assert missing.get_json()["error"]["code"] == "version_required"

    changed = api.patch(url, {"text": "毎朝の声かけも"}, **{"If-Match": opened.headers["ETag"]})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    body = changed.get_json()
    assert body["changed"] and body["text"] == "毎朝の声かけも"
    assert body["label"] == need["label"] and body["kinds"] == ["kaji"]  # the rest as it was
    assert body["version"] != need["version"]
    assert changed.headers["ETag"] == f'"{body["version"]}"'

    stale = api.patch(url, {"text": "古い画面から", "version": need["version"]})
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert (error["code"], error["current_version"]) == ("version_conflict", body["version"])
    assert "ほかの人が先に" in error["message"]
    now = api.get(url).get_json()
    assert (now["text"], now["version"]) == ("毎朝の声かけも", body["version"])

    same = api.patch(url, {"text": "毎朝の声かけも", "version": body["version"]}).get_json()
    assert not same["changed"] and same["version"] == body["version"]

    volunteer = _made(api.post("/api/staff/volunteers", _volunteer(at)))
    vurl = f"/api/staff/volunteers/{volunteer['id']}"
    assert api.patch(vurl, {"note": "x"}).status_code == 428
    moved = api.patch(vurl, {"capacity": 3, "version": volunteer["version"]})
    assert moved.status_code == 200 and moved.get_json()["capacity"] == 3
    assert api.patch(vurl, {"capacity": 1, "version": volunteer["version"]}).status_code == 409
    assert api.get(vurl).get_json()["capacity"] == 3


def test_each_wrong_field_is_named_in_japanese(staff_app, cli_on_staff):
    api = Api(staff_app, cli_on_staff, "coord_a")
    at = _point(staff_app, AREA_A)
    wrong = _need(at, label="", kinds=["空飛ぶ"], lat="北緯35度", received_on="昨日")
    answer = api.post("/api/staff/needs", wrong)
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == "invalid_fields"
    assert set(error["fields"]) == {"label", "kinds", "lat", "received_on"}
    assert "相談者" in error["fields"]["label"]
    assert "困りごと「空飛ぶ」" in error["fields"]["kinds"]
    assert "緯度" in error["fields"]["lat"]
    assert "受付日" in error["fields"]["received_on"]
    with get_storage(staff_app).reading() as db:
        assert db.scalar(select(Need.id)) is None

    unknown = api.post("/api/staff/needs", {**_need(at), "status": "done", "name": "x"})
    assert set(unknown.get_json()["error"]["fields"]) == {"status", "name"}
    not_text = api.post("/api/staff/needs", _need(at, label={"a": 1}, kinds=[1]))
    assert set(not_text.get_json()["error"]["fields"]) == {"label", "kinds"}
    not_json = api.client.post("/api/staff/needs", data="label=x", headers=api.headers)
    assert not_json.get_json()["error"]["field"] == "body"

    lat, lon = _point(staff_app, AREA_B)
    outside = api.post("/api/staff/needs", _need(at, lat=lat, lon=lon))
    assert outside.status_code == 403
    error = outside.get_json()["error"]
    assert error["code"] == "outside_areas" and "担当区域の外" in error["fields"]["lat"]

    need = _made(api.post("/api/staff/needs", _need(at)))["id"]
    status = api.post(f"/api/staff/needs/{need}/status", {"status": "終わり"}).get_json()
    assert status["error"]["field"] == "status" and "withdrawn" in status["error"]["message"]
    referred = api.post(f"/api/staff/needs/{need}/status", {"status": "referred"})
    assert referred.status_code == 409 and "つなぎ先" in referred.get_json()["error"]["message"]
    neither = api.post(f"/api/staff/needs/{need}/proposals", {})
    assert neither.get_json()["error"]["field"] == "volunteer_id"
    date = api.post(f"/api/staff/needs/{need}/status", {"follow_up_on": "2026-02-30"})
    assert date.get_json()["error"]["fields"] == {
        "follow_up_on": "次回確認日（follow_up_on）は 2026-12-01 の形で、ある日付を書いてください"
    }
    ok = api.post(
        f"/api/staff/needs/{need}/status",
        {"status": "referred", "referred_to": "地域包括支援センター", "follow_up_on": None},
    )
    assert ok.status_code == 200 and ok.get_json()["referred_to"] == "地域包括支援センター"
    kept = api.patch(
        f"/api/staff/needs/{need}", {"text": "追記", "version": ok.get_json()["version"]}
    )
    assert kept.get_json()["referred_to"] == "地域包括支援センター"


def test_a_need_without_consent_is_not_told_to_a_volunteer(staff_app, cli_on_staff):
    api = Api(staff_app, cli_on_staff, "coord_a")
    at = _point(staff_app, AREA_A)
    volunteer = _made(api.post("/api/staff/volunteers", _volunteer(at)))["id"]
    need = _made(api.post("/api/staff/needs", _need(at, consent=False, kinds=["kaji", "話し相手"])))
    assert not need["consent"]
    found = api.get(f"/api/staff/needs/{need['id']}/candidates?as_of={AS_OF}").get_json()
    assert found["resources"], "resources are still proposed"

    proposed = api.post(f"/api/staff/needs/{need['id']}/proposals", {"volunteer_id": volunteer})
    asked = api.post(f"/api/staff/proposals/{proposed.get_json()['id']}/asked")
    assert asked.status_code == 409
    error = asked.get_json()["error"]
    assert error["code"] == "no_consent" and "本人の同意" in error["message"]

    resource = found["resources"][0]["id"]
    offered = api.post(f"/api/staff/needs/{need['id']}/proposals", {"resource_id": str(resource)})
    assert offered.status_code == 201 and offered.get_json()["resource_id"] == resource
    told = api.post(f"/api/staff/proposals/{offered.get_json()['id']}/asked")
    assert told.status_code == 200 and told.get_json()["status"] == "asked"


def test_viewers_and_strangers_see_no_one(staff_app, cli_on_staff):
    viewer = Api(staff_app, cli_on_staff, "viewer")
    for answer in (
        viewer.get("/api/staff/needs"),
        viewer.get("/api/staff/volunteers"),
        viewer.get("/api/staff/needs/1"),
        viewer.post("/api/staff/needs", {"label": "x"}),
        viewer.post("/api/staff/batch", {"kind": "kaji"}),
    ):
        assert answer.status_code == 403
        assert answer.get_json()["error"]["code"] == "forbidden"
    stranger = staff_app.test_client().get("/api/staff/needs")
    assert stranger.status_code == 401 and "Bearer" in stranger.headers["WWW-Authenticate"]
    admin = Api(staff_app, cli_on_staff, "admin")
    assert admin.get("/api/staff/needs?status=all").status_code == 200


def test_deleting_a_record_over_the_api(staff_app, cli_on_staff):
    api = Api(staff_app, cli_on_staff, "coord_a")
    other = Api(staff_app, cli_on_staff, "coord_b")
    at = _point(staff_app, AREA_A)
    volunteer = _made(api.post("/api/staff/volunteers", _volunteer(at)))
    need = _made(api.post("/api/staff/needs", _need(at)))
    api.post(f"/api/staff/needs/{need['id']}/proposals", {"volunteer_id": volunteer["id"]})
    assert other.delete(f"/api/staff/needs/{need['id']}").status_code == 404
    busy = api.delete(f"/api/staff/volunteers/{volunteer['id']}")
    assert busy.status_code == 409 and "進行中の提案" in busy.get_json()["error"]["message"]
    gone = api.delete(f"/api/staff/needs/{need['id']}")
    assert gone.status_code == 204 and gone.get_data() == b""
    assert api.get(f"/api/staff/needs/{need['id']}").status_code == 404
    assert api.delete(f"/api/staff/volunteers/{volunteer['id']}").status_code == 204
    assert api.get(f"/api/staff/volunteers/{volunteer['id']}").status_code == 404
