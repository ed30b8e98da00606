"""Builds the fictional demo town さくら台町 (areas, population, resources) and writes its files."""

from __future__ import annotations

import csv
import io
import math
import pathlib
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from shapely.geometry import Point, Polygon

from mapapp.demo import data
from mapapp.demo.layout import (
    COORD_DECIMALS,
    build_layout,
    collection,
    geojson_text,
)

DEMO_TOWN_NAME = data.TOWN_NAME
DEMO_TOWN_CODE = data.TOWN_CODE
DEFAULT_SEED = 20261123

# The town is made up; it sits on land in the hills east of Nagoya.
VENUE_MARGIN_DEG = 0.0004  # venues stay about 40 m inside their 町丁
PHONE_PREFIX = "0599-00-"  # exchange 00 is never assigned, so no real line is hit
FIRST_CHECK_DATE = date(2025, 4, 1)
CHECK_SPAN_DAYS = 450  # 最終確認日 falls between 2025-04-01 and 2026-06-24
PAUSED_GATHERINGS = 4
CENTRE_KINDS = ("shakyo", "houkatsu", "kurasapo")


@dataclass(frozen=True)
class DemoTown:
    """The demo town: three layers of areas as GeoJSON, and resource rows for the CSV importer."""

    name: str
    code: str
    layer1: dict
    layer2: dict
    layer3: dict
    resources: list[dict[str, str]]


def build_demo_town(seed: int = DEFAULT_SEED) -> DemoTown:
    """Build the town; the same seed gives the same town, byte for byte, whatever the hash seed."""
    town, districts, chome = build_layout(random.Random(f"{seed}:areas"))
    population = _population(random.Random(f"{seed}:population"))
    resources = _resources(random.Random(f"{seed}:resources"), chome, population)
    return DemoTown(
        name=DEMO_TOWN_NAME,
        code=DEMO_TOWN_CODE,
        layer1=collection([(town, {"name": DEMO_TOWN_NAME, "kana": data.TOWN_KANA,
                                    "code": DEMO_TOWN_CODE})]),
        layer2=collection([
            (polygon, {"name": d.name, "kana": d.kana, "code": _district_code(i),
                       "kind_label": data.LAYER2_KIND_LABEL})
            for i, (d, polygon) in enumerate(zip(data.DISTRICTS, districts, strict=True))
        ]),
        layer3=collection([
            (polygon, {"name": _chome_name(c), "kana": c.base_kana + data.CHOME_KANA[c.number],
                       "code": _chome_code(c), "parent_code": _district_code(c.district),
                       **bands})
            for c, polygon, bands in zip(data.CHOME, chome, population, strict=True)
        ]),
        resources=resources,
    )  # fmt: skip


def write_demo_files(town: DemoTown, directory: pathlib.Path) -> dict[str, pathlib.Path]:
    """Write layer1-3.geojson and resources.csv (UTF-8 with BOM, CRLF) into `directory`."""
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for layer in ("layer1", "layer2", "layer3"):
        paths[layer] = directory / f"{layer}.geojson"
        paths[layer].write_bytes(geojson_text(getattr(town, layer)).encode("utf-8"))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(data.COLUMNS)
    writer.writerows([row[column] for column in data.COLUMNS] for row in town.resources)
    paths["resources"] = directory / "resources.csv"
    paths["resources"].write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return paths


# --- names and codes --------------------------------------------------------------------------


def _chome_name(chome: data.Chome) -> str:
    """本町, 2 -> 本町二丁目."""
    return chome.base + (f"{data.CHOME_NUMERALS[chome.number]}丁目" if chome.number else "")


def _chome_address(chome: data.Chome) -> str:
    """本町, 2 -> さくら台町本町2丁目 (addresses use digits, names kanji)."""
    return data.TOWN_NAME + chome.base + (f"{chome.number}丁目" if chome.number else "")


def _district_code(index: int) -> str:
    return f"{DEMO_TOWN_CODE}{index + 1:02d}"


def _chome_code(chome: data.Chome) -> str:
    """11 digits like a census 小地域 key: town, 町 (in steps of 10), 丁目."""
    bases = list(dict.fromkeys(c.base for c in data.CHOME))
    return f"{DEMO_TOWN_CODE}{(bases.index(chome.base) + 1) * 10:04d}{chome.number:02d}"


# --- population -------------------------------------------------------------------------------


