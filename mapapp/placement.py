"""Finding a point for a resource that has none: by its venue, by its 町丁目・大字, or by an
address-search service, in that order, saying each time how the point was found.

Everything here works on plain data (no database, no Flask): the importer hands in the
places already on the map and the gazetteer, and gets back a :class:`Placed` or a reason.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from mapapp.addresses import place_key, split_address
from mapapp.geo import distance_m
from mapapp.models import Placement
from mapapp.text import close_name_scores, contained_names, search_key

# Two candidate points closer than this are the same place (a 公民館 listed twice).
SAME_PLACE_M = 100.0
# A venue found by name must lie this close to the 町丁目 the address names, when both are
# known: a 「中央公民館」 of the next town is not this one.
VENUE_NEAR_ADDRESS_M = 5000.0
# Venue words too general to say where: 公民館 alone could be any of them.
GENERIC_VENUES = frozenset(
    search_key(w)
    for w in (
        "公民館", "集会所", "集会場", "自治会館", "町内会館", "会館", "コミュニティセンター",
        "地区センター", "センター", "自宅", "個人宅", "各家庭", "会員宅", "代表者宅", "未定",
        "各地区", "各会場", "各集会所", "市内各所", "町内各所", "その他", "不明", "なし",
    )
)  # fmt: skip
MIN_VENUE_KEY = 3  # shorter keys (2 characters) say too little to match by
# Characters that tell two otherwise alike places apart (第一/第二集会所, 東部/西部公民館): a
# match that is not exact must have the same ones, in the same order.
_DISTINGUISHING = re.compile(r"[0-9〇一二三四五六七八九十百千壱弐参東西南北上下中新旧前後内外第]")


@dataclass(frozen=True)
class NamedPlace:
    """A gazetteer entry: a 町丁目 or 大字 with its representative point."""

    municipality: str  # "" when the source does not say (then it matches any)
    name: str
    level: Placement  # Placement.CHOME or Placement.OAZA
    lat: float
    lon: float


@dataclass(frozen=True)
class KnownVenue:
    """A place already on the map whose point a list's 会場 may name (公民館, 集会所…)."""

    name: str
    address: str
    lat: float
    lon: float
    resource_id: int | None = None


@dataclass(frozen=True)
class Placed:
    lat: float
    lon: float
    placement: Placement
    note: str  # for staff: which venue, 町丁目 or answer the point came from


@dataclass(frozen=True)
class NotPlaced:
    reason: str  # Japanese, for the import report and the staff list


Geocode = Callable[[str], "tuple[float, float, str] | None"]


class Gazetteer:
    """町丁目・大字 names by municipality, matched against the start of an address."""

    def __init__(self, places: Iterable[NamedPlace]):
        self.by_key: dict[str, list[NamedPlace]] = defaultdict(list)
        for place in places:
            self.by_key[place_key(place.name)].append(place)
        self.longest = max((len(k) for k in self.by_key), default=0)
        # 本町3丁目 → 本町: an address written 本町3-5-2 names 本町3丁目.
        self.chome_bases = {
            m.group(1) for k in self.by_key if (m := re.fullmatch(r"(.+?)\d+丁目", k))
        }
        self.municipalities = sorted(
            {p.municipality for ps in self.by_key.values() for p in ps if p.municipality}
        )

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_key.values())

    def find(self, address: str, municipalities: Iterable[str] = ()) -> Placed | NotPlaced:
        """The 町丁目 or 大字 that ``address`` names.

        ``municipalities`` are further known names (the town's own) used to cut the address.
        """
        if not address.strip():
            return NotPlaced("住所がありません")
        if not self.by_key:
            return NotPlaced("町丁目・大字の一覧（import-gazetteer か第3層の区域）がありません")
        parts = split_address(address, [*self.municipalities, *municipalities])
        key = place_key(parts.rest)
        for n in range(min(len(key), self.longest + 4), 1, -1):
            head, tail = key[:n], key[n:]
            if head in self.chome_bases:
                chome = re.match(r"(\d+)(?:-|の|$)", tail)
                if chome and f"{head}{chome.group(1)}丁目" in self.by_key:
                    head = f"{head}{chome.group(1)}丁目"
            found = [p for p in self.by_key.get(head, ()) if _same_town(p, parts.municipality)]
            if not found:
                continue
            if _spread_m(found) > SAME_PLACE_M:
                towns = "・".join(sorted({p.municipality or "（市町村名なし）" for p in found}))
                return NotPlaced(f"町名「{found[0].name}」が複数あります（{towns}）")
            place = found[0]
            town = f"{place.municipality}{place.name}"
            return Placed(place.lat, place.lon, place.level, f"{town}の代表点")
        where = f"{parts.municipality}の" if parts.municipality else ""
        return NotPlaced(f"住所「{address}」の町丁目・大字が{where}一覧にありません")


