"""Prepare free-text 開催日時 and 参加費 strings for parsing, on top of mapapp.text."""

from __future__ import annotations

import re

from mapapp.text import normalize_text

# Every "from … to" mark people type becomes "~"; NFKC already turned ～ (U+FF5E) into "~".
_TILDE_TABLE = str.maketrans(dict.fromkeys("〜〰∼⁓", "~"))
# Dashes other than ー: ー is kept because katakana words (コーヒー) need it; the lexer reads it
# as "to" only between times.
_DASH_TABLE = str.maketrans(dict.fromkeys("‐‑‒–—―−﹣", "-"))

_KANJI_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# 第一・三水曜日 → 第1・3水曜日; 週二回 → 週2回 (only where a kanji numeral can only be a number).
_KANJI_ORDINAL = re.compile(r"第[一二三四五](?:[・、,~と]第?[一二三四五])*")
_KANJI_COUNT = re.compile(r"(?<=[週月年])(に?)([一二三四五六七八九])(?=回)")
_PARENTHESISED = re.compile(r"\([^()\n]*(?:\n[^()\n]*)+\)")


def _kanji_digits(match: re.Match[str]) -> str:
    return "".join(str(_KANJI_DIGITS.get(char, char)) for char in match.group(0))


def _rejoin(match: re.Match[str]) -> str:
    # A line break inside parentheses is a PDF wrap: 「（食費は別 ⏎ 途）」 means 別途.
    return match.group(0).replace("\n", "")


def normalize_schedule_text(text: str) -> str:
    """Normalise a 開催日時 or 参加費 string for the lexers.

    mapapp.text.normalize_text (NFKC and every radical code point to its kanji; ``<br>``/``⏎``
    → ``\\n``; spaces), then every tilde → ``~``, dashes →
    ``-``, line breaks inside parentheses removed, kanji numerals after 第 and before 回 →
    digits.

    >>> normalize_schedule_text("毎⽉第２、第４⾦曜⽇ 10：00〜11：30")
    '毎月第2、第4金曜日 10:00~11:30'
    """
    prepared = normalize_text(text)
    prepared = prepared.translate(_TILDE_TABLE).translate(_DASH_TABLE)
    prepared = _PARENTHESISED.sub(_rejoin, prepared)
    prepared = _KANJI_ORDINAL.sub(_kanji_digits, prepared)
    return _KANJI_COUNT.sub(lambda m: m.group(1) + str(_KANJI_DIGITS[m.group(2)]), prepared)
