"""The search index answers as the plain computation would: names scored once per distinct
word, nearby through cells of latitude and longitude, dates from the open-days bit array."""

from __future__ import annotations

import datetime as dt
import sqlite3

import numpy as np
import pytest
from sqlalchemy import select, text

from mapapp import index_patch
from mapapp.catalog import get_resource, resource_feature, resources_by_id
from mapapp.geo import distance_m
from mapapp.importing.resources import ImportOptions, import_resources
from mapapp.index_cache import VersionWatch
from mapapp.index_patch import patched
from mapapp.models import Resource, ResourceStatus
from mapapp.open_days import OpenDays
from mapapp.schedule import Rule, Schedule, occurrences_between, parse_resource_schedule
from mapapp.search import (
    IndexCache,
    SearchQuery,
    build_index,
    kind_counts,
    reading_order,
    search,
)
from mapapp.storage import bump_data_version
from mapapp.text import FuzzyWords, fuzzy_score_array, fuzzy_scores, search_key
from tests.resource_files import own_row, write_csv

# (開催日時, 休み) as lists write them: weekly, monthly by weekday and by date, holidays moved
# either way, closed months and 年末年始, hours with the days in 休み, texts a person must
# check (no dates at all), and a suspended one.
SCHEDULES = [
    ("毎週月曜日 10:00〜11:30", ""),
    ("第2・第4金曜日 13:30〜15:00", ""),
    ("毎月15日、25日 10時～12時", ""),
    ("毎週水曜日（祝日の場合は翌日）", ""),
    ("毎週月曜日（祝日の場合は前日）", ""),
    ("隔週木曜日 10:00〜", ""),
    ("毎週火曜日（8月は休み）", ""),
    ("月〜金 9:00〜17:00（年末年始を除く）", ""),
    ("8時30分～17時15分", "土日祝"),
    ("", "木曜日午後・日曜日・祝日"),
    ("週１回程度", ""),
    ("随時", ""),
    ("毎日 10:00〜16:00", "月曜日"),
    ("土日祝 10:00〜15:00", ""),
    ("毎月第1土曜日", "年末年始"),
    ("毎週金曜日 10:00〜11:00（祝日も開催）", ""),
    ("第3日曜日 午前", "お盆"),
    ("休止中", ""),
    ("", ""),
]
NAMES = [
    "ふれあいサロン",
    "さくら台いきいき体操",
    "カフェ・ひだまり",
    "みんなの居場所",
    "配食サービス",
]
VENUES = ["中央公民館", "桜ケ丘集会所", "ふれあい会館", ""]
ORGANISATIONS = ["さくら台社協", "NPOひだまり", ""]
KINDS = ["サロン", "居場所", "体操教室", "配食"]


@pytest.fixture
def town(tmp_path, cli, crossing_layers, storage, taxonomy):
    """About 60 resources around (34.705, 137.51) in two crossing layers of areas, a few far
    away, one 終了, one unplaced; some with tags, some serving areas."""
    cli("import-areas", crossing_layers["junior"], "--layer", "2", "--kind", "中学校区")
    cli("import-areas", crossing_layers["elementary"], "--layer", "3", "--kind", "小学校区")
    rng = np.random.default_rng(5)
    rows = []
    for i in range(60):
        schedule, closed = SCHEDULES[i % len(SCHEDULES)]
        serving = {"対象範囲": "区域", "対象区域": "西中学校区、東中学校区"} if i % 9 == 4 else {}
        rows.append(
            own_row(
                **serving,
                タグ=["", "体操、交流", "交流"][i % 3],
                出典ID=f"t{i}",
                名称=f"{NAMES[i % len(NAMES)]}{i % 7}",
                会場=VENUES[i % len(VENUES)],
                運営団体=ORGANISATIONS[i % len(ORGANISATIONS)],
                種別=KINDS[i % len(KINDS)],
                緯度=f"{34.705 + rng.normal(0, 0.01):.6f}",
                経度=f"{137.51 + rng.normal(0, 0.01):.6f}",
                開催日時=schedule,
                休み=closed,
                参加費="無料" if i % 3 == 0 else "100円",
                状態="終了" if i == 7 else "",
            )
        )
    rows.append(own_row(出典ID="far", 名称="遠くのサロン", 緯度="35.5", 経度="139.7"))
    rows.append(own_row(出典ID="nowhere", 名称="場所未定のサロン", 緯度="", 経度=""))
    path = write_csv(tmp_path / "town.csv", rows)
    import_resources(storage, path, taxonomy, ImportOptions(profile="own"))
    with storage.reading() as session:
        return build_index(session, taxonomy)


