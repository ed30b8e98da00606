"""The matcher's weights and thresholds, with their defaults from the settings table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from mapapp.config import SETTINGS_BY_NAME
from mapapp.models import TravelMode

_SETTING_OF = {
    "walk_m": "MATCH_WALK_M",
    "reach_walk_m": "MATCH_REACH_WALK_M",
    "reach_bicycle_m": "MATCH_REACH_BICYCLE_M",
    "reach_car_m": "MATCH_REACH_CAR_M",
    "weight_distance": "MATCH_WEIGHT_DISTANCE",
    "weight_time": "MATCH_WEIGHT_TIME",
    "weight_continuity": "MATCH_WEIGHT_CONTINUITY",
    "weight_load": "MATCH_WEIGHT_LOAD",
    "weight_wish": "MATCH_WEIGHT_WISH",
    "load_days": "MATCH_LOAD_DAYS",
    "points_per_help": "MATCH_POINTS_PER_HELP",
    "list_limit": "MATCH_LIST_LIMIT",
    "walk_m_per_min": "WALK_M_PER_MIN",
}


def _default(name: str):
    return SETTINGS_BY_NAME[_SETTING_OF[name]].default


@dataclass(frozen=True)
class MatchSettings:
    walk_m: int = _default("walk_m")
    reach_walk_m: int = _default("reach_walk_m")
    reach_bicycle_m: int = _default("reach_bicycle_m")
    reach_car_m: int = _default("reach_car_m")
    weight_distance: float = _default("weight_distance")
    weight_time: float = _default("weight_time")
    weight_continuity: float = _default("weight_continuity")
    weight_load: float = _default("weight_load")
    weight_wish: float = _default("weight_wish")
    load_days: int = _default("load_days")
    points_per_help: int = _default("points_per_help")
    list_limit: int = _default("list_limit")
    walk_m_per_min: float = _default("walk_m_per_min")

    @classmethod
    def from_config(cls, config: Mapping) -> MatchSettings:
        """The settings of an app's config (MAPAPP_MATCH_*); defaults for the rest."""
        return cls(
            **{f.name: config.get(_SETTING_OF[f.name], getattr(cls, f.name)) for f in fields(cls)}
        )

    def default_reach(self, mode: TravelMode) -> int:
        """移動距離m for a volunteer whose list gives none."""
        return {
            TravelMode.WALK: self.reach_walk_m,
            TravelMode.BICYCLE: self.reach_bicycle_m,
            TravelMode.CAR: self.reach_car_m,
        }[TravelMode(mode)]


DEFAULT_SETTINGS = MatchSettings()