def _population(rng: random.Random) -> list[dict[str, int]]:
    """pop_total, pop_65, pop_75 and the 18 band columns for each 町丁, in CHOME order."""
    result = []
    for chome in data.CHOME:
        profile = data.AGE_PROFILES[chome.profile]
        total = round(chome.population * rng.uniform(0.92, 1.08))
        rate_65 = profile.rate_65 + rng.uniform(-0.02, 0.02)
        n_65 = round(total * rate_65)
        n_75 = round(total * rate_65 * profile.rate_75 / profile.rate_65)
        bands = (_spread(rng, total - n_65, profile.under_65)
                 + _spread(rng, n_65 - n_75, data.WEIGHTS_65_74)
                 + _spread(rng, n_75, data.WEIGHTS_75_OVER))  # fmt: skip
        row = {"pop_total": total, "pop_65": n_65, "pop_75": n_75}
        row.update((f"pop_{band}", n) for band, n in zip(data.AGE_BANDS, bands, strict=True))
        result.append(row)
    return result


def _spread(rng: random.Random, count: int, weights: tuple[float, ...]) -> list[int]:
    """Split `count` people over bands by jittered weights, by largest remainder."""
    jittered = [w * rng.uniform(0.85, 1.15) for w in weights]
    quotas = [count * w / sum(jittered) for w in jittered]
    result = [math.floor(q) for q in quotas]
    by_remainder = sorted(range(len(quotas)), key=lambda i: (result[i] - quotas[i], i))
    for i in by_remainder[: count - sum(result)]:
        result[i] += 1
    return result


# --- resources --------------------------------------------------------------------------------


class _Place(NamedTuple):
    venue: str
    address: str
    lat: str
    lon: str
    precision: str


class _Places:
    """Buildings with an address and a point; shared ones are made once and reused."""

    def __init__(self, rng: random.Random, chome: list[Polygon]):
        self._rng = rng
        self._specs = {_chome_name(c): c for c in data.CHOME}
        self._polygons = {_chome_name(c): p for c, p in zip(data.CHOME, chome, strict=True)}
        self._shared: dict[object, _Place] = {}
        self._addresses: set[str] = set()
        self._venues = {key: (venue, chome) for key, venue, chome in data.VENUES}

    def named(self, key: str) -> _Place:
        """A building from the VENUES table."""
        venue, chome = self._venues[key]
        return self.shared(key, venue, chome)

    def is_named(self, key: str) -> bool:
        return key in self._venues

    def has(self, key: object) -> bool:
        return key in self._shared

    def shared(self, key: object, venue: str, chome: str) -> _Place:
        if key not in self._shared:
            self._shared[key] = self.new(chome, venue)
        return self._shared[key]

    def new(self, chome: str, venue: str) -> _Place:
        polygon = self._polygons[chome]
        inner = polygon.buffer(-VENUE_MARGIN_DEG)
        if inner.is_empty:  # a sliver of a 町丁: use all of it
            inner = polygon
        minx, miny, maxx, maxy = inner.bounds
        while True:
            lon = round(self._rng.uniform(minx, maxx), COORD_DECIMALS)
            lat = round(self._rng.uniform(miny, maxy), COORD_DECIMALS)
            if inner.contains(Point(lon, lat)):
                break
        return _Place(venue, self._address(chome), f"{lat:.6f}", f"{lon:.6f}", "番地")

    def chome_only(self, chome: str) -> _Place:
        """A private home: only the 丁目 and its representative point are published."""
        point = self._polygons[chome].representative_point()
        return _Place("個人宅", _chome_address(self._specs[chome]),
                      f"{point.y:.6f}", f"{point.x:.6f}", "丁目")  # fmt: skip

    def _address(self, chome: str) -> str:
        spec, rng = self._specs[chome], self._rng
        while True:
            if spec.number:
                number = f"{rng.randint(1, 12)}-{rng.randint(1, 25)}"
            elif spec.profile == "noson":  # 地番 in the farm villages
                number = str(rng.randint(120, 2400))
            else:
                number = f"{rng.randint(1, 40)}-{rng.randint(1, 20)}"
            address = _chome_address(spec) + number
            if address not in self._addresses:
                self._addresses.add(address)
                return address


class _Dealer:
    """Draws from a pool like cards from a shuffled deck, so every entry gets used."""

    def __init__(self, rng: random.Random):
        self._rng = rng
        self._decks: dict[tuple[str, ...], list[str]] = {}

    def deal(self, pool: tuple[str, ...]) -> str:
        deck = self._decks.setdefault(pool, [])
        if not deck:
            deck.extend(pool)
            self._rng.shuffle(deck)
        return deck.pop()


class _Phonebook:
    """One fictional number per key (an organisation or a centre), handed out in order."""

    def __init__(self, rng: random.Random):
        self._free = rng.sample(range(1000, 10000), 400)
        self._numbers: dict[str, str] = {}

    def number(self, key: str) -> str:
        if key not in self._numbers:
            self._numbers[key] = f"{PHONE_PREFIX}{self._free[len(self._numbers)]}"
        return self._numbers[key]


