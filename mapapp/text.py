"""Japanese text normalisation: the one place that turns what people and files write into
comparable text."""

from __future__ import annotations

import functools
import re
import unicodedata

# CJK Radicals Supplement characters that PDF text extraction emits for ordinary kanji.
# NFKC already maps the Kangxi Radicals block (U+2F00–U+2FD5, e.g. ⽉ → 月); this block has
# no compatibility mapping except for a couple of code points, so it is listed by hand.
_RADICAL_SUPPLEMENT = {
    "\u2e8f": "尢",
    "\u2ec4": "西",
    "\u2ec6": "角",
    "\u2ecc": "辶",
    "\u2ed1": "長",
    "\u2ed8": "青",
    "\u2edd": "食",
    "\u2ee3": "骨",
    "\u2ee4": "鬼",
    "\u2ee8": "麦",
    "\u2ee9": "黄",
    "\u2eeb": "斉",
    "\u2eed": "歯",
    "\u2eef": "竜",
    "\u2ef2": "亀",
}
_RADICAL_TABLE = str.maketrans(_RADICAL_SUPPLEMENT)

# Line breaks as they arrive: HTML <br> in open data, the ⏎ that PDF copies leave, the MHLW
# CSV token （改行）, and CR/LF in any mix.
_BREAK = re.compile(r"<br\s*/?>|⏎|（改行）|\(改行\)|\r\n|\r", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u3000\u00a0]+")
_BLANK_LINES = re.compile(r"\n{2,}")

# Tildes and dashes that mean "from … to" between times or numbers.
TILDES = "~〜～∼"


def normalize_text(value: str | None) -> str:
    """Normalise text for storage and comparison, keeping its line breaks.

    NFKC (full-width ASCII to half-width, half-width katakana to full-width), Kangxi and
    CJK-radical code points to ordinary kanji, ``<br>``/``⏎``/``（改行）`` to ``\\n``, runs of
    spaces (including the ideographic space) to one space, each line stripped.

    >>> normalize_text("毎週⽉曜⽇　１０:００〜<br>ﾌﾚｱｲ会館 ")
    '毎週月曜日 10:00〜\\nフレアイ会館'
    """
    if not value:
        return ""
    text = _BREAK.sub("\n", str(value))
    text = unicodedata.normalize("NFKC", text).translate(_RADICAL_TABLE)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip("\n")


def normalize_line(value: str | None) -> str:
    """Like :func:`normalize_text`, but for one-line values: line breaks become spaces."""
    return normalize_text(value).replace("\n", " ")


def katakana_to_hiragana(text: str) -> str:
    """Fold katakana to hiragana (ァ..ヶ → ぁ..ゖ); other characters pass through."""
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def search_key(value: str | None) -> str:
    """A key for matching names: normalised, casefolded, kana folded, without spaces or
    punctuation that people type inconsistently (・, -, 　)."""
    text = katakana_to_hiragana(normalize_line(value).casefold())
    return re.sub(r"[\s・･\-‐－ー―〜~、。,.（）()「」]", "", text)


_MOJIBAKE_HINTS = re.compile(
    r"[\ua000-\ua4cf\u0370-\u03ff\u0400-\u04ff\ue000-\uf8ff\ufffd\u00c0-\u00ff]"
)


def looks_garbled(value: str) -> bool:
    """True when Japanese text looks like Shift_JIS bytes decoded as something else.

    Greek, Cyrillic, Latin-1 letters, private-use code points and U+FFFD are what such
    mis-decoding leaves behind; real Japanese place names contain none of them.
    """
    return bool(_MOJIBAKE_HINTS.search(value or ""))


_KANJI = r"[\u3400-\u9fff\uf900-\ufaff々〆]"
# 桜ケ丘, 霞ヶ関: a ケ/ヶ between kanji belongs to the name and is read が.
_KANJI_RUN = re.compile(rf"({_KANJI}+(?:[ケヶ]{_KANJI}+)*)")


def reading(value: str | None) -> str:
    """A hiragana reading of a name, for search: ふれあい会館 → ふれあいかいかん.

    Computed by pykakasi one kanji run at a time (cached), so it is cheap for long lists.
    Place names are often read wrongly (古見 → ふるみ, really こみ): a かな column in the
    source wins over this wherever one exists.
    """
    text = normalize_line(value)
    parts = _KANJI_RUN.split(text)
    return "".join(_kanji_reading(p) if i % 2 else katakana_to_hiragana(p) for i, p in enumerate(parts))


@functools.lru_cache(maxsize=65536)
def _kanji_reading(run: str) -> str:
    return "".join(item["hira"] for item in _kakasi().convert(run))


@functools.lru_cache(maxsize=1)
def _kakasi():
    import pykakasi

    return pykakasi.kakasi()


# The one rapidfuzz configuration: choices are prepared with search_key() once, so no
# processor runs per comparison; WRatio copes with partial and reordered matches; below the
# cutoff a query matches nothing rather than the least-bad rows.
FUZZY_SCORE_CUTOFF = 82.0


def fuzzy_scores(query_key: str, choice_keys: list[str]) -> list[tuple[int, float]]:
    """(index, score) of every prepared choice that matches a prepared query, best first."""
    from rapidfuzz import fuzz, process

    if not query_key:
        return []
    matches = process.extract(
        query_key,
        choice_keys,
        scorer=fuzz.WRatio,
        processor=None,
        score_cutoff=FUZZY_SCORE_CUTOFF,
        limit=None,
    )
    return [(index, score) for _, score, index in matches]