def _same_town(place: NamedPlace, municipality: str) -> bool:
    return not municipality or not place.municipality or place.municipality == municipality


def _spread_m(points) -> float:
    if len(points) < 2:
        return 0.0
    first = points[0]
    return max(float(distance_m(first.lat, first.lon, p.lat, p.lon)) for p in points)


class VenueFinder:
    """Places already on the map, found by the 会場 (or the name) a list gives."""

    def __init__(self, venues: Iterable[KnownVenue], municipalities: Iterable[str] = ()):
        self.municipalities = list(municipalities)
        by_key: dict[str, list[KnownVenue]] = defaultdict(list)
        for venue in venues:
            key = search_key(venue.name)
            if len(key) >= MIN_VENUE_KEY and key not in GENERIC_VENUES:
                by_key[key].append(venue)
        self.keys = sorted(by_key)
        self.venues = [by_key[k] for k in self.keys]

    def find(self, venue: str, name: str, address: str, near: Placed | None) -> Placed | None:
        """The known place that ``venue`` names, or failing that one named inside ``name``.

        Only a place in the same municipality (when both addresses say) and, when the
        address gives a 町丁目, within VENUE_NEAR_ADDRESS_M of it, and only when every good
        match is one place.
        """
        if not self.keys:
            return None
        town = split_address(address, self.municipalities).municipality if address else ""
        venue_key = search_key(_venue_head(venue))
        if len(venue_key) >= MIN_VENUE_KEY and venue_key not in GENERIC_VENUES:
            marks = _DISTINGUISHING.findall(venue_key)
            scores = [
                (i, score)
                for i, score in close_name_scores(venue_key, self.keys)
                if _DISTINGUISHING.findall(self.keys[i]) == marks
            ]
            if scores:
                best = scores[0][1]
                chosen = [i for i, score in scores if score >= best - 3]
                found = self._one_place(chosen, town, near, f"会場「{venue}」")
                if found:
                    return found
        name_key = search_key(name)
        if len(name_key) > MIN_VENUE_KEY:
            inside = contained_names(name_key, self.keys)
            if inside:
                longest = max(len(self.keys[i]) for i in inside)
                chosen = [i for i in inside if len(self.keys[i]) == longest]
                return self._one_place(chosen, town, near, f"名称「{name}」")
        return None

    def _one_place(self, chosen, town, near, said) -> Placed | None:
        candidates = [
            v
            for i in chosen
            for v in self.venues[i]
            if _venue_in_town(v, town, self.municipalities)
            and (
                near is None
                or float(distance_m(near.lat, near.lon, v.lat, v.lon)) <= VENUE_NEAR_ADDRESS_M
            )
        ]
        if not candidates or _spread_m(candidates) > SAME_PLACE_M:
            return None
        venue = candidates[0]
        return Placed(venue.lat, venue.lon, Placement.VENUE, f"{said}を「{venue.name}」の位置に")


def _venue_head(venue: str) -> str:
    """鷲津公民館 2階和室 → 鷲津公民館; 新町集会所（旧公民館） → 新町集会所."""
    head = re.split(r"[\s\u3000(（【\[]", venue.strip(), maxsplit=1)[0]
    return head


def _venue_in_town(venue: KnownVenue, town: str, municipalities: list[str]) -> bool:
    if not town or not venue.address:
        return True
    theirs = split_address(venue.address, municipalities).municipality
    return not theirs or theirs == town


@dataclass
class Placer:
    """The three ways to a point, in order: venue, 町丁目・大字, address search."""

    venues: VenueFinder
    gazetteer: Gazetteer
    geocode: Geocode | None = None
    municipalities: tuple[str, ...] = ()

    def place(self, venue: str, name: str, address: str) -> Placed | NotPlaced:
        by_town = self.gazetteer.find(address, self.municipalities) if address else None
        near = by_town if isinstance(by_town, Placed) else None
        by_venue = self.venues.find(venue, name, address, near)
        if by_venue:
            return by_venue
        if near:
            return near
        if self.geocode and address:
            answer = self.geocode(self._full_address(address))
            if answer:
                lat, lon, title = answer
                return Placed(lat, lon, Placement.GEOCODER, f"住所検索「{title}」")
        if by_town is None:
            return NotPlaced("住所も、地図にある会場もありません")
        return by_town

    def _full_address(self, address: str) -> str:
        """The address with the municipality in front when the list left it out."""
        parts = split_address(address, [*self.gazetteer.municipalities, *self.municipalities])
        if parts.municipality or len(self.municipalities) != 1:
            return address
        return f"{self.municipalities[0]}{address}"
