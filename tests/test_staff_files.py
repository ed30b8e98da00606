"""The staff pages for files: imports (a dry run, then 「取り込む」), area replacement with a
preview of what moves, and exports as downloads — who may do what, and that nothing is
written before it is confirmed."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from shapely.geometry import box, mapping
from sqlalchemy import func, select

from mapapp.models import Area, AuditEntry, ImportRun, Resource, ResourceArea, ServiceArea
from mapapp.storage import get_storage
from mapapp.web.staff_exports import download_names
from mapapp.web.staff_files import PENDING_IMPORT, UPLOADS, clean_filename
from tests.staff_helpers import area_id, resource_in, resources_in, sign_in

AREA_A, AREA_B = "中央地区", "東部地区"
HEADERS = ["出典", "出典ID", "種別", "名称", "住所", "緯度", "経度", "開催日時"]
_UPLOAD = re.compile(r'name="upload" value="([^"]+)"')


def own_csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def row_at(app, area: str, key: str, name: str, *, dlat: float = 0.0002) -> list:
    place = resource_in(app, area)
    return ["テスト一覧", key, "salon", name, "", place.lat + dlat, place.lon, "毎週月曜 10時〜"]


def count(app, model) -> int:
    with get_storage(app).reading() as db:
        return db.scalar(select(func.count()).select_from(model))


def audits(app, action: str) -> list[AuditEntry]:
    with get_storage(app).reading() as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def upload(client, token: str, body: bytes, name: str = "サロン一覧.csv", **fields):
    data = {"csrf_token": token, "file": (io.BytesIO(body), name), **fields}
    return client.post("/staff/imports", data=data, content_type="multipart/form-data")


def confirm(client, token: str, page: str, url: str = "/staff/imports/confirm"):
    found = _UPLOAD.search(page)
    assert found, page
    return client.post(url, data={"csrf_token": token, "upload": found.group(1)})


def uploads_of(app) -> list[Path]:
    root = Path(app.instance_path) / UPLOADS
    return [p for p in root.iterdir()] if root.exists() else []


# --- imports ----------------------------------------------------------------------------------


def test_a_dry_run_shows_every_problem_escaped_and_writes_nothing(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    before = (count(staff_app, Resource), count(staff_app, ImportRun))
    good = row_at(staff_app, AREA_A, "t1", "新しいサロン")
    bad_kind = ["テスト一覧", "t2", "<script>alert(1)</script>", "悪い行", "", 35.0, 137.0, ""]
    bad_point = ["テスト一覧", "t3", "salon", "位置が変", "", "北緯", 137.0, ""]
    answer = upload(client, token, own_csv([good, bad_kind, bad_point]))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "3行目「種別」" in page and "4行目" in page and "緯度" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'name="upload"' not in page  # nothing to confirm
    assert (count(staff_app, Resource), count(staff_app, ImportRun)) == before
    assert uploads_of(staff_app) == []  # a refused upload is not kept


def test_a_dry_run_then_import_of_the_same_file(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    before = count(staff_app, Resource)
    rows = [
        row_at(staff_app, AREA_A, "t1", "新しいサロン"),
        row_at(staff_app, AREA_B, "t2", "東の会"),
    ]
    answer = upload(client, token, own_csv(rows))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    assert "確認の結果（まだ取り込んでいません）" in page
    assert re.search(r"新規</th><td>2 件", page)
    assert count(staff_app, Resource) == before  # a dry run writes nothing
    kept = uploads_of(staff_app)
    assert len(kept) == 1 and kept[0].joinpath("サロン一覧.csv").is_file()
    done = confirm(client, token, page)
    text = done.get_data(as_text=True)
    assert done.status_code == 200, text
    assert "取り込みました" in text
    assert count(staff_app, Resource) == before + 2
    assert uploads_of(staff_app) == []  # deleted after the import
    entry = audits(staff_app, "import")[-1]
    assert entry.login == "admin" and "サロン一覧.csv" in entry.detail and "新規 2" in entry.detail
    # The same upload cannot be imported twice.
    again = confirm(client, token, page)
    assert again.status_code == 302 and again.headers["Location"].endswith("/staff/imports")
    assert count(staff_app, Resource) == before + 2


def test_the_kind_and_source_fields_are_used(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    place = resource_in(staff_app, AREA_A)
    body = f"名称,会場,緯度,経度\r\n一覧のサロン,公民館,{place.lat + 0.0003},{place.lon}\r\n"
    answer = upload(client, token, body.encode("utf-8"), "list.csv", kind="salon", source="社協")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    assert confirm(client, token, page).status_code == 200
    with get_storage(staff_app).reading() as db:
        made = db.scalars(select(Resource).where(Resource.name == "一覧のサロン")).one()
    assert (made.kind, made.source) == ("salon", "社協")


def test_a_file_without_a_kind_column_needs_the_kind(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    body = "名称,会場,緯度,経度\r\nサロン,公民館,35.0,137.0\r\n".encode()
    answer = upload(client, token, body, "list.csv")
    assert answer.status_code == 400
    assert "種別" in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    ("name", "body", "said"),
    [
        ("photo.png", b"\x89PNG\r\n", "取り込めません"),
        ("empty.csv", b"", "空です"),
        ("broken.xlsx", b"PK\x03\x04 not really a workbook", "何も書き込んでいません"),
        ("shapes.geojson", json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "x"},
             "geometry": mapping(box(137.0, 35.0, 137.1, 35.1))}]}).encode(), "何も書き込んでいません"),
        ("text.csv", "\ufeff".encode() + b"\x00\x01\x02" * 50, "何も書き込んでいません"),
    ],
)  # fmt: skip
def test_a_bad_upload_is_answered_in_japanese_never_500(staff_app, name, body, said):
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    before = count(staff_app, Resource)
    answer = upload(client, token, body, name)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert said in answer.get_data(as_text=True)
    assert count(staff_app, Resource) == before


def test_no_file_at_all(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    answer = client.post("/staff/imports", data={"csrf_token": token})
    assert answer.status_code == 400
    assert "ファイルを選んでください" in answer.get_data(as_text=True)


def test_a_huge_upload_gets_a_japanese_413(staff_app):
    assert staff_app.config["MAX_CONTENT_LENGTH"] > 50 * 1024 * 1024  # from IMPORT_MAX_MB
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    staff_app.config["MAX_CONTENT_LENGTH"] = 10_000
    answer = upload(client, token, b"a,b\r\n" * 10_000)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 413
    assert "ファイルが大きすぎます" in page and "MAPAPP_IMPORT_MAX_MB" in page


def test_a_coordinator_cannot_import_rows_outside_their_areas(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    before = count(staff_app, Resource)
    rows = [
        row_at(staff_app, AREA_A, "t1", "中央のサロン"),
        row_at(staff_app, AREA_B, "t2", "東の会"),
    ]
    answer = upload(client, token, own_csv(rows))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 403
    assert "担当区域の外" in page and "東の会" in page and "中央のサロン" not in page
    assert 'name="upload"' not in page
    assert count(staff_app, Resource) == before
    assert uploads_of(staff_app) == []
    assert audits(staff_app, "refused")[-1].login == "coord_a"


def test_a_coordinator_cannot_change_a_resource_of_another_area(staff_app):
    """A row keyed like another area's resource, with a point inside the coordinator's area,
    would move that resource into it: refused."""
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    theirs = resource_in(staff_app, AREA_B)
    here = resource_in(staff_app, AREA_A)
    row = [theirs.source, theirs.source_key, theirs.kind, theirs.name, "", here.lat, here.lon, ""]
    answer = upload(client, token, own_csv([row]))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 403, page
    assert "担当区域の外にある資源を変更する行 1 件" in page
    with get_storage(staff_app).reading() as db:
        assert db.get(Resource, theirs.id).lat == theirs.lat


def test_a_coordinator_imports_in_their_own_area(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    before = count(staff_app, Resource)
    answer = upload(client, token, own_csv([row_at(staff_app, AREA_A, "t1", "中央のサロン")]))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    assert confirm(client, token, page).status_code == 200
    assert count(staff_app, Resource) == before + 1
    assert audits(staff_app, "import")[-1].login == "coord_a"


def test_a_row_without_a_place_is_not_a_coordinators(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    row = ["テスト一覧", "t9", "salon", "どこかのサロン", "", "", "", ""]
    answer = upload(client, token, own_csv([row]))
    assert answer.status_code == 403
    assert "位置がわからない行" in answer.get_data(as_text=True)


def test_a_viewer_cannot_import(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "viewer")
    assert client.get("/staff/imports").status_code == 403
    assert upload(client, token, own_csv([])).status_code == 403


def test_confirming_needs_the_same_upload_within_the_hour(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    before = count(staff_app, Resource)
    page = upload(client, token, own_csv([row_at(staff_app, AREA_A, "t1", "サロン")]))
    page = page.get_data(as_text=True)
    # Another token than the session's (another tab's, or made up) is not used.
    wrong = client.post(
        "/staff/imports/confirm", data={"csrf_token": token, "upload": "../../etc/passwd"}
    )
    assert wrong.status_code == 302
    with client.session_transaction() as held:
        pending = held[PENDING_IMPORT]
        pending["at"] = int(time.time()) - 3601
        held[PENDING_IMPORT] = pending
    late = confirm(client, token, page)
    assert late.status_code == 302
    assert "もう一度ファイルを選んで" in client.get("/staff/imports").get_data(as_text=True)
    assert count(staff_app, Resource) == before
    assert uploads_of(staff_app) == []


def test_old_uploads_are_swept(staff_app):
    import os

    client = staff_app.test_client()
    token = sign_in(client, "admin")
    upload(client, token, own_csv([row_at(staff_app, AREA_A, "t1", "サロン")]))
    (folder,) = uploads_of(staff_app)
    old = time.time() - 7200
    os.utime(folder, (old, old))
    client.get("/staff/imports")
    assert uploads_of(staff_app) == []


def test_file_names_are_cleaned():
    assert clean_filename("C:\\Users\\me\\サロン一覧.CSV", (".csv",)) == "サロン一覧.csv"
    assert clean_filename("../../etc/passwd.csv", (".csv",)) == "passwd.csv"
    assert clean_filename(".csv", (".csv",)) is None
    assert clean_filename("..\x1b[31m.csv", (".csv",)) == "[31m.csv"
    assert clean_filename("a.exe", (".csv",)) is None


# --- areas ------------------------------------------------------------------------------------


def _demo_layer2(app) -> tuple[list[tuple[str, str, object]], float]:
    """The demo 第2層 areas (code, name, shape), and a longitude that splits the resources
    of 中央地区 into two groups."""
    with get_storage(app).reading() as db:
        areas = [
            (a.source_key, a.name, a.geom)
            for a in db.scalars(select(Area).where(Area.source == "demo:layer2"))
        ]
    lons = sorted({r.lon for r in resources_in(app, AREA_A)})
    middle = len(lons) // 2
    return areas, (lons[middle - 1] + lons[middle]) / 2


def _boundary_file(app) -> tuple[bytes, float]:
    """中央地区 cut at a longitude, its east part a new area; 西山地区 left out."""
    areas, split = _demo_layer2(app)
    features = []
    for code, name, geom in areas:
        if name == "西山地区":
            continue
        if name == AREA_A:
            minx, miny, maxx, maxy = geom.bounds
            west = geom.intersection(box(minx - 1, miny - 1, split, maxy + 1))
            east = geom.difference(west)
            features.append((code, name, west))
            features.append(("9999999", "新しい地区", east))
        else:
            features.append((code, name, geom))
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": n, "code": c}, "geometry": mapping(g)}
            for c, n, g in features
        ],
    }
    return json.dumps(collection, ensure_ascii=False).encode("utf-8"), split


def _placements(app) -> set[tuple[int, int]]:
    with get_storage(app).reading() as db:
        return set(db.execute(select(ResourceArea.resource_id, ResourceArea.area_id)).all())


def confirm_areas(client, token, page: str, **fields):
    found = _UPLOAD.search(page)
    assert found, page
    data = {"csrf_token": token, "upload": found.group(1), **fields}
    return client.post("/staff/areas/confirm", data=data)


def check_areas(client, token, body: bytes, name="areas.geojson", **fields):
    data = {"csrf_token": token, "file": (io.BytesIO(body), name), **fields}
    return client.post("/staff/areas", data=data, content_type="multipart/form-data")


def test_an_area_preview_shows_what_moves_and_writes_nothing(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    body, split = _boundary_file(staff_app)
    east = [r for r in resources_in(staff_app, AREA_A) if r.lon > split]
    before = (count(staff_app, Area), _placements(staff_app), count(staff_app, ImportRun))
    answer = check_areas(client, token, body, target="2|地区社協区域|demo:layer2")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    assert "確認の結果（まだ入れ替えていません）" in page
    assert "新しい地区" in page
    assert re.search(r"削除される区域</th><td>1<span class=\"names\">（西山地区）", page)
    # 西山地区 is the 対象区域 of services, and the file has no area of its name or code.
    assert re.search(
        r"<td>西山地区</td><td[^>]*>サービス \d+ 件の対象区域</td><td[^>]*><strong>指定を外す", page
    )
    assert "このままでは入れ替えられません" in page
    assert re.search(r'<input type="checkbox" name="drop_references" value="1" required>', page)
    # The file has no population columns, so every area it names changes (their counts go).
    assert re.search(r"形か名前が変わる区域</th><td>5<span class=\"names\">（中央地区、", page)
    moved = re.search(r"<td>中央地区</td><td>新しい地区</td><td>(\d+) 件</td>", page)
    assert moved and int(moved.group(1)) >= len(east) > 0
    shapes = json.loads(re.search(r'id="area-map-data">(.*?)</script>', page, re.S).group(1))
    statuses = {f["properties"]["name"]: f["properties"]["status"] for f in shapes["features"]}
    assert statuses["新しい地区"] == "new" and statuses[AREA_A] == "changed"
    assert statuses["西山地区"] == "removed" and statuses[AREA_B] == "changed"
    after = (count(staff_app, Area), _placements(staff_app), count(staff_app, ImportRun))
    assert after == before


def test_replacing_areas_writes_and_places_resources_again(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    body, split = _boundary_file(staff_app)
    east = {r.id for r in resources_in(staff_app, AREA_A) if r.lon > split}
    page = check_areas(client, token, body, target="2|地区社協区域|demo:layer2")
    kept = {name: area_id(staff_app, name) for name in (AREA_A, AREA_B)}
    done = confirm_areas(client, token, page.get_data(as_text=True), drop_references="1")
    text = done.get_data(as_text=True)
    assert done.status_code == 200, text
    assert "区域を入れ替えました" in text and "新しい地区" in text
    assert re.search(r"削除した区域</th><td>1<span class=\"names\">（西山地区）", text)
    new_area = area_id(staff_app, "新しい地区")
    assert new_area is not None and area_id(staff_app, "西山地区") is None
    assert {name: area_id(staff_app, name) for name in kept} == kept  # the same ids
    assert count(staff_app, ServiceArea) > 0  # the other areas' services are untouched
    with get_storage(staff_app).reading() as db:
        inside = set(
            db.scalars(select(ResourceArea.resource_id).where(ResourceArea.area_id == new_area))
        )
    assert east <= inside
    assert not east & {r.id for r in resources_in(staff_app, AREA_A)}
    entry = audits(staff_app, "areas")[-1]
    assert entry.login == "admin" and "地区社協区域" in entry.detail
    assert "削除 1（指定を外しました: 西山地区）" in entry.detail
    assert uploads_of(staff_app) == []
    # The same file again: every area it names is unchanged, and none is removed.
    again = check_areas(client, token, body, target="2|地区社協区域|demo:layer2")
    text = again.get_data(as_text=True)
    assert again.status_code == 200, text
    assert re.search(r"変わらない区域</th><td>6<", text)
    assert re.search(r"削除される区域</th><td>0<", text)
    assert "区域が変わる資源はありません" in text and "drop_references" not in text


def test_replacing_areas_without_dropping_references_is_refused(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    body, _split = _boundary_file(staff_app)
    page = check_areas(client, token, body, target="2|地区社協区域|demo:layer2")
    before = (count(staff_app, Area), count(staff_app, ServiceArea), _placements(staff_app))
    done = confirm_areas(client, token, page.get_data(as_text=True))
    text = done.get_data(as_text=True)
    assert done.status_code == 400, text
    assert "何も変えていません" in text and "西山地区 はサービス" in text
    assert (count(staff_app, Area), count(staff_app, ServiceArea), _placements(staff_app)) == before
    assert audits(staff_app, "areas") == []


def test_a_new_kind_of_area_and_bad_area_files(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    place = resource_in(staff_app, AREA_A)
    square = box(place.lon - 0.001, place.lat - 0.001, place.lon + 0.001, place.lat + 0.001)
    body = json.dumps(
        {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "<b>太字</b>区"}, "geometry": mapping(square)}
        ]}, ensure_ascii=False,
    ).encode()  # fmt: skip
    answer = check_areas(client, token, body, target="new", layer="3", kind="テスト区")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    assert "<b>太字</b>" not in page
    assert re.search(r"<td>（なし）</td><td>&lt;b&gt;太字&lt;/b&gt;区</td><td>\d+ 件</td>", page)
    assert check_areas(client, token, body, target="new", layer="3").status_code == 400
    for name, data in (("a.csv", b"a,b"), ("a.zip", b"PK\x05\x06" + b"\0" * 18), ("a.gpkg", b"x")):
        bad = check_areas(client, token, data, name, target="new", layer="3", kind="テスト区")
        assert bad.status_code == 400, (name, bad.get_data(as_text=True))
    assert area_id(staff_app, "<b>太字</b>区") is None


def test_areas_are_for_admins_only(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    assert client.get("/staff/areas").status_code == 403
    answer = check_areas(client, token, b"{}", target="new", layer="3", kind="x")
    assert answer.status_code == 403


# --- exports ----------------------------------------------------------------------------------


def export(client, token, **fields):
    return client.post("/staff/exports", data={"csrf_token": token, **fields})


def test_exports_download_and_parse_back(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    assert client.get("/staff/exports").status_code == 200
    answer = export(client, token, format="csv", area=str(area_id(staff_app, AREA_A)))
    assert answer.status_code == 200
    disposition = answer.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="resources_csv_area')
    japanese = unquote(disposition.split("filename*=UTF-8''")[1])
    assert japanese.startswith("資源一覧_中央地区_") and japanese.endswith(".csv")
    text = answer.data.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert header[:4] == ["出典", "出典ID", "種別", "名称"]
    with get_storage(staff_app).reading() as db:
        in_a = db.scalar(
            select(func.count()).where(ResourceArea.area_id == area_id(staff_app, AREA_A))
        )
    assert len(list(csv.reader(io.StringIO(text)))) - 1 == in_a
    workbook = export(client, token, format="xlsx")
    assert workbook.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.data)).active
    assert sheet.title == "資源" and sheet.cell(1, 4).value == "名称"
    assert sheet.max_row == count(staff_app, Resource) + 1
    shapes = export(client, token, format="geojson")
    assert json.loads(shapes.data)["type"] == "FeatureCollection"
    cp932 = export(client, token, format="csv", encoding="cp932")
    assert cp932.data.decode("cp932").startswith("出典,")
    assert export(client, token, format="hsds").status_code == 200
    assert export(client, token, format="mhlw").status_code == 200
    entry = audits(staff_app, "export")[0]
    assert entry.login == "admin" and "形式 csv" in entry.detail and "中央地区" in entry.detail


def test_a_full_export_is_for_admins(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    full = export(client, token, format="csv", full="1")
    assert full.status_code == 200
    assert "full" in full.headers["Content-Disposition"]
    assert "完全な記録" in audits(staff_app, "export")[-1].detail


def test_a_coordinator_exports_their_own_areas_only(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    page = client.get("/staff/exports").get_data(as_text=True)
    assert AREA_A in page and AREA_B not in page and "町全体" not in page
    assert "完全な記録" not in page
    own = export(client, token, format="csv", area=str(area_id(staff_app, AREA_A)))
    assert own.status_code == 200
    other = export(client, token, format="csv", area=str(area_id(staff_app, AREA_B)))
    assert other.status_code == 403
    assert export(client, token, format="csv").status_code == 403  # the whole town
    full = export(client, token, format="csv", area=str(area_id(staff_app, AREA_A)), full="1")
    assert full.status_code == 403
    assert {e.login for e in audits(staff_app, "refused")} == {"coord_a"}
    assert len(audits(staff_app, "export")) == 1


def test_bad_export_choices_are_400(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    assert export(client, token, format="pdf").status_code == 400
    assert export(client, token, format="csv", area="abc").status_code == 400
    assert export(client, token, format="csv", area="999999").status_code == 400


def test_download_names():
    import datetime as dt

    name, fallback = download_names("xlsx", (3, "中央/地区"), True, dt.date(2026, 6, 11))
    assert name == "資源一覧_中央地区_完全な記録_20260611.xlsx"
    assert fallback == "resources_xlsx_area3_full_20260611.xlsx"
    assert fallback.isascii()


def test_zip_bombs_are_refused_before_unpacking(staff_app):
    import zipfile

    staff_app.config["IMPORT_MAX_MB"] = 1  # unpacked at most 10 MB
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (12 * 1024 * 1024))
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    answer = upload(client, token, bomb.getvalue(), "bomb.xlsx")
    assert answer.status_code == 400
    assert "圧縮を解くと大きすぎます" in answer.get_data(as_text=True)
    areas = check_areas(
        client, token, bomb.getvalue(), "bomb.zip", target="new", layer="3", kind="x"
    )
    assert areas.status_code == 400
    assert "圧縮を解くと大きすぎます" in areas.get_data(as_text=True)
