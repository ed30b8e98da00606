"""The notes real 社協 pages carry, read into dates over a whole year and checked against an
independent expansion written here with plain date loops (not the package's occurrence code).

Each case is a 開催日時 text as pages write it (※ notes, full-width digits, ⽉ radicals, <br>,
bullets), an optional 休み text, and a tiny hand-written spec of the meetings it must give from
2027-04-01 to 2028-03-31. A text the reader cannot be certain of must give no date at all.
"""

from __future__ import annotations

import datetime as dt

import holidays
import icalendar
import pytest
import recurring_ical_events

from mapapp.schedule import occurrences_between, parse_resource_schedule, to_ical, weekday_mask

D = dt.date
START, END = D(2027, 4, 1), D(2028, 3, 31)
ODD, EVEN = [1, 3, 5, 7, 9, 11], [2, 4, 6, 8, 10, 12]
WEEKDAYS = [0, 1, 2, 3, 4]  # 月〜金
JAPAN = set(holidays.country_holidays("JP", years=[2027, 2028]))
NEW_YEAR = {(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)}


def part(
    weekday: int | list[int] | None = None,
    *,
    nth: list[int] | None = None,
    monthday: list[int] | None = None,
    only_on: list[int] | None = None,
    months: list[int] | None = None,
    except_months: list[int] | None = None,
    at: str | None = None,
) -> dict:
    """One kind of meeting: a weekday (0 = 月) every week or its nth (-1 = last) in the month,
    or days of the month (``only_on``: only when they fall on these weekdays); limited to
    ``months`` or leaving out ``except_months``; ``at`` is the opening time."""
    return {
        "weekday": [weekday] if isinstance(weekday, int) else weekday,
        "nth": nth,
        "monthday": monthday,
        "only_on": only_on,
        "months": months,
        "except_months": except_months or [],
        "at": at,
    }


def _meets(spec: dict, day: dt.date) -> bool:
    if spec["months"] is not None and day.month not in spec["months"]:
        return False
    if day.month in spec["except_months"]:
        return False
    if spec["monthday"] is not None:
        last = (day + dt.timedelta(days=1)).month != day.month
        on_day = day.day in spec["monthday"] or (-1 in spec["monthday"] and last)
        return on_day and (spec["only_on"] is None or day.weekday() in spec["only_on"])
    if day.weekday() not in spec["weekday"]:
        return False
    if spec["nth"] is None:
        return True
    nth = (day.day - 1) // 7 + 1
    last = (day + dt.timedelta(days=7)).month != day.month
    return nth in spec["nth"] or (-1 in spec["nth"] and last)


def expand(
    parts: list[dict],
    *,
    closed_months: tuple[int, ...] = (),
    no_holidays: bool = False,
    new_year: bool = False,
    closed_days: tuple[tuple[int, int], ...] = (),
) -> set[tuple[dt.date, str | None]]:
    """Every (date, opening time) from START to END, day by day."""
    found = set()
    day = START
    while day <= END:
        closed = (
            day.month in closed_months
            or (no_holidays and day in JAPAN)
            or (new_year and (day.month, day.day) in NEW_YEAR)
            or (day.month, day.day) in closed_days
        )
        if not closed:
            found |= {(day, spec["at"]) for spec in parts if _meets(spec, day)}
        day += dt.timedelta(days=1)
    return found


def note(text: str, *parts: dict, id: str, closed: str = "", **options):  # noqa: A002
    return pytest.param(text, closed, list(parts), options, id=id)


def flagged(text: str, reason: str, *, id: str, closed: str = ""):  # noqa: A002
    """A text that must publish no dates, and a fragment of the reason a person is given."""
    return pytest.param(text, closed, reason, id=id)


