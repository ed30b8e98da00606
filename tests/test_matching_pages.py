"""The coordinator's pages for needs, volunteers, candidates and cases (/staff/needs …):
intake of a phone call kept whole on a mistake, the case from candidate to done with points,
scopes (area B sees nothing of area A, 閲覧 sees no person), and audited views."""

from __future__ import annotations

import re

from sqlalchemy import select

from mapapp.models import AuditEntry, Need, NeedStatus, PointEntry, Volunteer
from mapapp.storage import get_storage
from tests.staff_helpers import resource_in, sign_in

AREA_A, AREA_B = "中央地区", "東部地区"


def _point(app, area: str) -> tuple[float, float]:
    r = resource_in(app, area)
    return r.lat, r.lon


def _volunteer_form(token, at, **extra) -> dict:
    lat, lon = at
    return {
        "csrf_token": token,
        "label": "佐藤 花子",
        "contact": "090-0000-0000",
        "lat": f"{lat + 0.001:.6f}",
        "lon": f"{lon:.6f}",
        "skills": ["gomidashi", "kaji"],
        "availability": "火曜 9:00〜12:00",
        "travel_mode": "walk",
        "travel_m": "800",
        "capacity": "2",
        "trained_on": "2025-04-01",
        "insurance_until": "2099-03-31",
        "status": "active",
        **extra,
    }


def _need_form(token, at, **extra) -> dict:
    lat, lon = at
    return {
        "csrf_token": token,
        "label": "山田さん（電話）",
        "contact": "053-000-0000（長女）",
        "lat": f"{lat:.6f}",
        "lon": f"{lon:.6f}",
        "kinds": ["kaji"],
        "text": "ゴミ出しを手伝ってほしい",
        "wanted": "火曜の午前",
        "urgency": "normal",
        "consent": "1",
        "consent_how": "口頭",
        **extra,
    }


def _id_from(location: str) -> int:
    return int(re.search(r"/(\d+)$", location).group(1))


