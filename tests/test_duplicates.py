"""Likely duplicates across sources: the same name (as search compares it) within 50 m."""

from __future__ import annotations

from mapapp.duplicates import Place, likely_duplicates, source_family

# Near 新潟市中央区: 0.0001° of latitude is about 11 m.
LAT, LON = 37.9161, 139.0364


def place(id_, source, name, d_lat=0.0, *, point=True, address=""):
    lat, lon = (LAT + d_lat, LON) if point else (None, None)
    return Place(id_, source, name, lat, lon, address)


def test_same_name_within_50_m_from_two_sources_is_a_pair():
    a = place(1, "file:shakyo", "地域の茶の間 ふれあい")
    b = place(2, "mhlw", "地域の茶の間ふれあい", 0.0003)  # about 33 m, spaces differ
    far = place(3, "caremap", "地域の茶の間ふれあい", 0.0006)  # about 67 m from a
    pairs = likely_duplicates([a, b, far])
    assert [(p.first.id, p.second.id) for p in pairs] == [(1, 2), (2, 3)]
    assert 30 < pairs[0].distance_m < 36


def test_names_compare_as_search_does():
    a = place(1, "a", "ｻﾛﾝ・ひまわり")
    b = place(2, "b", "サロンひまわり")
    assert len(likely_duplicates([a, b])) == 1
    assert likely_duplicates([a, place(3, "b", "サロンひまわり２")]) == []


def test_one_source_or_one_service_family_is_never_a_duplicate():
    same_source = [place(1, "file:a", "サロンA"), place(2, "file:a", "サロンA")]
    assert likely_duplicates(same_source) == []
    # One 事業所, two services, two files of 介護サービス情報公表: not listed twice.
    services = [
        place(1, "kaigo:通所介護", "デイサービスセンターこうのとり"),
        place(2, "kaigo:訪問介護", "デイサービスセンターこうのとり"),
    ]
    assert likely_duplicates(services) == []
    assert source_family("kaigo:通所介護") == "kaigo"
    assert source_family("file:kaigo") == "file:kaigo"  # only declared families are grouped
    assert source_family("mhlw") == "mhlw"


def test_rows_without_a_point_are_skipped_unless_addresses_are_compared():
    located = place(1, "a", "すずらん会", address="新潟市中央区本町1-1")
    unplaced = place(2, "b", "すずらん会", point=False, address="新潟市中央区本町１－１")
    assert likely_duplicates([located, unplaced]) == []
    (pair,) = likely_duplicates([unplaced], [located], by_address=True)
    assert (pair.first.id, pair.second.id, pair.distance_m) == (2, 1, None)
    other_street = place(3, "b", "すずらん会", point=False, address="新潟市中央区古町2")
    assert likely_duplicates([other_street], [located], by_address=True) == []


def test_rows_against_stored_places_pairs_only_across():
    stored = [place(10, "mhlw", "ひまわり"), place(11, "mhlw", "あさがお", 0.0001)]
    rows = [place(0, "file:list", "ひまわり", 0.0002), place(1, "file:list", "あさがお", 0.001)]
    pairs = likely_duplicates(rows, stored)
    assert [(p.first.id, p.second.id) for p in pairs] == [(0, 10)]
