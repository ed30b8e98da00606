"""The real 湖西市 data, imported through the command line as staff would."""

from __future__ import annotations

from collections import Counter

from shapely.geometry import Point
from sqlalchemy import func, select

from mapapp.models import Area, Change, Resource, ResourceArea, ResourceStatus
from mapapp.storage import read_data_version
from tests.conftest import KOSAI, kosai_districts, kosai_rows, require_shared

SCHOOLS = {"白須賀小学校", "岡崎小学校", "知波田小学校", "新居小学校", "東小学校", "鷲津小学校"}


def test_six_districts_with_recovered_names(kosai, storage):
    with storage.reading() as session:
        areas = session.scalars(select(Area)).all()
    assert {a.name for a in areas} == SCHOOLS
    assert {a.layer for a in areas} == {2}
    assert all(a.geom.is_valid and a.geom.area > 0 for a in areas)


def test_every_real_resource_imported_and_templates_rejected_with_reasons(kosai, storage):
    real = [r for r in kosai_rows() if r["Type"]]
    templates = [r for r in kosai_rows() if not r["Type"]]
    assert len(real) == 339 and {t["Name"] for t in templates} == {"TEMPL", "DUMY"}
    with storage.reading() as session:
        stored = session.execute(select(Resource.source_key, Resource.name)).all()
    assert len(stored) == len(real)
    assert {key.split("|")[0] for key, _ in stored} == {r["HID"] for r in real}
    # The two template rows are the last two lines of the file (rows 341 and 342).
    assert "341行目「SubType / Type」: 種別が空です" in kosai.output
    assert "342行目「SubType / Type」: 種別が空です" in kosai.output
    assert "取り込まなかった行 2" in kosai.output


def test_repeated_hids_are_reported_and_kept_apart(kosai, storage):
    repeated = [h for h, n in Counter(r["HID"] for r in kosai_rows()).items() if n > 1]
    assert len(repeated) == 15
    assert "HID が重複しています: 15 件" in kosai.output
    with storage.reading() as session:
        names = set(
            session.scalars(select(Resource.name).where(Resource.source_key.like("1115|%")))
        )
    assert names == {"さつき薬局", "表鷲津 多目的センター"}


def test_point_outside_every_district_is_kept_and_flagged(kosai, storage):
    with storage.reading() as session:
        outside = session.scalars(select(Resource).where(Resource.outside_areas.is_(True))).all()
        assert [r.name for r in outside] == ["横山会館"]
        assert outside[0].areas == []
    assert "区域外（どの第2層区域にも入らない）: 1 件（横山会館）" in kosai.output


def test_counts_per_district_and_kind_match_the_file(kosai, storage, taxonomy):
    districts = kosai_districts()
    expected: Counter = Counter()
    for row in kosai_rows():
        if not row["Type"]:
            continue
        point = Point(float(row["lon"]), float(row["lat"]))
        kind = (taxonomy.find_kind(row["SubType"]) or taxonomy.find_kind(row["Type"])).code
        for name, polygon in districts.items():
            if polygon.covers(point):
                expected[(name, kind)] += 1
    with storage.reading() as session:
        got = Counter(
            {
                (name, kind): n
                for name, kind, n in session.execute(
                    select(Area.name, Resource.kind, func.count())
                    .join(ResourceArea, ResourceArea.area_id == Area.id)
                    .join(Resource, Resource.id == ResourceArea.resource_id)
                    .group_by(Area.name, Resource.kind)
                )
            }
        )
    assert got == expected
    per_district = Counter()
    for (name, _), n in got.items():
        per_district[name] += n
    # SOURCE.md counts 新居 113 with the two template points, which lie in 新居.
    assert per_district == {
        "新居小学校": 111, "鷲津小学校": 97, "岡崎小学校": 77,
        "東小学校": 21, "知波田小学校": 16, "白須賀小学校": 16,
    }  # fmt: skip


def test_stats_command_prints_the_same_counts(kosai, cli):
    out = cli("stats").output.splitlines()
    rows = {line.split("\t")[0]: line.split("\t")[1] for line in out[1:]}
    assert rows["新居小学校"] == "111" and rows["区域外"] == "1"


def test_real_quirks_are_normalised(kosai, storage):
    with storage.reading() as session:
        cafe = session.scalar(select(Resource).where(Resource.source_key.like("1181|%")))
        paused = session.scalars(
            select(Resource).where(Resource.status == ResourceStatus.PAUSED)
        ).all()
    assert cafe.name == "ひまわりカフェ、 ひまわりカフェin表鷲津"
    assert (
        cafe.closed_text
        == "毎月第4水曜日（ひまわりカフェ）\n毎月第4木曜日（in表鷲津）\n参加料200円"
    )
    assert cafe.kind == "ninchisho_cafe" and cafe.kind_text == "福祉施設 / 認知症カフェ"
    assert len(paused) == 4 and all(r.schedule_text == "休止中" for r in paused)


def test_second_import_changes_nothing(kosai, cli, storage):
    with storage.reading() as session:
        version = read_data_version(session)
        changes = session.scalar(select(func.count(Change.id)))
        before = session.execute(select(Resource.id, Resource.version, Resource.updated_at)).all()
    again = cli("import-resources", KOSAI / "resources_caremap2.csv", "--skip-invalid")
    assert "新規 0、更新 0、変更なし 339" in again.output
    with storage.reading() as session:
        assert read_data_version(session) == version
        assert session.scalar(select(func.count(Change.id))) == changes
        assert (
            session.execute(select(Resource.id, Resource.version, Resource.updated_at)).all()
            == before
        )


def test_the_raw_geojson_gives_the_same_rows_as_the_csv(kosai, cli):
    again = cli("import-resources", KOSAI / "raw" / "caremap2_spot.geojson", "--skip-invalid")
    assert "新規 0、更新 0、変更なし 339" in again.output
    assert "341件目" in again.output


def test_without_skip_invalid_nothing_is_written(cli, storage):
    result = cli("import-resources", require_shared(KOSAI / "resources_caremap2.csv"))
    assert result.exit_code == 2
    assert "341 行のうち 2 行に問題があります。何も書き込んでいません" in result.output
    with storage.reading() as session:
        assert session.scalar(select(func.count(Resource.id))) == 0


def test_garbled_a27_names_are_flagged(cli):
    result = cli(
        "import-areas", require_shared(KOSAI / "raw" / "caremap2_school_A27_garbled.geojson"),
        "--layer", "2",
        "--kind", "小学校区", "--dry-run",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "名前の列: A27_007" in result.output
    assert "文字化けしているようです" in result.output
    assert "確認のみ" in result.output