@pytest.fixture
def closed_id(town, storage) -> int:
    with storage.reading() as session:
        return session.scalar(select(Resource.id).where(Resource.status == ResourceStatus.CLOSED))


def plain_word_scores(index, text: str) -> dict[int, float]:
    """The computation the index replaces: every (resource, word) pair scored, best kept."""
    pairs = [
        (int(owner), word)
        for w, word in enumerate(index.words)
        for owner in index.word_owner[index.word_start[w] : index.word_start[w + 1]]
    ]
    best: dict[int, float] = {}
    for key, score in fuzzy_scores(search_key(text), [word for _, word in pairs]):
        owner = pairs[key][0]
        best[owner] = max(score, best.get(owner, 0.0))
    return best


def hits(result) -> list[tuple]:
    return [(h.resource_id, h.distance_m, h.score) for h in result.hits]


@pytest.mark.parametrize(
    "text", ["ふれあい", "サロン", "公民館", "こうみんかん", "ﾋﾀﾞﾏﾘ", "社協", "体操 さくら", "xyzzy"]
)
def test_words_are_scored_once_each_and_match_as_every_pair_would(town, closed_id, text):
    assert len(set(town.words)) == len(town.words) < len(town.word_owner)
    closed = int(np.flatnonzero(town.ids == closed_id)[0])  # 終了 is left out unless asked for
    expected = {p: s for p, s in plain_word_scores(town, text).items() if p != closed}
    result = search(town, SearchQuery(text=text))
    assert result.words_matched_nothing is (not expected)
    assert {h.resource_id: h.score for h in result.hits} == {
        int(town.ids[p]): s for p, s in expected.items()
    }
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)  # best match first


def test_display_rows_carry_what_the_mapped_resource_does(town, storage, taxonomy):
    ids = [int(i) for i in town.ids]
    with storage.reading() as session:
        rows = resources_by_id(session, ids)
        assert sorted(rows) == sorted(ids)
        for resource_id in ids:
            mapped, row = get_resource(session, resource_id), rows[resource_id]
            for column in Resource.__table__.columns:
                assert getattr(row, column.key) == getattr(mapped, column.key), column.key
            assert (row.organization and row.organization.name) == (
                mapped.organization and mapped.organization.name
            )
            assert [t.tag for t in row.tags] == [t.tag for t in mapped.tags]
            for link in ("areas", "service_areas"):
                assert [
                    (a.id, a.name, a.layer, a.kind_label) for a in getattr(row, link)
                ] == sorted((a.id, a.name, a.layer, a.kind_label) for a in getattr(mapped, link))
            assert resource_feature(row, taxonomy) == resource_feature(mapped, taxonomy)
    assert any(r.tags for r in rows.values()) and any(r.service_areas for r in rows.values())
    assert any(len(r.areas) == 2 for r in rows.values()) and any(not r.areas for r in rows.values())