NOTES = [
    # --- 自治体標準 facility lists: hours, and the closing note with its own dates -----------
    note("月,火,水,木,金 08:30〜17:15", part(WEEKDAYS, at="8:30"),
         closed="年末年始（12月28日～1月4日）は休業",
         closed_days=((12, 28), (12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3), (1, 4)),
         id="facility-year-end-with-its-dates"),
    note("月,火,水,木,金 09:00〜17:00", part(WEEKDAYS, at="9:00"),
         closed="年末年始（12月29日～1月3日）及び祝日は休館", new_year=True, no_holidays=True,
         id="facility-usual-year-end-and-holidays"),
    # --- 8月は休み: that month taken away, not made the only month -------------------------
    note("毎月第2火曜日 10:00～11:30 ※8月は開催なし", part(1, nth=[2], at="10:00"),
         closed_months=(8,), id="month-off-kaisai-nashi"),
    note("第1・第3水曜日 13:30~15:00（8月は休み）", part(2, nth=[1, 3], at="13:30"),
         closed_months=(8,), id="month-off-in-parentheses"),
    note("毎週木曜日 ９：３０～１１：３０\n※８月はお休みです", part(3, at="9:30"),
         closed_months=(8,), id="month-off-full-width-next-line"),
    note("毎月第４⾦曜⽇ 13時30分～15時 ※1月と8月は休み", part(4, nth=[4], at="13:30"),
         closed_months=(1, 8), id="months-off-kangxi"),
    note("毎月15日（8月・12月は休み）", part(monthday=[15]), closed_months=(8, 12),
         id="months-off-monthday"),
    note("毎週月曜日 10時～12時（7月～8月は休み）", part(0, at="10:00"), closed_months=(7, 8),
         id="month-range-off"),
    note("毎月第2土曜日 ※8月、1月はお休み", part(5, nth=[2]), closed_months=(8, 1),
         id="months-off-comma"),
    note("第2・第4月曜日 午前10時から\n8月は休会", part(0, nth=[2, 4], at="10:00"),
         closed_months=(8,), id="month-off-kyukai"),
    note("いきいきサロン 毎月第３木曜日<br>１３：３０～１５：３０<br>※８月は開催しません",
         part(3, nth=[3], at="13:30"), closed_months=(8,), id="month-off-br-shimasen"),
    note("毎月第1月曜日（8月・1月を除く）", part(0, nth=[1]), closed_months=(8, 1),
         id="months-off-nozoku"),
    # --- ※3月は第2土曜日: another day in the named months -----------------------------------
    note("毎月第3土曜日 10:00~12:00 ※3月は第2土曜日",
         part(5, nth=[3], except_months=[3], at="10:00"), part(5, nth=[2], months=[3], at="10:00"),
         id="substitute-march"),
    note("毎月第１火曜日 13:30～15:30 ※5月と11月は第2火曜日",
         part(1, nth=[1], except_months=[5, 11], at="13:30"),
         part(1, nth=[2], months=[5, 11], at="13:30"), id="substitute-may-and-november"),
    note("毎月第3水曜日 10時～11時半\n2月は第1水曜日",
         part(2, nth=[3], except_months=[2], at="10:00"), part(2, nth=[1], months=[2], at="10:00"),
         id="substitute-february-next-line"),
    note("毎月25日 ※12月は20日", part(monthday=[25], except_months=[12]),
         part(monthday=[20], months=[12]), id="substitute-monthday"),
    note("毎週水曜日 10:00～15:00 ※8月は第1水曜日のみ",
         part(2, except_months=[8], at="10:00"), part(2, nth=[1], months=[8], at="10:00"),
         id="substitute-only-in-august"),
    note("第2・第4木曜日 ※1月は第4木曜日のみ", part(3, nth=[2, 4], except_months=[1]),
         part(3, nth=[4], months=[1]), id="substitute-one-of-two"),
    note("毎週木曜日 10:00～11:30、7月・8月は毎週木曜日 9:00～10:30",
         part(3, except_months=[7, 8], at="10:00"), part(3, months=[7, 8], at="9:00"),
         id="substitute-summer-hours"),
    note("通常は第3土曜日、3月のみ第2土曜日", part(5, nth=[3], except_months=[3]),
         part(5, nth=[2], months=[3]), id="substitute-tsujo"),
    note("毎月第2土曜日、8月は第4土曜日も開催", part(5, nth=[2]), part(5, nth=[4], months=[8]),
         id="added-day-mo-kaisai"),
    note("2月は第1水曜日、その他の月は第3水曜日（13:30～）",
         part(2, nth=[1], months=[2], at="13:30"), part(2, nth=[3], except_months=[2], at="13:30"),
         id="substitute-other-months"),
    note("毎月第2金曜日 ※3月は第3金曜日、8月は休み", part(4, nth=[2], except_months=[3]),
         part(4, nth=[3], months=[3]), closed_months=(8,), id="substitute-and-month-off"),
    note("毎月第3日曜日（3月のみ第2日曜日）", part(6, nth=[3], except_months=[3]),
         part(6, nth=[2], months=[3]), id="substitute-in-parentheses"),
    note("第2火曜日 ※12月は休み、1月は第3火曜日", part(1, nth=[2], except_months=[1]),
         part(1, nth=[3], months=[1]), closed_months=(12,), id="month-off-and-substitute"),
    note("毎週月曜日・水曜日 ※8月は月曜日のみ", part([0, 2], except_months=[8]),
         part(0, months=[8]), id="substitute-fewer-weekdays"),
    note("毎週月曜日 10:00~12:00 ※8月は9:00~11:00", part(0, except_months=[8], at="10:00"),
         part(0, months=[8], at="9:00"), id="other-hours-in-august"),
    note("4月～9月：毎週月曜日、10月～3月：第1・第3月曜日", part(0, months=[4, 5, 6, 7, 8, 9]),
         part(0, nth=[1, 3], months=[10, 11, 12, 1, 2, 3]), id="half-years"),
    # --- 第1火曜日を除く火曜日: days taken away ---------------------------------------------
    note("第1火曜日を除く毎週火曜日 10:00～12:00", part(1, nth=[2, 3, 4, 5], at="10:00"),
         id="except-first-tuesday"),
    note("毎週水曜日（第4水曜日は除く）13:30-15:30", part(2, nth=[1, 2, 3, 5], at="13:30"),
         id="except-fourth-in-parentheses"),
    note("第4水曜以外の水曜 10時～", part(2, nth=[1, 2, 3, 5], at="10:00"), id="igai-no-suiyo"),
    note("毎週金曜日 ※第5金曜日はお休み", part(4, nth=[1, 2, 3, 4]), id="fifth-friday-off"),
    note("毎週月曜日（第1・第3月曜日を除く）", part(0, nth=[2, 4, 5]), id="except-two-mondays"),
    note("毎週火曜日 第2火曜日以外", part(1, nth=[1, 3, 4, 5]), id="igai-after"),
    note("第5週を除く毎週木曜日", part(3, nth=[1, 2, 3, 4]), id="except-fifth-week"),
    note("毎週月曜日 9:30～11:00（第1月曜日・祝日は休み）", part(0, nth=[2, 3, 4, 5], at="9:30"),
         no_holidays=True, id="except-first-monday-and-holidays"),
    # --- 奇数月・偶数月 ------------------------------------------------------------------------
    note("奇数月の第2火曜日 10:00~11:30", part(1, nth=[2], months=ODD, at="10:00"),
         id="odd-months"),
    note("偶数月 第3金曜日 13時半～15時", part(4, nth=[3], months=EVEN, at="13:30"),
         id="even-months"),
    note("奇数月第1水曜日・偶数月第3水曜日", part(2, nth=[1], months=ODD),
         part(2, nth=[3], months=EVEN), id="odd-and-even"),
    note("偶数月は第1月曜日、奇数月は第3月曜日 10時～", part(0, nth=[1], months=EVEN, at="10:00"),
         part(0, nth=[3], months=ODD, at="10:00"), id="even-then-odd-hours-once"),
    note("毎月第1火曜日、奇数月は第3火曜日も開催", part(1, nth=[1]), part(1, nth=[3], months=ODD),
         id="odd-months-also"),
    # --- hours written once after a list of days -----------------------------------------------
    note("毎週火曜、毎週水曜、毎週金曜 10:00-16:00", part([1, 2, 4], at="10:00"),
         id="hours-once-three-weekly"),
    note("毎週⽉曜⽇・毎週⽊曜⽇　午前９時３０分～１１時３０分", part([0, 3], at="9:30"),
         id="hours-once-kangxi"),
    note("第1月曜日（体操）、第3木曜日（茶話会） 13:30～15:00", part(0, nth=[1], at="13:30"),
         part(3, nth=[3], at="13:30"), id="hours-once-labels"),
    note("毎週月曜日、第2水曜日 13:30〜", part(0, at="13:30"), part(2, nth=[2], at="13:30"),
         id="hours-once-weekly-and-ordinal"),
    # --- 毎月1日(土日祝日の場合は休み) -------------------------------------------------------
    note("毎月1日(土日祝日の場合は休み)", part(monthday=[1], only_on=WEEKDAYS), no_holidays=True,
         id="first-of-month-not-weekends"),
    note("毎月10日・20日 10時～（土日と重なる場合はお休み）",
         part(monthday=[10, 20], only_on=WEEKDAYS, at="10:00"), id="monthdays-not-weekends"),
    note("毎月15日 13:30～ ※日曜日の場合は休み",
         part(monthday=[15], only_on=[0, 1, 2, 3, 4, 5], at="13:30"), id="monthday-not-sunday"),
    note("毎月５日・１５日・２５日（土・日曜日の場合は休み）",
         part(monthday=[5, 15, 25], only_on=WEEKDAYS), id="full-width-monthdays-not-weekends"),
    # --- 火曜日〜木曜日の3日間 -----------------------------------------------------------------
    note("火曜日〜木曜日の3日間 10:00~15:00", part([1, 2, 3], at="10:00"), id="three-days"),
    note("月曜日～金曜日の5日間 9時～16時", part(WEEKDAYS, at="9:00"), id="five-days"),
    note("毎週水・木の2日間", part([2, 3]), id="two-days"),
    # --- 年12回開催 with a monthly rule -------------------------------------------------------
    note("毎月第2火曜日（年12回開催）", part(1, nth=[2]), id="twelve-a-year"),
    note("年11回 毎月第3金曜日（8月休み）", part(4, nth=[3]), closed_months=(8,),
         id="eleven-a-year-august-off"),
    note("毎月第1・第3月曜日 年24回", part(0, nth=[1, 3]), id="twenty-four-a-year"),
    # --- bullets: a rule per line ----------------------------------------------------------------
    note("・第1火曜日 10:00~11:30 体操\n・第3金曜日 13:30~15:00 茶話会",
         part(1, nth=[1], at="10:00"), part(4, nth=[3], at="13:30"), id="bullets-dot"),
    note("●毎週月曜日 9:30～11:30（いきいき体操）\n●第2木曜日 13:30～15:00（脳トレ）",
         part(0, at="9:30"), part(3, nth=[2], at="13:30"), id="bullets-circle-labels"),
    note("・毎月第2水曜日\n・毎月第4水曜日 10時～12時", part(2, nth=[2]),
         part(2, nth=[4], at="10:00"), id="bullets-hours-on-one-line-only"),
    note("■第1・第3火曜日 13:30～\n■毎月20日 10:00～", part(1, nth=[1, 3], at="13:30"),
         part(monthday=[20], at="10:00"), id="bullets-square-monthday"),
    note("・毎週月曜日 10:00～11:30\n・第2土曜日 13:30～15:00\n※8月はお休み",
         part(0, at="10:00"), part(5, nth=[2], at="13:30"), closed_months=(8,),
         id="bullets-with-note"),
    # --- the 休み column, also when 開催日時 names its own days ---------------------------------
    note("毎日 10:00～16:00", part([1, 2, 3, 4, 5, 6], at="10:00"), closed="月曜日",
         id="mainichi-closed-monday"),
    note("毎日 9時～17時", part([0, 1, 3, 4, 5, 6], at="9:00"), closed="水曜日・年末年始",
         new_year=True, id="mainichi-closed-wednesday-new-year"),
    note("8時30分～17時15分", part(WEEKDAYS, at="8:30"), closed="土日祝・年末年始",
         no_holidays=True, new_year=True, id="office-hours-weekdays"),
    note("毎月1日 10時～", part(monthday=[1], only_on=WEEKDAYS, at="10:00"),
         closed="土曜日・日曜日", id="monthday-closed-weekend-column"),
    note("毎日 9:00～17:00", part(list(range(7)), at="9:00"), closed="水曜日午後",
         id="mainichi-wednesday-morning-only"),
    note("毎週火曜日（祝日も開催）", part(1), id="holidays-too-is-not-every-holiday"),
]  # fmt: skip

