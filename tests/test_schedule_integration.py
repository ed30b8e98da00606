"""Schedules in use: stored on import, filters by day and date, calendars, staff review."""

from __future__ import annotations

import datetime as dt
import json

import icalendar
import pytest
import recurring_ical_events
from sqlalchemy import select, text

from mapapp.exporting import excel_safe
from mapapp.importing.resources import import_resources
from mapapp.models import Resource, ScheduleRule
from mapapp.schedule import next_occurrences, parse_resource_schedule
from mapapp.storage import Storage
from mapapp.web.query import today
from tests.conftest import KOSAI, require_shared
from tests.resource_files import own_row, write_csv

SALONS = [
    own_row(
        出典ID="mon",
        名称="月曜サロン",
        開催日時="毎週⽉曜⽇ 10:00〜11:30",
        休み="祝日、年末年始",
        参加費="無料",
    ),
    own_row(
        出典ID="fri",
        名称="金曜体操",
        種別="体操教室",
        開催日時="毎⽉２回／第２、第４⾦曜⽇10:00〜11:30",
        参加費="参加費100円／⽉、ノート代実費",
    ),
    own_row(
        出典ID="vague", 名称="ときどきカフェ", 種別="居場所", 開催日時="週１回以上", 送迎="あり"
    ),
    own_row(
        出典ID="office",
        名称="相談窓口",
        種別="地域包括支援センター",
        開催日時="8時30分～17時15分",
        休み="土日祝",
    ),
]


@pytest.fixture
def salons(tmp_path, storage, taxonomy, cli, crossing_layers):
    cli("import-areas", crossing_layers["junior"], "--layer", "2", "--kind", "中学校区")
    import_resources(storage, write_csv(tmp_path / "s.csv", SALONS), taxonomy)
    with storage.reading() as session:
        return {r.source_key: r.id for r in session.scalars(select(Resource))}


def test_parsed_schedules_are_stored(salons, storage):
    with storage.reading() as session:
        by_key = {r.source_key: r for r in session.scalars(select(Resource))}
        rules = session.execute(
            select(ScheduleRule.resource_id, ScheduleRule.rrule, ScheduleRule.opens_at)
        ).all()
    assert (salons["fri"], "FREQ=MONTHLY;BYDAY=2FR,4FR", dt.time(10, 0)) in rules
    assert by_key["mon"].open_weekdays == 0b0000001 and by_key["fri"].open_weekdays == 0b0010000
    assert by_key["office"].open_weekdays == 0b0011111  # 土日祝 closed → 月〜金
    assert by_key["vague"].open_weekdays == 0 and "曜日" in by_key["vague"].schedule_review
    assert (by_key["mon"].fee_unit, by_key["fri"].fee_unit, by_key["fri"].fee_amount_yen) == (
        "free",
        "per_month",
        100,
    )


def test_weekday_date_and_week_filters(salons, client):
    def names(query):
        body = client.get(f"/api/resources?{query}&limit=50").get_json()
        return {f["properties"]["name"] for f in body["features"]}

    assert names("weekday=0") == {"月曜サロン", "相談窓口"}
    assert names("weekday=4") == {"金曜体操", "相談窓口"}
    assert names("date=2026-11-23") == set()  # 勤労感謝の日 (Monday): the salon and the office rest
    assert names("date=2026-11-30") == {"月曜サロン", "相談窓口"}
    assert names("date=2026-11-27") == {"金曜体操", "相談窓口"}  # 4th Friday
    assert names("date=2026-11-20") == {"相談窓口"}  # 3rd Friday
    assert names("free=1") == {"月曜サロン"} and names("pickup=1") == {"ときどきカフェ"}
    week = names("this_week=1")
    start = today()
    expected = set()
    for name, row in (("月曜サロン", SALONS[0]), ("金曜体操", SALONS[1]), ("相談窓口", SALONS[3])):
        schedule = parse_resource_schedule(row["開催日時"], row["休み"])
        if any(
            o.date <= start + dt.timedelta(days=6 - start.weekday())
            for o in next_occurrences(schedule, start, 1)
        ):
            expected.add(name)
    assert week == expected
    error = client.get("/api/resources?date=11/23").get_json()["error"]
    assert error["field"] == "date"