@pytest.mark.parametrize(
    ("near", "radius_m"),
    [
        ((34.705, 137.51), 1),
        ((34.705, 137.51), 800),
        ((34.70, 137.50), 1_500),
        ((34.72, 137.53), 3_000),
        ((35.5, 139.7), 10),  # on the far one
        ((34.705, 137.51), 50_000),
        ((43.0, 141.3), 50_000),  # nothing there
    ],
)
def test_nearby_reads_cells_and_finds_what_every_distance_would(town, closed_id, near, radius_m):
    result = search(town, SearchQuery(near=near, radius_m=radius_m))
    every = distance_m(near[0], near[1], town.lat, town.lon)  # NaN where not placed
    expected = {
        int(town.ids[p]): every[p]
        for p in np.flatnonzero(every <= radius_m)
        if town.ids[p] != closed_id
    }
    found = {h.resource_id: h.distance_m for h in result.hits}
    assert found == pytest.approx(expected, rel=1e-12)
    distances = [h.distance_m for h in result.hits]
    assert distances == sorted(distances)  # nearest first


def test_nearby_within_an_area_keeps_both_conditions(town, storage):
    area_id = max(town.by_area, key=lambda a: len(town.by_area[a]))
    near, radius_m = (34.705, 137.51), 1_200
    result = search(town, SearchQuery(near=near, radius_m=radius_m, area_id=area_id))
    every = distance_m(near[0], near[1], town.lat, town.lon)
    in_area = set(town.by_area[area_id].tolist())
    expected = {int(town.ids[p]) for p in np.flatnonzero(every <= radius_m) if p in in_area}
    with storage.reading() as session:
        closed = set(
            session.scalars(select(Resource.id).where(Resource.status == ResourceStatus.CLOSED))
        )
    assert {h.resource_id for h in result.hits} == expected - closed
    assert result.total > 0


def test_nearby_agrees_with_every_distance_at_random_places(town, closed_id):
    rng = np.random.default_rng(11)
    every_placed = ~np.isnan(town.lat)
    for _ in range(300):
        near = (34.705 + rng.normal(0, 0.02), 137.51 + rng.normal(0, 0.02))
        radius_m = int(rng.choice([5, 50, 300, 700, 1_500, 4_000, 20_000]))
        every = distance_m(near[0], near[1], town.lat, town.lon)
        expected = {
            int(town.ids[p])
            for p in np.flatnonzero(every_placed & (every <= radius_m))
            if town.ids[p] != closed_id
        }
        found = {
            h.resource_id for h in search(town, SearchQuery(near=near, radius_m=radius_m)).hits
        }
        assert found == expected, (near, radius_m)


def test_fuzzy_words_score_exactly_as_rapidfuzz_with_fewer_comparisons():
    rng = np.random.default_rng(3)
    alphabet = list("ふれあいさろんこうみかたそ公民館居場所12体操")
    words = sorted(
        {"".join(rng.choice(alphabet, size=int(rng.integers(1, 20)))) for _ in range(3_000)}
        | {"ふれあいさろん", "さろん", "こうみんかん", "あ", "ふれあい" * 5, "さ" * 16, "公民館"}
    )
    fuzzy = FuzzyWords(words)
    queries = ["ふれあい", "さろん", "あ", "公民館", "ふれあいさろん1", "みかた", "さ" * 2, "ん体"]
    queries += ["".join(rng.choice(alphabet, size=int(rng.integers(1, 12)))) for _ in range(150)]
    for query in queries:
        assert np.array_equal(fuzzy.scores(query), fuzzy_score_array(query, words)), query
    assert not fuzzy.scores("").any()
    assert np.array_equal(fuzzy.scores("ふれ あい"), fuzzy_score_array("ふれ あい", words))


def tricky_schedules() -> list[Schedule]:
    """Readings the parser gives for SCHEDULES and more, and rules it does not publish
    (隔週 counted from the range asked), built by hand."""
    read = [parse_resource_schedule(text, closed) for text, closed in SCHEDULES]
    read += [
        parse_resource_schedule(text, closed)
        for text, closed in [
            ("第1・3水曜日（祝日の場合は翌日）", "年末年始"),
            ("月2回 第1・第3月曜日（祝日の場合は前日）", ""),
            ("毎月1日、土日祝日の場合は休み", ""),
            ("毎週日曜日（祝日の場合は翌日）", "お盆"),
            ("毎月最終金曜日 10:00〜", ""),
            ("月〜土 9:00〜12:00", "祝日"),
        ]
    ]
    made = [
        Schedule(text="隔週木曜日", rules=(Rule("WEEKLY", interval=2, byday=("TH",)),)),
        Schedule(text="隔月第2水曜日", rules=(Rule("MONTHLY", interval=2, byday=("2WE",)),)),
        Schedule(
            text="毎年5月3日・12月30日（翌日）",
            rules=(Rule("YEARLY", bymonth=(5, 12), bymonthday=(3, 30)),),
            exceptions=("holiday_moves_next_day", "closed_days:1231-0102"),
        ),
        Schedule(
            text="毎週月曜日と祝日 13:00〜",
            rules=(Rule("WEEKLY", byday=("MO",)),),
            exceptions=("open_holidays:13:00-16:00", "closed_new_year"),
        ),
    ]
    return read + made


