"""Placement: a point for a row without one, by venue, by 町丁目・大字, by address search."""

from __future__ import annotations

import pytest

from mapapp.geocoding import AddressSearch, GeocoderUnavailable, first_point
from mapapp.models import Placement
from mapapp.placement import Gazetteer, KnownVenue, NamedPlace, NotPlaced, Placer, VenueFinder
from tests.address_service import address_service

# 竹田市 and a neighbour with a 大字 of the same name, 500 m apart (made-up points).
TAKETA = [
    NamedPlace("竹田市", "大字竹田", Placement.OAZA, 32.9740, 131.3980),
    NamedPlace("竹田市", "玉来", Placement.OAZA, 32.9620, 131.3870),
    NamedPlace("竹田市", "久住町大字久住", Placement.OAZA, 33.0400, 131.2500),
    NamedPlace("豊後大野市", "大字竹田", Placement.OAZA, 32.9790, 131.4000),
]
# A city with 丁目 (新潟市中央区) and a 町 written without one.
NIIGATA = [
    NamedPlace("新潟市中央区", "東大通一丁目", Placement.CHOME, 37.9120, 139.0600),
    NamedPlace("新潟市中央区", "東大通二丁目", Placement.CHOME, 37.9100, 139.0620),
    NamedPlace("新潟市中央区", "万代三丁目", Placement.CHOME, 37.9150, 139.0550),
    NamedPlace("新潟市中央区", "古町通五番町", Placement.CHOME, 37.9230, 139.0450),
]


def test_an_address_is_placed_at_its_oaza_in_the_town_it_names():
    gazetteer = Gazetteer(TAKETA)
    found = gazetteer.find("大分県竹田市大字竹田１６５０番地")
    assert (found.lat, found.lon, found.placement) == (32.9740, 131.3980, Placement.OAZA)
    assert "竹田市大字竹田" in found.note
    other = gazetteer.find("豊後大野市大字竹田22")
    assert (other.lat, other.lon) == (32.9790, 131.4000)


def test_the_same_oaza_in_two_towns_is_not_guessed_without_the_town():
    found = Gazetteer(TAKETA).find("大字竹田1650")
    assert isinstance(found, NotPlaced)
    assert "竹田市" in found.reason and "豊後大野市" in found.reason


def test_the_towns_own_name_settles_it():
    found = Gazetteer([p for p in TAKETA if p.municipality == "竹田市"]).find("大字竹田1650")
    assert found.placement == Placement.OAZA


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("新潟市中央区東大通2-3-4", "東大通二丁目"),
        ("新潟市中央区東大通２丁目３番４号", "東大通二丁目"),
        ("新潟市中央区東大通二丁目3-4", "東大通二丁目"),
        ("中央区東大通1-1", "東大通一丁目"),
        ("新潟県新潟市中央区万代三丁目5番1号 ビル3階", "万代三丁目"),
        ("新潟市中央区古町通5番町600", "古町通五番町"),
    ],
)
def test_chome_in_digits_kanji_or_dashes(address, expected):
    found = Gazetteer(NIIGATA).find(address)
    assert found.placement == Placement.CHOME, found
    assert found.note.endswith(f"{expected}の代表点")


def test_a_chome_the_town_does_not_have_is_not_invented():
    found = Gazetteer(NIIGATA).find("新潟市中央区東大通9-1")
    assert isinstance(found, NotPlaced)


def test_an_address_in_another_town_is_not_placed_here():
    found = Gazetteer(NIIGATA).find("新潟県長岡市東大通2-3")
    assert isinstance(found, NotPlaced)


# Places already on the map, as a facility list gives them (松戸市, made-up points).
VENUES = [
    KnownVenue("六実市民センター", "千葉県松戸市六実4-6-1", 35.7862, 139.9948, 1),
    KnownVenue("常盤平市民センター", "千葉県松戸市常盤平3-30", 35.7960, 139.9560, 2),
    KnownVenue("第一集会所", "千葉県松戸市小金原1-1", 35.8200, 139.9400, 3),
    KnownVenue("東部公民館", "千葉県松戸市高塚新田1", 35.7700, 139.9700, 4),
    KnownVenue("中央公民館", "千葉県柏市柏1-1", 35.8600, 139.9700, 5),
]


