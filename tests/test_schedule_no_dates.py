"""A schedule text a person must check publishes no dates anywhere: resource and area pages
(also printed), the JSON API, .ics files, and the date, 今週 and weekday filters. The page
shows the text as written with 「日程は主催者にご確認ください」."""

from __future__ import annotations

import datetime as dt
import re

import icalendar
import pytest
from markupsafe import escape
from sqlalchemy import select

from mapapp.importing.resources import import_resources
from mapapp.models import Resource, ScheduleRule
from mapapp.schedule import parse_resource_schedule
from mapapp.web.query import today
from tests.resource_files import own_row, write_csv

CHECK = "日程は主催者にご確認ください"
# (source key, 開催日時, 休み): every one carries a reason for review.
UNSURE = [
    ("hours", "10:00～15:00", "年末年始"),  # hours without days: never 「毎日」
    ("note-first", "※3月は第2土曜日 毎月第3土曜日", ""),
    ("may-change", "第1・第3火曜日 ※変更の場合あり", ""),
    ("weekend-holidays", "土日祝 10:00～15:00（変更あり）", ""),  # no 祝日 meetings either
    ("every-other", "隔週水曜日 10時～", ""),
    ("closed-column", "", "毎月第4水曜日（ひまわりカフェ）<br>毎月第4木曜日（in表鷲津）"),
    ("contradiction", "第2土曜日", "土日祝"),
    ("daily-oyasumi", "毎日 10時～16時 ※8月はおやすみ", ""),
]
SURE = ("daily", "毎日 9:00～17:00", "")  # meets every day: the filters are not empty


@pytest.fixture
def town(tmp_path, storage, taxonomy, cli, crossing_layers):
    cli("import-areas", crossing_layers["junior"], "--layer", "2", "--kind", "中学校区")
    rows = [
        own_row(出典ID=key, 名称=f"サロン{key}", 開催日時=text, 休み=closed, 経度="137.51")
        for key, text, closed in [*UNSURE, SURE]
    ]
    import_resources(storage, write_csv(tmp_path / "town.csv", rows), taxonomy)
    with storage.reading() as session:
        ids = {r.source_key: r.id for r in session.scalars(select(Resource))}
    assert set(ids) == {key for key, _, _ in [*UNSURE, SURE]}
    return ids


@pytest.fixture
def area_id(client, town):
    areas = client.get("/api/areas").get_json()["features"]
    return next(a["id"] for a in areas if a["properties"]["name"] == "西中学校区")


def unsure_ids(town) -> set[int]:
    return {town[key] for key, _, _ in UNSURE}


def details(page: str) -> str:
    """The resource page's own facts, without the cards of the resources nearby."""
    return page.split('<dl class="details">', 1)[1].split("</dl>", 1)[0]


def card_html(page: str, resource_id: int) -> str | None:
    found = re.search(rf'<li class="card[^"]*" id="r{resource_id}">(.*?)</li>', page, re.DOTALL)
    return found.group(1) if found else None


def test_every_unsure_text_has_a_reason_and_no_rules(town, storage):
    for _key, text, closed in UNSURE:
        schedule = parse_resource_schedule(text, closed)
        assert schedule.needs_review and schedule.rules == (), (text, closed)
    with storage.reading() as session:
        rows = {r.id: r for r in session.scalars(select(Resource))}
        ruled = set(session.scalars(select(ScheduleRule.resource_id)))
    for rid in unsure_ids(town):
        assert rows[rid].schedule_review and rows[rid].open_weekdays == 0
        assert rid not in ruled
    assert town[SURE[0]] in ruled


def test_resource_page_shows_the_text_and_asks_to_check_but_no_date(client, town):
    for key, _text, _closed in UNSURE:
        rid = town[key]
        facts = details(client.get(f"/resources/{rid}").get_data(as_text=True))
        assert "次回" not in facts and CHECK in facts, key
        feature = client.get(f"/api/resources/{rid}").get_json()["properties"]
        for written in (feature["schedule_text"], feature["closed_text"]):
            for line in filter(None, written.split("\n")):
                assert str(escape(line)) in facts, (key, line)
    sure = details(client.get(f"/resources/{town[SURE[0]]}").get_data(as_text=True))
    assert "次回" in sure and CHECK not in sure


def test_api_resources_carry_no_dates(client, town):
    for rid in unsure_ids(town):
        properties = client.get(f"/api/resources/{rid}").get_json()["properties"]
        assert not {k for k in properties if "next" in k or "rule" in k or "occurr" in k}
    listing = client.get("/api/resources?limit=100").get_json()["features"]
    assert unsure_ids(town) <= {f["id"] for f in listing}  # listed, only without dates


def test_date_week_and_weekday_filters_leave_them_out(client, town, area_id):
    def api(query: str) -> set[int]:
        return {
            f["id"] for f in client.get(f"/api/resources?{query}&limit=100").get_json()["features"]
        }

    def area(query: str) -> set[int]:
        page = client.get(f"/areas/{area_id}?{query}").get_data(as_text=True)
        return {int(n) for n in re.findall(r'<li class="card[^"]*" id="r(\d+)"', page)}

    sure = town[SURE[0]]
    start = today()
    for offset in range(0, 400, 3):  # every weekday, 祝日 and 年末年始 of more than a year
        day = (start + dt.timedelta(days=offset)).isoformat()
        found = api(f"date={day}")
        assert sure in found and not found & unsure_ids(town), day
    for day in (start, start + dt.timedelta(days=1), start + dt.timedelta(days=45)):
        found = area(f"date={day.isoformat()}")
        assert sure in found and not found & unsure_ids(town), day
    for query in ("this_week=1", *(f"weekday={w}" for w in range(7))):
        for found in (api(query), area(query)):
            assert sure in found and not found & unsure_ids(town), query
    everything = area("")
    assert unsure_ids(town) <= everything  # unfiltered, they are listed with their text


def test_area_page_and_print_cards_show_no_date_for_them(client, town, area_id):
    page = client.get(f"/areas/{area_id}").get_data(as_text=True)
    for rid in unsure_ids(town):
        card = card_html(page, rid)
        assert card is not None and "次回" not in card and CHECK in card, rid
    assert "次回" in card_html(page, town[SURE[0]])
    printed = client.get(f"/areas/{area_id}/print").get_data(as_text=True)
    for key, _text, _closed in UNSURE:
        entry = printed.split(f"サロン{key}<", 1)[1].split("</li>", 1)[0]
        assert "次回" not in entry and CHECK in entry, key


def test_calendars_have_no_events_for_them(client, town, area_id):
    for rid in unsure_ids(town):
        body = client.get(f"/resources/{rid}.ics").get_data(as_text=True)
        assert "BEGIN:VEVENT" not in body, rid
    calendar = icalendar.Calendar.from_ical(client.get(f"/areas/{area_id}.ics").data)
    uids = {str(event["UID"]) for event in calendar.walk("VEVENT")}
    assert uids == {f"resource-{town[SURE[0]]}@mapapp"}
