"""The resident pages answer 「いつ・どこ・だれに電話」, never say a false "nothing here", land on
the results, find services by the area they serve, and print for the 回覧板: rendered by Flask
on the demo town and on the real 湖西市 data (no browser)."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from click.testing import CliRunner

from mapapp import create_app
from mapapp.cli import main
from mapapp.schedule import parse_resource_schedule
from mapapp.storage import get_storage
from mapapp.web.query import today
from tests.conftest import KOSAI, require_shared
from tests.resource_files import own_row, write_csv

HELP = "さくら台町地域包括支援センター 0599-00-1111"
PUBLISHER = "さくら台町 福祉課"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    directory = tmp_path_factory.mktemp("resident-demo")
    url = f"sqlite:///{directory / 'demo.sqlite3'}"
    result = CliRunner().invoke(
        main, ["demo"], env={"MAPAPP_DATABASE_URL": url, "MAPAPP_SECRET_KEY": "t"}
    )
    assert result.exit_code == 0, result.output
    return url, directory


def make_client(url, directory, **config):
    app = create_app(
        {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "t", **config},
        instance_path=directory,
    )
    return app


@pytest.fixture(scope="module")
def demo(demo_db):
    app = make_client(*demo_db, HELP_CONTACT=HELP, PUBLISHER=PUBLISHER)
    yield app.test_client()
    get_storage(app).dispose()


@pytest.fixture(scope="module")
def kosai_site(tmp_path_factory):
    require_shared()
    directory = tmp_path_factory.mktemp("resident-kosai")
    url = f"sqlite:///{directory / 'kosai.sqlite3'}"
    env = {"MAPAPP_DATABASE_URL": url, "MAPAPP_SECRET_KEY": "t"}
    runner = CliRunner()
    areas = runner.invoke(
        main,
        ["import-areas", str(KOSAI / "elementary_school_districts.geojson"), "--layer", "2",
         "--kind", "小学校区", "--name-field", "school_name"],
        env=env,
    )  # fmt: skip
    assert areas.exit_code == 0, areas.output
    rows = runner.invoke(
        main, ["import-resources", str(KOSAI / "resources_caremap2.csv"), "--skip-invalid"], env=env
    )
    assert rows.exit_code == 0, rows.output
    app = create_app(
        {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "t", "MUNICIPALITY_NAME": "湖西市",
         "HELP_CONTACT": "湖西市 長寿介護課 053-576-1111"},
        instance_path=directory,
    )  # fmt: skip
    yield app.test_client()
    get_storage(app).dispose()


def ids_by_name(client, layer: int) -> dict[str, int]:
    areas = client.get(f"/api/areas?layer={layer}").get_json()["features"]
    return {a["properties"]["name"]: a["id"] for a in areas}


def resources(client, query: str = "") -> list[dict]:
    return client.get(f"/api/resources?limit=500{query}").get_json()["features"]


def cards(html: str) -> dict[str, str]:
    """{resource id: the card's HTML}."""
    found = re.findall(r'<li class="card[^"]*" id="r(\d+)">(.*?)</li>\n', html, re.DOTALL)
    return dict(found)


def text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# --- いつ・どこ・だれに電話 ---------------------------------------------------------------


def test_every_card_has_its_phone_as_a_tel_link_and_a_map_app_link(demo):
    area = ids_by_name(demo, 2)["中央地区"]
    for path in (f"/areas/{area}", "/near?place=10", "/search?q=サロン"):
        html = demo.get(path).get_data(as_text=True)
        found = cards(html)
        assert len(found) >= 5, path
        for rid, card in found.items():
            contact = demo.get(f"/api/resources/{rid}").get_json()["properties"]["public_contact"]
            digits = re.sub(r"\D", "", contact)
            assert f'href="tel:{digits}"' in card, (path, rid)
            assert re.search(r'<a class="map-app" href="geo:[0-9.]+,[0-9.]+\?q=', card), (path, rid)


def test_a_place_without_contact_or_dates_says_whom_to_ask(tmp_path, storage, taxonomy, app):
    from mapapp.importing.resources import import_resources

    rows = [own_row(出典ID="q", 名称="名無しサロン", 開催日時="", 連絡先="", 住所="湖西市鷲津1")]
    import_resources(storage, write_csv(tmp_path / "q.csv", rows), taxonomy)
    app.config.update(HELP_CONTACT="湖西市社会福祉協議会 053-576-0000")
    rid = resources(app.test_client())[0]["id"]
    for path in (f"/resources/{rid}", "/search?q=名無しサロン"):
        page = text(app.test_client().get(path).get_data(as_text=True))
        assert "日時は主催者にお問い合わせください" in page, path
        assert "登録がありません。湖西市社会福祉協議会 053-576-0000 にお問い合わせください" in page
    html = app.test_client().get(f"/resources/{rid}").get_data(as_text=True)
    assert 'href="tel:0535760000"' in html


def test_services_show_their_opening_days_and_a_fee_is_a_fee_only_for_a_gathering(kosai_site):
    found = resources(kosai_site, "&q=湖西市社協介護センターあらい")
    office = next(f for f in found if f["properties"]["kind"] == "houmon_kaigo")
    html = kosai_site.get(f"/resources/{office['id']}").get_data(as_text=True)
    assert "<dt>次回</dt>" not in html
    assert "<dt>受付日</dt>" in html or "8時30分～17時15分" in html
    demo_area = kosai_site.get("/search?q=サロン").get_data(as_text=True)
    assert "<dt>料金</dt>" not in "".join(
        c for c in cards(demo_area).values() if "サロン" in c.split("</a>")[0]
    )


# --- lists: 通いの場 first, 五十音, one card per place --------------------------------------


def test_area_list_puts_gatherings_first_then_groups_in_reading_order(demo):
    area = ids_by_name(demo, 2)["中央地区"]
    html = demo.get(f"/areas/{area}").get_data(as_text=True)
    groups = re.findall(r'<details class="kind-group" id="group-(\w+)"( open)?>', html)
    assert groups[0] == ("kayoi", " open") and len(groups) >= 3
    assert all(not opened for _, opened in groups[1:])  # the rest folded under 通いの場
    kayoi = html.split('id="group-kayoi"', 1)[1].split("</details>", 1)[0]
    listed = list(cards(kayoi))
    by_id = {str(f["id"]): f["properties"] for f in resources(demo, f"&area={area}")}
    readings = [by_id[i]["kana"] for i in listed]
    assert all(readings) and readings == sorted(readings)


def test_one_place_listed_per_service_is_one_card_naming_its_services(kosai_site):
    districts = ids_by_name(kosai_site, 2)
    html = kosai_site.get(f"/areas/{districts['新居小学校']}").get_data(as_text=True)
    names = re.findall(
        r'<h3 class="card-title">.*?<a href="/resources/\d+">([^<]+)</a>', html, re.S
    )
    assert names.count("あらいデイサービスセンター") == 1
    card = next(c for c in cards(html).values() if ">あらいデイサービスセンター<" in c)
    services = re.findall(r'<li(?: id="r\d+")?><a href="/resources/\d+">([^<]+)</a>', card)
    assert len(services) == 4
    assert any("通所型サービスA" in s for s in services)


def test_the_source_kind_is_shown_where_it_tells_entries_apart(kosai_site):
    districts = ids_by_name(kosai_site, 2)
    page = text(kosai_site.get(f"/areas/{districts['鷲津小学校']}").get_data(as_text=True))
    assert "医療機関（内科" in page  # clinics differ by 診療科
    assert "サロン（一般介護予防" not in page and "いきいきサロン）" not in page  # all the same


# --- never a false "nothing here" ------------------------------------------------------------


def test_a_date_filter_that_leaves_nothing_says_how_many_have_no_dates(demo):
    place = ids_by_name(demo, 3)["本町二丁目"]
    base = demo.get(f"/near?place={place}&kind=salon").get_data(as_text=True)
    assert cards(base)
    near = demo.get(f"/api/resources?kind=salon&near={_here(demo, place)}&radius_m=1500").get_json()
    undated = [
        f for f in near["features"]
        if not parse_resource_schedule(f["properties"]["schedule_text"], f["properties"]["closed_text"]).rules
    ]  # fmt: skip
    assert undated, "the demo town has salons whose dates nobody wrote (不定期, 週１回以上)"
    for weekday in range(7):
        html = demo.get(f"/near?place={place}&kind=salon&weekday={weekday}").get_data(as_text=True)
        page = text(html)
        message = f"日時が登録されていない サロン が近くに {len(undated)} 件あります"
        assert message in page, weekday
        if not cards(html):
            assert "この条件に合うものは見つかりませんでした" in page
            assert "もっと広く探す" in page and "地区の一覧から探す" in page
            assert HELP in page


def _here(client, place_id: int) -> str:
    html = client.get(f"/near?place={place_id}").get_data(as_text=True)
    lat, lon = re.search(r"center: \[([\d.]+), ([\d.]+)\]", html).groups()
    return f"{float(lat):.6f},{float(lon):.6f}"


def test_a_search_that_finds_nothing_suggests_the_next_step(demo):
    page = text(demo.get("/search?q=ぞうさんのすべりだい").get_data(as_text=True))
    assert "見つかりませんでした" in page
    assert "近くを探す" in page and "地区の一覧から探す" in page and HELP in page
    html = demo.get("/search?q=ふれあい&weekday=6&free=1&pickup=1").get_data(as_text=True)
    assert not cards(html)
    broader = len(resources(demo, "&q=ふれあい"))
    assert f"条件を外すと「ふれあい」は {broader} 件あります。 条件を外して見る" in text(html)


# --- results first, 「ここ」, 通いの場 by default ---------------------------------------------


def test_near_lands_on_the_results_says_where_from_and_how_far(demo):
    place = ids_by_name(demo, 3)["本町二丁目"]
    html = demo.get(f"/near?place={place}").get_data(as_text=True)
    assert 'action="/near#results"' in html  # the 町名 form and the filters land on the list
    heading = re.search(r'<h2 id="results" tabindex="-1"[^>]*>(.*?)</h2>', html, re.S).group(1)
    assert text(heading).startswith("本町二丁目から歩いて行ける通いの場")
    assert "歩いて25分、約1.5kmの範囲" in text(html)
    assert html.index('id="results"') < html.index('class="map-wrap"')  # the map after the list
    assert f'"html": {json.dumps("ここ")}' in html and '"className": "map-here"' in html
    assert re.search(r"L\.circle\(\s*\[[\d., ]+\],\s*\{[^}]*\"radius\": 1500", html)


def test_near_lists_gatherings_unless_other_kinds_are_chosen(demo):
    place = ids_by_name(demo, 3)["本町二丁目"]
    default = demo.get(f"/near?place={place}").get_data(as_text=True)
    kinds = {
        demo.get(f"/api/resources/{rid}").get_json()["properties"]["kind"] for rid in cards(default)
    }
    gatherings = {"salon", "ibasho", "taiso", "ninchisho_cafe", "yobo_kyoten", "mini_day", "yoriai"}
    assert kinds and kinds <= gatherings
    everything = re.search(r'<a class="switch" href="([^"]+)"[^>]*>すべての種類</a>', default)
    wide = demo.get(unescape(everything.group(1)).split("#")[0]).get_data(as_text=True)
    assert len(cards(wide)) > len(cards(default))
    assert 'aria-current="true">通いの場だけ</a>' in default
    assert "ほかの種類" in default  # the full list of kinds is folded behind it


def test_maps_have_a_legend_clusters_from_static_and_no_other_host(demo):
    area = ids_by_name(demo, 2)["中央地区"]
    html = demo.get(f"/areas/{area}").get_data(as_text=True)
    legend = html.split('class="legend"', 1)[1].split("</div>", 1)[0]
    assert "サロン" in legend and 'class="symbol kind-salon symbol-round"' in legend
    assert "/static/vendor/markercluster/leaflet.markercluster.js" in html
    assert "L.markerClusterGroup(" in html and "mapapp.clusterIcon" in html
    assert "cdnjs" not in html and "L.control.layers" not in html
    assert "地図は JavaScript を使って表示します" in html  # inside <noscript>


# --- services that come to you ---------------------------------------------------------------


def test_meals_are_found_by_the_area_they_serve_not_by_distance(demo):
    place = ids_by_name(demo, 3)["みなみ野一丁目"]  # in 南部地区
    html = demo.get(f"/near?place={place}").get_data(as_text=True)
    served = text(html.split('id="served-heading"', 1)[1].split("</section>", 1)[0])
    assert "お住まいの地区で使える 配食・送迎など" in text(html)
    for name in ("社協配食サービス", "宅配弁当はなまる亭", "ふれあい給食南部"):
        assert name in served, name
    assert "まごころ弁当" not in served  # serves 中央・川北・桜ケ丘 only
    area = demo.get(f"/areas/{ids_by_name(demo, 2)['中央地区']}").get_data(as_text=True)
    assert "まごころ弁当" in text(area.split('id="served-heading"', 1)[1])


def test_without_chome_near_offers_no_school_districts_and_says_when_outside(kosai_site):
    html = kosai_site.get("/near").get_data(as_text=True)
    assert 'name="place"' not in html and "小学校" not in text(html.split("</h1>", 1)[1])
    outside = text(kosai_site.get("/near?lat=34.80&lon=137.40").get_data(as_text=True))
    assert "この場所は湖西市の区域の外です" in outside


# --- dates you can trust -----------------------------------------------------------------------


def test_flagged_or_missing_dates_never_show_a_next_date(kosai_site):
    districts = ids_by_name(kosai_site, 2)
    html = kosai_site.get(f"/areas/{districts['鷲津小学校']}").get_data(as_text=True)
    for rid, card in cards(html).items():
        feature = kosai_site.get(f"/api/resources/{rid}").get_json()["properties"]
        if (
            not feature["schedule_text"]
            and not feature["closed_text"]
            and feature["status"] == "active"
        ):
            assert "日時は主催者にお問い合わせください" in card and "<dt>次回</dt>" not in card


# --- print for the 回覧板 ------------------------------------------------------------------------


def test_print_has_title_with_filter_date_publisher_contact_and_month_dates(demo):
    area = ids_by_name(demo, 2)["中央地区"]
    page = demo.get(f"/areas/{area}").get_data(as_text=True)
    gatherings = unescape(
        re.search(r'<a class="switch" href="([^"]+)"[^>]*>通いの場だけ', page).group(1)
    )
    kinds = gatherings.split("kind=", 1)[1].split("#")[0]
    html = demo.get(f"/areas/{area}/print?kind={kinds}").get_data(as_text=True)
    printed = text(html)
    listed = len(re.findall(r'<span class="num">', html))
    assert re.search(rf"<h1>中央地区の通いの場 {listed}件</h1>", html)
    day = today()
    assert f"{day.year}年{day.month}月{day.day}日現在" in printed
    assert f"発行: {PUBLISHER}" in printed and f"問い合わせ先: {HELP}" in printed
    assert "次回" not in printed
    assert re.search(rf"{day.month}月 \d+日\([月火水木金土日]", printed)  # this month's dates
    assert "@top-left" in html and "@bottom-left" in html  # on every printed page


def test_print_uses_only_the_configured_address_never_the_host_header(demo_db, demo):
    area = ids_by_name(demo, 2)["西山地区"]
    forged = {"Host": "evil.example"}
    html = demo.get(f"/areas/{area}/print", headers=forged).get_data(as_text=True)
    assert "evil.example" not in html and "<svg" in html
    assert "QRコードとアドレスは印刷されません" in html and "最新の情報を見る" not in html
    app = make_client(*demo_db, PUBLIC_URL="https://map.example.lg.jp")
    html = app.test_client().get(f"/areas/{area}/print", headers=forged).get_data(as_text=True)
    get_storage(app).dispose()
    assert "evil.example" not in html and "最新の情報を見る" in html
    assert f"https://map.example.lg.jp/areas/{area}" in html


def test_print_page_margin_texts_cannot_break_out_of_the_style(demo_db):
    app = make_client(*demo_db, PUBLISHER='x"; } </style><script>alert(1)</script>')
    area = ids_by_name(app.test_client(), 2)["西山地区"]
    html = app.test_client().get(f"/areas/{area}/print").get_data(as_text=True)
    get_storage(app).dispose()
    style = html.split("<style", 1)[1].split("</style>", 1)[0]
    for value in re.findall(r'content: "([^"]*)"', style):
        assert re.fullmatch(r"[A-Za-z0-9 \\]*", value), value
    assert "&lt;/style&gt;&lt;script&gt;" in html  # shown as text on the page


# --- smaller things ------------------------------------------------------------------------------


def test_words_residents_read(demo, kosai_site):
    districts = ids_by_name(kosai_site, 2)
    washizu = kosai_site.get(f"/areas/{districts['鷲津小学校']}").get_data(as_text=True)
    assert "<h1>鷲津小学校区" in washizu and "鷲津小学校区にある" in washizu
    assert (
        "<title>鷲津小学校区の通いの場・相談窓口・サービス | 湖西市 地域ささえあいマップ</title>"
        in washizu
    )
    first = resources(demo)[0]["id"]
    area = ids_by_name(demo, 2)["中央地区"]
    for path in (
        "/",
        f"/areas/{area}",
        f"/resources/{first}",
        "/near",
        "/near?place=10",
        "/search?q=体操",
    ):
        page = text(demo.get(path).get_data(as_text=True))
        assert "資源" not in page and "クリック" not in page, path


def test_home_links_outside_places_and_names_the_town(kosai_site):
    html = kosai_site.get("/").get_data(as_text=True)
    assert '<a href="#outside">区域外</a>' in html and 'id="outside"' in html
    assert "横山会館" in text(html.split('id="outside"', 1)[1])
    assert "<title>湖西市 地域ささえあいマップ</title>" in html
    assert 'data-label="通いの場"' in html  # the table folds into blocks on a phone


def test_bad_values_name_the_parameter_in_japanese(demo):
    page = text(demo.get("/areas/1?weekday=9").get_data(as_text=True))
    assert "曜日" in page and "前のページに戻って" in page
