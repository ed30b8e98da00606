"""The staff file pages in Debian's Chromium (Playwright), on a copy of the staff demo town
served by a real server: an admin imports a resource list after its dry run and finds the
new place on the public page; an admin replaces the 第2層 areas after seeing the preview map
and what is removed; a coordinator's out-of-area list is refused. axe-core (WCAG 2.2 A/AA)
and screenshots of the imports, areas and exports pages at a phone's and a PC's width."""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace

import pytest
from shapely.geometry import mapping
from sqlalchemy import select

from mapapp.models import Area, Resource
from mapapp.storage import get_storage
from tests.browser_helpers import AXE, PC, PHONE, Person, axe_violations, shot
from tests.staff_helpers import resource_in, serve_staff

pytestmark = pytest.mark.slow
HEADERS = ["出典", "出典ID", "種別", "名称", "住所", "緯度", "経度", "開催日時"]
NEW_PLACE = "ひだまり体操クラブ"


@pytest.fixture(scope="module")
def town(staff_template, tmp_path_factory):
    server, app, site = serve_staff(staff_template, tmp_path_factory.mktemp("files_site"))
    yield SimpleNamespace(app=app, site=site)
    server.shutdown()
    get_storage(app).dispose()


@pytest.fixture
def people(browser, town):
    made: list[Person] = []

    def person(login: str, viewport=PC) -> Person:
        someone = Person(browser, town.site, viewport)
        made.append(someone)
        return someone.sign_in(login)

    yield person
    for someone in made:
        someone.close()


def resource_list(rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def a_row(app, area: str, key: str, name: str) -> list:
    place = resource_in(app, area)
    return [
        "体操の会一覧",
        key,
        "salon",
        name,
        "",
        place.lat + 0.0002,
        place.lon,
        "毎週水曜 10時〜",
    ]


def choose_file(page, selector: str, name: str, body: bytes, mime: str) -> None:
    page.set_input_files(selector, files=[{"name": name, "mimeType": mime, "buffer": body}])


def checked_clean(page, name: str) -> None:
    """No axe violation at either width, a screenshot at each, and no sideways scrolling."""
    for viewport, label in ((PHONE, "phone"), (PC, "pc")):
        page.set_viewport_size(viewport)
        assert axe_violations(page) == [], (name, label)
        shot(page, f"staff-{name}-{label}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} scrolls sideways at {viewport['width']}px"


def test_an_admin_imports_a_list_after_its_dry_run(people, town):
    good = a_row(town.app, "中央地区", "h1", NEW_PLACE)
    bad = ["体操の会一覧", "h2", "salon", "緯度の違う会", "", "北緯35度", 137.0, ""]
    admin = people("admin")
    page = admin.open("/staff/imports")
    choose_file(page, "#i-file", "体操の会.csv", resource_list([good, bad]), "text/csv")
    page.get_by_label("問題のある行を飛ばして、残りを取り込む").check()
    page.get_by_role("button", name="確認する（まだ取り込みません）").click()
    page.get_by_role("heading", name="確認の結果（まだ取り込んでいません）").wait_for()
    report = page.locator("#outcome").inner_text()
    assert "新規\t1 件" in report and "取り込まない行\t1 行" in report
    problem = page.locator(".problem-list li").first.inner_text()
    assert problem.startswith("3行目「緯度」") and "緯度" in problem
    checked_clean(page, "imports-report")

    page.get_by_role("button", name="取り込む", exact=True).click()
    page.get_by_role("heading", name="取り込みました").wait_for()
    with get_storage(town.app).reading() as db:
        made = db.scalars(select(Resource).where(Resource.name == NEW_PLACE)).one()
    shown = admin.open(f"/resources/{made.id}")
    assert shown.get_by_role("heading", name=NEW_PLACE).is_visible()
    assert "毎週水曜" in shown.locator("dl.details").inner_text()


def test_a_coordinators_list_outside_their_area_is_refused(people, town):
    rows = [a_row(town.app, "東部地区", "c1", "東の体操")]
    page = people("coord_a").open("/staff/imports")
    choose_file(page, "#i-file", "東.csv", resource_list(rows), "text/csv")
    page.get_by_role("button", name="確認する（まだ取り込みません）").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    said = alert.inner_text()
    assert "担当区域の外の資源があるため、このファイルは取り込めません" in said
    assert "「東の体操」" in said
    assert page.get_by_role("button", name="取り込む", exact=True).count() == 0
    with get_storage(town.app).reading() as db:
        assert db.scalar(select(Resource.id).where(Resource.name == "東の体操")) is None


def _layer2_without(app, left_out: str) -> bytes:
    with get_storage(app).reading() as db:
        kept = [
            (a.name, a.code, a.geom)
            for a in db.scalars(select(Area).where(Area.source == "demo:layer2"))
            if a.name != left_out
        ]
    features = [
        {"type": "Feature", "properties": {"name": n, "code": c}, "geometry": mapping(g)}
        for n, c, g in kept
    ]
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False).encode("utf-8")


def test_an_admin_replaces_the_areas_after_the_preview(people, town):
    admin = people("admin")
    page = admin.open("/staff/areas")
    page.get_by_label("入れ替える区域").select_option("2|地区社協区域|demo:layer2")
    body = _layer2_without(town.app, "西山地区")
    choose_file(page, "#a-file", "地区.geojson", body, "application/geo+json")
    page.get_by_role("button", name="確認する（まだ入れ替えません）").click()
    page.get_by_role("heading", name="確認の結果（まだ入れ替えていません）").wait_for()
    page.wait_for_selector("#area-map[data-ready]", state="attached")
    assert page.locator("#area-map path.leaflet-interactive").count() >= 6
    removed = page.locator("table", has=page.get_by_role("columnheader", name="入れ替えると"))
    row = removed.locator("tbody tr").first.locator("td").all_inner_texts()
    assert row[0] == "西山地区" and "サービス" in row[1] and "指定を外す必要" in row[2]
    assert "このままでは入れ替えられません" in page.locator("#removal-refusal").inner_text()
    checked_clean(page, "areas-preview")

    page.get_by_label("担当区域・対象区域から外し").check()
    page.get_by_role("button", name="この区域に入れ替える").click()
    page.get_by_role("heading", name="区域を入れ替えました").wait_for()
    assert "西山地区" in page.locator("#outcome").inner_text()
    with get_storage(town.app).reading() as db:
        assert db.scalar(select(Area.id).where(Area.name == "西山地区")) is None
    home = admin.open("/")
    assert "西山地区" not in home.locator("main").inner_text()


@pytest.mark.parametrize("path", ["/staff/imports", "/staff/areas", "/staff/exports"])
def test_the_file_pages_have_no_accessibility_violations(people, path):
    assert AXE.is_file(), "axe-core is installed by `make assets` (npm ci)"
    page = people("admin").open(path)
    checked_clean(page, path.rsplit("/", 1)[-1])