FLAGGED = [
    flagged("10:00～15:00", "曜日がわかりません", closed="年末年始", id="hours-and-new-year"),
    flagged("9時～12時", "曜日がわかりません", closed="祝日", id="hours-and-holidays"),
    flagged("第1・第3火曜日 ※変更の場合あり", "読み取れない部分", id="may-change"),
    flagged("毎月第2土曜日（月により変更あり）", "読み取れない部分", id="changes-by-month"),
    flagged("毎週月曜日、4月～9月は毎週木曜日", "代わりか", id="added-or-instead"),
    flagged("※3月は第2土曜日 毎月第3土曜日", "重なります", id="note-before-its-days"),
    flagged("毎週水曜日（最終水曜日を除く）", "最終水曜日を除く", id="except-last"),
    flagged("毎週月・木（第1週を除く）", "どの曜日", id="first-week-of-two-days"),
    flagged("年10回 毎月第2火曜日", "回数（年10回）", id="count-mismatch-yearly"),
    flagged("毎週水曜日（年50回）", "回数（年50回）", id="yearly-count-weekly"),
    flagged("毎月1日(土日祝日の場合は翌日)", "読み取れない部分", id="weekend-moves"),
    flagged("火曜日〜木曜日の4日間", "4日間", id="span-mismatch"),
    flagged("第2火曜日（祝日の場合は第3火曜日）", "読み取れない部分", id="holiday-other-week"),
    flagged("毎月第2火曜日 8月はおやすみ", "「8月」", id="hiragana-oyasumi"),
    flagged("第2土曜日", "休みの曜日", closed="土日祝", id="meeting-day-is-a-day-off"),
    flagged("奇数月は休み 毎月第1月曜日", "読み取れない部分", id="odd-months-off"),
    flagged("隔週水曜日 10時～", "基準日", id="every-other-week"),
    flagged("", "定休日の欄に開催日", id="meeting-days-in-closed-column",
            closed="毎月第4水曜日（ひまわりカフェ）<br>毎月第4木曜日（in表鷲津）"),
]  # fmt: skip


