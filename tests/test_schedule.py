"""Tests for mapapp.schedule: parsing 開催日時, occurrences with 祝日, iCalendar output."""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections import Counter

import holidays
import icalendar
import pytest
import recurring_ical_events
from hypothesis import given, settings
from hypothesis import strategies as st

from mapapp.schedule import (
    Occurrence,
    Rule,
    Schedule,
    ScheduleParseError,
    format_occurrence,
    is_open_on,
    is_open_on_weekday,
    next_occurrences,
    occurrences_between,
    parse_closed_days,
    parse_schedule,
    to_ical,
)
from mapapp.schedule.model import WEEKDAY_CODES
from mapapp.schedule.text import normalize_schedule_text
from mapapp.text import RADICAL_SUPPLEMENT_RANGES
from tests.conftest import KOSAI, SHARED, require_shared

KOSAI_CSV = KOSAI / "resources_caremap2.csv"
KOSAI_CAFES = "毎月第4水曜日（ひまわりカフェ）<br>毎月第4木曜日（in表鷲津）<br>参加料200円"
SUMMER, WINTER = (4, 5, 6, 7, 8, 9), (1, 2, 3, 10, 11, 12)
D = dt.date


def hours(opens: str | None, closes: str | None = None) -> dict:
    """``hours("10:00", "11:30")`` → Rule keyword arguments."""

    def clock(text: str | None) -> dt.time | None:
        return dt.time(*map(int, text.split(":"))) if text else None

    return {"opens_at": clock(opens), "closes_at": clock(closes)}


def weekly(*days: str, **extra) -> Rule:
    return Rule("WEEKLY", byday=days, **extra)


def monthly(*days: str, **extra) -> Rule:
    return Rule("MONTHLY", byday=days, **extra)


def monthdays(*days: int, **extra) -> Rule:
    return Rule("MONTHLY", bymonthday=days, **extra)


def case(text: str, *rules: Rule, id: str, exceptions=(), review: str | None = None):  # noqa: A002
    """One table row; ``review`` is a fragment some needs_review reason must contain."""
    return pytest.param(text, rules, tuple(exceptions), review, id=id)


# Every schedule line of DOMAIN.md's 「Schedules as people write them」 block, verbatim
# (Kangxi radicals ⽉ ⽇ ⾦ ⽊, full-width digits, ⏎). The fee lines are in test_fees.py.
DOMAIN_FEE_LINES = ("参加費100円／⽉、ノート代実費", "参加費200円（イベント時の⾷費は別 ⏎ 途）",
                    "オリジナルRococoコーヒー 100円")  # fmt: skip
DOMAIN_CASES = [
    case("毎週⽉曜⽇ 10:00〜11:30", weekly("MO", **hours("10:00", "11:30")), id="domain-weekly"),
    case("毎⽉２回／15⽇、25⽇ 10:00〜11:30", monthdays(15, 25, **hours("10:00", "11:30")),
         id="domain-monthdays"),
    case("毎⽉２回／第２、第４⾦曜⽇10:00〜11:30", monthly("2FR", "4FR", **hours("10:00", "11:30")),
         id="domain-2nd-4th-friday"),
    case("毎週⽊曜⽇ 夏期15:00〜16:30 ⏎ 冬期14:00〜15:30",
         weekly("TH", bymonth=SUMMER, season="夏期", **hours("15:00", "16:30")),
         weekly("TH", bymonth=WINTER, season="冬期", **hours("14:00", "15:30")),
         id="domain-seasons"),
    case("毎⽉２回／第２、第4⽉曜⽇ ⏎ 13:00〜15:30",
         monthly("2MO", "4MO", **hours("13:00", "15:30")),
         id="domain-time-on-next-line"),
    case("毎⽉第１⾦曜⽇", monthly("1FR"), id="domain-1st-friday"),
    case("第１週 10時～", id="domain-week-without-day",
         review="第1週とありますが曜日がわかりません"),
    case("11時半 ⏎ ～", id="domain-time-only", review="曜日がわかりません"),
    case("第３週 13時半～", id="domain-3rd-week", review="第3週とありますが曜日がわかりません"),
    case("週１回以上", id="domain-count-only", review="回数だけで曜日がわかりません（週1回以上）"),
]  # fmt: skip

