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
    try:
        groups = tuple(Group(g["code"], g["label"]) for g in raw.get("group", []))
        kinds = tuple(
            Kind(
                k["code"],
                k["label"],
                k["group"],
                k["symbol"],
                k["color"],
                tuple(k.get("aliases", ())),
            )
            for k in raw.get("kind", [])
        )
        skills = tuple(Skill(s["code"], s["label"]) for s in raw.get("skill", []))
        needs = tuple(
            NeedKind(n["code"], n["label"], tuple(n["resource_kinds"]), tuple(n["skills"]))
            for n in raw.get("need", [])
        )
    except KeyError as exc:
        raise TaxonomyError(f"{path}: 項目 {exc} がない項目があります") from exc
    _check(path, groups, kinds, needs, skills)
    return Taxonomy(groups, kinds, needs, skills)


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
