"""Addresses: prefecture and municipality cut off, 町丁目・大字 names made comparable."""

from __future__ import annotations

import pytest

from mapapp.addresses import kanji_number, place_key, split_address


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一", 1), ("九", 9), ("十", 10), ("十一", 11), ("二十", 20), ("二十三", 23),
        ("百", 100), ("百五", 105), ("千二百三十四", 1234), ("一二三四", 1234),
        ("二〇五", 205), ("弐", 2), ("参", 3), ("壱拾", 10), ("", None), ("東", None),
    ],
)  # fmt: skip
def test_kanji_numbers(text, expected):
    assert kanji_number(text) == expected


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("鷲津三丁目", "鷲津3丁目"),
        ("鷲津3丁目", "鷲津3丁目"),
        ("鷲津３丁目", "鷲津3丁目"),
        ("東大通十二丁目", "東大通12丁目"),
        ("桜ヶ丘", "桜ケ丘"),
        ("桜ケ丘", "桜ケ丘"),
        ("桜が丘", "桜ケ丘"),
        ("桜ヵ丘", "桜ケ丘"),
        ("みどりが丘", "みどりが丘"),  # hiragana before が: part of the name
        ("一之宮", "一の宮"),
        ("一ノ宮", "一の宮"),
        ("大字吉美", "吉美"),
        ("吉美字山田", "吉美山田"),
        ("字山田", "山田"),
        ("古町通五番町", "古町通5番町"),
        ("北一条西", "北1条西"),
        ("久住町大字久住", "久住町久住"),
        ("本町 2－3－5", "本町2-3-5"),
    ],
)
def test_place_keys_compare_the_way_people_mean(written, key):
    assert place_key(written) == key


KNOWN = ["竹田市", "浜松市中区", "新潟市中央区", "浜名郡新居町", "市川市"]


@pytest.mark.parametrize(
    ("address", "prefecture", "municipality", "rest"),
    [
        ("大分県竹田市大字竹田1650", "大分県", "竹田市", "大字竹田1650"),
        ("竹田市久住町大字久住6026番地1", "", "竹田市", "久住町大字久住6026番地1"),
        ("〒878-0011 大分県竹田市大字会々２２５０－１", "大分県", "竹田市", "大字会々2250-1"),
        ("静岡県浜松市中区元城町１０３－２", "静岡県", "浜松市中区", "元城町103-2"),
        ("中央区万代3丁目5番1号", "", "新潟市中央区", "万代3丁目5番1号"),
        ("新居町浜名1234", "", "浜名郡新居町", "浜名1234"),  # 郡 left out
        ("千葉県市川市八幡1-1-1", "千葉県", "市川市", "八幡1-1-1"),
        # Unknown municipalities: the pattern, trusted after a prefecture or with 市.
        ("兵庫県豊岡市中央町2-4", "兵庫県", "豊岡市", "中央町2-4"),
        ("岐阜県揖斐郡池田町六之井1468-1", "岐阜県", "揖斐郡池田町", "六之井1468-1"),
        # No municipality written: a bare 〇〇町 is the 町名, not a town.
        ("本町2-3-5", "", "", "本町2-3-5"),
        ("鷲津三丁目12番地", "", "", "鷲津三丁目12番地"),
    ],
)
def test_addresses_split_into_prefecture_municipality_and_the_rest(
    address, prefecture, municipality, rest
):
    found = split_address(address, KNOWN)
    assert (found.prefecture, found.municipality, found.rest) == (prefecture, municipality, rest)