MORE_CASES = [
    case("月・水・金", weekly("MO", "WE", "FR"), id="dotted-weekdays"),
    case("月水金 10時〜12時", weekly("MO", "WE", "FR", **hours("10:00", "12:00")),
         id="glued-weekdays"),
    case("平日 9:00〜16:00", weekly("MO", "TU", "WE", "TH", "FR", **hours("9:00", "16:00")),
         id="weekdays"),
    case("土日 10時~12時", weekly("SA", "SU", **hours("10:00", "12:00")), id="weekend"),
    case("毎週火曜日・金曜日", weekly("TU", "FR"), id="two-weekdays"),
    case("火曜日と金曜日", weekly("TU", "FR"), id="weekdays-joined-by-to"),
    case("月~金 8:30-17:15", weekly("MO", "TU", "WE", "TH", "FR", **hours("8:30", "17:15")),
         id="weekday-range"),
    case("毎日 9時~17時", weekly(*WEEKDAY_CODES, **hours("9:00", "17:00")),
         id="every-day"),
    case("毎月曜日 10時", weekly("MO", **hours("10:00")), id="mai-getsuyoubi"),
    case("第2・第4金曜日", monthly("2FR", "4FR"), id="2nd-4th-friday"),
    case("第２、第４⾦曜⽇", monthly("2FR", "4FR"), id="kangxi-2nd-4th"),
    case("毎月第1~3水曜日", monthly("1WE", "2WE", "3WE"), id="ordinal-range"),
    case("毎月第1・3火曜日", monthly("1TU", "3TU"), id="ordinal-list"),
    case("毎月第一・第三水曜日", monthly("1WE", "3WE"), id="kanji-ordinals"),
    case("第１・第３木曜日　１３：３０～", monthly("1TH", "3TH", **hours("13:30")),
         id="full-width-everything"),
    case("毎月第2月曜日・第4水曜日", monthly("2MO", "4WE"), id="ordinal-per-day"),
    case("第2水・第4金", monthly("2WE", "4FR"), id="bare-kanji-after-ordinal"),
    case("毎月最終金曜日", monthly("-1FR"), id="last-friday"),
    case("毎月第1週の水曜日", monthly("1WE"), id="first-week-wednesday"),
    case("毎月１日", monthdays(1), id="first-of-month"),
    case("毎月15日、25日 13:30〜15:00", monthdays(15, 25, **hours("13:30", "15:00")),
         id="monthdays-with-time"),
    case("毎月20日頃", monthdays(20), id="monthday-approx"),
    case("毎月末", monthdays(-1), id="month-end"),
    case("毎年8月15日", Rule("YEARLY", bymonth=(8,), bymonthday=(15,)), id="yearly"),
    case("隔週水曜日 10時〜", Rule("WEEKLY", interval=2, byday=("WE",), **hours("10:00")),
         id="every-other-week", review="隔週の基準日がわかりません"),
    case("隔月第2土曜日", Rule("MONTHLY", interval=2, byday=("2SA",)), id="every-other-month",
         review="隔月の基準日"),
    case("毎週火曜日 11時半〜", weekly("TU", **hours("11:30")), id="half-past"),
    case("毎週火曜日 10時30分〜11時30分", weekly("TU", **hours("10:30", "11:30")), id="ji-fun"),
    case("毎週水曜日 午前中", weekly("WE", daypart="午前"), id="morning-no-time"),
    case("第2火曜日 午後1時半から3時半", monthly("2TU", **hours("13:30", "15:30")), id="gogo-kara"),
    case("第2火曜日 PM1:30~3:00", monthly("2TU", **hours("13:30", "15:00")), id="pm"),
    case("毎月第2水曜日 10時~正午", monthly("2WE", **hours("10:00", "12:00")), id="shogo"),
    case("毎月第2水曜日 10時から12時まで", monthly("2WE", **hours("10:00", "12:00")),
         id="kara-made"),
    case("毎週月曜日 10:00ー12:00", weekly("MO", **hours("10:00", "12:00")), id="choonpu-dash"),
    case("毎週月曜日 10:00－12:00", weekly("MO", **hours("10:00", "12:00")), id="full-width-minus"),
    case("１０：００～１１：３０ 毎週金曜日", weekly("FR", **hours("10:00", "11:30")),
         id="time-before-day"),
    case("毎週⺝曜日", weekly("MO"), id="radical-supplement-moon"),
    case("毎週⽊曜⽇ 10：00〜11：30", weekly("TH", **hours("10:00", "11:30")), id="kangxi-colon"),
    case("毎週月曜日<br>10:00~11:30", weekly("MO", **hours("10:00", "11:30")), id="br"),
    case("毎週月曜日\r\n10:00~11:30", weekly("MO", **hours("10:00", "11:30")), id="crlf"),
    case("毎週 月曜日 １０時～１１時半 （公民館）",
         weekly("MO", label="公民館", **hours("10:00", "11:30")), id="label-in-parentheses"),
    case("毎週月曜日 10:00~11:30、13:00~14:30", weekly("MO", **hours("10:00", "11:30")),
         weekly("MO", **hours("13:00", "14:30")), id="two-sessions"),
    case("月・水・金 10:00〜12:00、火・木 13:00〜15:00",
         weekly("MO", "WE", "FR", **hours("10:00", "12:00")),
         weekly("TU", "TH", **hours("13:00", "15:00")), id="two-groups"),
    case("週2回 火・金 13:00~15:00", weekly("TU", "FR", **hours("13:00", "15:00")),
         id="count-matches"),
    case("毎週月曜日 夏期(4月~10月)9:00~ 冬期(11月~3月)10:00~",
         weekly("MO", bymonth=(4, 5, 6, 7, 8, 9, 10), season="夏期", **hours("9:00")),
         weekly("MO", bymonth=(1, 2, 3, 11, 12), season="冬期", **hours("10:00")),
         id="season-months-from-text"),
    case("毎週木曜日 (4月~9月)", weekly("TH", bymonth=SUMMER), id="valid-months"),
    case("毎週月曜日（祝日の場合は翌日）", weekly("MO"), exceptions=["holiday_moves_next_day"],
         id="holiday-next-day"),
    case("毎週月曜日（祝日は休み）", weekly("MO"), exceptions=["no_holidays"], id="holiday-off"),
    case("第2・第4金曜日 13:30〜15:00（8月は休み）",
         monthly("2FR", "4FR", **hours("13:30", "15:00")),
         exceptions=["closed_month:8"], id="august-off"),
    case("7・8月は休み 毎週月曜", weekly("MO"), exceptions=["closed_month:7", "closed_month:8"],
         id="two-months-off"),
    case("毎週木曜日 10:00~11:30（年末年始を除く）", weekly("TH", **hours("10:00", "11:30")),
         exceptions=["closed_new_year"], id="new-year-off"),
    case("毎週月曜日(祝日・年末年始を除く)", weekly("MO"),
         exceptions=["no_holidays", "closed_new_year"], id="holidays-and-new-year-off"),
    case("土日祝 10:00~15:00", weekly("SA", "SU", **hours("10:00", "15:00")),
         exceptions=["open_holidays:10:00-15:00"], id="weekend-and-holidays"),
    case("休止中", exceptions=["suspended"], id="suspended"),
    case("毎週月曜日 受付9:45~ 10:00~11:30", weekly("MO", **hours("10:00", "11:30")),
         id="reception-time"),
    case("毎週水曜日 雨天中止", weekly("WE"), id="rain-note"),
    case("週１回程度", id="count-approx", review="回数だけで曜日がわかりません（週1回程度）"),
    case("月2回", id="monthly-count-only", review="回数だけで日にちがわかりません（月2回）"),
    case("随時", id="any-time", review="決まった開催日がありません（随時）"),
    case("不定期", id="irregular", review="決まった開催日がありません（不定期）"),
    case("要問合せ", id="ask", review="問い合わせが必要です"),
    case("", id="empty", review="開催日時が書かれていません"),
    case(" \u3000\n ", id="blank", review="開催日時が書かれていません"),
    case("10時～", id="time-without-day", review="曜日がわかりません"),
    case("毎週", id="weekly-without-day", review="毎週とありますが曜日がわかりません"),
    case("ふれあいサロン", id="no-schedule-words", review="開催日時が読み取れません"),
    case("第13水曜日", id="glued-ordinal", review="「第13」の番号がわかりません"),
    case("1030~1130", id="glued-digits", review="読み取れない部分があります（1030）"),
    case("毎週月曜日 10時11時", weekly("MO"), id="two-times-no-tilde", review="時刻の並び"),
    case("月2回 火曜日", weekly("TU"), id="count-mismatch", review="回数（月2回）と曜日"),
    case("6月11日(水) 10時", id="one-off-date", review="特定の日付だけが書かれています"),
    case("毎週月曜日 15:00~13:00", weekly("MO", **hours("15:00")), id="end-before-start",
         review="終わりの時刻が始まりより前です"),
    case("毎週月曜日 夏休みは休み", weekly("MO"), id="summer-holidays", review="夏休み"),
    case("毎月第2火曜日 24時", monthly("2TU"), id="hour-24", review="時刻がわかりません"),
    case("平日 9:00~17:00 定休日:土日",
         weekly("MO", "TU", "WE", "TH", "FR", **hours("9:00", "17:00")),
         id="closed-days-inside", review="休みの日の書き方は読み取りません（定休日）"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "rules", "exceptions", "review"), DOMAIN_CASES + MORE_CASES)
