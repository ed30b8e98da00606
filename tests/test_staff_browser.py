"""The staff pages in Debian's Chromium driven by Playwright, on a copy of the staff demo town
served by a real server: a coordinator moves a salon on the map and sees its schedule read back,
approves a resident's correction, and is told, without losing anything, that someone else saved
first. Screenshots of the staff pages at a PC's and a phone's width, and axe-core (WCAG 2.2
A/AA) on each of them."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from shapely.geometry import Point
from sqlalchemy import select

from mapapp import corrections
from mapapp.models import Area, Resource
from mapapp.storage import get_storage
from mapapp.web import suggest
from tests.browser_helpers import AXE, PC, PHONE, Person, axe_violations, both_widths
from tests.staff_helpers import resources_in, serve_staff

pytestmark = pytest.mark.slow
AREA = "中央地区"


@pytest.fixture(scope="module")
def town(staff_template, tmp_path_factory):
    # The resident's form wants 3 seconds between opening and sending; a test need not wait.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(suggest, "MIN_SECONDS", 0)
        server, app, site = serve_staff(staff_template, tmp_path_factory.mktemp("staff_site"))
        salons = resources_in(app, AREA, kind="salon")
        assert len(salons) >= 5, "the demo town has salons enough in 中央地区"
        with get_storage(app).reading() as session:
            area = session.scalars(select(Area).where(Area.name == AREA)).one()
            shape = area.geom
        yield SimpleNamespace(app=app, site=site, salons=salons, area_shape=shape)
        server.shutdown()
        get_storage(app).dispose()


@pytest.fixture
def people(browser, town):
    made: list[Person] = []

    def person(login: str | None = None, viewport=PC) -> Person:
        someone = Person(browser, town.site, viewport)
        made.append(someone)
        return someone.sign_in(login) if login else someone

    yield person
    for someone in made:
        someone.close()


def public_resource(page, site: str, rid: int) -> dict:
    return page.request.get(f"{site}/api/resources/{rid}").json()


def test_coordinator_moves_a_salon_on_the_map_and_sees_its_schedule_read(people, town):
    salon = town.salons[0]
    coordinator = people("coord_a")
    page = coordinator.open(f"/staff/resources/{salon.id}/edit")
    lat_input, lon_input = page.locator("#f-lat"), page.locator("#f-lon")
    typed_before = lat_input.input_value()
    before = float(typed_before), float(lon_input.input_value())

    # Drag the marker some 80 m toward the middle of 中央地区, so that it stays inside.
    middle = town.area_shape.representative_point()
    east = 1 if middle.x > before[1] else -1
    north = 1 if middle.y > before[0] else -1
    marker = page.locator(".leaflet-marker-icon")
    marker.scroll_into_view_if_needed()
    box = marker.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40 * east, y - 40 * north, steps=8)
    page.mouse.up()
    page.wait_for_function(
        "old => document.getElementById('f-lat').value !== old", arg=typed_before
    )
    after = float(lat_input.input_value()), float(lon_input.input_value())
    assert after != before
    assert (after[0] - before[0]) * north > 0 and (after[1] - before[1]) * east > 0
    assert town.area_shape.contains(Point(after[1], after[0])), "the test drags inside the area"

    # The 開催日時 is read back in words a moment after typing stops.
    page.locator("#f-schedule_text").fill("毎月第2・第4月曜日 11:30〜14:00")
    reading = page.locator("#schedule-reading")
    reading.locator("#reading-rules li", has_text="毎月 第2・第4 月曜日 11:30〜14:00").wait_for()
    assert re.search(r"次回: \d+月\d+日", reading.inner_text())
    both_widths(page, "edit")

    page.get_by_role("button", name="保存する").click()
    page.wait_for_url(f"{town.site}/staff/resources/{salon.id}/edit")
    flash = page.locator(".flash").inner_text()
    assert "保存しました" in flash and "緯度" in flash and "開催日時" in flash
    assert page.locator("#f-lat").input_value() == lat_input.input_value()

    public = public_resource(page, town.site, salon.id)
    assert public["geometry"]["coordinates"] == pytest.approx([after[1], after[0]], abs=1e-6)
    assert AREA in [a["name"] for a in public["properties"]["areas"]]
    shown = coordinator.open(f"/resources/{salon.id}")
    geo = shown.locator("dl.details a.map-app").get_attribute("href")
    lat, lon = map(float, re.match(r"geo:([\d.]+),([\d.]+)", geo).groups())
    assert (lat, lon) == pytest.approx(after, abs=1e-5)
    assert shown.locator(".breadcrumbs").inner_text().count(AREA) == 1
    assert "毎月第2・第4月曜日 11:30〜14:00" in shown.locator("dl.details").inner_text()


def test_a_residents_correction_is_approved_and_then_shown(people, town):
    salon = town.salons[1]
    resident = people()
    page = resident.open(f"/resources/{salon.id}/correction")
    page.get_by_label("参加費").fill("参加費は300円になりました")
    page.get_by_label("ご意見・ほかに伝えたいこと（任意）").fill("4月から値上がりしました")
    page.get_by_role("button", name="送る").click()
    page.get_by_text("ありがとうございました").wait_for()
    assert "参加費は300円になりました" not in resident.open(f"/resources/{salon.id}").content()

    coordinator = people("coord_a")
    queue = coordinator.open("/staff/corrections")
    item = queue.locator("section.correction", has=queue.get_by_role("link", name=salon.name))
    assert (
        item.locator("textarea[name=field_fee_text]").input_value() == "参加費は300円になりました"
    )
    assert "4月から値上がりしました" in item.inner_text()
    both_widths(queue, "corrections")
    item.get_by_role("button", name="反映する").click()
    queue.wait_for_url(f"{town.site}/staff/resources/{salon.id}/edit")
    assert "反映しました" in queue.locator(".flash").inner_text()

    shown = resident.open(f"/resources/{salon.id}")
    assert "参加費は300円になりました" in shown.locator("dl.details").inner_text()
    assert public_resource(shown, town.site, salon.id)["properties"]["fee_text"] == (
        "参加費は300円になりました"
    )


def test_the_second_of_two_editors_is_told_and_loses_nothing(people, town):
    salon = town.salons[2]
    first, second = people("admin"), people("coord_a")
    mine = first.open(f"/staff/resources/{salon.id}/edit")
    theirs = second.open(f"/staff/resources/{salon.id}/edit")
    old_fee = theirs.locator("#f-fee_text").input_value()
    old_description = theirs.locator("#f-description").input_value()

    mine.locator("#f-fee_text").fill("無料になりました")
    mine.get_by_role("button", name="保存する").click()
    mine.wait_for_url(f"{town.site}/staff/resources/{salon.id}/edit")

    typed = "毎回ラジオ体操のあとにお茶会をします"
    theirs.locator("#f-description").fill(typed)
    theirs.get_by_role("button", name="保存する").click()
    alert = theirs.get_by_role("alert")
    alert.wait_for()
    assert "ほかの人が先にこの資源を変更したため、保存しませんでした" in alert.inner_text()
    assert theirs.locator("#f-description").input_value() == typed  # what they typed is kept
    row = alert.locator("tr", has_text="参加費")
    assert row.locator("td").all_inner_texts() == ["参加費", old_fee, "無料になりました"]
    both_widths(theirs, "conflict")

    with get_storage(town.app).reading() as session:
        stored = session.get(Resource, salon.id)
        assert stored.fee_text == "無料になりました"  # nothing was overwritten
        assert stored.description == old_description
        saved_version = stored.version
    assert saved_version >= 2

    # Saving again from that page is based on the newer version, and keeps the first change.
    theirs.get_by_role("button", name="保存する").click()
    theirs.wait_for_url(f"{town.site}/staff/resources/{salon.id}/edit")
    assert "保存しました" in theirs.locator(".flash").inner_text()
    with get_storage(town.app).reading() as session:
        stored = session.get(Resource, salon.id)
        assert stored.description == typed
        assert stored.fee_text == "無料になりました", "the other person's change stays"
        assert stored.version == saved_version + 1


def _pending_correction(town, rid: int) -> None:
    with get_storage(town.app).transaction() as session:
        corrections.submit(
            session, resource_id=rid, proposed={"fee_text": "100円（資料代）"},
            message="会場が2階に変わりました", contact="090-0000-1234", key="axe", per_hour=99,
        )  # fmt: skip


@pytest.mark.parametrize("viewport", [PC, PHONE], ids=["pc", "phone"])
def test_no_accessibility_violations_on_the_staff_pages(people, town, viewport):
    """axe-core with every WCAG 2.0–2.2 A/AA rule (target size included), every impact."""
    assert AXE.is_file(), "axe-core is installed by `make assets` (npm ci)"
    salon = town.salons[3]
    _pending_correction(town, salon.id)  # the queue with a diff, a message and a contact
    anonymous, coordinator = people(viewport=viewport), people("coord_a", viewport=viewport)
    pages = [
        (anonymous, "/staff/login"),
        (anonymous, f"/resources/{salon.id}/correction"),
        (coordinator, "/staff/"),
        (coordinator, f"/staff/resources/{salon.id}/edit"),
        (coordinator, "/staff/corrections"),
    ]
    problems = {}
    for person, path in pages:
        found = axe_violations(person.open(path))
        if found:
            problems[path] = found
    assert problems == {}
