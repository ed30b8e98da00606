"""What keeps an import's cost down keeps its result: records built once per distinct text,
writes in chunks, and parsers whose time grows with the text, not its square.

Speed figures live in bench/ (run.py, hostile.py); these tests assert behaviour only, with
bounds generous enough never to depend on the machine.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from mapapp.fees import parse_fee
from mapapp.importing.records import RecordBuilder, build_record
from mapapp.importing.resources import ImportOptions, import_resources
from mapapp.importing.writer import WRITE_CHUNK
from mapapp.models import Change, Resource, ResourceArea, ResourceTag, ScheduleRule
from mapapp.schedule import parse_schedule
from mapapp.schedule.lexer import tokenize
from tests.resource_files import own_row, write_csv

# A bound no parse of 20,000 characters comes near once it is linear (it took seconds to
# minutes before, and a long list of months never finished). CPU time of this process, so
# that other work on the machine does not count.
LONG_TEXT_SECONDS = 2.0


def _long(unit: str, length: int = 20_000) -> str:
    return (unit * (length // len(unit) + 1))[:length]


@pytest.mark.parametrize(
    "unit",
    [
        "毎週月曜日 10:00〜11:30、第2・第4金曜日 午後1時半から3時半（祝日は休み）\n",
        "祝日・",  # a list of holidays with no 休み after it
        "1・2・",  # numbers with no 日 after them
        "1月・2月・",  # months: 2^n ways to split them into closures
        "1,2,",  # digits and commas with no 円
        "(",  # nested parentheses
        "ひまわりのカフェ",  # unknown words joined by の
    ],
)
def test_a_long_schedule_text_is_read_in_time(unit):
    start = time.process_time()
    text = _long(unit)
    schedule = parse_schedule(text)
    assert time.process_time() - start < LONG_TEXT_SECONDS
    assert schedule.text == text


@pytest.mark.parametrize(
    "unit", ["参加費100円／月、お茶代50円、ノート代実費。", "1回100円、", "無料・"]
)
def test_a_long_fee_text_is_read_in_time(unit):
    start = time.process_time()
    fee = parse_fee(_long(unit))
    assert time.process_time() - start < LONG_TEXT_SECONDS
    assert fee.unit in {"unknown", "free", "per_visit", "per_month"}


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("毎週月曜日 10:00~11:30", ["FREQ", "WEEKDAYS", "SEP", "TIME", "TILDE", "TIME"]),
        ("祝日・年末年始は休み", ["CLOSURES"]),
        ("1月・2月・8月は休み", ["CLOSURES"]),
        ("毎月5・15・25日", ["FREQ", "MONTHDAYS"]),
        ("祝日の場合は翌日", ["EXCEPTION"]),
        ("ひまわりのカフェで", ["UNKNOWN", "IGNORE"]),
        ("参加費1,000円", ["FEE"]),
    ],
)
def test_bounded_lists_read_real_texts_as_before(text, kinds):
    assert [t.kind for t in tokenize(text)] == kinds


def test_a_list_longer_than_any_real_one_is_still_read_in_parts():
    # 41 items after the first are read as one list; a longer one ends up in pieces, each
    # still a list of months.
    kinds = {t.kind for t in tokenize("・".join(f"{m % 12 + 1}月" for m in range(60)))}
    assert "MONTHS" in kinds


def test_long_fee_gives_the_same_reading_as_its_parts():
    one = parse_fee("参加費100円／月、ノート代実費")
    many = parse_fee("、".join(["参加費100円／月", "ノート代実費"] * 500))
    assert (one.amount_yen, one.unit, one.extras) == (100, "per_month", ("ノート代実費",))
    assert many.amount_yen is None and many.needs_review  # 500 amounts: a person checks


def _texts(**values: str) -> dict[str, str]:
    base = {"name": "ふれあいサロン", "lat": "34.705", "lon": "137.51"}
    return {**base, **values}


def test_builder_gives_what_one_row_alone_gives_and_shares_repeated_texts(taxonomy):
    rows = [
        _texts(
            name=f"サロン{i}",
            schedule_text="毎週⽉曜⽇ 10時〜",
            fee_text="100円",
            tags="体操、交流",
        )
        for i in range(3)
    ] + [
        _texts(capacity="たくさん"),  # a bad value: the same problem each time it comes
        _texts(name="喫茶", capacity="たくさん"),
        _texts(name="宅", location_precision="丁目", venue="山田宅", address="鷲津1丁目2-3"),
    ]
    builder = RecordBuilder(taxonomy)
    built = [builder.build(texts, "salon") for texts in rows]
    assert built == [build_record(texts, "salon", taxonomy) for texts in rows]
    first, second = built[0][0], built[1][0]
    assert first.schedule_rules and first.schedule_rules is second.schedule_rules
    assert first.tags == ("体操", "交流") and first.tags is second.tags
    assert built[3][1] == built[4][1] == {"capacity": "「たくさん」は人数（数字）で書いてください"}


def _rows(count: int, suffix: str = "") -> list[dict[str, str]]:
    return [
        own_row(
            出典ID=f"c{i}",
            名称=f"地域の資源{i}{suffix}",
            緯度=f"{34.701 + (i % 97) * 0.0001:.6f}",
            経度=f"{137.501 + (i % 89) * 0.0003:.6f}",
            開催日時=("毎週月曜日 10:00〜11:30", "第2・第4金曜日 13時〜")[i % 2],
            参加費=f"{i % 3 * 100}円",
            タグ="体操、交流" if i % 2 else "",
        )
        for i in range(count)
    ]


def test_an_import_written_in_chunks_keeps_the_order_of_one_write(
    tmp_path, storage, taxonomy, crossing_layers, cli
):
    cli("import-areas", crossing_layers["junior"], "--layer", "2", "--kind", "中学校区")
    count = WRITE_CHUNK + 150  # two chunks
    path = tmp_path / "many.csv"
    first = import_resources(storage, write_csv(path, _rows(count)), taxonomy, ImportOptions())
    assert first.written.created == count
    changed = _rows(count)
    for i in (5, WRITE_CHUNK - 1, WRITE_CHUNK, count - 1):  # on both sides of the boundary
        changed[i]["名称"] += "（新）"
    again = import_resources(storage, write_csv(path, changed), taxonomy, ImportOptions())
    assert (again.written.updated, again.written.unchanged) == (4, count - 4)

    with storage.reading() as session:
        resources = session.execute(
            select(Resource.id, Resource.source_key, Resource.version).order_by(Resource.id)
        ).all()
        changes = session.execute(
            select(Change.entity_id, Change.action, Change.field, Change.new)
            .where(Change.entity == "resource")
            .order_by(Change.id)
        ).all()
        tags = session.scalar(select(ResourceTag.resource_id).order_by(ResourceTag.tag).limit(1))
        tag_rows = len(session.execute(select(ResourceTag.resource_id)).all())
        rule_rows = len(session.execute(select(ScheduleRule.resource_id)).all())
        placed = len(session.execute(select(ResourceArea.resource_id)).all())
    # Ids in the order of the file, then one 作成 per row in that order, then the updates.
    assert [r.source_key for r in resources] == [f"c{i}" for i in range(count)]
    ids = [r.id for r in resources]
    assert changes[:count] == [(rid, "create", None, None) for rid in ids]
    assert [(c.entity_id, c.action, c.field) for c in changes[count:]] == [
        (ids[i], "update", field)
        for i in (5, WRITE_CHUNK - 1, WRITE_CHUNK, count - 1)
        for field in ("name", "reading")
    ]
    assert {r.version for r in resources if r.id in {c.entity_id for c in changes[count:]}} == {2}
    assert tags is not None and tag_rows == 2 * (count // 2)
    assert rule_rows == count  # one rule each: 毎週月曜日, or 第2・第4金曜日
    assert placed == count  # every point lies in one 中学校区
