"""Words of the lists and forms: need kinds and skills (taxonomy codes by code, label or
alias), statuses, travel modes, genders."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mapapp.models import NeedStatus, TravelMode, Urgency, VolunteerStatus
from mapapp.taxonomy import Taxonomy
from mapapp.text import normalize_line, search_key

# Words people use for a need kind that the taxonomy's labels do not contain as such; each is
# used only when the taxonomy has that code (a town's own taxonomy may not).
NEED_ALIASES = {
    "家事援助": "kaji",
    "家事支援": "kaji",
    "ゴミ出し": "kaji",
    "ごみ出し": "kaji",
    "電球交換": "kaji",
    "草取り": "kaji",
    "家具の移動": "kaji",
    "話し相手": "hanashiaite",
    "交流サロン": "hanashiaite",
    "交流": "hanashiaite",
    "居場所": "hanashiaite",
    "外出支援": "gaishutsu",
    "付き添い": "gaishutsu",
    "外出の付き添い": "gaishutsu",
    "移動支援": "gaishutsu",
    "買い物支援": "kaimono",
    "買物": "kaimono",
    "配食": "haishoku",
    "配送": "haishoku",
    "見守り": "mimamori",
    "安否確認": "mimamori",
    "見守りや安否確認": "mimamori",
    "体操教室": "taiso",
    "介護予防": "taiso",
    "介護の相談": "kaigo_soudan",
    "介護者支援": "kaigo_soudan",
}
SKILL_ALIASES = {
    "送迎": "unten",
    "運転": "unten",
    "移送": "unten",
    "付き添い": "tsukisoi",
    "買い物": "kaimono",
    "買物": "kaimono",
    "掃除": "kaji",
    "電球交換": "kaji",
    "家具の移動": "chikara_shigoto",
    "力仕事": "chikara_shigoto",
    "声かけ": "mimamori",
    "安否確認": "mimamori",
}
_BRACKETS = re.compile(r"[（(]([^（）()]*)[）)]")
_PARTS = re.compile(r"[・、,/／]")


def _words(label: str) -> list[str]:
    """「家事援助（ゴミ出し・電球交換）」 → the label, 家事援助, ゴミ出し, 電球交換."""
    words = [label]
    bare = _BRACKETS.sub("", label).strip()
    if bare:
        words.append(bare)
        words += [p for p in _PARTS.split(bare) if p.strip()]
    for inside in _BRACKETS.findall(label):
        words += [p.removesuffix("など") for p in _PARTS.split(inside) if p.strip()]
    return words


@dataclass(frozen=True)
class Vocabulary:
    """Need kinds and skills of a taxonomy, found by code, label, a part of the label or an
    alias. The first meaning of a word wins: codes and labels before parts, parts before the
    built-in aliases; a skill's label means the need kind that lists it, when only one does."""

    taxonomy: Taxonomy

    def __post_init__(self):
        needs: dict[str, str] = {}
        for need in self.taxonomy.needs:
            needs.setdefault(search_key(need.code), need.code)
            needs.setdefault(search_key(need.label), need.code)
        for need in self.taxonomy.needs:
            for word in _words(need.label):
                needs.setdefault(search_key(word), need.code)
        codes = {n.code for n in self.taxonomy.needs}
        for word, code in NEED_ALIASES.items():
            if code in codes:
                needs.setdefault(search_key(word), code)
        skills: dict[str, str] = {}
        for skill in self.taxonomy.skills:
            skills.setdefault(search_key(skill.code), skill.code)
            skills.setdefault(search_key(skill.label), skill.code)
        for skill in self.taxonomy.skills:
            for word in _words(skill.label):
                skills.setdefault(search_key(word), skill.code)
        skill_codes = {s.code for s in self.taxonomy.skills}
        for word, code in SKILL_ALIASES.items():
            if code in skill_codes:
                skills.setdefault(search_key(word), code)
        for skill in self.taxonomy.skills:
            meeting = [n.code for n in self.taxonomy.needs if skill.code in n.skills]
            if len(meeting) == 1:
                for word in (skill.code, *_words(skill.label)):
                    needs.setdefault(search_key(word), meeting[0])
        object.__setattr__(self, "_needs", needs)
        object.__setattr__(self, "_skills", skills)

    def need_kind(self, word: str) -> str | None:
        return self._needs.get(search_key(word))

    def skill(self, word: str) -> str | None:
        return self._skills.get(search_key(word))

    def need_label(self, code: str) -> str:
        for need in self.taxonomy.needs:
            if need.code == code:
                return need.label
        return code

    def skill_label(self, code: str) -> str:
        for skill in self.taxonomy.skills:
            if skill.code == code:
                return skill.label
        return code

    def skills_for(self, need_kinds) -> frozenset[str]:
        """The skills that meet any of these need kinds."""
        wanted = set(need_kinds)
        return frozenset(s for n in self.taxonomy.needs if n.code in wanted for s in n.skills)

    def resource_kinds_for(self, need_kinds) -> frozenset[str]:
        wanted = set(need_kinds)
        return frozenset(
            k for n in self.taxonomy.needs if n.code in wanted for k in n.resource_kinds
        )


