"""What a person sees, in Debian's Chromium driven by Playwright, on the demo town."""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from mapapp import create_app
from mapapp.cli import main
from mapapp.storage import get_storage
from mapapp.text import normalize_line
from tests.conftest import ROOT, payloads
from tests.resource_files import own_row, write_csv

pytestmark = pytest.mark.slow
SCREENSHOTS = Path(os.environ.get("MAPAPP_SCREENSHOTS", ROOT / "test-output" / "screenshots"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def serve(tmp_path_factory, name: str, extra_csv=None):
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    directory = tmp_path_factory.mktemp(name)
    url = f"sqlite:///{directory / 'db.sqlite3'}"
    env = {
        "MAPAPP_DATABASE_URL": url,
        "MAPAPP_SECRET_KEY": "t",
        "MAPAPP_INSTANCE_PATH": str(directory),
    }
    assert CliRunner().invoke(main, ["demo"], env=env).exit_code == 0
    if extra_csv:
        result = CliRunner().invoke(main, ["import-resources", str(extra_csv(directory))], env=env)
        assert result.exit_code == 0, result.output
    # No tiles: the test machine has no internet, and the map must work without them.
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "t", "TILE_URL": ""}, instance_path=directory
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, app


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    server, app = serve(tmp_path_factory, "site")
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    get_storage(app).dispose()


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    def hostile_csv(directory):
        rows = [
            own_row(出典ID=f"x{i}", 名称=p, 会場=p, 運営団体=p, 開催日時=p, 参加費=p, 住所=p,
                    種別="サロン", 緯度="35.040", 経度=f"{137.055 + i * 0.0002:.4f}")
            for i, p in enumerate(payloads())
        ]  # fmt: skip
        return write_csv(directory / "hostile.csv", rows)

    server, app = serve(tmp_path_factory, "hostile", hostile_csv)
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    get_storage(app).dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is installed by `make test`"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ja-JP")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == []


def area_id(page, site, name: str) -> int:
    areas = page.request.get(f"{site}/api/areas?layer=2").json()["features"]
    return next(a["id"] for a in areas if a["properties"]["name"] == name)


def test_area_page_markers_match_the_list_and_open_popups(page, site):
    page.goto(f"{site}/areas/{area_id(page, site, '桜ケ丘地区')}")
    rows = page.locator("ol.cards > li")
    markers = page.locator(".leaflet-marker-icon")
    assert rows.count() > 10
    assert markers.count() == rows.count()
    # Several services share a building, so take a marker that nothing covers.
    uncovered = page.evaluate(
        """() => [...document.querySelectorAll('.leaflet-marker-icon')].findIndex(m => {
            const r = m.getBoundingClientRect();
            return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === m;
        })"""
    )
    marker = markers.nth(uncovered)
    name = marker.get_attribute("title")
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert name and name in popup.inner_text()
    assert popup.locator("a").get_attribute("href").startswith("/resources/")


def test_filter_narrows_map_and_list_together(page, site):
    page.goto(f"{site}/areas/{area_id(page, site, '中央地区')}")
    before = page.locator("ol.cards > li").count()
    page.get_by_text("条件でしぼりこむ").click()
    page.locator("input[name=kind][value=salon]").check()
    page.get_by_role("button", name="この条件で表示").click()
    page.wait_for_load_state()
    after = page.locator("ol.cards > li").count()
    assert 0 < after < before
    assert page.locator(".leaflet-marker-icon").count() == after
    assert page.locator(".leaflet-marker-icon.kind-salon").count() == after


def test_click_on_the_map_lists_nearby_in_distance_order(page, site):
    page.goto(f"{site}/near")
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(re.compile(r"/near\?lat=[\d.]+&lon=[\d.]+"))
    texts = page.locator("ol.cards .distance").all_inner_texts()
    assert texts, "the middle of the town has resources within walking distance"
    metres = [_metres(t) for t in texts]
    assert metres == sorted(metres)
    assert page.locator(".leaflet-marker-icon").count() == len(texts)