def _found(schedule) -> set[tuple[dt.date, str | None]]:
    return {
        (o.date, f"{o.opens_at.hour}:{o.opens_at.minute:02d}" if o.opens_at else None)
        for o in occurrences_between(schedule, START, END)
    }


def test_there_are_at_least_sixty_real_style_strings():
    assert len(NOTES) + len(FLAGGED) >= 60


@pytest.mark.parametrize(("text", "closed", "parts", "options"), NOTES)
def test_notes_give_exactly_the_dates_of_the_independent_expansion(text, closed, parts, options):
    schedule = parse_resource_schedule(text, closed)
    assert schedule.needs_review == (), schedule.needs_review
    expected = expand(parts, **options)
    assert expected, "a case must meet at least once in the year"
    found = _found(schedule)
    assert sorted(found - expected) == [], "dates the text does not give"
    assert sorted(expected - found) == [], "dates the text gives that are missing"
    # The weekday filter: the weekdays of weekday meetings; days of the month count for none.
    weekdays = {w for spec in parts if spec["monthday"] is None for w in spec["weekday"]}
    assert weekday_mask(schedule) == sum(1 << w for w in weekdays)


@pytest.mark.parametrize(("text", "closed", "parts", "options"), NOTES)
def test_notes_round_trip_through_ical(text, closed, parts, options):
    schedule = parse_resource_schedule(text, closed)
    body = to_ical(
        [("case@mapapp", "サロン", schedule, None)],
        dtstart=START,
        horizon_days=(END - START).days + 1,
        now=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
    )
    calendar = icalendar.Calendar.from_ical(body)
    got = set()
    for event in recurring_ical_events.of(calendar).between(START, END + dt.timedelta(days=1)):
        start = event["DTSTART"].dt
        if isinstance(start, dt.datetime):
            got.add((start.date(), f"{start.hour}:{start.minute:02d}"))
        else:
            got.add((start, None))
    assert sorted(got) == sorted(expand(parts, **options))


