"""What a person sees, in Debian's Chromium driven by Playwright, on the demo town: the maps,
the lists, accessibility (axe-core, WCAG 2.2 AA), hostile names, and the tasks of three people
(a resident on a phone, a family member far away, a coordinator printing for the 回覧板).
Pages are used once they say they are ready (``html[data-ready]``, and ``[data-map-ready]`` on
a map), never after "network idle"."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from mapapp import create_app
from mapapp.cli import main
from mapapp.storage import get_storage
from mapapp.text import normalize_line
from mapapp.web import public, query
from tests.browser_helpers import AXE, WCAG_22_AA, shot
from tests.conftest import payloads
from tests.resource_files import own_row, write_csv

pytestmark = pytest.mark.slow


MONDAY = dt.date(2026, 6, 8)
HELP = "さくら台町地域包括支援センター 0599-00-1111"
PUBLISHER = "さくら台町 福祉課"
# Everything a map shows, counted as a person reads it: one per single marker, and the
# number written on each cluster circle.
PLACES_ON_MAP = """(root) => {
  const map = (root || document).querySelector('.map-wrap') || document;
  const singles = [...map.querySelectorAll('.leaflet-marker-icon.map-marker')];
  const clusters = [...map.querySelectorAll('.map-cluster-inner > span:first-child')];
  return {
    singles: singles.map(m => m.className),
    total: singles.length + clusters.reduce((n, c) => n + Number(c.textContent), 0),
  };
}"""


def ready(page, path: str = "", site: str = ""):
    """Go to ``path`` (when given) and wait until the page, and its map if any, say ready."""
    if path:
        page.goto(site + path)
    page.wait_for_selector("html[data-ready]", state="attached")
    if page.locator("[data-map]").count():
        page.wait_for_selector("[data-map-ready]", state="attached")


def serve(tmp_path_factory, name: str, extra_csv=None, **config):
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
        {"DATABASE_URL": url, "SECRET_KEY": "t", "TILE_URL": "", **config},
        instance_path=directory,
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, app


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    # The pages' "today" is a Monday, so that 「今週」 is a whole week whatever day the tests
    # run on (the demo's salons meet on given weekdays).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(query, "today", lambda: MONDAY)
        patch.setattr(public, "today", lambda: MONDAY)
        server, app = serve(tmp_path_factory, "site", HELP_CONTACT=HELP, PUBLISHER=PUBLISHER)
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
    ready(page, f"/areas/{area_id(page, site, '桜ケ丘地区')}", site)
    rows = page.locator("ol.cards > li")
    assert rows.count() > 10
    on_map = page.evaluate(PLACES_ON_MAP)
    assert on_map["total"] == rows.count()  # clusters say how many places they hold
    # Tap clusters until places stand alone, then take a marker that nothing covers.
    for _ in range(4):
        if page.locator(".leaflet-marker-icon.map-marker").count():
            break
        clusters = page.locator(".map-cluster").count()
        page.locator(".map-cluster").first.click()
        page.wait_for_function(
            "n => document.querySelectorAll('.map-cluster').length !== n"
            " || document.querySelector('.leaflet-marker-icon.map-marker')",
            arg=clusters,
        )
    uncovered = page.evaluate(
        """() => [...document.querySelectorAll('.leaflet-marker-icon.map-marker')].findIndex(m => {
            const r = m.getBoundingClientRect();
            return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === m;
        })"""
    )
    marker = page.locator(".leaflet-marker-icon.map-marker").nth(uncovered)
    name = marker.get_attribute("title")
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert name and name in popup.inner_text()
    assert popup.locator("a").get_attribute("href").startswith("/resources/")


def test_filter_narrows_map_and_list_together(page, site):
    ready(page, f"/areas/{area_id(page, site, '中央地区')}", site)
    before = page.locator("ol.cards > li").count()
    page.get_by_text("条件でしぼりこむ").click()
    page.locator("input[name=kind][value=salon]").check()
    page.get_by_role("button", name="この条件で表示").click()
    page.wait_for_url(re.compile(r"kind=salon"))
    ready(page)
    after = page.locator("ol.cards > li").count()
    assert 0 < after < before
    on_map = page.evaluate(PLACES_ON_MAP)
    assert on_map["total"] == after
    assert all("kind-salon" in marker for marker in on_map["singles"])
    assert page.locator("#results").evaluate("e => e === document.activeElement")


def test_click_on_the_map_lists_nearby_in_distance_order(page, site):
    ready(page, "/near", site)
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(re.compile(r"/near\?lat=[\d.]+&lon=[\d.]+#results"))
    ready(page)
    texts = page.locator("ol.cards .distance").all_inner_texts()
    assert texts, "the middle of the town has resources within walking distance"
    metres = [_metres(t) for t in texts]
    assert metres == sorted(metres)
    assert page.evaluate(PLACES_ON_MAP)["total"] == len(texts)
    assert page.locator(".map-here").inner_text() == "ここ"


def _metres(text: str) -> float:
    km = re.search(r"約([\d.]+)km", text)
    return float(km.group(1)) * 1000 if km else float(re.search(r"約(\d+)m", text).group(1))


@pytest.mark.parametrize("typed", ["ふれあいかいかん", "ﾌﾚｱｲ会館"])
def test_search_box_finds_the_hall(page, site, typed):
    ready(page, "/", site)
    page.get_by_label("名前で探す").fill(typed)
    page.get_by_role("button", name="検索").click()
    page.wait_for_url(re.compile(r"/search\?q="))
    ready(page)
    assert "西山ふれあい会館" in page.locator("ol.cards").inner_text()


def public_paths(page, site) -> dict[str, str]:
    first = page.request.get(f"{site}/api/resources?kind=salon&limit=1").json()["features"][0]["id"]
    area = area_id(page, site, "中央地区")
    places = page.request.get(f"{site}/api/areas?layer=3").json()["features"]
    place = next(a["id"] for a in places if a["properties"]["name"] == "みなみ野一丁目")
    return {
        "home": "/",
        "area": f"/areas/{area}",
        "area-print": f"/areas/{area}/print",
        "resource": f"/resources/{first}",
        "near-start": "/near",
        "near": "/near?lat=35.040&lon=137.060",
        "near-place": f"/near?place={place}&kind=salon&weekday=6",
        "search": "/search?q=たいそう",
        "search-nothing": "/search?q=ぞうさんのすべりだい",
        "search-print": "/search/print?q=たいそう",
        "not-found": "/areas/99999",
    }


def test_screenshots_of_every_public_page(browser, site):
    for width, label in ((1366, "pc"), (390, "phone")):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="ja-JP")
        page = context.new_page()
        for name, path in public_paths(page, site).items():
            ready(page, path, site)
            shot(page, f"{name}-{label}", full_page=name.endswith("print"))
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{path} scrolls sideways at {width}px"
        context.close()


@pytest.mark.parametrize(("width", "label"), [(1366, "pc"), (390, "phone")])
def test_no_accessibility_violations_with_wcag_22_aa_rules(browser, site, width, label):
    """axe-core with every WCAG 2.0–2.2 A/AA rule (target size included), every impact."""
    assert AXE.is_file(), "axe-core is installed by `make assets` (npm ci)"
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    problems = {}
    for name, path in public_paths(page, site).items():
        ready(page, path, site)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
            "resultTypes: ['violations']})",
            WCAG_22_AA,
        )
        found = [
            f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes'][0]['target']}"
            for v in result["violations"]
        ]
        if found:
            problems[name] = found
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
    ready(page, "/near?lat=35.040&lon=137.0595&radius_m=1000&limit=200&kind=salon", hostile_site)
    listed = page.locator("ol.cards").inner_text()
    # Zoomed in far enough that no marker is in a cluster, to open each one's tooltip and
    # popup (the hostile rows lie in a line of about 800 m).
    page.evaluate(
        """() => window[document.querySelector('[data-map]').dataset.map]
            .setView([35.040, 137.0594], 17)"""
    )
    assert "<script>alert(1)</script>" in listed and "<img src=x onerror=alert(1)>" in listed
    # Open every marker's tooltip and popup from the keyboard (markers overlap on screen).
    popups, tooltips = set(), set()
    for marker in page.locator(".leaflet-marker-icon.map-marker").all():
        marker.focus()  # Leaflet opens the tooltip on focus
        tooltips.add(page.locator(".leaflet-tooltip").last.inner_text())
        page.keyboard.press("Enter")
        popups.add(page.locator(".leaflet-popup-content .popup-name").last.inner_text())
    assert popups >= {"<script>alert(1)</script>", "<img src=x onerror=alert(1)>"}
    assert tooltips >= {"<svg onload=alert(1)>", "</script><script>alert(1)</script>"}
    for rid in ids[:10]:
        page.goto(f"{hostile_site}/resources/{rid}")
    ready(page, "/search?q=script", hostile_site)
    assert dialogs == []
    assert (
        page.evaluate("document.querySelectorAll('img[src=\"x\"], iframe, object, embed').length")
        == 0
    )
    context.close()


# --- three people and their tasks, at a phone's width and a PC's ------------------------------

WIDTHS = [(390, "phone"), (1366, "pc")]
HOME_SALON_AREA = (35.040, 137.060)  # (lat, lon): the middle of 本町, where the resident lives


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] < page.viewport_size["height"]


def _date_of(text: str) -> dt.date:
    month, day = map(int, re.search(r"(\d+)月(\d+)日", text).groups())
    return dt.date(MONDAY.year, month, day)


@pytest.mark.parametrize(("width", "label"), WIDTHS)
def test_resident_finds_a_salon_to_walk_to_this_week_and_can_tap_its_phone(
    browser, site, width, label
):
    """A 78-year-old on a phone: 近くを探す → 現在地から探す → 今週 → a salon, its phone."""
    lat, lon = HOME_SALON_AREA
    context = browser.new_context(
        viewport={"width": width, "height": 844 if width < 800 else 900},
        locale="ja-JP",
        geolocation={"latitude": lat, "longitude": lon},
        permissions=["geolocation"],
        has_touch=width < 800,
    )
    page = context.new_page()
    ready(page, "/", site)
    page.get_by_role("link", name="近くを探す").first.click()
    ready(page)
    page.get_by_role("button", name="現在地から探す").click()
    page.wait_for_url(re.compile(r"/near\?lat=[\d.]+&lon=[\d.]+#results"))
    ready(page)
    heading = page.locator("#results")
    assert "から歩いて行ける通いの場" in heading.inner_text()
    assert _in_view(page, heading), "lands on the results, not on the top of the page"
    assert "歩いて25分、約1.5kmの範囲" in page.locator(".search-scope").inner_text()
    shot(page, f"persona-resident-results-{label}", full_page=False)

    page.get_by_text("条件でしぼりこむ").click()
    page.get_by_label("今週開催あり").check()
    page.get_by_role("button", name="この条件で表示").click()
    page.wait_for_url(re.compile(r"this_week=1.*#results"))
    ready(page)
    assert _in_view(page, page.locator("#results"))
    salon = page.locator("ol.cards > li", has=page.locator(".card-kind", has_text="サロン")).first
    salon.scroll_into_view_if_needed()
    next_date = _date_of(salon.locator("dt:text-is('次回') + dd").inner_text())
    assert MONDAY <= next_date <= MONDAY + dt.timedelta(days=6), "meets this week"
    walk = salon.locator(".distance").inner_text()
    assert re.fullmatch(r"徒歩\d+分（約\d+m）", walk) and int(re.search(r"\d+", walk).group()) <= 25
    phone = salon.locator("a.tel").first
    assert phone.is_visible() and phone.get_attribute("href").startswith("tel:0599")
    box = phone.bounding_box()
    assert box["height"] >= 44, "a finger can hit it"
    assert salon.locator("a.map-app").get_attribute("href").startswith("geo:")
    shot(page, f"persona-resident-salon-{label}", full_page=False)
    context.close()


@pytest.mark.parametrize(("width", "label"), WIDTHS)
def test_family_member_finds_meals_delivered_to_a_parents_address(browser, site, width, label):
    """Far away, looking for 配食 for a mother in みなみ野一丁目 (南部地区)."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ja-JP")
    page = context.new_page()
    ready(page, "/near", site)
    page.get_by_label("町名から探す").select_option(label="みなみ野一丁目")
    page.get_by_role("button", name="探す", exact=True).click()
    page.wait_for_url(re.compile(r"place=\d+#results"))
    ready(page)
    assert page.locator("#results").inner_text().startswith("みなみ野一丁目から")
    section = page.locator("section.served")
    assert "お住まいの地区で使える 配食・送迎など" in section.locator("h2").inner_text()
    meals = section.locator("li", has=page.locator(".served-kind", has_text="配食"))
    names = meals.locator(".served-name a").all_inner_texts()
    assert {"社協配食サービス", "宅配弁当はなまる亭", "ふれあい給食南部"} <= {
        n.strip() for n in names
    }
    assert "まごころ弁当" not in section.inner_text()  # it serves other 地区 only
    for i in range(meals.count()):
        assert meals.nth(i).locator("a.tel").get_attribute("href").startswith("tel:")
    section.scroll_into_view_if_needed()
    shot(page, f"persona-family-meals-{label}", full_page=False)
    context.close()