def _centre_for(kind: str, district: data.District) -> str:
    """The name of the 包括 or くらサポ whose 対象区域 include `district`."""
    for spec in data.SERVICES:
        if spec.kind == kind and district.name in spec.areas.split("、"):
            return spec.name
    raise LookupError(f"expected a {kind} covering {district.name}, found none")


def _resources(
    rng: random.Random, chome: list[Polygon], population: list[dict[str, int]]
) -> list[dict[str, str]]:
    """All resource rows, 出典ID in order: 通いの場 by district, 居宅サロン, then SERVICES."""
    places, dealer, phones = _Places(rng, chome), _Dealer(rng), _Phonebook(rng)
    service_rows = [_service_row(rng, dealer, places, phones, spec) for spec in data.SERVICES]
    gathering_rows = _gathering_rows(rng, dealer, places, phones, population)
    home_rows = _private_home_rows(rng, dealer, places, phones, gathering_rows)
    rows = [row for row, _ in gathering_rows] + home_rows + service_rows
    _set_statuses(rng, gathering_rows)
    for number, row in enumerate(rows, start=1):
        checked = FIRST_CHECK_DATE + timedelta(days=rng.randrange(CHECK_SPAN_DAYS))
        row["出典ID"] = f"demo-{number:04d}"
        row["最終確認日"] = checked.isoformat()
    return [{column: row[column] for column in data.COLUMNS} for row in rows]


def _details(rng: random.Random, dealer: _Dealer, kind: str, tags: str = "") -> dict[str, str]:
    """The free-text fields, drawn from the kind's pools; `tags` ("a、b") overrides the pool."""
    pools = data.DETAILS[kind]
    if tags:
        tags = tags.split("、")
    elif kind in data.GATHERING_KINDS:
        tags = rng.sample(pools.tags, rng.randint(2, min(4, len(pools.tags))))
    else:  # a service's main tag comes first
        rest = pools.tags[1:]
        tags = [pools.tags[0], *rng.sample(rest, rng.randint(1, min(3, len(rest))))]
    return {
        "開催日時": dealer.deal(pools.schedules), "休み": rng.choice(pools.closed),
        "参加費": dealer.deal(pools.fees), "対象者": rng.choice(pools.targets),
        "定員": rng.choice(pools.capacity), "送迎": rng.choice(pools.transport),
        "飲食": rng.choice(pools.food), "タグ": "、".join(tags),
        "内容": rng.choice(pools.summaries).format(t0=tags[0], t1=tags[1]),
        "状態": "活動中", "URL": "",
    }  # fmt: skip


def _service_row(rng, dealer, places: _Places, phones: _Phonebook, spec) -> dict[str, str]:
    shared = places.is_named(spec.place)
    place = places.named(spec.place) if shared else places.new(spec.place, "")
    if spec.phone:
        phone_key = spec.phone
    elif spec.org == data.SHAKYO_NAME and spec.kind not in CENTRE_KINDS:
        phone_key = data.SHAKYO_NAME
    else:
        phone_key = spec.name
    row = {
        "種別": spec.kind, "名称": spec.name, "名称かな": spec.kana, "運営団体": spec.org,
        **_place_fields(place), "対象範囲": spec.scope,
        "対象区域": spec.areas if spec.scope == "区域" else "",
        **_details(rng, dealer, spec.kind, spec.tags), "URL": spec.url,
        "連絡先": phones.number(phone_key),
    }  # fmt: skip
    if spec.hours:
        row["開催日時"] = spec.hours
    return row


def _place_fields(place: _Place) -> dict[str, str]:
    return {"会場": place.venue, "住所": place.address, "緯度": place.lat, "経度": place.lon,
            "位置の精度": place.precision}  # fmt: skip