def test_open_days_answer_every_range_as_the_schedule_does():
    schedules = tricky_schedules()
    first_day = dt.date(2026, 4, 20)  # Golden Week, お盆, 年末年始 and the next spring
    open_days = OpenDays.build(schedules, first_day, days=300)
    assert not open_days.by_day.all() and open_days.by_day.any()
    assert any(s.needs_review for s in schedules)  # texts to check: no dates, no bits
    ranges = [
        (first_day + dt.timedelta(days=d), first_day + dt.timedelta(days=d + span))
        for d in range(-10, 300, 1)
        for span in (0, 6)
    ]
    rng = np.random.default_rng(8)
    ranges += [
        (first_day + dt.timedelta(days=int(d)), first_day + dt.timedelta(days=int(d + span)))
        for d, span in zip(rng.integers(-40, 330, 60), rng.integers(0, 31, 60), strict=True)
    ]
    for first, last in ranges:
        expected = [bool(occurrences_between(s, first, last)) for s in schedules]
        assert open_days.meets_between(first, last).tolist() == expected, (first, last)


def test_date_filters_find_what_each_resource_s_schedule_says(town, storage, closed_id):
    with storage.reading() as session:
        texts = {
            r.id: (r.schedule_text, r.closed_text)
            for r in session.execute(
                select(Resource.id, Resource.schedule_text, Resource.closed_text)
            )
        }
    today = dt.date.today()
    for first, last in [
        (today, today),
        (today + dt.timedelta(days=2), today + dt.timedelta(days=8)),
        (today + dt.timedelta(days=200), today + dt.timedelta(days=230)),
        (today + dt.timedelta(days=3_000), today + dt.timedelta(days=3_006)),  # beyond the bits
        (today - dt.timedelta(days=400), today - dt.timedelta(days=400)),
    ]:
        found = {h.resource_id for h in search(town, SearchQuery(open_between=(first, last))).hits}
        expected = {
            resource_id
            for resource_id, (text, closed) in texts.items()
            if resource_id != closed_id
            and occurrences_between(parse_resource_schedule(text, closed), first, last)
        }
        assert found == expected, (first, last)


def test_a_write_by_this_process_shows_as_soon_as_it_returns(town, storage, taxonomy, tmp_path):
    cache = IndexCache()
    before = cache.get(storage, taxonomy)
    path = write_csv(tmp_path / "more.csv", [own_row(出典ID="new", 名称="あたらしいサロン")])
    import_resources(storage, path, taxonomy, ImportOptions(profile="own"))
    assert storage.written_version() == storage.data_version() > before.data_version
    after = cache.get(storage, taxonomy)  # waits for the build: the write was this process's
    assert after.data_version == storage.data_version()
    best = search(after, SearchQuery(text="あたらしいサロン")).hits[0]
    assert best.score == 100 and best.resource_id not in before.ids


