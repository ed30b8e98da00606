"""Japanese normalisation: the ugly real strings."""

import pytest

from mapapp.text import (
    katakana_to_hiragana,
    looks_garbled,
    normalize_line,
    normalize_text,
    search_key,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("毎週⽉曜⽇ 10:00〜11:30", "毎週月曜日 10:00〜11:30"),  # Kangxi radicals ⽉ ⽇
        ("毎⽉２回／第２、第４⾦曜⽇10:00〜11:30", "毎月2回/第2、第4金曜日10:00〜11:30"),
        ("参加費200円（イベント時の⾷費は別 ⏎ 途）", "参加費200円(イベント時の食費は別\n途)"),
        ("ひまわりカフェ、<br>ひまわりカフェin表鷲津", "ひまわりカフェ、\nひまわりカフェin表鷲津"),
        ("土日祝（改行）年末年始", "土日祝\n年末年始"),
        ("ﾌﾚｱｲ会館", "フレアイ会館"),
        ("  訪問看護ステーション　はまな  ", "訪問看護ステーション はまな"),
        ("⻑寿会館 ⻘空サロン", "長寿会館 青空サロン"),  # CJK radicals supplement ⻑ ⻘
        ("a\r\n\r\nb", "a\nb"),
        (None, ""),
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


def test_normalize_line_joins_lines():
    assert normalize_line("表鷲津<br>多目的センター") == "表鷲津 多目的センター"


@pytest.mark.parametrize(
    "typed", ["ふれあい会館", "フレアイ会館", "ﾌﾚｱｲ会館", "ふれあい 会館", "ふれあい・会館"]
)
def test_search_key_folds_what_people_type_differently(typed):
    assert search_key(typed) == search_key("ふれあい会館")


def test_katakana_to_hiragana():
    assert katakana_to_hiragana("サロン・カフェヴ") == "さろん・かふぇゔ"


@pytest.mark.parametrize(
    ("text", "garbled"),
    [
        ("{ꏬwZ", True),
        ("ΐs{5030", True),
        ("hÏwZ", True),
        ("鷲津小学校", False),
        ("Rococo カフェ", False),
    ],
)
def test_looks_garbled(text, garbled):
    assert looks_garbled(text) is garbled
