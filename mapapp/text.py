"""Japanese text normalisation: the one place that turns what people and files write into
comparable text."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter

# CJK Radicals Supplement → equivalent unified ideograph, transcribed from Unicode's
# EquivalentUnifiedIdeograph.txt (U+2E81..U+2EF3; U+2E80 and U+2E9A have none). PDF text
# extraction emits these for ordinary kanji (⺝ for 月, ⻑ for 長); NFKC maps only the Kangxi
# Radicals block (U+2F00–U+2FD5, e.g. ⽉ → 月), not this one. Rows are (first, last, ideograph).
RADICAL_SUPPLEMENT_RANGES: tuple[tuple[int, int, int], ...] = (
    (0x2E81, 0x2E81, 0x5382), (0x2E82, 0x2E82, 0x4E5B), (0x2E83, 0x2E83, 0x4E5A),
    (0x2E84, 0x2E84, 0x4E59), (0x2E85, 0x2E85, 0x4EBB), (0x2E86, 0x2E86, 0x5182),
    (0x2E87, 0x2E87, 0x20628), (0x2E88, 0x2E88, 0x5200), (0x2E89, 0x2E89, 0x5202),
    (0x2E8A, 0x2E8A, 0x535C), (0x2E8B, 0x2E8B, 0x353E), (0x2E8C, 0x2E8D, 0x5C0F),
    (0x2E8E, 0x2E8E, 0x5140), (0x2E8F, 0x2E8F, 0x5C23), (0x2E90, 0x2E90, 0x5C22),
    (0x2E91, 0x2E91, 0x21BC2), (0x2E92, 0x2E92, 0x5DF3), (0x2E93, 0x2E93, 0x5E7A),
    (0x2E94, 0x2E94, 0x5F51), (0x2E95, 0x2E95, 0x5F50), (0x2E96, 0x2E96, 0x5FC4),
    (0x2E97, 0x2E97, 0x5FC3), (0x2E98, 0x2E98, 0x624C), (0x2E99, 0x2E99, 0x6535),
    (0x2E9B, 0x2E9B, 0x65E1), (0x2E9C, 0x2E9C, 0x65E5), (0x2E9D, 0x2E9D, 0x6708),
    (0x2E9E, 0x2E9E, 0x6B7A), (0x2E9F, 0x2E9F, 0x6BCD), (0x2EA0, 0x2EA0, 0x6C11),
    (0x2EA1, 0x2EA1, 0x6C35), (0x2EA2, 0x2EA2, 0x6C3A), (0x2EA3, 0x2EA3, 0x706C),
    (0x2EA4, 0x2EA5, 0x722B), (0x2EA6, 0x2EA6, 0x4E2C), (0x2EA7, 0x2EA7, 0x725B),
    (0x2EA8, 0x2EA8, 0x72AD), (0x2EA9, 0x2EA9, 0x738B), (0x2EAA, 0x2EAA, 0x24D14),
    (0x2EAB, 0x2EAB, 0x76EE), (0x2EAC, 0x2EAC, 0x793A), (0x2EAD, 0x2EAD, 0x793B),
    (0x2EAE, 0x2EAE, 0x25AD7), (0x2EAF, 0x2EAF, 0x7CF9), (0x2EB0, 0x2EB0, 0x7E9F),
    (0x2EB1, 0x2EB1, 0x7F53), (0x2EB2, 0x2EB2, 0x7F52), (0x2EB3, 0x2EB3, 0x34C1),
    (0x2EB4, 0x2EB4, 0x5197), (0x2EB5, 0x2EB5, 0x2626B), (0x2EB6, 0x2EB6, 0x7F8A),
    (0x2EB7, 0x2EB7, 0x2634C), (0x2EB8, 0x2EB8, 0x2634B), (0x2EB9, 0x2EB9, 0x8002),
    (0x2EBA, 0x2EBA, 0x8080), (0x2EBB, 0x2EBB, 0x807F), (0x2EBC, 0x2EBC, 0x8089),
    (0x2EBD, 0x2EBD, 0x26951), (0x2EBE, 0x2EC0, 0x8279), (0x2EC1, 0x2EC1, 0x864E),
    (0x2EC2, 0x2EC2, 0x8864), (0x2EC3, 0x2EC3, 0x8980), (0x2EC4, 0x2EC4, 0x897F),
    (0x2EC5, 0x2EC5, 0x89C1), (0x2EC6, 0x2EC6, 0x89D2), (0x2EC7, 0x2EC7, 0x278B2),
    (0x2EC8, 0x2EC8, 0x8BA0), (0x2EC9, 0x2EC9, 0x8D1D), (0x2ECA, 0x2ECA, 0x27FB7),
    (0x2ECB, 0x2ECB, 0x8F66), (0x2ECC, 0x2ECE, 0x8FB6), (0x2ECF, 0x2ECF, 0x9091),
    (0x2ED0, 0x2ED0, 0x9485), (0x2ED1, 0x2ED1, 0x9577), (0x2ED2, 0x2ED2, 0x9578),
    (0x2ED3, 0x2ED3, 0x957F), (0x2ED4, 0x2ED4, 0x95E8), (0x2ED5, 0x2ED5, 0x28E0F),
    (0x2ED6, 0x2ED6, 0x961D), (0x2ED7, 0x2ED7, 0x96E8), (0x2ED8, 0x2ED8, 0x9752),
    (0x2ED9, 0x2ED9, 0x97E6), (0x2EDA, 0x2EDA, 0x9875), (0x2EDB, 0x2EDB, 0x98CE),
    (0x2EDC, 0x2EDC, 0x98DE), (0x2EDD, 0x2EDD, 0x98DF), (0x2EDE, 0x2EDE, 0x2967F),
    (0x2EDF, 0x2EDF, 0x98E0), (0x2EE0, 0x2EE0, 0x9963), (0x2EE1, 0x2EE1, 0x29810),
    (0x2EE2, 0x2EE2, 0x9A6C), (0x2EE3, 0x2EE3, 0x9AA8), (0x2EE4, 0x2EE4, 0x9B3C),
    (0x2EE5, 0x2EE5, 0x9C7C), (0x2EE6, 0x2EE6, 0x9E1F), (0x2EE7, 0x2EE7, 0x5364),
    (0x2EE8, 0x2EE8, 0x9EA6), (0x2EE9, 0x2EE9, 0x9EC4), (0x2EEA, 0x2EEA, 0x9EFE),
    (0x2EEB, 0x2EEB, 0x6589), (0x2EEC, 0x2EEC, 0x9F50), (0x2EED, 0x2EED, 0x6B6F),
    (0x2EEE, 0x2EEE, 0x9F7F), (0x2EEF, 0x2EEF, 0x7ADC), (0x2EF0, 0x2EF0, 0x9F99),
    (0x2EF1, 0x2EF1, 0x9F9C), (0x2EF2, 0x2EF2, 0x4E80), (0x2EF3, 0x2EF3, 0x9F9F),
)  # fmt: skip
_RADICAL_TABLE = str.maketrans(
    {
        c: chr(ideograph)
        for first, last, ideograph in RADICAL_SUPPLEMENT_RANGES
        for c in range(first, last + 1)
    }
)

# Line breaks as they arrive: HTML <br> in open data, the ⏎ that PDF copies leave, the MHLW
# CSV token （改行）, and CR/LF in any mix.
_BREAK = re.compile(r"<br\s*/?>|⏎|（改行）|\(改行\)|\r\n|\r", re.IGNORECASE)


def unify_line_breaks(value: str | None) -> str:
    """Only the line-break tokens (<br>, ⏎, （改行）, CR) to "\\n"; nothing else changes."""
    return _BREAK.sub("\n", value or "")


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


_KATAKANA_TO_HIRAGANA = {c: c - 0x60 for c in range(ord("ァ"), ord("ヶ") + 1)}


def katakana_to_hiragana(text: str) -> str:
    """Fold katakana to hiragana (ァ..ヶ → ぁ..ゖ); other characters pass through."""
    return text.translate(_KATAKANA_TO_HIRAGANA)


# Values longer than this are keyed without the cache, so that the cache holds names, not
# whole descriptions (its memory stays bounded whatever a file holds).
_CACHED_KEY_CHARS = 300


def search_key(value: str | None) -> str:
    """A key for matching names: normalised, casefolded, kana folded, without spaces or
    punctuation that people type inconsistently (・, -, 　). Cached: venues, organisations
    and kinds repeat across thousands of resources. Costs time linear in the text."""
    if value is not None and len(value) > _CACHED_KEY_CHARS:
        return _search_key(value)
    return _cached_search_key(value)


def _search_key(value: str | None) -> str:
    text = katakana_to_hiragana(normalize_line(value).casefold())
    return re.sub(r"[\s・･\-‐－ー―〜~、。,.（）()「」]", "", text)


_cached_search_key = functools.lru_cache(maxsize=100_000)(_search_key)


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
# 桜ケ丘, 霞ヶ関: a ケ/ヶ between kanji belongs to the name and is read が. The hiragana after
# a run go with it, because okurigana decide the reading (古い → ふるい, not こい).
_KANJI_RUN = re.compile(rf"({_KANJI}+(?:[ケヶ]{_KANJI}+)*[ぁ-ゖ]*)")


# A reading covers this many characters of a name at most: pykakasi's time grows faster than
# the length of a kanji run (40,000 kanji take minutes), and a name is found by its start.
READING_MAX_CHARS = 200


def reading(value: str | None) -> str:
    """A hiragana reading of a name, for search: ふれあい会館 → ふれあいかいかん.

    Computed by pykakasi one kanji run at a time (cached), so it is cheap for long lists.
    Only the first READING_MAX_CHARS characters are read, and as many of the reading kept
    (it fits every column it is stored in), so that its time is bounded whatever the text
    (about 20 ms for 200 kanji). Place names are often read wrongly
    (古見 → ふるみ, really こみ): a かな column in the source wins over this wherever one
    exists. Computed on import and stored; never inside a request.
    """
    # Normalising can lengthen text (㍿ → 株式会社): cut before and after.
    text = normalize_line((value or "")[: READING_MAX_CHARS * 2])[:READING_MAX_CHARS]
    return _reading(text)[:READING_MAX_CHARS]


@functools.lru_cache(maxsize=100_000)
def _reading(text: str) -> str:
    parts = _KANJI_RUN.split(text)
    return "".join(
        _kanji_reading(p) if i % 2 else katakana_to_hiragana(p) for i, p in enumerate(parts)
    )


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


def fuzzy_score_array(query_key: str, choice_keys: list[str]):
    """The scores of :func:`fuzzy_scores` as one NumPy array over the choices, 0.0 for a
    choice under the cutoff: no Python object per match, for indexes of 100,000 words."""
    import numpy as np
    from rapidfuzz import fuzz, process

    if not query_key or not choice_keys:
        return np.zeros(len(choice_keys))
    return process.cdist(
        [query_key],
        choice_keys,
        scorer=fuzz.WRatio,
        processor=None,
        score_cutoff=FUZZY_SCORE_CUTOFF,
        dtype=np.float64,
        workers=1,  # a serving process answers one request per core already
    )[0]


class FuzzyWords:
    """Prepared words, scored against a prepared query exactly as :func:`fuzzy_score_array`
    scores them, without running WRatio on the words that cannot reach the cutoff.

    Words and query are search keys, so they hold no spaces, and WRatio's token variants
    equal ratio and partial ratio: WRatio is the plain ratio when the longer string is
    under 1.5× or over 8× the shorter (partial ratio scaled by 0.6 stays under the cutoff),
    and the greater of the ratio and 0.9 × partial ratio in between. So a word sharing
    ``c`` characters (as a multiset) with the query scores at most 200·c/(len_q + len_w),
    or 200·c/(m + c) in between (windows up to the shorter length m); words under the
    cutoff that way are not scored. In between, a shorter string found whole in the longer
    one scores exactly 100 × 0.9. The rest are scored by rapidfuzz's ratio and partial ratio,
    each cheaper than WRatio, which computes both and the token variants too.

    >>> FuzzyWords(["ふれあいさろん", "こうみんかん"]).scores("ふれあい").tolist()
    [90.0, 0.0]
    """

    PARTIAL_SCALE = 0.9  # WRatio's weight on partial ratio for lengths 1.5× to 8× apart

    def __init__(self, words: list[str]):
        import numpy as np

        self.words = words
        self.lengths = np.array([len(w) for w in words], dtype=np.int64)
        # Postings: for each character, the words holding it and how many times.
        code_points = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32)
        owners = np.repeat(np.arange(len(words), dtype=np.int64), self.lengths)
        pairs, counts = np.unique(
            code_points.astype(np.int64) << 32 | owners, return_counts=True
        )  # sorted by character, then by word
        characters = pairs >> 32
        self._words_of = (pairs & 0xFFFFFFFF).astype(np.int32)
        self._counts = counts.astype(np.int32)
        self._characters, self._starts = np.unique(characters, return_index=True)
        self._ends = np.append(self._starts[1:], len(pairs))
        spaces = [c for c in range(0x3001) if chr(c).isspace()]
        self._spaced = bool(np.isin(self._characters, spaces).any())  # not search keys

    def scores(self, query_key: str):
        """Scores over ``words`` (0.0 under the cutoff), equal to fuzzy_score_array's."""
        import numpy as np

        scores = np.zeros(len(self.words))
        if not query_key or not self.words:
            return scores
        if self._spaced or any(c.isspace() for c in query_key):  # not search keys
            return fuzzy_score_array(query_key, self.words)
        shared = np.zeros(len(self.words), dtype=np.int64)
        for character, wanted in Counter(query_key).items():
            at = np.searchsorted(self._characters, ord(character))
            if at < len(self._characters) and self._characters[at] == ord(character):
                span = slice(self._starts[at], self._ends[at])
                shared[self._words_of[span]] += np.minimum(self._counts[span], wanted)
        length, shorter = len(query_key), np.minimum(self.lengths, len(query_key))
        apart = np.maximum(self.lengths, length) / shorter
        cutoff = FUZZY_SCORE_CUTOFF - 1e-9
        may_ratio = 200.0 * shared / (length + self.lengths) >= cutoff
        may_partial = (
            (apart >= 1.5) & (apart <= 8.0) & (200.0 * shared / (shorter + shared) >= cutoff)
        )
        # Found whole (partial ratio 100): only where every character of the shorter is shared.
        maybe_whole = np.flatnonzero(may_partial & (shared == shorter))
        words = self.words
        whole = maybe_whole[
            np.fromiter(
                (query_key in words[i] or words[i] in query_key for i in maybe_whole.tolist()),
                dtype=bool,
                count=len(maybe_whole),
            )
        ]
        scores[whole] = 100.0 * self.PARTIAL_SCALE
        may_ratio[whole] = may_partial[whole] = False
        self._score(scores, query_key, np.flatnonzero(may_ratio), "ratio")
        self._score(scores, query_key, np.flatnonzero(may_partial), "partial")
        scores[scores < FUZZY_SCORE_CUTOFF] = 0.0
        return scores

    def _score(self, scores, query_key: str, at, scorer: str) -> None:
        """scores[at] raised to rapidfuzz's ratio, or to 0.9 × its partial ratio."""
        import numpy as np
        from rapidfuzz import fuzz, process

        if not len(at):
            return
        scale = 1.0 if scorer == "ratio" else self.PARTIAL_SCALE
        found = process.cdist(
            [query_key],
            [self.words[i] for i in at.tolist()],
            scorer=fuzz.ratio if scorer == "ratio" else fuzz.partial_ratio,
            processor=None,
            # Under this the scaled score is under the cutoff: rapidfuzz may stop early.
            score_cutoff=FUZZY_SCORE_CUTOFF / scale - 1e-6,
            dtype=np.float64,
            workers=1,
        )[0]
        scores[at] = np.maximum(scores[at], found * scale)