def test_calendar_file_round_trips_to_the_dates_the_page_shows(salons, client):
    response = client.get(f"/resources/{salons['fri']}.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.data)
    start = today()
    end = start + dt.timedelta(days=120)
    from_ics = sorted(
        e["DTSTART"].dt.date() for e in recurring_ical_events.of(calendar).between(start, end)
    )
    schedule = parse_resource_schedule(SALONS[1]["開催日時"], "")
    shown = [o.date for o in next_occurrences(schedule, start, 40) if o.date < end]
    assert from_ics == shown and len(shown) >= 6
    page = client.get(f"/resources/{salons['fri']}").get_data(as_text=True)
    first = shown[0]
    assert f"{first.month}月{first.day}日(金) 10:00〜11:30" in page


def test_area_calendar_has_one_event_series_per_active_resource(salons, client):
    area = client.get("/api/areas").get_json()["features"][0]["id"]
    calendar = icalendar.Calendar.from_ical(client.get(f"/areas/{area}.ics").data)
    summaries = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert summaries == {"月曜サロン", "金曜体操", "相談窓口"}  # ときどきカフェ has no rule
    assert client.get("/areas/99999.ics").status_code == 404


def test_parse_schedule_command_prints_json(cli):
    result = cli(
        "parse-schedule", "毎⽉２回／第２、第４⾦曜⽇10:00〜11:30", "--closed", "8月は休み"
    )
    parsed = json.loads(result.output)
    assert parsed["rrules"] == ["FREQ=MONTHLY;BYDAY=2FR,4FR"]
    assert (parsed["opens_at"], parsed["closes_at"]) == ("10:00", "11:30")
    assert parsed["exceptions"] == ["closed_month:8"] and parsed["needs_review"] == []
    vague = json.loads(cli("parse-schedule", "随時").output)
    assert vague["rrules"] == [] and vague["needs_review"]


def test_review_list_on_the_real_kosai_data(cli):
    cli("import-resources", require_shared(KOSAI / "resources_caremap2.csv"), "--skip-invalid")
    result = cli("review-schedules")
    lines = [line for line in result.output.splitlines() if "\t" in line]
    # 51 hours without days, and 2 定休日 texts that need a look (see the parser's notes).
    assert len(lines) == 53
    assert any("曜日がわかりません" in line for line in lines)
    as_csv = cli("review-schedules", "--csv").output
    assert as_csv.startswith("\ufeffID,名称,開催日時,休み,確認が必要な理由")


def test_upgrading_an_old_database_recomputes_derived_fields(tmp_path, cli, database_url):
    from alembic import command

    storage = Storage(database_url)
    command.upgrade(storage._alembic_config(), "0001")
    with storage.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO resource (kind, kind_text, name, kana, venue, address, lat, lon, location_precision, coverage,"
            " schedule_text, closed_text, fee_text, target_text, public_contact, url, description, status,"
            " outside_areas, source, source_key, version, created_at, updated_at) VALUES ('salon', '', '古いサロン', '',"
            " '', '', 34.7, 137.5, 'exact', 'walk', '毎週火曜日 10時～', '', '無料', '', '', '', '', 'active', 0,"
            " 'old', '1', 1, '2026-01-01', '2026-01-01')"
        ))  # fmt: skip
    storage.dispose()
    result = cli("stats")
    assert "件を計算し直しました" in result.output
    storage = Storage(database_url)
    with storage.reading() as session:
        row = session.scalar(select(Resource))
        assert (row.open_weekdays, row.fee_unit, row.reading) == (0b10, "free", "ふるいさろん")
    storage.dispose()


@pytest.mark.parametrize(
    ("value", "safe"),
    [("=1+1", "'=1+1"), ("+SUM(1,1)", "'+SUM(1,1)"), ("@SUM(1,1)", "'@SUM(1,1)"), ("\t=1+1", "'\t=1+1"),
     ("-2+3", "'-2+3"), ("＝1", "'＝1"), ("サロン", "サロン"), ("", "")],
)  # fmt: skip
def test_excel_safe(value, safe):
    assert excel_safe(value) == safe


@pytest.mark.parametrize(
    ("schedule_text", "closed_text", "rrules", "reviewed"),
    [
        ("毎週月曜日 10:00〜11:30", "祝日、年末年始", ["FREQ=WEEKLY;BYDAY=MO"], False),
        ("8時30分～17時15分", "土日祝", ["FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"], False),
        ("8時30分～17時15分", "", [], True),  # hours without days: a person checks
        (
            "",
            "木曜日午後・日曜日・祝日",
            ["FREQ=WEEKLY;BYDAY=MO,TU,WE,FR,SA", "FREQ=WEEKLY;BYDAY=TH"],
            False,
        ),
        ("", "年末年始", [], False),  # days off alone say nothing about open days
        ("", "祝日", [], False),
        ("", "なし", [], False),
        (
            "",
            "毎月第4水曜日（ひまわりカフェ）<br>毎月第4木曜日（in表鷲津）",
            [],  # meeting days in the 休み column: a person checks, so no dates until then
            True,
        ),
        ("", "土曜 午後5:75以降", [], True),  # unreadable time: flagged, not a crash
        ("", "", [], False),  # nothing written: unknown, not a mistake
        (
            "13:00-17:00",
            "水曜午後",
            ["FREQ=WEEKLY;BYDAY=MO,TU,TH,FR,SA,SU"],
            False,
        ),  # nothing left on 水
        ("9時～11時", "日曜日午前", ["FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA"], False),
    ],
)
def test_schedule_and_days_off_read_together(schedule_text, closed_text, rrules, reviewed):
    schedule = parse_resource_schedule(schedule_text, closed_text)
    assert [r.to_rrule() for r in schedule.rules] == rrules
    assert bool(schedule.needs_review) is reviewed