def _gathering_rows(rng, dealer, places: _Places, phones: _Phonebook, population):
    """通いの場 rows with their district index, spread over 町丁 by 65+ population."""
    nicknames = list(data.NICKNAMES)
    rng.shuffle(nicknames)
    used_names: set[str] = set()
    temples = iter(data.TEMPLES)
    rows = []
    for d, district in enumerate(data.DISTRICTS):
        members = [i for i, c in enumerate(data.CHOME) if c.district == d]
        weights = [population[i]["pop_65"] for i in members]
        for kind in data.GATHERING_KINDS:
            for _ in range(data.GATHERING_COUNTS[kind][d]):
                chome = data.CHOME[rng.choices(members, weights)[0]]
                context = {
                    "base": chome.base, "base_kana": chome.base_kana,
                    "chome": _chome_name(chome),
                    "chome_kana": chome.base_kana + data.CHOME_KANA[chome.number],
                    "district": district.name,
                    "houkatsu": _centre_for("houkatsu", district),
                    "kurasapo": _centre_for("kurasapo", district),
                }  # fmt: skip
                name, kana = _unique_name(rng, nicknames, used_names, kind, context)
                # A group named after a nickname only runs the gathering of that nickname.
                org, contact = rng.choice([
                    (org, contact) for org, contact in data.ORGANISER_PATTERNS[kind]
                    if "{nick}" not in org or context["nick"] in name
                ])  # fmt: skip
                org = org.format(**context)
                phone_key = {"own": org, "shakyo": data.SHAKYO_NAME}.get(contact)
                phone_key = phone_key or context[contact]
                venue = rng.choice(data.VENUE_CHOICES[kind])
                chome_name = context["chome"]
                if venue == "hall":
                    hall = f"{chome_name}集会所" if chome.number else f"{chome.base}公民館"
                    place = places.shared(("hall", chome_name), hall, chome_name)
                elif venue == "centre":
                    place = places.named(district.centre)
                elif venue == "temple" and places.has(("temple", chome_name)):
                    place = places.shared(("temple", chome_name), "", chome_name)
                elif venue == "temple":
                    temple = next(temples, f"{chome.base}神社社務所")
                    place = places.shared(("temple", chome_name), temple, chome_name)
                elif venue == "shop":
                    shop = f"{chome.base}商店街の空き店舗"  # one per 町, shared by its tenants
                    place = places.shared(("shop", chome.base), shop, chome_name)
                else:
                    place = places.new(chome_name, f"交流スペース「{context['nick']}の家」")
                row = {
                    "種別": kind, "名称": name, "名称かな": kana, "運営団体": org,
                    **_place_fields(place), "対象範囲": "徒歩圏", "対象区域": "",
                    **_details(rng, dealer, kind), "連絡先": phones.number(phone_key),
                }  # fmt: skip
                rows.append((row, d))
    return rows


def _unique_name(rng, nicknames, used: set[str], kind: str, context: dict) -> tuple[str, str]:
    """Draw a (名称, 名称かな) not used yet; sets context["nick"] to the nickname drawn."""
    for attempt in range(200):
        nick, nick_kana = nicknames[(len(used) + attempt) % len(nicknames)]
        context.update(nick=nick, nick_kana=nick_kana)
        name, kana = rng.choice(data.NAME_PATTERNS[kind])
        name, kana = name.format(**context), kana.format(**context)
        if name not in used:
            used.add(name)
            return name, kana
    raise RuntimeError(f"ran out of names for {kind} in {context['chome']}")


def _private_home_rows(rng, dealer, places: _Places, phones: _Phonebook, gathering_rows):
    """居宅サロン: 丁目 only, and the 社協's number instead of the host's."""
    used = {row["名称"] for row, _ in gathering_rows}
    rows = []
    nicks = list(_unused_nicks(used))[: len(data.PRIVATE_HOME_SALONS)]
    for chome_name, (nick, nick_kana) in zip(data.PRIVATE_HOME_SALONS, nicks, strict=True):
        name, kana = rng.choice(((f"サロン{nick}", f"さろん{nick_kana}"),
                                 (f"{nick}の会", f"{nick_kana}のかい")))  # fmt: skip
        if name in used:
            name, kana = f"居宅サロン{nick}", f"きょたくさろん{nick_kana}"
        used.add(name)
        details = _details(rng, dealer, "salon") | {"定員": rng.choice(("8", "10", "12"))}
        rows.append({
            "種別": "salon", "名称": name, "名称かな": kana, "運営団体": f"サロン{nick}世話人会",
            **_place_fields(places.chome_only(chome_name)), "対象範囲": "徒歩圏", "対象区域": "",
            **details, "連絡先": phones.number(data.SHAKYO_NAME),
        })  # fmt: skip
    return rows


def _unused_nicks(used_names: set[str]):
    """Nicknames that no gathering name contains yet, in table order."""
    for nick, kana in data.NICKNAMES:
        if not any(nick in name for name in used_names):
            yield nick, kana


def _set_statuses(rng: random.Random, gathering_rows: list[tuple[dict, int]]) -> None:
    """Like real lists: a few 休止中, one 準備中 (東部's new 居場所) and one 終了 salon."""

    def pick(kind: str, district: int) -> dict:
        return rng.choice([r for r, d in gathering_rows if r["種別"] == kind and d == district])

    pick("ibasho", 4)["状態"] = "準備中"
    pick("salon", 2)["状態"] = "終了"
    active = [row for row, _ in gathering_rows if row["状態"] == "活動中"]
    for row in rng.sample(active, PAUSED_GATHERINGS):
        row["状態"] = "休止中"
