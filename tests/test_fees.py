"""Tests for mapapp.fees: 参加費 text → amount and unit."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mapapp.fees import Fee, FeeParseError, format_fee, parse_fee


def case(text, amount, unit, extras=(), *, id, review=None):  # noqa: A002
    """One table row; ``review`` is a fragment some needs_review reason must contain."""
    return pytest.param(text, amount, unit, tuple(extras), review, id=id)


FEE_CASES = [
    # The three fee lines of DOMAIN.md's schedule block, verbatim.
    case("参加費100円／⽉、ノート代実費", 100, "per_month", ["ノート代実費"], id="domain-monthly"),
    case("参加費200円（イベント時の⾷費は別 ⏎ 途）", 200, "per_visit", ["イベント時の食費は別途"],
         id="domain-broken-word"),
    case("オリジナルRococoコーヒー 100円", 100, "per_visit", ["オリジナルRococoコーヒー"],
         id="domain-coffee"),
    case("無料", 0, "free", id="free"),
    case("参加費無料", 0, "free", id="sankahi-free"),
    case("100円", 100, "per_visit", id="bare-amount"),
    case("参加費100円", 100, "per_visit", id="sankahi"),
    case("1回100円", 100, "per_visit", id="per-visit"),
    case("年会費1,000円", 1000, "per_year", id="annual-with-comma"),
    case("実費", None, "at_cost", id="at-cost"),
    case("３００円（お茶代）", 300, "per_visit", ["お茶代"], id="full-width-with-note"),
    case("参加料200円", 200, "per_visit", id="sankaryo"),
    case("", None, "unknown", id="empty"),
    case("1回100円・月500円", None, "unknown", id="two-amounts", review="金額が複数あります"),
    case("月500円", 500, "per_month", id="month-prefix"),
    case("500円/月", 500, "per_month", id="month-suffix"),
    case("月額300円", 300, "per_month", id="getsugaku"),
    case("会費 月300円", 300, "per_month", id="kaihi-month"),
    case("1,000円/年", 1000, "per_year", id="year-suffix"),
    case("年1,200円", 1200, "per_year", id="year-prefix"),
    case("百円", 100, "per_visit", id="kanji-hundred"),
    case("五百円", 500, "per_visit", id="kanji-five-hundred"),
    case("千五百円", 1500, "per_visit", id="kanji-1500"),
    case("¥100", 100, "per_visit", id="yen-sign"),
    case("￥１００", 100, "per_visit", id="full-width-yen-sign"),
    case("100円程度", 100, "per_visit", id="approx"),
    case("0円", 0, "free", id="zero-yen"),
    case("なし", 0, "free", id="nashi"),
    case("無料（お茶代100円）", 0, "free", ["お茶代100円"], id="free-with-tea"),
    case("材料費実費", None, "at_cost", ["材料費実費"], id="materials-at-cost"),
    case("参加費:100円", 100, "per_visit", id="colon"),
    case("参加費100円(税込)", 100, "per_visit", ["税込"], id="tax-included"),
    case("お茶・お菓子代100円", 100, "per_visit", ["お茶・お菓子代"], id="item-label"),
    case("参加費100円+お茶代50円", 100, "per_visit", ["お茶代50円"], id="fee-plus-item"),
    case("参加費 100円\n材料費 別途", 100, "per_visit", ["材料費 別途"], id="two-lines"),
    case("参加費100円<br>材料費実費", 100, "per_visit", ["材料費実費"], id="br"),
    case("参加費２００円（昼食代５００円）", 200, "per_visit", ["昼食代500円"], id="lunch-extra"),
    case("100円~200円", None, "unknown", id="range", review="金額に幅があります"),
    case("100～200円", None, "unknown", id="range-full-width-tilde", review="金額に幅があります"),
    case("年会費1000円、参加費1回100円", None, "unknown", id="annual-and-visit",
         review="金額が複数あります"),
    case("初回無料、2回目から100円", None, "unknown", id="free-then-paid",
         review="無料と金額の両方があります"),
    case("ワンコイン", None, "unknown", id="one-coin", review="参加費が読み取れません"),
    case("要問合せ", None, "unknown", id="ask", review="参加費が読み取れません"),
    case("100", None, "unknown", id="digits-without-yen", review="参加費が読み取れません"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "amount", "unit", "extras", "review"), FEE_CASES)
def test_parse_fee(text, amount, unit, extras, review):
    fee = parse_fee(text)
    assert fee.text == text
    assert (fee.amount_yen, fee.unit, fee.extras) == (amount, unit, extras)
    if review is None:
        assert fee.needs_review == ()
    else:
        assert any(review in reason for reason in fee.needs_review), fee.needs_review


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("無料", "無料"),
        ("1回100円", "1回100円"),
        ("参加費100円／⽉、ノート代実費", "月100円（ノート代実費）"),
        ("年会費1,000円", "年1,000円"),
        ("実費", "実費"),
        ("３００円（お茶代）", "1回300円（お茶代）"),
        ("ワンコイン", "ワンコイン"),
        ("1回100円・\n月500円", "1回100円・ 月500円"),
        ("", "不明"),
    ],
)
def test_format_fee(text, shown):
    assert format_fee(parse_fee(text)) == shown


@pytest.mark.parametrize("value", [None, 100, b"100", ["100円"]])
def test_parse_fee_rejects_non_text(value):
    with pytest.raises(FeeParseError, match="expected the 参加費 text as str"):
        parse_fee(value)


def test_fee_checks_its_unit_and_serialises():
    with pytest.raises(ValueError, match="unit: expected one of"):
        Fee("100円", 100, "per_week")
    assert parse_fee("参加費100円").to_json() == {
        "text": "参加費100円",
        "amount_yen": 100,
        "unit": "per_visit",
        "extras": [],
        "needs_review": [],
    }


FRAGMENTS = ["参加費", "参加料", "年会費", "1回", "月", "年", "/", "／", "、", "・", "100", "1,000",
             "円", "￥", "¥", "無料", "実費", "別途", "(", ")", "（", "）", "⏎", "\n", "<br>", "~",
             "百", "千", "万", "五", "〇", "お茶代", "程度", " ", "0", "なし", "⽉"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=40), st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join)
    )
)
def test_parse_fee_never_raises_and_keeps_the_text(text):
    fee = parse_fee(text)
    assert fee.text is text
    assert fee.amount_yen is None or fee.amount_yen >= 0
    assert (fee.amount_yen is None) == (fee.unit in {"at_cost", "unknown"})
    assert format_fee(fee)


@pytest.mark.parametrize(
    ("text", "unit", "amount"),
    [
        ("予約不要", "unknown", None),  # says nothing about money
        ("申込不要・参加費無料", "free", 0),
        ("参加費不要", "free", 0),
        ("2千円", "per_visit", 2000),
        ("年会費3万円", "per_year", 30000),
    ],
)
def test_words_that_are_not_fees_and_digit_thousands(text, unit, amount):
    fee = parse_fee(text)
    assert (fee.unit, fee.amount_yen) == (unit, amount)