def test_parse_schedule(text, rules, exceptions, review):
    schedule = parse_schedule(text)
    assert schedule.text == text
    assert schedule.rules == rules
    assert schedule.exceptions == exceptions
    if review is None:
        assert schedule.needs_review == ()
    else:
        assert any(review in reason for reason in schedule.needs_review), schedule.needs_review


def test_every_domain_schedule_string_is_a_case():
    domain = require_shared(SHARED / "DOMAIN.md").read_text(encoding="utf-8")
    block = domain.split("## Schedules as people write them", 1)[1].split("```")[1]
    lines = [line for line in block.splitlines() if line.strip()]
    cased = {param.values[0] for param in DOMAIN_CASES}
    assert set(lines) == cased | set(DOMAIN_FEE_LINES)
    assert len(lines) == len(DOMAIN_CASES) + len(DOMAIN_FEE_LINES)


@pytest.mark.parametrize("value", [None, 10, b"\xe6\xaf\x8e\xe9\x80\xb1", ["毎週月曜日"]])
def test_parse_schedule_rejects_non_text(value):
    with pytest.raises(ScheduleParseError, match="expected the 開催日時 text as str"):
        parse_schedule(value)


def test_hours_only_keeps_times_on_the_schedule():
    schedule = parse_schedule("8時30分～17時15分")
    assert schedule.rules == ()
    assert (schedule.opens_at, schedule.closes_at) == (dt.time(8, 30), dt.time(17, 15))
    assert schedule.needs_review == ("曜日がわかりません",)