def test_a_write_by_another_process_is_built_behind_the_index_in_use(town, storage, taxonomy):
    cache = IndexCache()
    before = cache.get(storage, taxonomy)
    database = storage.engine.url.database
    with sqlite3.connect(database) as connection:  # as an import from the command line would
        connection.execute(
            "UPDATE resource SET name = 'よそで改名した館' WHERE id = ?", (int(before.ids[0]),)
        )
        connection.execute(
            "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'data_version'"
        )
    connection.close()
    assert cache.get(storage, taxonomy) is before  # no request waits for the build
    cache.wait(timeout=60)
    after = cache.get(storage, taxonomy)
    assert after is not before and after.data_version == storage.data_version()
    best = search(after, SearchQuery(text="よそで改名した館")).hits[0]
    assert (best.resource_id, best.score) == (before.ids[0], 100)
    assert cache.background_error is None


def test_a_rolled_back_write_is_not_waited_for(storage):
    version = storage.data_version()
    with storage.transaction(commit=False) as session:
        bump_data_version(session)
    assert storage.written_version() <= version == storage.data_version()
    with storage.transaction() as session:
        bump_data_version(session)
    assert storage.written_version() == version + 1 == storage.data_version()


def test_an_index_built_in_a_child_process_is_the_same_index(town, storage, taxonomy):
    alone = IndexCache(separate_build_from=0).get(storage, taxonomy)  # always in a child
    here = IndexCache(separate_build_from=None).get(storage, taxonomy)
    assert alone.data_version == here.data_version
    for name, value in vars(here).items():
        if isinstance(value, np.ndarray):
            assert np.array_equal(getattr(alone, name), value, equal_nan=True), name
    assert alone.words == here.words and alone.kind_names == here.kind_names
    assert alone.by_area.keys() == here.by_area.keys()
    assert alone.open_days.schedules == here.open_days.schedules
    query = SearchQuery(text="ふれあい", near=(34.705, 137.51), radius_m=3_000)
    assert hits(search(alone, query)) == hits(search(here, query))


def test_reading_order_sorts_as_lists_do_without_reading_rows(town, storage, taxonomy):
    groups = {group.code: n for n, group in enumerate(taxonomy.groups)}
    with storage.reading() as session:
        rows = session.execute(
            select(Resource.id, Resource.kind, Resource.kana, Resource.reading, Resource.name)
        ).all()

    def key(row):
        group = taxonomy.kind(row.kind).group if taxonomy.has_kind(row.kind) else None
        reading = search_key(row.kana or row.reading or row.name)
        return (groups.get(group, len(groups)), reading, search_key(row.name), row.id)

    ids = [r.id for r in rows]
    expected = [r.id for r in sorted(rows, key=key)]
    assert reading_order(town, taxonomy, ids[::-1]).tolist() == expected
    some = ids[::3]
    assert reading_order(town, taxonomy, some + [10**9]).tolist() == [
        i for i in expected if i in some
    ]


@pytest.mark.parametrize("alphabet", ["ab", "abcdef", "ふれあいさろん12"])
def test_fuzzy_words_agree_on_words_that_overlap_a_great_deal(alphabet):
    rng = np.random.default_rng(len(alphabet))
    letters = list(alphabet)
    words = sorted(
        {"".join(rng.choice(letters, size=int(rng.integers(1, 40)))) for _ in range(2_000)}
    )
    fuzzy = FuzzyWords(words)
    for _ in range(40):
        query = "".join(rng.choice(letters, size=int(rng.integers(1, 25))))
        assert np.array_equal(fuzzy.scores(query), fuzzy_score_array(query, words)), query
    spaced = FuzzyWords([*words[:50], "ふれ あい"])  # not search keys: scored as they are
    assert np.array_equal(spaced.scores("ふれあい"), fuzzy_score_array("ふれあい", spaced.words))


PATCH_QUERIES = [
    SearchQuery(),
    SearchQuery(text="ふれあい"),
    SearchQuery(text="改名した"),
    SearchQuery(text="さろん", near=(34.705, 137.51), radius_m=3_000),
    SearchQuery(near=(34.70, 137.50), radius_m=1_500, kinds=("salon", "taiso")),
    SearchQuery(statuses=("closed", "active")),
    SearchQuery(weekday=0, free_only=True),
    SearchQuery(open_between=(dt.date.today(), dt.date.today() + dt.timedelta(days=6))),
]