NEED_STATUS_WORDS = {
    "受付": NeedStatus.RECEIVED,
    "調整中": NeedStatus.ARRANGING,
    "手配済": NeedStatus.ARRANGED,
    "手配済み": NeedStatus.ARRANGED,
    "完了": NeedStatus.DONE,
    "つなぎ": NeedStatus.REFERRED,
    "取り下げ": NeedStatus.WITHDRAWN,
    "取下げ": NeedStatus.WITHDRAWN,
}
VOLUNTEER_STATUS_WORDS = {
    "活動中": VolunteerStatus.ACTIVE,
    "休止": VolunteerStatus.PAUSED,
    "休止中": VolunteerStatus.PAUSED,
}
TRAVEL_WORDS = {
    "徒歩": TravelMode.WALK,
    "歩き": TravelMode.WALK,
    "自転車": TravelMode.BICYCLE,
    "車": TravelMode.CAR,
    "自動車": TravelMode.CAR,
    "バイク": TravelMode.CAR,
}
URGENCY_WORDS = {
    "通常": Urgency.NORMAL,
    "普通": Urgency.NORMAL,
    "早めに": Urgency.SOON,
    "急ぎ": Urgency.SOON,
    "至急": Urgency.URGENT,
    "緊急": Urgency.URGENT,
}
GENDER_WORDS = {
    "女性": "女性",
    "女": "女性",
    "f": "女性",
    "男性": "男性",
    "男": "男性",
    "m": "男性",
}


def _word(text: str, words: dict, enum_cls, what: str, default):
    value = normalize_line(text)
    if not value:
        return default
    if value in words:
        return words[value]
    try:
        return enum_cls(value.lower())
    except ValueError:
        choices = "・".join(words)
        raise ValueError(f"{what}「{text}」は {choices} のどれかにしてください") from None


def need_status(text: str) -> NeedStatus:
    return _word(text, NEED_STATUS_WORDS, NeedStatus, "状態", NeedStatus.RECEIVED)


def volunteer_status(text: str) -> VolunteerStatus:
    return _word(text, VOLUNTEER_STATUS_WORDS, VolunteerStatus, "状態", VolunteerStatus.ACTIVE)


def travel_mode(text: str) -> TravelMode:
    words = {k: v for k, v in TRAVEL_WORDS.items() if k in ("徒歩", "自転車", "車")}
    try:
        return _word(text, TRAVEL_WORDS, TravelMode, "移動手段", TravelMode.WALK)
    except ValueError:
        raise ValueError(
            f"移動手段「{text}」は {'・'.join(words)} のどれかにしてください"
        ) from None


def urgency(text: str) -> Urgency:
    return _word(text, URGENCY_WORDS, Urgency, "緊急度", Urgency.NORMAL)


def gender(text: str) -> str:
    value = normalize_line(text).lower()
    if not value:
        return ""
    if value in GENDER_WORDS:
        return GENDER_WORDS[value]
    raise ValueError(f"性別「{text}」は 女性・男性 のどちらかにするか、空にしてください")


def wished_gender(wishes: str, own_gender: str) -> tuple[str | None, str]:
    """(the helper's gender the person wishes, or None; the wish in words).

    同性 means the person's own gender (unknown when it is not recorded: ""); 女性 / 男性
    named in the wishes mean that one."""
    text = normalize_line(wishes)
    if "同性" in text:
        return own_gender, "同性の方"
    if "女性" in text:
        return "女性", "女性の方"
    if "男性" in text:
        return "男性", "男性の方"
    return None, ""