def test_multi_line_with_fee_keeps_labels_and_the_fee_as_a_note():
    schedule = parse_schedule(KOSAI_CAFES)
    assert [(r.byday, r.label) for r in schedule.rules] == [
        (("4WE",), "ひまわりカフェ"),
        (("4TH",), "in表鷲津"),
    ]
    assert schedule.notes == ("参加料200円",)
    assert schedule.needs_review == ()


def test_to_json_and_to_rrule():
    schedule = parse_schedule("毎⽉２回／第２、第４⾦曜⽇10:00〜11:30（祝日は休み）")
    data = schedule.to_json()
    assert data["text"] == schedule.text
    assert data["rrules"] == ["FREQ=MONTHLY;BYDAY=2FR,4FR"]
    assert (data["opens_at"], data["closes_at"]) == ("10:00", "11:30")
    assert data["exceptions"] == ["no_holidays"] and data["needs_review"] == []
    assert data["rules"][0]["byday"] == ["2FR", "4FR"]
    rule = Rule("WEEKLY", interval=2, byday=("WE",), bymonth=(4, 5))
    assert rule.to_rrule() == "FREQ=WEEKLY;INTERVAL=2;BYMONTH=4,5;BYDAY=WE"
    assert monthdays(15, 25).to_rrule() == "FREQ=MONTHLY;BYMONTHDAY=15,25"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"freq": "DAILY", "byday": ("MO",)}, "freq: expected"),
        ({"freq": "WEEKLY", "byday": ("XX",)}, "byday: expected"),
        ({"freq": "WEEKLY", "byday": ("6MO",)}, "byday: expected"),
        ({"freq": "MONTHLY", "bymonthday": (32,)}, "bymonthday: expected"),
        ({"freq": "WEEKLY", "byday": ("MO",), "bymonth": (13,)}, "bymonth: expected"),
        ({"freq": "WEEKLY", "byday": ("MO",), "interval": 0}, "interval: expected"),
        ({"freq": "WEEKLY"}, "needs byday or bymonthday"),
    ],
)
def test_rule_validates_its_fields(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Rule(**kwargs)


# --- normalisation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("radical", "ideograph"),
    [("⽉", "月"), ("⽇", "日"), ("⾦", "金"), ("⽊", "木"), ("⽔", "水"), ("⽕", "火"),
     ("⼟", "土"), ("⾷", "食"), ("⺝", "月"), ("⺜", "日"), ("⻝", "食"), ("⻑", "長"),
     ("⺟", "母"), ("⻄", "西")],
)  # fmt: skip
def test_radicals_become_ideographs(radical, ideograph):
    assert normalize_schedule_text(radical) == ideograph