def same_answers(patched, built, taxonomy) -> None:
    """Every query, the area lists and the kind counts answer alike from both indexes."""
    for query in PATCH_QUERIES + [SearchQuery(area_id=a) for a in built.by_area]:
        assert hits(search(patched, query)) == hits(search(built, query)), query
    every = built.ids.tolist()
    assert reading_order(patched, taxonomy, every).tolist() == (
        reading_order(built, taxonomy, every).tolist()
    )
    assert kind_counts(patched) == kind_counts(built)
    for area_id, positions in built.by_area.items():
        assert patched.ids[patched.by_area[area_id]].tolist() == built.ids[positions].tolist()


def test_an_own_write_is_patched_into_the_index_as_a_build_would_have_it(
    town, storage, taxonomy, tmp_path
):
    cache = IndexCache(separate_build_from=None)
    before = cache.get(storage, taxonomy)
    first, second, third = (int(i) for i in before.ids[:3])
    with storage.transaction() as session:  # rename, move, close; delete one; add two
        session.execute(
            text("UPDATE resource SET name = '改名したサロン', kana = '' WHERE id = :i"),
            {"i": first},
        )
        session.execute(
            text(
                "UPDATE resource SET lat = 34.70, lon = 137.50, kind = 'kurasapo', "
                "schedule_text = '毎週土曜日 新しい会', pickup = 1 WHERE id = :i"
            ),
            {"i": second},
        )
        session.execute(text("DELETE FROM resource WHERE id = :i"), {"i": third})
        bump_data_version(session)
    path = write_csv(
        tmp_path / "more.csv",
        [
            own_row(出典ID="new1", 名称="あたらしいサロン", 開催日時="毎月第5日曜日"),
            own_row(出典ID="new2", 名称="あ", 緯度="34.706", 経度="137.511", 参加費="無料"),
        ],
    )
    import_resources(storage, path, taxonomy, ImportOptions(profile="own"))
    with storage.reading() as session:
        fresh = patched(before, session, taxonomy)
        built = build_index(session, taxonomy)
    assert fresh is not None and fresh.data_version == built.data_version
    same_answers(fresh, built, taxonomy)
    after = cache.get(storage, taxonomy)  # the request after the write: patched, not rebuilt
    assert after.data_version == storage.data_version() and len(after) == len(before) + 2
    same_answers(after, built, taxonomy)
    with storage.transaction() as session:  # the deleted id again, and a second patch
        session.execute(
            text("UPDATE resource SET name = 'もう一度', status = 'closed' WHERE id = :i"),
            {"i": first},
        )
        bump_data_version(session)
    with storage.reading() as session:
        built = build_index(session, taxonomy)
    again = cache.get(storage, taxonomy)
    assert again.data_version == built.data_version
    same_answers(again, built, taxonomy)


def test_a_patch_gives_way_to_a_build_when_much_changed(town, storage, taxonomy, monkeypatch):
    monkeypatch.setattr(index_patch, "MAX_CHANGED", 10)  # every name changes: 62 rows
    with storage.reading() as session:
        before = build_index(session, taxonomy)
    with storage.transaction() as session:
        session.execute(text("UPDATE resource SET name = name || '館'"))
        bump_data_version(session)
    with storage.reading() as session:
        assert patched(before, session, taxonomy) is None


def test_the_version_is_read_again_only_after_a_commit(town, storage, taxonomy):
    watch = VersionWatch(storage)
    version = watch.version()
    asked = []
    real = storage.data_version
    storage.data_version = lambda: asked.append(1) or real()
    try:
        assert [watch.version() for _ in range(5)] == [version] * 5 and not asked
        with sqlite3.connect(storage.engine.url.database) as connection:  # another process
            connection.execute(
                "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) "
                "WHERE key = 'data_version'"
            )
        connection.close()
        assert watch.version() == version + 1 and len(asked) == 1
        with storage.transaction() as session:  # this process
            bump_data_version(session)
        assert watch.version() == version + 2 and len(asked) == 2
    finally:
        del storage.data_version