@pytest.mark.parametrize(("width", "label"), WIDTHS)
def test_coordinator_prints_an_areas_gatherings_for_the_kairanban(browser, site, width, label):
    """A coordinator prints 中央地区's 通いの場 with the date, publisher and contact."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ja-JP")
    page = context.new_page()
    ready(page, f"/areas/{area_id(page, site, '中央地区')}", site)
    page.get_by_role("link", name="通いの場だけ").click()
    page.wait_for_url(re.compile(r"kind=.*#results"))
    ready(page)
    gatherings = page.locator("ol.cards > li").count()
    page.get_by_role("link", name="印刷用の一覧（A4）").click()
    page.wait_for_url(re.compile(r"/print\?kind="))
    ready(page)
    title = page.locator("h1").inner_text()
    printed = page.locator("ol.print-list > li").count()
    assert title == f"中央地区の通いの場 {printed}件" and printed == gatherings
    head = page.locator(".print-head").inner_text()
    assert "2026年6月8日現在" in head and f"発行: {PUBLISHER}" in head and HELP in head
    body = page.locator("ol.print-list").inner_text()
    assert "次回" not in body and re.search(r"6月 \d+日\([月火水木金土日]", body)
    assert page.get_by_role("button", name="印刷する").is_visible()
    assert page.get_by_role("link", name="← 一覧に戻る").get_attribute("href").startswith("/areas/")
    page.emulate_media(media="print")
    assert not page.locator(".print-toolbar").is_visible()
    shot(page, f"persona-coordinator-print-{label}")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type/Page") >= 1
    context.close()


def test_ctrl_p_on_a_list_page_prints_the_list_cleanly(page, site):
    ready(page, f"/areas/{area_id(page, site, '中央地区')}", site)
    page.emulate_media(media="print")
    for hidden in (".site-header", ".filters-box", ".map-wrap", ".kind-switch", ".page-tools"):
        assert not page.locator(hidden).first.is_visible(), hidden
    info = page.locator(".print-info")
    assert info.is_visible() and "2026年6月8日現在" in info.inner_text()
    assert PUBLISHER in info.inner_text() and HELP in info.inner_text()
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert all(page.locator("details.kind-group").evaluate_all("ds => ds.map(d => d.open)"))
    shot(page, "ctrl-p-area-pc")