def test_every_kangxi_and_supplement_radical_maps_to_a_unified_ideograph():
    table = {code: target for first, last, target in RADICAL_SUPPLEMENT_RANGES
             for code in range(first, last + 1)}  # fmt: skip
    assert len(table) == 114  # U+2E81..U+2EF3 less the unassigned U+2E9A
    for code in [*range(0x2F00, 0x2FD6), *table]:
        result = normalize_schedule_text(chr(code))
        assert len(result) == 1 and unicodedata.name(result).startswith("CJK UNIFIED IDEOGRAPH")
        # Kangxi radicals go through NFKC; the supplement through the table transcribed from
        # Unicode's EquivalentUnifiedIdeograph.txt, which the normaliser must apply as written.
        if code in table:
            assert ord(result) == table[code]


def test_normalisation_rejoins_words_broken_inside_parentheses():
    assert normalize_schedule_text("参加費200円（食費は別 ⏎ 途）") == "参加費200円(食費は別途)"
    assert normalize_schedule_text("毎週月曜日 ⏎ 10時") == "毎週月曜日\n10時"


# --- the real 湖西市 caremap strings --------------------------------------------------------


def kosai_rows() -> list[dict[str, str]]:
    with require_shared(KOSAI_CSV).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


HOURS_PATTERN = re.compile(r"\d+時\d+分～\d+時\d+分")


def test_kosai_business_hours_without_days_are_flagged_with_their_hours():
    hours_only = sorted(
        {text for row in kosai_rows() if HOURS_PATTERN.fullmatch(text := row["business_hours"])}
    )
    assert len(hours_only) > 10
    for text in hours_only:
        numbers = [int(n) for n in re.findall(r"\d+", text)]
        schedule = parse_schedule(text)
        assert schedule.rules == (), text
        assert schedule.needs_review == ("曜日がわかりません",), text
        assert (schedule.opens_at, schedule.closes_at) == (
            dt.time(*numbers[:2]),
            dt.time(*numbers[2:]),
        ), text


@pytest.mark.parametrize(
    ("text", "byday"), [("毎月第4水曜日", ("4WE",)), ("毎月第1・3火曜日", ("1TU", "3TU"))]
)
def test_kosai_salon_days(text, byday):
    assert parse_schedule(text).rules == (monthly(*byday),)


@pytest.mark.parametrize(
    ("text", "open_days", "closes_at_noon", "review"),
    [
        ("木曜日午後・土曜日午後・日曜日・祝日", ("MO", "TU", "WE", "FR"), ("TH", "SA"), None),
        ("水曜日・土曜日午後・日曜日・祝日", ("MO", "TU", "TH", "FR"), ("SA",), None),
        ("日曜日・祝日", ("MO", "TU", "WE", "TH", "FR", "SA"), (), None),
        ("木曜日・日曜日・祝日\u3000※矯正歯科は金曜日以外休診", ("MO", "TU", "WE", "FR", "SA"), (),
         "注記"),
    ],
)  # fmt: skip
def test_kosai_closed_days(text, open_days, closes_at_noon, review):
    schedule = parse_closed_days(text)
    assert schedule.rules[0] == weekly(*open_days)
    noon = [r.byday for r in schedule.rules if r.closes_at == dt.time(12)]
    assert noon == ([closes_at_noon] if closes_at_noon else [])
    assert schedule.exceptions == ("no_holidays",)
    assert bool(schedule.needs_review) == bool(review)


def test_kosai_closed_days_with_hours_and_misplaced_schedule():
    schedule = parse_closed_days("木曜日午後５時以降・土曜日午後２時以降・日曜日・祝日")
    assert {r.byday: r.closes_at for r in schedule.rules if r.closes_at} == {
        ("TH",): dt.time(17), ("SA",): dt.time(14)}  # fmt: skip
    assert parse_closed_days("なし").rules == (weekly(*WEEKDAY_CODES),)
    assert parse_closed_days("定休日：日曜日").rules == (weekly(*WEEKDAY_CODES[:6]),)
    misplaced = parse_closed_days(KOSAI_CAFES)
    assert [r.byday for r in misplaced.rules] == [("4WE",), ("4TH",)]
    assert "定休日の欄に開催日が書かれています" in misplaced.needs_review


def classify(schedule: Schedule) -> str:
    if not schedule.text.strip():
        return "empty"
    if schedule.needs_review:
        return "flagged"
    return "suspended" if schedule.suspended else "parsed"


