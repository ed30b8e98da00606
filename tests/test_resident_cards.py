"""What a card tells a resident, checked without a browser: phone numbers as tel: links, a link
for the phone's map app, holidays marked on dates, opening days for services, dates month by
month for paper, one card per place, map colours that stay apart, print numbers that do not
overlap."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import pytest

from mapapp.contact import contact_parts, map_app_url, phones
from mapapp.maps import place_labels
from mapapp.schedule import (
    Occurrence,
    format_occurrence,
    holiday_mark,
    holiday_unclear,
    parse_resource_schedule,
)
from mapapp.schedule.summary import dates_by_month, opening_days, weekday_span
from mapapp.taxonomy import load_taxonomy

D = dt.date


@pytest.mark.parametrize(
    ("written", "tels"),
    [
        ("053-576-1234", ("tel:0535761234",)),
        ("053−595−1111", ("tel:0535951111",)),  # U+2212, as in 湖西市's care map
        ("０５３－５７６－１２３４", ("tel:0535761234",)),
        ("(053)576-1234", ("tel:0535761234",)),
        ("社協 053-576-1234（平日9時〜17時）", ("tel:0535761234",)),
        ("090-1234-5678 / 0120-123-456", ("tel:09012345678", "tel:0120123456")),
        ("053-576-1234、053-576-5678", ("tel:0535761234", "tel:0535765678")),
        ("2026-06-11", ()),  # a date is not a number to call
        ("受付 9時〜17時", ()),
        ("", ()),
    ],
)
def test_phone_numbers_become_tel_links(written, tels):
    assert phones(written) == tels
    assert "".join(p.text for p in contact_parts(written)) == written  # nothing lost


def test_map_app_link_is_a_geo_uri_without_any_host():
    assert map_app_url(34.7195, 137.5311, "鷲津(本町)") == (
        "geo:34.719500,137.531100?q=34.719500,137.531100"
        "(%E9%B7%B2%E6%B4%A5%EF%BC%88%E6%9C%AC%E7%94%BA%EF%BC%89)"
    )
    assert map_app_url(None, None, "x", "湖西市鷲津2837").startswith("geo:0,0?q=%E6%B9%96")
    assert map_app_url(None, None, "x") == ""


@pytest.mark.parametrize(
    ("occurrence", "today", "text"),
    [
        (Occurrence(D(2027, 1, 1), dt.time(10)), D(2026, 12, 20), "2027年1月1日(金・祝) 10:00〜"),
        (Occurrence(D(2026, 12, 29)), D(2026, 12, 2), "12月29日(火・年末年始)"),
        (Occurrence(D(2026, 11, 23), dt.time(13)), D(2026, 11, 1), "11月23日(月・祝) 13:00〜"),
        (Occurrence(D(2026, 5, 6)), D(2026, 5, 1), "5月6日(水・祝)"),  # 振替休日
        (
            Occurrence(D(2026, 11, 4), dt.time(10), moved_from=D(2026, 11, 3)),
            D(2026, 11, 1),
            "11月4日(水) 10:00〜（祝日のため翌日）",
        ),
    ],
)
def test_holidays_and_new_year_days_are_marked(occurrence, today, text):
    assert format_occurrence(occurrence, today) == text


def test_a_holiday_date_asks_to_check_only_when_the_text_says_nothing_about_holidays():
    silent = parse_resource_schedule("毎週月曜日 10:00〜11:30")
    closed = parse_resource_schedule("毎週月曜日 10:00〜11:30（祝日は休み）")
    assert holiday_mark(D(2027, 1, 11)) == "祝" and holiday_mark(D(2027, 1, 12)) == ""
    assert holiday_unclear(silent, D(2027, 1, 11))
    assert not holiday_unclear(closed, D(2027, 1, 11))
    assert not holiday_unclear(silent, D(2027, 1, 18))
    assert holiday_unclear(silent, D(2026, 12, 28)) is False  # not in 年末年始 (12/29–1/3)
    assert holiday_unclear(silent, D(2026, 12, 29))


@pytest.mark.parametrize(
    ("schedule", "closed", "days"),
    [
        ("8時30分～17時15分", "土日祝", "月〜金 8:30〜17:15（祝日は休み）"),
        ("月曜日から金曜日 9:00〜17:00", "", "月〜金 9:00〜17:00"),
        ("毎週月・水・金曜日 9:00〜12:00", "", "月・水・金 9:00〜12:00"),
        ("毎日 9:00〜16:00", "", "毎日 9:00〜16:00"),
        ("毎月第2・第4金曜日 13:30〜15:00", "", ""),  # not every week: dates, not days
        ("8時30分～17時15分", "年末年始", ""),  # hours without days: never 「毎日」
    ],
)
def test_services_are_shown_by_their_opening_days(schedule, closed, days):
    assert opening_days(parse_resource_schedule(schedule, closed)) == days


def test_weekday_spans():
    assert weekday_span({0, 1, 2, 3, 4}) == "月〜金"
    assert weekday_span({0, 2, 4}) == "月・水・金"
    assert weekday_span({5, 6}) == "土・日"
    assert weekday_span(set(range(7))) == "毎日"


def test_paper_lists_this_month_and_next_month_with_holidays_marked():
    schedule = parse_resource_schedule("毎週金曜日 10:00〜11:30")
    months = dates_by_month(schedule, D(2026, 12, 2))
    assert [m.label(D(2026, 12, 2)) for m in months] == ["12月", "2027年1月"]
    assert months[0].days == ("4日(金)", "11日(金)", "18日(金)", "25日(金)")
    assert months[1].days[0] == "1日(金・祝)" and months[1].holiday_unclear
    assert months[0].hours == "10:00〜11:30" and not months[0].holiday_unclear
    assert dates_by_month(parse_resource_schedule("週1回程度"), D(2026, 12, 2)) == ()


# --- map colours and paper numbers ----------------------------------------------------------


def _lab(color: str) -> tuple[float, float, float]:
    """sRGB #rrggbb → CIE L*a*b* (D65)."""

    def linear(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(color[i : i + 2], 16) / 255) for i in (1, 3, 5))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _luminance(color: str) -> float:
    def linear(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(color[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_map_colours_stay_apart_and_carry_white_symbols():
    """CIE76 distances: 通いの場 kinds far from each other and from every other kind (サロン
    and 医療機関 were both red); every pair visibly different; white text readable."""
    kinds = load_taxonomy().kinds
    for a, b in itertools.combinations(kinds, 2):
        distance = math.dist(_lab(a.color), _lab(b.color))
        gatherings = (a.group == "kayoi") + (b.group == "kayoi")
        needed = {2: 20, 1: 12, 0: 5}[gatherings]
        assert distance >= needed, (a.code, a.color, b.code, b.color, round(distance, 1))
    for kind in kinds:
        assert 1.05 / (_luminance(kind.color) + 0.05) >= 4.5, kind.code


def test_taxonomy_gives_services_that_come_home_the_whole_town():
    taxonomy = load_taxonomy()
    assert taxonomy.kind("haishoku").coverage == "town"
    assert taxonomy.kind("ido_shien").coverage == "town"
    assert taxonomy.kind("houmon_kaigo").coverage == "town"
    assert taxonomy.kind("salon").coverage == "walk"


def test_print_numbers_never_overlap_even_on_one_building():
    anchors = [(300.0, 200.0)] * 12 + [(305.0, 203.0), (310.0, 190.0), (5.0, 5.0)]
    placed = place_labels(anchors, 11, 680, 520)
    assert placed[0] == (300.0, 200.0)  # number 1 keeps its place
    for (x1, y1), (x2, y2) in itertools.combinations(placed, 2):
        assert math.hypot(x1 - x2, y1 - y2) >= 22
    assert all(11 <= x <= 669 and 11 <= y <= 509 for x, y in placed)