@pytest.mark.parametrize(("text", "closed", "reason"), FLAGGED)
def test_uncertain_texts_give_no_dates_at_all(text, closed, reason):
    schedule = parse_resource_schedule(text, closed)
    assert any(reason in r for r in schedule.needs_review), schedule.needs_review
    assert schedule.rules == ()
    assert not any(code.startswith("open_holidays") for code in schedule.exceptions)
    assert occurrences_between(schedule, START, END) == []
    assert weekday_mask(schedule) == 0
    body = to_ical([("x@mapapp", "x", schedule, None)], dtstart=START)
    assert "BEGIN:VEVENT" not in body


def test_the_independent_expansion_itself():
    # 2027-04: Thursdays 1, 8, 15, 22, 29; the last Friday is 30; 4/29 is 昭和の日.
    april = {d for d, _ in expand([part(3, months=[4])])}
    assert april == {D(2027, 4, d) for d in (1, 8, 15, 22, 29)}
    assert {d for d, _ in expand([part(3, months=[4])], no_holidays=True)} == april - {
        D(2027, 4, 29)
    }
    assert {d for d, _ in expand([part(4, nth=[-1], months=[4])])} == {D(2027, 4, 30)}
    assert {d for d, _ in expand([part(monthday=[1], only_on=WEEKDAYS, months=[5])])} == set()