def test_kosai_every_row_parses_and_the_outcome_counts_hold():
    rows = kosai_rows()
    assert len(rows) == 341
    hours_outcome = Counter(classify(parse_schedule(row["business_hours"])) for row in rows)
    closed_outcome = Counter(classify(parse_closed_days(row["regular_holiday"])) for row in rows)
    assert hours_outcome == {"empty": 284, "flagged": 51, "suspended": 4, "parsed": 2}
    assert closed_outcome == {"empty": 282, "parsed": 57, "flagged": 2}


# --- occurrences with Japanese holidays ------------------------------------------------------


def dates(found: list[Occurrence]) -> list[dt.date]:
    return [occurrence.date for occurrence in found]


def test_the_holidays_used_below_are_real():
    japan = holidays.country_holidays("JP", years=[2026, 2027])
    used = {D(2027, 1, 11), D(2027, 3, 22), D(2026, 5, 4), D(2026, 5, 6), D(2027, 1, 1)}
    assert used <= set(japan)
    assert japan.get(D(2027, 3, 22)) == "Substitute Holiday"  # 春分の日 3/21 is a Sunday


def test_monday_salon_skips_coming_of_age_day_and_substitute_holiday():
    salon = parse_schedule("毎週月曜日 10:00〜11:30（祝日は休み）")
    found = next_occurrences(salon, D(2027, 1, 1), 12)
    expected = [
        (1, 4),
        (1, 18),
        (1, 25),
        (2, 1),
        (2, 8),
        (2, 15),
        (2, 22),
        (3, 1),
        (3, 8),
        (3, 15),
        (3, 29),
        (4, 5),
    ]  # 1/11 成人の日 and 3/22 振替休日 are skipped
    assert dates(found) == [D(2027, month, day) for month, day in expected]
    assert found[0] == Occurrence(D(2027, 1, 4), dt.time(10), dt.time(11, 30))


def test_holiday_moves_to_the_next_day_that_is_not_a_holiday():
    salon = parse_schedule("毎週月曜日 10:00〜11:30（祝日の場合は翌日）")
    found = next_occurrences(salon, D(2027, 1, 5), 3)
    assert dates(found) == [D(2027, 1, 12), D(2027, 1, 18), D(2027, 1, 25)]
    assert found[0].moved_from == D(2027, 1, 11)
    assert dates(next_occurrences(salon, D(2027, 3, 16), 2)) == [D(2027, 3, 23), D(2027, 3, 29)]
    # Golden Week 2026: 5/4 (Mon), 5/5 and 5/6 (振替休日) are holidays, so 5/7.
    assert dates(next_occurrences(salon, D(2026, 5, 1), 2)) == [D(2026, 5, 7), D(2026, 5, 11)]


def test_new_year_closure_and_holidays_closed_override():
    tuesday = parse_schedule("毎週火曜日（年末年始を除く）")
    assert dates(next_occurrences(tuesday, D(2026, 12, 20), 3)) == [D(2026, 12, 22), D(2027, 1, 5),
                                                                    D(2027, 1, 12)]  # fmt: skip
    monday = parse_schedule("毎週月曜日")
    assert D(2027, 1, 11) in dates(next_occurrences(monday, D(2027, 1, 5), 2))
    closed = next_occurrences(monday, D(2027, 1, 5), 2, holidays_closed=True)
    assert dates(closed) == [D(2027, 1, 18), D(2027, 1, 25)]
    text_says_closed = parse_schedule("毎週月曜日（祝日は休み）")
    assert D(2027, 1, 11) in dates(next_occurrences(text_says_closed, D(2027, 1, 5), 2,
                                                    holidays_closed=False))  # fmt: skip


def test_second_and_fourth_friday_over_2026():
    found = occurrences_between(parse_schedule("第2・第4金曜日"), D(2026, 1, 1), D(2026, 12, 31))
    expected = [(1, 9), (1, 23), (2, 13), (2, 27), (3, 13), (3, 27), (4, 10), (4, 24), (5, 8),
                (5, 22), (6, 12), (6, 26), (7, 10), (7, 24), (8, 14), (8, 28), (9, 11), (9, 25),
                (10, 9), (10, 23), (11, 13), (11, 27), (12, 11), (12, 25)]  # fmt: skip
    assert dates(found) == [D(2026, month, day) for month, day in expected]
    august_off = parse_schedule("第2・第4金曜日（8月は休み）")
    assert len(occurrences_between(august_off, D(2026, 1, 1), D(2026, 12, 31))) == 22


def test_fifteenth_and_twenty_fifth_and_month_end():
    found = occurrences_between(parse_schedule("毎月15日、25日"), D(2026, 1, 1), D(2026, 12, 31))
    assert len(found) == 24 and dates(found)[:3] == [D(2026, 1, 15), D(2026, 1, 25), D(2026, 2, 15)]
    month_end = next_occurrences(parse_schedule("毎月末"), D(2026, 1, 1), 3)
    assert dates(month_end) == [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31)]