@pytest.mark.parametrize(
    ("venue", "name", "expected"),
    [
        ("六実市民センター", "", 1),
        ("六実市民センター 和室", "", 1),
        ("六実市民ｾﾝﾀｰ（2階）", "", 1),
        ("常磐平市民センター", "", 2),  # 磐 for 盤: a real, common slip
        ("", "ふれあいサロン六実市民センター", 1),  # the name says where
        ("第二集会所", "", None),  # another number is another place
        ("西部公民館", "", None),  # another direction too
        ("公民館", "", None),  # too general to say which
        ("自宅", "", None),
        ("ふじ集会所", "", None),
    ],
)
def test_venues_match_only_when_they_clearly_name_one_place(venue, name, expected):
    found = VenueFinder(VENUES).find(venue, name, "", None)
    if expected is None:
        assert found is None
        return
    place = next(v for v in VENUES if v.resource_id == expected)
    assert (found.lat, found.lon, found.placement) == (place.lat, place.lon, Placement.VENUE)
    assert place.name in found.note


def test_a_venue_of_another_town_is_not_used():
    finder = VenueFinder(VENUES, ["松戸市", "柏市"])
    assert finder.find("中央公民館", "", "松戸市本町1", None) is None
    assert finder.find("中央公民館", "", "柏市柏2-2", None).placement == Placement.VENUE


def test_the_venue_comes_first_then_the_oaza_then_nothing():
    venues = [KnownVenue("竹田公民館", "竹田市大字竹田1", 32.9745, 131.3985)]
    placer = Placer(VenueFinder(venues), Gazetteer(TAKETA), municipalities=("竹田市",))
    assert placer.place("竹田公民館", "", "竹田市大字竹田1650").placement == Placement.VENUE
    assert placer.place("玉来集会所", "", "竹田市玉来572-1").placement == Placement.OAZA
    missing = placer.place("各地区の集会所", "", "")
    assert isinstance(missing, NotPlaced)
    assert "住所" in missing.reason


@pytest.fixture
def service():
    with address_service() as running:
        yield running


def test_the_address_service_is_asked_last_once_per_address_and_paced(service):
    url, asked = service
    cache: dict = {}
    slept: list[float] = []
    search = AddressSearch(url, cache, min_interval_s=1.0, sleep=slept.append)
    placer = Placer(VenueFinder(()), Gazetteer(TAKETA), search, ("竹田市",))
    found = placer.place("", "", "拝田原777")  # the list left out its own town
    assert (found.lat, found.lon, found.placement) == (32.9700, 131.3950, Placement.GEOCODER)
    assert isinstance(placer.place("", "", "竹田市拝田原999"), NotPlaced)
    placer.place("", "", "竹田市拝田原777")
    assert placer.place("", "", "竹田市大字竹田1").placement == Placement.OAZA  # no request
    assert asked == ["竹田市拝田原777", "竹田市拝田原999"]
    assert cache["竹田市拝田原999"] is None
    assert len(slept) == 1 and 0 < slept[0] <= 1.0  # the second request waited its turn


def test_a_broken_service_says_so_in_japanese():
    search = AddressSearch("http://127.0.0.1:9/none", {}, min_interval_s=0, timeout_s=2)
    with pytest.raises(GeocoderUnavailable, match="接続できません"):
        search("竹田市拝田原777")
    with pytest.raises(GeocoderUnavailable, match="http"):
        AddressSearch("file:///etc/passwd", {})


@pytest.mark.parametrize(
    "answer",
    [
        [],
        {},
        "null",
        [{"geometry": {"type": "Point", "coordinates": ["x", 1]}}],
        [{"geometry": {"type": "Point", "coordinates": [0, 0]}}],  # not in Japan
        [{"geometry": {"type": "Polygon", "coordinates": []}}],
        [None, 3],
    ],
)
def test_answers_that_are_not_a_point_in_japan_are_not_used(answer):
    assert first_point(answer) is None