def _metres(text: str) -> float:
    km = re.search(r"約([\d.]+)km", text)
    return float(km.group(1)) * 1000 if km else float(re.search(r"約(\d+)m", text).group(1))


@pytest.mark.parametrize("typed", ["ふれあいかいかん", "ﾌﾚｱｲ会館"])
def test_search_box_finds_the_hall(page, site, typed):
    page.goto(site)
    page.get_by_label("名前で探す").fill(typed)
    page.get_by_role("button", name="検索").click()
    page.wait_for_url(re.compile(r"/search\?q="))
    assert "西山ふれあい会館" in page.locator("ol.cards").inner_text()


def public_paths(page, site) -> dict[str, str]:
    first = page.request.get(f"{site}/api/resources?kind=salon&limit=1").json()["features"][0]["id"]
    area = area_id(page, site, "中央地区")
    return {
        "home": "/",
        "area": f"/areas/{area}",
        "area-print": f"/areas/{area}/print",
        "resource": f"/resources/{first}",
        "near": "/near?lat=35.040&lon=137.060",
        "search": "/search?q=たいそう",
        "search-print": "/search/print?q=たいそう",
    }


def test_screenshots_of_every_public_page(browser, site):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, label in ((1366, "pc"), (390, "phone")):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="ja-JP")
        page = context.new_page()
        for name, path in public_paths(page, site).items():
            page.goto(site + path)
            page.wait_for_load_state("networkidle")
            target = SCREENSHOTS / f"{name}-{label}.png"
            page.screenshot(path=str(target), full_page=name.endswith("print"))
            assert target.stat().st_size > 10_000
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{path} scrolls sideways at {width}px"
        context.close()


def test_no_serious_accessibility_violations(browser, site):
    assert AXE.is_file(), "axe-core is installed by `make assets` (npm ci)"
    context = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    page = context.new_page()
    problems = {}
    for name, path in public_paths(page, site).items():
        page.goto(site + path)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        serious = [
            f"{v['id']}: {v['help']} ({len(v['nodes'])})"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            problems[name] = serious
    context.close()
    assert problems == {}


def test_hostile_names_stay_text_and_run_no_script(browser, hostile_site):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    hostile = page.request.get(
        f"{hostile_site}/api/resources?near=35.04,137.0595&radius_m=1000&limit=200"
    ).json()
    texts = {normalize_line(p) for p in payloads()}
    ids = [f["id"] for f in hostile["features"] if f["properties"]["name"] in texts]
    assert len(ids) == len(texts)
    page.goto(f"{hostile_site}/near?lat=35.040&lon=137.0595&radius_m=1000&limit=200")
    page.wait_for_load_state("networkidle")
    listed = page.locator("ol.cards").inner_text()
    assert "<script>alert(1)</script>" in listed and "<img src=x onerror=alert(1)>" in listed
    # Open every marker's tooltip and popup from the keyboard (markers overlap on screen).
    popups, tooltips = set(), set()
    for marker in page.locator(".leaflet-marker-icon").all():
        marker.focus()  # Leaflet opens the tooltip on focus
        tooltips.add(page.locator(".leaflet-tooltip").last.inner_text())
        page.keyboard.press("Enter")
        popups.add(page.locator(".leaflet-popup-content .popup-name").last.inner_text())
    assert popups >= {"<script>alert(1)</script>", "<img src=x onerror=alert(1)>"}
    assert tooltips >= {"<svg onload=alert(1)>", "</script><script>alert(1)</script>"}
    for rid in ids[:10]:
        page.goto(f"{hostile_site}/resources/{rid}")
    page.goto(f"{hostile_site}/search?q=script")
    page.wait_for_timeout(300)
    assert dialogs == []
    assert (
        page.evaluate("document.querySelectorAll('img[src=\"x\"], iframe, object, embed').length")
        == 0
    )
    context.close()
