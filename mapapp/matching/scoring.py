"""The score of a candidate who passed the hard filters: a sum of parts, each with its
reason in Japanese, so a coordinator sees why one is above another.

Volunteers (weights are the MAPAPP_MATCH_WEIGHT_* settings; defaults in brackets):

- 距離 [40]: W × (1 − distance / the volunteer's 移動距離m); with 徒歩N分 beside it
- 日時 [20]: W × the largest share of one wanted slot their hours cover; W / 2 when it
  cannot be told (no time given on either side, or no hours on a shared weekday)
- 継続 [25]: W when they helped this person before (a case accepted or done), else 0
- 負担 [15]: W / (1 + requests made to them in the last MATCH_LOAD_DAYS days)
- 希望 [10]: +W when they meet the person's wish (同性の方, 女性の方…), −W when they do not,
  0 when there is no wish or a gender is not recorded (said so: 要確認)

Resources: 距離 as above against MATCH_WALK_M for 徒歩圏 places, W / 2 for services that
cover the person's area or the whole town (they come to the person; a place within walking
distance ranks above them when its day fits), and 日時 against the place's 開催日時.
"""

from __future__ import annotations

from dataclasses import dataclass

from mapapp.geo import walk_min
from mapapp.matching.facts import NeedFacts, PersonHistory, VolunteerFacts
from mapapp.matching.settings import MatchSettings
from mapapp.matching.times import Availability, overlap_share
from mapapp.matching.vocab import wished_gender


@dataclass(frozen=True)
class Part:
    name: str  # distance | time | continuity | load | wish
    points: float
    text: str

    def reason(self) -> str:
        return f"{self.text}（{self.points:+.1f}）"

    def to_json(self) -> dict:
        return {"name": self.name, "points": round(self.points, 2), "text": self.text}


def distance_text(distance: float, settings: MatchSettings) -> str:
    minutes = walk_min(distance, settings.walk_m_per_min)
    return f"距離 約{distance:,.0f}m（徒歩{minutes}分）"


def time_part(need: Availability, other: Availability, weight: float, who: str) -> Part:
    if not need.known:
        return Part("time", weight / 2, "希望日時の指定なし（要確認）")
    if not other.known:
        return Part("time", weight / 2, f"{who}の日時がわかりません（要確認）")
    share = overlap_share(need, other)
    wanted = f"（希望 {need.describe()}）"
    if share is None:
        return Part("time", weight / 2, f"曜日は合います（時間は要確認）{wanted}")
    return Part(
        "time", weight * share, f"希望時間の {share * 100:.0f}% が{who}の時間と重なります{wanted}"
    )


def volunteer_parts(
    need: NeedFacts,
    v: VolunteerFacts,
    history: PersonHistory,
    distance: float,
    settings: MatchSettings,
) -> list[Part]:
    s = settings
    closeness = max(0.0, 1.0 - distance / v.travel_m) if v.travel_m > 0 else 0.0
    parts = [
        Part("distance", s.weight_distance * closeness, distance_text(distance, s)),
        time_part(need.when, v.when, s.weight_time, "活動"),
    ]
    if v.id in history.helped:
        parts.append(
            Part("continuity", s.weight_continuity, "前にもこの方を担当しています（継続）")
        )
    else:
        parts.append(Part("continuity", 0.0, "この方の担当は初めて"))
    parts.append(
        Part(
            "load",
            s.weight_load / (1 + v.recent_asks),
            f"最近{s.load_days}日の依頼 {v.recent_asks}件、担当中 {v.active_cases}/{v.capacity}人",
        )
    )
    parts.append(wish_part(need, v, s))
    return parts


def wish_part(need: NeedFacts, v: VolunteerFacts, settings: MatchSettings) -> Part:
    wanted, words = wished_gender(need.wishes, need.gender)
    if not words:
        return Part("wish", 0.0, "希望: 特になし")
    if not wanted:
        return Part("wish", 0.0, f"希望「{words}」: 相談者の性別が未登録（要確認）")
    if not v.gender:
        return Part("wish", 0.0, f"希望「{words}」: 担い手の性別が未登録（要確認）")
    if v.gender == wanted:
        return Part("wish", settings.weight_wish, f"希望「{words}」に合います")
    return Part("wish", -settings.weight_wish, f"希望「{words}」に合いません")


def total(parts: list[Part]) -> float:
    return round(sum(p.points for p in parts), 1)