def test_a_phone_call_becomes_a_case_and_the_helper_gets_points(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    lat, lon = _point(staff_app, AREA_A)
    made = client.post("/staff/volunteers/new", data=_volunteer_form(token, (lat, lon)))
    assert made.status_code == 302, made.get_data(as_text=True)
    volunteer_id = _id_from(made.headers["Location"])
    taken = client.post("/staff/needs/new", data=_need_form(token, (lat, lon)))
    assert taken.status_code == 302, taken.get_data(as_text=True)
    need_id = _id_from(taken.headers["Location"])

    page = client.get(f"/staff/needs/{need_id}/candidates").get_data(as_text=True)
    assert "佐藤 花子" in page and "この人に頼む" in page
    assert "火曜" in page  # the reasons say the time fits
    proposed = client.post(
        f"/staff/needs/{need_id}/proposals",
        data={"csrf_token": token, "volunteer_id": volunteer_id},
    )
    assert proposed.status_code == 302
    with get_storage(staff_app).reading() as db:
        proposal_id = db.scalars(select(Need).where(Need.id == need_id)).one().id
        from mapapp.models import Proposal

        proposal_id = db.scalar(select(Proposal.id).where(Proposal.need_id == need_id))
    for step in ("asked", "accepted", "done"):
        answer = client.post(
            f"/staff/proposals/{proposal_id}/{step}", data={"csrf_token": token, "note": step}
        )
        assert answer.status_code == 302
    with get_storage(staff_app).reading() as db:
        assert db.get(Need, need_id).status == NeedStatus.DONE
        points = db.scalars(select(PointEntry).where(PointEntry.volunteer_id == volunteer_id)).all()
    assert sum(p.delta for p in points) > 0
    page = client.get(f"/staff/volunteers/{volunteer_id}").get_data(as_text=True)
    assert re.search(r'id="points">[1-9]', page)
    history = client.get(f"/staff/needs/{need_id}").get_data(as_text=True)
    for label in ("受付", "調整中", "手配済", "完了"):
        assert label in history


def test_a_mistake_in_the_intake_keeps_everything_typed(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    lat, lon = _point(staff_app, AREA_A)
    form = _need_form(token, (lat, lon), lat="北緯35度", kinds=[], text="毎朝の声かけも")
    answer = client.post("/staff/needs/new", data=form)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "保存できませんでした" in page
    assert 'href="#f-lat"' in page and 'href="#f-kinds"' in page
    assert "毎朝の声かけも" in page and "053-000-0000（長女）" in page
    with get_storage(staff_app).reading() as db:
        assert db.scalar(select(Need.id)) is None


def test_a_need_outside_the_coordinators_areas_is_refused_with_the_form_kept(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    lat, lon = _point(staff_app, AREA_B)
    answer = client.post("/staff/needs/new", data=_need_form(token, (lat, lon)))
    assert answer.status_code == 403
    assert "担当区域の外" in answer.get_data(as_text=True)


def test_area_b_cannot_see_area_a_people_and_viewers_see_no_one(staff_app):
    a = staff_app.test_client()
    token = sign_in(a, "coord_a")
    lat, lon = _point(staff_app, AREA_A)
    need_id = _id_from(
        a.post("/staff/needs/new", data=_need_form(token, (lat, lon))).headers["Location"]
    )
    volunteer_id = _id_from(
        a.post("/staff/volunteers/new", data=_volunteer_form(token, (lat, lon))).headers["Location"]
    )
    b = staff_app.test_client()
    token_b = sign_in(b, "coord_b")
    for url in (
        f"/staff/needs/{need_id}",
        f"/staff/needs/{need_id}/edit",
        f"/staff/needs/{need_id}/candidates",
        f"/staff/volunteers/{volunteer_id}",
        f"/staff/volunteers/{volunteer_id}/edit",
    ):
        assert b.get(url).status_code == 404, url
    # The same answer as for a record that does not exist: nothing to infer.
    assert b.get("/staff/needs/999999").status_code == 404
    listed = b.get("/staff/needs?show=all").get_data(as_text=True)
    assert "山田さん" not in listed
    assert "佐藤 花子" not in b.get("/staff/volunteers").get_data(as_text=True)
    moved = b.post(
        f"/staff/needs/{need_id}/status", data={"csrf_token": token_b, "status": "withdrawn"}
    )
    assert moved.status_code == 404
    with get_storage(staff_app).reading() as db:
        assert db.get(Need, need_id).status == NeedStatus.RECEIVED
    viewer = staff_app.test_client()
    sign_in(viewer, "viewer")
    assert viewer.get("/staff/needs").status_code == 403
    assert viewer.get(f"/staff/needs/{need_id}").status_code == 403
    admin = staff_app.test_client()
    sign_in(admin, "admin")
    assert "山田さん" in admin.get("/staff/needs").get_data(as_text=True)


def test_every_view_of_a_person_is_in_the_audit_log(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    lat, lon = _point(staff_app, AREA_A)
    need_id = _id_from(
        client.post("/staff/needs/new", data=_need_form(token, (lat, lon))).headers["Location"]
    )
    client.get(f"/staff/needs/{need_id}")
    client.get(f"/staff/needs/{need_id}/candidates")
    with get_storage(staff_app).reading() as db:
        views = db.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "view",
                AuditEntry.entity == "need",
                AuditEntry.entity_id == need_id,
            )
        ).all()
    assert len(views) == 2 and all(v.login == "coord_a" for v in views)


def test_a_stale_edit_of_a_need_is_refused(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    lat, lon = _point(staff_app, AREA_A)
    need_id = _id_from(
        client.post("/staff/needs/new", data=_need_form(token, (lat, lon))).headers["Location"]
    )
    form = client.get(f"/staff/needs/{need_id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" value="([^"]+)"', form).group(1)
    first = client.post(
        f"/staff/needs/{need_id}/edit",
        data=_need_form(token, (lat, lon), version=version, wishes="同性の方"),
    )
    assert first.status_code == 302
    second = client.post(
        f"/staff/needs/{need_id}/edit",
        data=_need_form(token, (lat, lon), version=version, text="別の人の入力"),
    )
    assert second.status_code == 409
    assert "別の人の入力" in second.get_data(as_text=True)
    with get_storage(staff_app).reading() as db:
        need = db.get(Need, need_id)
        assert need.wishes == "同性の方" and need.text == "ゴミ出しを手伝ってほしい"


def test_the_batch_page_proposes_the_ticked_pairs(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    lat, lon = _point(staff_app, AREA_A)
    client.post("/staff/volunteers/new", data=_volunteer_form(token, (lat, lon)))
    for n in range(2):
        client.post("/staff/needs/new", data=_need_form(token, (lat + n * 0.0005, lon)))
    page = client.get("/staff/batch?kind=kaji").get_data(as_text=True)
    pairs = re.findall(r'name="pair" value="([^"]+)"', page)
    assert len(pairs) == 2  # capacity 2
    answer = client.post("/staff/batch", data={"csrf_token": token, "pair": pairs})
    assert answer.status_code == 302
    with get_storage(staff_app).reading() as db:
        statuses = [n.status for n in db.scalars(select(Need))]
    assert statuses == [NeedStatus.ARRANGING, NeedStatus.ARRANGING]


def test_points_are_redeemed_only_within_the_balance(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    lat, lon = _point(staff_app, AREA_A)
    volunteer_id = _id_from(
        client.post("/staff/volunteers/new", data=_volunteer_form(token, (lat, lon))).headers[
            "Location"
        ]
    )
    client.post(
        f"/staff/volunteers/{volunteer_id}/points", data={"csrf_token": token, "points": "5"}
    )
    with get_storage(staff_app).reading() as db:
        assert not db.scalars(select(PointEntry)).all()
        assert db.get(Volunteer, volunteer_id).label == "佐藤 花子"


def test_a_source_id_typed_twice_is_refused_not_a_crash(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    at = _point(staff_app, AREA_A)
    first = client.post("/staff/needs/new", data=_need_form(token, at, source_key="紙-001"))
    assert first.status_code == 302
    again = client.post("/staff/needs/new", data=_need_form(token, at, source_key="紙-001"))
    assert again.status_code == 400
    assert "この出典IDはほかの記録で使われています" in again.get_data(as_text=True)


def test_editing_a_referred_need_keeps_where_it_was_referred(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    at = _point(staff_app, AREA_A)
    need_id = _id_from(
        client.post("/staff/needs/new", data=_need_form(token, at)).headers["Location"]
    )
    client.post(
        f"/staff/needs/{need_id}/status",
        data={"csrf_token": token, "status": "referred", "referred_to": "地域包括支援センター中央"},
    )
    form = client.get(f"/staff/needs/{need_id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" value="([^"]+)"', form).group(1)
    saved = client.post(
        f"/staff/needs/{need_id}/edit", data=_need_form(token, at, version=version, wishes="午前中")
    )
    assert saved.status_code == 302
    with get_storage(staff_app).reading() as db:
        need = db.get(Need, need_id)
        assert need.status == NeedStatus.REFERRED
        assert need.referred_to == "地域包括支援センター中央" and need.wishes == "午前中"


def test_the_need_page_says_what_a_volunteer_may_be_told(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    at = _point(staff_app, AREA_A)
    form = _need_form(token, at, consent_scope="ゴミの量と曜日だけ")
    need_id = _id_from(client.post("/staff/needs/new", data=form).headers["Location"])
    page = client.get(f"/staff/needs/{need_id}").get_data(as_text=True)
    told = page.split('<details class="to-tell"')[1].split("</details>")[0]
    assert "家事援助" in told and "火曜の午前" in told and AREA_A in told
    assert "ゴミの量と曜日だけ" in told
    for private in ("山田さん", "053-000-0000", f"{at[0]:.4f}"):
        assert private not in told
    without = _need_form(token, at, label="同意なしの方")
    del without["consent"]
    other = _id_from(client.post("/staff/needs/new", data=without).headers["Location"])
    page = client.get(f"/staff/needs/{other}").get_data(as_text=True)
    told = page.split('<details class="to-tell"')[1].split("</details>")[0]
    assert "本人の同意がないため、担い手には何も伝えられません" in told
    assert "火曜の午前" not in told


def test_a_record_is_deleted_for_good_only_by_its_coordinator_and_when_sure(staff_app):
    from mapapp.models import Proposal

    a = staff_app.test_client()
    token = sign_in(a, "coord_a")
    at = _point(staff_app, AREA_A)
    need_id = _id_from(a.post("/staff/needs/new", data=_need_form(token, at)).headers["Location"])
    volunteer_id = _id_from(
        a.post("/staff/volunteers/new", data=_volunteer_form(token, at)).headers["Location"]
    )
    a.post(
        f"/staff/needs/{need_id}/proposals",
        data={"csrf_token": token, "volunteer_id": volunteer_id},
    )
    b = staff_app.test_client()
    token_b = sign_in(b, "coord_b")
    sure = {"csrf_token": token_b, "sure": "1"}
    assert b.post(f"/staff/needs/{need_id}/delete", data=sure).status_code == 404
    assert b.post(f"/staff/volunteers/{volunteer_id}/delete", data=sure).status_code == 404
    # Not without the tick; not a volunteer with an open case.
    a.post(f"/staff/needs/{need_id}/delete", data={"csrf_token": token})
    refused = a.post(
        f"/staff/volunteers/{volunteer_id}/delete", data={"csrf_token": token, "sure": "1"}
    )
    assert refused.status_code == 302
    assert "進行中の提案が 1 件あります" in a.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    with get_storage(staff_app).reading() as db:
        assert db.get(Need, need_id) is not None and db.get(Volunteer, volunteer_id) is not None
    gone = a.post(f"/staff/needs/{need_id}/delete", data={"csrf_token": token, "sure": "1"})
    assert gone.status_code == 302 and gone.headers["Location"].endswith("/staff/needs")
    assert a.get(f"/staff/needs/{need_id}").status_code == 404
    deleted = a.post(
        f"/staff/volunteers/{volunteer_id}/delete", data={"csrf_token": token, "sure": "1"}
    )
    assert deleted.status_code == 302
    with get_storage(staff_app).reading() as db:
        assert db.get(Need, need_id) is None and db.get(Volunteer, volunteer_id) is None
        assert db.scalar(select(Proposal.id).where(Proposal.need_id == need_id)) is None
        entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "delete")).all()
    assert {(e.entity, e.entity_id, e.login) for e in entries} == {
        ("need", need_id, "coord_a"),
        ("volunteer", volunteer_id, "coord_a"),
    }
    assert all("山田" not in e.detail and "佐藤" not in e.detail for e in entries)


def test_the_lists_export_as_csv_that_imports_back_the_same(staff_app, cli_on_staff, tmp_path):
    from mapapp.matching.intake import need_texts, volunteer_texts

    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    at = _point(staff_app, AREA_A)
    tricky = '=HYPERLINK("http://example.com")\n2行目'
    form = _need_form(token, at, text=tricky, wishes="同性の方", follow_up_on="2026-12-24")
    need_id = _id_from(client.post("/staff/needs/new", data=form).headers["Location"])
    volunteer_id = _id_from(
        client.post(
            "/staff/volunteers/new", data=_volunteer_form(token, at, note="+81 90")
        ).headers["Location"]
    )
    files = {}
    for what in ("needs", "volunteers"):
        answer = client.get(f"/staff/{what}.csv")
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
        body = answer.get_data()
        assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
        assert b"'=HYPERLINK" in body or what == "volunteers"  # no live formula
        assert b"'+81 90" in body or what == "needs"
        files[what] = tmp_path / f"{what}.csv"
        files[what].write_bytes(body)
    for what in ("needs", "volunteers"):
        result = cli_on_staff(f"import-{what}", str(files[what]), "--source", "copy")
        assert result.exit_code == 0, result.output
    with get_storage(staff_app).reading() as db:
        original = db.get(Need, need_id)
        copy = db.scalar(select(Need).where(Need.source == "copy"))
        drop = {"source_key"}
        assert {k: v for k, v in need_texts(copy).items() if k not in drop} == {
            k: v for k, v in need_texts(original).items() if k not in drop
        }
        original_v = db.get(Volunteer, volunteer_id)
        copy_v = db.scalar(select(Volunteer).where(Volunteer.source == "copy"))
        assert {k: v for k, v in volunteer_texts(copy_v).items() if k not in drop} == {
            k: v for k, v in volunteer_texts(original_v).items() if k not in drop
        }
        exported = db.scalars(select(AuditEntry).where(AuditEntry.action == "export")).all()
    assert {e.entity for e in exported} == {"need", "volunteer"}
    other = staff_app.test_client()
    sign_in(other, "coord_b")
    assert "山田さん" not in other.get("/staff/needs.csv").get_data(as_text=True)
    assert "佐藤 花子" not in other.get("/staff/volunteers.csv").get_data(as_text=True)
