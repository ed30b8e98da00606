"""What the resident pages add around their lists: the town's name, the publisher and a help
contact on every page; lists in 五十音 order grouped by kind group with 通いの場 first; the
places a date filter leaves out because nobody wrote their dates; map legends; area names
as residents say them; light area outlines for overview maps."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from flask import current_app, g

from mapapp import catalog, features, maps
from mapapp.contact import ContactPart, contact_parts
from mapapp.listing import area_name
from mapapp.search import ResourceIndex, SearchQuery, search

GATHERING_GROUP = "kayoi"
# Overview maps draw areas simplified to about 20 m and with coordinates to about 1 m: the
# outline of a 町丁 stays recognisable and a page of many areas stays light.
OUTLINE_TOLERANCE_DEG = 0.0002
OUTLINE_DECIMALS = 5


@dataclass(frozen=True)
class Site:
    """What every resident page shows: whose map it is and whom to ask."""

    town: str  # 湖西市; "" when neither the setting nor a 第1層 area names it
    publisher: str  # who hands out printed lists
    help_contact: tuple[ContactPart, ...]  # name and phone, with tel: links

    @property
    def name(self) -> str:
        """The site's name in titles: 「湖西市 地域ささえあいマップ」."""
        return f"{self.town} 地域ささえあいマップ" if self.town else "地域ささえあいマップ"

    @property
    def help_text(self) -> str:
        return "".join(p.text for p in self.help_contact)


def site() -> Site:
    """The Site of this request, read once per request (two small queries)."""
    if "mapapp_site" in g:
        return g.mapapp_site
    from mapapp.storage import get_storage

    config = current_app.config
    with get_storage(current_app).reading() as session:
        town = catalog.municipality_name(session, config["MUNICIPALITY_NAME"])
        if town == "地域ささえあいマップ":  # municipality_name's own fallback: no name known
            town = ""
        help_text = config["HELP_CONTACT"] or catalog.town_contact(session)
    g.mapapp_site = Site(
        town=town,
        publisher=config["PUBLISHER"] or town or "地域ささえあいマップ",
        help_contact=contact_parts(help_text),
    )
    return g.mapapp_site


def area_display_name(name: str, kind_label: str) -> str:
    """An area as residents say it (「鷲津小学校区」, not the school 「鷲津小学校」)."""
    return area_name(name, kind_label)


def outline(area, url: str, *, labelled: bool = False) -> dict:
    """An area for an overview map, simplified (OUTLINE_TOLERANCE_DEG) and rounded."""
    geometry = features.shape(
        area.geom, tolerance_deg=OUTLINE_TOLERANCE_DEG, decimals=OUTLINE_DECIMALS
    )
    name = area_display_name(area.name, area.kind_label)
    return features.feature(geometry, {"name": name, "url": url, "label": labelled})


# --- lists -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardGroup:
    code: str
    label: str
    cards: list
    open: bool


def grouped(cards, taxonomy, order: tuple[str, ...] = ()) -> list[CardGroup]:
    """Cards by kind group, in ``order`` or the taxonomy's (通いの場 first). Groups other
    than 通いの場 start folded when the list has 通いの場 too (printing unfolds them)."""
    labels = {group.code: group.label for group in taxonomy.groups}
    if order:
        labels = {code: labels[code] for code in (*order, *labels) if code in labels}
    by_group: dict[str, list] = {}
    for card in cards:
        by_group.setdefault(card.group if card.group in labels else "other", []).append(card)
    has_gatherings = GATHERING_GROUP in by_group
    return [
        CardGroup(
            code,
            labels[code],
            by_group[code],
            open=code == GATHERING_GROUP or not has_gatherings,
        )
        for code in labels
        if code in by_group
    ]


def undated_nearby(index: ResourceIndex, query: SearchQuery) -> int:
    """How many places the query would find without its weekday and date filters whose
    schedule gives no dates (nobody wrote them, or a person must check them): a date filter
    leaves them out, and the page must not say there is nothing."""
    if query.weekday is None and query.open_between is None:
        return 0
    wider = dataclasses.replace(query, weekday=None, open_between=None)
    ids = search(index, wider).ids
    if not len(ids):
        return 0
    positions = np.searchsorted(index.ids, ids)  # the index is in id order
    schedules = index.open_days.schedules  # one per distinct (開催日時, 休み) pair
    return sum(
        1
        for p in positions
        if not schedules[index.schedule_of[p]].rules
        and not schedules[index.schedule_of[p]].suspended
    )


def legend(cards, taxonomy) -> list[maps.KindStyle]:
    """The kinds a map shows, in the taxonomy's order, with how many of each."""
    counts: dict[str, int] = {}
    for card in cards:
        if card.lat is not None:
            counts[card.kind] = counts.get(card.kind, 0) + 1
    return [
        maps.KindStyle(k.code, k.label, k.symbol, k.group, counts[k.code])
        for k in taxonomy.kinds
        if k.code in counts
    ]


def gathering_kinds(taxonomy, used: dict[str, int]) -> tuple[str, ...]:
    """The 通いの場 kinds the town has (all of them when it has none yet)."""
    kinds = tuple(k.code for k in taxonomy.kinds_in_group(GATHERING_GROUP))
    return tuple(k for k in kinds if k in used) or kinds


def describe_kinds(kinds, taxonomy, used: dict[str, int]) -> str:
    """「通いの場」, 「すべての種類」, or the labels: 「サロン・配食」 (three, then ほか)."""
    chosen = set(kinds)
    if not chosen or chosen >= set(used):
        return "すべての種類"
    if chosen == set(gathering_kinds(taxonomy, used)):
        return "通いの場"
    labels = [k.label for k in taxonomy.kinds if k.code in chosen]
    return "・".join(labels[:3]) + ("ほか" if len(labels) > 3 else "")


def describe_filters(filters, kinds_words: str) -> list[str]:
    """The filters in words, for the folded filter box and print titles."""
    words = [kinds_words] if kinds_words else []
    if filters.weekday is not None:
        words.append("月火水木金土日"[filters.weekday] + "曜日")
    if filters.date:
        words.append(f"{filters.date.month}月{filters.date.day}日")
    if filters.this_week:
        words.append("今週")
    if filters.free_only:
        words.append("無料")
    if filters.pickup_only:
        words.append("送迎あり")
    return words