def test_seasonal_times_and_holiday_meetings():
    seasons = parse_schedule("毎週⽊曜⽇ 夏期15:00〜16:30 ⏎ 冬期14:00〜15:30")
    found = next_occurrences(seasons, D(2026, 3, 20), 3)
    assert [(o.date, o.opens_at) for o in found] == [(D(2026, 3, 26), dt.time(14)),
                                                     (D(2026, 4, 2), dt.time(15)),
                                                     (D(2026, 4, 9), dt.time(15))]  # fmt: skip
    weekend = parse_schedule("土日祝 10:00~15:00")
    assert dates(next_occurrences(weekend, D(2026, 11, 2), 2)) == [D(2026, 11, 3), D(2026, 11, 7)]
    assert next_occurrences(parse_schedule("休止中"), D(2026, 1, 1)) == []
    assert next_occurrences(parse_schedule("週１回以上"), D(2026, 1, 1)) == []


def test_open_on_weekday_and_day():
    salon = parse_schedule("毎月第1・3火曜日（祝日は休み）")
    assert [is_open_on_weekday(salon, day) for day in range(7)] == [False, True] + [False] * 5
    assert not is_open_on_weekday(parse_schedule("毎月15日"), 1)
    assert is_open_on(salon, D(2026, 1, 6)) and not is_open_on(salon, D(2026, 1, 13))
    assert not is_open_on(parse_schedule("毎週火曜日（祝日は休み）"), D(2026, 11, 3))
    with pytest.raises(ValueError, match="weekday: expected 0"):
        is_open_on_weekday(salon, 7)


@pytest.mark.parametrize(
    ("occurrence", "text"),
    [
        (Occurrence(D(2025, 6, 11), dt.time(10), dt.time(11, 30)), "6月11日(水) 10:00〜11:30"),
        (Occurrence(D(2026, 6, 12), dt.time(9, 5)), "6月12日(金) 9:05〜"),
        (Occurrence(D(2026, 6, 13), None, dt.time(12)), "6月13日(土) 〜12:00"),
        (Occurrence(D(2026, 6, 14)), "6月14日(日)"),
        (Occurrence(D(2026, 6, 15), daypart="午前"), "6月15日(月) 午前"),
    ],
)
def test_format_occurrence(occurrence, text):
    assert format_occurrence(occurrence) == text


@pytest.mark.parametrize(
    ("day", "today", "text"),
    [
        (D(2027, 1, 5), D(2026, 12, 20), "2027年1月5日(火) 10:00〜"),  # next year
        (D(2026, 12, 28), D(2026, 12, 20), "12月28日(月) 10:00〜"),
        (D(2026, 12, 28), D(2026, 1, 2), "2026年12月28日(月) 10:00〜"),  # 360 days ahead
        (D(2026, 6, 14), D(2026, 6, 1), "6月14日(日) 10:00〜"),
    ],
)
def test_format_occurrence_shows_the_year_of_a_date_far_from_today(day, today, text):
    assert format_occurrence(Occurrence(day, dt.time(10)), today) == text


# --- iCalendar ---------------------------------------------------------------------------

ICAL_SCHEDULES = {
    "monday-next-day": "毎週月曜日 10:00〜11:30（祝日の場合は翌日・年末年始を除く）",
    "monday-closed": "毎週⽉曜⽇ 10:00〜11:30（祝日は休み）",
    "fridays": "毎⽉２回／第２、第４⾦曜⽇10:00〜11:30（8月は休み）",
    "all-day": "毎月15日、25日",
    "seasons": "毎週⽊曜⽇ 夏期15:00〜16:30 ⏎ 冬期14:00〜15:30",
    "weekend-holidays": "土日祝 10:00~15:00",
    "every-other": "隔週水曜日 10時~",
}


