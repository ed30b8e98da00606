"""People lists (担い手の名簿, 相談の一覧) uploaded on /staff/imports: the dry run's report, then
「取り込む」; a coordinator's list limited to their areas, refused whole otherwise; CSV (BOM,
CP932) and .xlsx; rejected rows by row and column, with no row's contents but 出典ID; 閲覧
cannot choose them; resource lists as before."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook
from sqlalchemy import func, select

from mapapp.models import AuditEntry, Need, Resource, Volunteer
from mapapp.storage import get_storage
from tests.staff_helpers import area_id, resource_in, sign_in

AREA_A, AREA_B = "中央地区", "東部地区"
VOLUNTEER_HEADERS = [
    "出典ID", "氏名", "住所", "緯度", "経度", "活動", "活動できる日時", "移動手段", "移動距離m",
    "同時に担当できる人数", "研修修了日", "保険期限", "状態",
]  # fmt: skip
NEED_HEADERS = [
    "出典ID", "相談者", "住所", "緯度", "経度", "困りごと", "希望日時", "受付日", "状態", "同意",
]  # fmt: skip
_UPLOAD = re.compile(r'name="upload" value="([^"]+)"')


def point_in(app, area: str, dlat: float = 0.0001) -> tuple[float, float]:
    place = resource_in(app, area)
    return place.lat + dlat, place.lon


def volunteer(app, key: str, name: str, area: str = AREA_A) -> list:
    lat, lon = point_in(app, area)
    return [
        key, name, "中央町1-2-3", lat, lon, "ゴミ出し、話し相手", "火曜の午前", "徒歩", "800",
        "2", "2025-04-01", "2027-03-31", "活動中",
    ]  # fmt: skip


def need(app, key: str, name: str, area: str = AREA_A, kinds: str = "家事援助") -> list:
    lat, lon = point_in(app, area)
    return [key, name, "中央町4-5-6", lat, lon, kinds, "火曜の午前", "2026-05-01", "受付", "あり"]


def as_csv(headers: list, rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def as_xlsx(headers: list, rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, token: str, body: bytes, name: str, **fields):
    data = {"csrf_token": token, "file": (io.BytesIO(body), name), **fields}
    return client.post("/staff/imports", data=data, content_type="multipart/form-data")


def confirm(client, token: str, page: str):
    found = _UPLOAD.search(page)
    assert found, page
    return client.post(
        "/staff/imports/confirm", data={"csrf_token": token, "upload": found.group(1)}
    )


def count(app, model) -> int:
    with get_storage(app).reading() as db:
        return db.scalar(select(func.count()).select_from(model))


def audits(app, action: str) -> list[AuditEntry]:
    with get_storage(app).reading() as db:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list(db.scalars(query))


def test_a_coordinator_uploads_volunteers_checks_them_and_imports_them(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    form = client.get("/staff/imports").get_data(as_text=True)
    assert 'name="what" value="volunteers"' in form and 'name="what" value="needs"' in form
    rows = [volunteer(staff_app, "V1", "山田花子"), volunteer(staff_app, "V2", "佐藤一郎")]
    answer = upload(client, token, as_csv(VOLUNTEER_HEADERS, rows), "名簿.csv", what="volunteers")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    assert "確認の結果（まだ取り込んでいません）" in page and "担い手の名簿" in page
    assert "文字コード utf-8-sig" in page
    assert re.search(r"新規</th><td>2 件", page)
    assert "緯度・経度" in page  # where the rows were placed
    assert "山田花子" not in page and "中央町1-2-3" not in page  # no personal contents
    assert count(staff_app, Volunteer) == 0  # a dry run writes nothing
    checked = audits(staff_app, "import")[-1]
    assert (
        checked.login == "coord_a" and "確認のみ" in checked.detail and "名簿.csv" in checked.detail
    )

    done = confirm(client, token, page)
    text = done.get_data(as_text=True)
    assert done.status_code == 200, text
    assert "取り込みました" in text and "山田花子" not in text
    with get_storage(staff_app).reading() as db:
        made = db.scalars(select(Volunteer).order_by(Volunteer.source_key)).all()
        assert [(v.source_key, v.label, v.area_id) for v in made] == [
            ("V1", "山田花子", area_id(staff_app, AREA_A)),
            ("V2", "佐藤一郎", area_id(staff_app, AREA_A)),
        ]
        assert sorted(s.skill for s in made[0].skills) == ["gomidashi", "hanashiaite"]
    entry = audits(staff_app, "import")[-1]
    assert entry.id != checked.id and entry.login == "coord_a" and entry.entity == "volunteer"
    assert "新規 2" in entry.detail and "確認のみ" not in entry.detail
    assert confirm(client, token, page).status_code == 302  # not twice


def test_a_coordinator_uploads_needs_as_xlsx(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    rows = [need(staff_app, "N1", "鈴木様"), need(staff_app, "N2", "田中様", kinds="ゴミ出し")]
    answer = upload(client, token, as_xlsx(NEED_HEADERS, rows), "相談.xlsx", what="needs")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    assert "相談の一覧" in page and "xlsx" in page and re.search(r"新規</th><td>2 件", page)
    assert "鈴木様" not in page
    assert count(staff_app, Need) == 0
    done = confirm(client, token, page)
    assert done.status_code == 200, done.get_data(as_text=True)
    with get_storage(staff_app).reading() as db:
        made = db.scalars(select(Need).order_by(Need.source_key)).all()
        assert [(n.source_key, n.area_id, n.consent) for n in made] == [
            ("N1", area_id(staff_app, AREA_A), True),
            ("N2", area_id(staff_app, AREA_A), True),
        ]
    assert audits(staff_app, "import")[-1].login == "coord_a"


def test_one_row_outside_the_coordinators_area_refuses_the_whole_file(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    rows = [need(staff_app, "N1", "鈴木様"), need(staff_app, "E1", "東の人", area=AREA_B)]
    answer = upload(client, token, as_csv(NEED_HEADERS, rows), "相談.csv", what="needs")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 403, page
    assert "担当区域の外の行があるため、このファイルは取り込めません" in page
    assert "何も書き込んでいません" in page and "出典ID E1" in page
    assert "東の人" not in page and 'name="upload"' not in page
    assert count(staff_app, Need) == 0
    assert audits(staff_app, "refused")[-1].login == "coord_a"
    # The same file from the whole town's admin.
    admin = staff_app.test_client()
    admin_token = sign_in(admin, "admin")
    answer = upload(admin, admin_token, as_csv(NEED_HEADERS, rows), "相談.csv", what="needs")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    assert confirm(admin, admin_token, page).status_code == 200
    assert count(staff_app, Need) == 2


def test_a_coordinator_cannot_change_a_person_of_another_area(staff_app):
    admin = staff_app.test_client()
    admin_token = sign_in(admin, "admin")
    theirs = as_csv(VOLUNTEER_HEADERS, [volunteer(staff_app, "V1", "東の担い手", area=AREA_B)])
    page = upload(admin, admin_token, theirs, "east.csv", what="volunteers")
    assert confirm(admin, admin_token, page.get_data(as_text=True)).status_code == 200
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    mine = as_csv(VOLUNTEER_HEADERS, [volunteer(staff_app, "V1", "中央の担い手")])
    answer = upload(client, token, mine, "mine.csv", what="volunteers")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 403, page
    assert "担当区域の外の担い手と出典・出典IDが同じ行 1 件（出典ID V1）" in page
    with get_storage(staff_app).reading() as db:
        assert db.scalar(select(Volunteer.label)) == "東の担い手"
    # Under another 出典 it is a volunteer of their own.
    answer = upload(client, token, mine, "mine.csv", what="volunteers", source="中央の名簿")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    assert confirm(client, token, page).status_code == 200
    assert count(staff_app, Volunteer) == 2


def test_a_cp932_csv(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    body = as_csv(VOLUNTEER_HEADERS, [volunteer(staff_app, "V1", "髙橋太郎")], "cp932")
    answer = upload(client, token, body, "名簿.csv", what="volunteers")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    assert "cp932" in page.lower()
    assert confirm(client, token, page).status_code == 200
    with get_storage(staff_app).reading() as db:
        assert db.scalar(select(Volunteer.label)) == "髙橋太郎"


def test_a_viewer_cannot_choose_people_lists(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "viewer")
    body = as_csv(VOLUNTEER_HEADERS, [volunteer(staff_app, "V1", "山田花子")])
    assert upload(client, token, body, "名簿.csv", what="volunteers").status_code == 403
    assert upload(client, token, body, "名簿.csv", what="needs").status_code == 403
    assert count(staff_app, Volunteer) == 0
    assert audits(staff_app, "refused")[-1].login == "viewer"


def test_rejected_rows_are_listed_by_row_and_column_as_text(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    rows = [
        need(staff_app, "N1", "鈴木様"),
        need(staff_app, "N2", "田中様", kinds="<script>alert(1)</script>"),
        need(staff_app, "N3", '=HYPERLINK("http://x")', kinds="宇宙旅行"),
    ]
    answer = upload(client, token, as_csv(NEED_HEADERS, rows), "相談.csv", what="needs")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400, page
    assert "3行目「困りごと」" in page and "4行目「困りごと」: 困りごと「宇宙旅行」" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "田中様" not in page and "HYPERLINK" not in page and "鈴木様" not in page
    assert 'name="upload"' not in page and count(staff_app, Need) == 0
    # 「問題のある行を飛ばす」: the good row is imported, the bad ones listed.
    answer = upload(client, token, as_csv(NEED_HEADERS, rows), "相談.csv", what="needs", skip="1")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    assert re.search(r"新規</th><td>1 件", page) and re.search(r"取り込まない行</th><td>2 行", page)
    assert "3行目「困りごと」" in page and "&lt;script&gt;" in page
    assert confirm(client, token, page).status_code == 200
    with get_storage(staff_app).reading() as db:
        assert db.scalars(select(Need.source_key)).all() == ["N1"]


def test_a_person_without_a_place_is_reported_without_their_address(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    row = ["N1", "鈴木様", "どこか町9-9-9", "", "", "家事援助", "", "", "", "あり"]
    answer = upload(client, token, as_csv(NEED_HEADERS, [row]), "相談.csv", what="needs")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400, page
    assert "2行目「住所」: 位置がわかりません" in page
    assert "どこか町9-9-9" not in page and "鈴木様" not in page


def test_bad_choices_and_files(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    body = as_csv(VOLUNTEER_HEADERS, [volunteer(staff_app, "V1", "山田花子")])
    assert upload(client, token, body, "名簿.csv", what="everyone").status_code == 400
    answer = upload(client, token, b'{"type": "FeatureCollection"}', "a.geojson", what="needs")
    assert answer.status_code == 400 and "CSV・Excel" in answer.get_data(as_text=True)
    headless = as_csv(["出典ID", "氏名"], [["V1", "山田花子"]])
    answer = upload(client, token, headless, "名簿.csv", what="volunteers")
    assert answer.status_code == 400
    assert "見出し「活動」がありません" in answer.get_data(as_text=True)
    assert count(staff_app, Volunteer) == 0


def test_resource_lists_import_as_before(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    before = count(staff_app, Resource)
    lat, lon = point_in(staff_app, AREA_A, 0.0002)
    headers = ["出典", "出典ID", "種別", "名称", "住所", "緯度", "経度", "開催日時"]
    for key, fields in (("t1", {}), ("t2", {"what": "resources"})):
        body = as_csv(headers, [["テスト一覧", key, "salon", f"サロン{key}", "", lat, lon, ""]])
        answer = upload(client, token, body, "サロン一覧.csv", **fields)
        page = answer.get_data(as_text=True)
        assert answer.status_code == 200, page
        assert "確認の結果（まだ取り込んでいません）" in page and "形式" in page
        assert confirm(client, token, page).status_code == 200
    assert count(staff_app, Resource) == before + 2
    assert count(staff_app, Volunteer) == 0