# Matching a list's 会場 to a place already on the map is stricter than search: a plain ratio
# (no partial or reordered matches, which would make 「公民館」 match every 公民館) and a high
# cutoff, because a wrong match puts a salon in the wrong town. (常盤平/常磐平 scores 89; the
# caller also refuses matches whose numbers or directions differ: 第一/第二, 東部/西部.)
NAME_MATCH_CUTOFF = 85.0


def close_name_scores(query_key: str, choice_keys: list[str]) -> list[tuple[int, float]]:
    """(index, score) of the prepared choices spelled almost like the query, best first."""
    from rapidfuzz import fuzz, process

    if not query_key:
        return []
    matches = process.extract(
        query_key,
        choice_keys,
        scorer=fuzz.ratio,
        processor=None,
        score_cutoff=NAME_MATCH_CUTOFF,
        limit=None,
    )
    return [(index, score) for _, score, index in matches]


def contained_names(text_key: str, choice_keys: list[str]) -> list[int]:
    """Indexes of the prepared choices that stand whole inside a prepared text
    (「新町集会所」 inside 「ふれあいサロン新町集会所」)."""
    from rapidfuzz import fuzz, process

    if not text_key:
        return []
    matches = process.extract(
        text_key,
        choice_keys,
        scorer=fuzz.partial_ratio,
        processor=None,
        score_cutoff=100.0,
        limit=None,
    )
    return [index for choice, _, index in matches if len(choice) <= len(text_key)]
