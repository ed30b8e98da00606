"""Resource kinds, need kinds and volunteer skills, read from the staff-editable
``data/taxonomy.toml``; which kinds and skills meet which needs."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from mapapp.text import search_key

DEFAULT_TAXONOMY = Path(__file__).resolve().parent.parent / "data" / "taxonomy.toml"
_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_COVERAGES = ("walk", "town")  # "areas" needs the areas named, row by row
_QUALIFIER = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


class TaxonomyError(ValueError):
    """The taxonomy file is malformed; the message names the entry and the problem."""


@dataclass(frozen=True)
class Group:
    code: str
    label: str


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    group: str
    symbol: str
    color: str
    aliases: tuple[str, ...]
    # What an imported row of this kind serves when its file says nothing: "walk" (people come
    # to it) or "town" (it comes to them: 配食, 移送, 訪問…). Values of mapapp.models.Coverage.
    coverage: str = "walk"
    # The label's reading (ひらがな), for search; "" where the file gives none (then computed,
    # see mapapp.search_index.kind_readings). Given for every shipped kind, so that a serving
    # process never loads pykakasi.
    reading: str = ""


@dataclass(frozen=True)
class NeedKind:
    code: str
    label: str
    resource_kinds: tuple[str, ...]
    skills: tuple[str, ...]


@dataclass(frozen=True)
class Skill:
    code: str
    label: str


@dataclass(frozen=True)
class Taxonomy:
    groups: tuple[Group, ...]
    kinds: tuple[Kind, ...]
    needs: tuple[NeedKind, ...]
    skills: tuple[Skill, ...]

    def __post_init__(self):
        lookup: dict[str, str] = {}
        for kind in self.kinds:
            for word in (kind.code, kind.label, *kind.aliases):
                key = search_key(word)
                if lookup.get(key, kind.code) != kind.code:
                    raise TaxonomyError(
                        f"「{word}」が種別 {lookup[key]} と {kind.code} の両方にあります"
                    )
                lookup[key] = kind.code
        object.__setattr__(self, "_lookup", lookup)
        object.__setattr__(self, "_kinds", {k.code: k for k in self.kinds})

    def kind(self, code: str) -> Kind:
        """The kind with this code; KeyError if there is none."""
        return self._kinds[code]

    def has_kind(self, code: str) -> bool:
        return code in self._kinds

    def find_kind(self, word: str) -> Kind | None:
        """The kind a file's word means: its code, its label or one of its aliases.

        A word not known as written is tried without a qualifier in brackets at its end, as
        the MHLW lists write 「短期入所療養介護（介護医療院）」 for a kind of 短期入所療養介護.
        """
        code = self._lookup.get(search_key(word))
        if code is None:
            bare = _QUALIFIER.sub("", word or "").strip()
            code = self._lookup.get(search_key(bare)) if bare else None
        return None if code is None else self._kinds[code]

    def kinds_in_group(self, group: str) -> tuple[Kind, ...]:
        return tuple(k for k in self.kinds if k.group == group)

    def count_by_group(self, counts_by_kind: dict[str, int]) -> dict[str, int]:
        """{kind: n} summed into {group: n} (kinds the taxonomy no longer has go to "other")."""
        totals = dict.fromkeys((g.code for g in self.groups), 0)
        for code, n in counts_by_kind.items():
            group = self._kinds[code].group if code in self._kinds else "other"
            totals[group] = totals.get(group, 0) + n
        return totals

    def need(self, code: str) -> NeedKind:
        for need in self.needs:
            if need.code == code:
                return need
        raise KeyError(code)


def load_taxonomy(path: Path = DEFAULT_TAXONOMY) -> Taxonomy:
    """Read and check a taxonomy file; TaxonomyError says what is wrong and where."""
    try:
        raw = tomllib.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TaxonomyError(f"{path}: 読めません ({exc})") from exc
    groups = tuple(Group(f("code"), f("label")) for f in _entries(path, raw, "group"))
    kinds = tuple(
        Kind(
            f("code"),
            f("label"),
            f("group"),
            f("symbol"),
            f("color"),
            f("aliases", list, ()),
            f("coverage", str, "walk"),
            f("reading", str, ""),
        )
        for f in _entries(path, raw, "kind")
    )
    skills = tuple(Skill(f("code"), f("label")) for f in _entries(path, raw, "skill"))
    needs = tuple(
        NeedKind(f("code"), f("label"), f("resource_kinds", list), f("skills", list))
        for f in _entries(path, raw, "need")
    )
    _check(path, groups, kinds, needs, skills)
    return Taxonomy(groups, kinds, needs, skills)


_REQUIRED = object()


def _entries(path, raw: dict, table: str):
    """One reader per entry of ``[[table]]``: ``f(name, kind=str, default)`` gives the entry's
    value, and a missing or mistyped one raises TaxonomyError naming the entry, as
    「taxonomy.toml: [[kind]] の 3 番目（code = "salon"）: label がありません」."""
    entries = raw.get(table, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise TaxonomyError(f"{path}: {table} は [[{table}]] の表を並べて書いてください")
    for number, entry in enumerate(entries, start=1):
        code = entry.get("code")
        where = f"{path}: [[{table}]] の {number} 番目" + (
            f'（code = "{code}"）' if isinstance(code, str) else ""
        )

        def field(name, kind=str, default=_REQUIRED, entry=entry, where=where):
            if name not in entry:
                if default is _REQUIRED:
                    raise TaxonomyError(f"{where}: {name} がありません")
                return default
            value = entry[name]
            if kind is list:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise TaxonomyError(
                        f'{where}: {name} は文字列の並び（["…", "…"]）で書いてください'
                    )
                return tuple(value)
            if not isinstance(value, str):
                raise TaxonomyError(f'{where}: {name} は文字列（"…"）で書いてください')
            return value

        yield field


def _check(path, groups, kinds, needs, skills) -> None:
    group_codes = {g.code for g in groups}
    kind_codes = [k.code for k in kinds]
    skill_codes = {s.code for s in skills}
    problems = []
    for code in [*group_codes, *kind_codes, *skill_codes, *(n.code for n in needs)]:
        if not _CODE.fullmatch(code):
            problems.append(f"code「{code}」は英小文字・数字・_ で書いてください")
    if len(set(kind_codes)) != len(kind_codes):
        problems.append("種別の code が重複しています")
    colors_in_group: dict[tuple[str, str], str] = {}
    for kind in kinds:
        # On the map a kind is told from the others of its group by its colour.
        same = colors_in_group.setdefault((kind.group, kind.color.lower()), kind.code)
        if same != kind.code:
            problems.append(f"種別 {kind.code}: color が同じまとまりの {same} と同じです")
        if kind.group not in group_codes:
            problems.append(f"種別 {kind.code}: group「{kind.group}」がありません")
        if not _COLOR.fullmatch(kind.color):
            problems.append(f"種別 {kind.code}: color は #rrggbb で書いてください")
        if len(kind.symbol) != 1:
            problems.append(f"種別 {kind.code}: symbol は 1 文字にしてください")
        if kind.coverage not in DEFAULT_COVERAGES:
            problems.append(f"種別 {kind.code}: coverage は walk か town にしてください")
    for need in needs:
        problems += [
            f"ニーズ {need.code}: 種別「{k}」がありません"
            for k in need.resource_kinds
            if k not in kind_codes
        ]
        problems += [
            f"ニーズ {need.code}: 活動「{s}」がありません"
            for s in need.skills
            if s not in skill_codes
        ]
    if not kinds:
        problems.append("種別が一つもありません")
    if problems:
        raise TaxonomyError(f"{path}: " + "; ".join(problems))
