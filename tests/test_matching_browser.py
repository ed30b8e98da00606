"""A coordinator's phone call in Debian's Chromium (Playwright), on a copy of the staff demo
town served by a real server: the need is recorded in the intake form, its candidates are
opened, a volunteer is proposed, asked, accepts, the help is done, and the volunteer's points
rise. axe-core (WCAG 2.2 A/AA) and no sideways scrolling on each matching page, at a PC's and
a phone's width."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from mapapp.models import Area, Need, NeedStatus
from mapapp.storage import get_storage
from mapapp.web.query import today
from tests.browser_helpers import AXE, PC, PHONE, Person, axe_violations, shot
from tests.matching_fixtures import need, volunteer
from tests.staff_helpers import serve_staff

pytestmark = pytest.mark.slow
AREA = "中央地区"


@pytest.fixture(scope="module")
def town(staff_template, tmp_path_factory):
    server, app, site = serve_staff(staff_template, tmp_path_factory.mktemp("matching_site"))
    with get_storage(app).transaction() as session:
        area = session.scalars(select(Area).where(Area.name == AREA)).one()
        middle = area.geom.representative_point()
        helper = volunteer(
            session, "B1", middle.y + 0.002, area_id=area.id, skills=("gomidashi",),
            insurance=dt.date.today() + dt.timedelta(days=365), capacity=2,
            when="火曜 9:00〜12:00", travel_m=1500,
        )  # fmt: skip
        helper.lon, helper.label = middle.x, "鈴木 一郎"
        other = need(session, "B1", middle.y, area_id=area.id, kinds=("kaji",), person="田中さん")
        other.lon = middle.x
        ids = SimpleNamespace(volunteer=helper.id, need=other.id, area=area.id)
    yield SimpleNamespace(
        app=app, site=site, lat=middle.y, lon=middle.x, volunteer=ids.volunteer, need=ids.need
    )
    server.shutdown()
    get_storage(app).dispose()


@pytest.fixture
def coordinator(browser, town):
    made = []

    def sign_in(viewport=PHONE) -> Person:
        made.append(Person(browser, town.site, viewport).sign_in("coord_a"))
        return made[-1]

    yield sign_in
    for person in made:
        person.close()


def _points(page) -> int:
    return int(page.locator("#points").inner_text())


def test_a_phone_call_is_recorded_matched_and_done_and_the_points_rise(coordinator, town):
    person = coordinator(PHONE)
    before = _points(person.open(f"/staff/volunteers/{town.volunteer}"))

    page = person.open("/staff/")
    page.get_by_role("link", name="相談を受け付ける").click()
    page.wait_for_selector("#edit-map[data-ready]", state="attached")
    page.get_by_label("相談者（呼び名）").fill("高橋さん（電話）")
    page.get_by_label("連絡先", exact=True).fill("053-111-2222")
    page.get_by_label("緯度", exact=True).fill(f"{town.lat:.6f}")
    page.get_by_label("経度", exact=True).fill(f"{town.lon:.6f}")
    page.get_by_label(re.compile("家事援助")).check()
    page.get_by_label("相談の内容").fill("ゴミ出しを手伝ってほしい。重い袋が持てない")
    page.get_by_label("希望日時", exact=True).fill("火曜の午前")
    page.get_by_label(re.compile("本人の同意がある")).check()
    shot(page, "matching-intake-phone")
    page.get_by_role("button", name="受け付ける").click()
    page.wait_for_url(re.compile(r"/staff/needs/\d+$"))
    assert "相談を受け付けました" in page.locator(".flash").inner_text()
    assert page.locator(".need-status").inner_text() == "受付"
    record = page.locator("dl.record").inner_text()
    assert re.search(rf"受付日\s+{today().isoformat()}", record), record  # today, in Japan
    need_id = int(page.url.rsplit("/", 1)[1])

    page.get_by_role("link", name=re.compile("候補を見る")).click()
    page.wait_for_url(re.compile(r"/candidates"))
    first = page.locator("li.candidate").first
    assert "鈴木 一郎" in first.inner_text()
    reasons = first.locator("ul.reasons").inner_text()
    assert "m" in reasons and "火" in reasons  # distance and the shared Tuesday morning
    shot(page, "matching-candidates-phone")
    first.get_by_role("button", name=re.compile("この人に頼む")).click()
    page.wait_for_url(re.compile(rf"/staff/needs/{need_id}$"))
    assert page.locator(".need-status").inner_text() == "調整中"

    for step, status in (
        ("依頼の連絡をした", "調整中"),
        ("引き受けてもらえた", "手配済"),
        ("支援が終わった", "完了"),
    ):
        page.locator("li.case").first.get_by_role("button", name=step).click()
        page.wait_for_load_state()
        assert page.locator(".need-status").inner_text() == status, step
    shot(page, "matching-need-done-phone")

    after = _points(person.open(f"/staff/volunteers/{town.volunteer}"))
    assert after > before
    with get_storage(town.app).reading() as session:
        assert session.get(Need, need_id).status == NeedStatus.DONE


@pytest.mark.parametrize("viewport", [PC, PHONE], ids=["pc", "phone"])
def test_no_accessibility_violations_on_the_matching_pages(coordinator, town, viewport):
    assert AXE.is_file(), "axe-core is installed by `make assets` (npm ci)"
    person = coordinator(viewport)
    paths = [
        "/staff/needs",
        "/staff/needs/new",
        f"/staff/needs/{town.need}",
        f"/staff/needs/{town.need}/candidates",
        "/staff/volunteers",
        f"/staff/volunteers/{town.volunteer}",
        f"/staff/volunteers/{town.volunteer}/edit",
        "/staff/batch?kind=kaji",
    ]
    problems = {}
    for path in paths:
        page = person.open(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 1:
            problems[path] = [f"scrolls sideways by {overflow}px at {viewport['width']}px"]
        found = axe_violations(page)
        if found:
            problems.setdefault(path, []).extend(found)
        name = re.sub(r"[^a-z0-9]+", "-", path.strip("/"))
        shot(page, f"matching-{name}-{'pc' if viewport is PC else 'phone'}")
    assert problems == {}