@pytest.mark.parametrize("dtstart", [D(2026, 1, 1), D(2026, 12, 14)])
def test_ical_round_trips_to_the_same_dates(dtstart):
    schedules = {uid: parse_schedule(text) for uid, text in ICAL_SCHEDULES.items()}
    events = [(f"{uid}@mapapp", f"サロン {uid}", s, "公民館, 1F") for uid, s in schedules.items()]
    text = to_ical(events, dtstart=dtstart, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    calendar = icalendar.Calendar.from_ical(text)
    last = dtstart + dt.timedelta(days=365)
    got: dict[str, list[tuple]] = {uid: [] for uid in schedules}
    for event in recurring_ical_events.of(calendar).between(dtstart, last + dt.timedelta(days=1)):
        start = event["DTSTART"].dt
        key = str(event["UID"]).split("@")[0]
        moment = (start.date(), start.time()) if isinstance(start, dt.datetime) else (start, None)
        got[key].append(moment)
    for uid, schedule in schedules.items():
        expected = [(o.date, o.opens_at) for o in occurrences_between(schedule, dtstart, last,
                                                                      anchor=dtstart)]  # fmt: skip
        assert sorted(got[uid]) == expected, uid
        assert expected


def test_ical_text_is_valid_for_common_apps():
    schedule = parse_schedule("毎週月曜日 10:00〜11:30（祝日は休み）")
    text = to_ical([("a@mapapp", "ふれあいサロン；長い名前" * 8, schedule, None)],
                   dtstart=D(2026, 1, 1))  # fmt: skip
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert text.endswith("END:VCALENDAR\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines)  # the long SUMMARY was folded
    for needle in ("DTSTAMP:", "UID:a@mapapp", "TZID:Asia/Tokyo",
                   "DTSTART;TZID=Asia/Tokyo:20260105T100000",
                   "DTEND;TZID=Asia/Tokyo:20260105T113000",
                   "EXDATE;TZID=Asia/Tokyo:20260112T100000"):  # fmt: skip
        assert needle in text.replace("\r\n ", "")
    event = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
    assert str(event["SUMMARY"]).startswith("ふれあいサロン；長い名前")
    rule = event["RRULE"]
    assert (rule["FREQ"], rule["BYDAY"]) == (["WEEKLY"], ["MO"]) and rule["UNTIL"]


def test_ical_leaves_out_what_has_no_rules_and_describes_any_zone():
    text = to_ical([("x", "x", parse_schedule("随時"), None)], dtstart=D(2026, 1, 1))
    assert "BEGIN:VEVENT" not in text
    berlin = to_ical([("y", "y", parse_schedule("毎週月曜日 10:00"), None)],
                     dtstart=D(2026, 1, 1), tz="Europe/Berlin")  # fmt: skip
    zone = icalendar.Calendar.from_ical(berlin).walk("VTIMEZONE")[0]
    assert zone["TZID"] == "Europe/Berlin" and zone.walk("DAYLIGHT")


# --- properties -------------------------------------------------------------------------------

FRAGMENTS = [
    "毎週",
    "隔週",
    "毎月",
    "隔月",
    "第",
    "1",
    "2",
    "3",
    "13",
    "4",
    "週",
    "・",
    "、",
    "~",
    "〜",
    "ー",
    "-",
    "月",
    "火",
    "水",
    "木",
    "金",
    "土",
    "日",
    "曜",
    "曜日",
    "平日",
    "土日",
    "祝",
    "祝日",
    "は休み",
    "の場合は翌日",
    "年末年始",
    "8月",
    "4月~9月",
    "は",
    "15日",
    "25日",
    "時",
    "分",
    "半",
    "10:00",
    "11:30",
    "10時",
    "午後",
    "午前",
    "正午",
    "夏期",
    "冬期",
    "(",
    ")",
    "<br>",
    "⏎",
    "回",
    "以上",
    "程度",
    "随時",
    "休止中",
    "参加費100円",
    "⽉",
    "⽇",
    "⾦",
    "⺝",
    "最終",
    "毎日",
    "毎年",
    "末",
    "受付",
    "から",
    "まで",
    "※",
    "24時",
    "99日",
    "\n",
    " ",
    "\u3000",
]
schedule_texts = st.one_of(
    st.text(max_size=60), st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join)
)


@settings(max_examples=400, deadline=None)
@given(text=schedule_texts)
def test_parse_schedule_never_raises_and_keeps_the_text(text):
    schedule = parse_schedule(text)
    assert schedule.text is text
    assert bool(schedule.rules) or schedule.needs_review or schedule.exceptions
    parse_closed_days(text)


@settings(max_examples=150, deadline=None)
@given(text=schedule_texts, start=st.dates(D(2000, 1, 1), D(2090, 12, 31)),
       count=st.integers(0, 12))  # fmt: skip
def test_next_occurrences_are_ascending_from_start(text, start, count):
    found = next_occurrences(parse_schedule(text), start, count)
    assert len(found) <= count
    keys = [occurrence.sort_key() for occurrence in found]
    assert keys == sorted(keys) and all(occurrence.date >= start for occurrence in found)
