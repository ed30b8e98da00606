"""Importing resource lists: encodings, formats, profiles, bad rows, keys, atomicity."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, text

from mapapp.importing.errors import FileProblem, RowsRejected
from mapapp.importing.profiles import header_key
from mapapp.importing.resources import ImportOptions, import_resources
from mapapp.models import Area, Change, Resource, ResourceArea, ResourceStatus
from tests.conftest import run_cli
from tests.resource_files import dump, own_row, write_csv


@pytest.fixture
def two_areas(cli, crossing_layers):
    result = cli("import-areas", crossing_layers["junior"], "--layer", "2", "--kind", "中学校区")
    assert result.exit_code == 0, result.output


def test_cp932_csv_is_detected_and_read(tmp_path, storage, taxonomy, two_areas):
    path = write_csv(
        tmp_path / "sjis.csv",
        [own_row(名称="ふれあい会館サロン", 開催日時="毎週月曜日 10:00～11:30", 参加費="100円")],
        encoding="cp932",
    )
    report = import_resources(storage, path, taxonomy)
    assert report.encoding == "cp932" and report.written.created == 1
    with storage.reading() as session:
        salon = session.scalar(select(Resource))
    assert salon.name == "ふれあい会館サロン"
    assert salon.schedule_text == "毎週月曜日 10:00～11:30"


def test_xlsx_import_reads_numbers_and_dates(tmp_path, storage, taxonomy, two_areas):
    import datetime as dt

    book = Workbook()
    sheet = book.active
    sheet.append(["出典ID", "種別", "名称", "緯度", "経度", "定員", "最終確認日", "送迎"])
    sheet.append(
        [101, "体操教室", "いきいき体操", 34.715, 137.53, 20, dt.datetime(2026, 6, 1), "あり"]
    )
    sheet.append([None] * 8)  # blank rows that Excel users leave are skipped
    path = tmp_path / "list.xlsx"
    book.save(path)
    report = import_resources(storage, path, taxonomy, ImportOptions(profile="own"))
    assert report.written.created == 1
    with storage.reading() as session:
        row = session.scalar(select(Resource))
        assert (row.source_key, row.kind, row.capacity, row.pickup) == ("101", "taiso", 20, True)
        assert row.verified_on == dt.date(2026, 6, 1)
        assert [a.name for a in row.areas] == ["東中学校区"]


def test_bad_rows_are_all_reported_and_nothing_is_written(tmp_path, storage, taxonomy, two_areas):
    good = write_csv(tmp_path / "good.csv", [own_row(出典ID="keep")])
    import_resources(storage, good, taxonomy)
    before = dump(storage)
    rows = [
        own_row(出典ID="a"),
        own_row(出典ID="b", 名称=""),
        own_row(出典ID="c", 緯度="137.51", 経度="34.705"),
        own_row(出典ID="d", 種別="宇宙旅行"),
        own_row(出典ID="e", 定員="たくさん", 送迎="たぶん"),
        own_row(出典ID="f", 緯度="北緯35度"),
        own_row(出典ID="g", 状態="お休み", URL="javascript:alert(1)"),
    ]
    with pytest.raises(RowsRejected) as caught:
        import_resources(storage, write_csv(tmp_path / "bad.csv", rows), taxonomy)
    messages = [str(e) for e in caught.value.errors]
    assert messages == [
        "3行目「名称」: 名称が空です",
        "4行目「緯度」: 緯度と経度が逆のようです (緯度 137.51, 経度 34.705)",
        "5行目「種別」: 種別「宇宙旅行」は分類表にありません",
        "6行目「定員」: 「たくさん」は人数（数字）で書いてください",
        "6行目「送迎」: 「たぶん」は「あり」か「なし」（または 1 か 0）で書いてください",
        "7行目「緯度」: 緯度「北緯35度」は数字ではありません",
        # A bad URL alone is no reason to drop a row (test_import_profiles): only 状態 is.
        "8行目「状態」: 状態「お休み」は 準備中・活動中・休止中・終了 のどれかにしてください",
    ]
    assert str(caught.value) == "7 行のうち 6 行に問題があります。何も書き込んでいません"
    assert dump(storage) == before


def test_skip_invalid_writes_the_good_rows_and_lists_the_rest(
    tmp_path, storage, taxonomy, two_areas
):
    rows = [own_row(出典ID="a"), own_row(出典ID="b", 名称="")]
    report = import_resources(
        storage, write_csv(tmp_path / "x.csv", rows), taxonomy, ImportOptions(skip_invalid=True)
    )
    assert report.written.created == 1 and [e.row for e in report.rejected] == [3]


def test_dry_run_reports_and_writes_nothing(tmp_path, storage, taxonomy, two_areas):
    before = dump(storage)
    report = import_resources(
        storage, write_csv(tmp_path / "x.csv", [own_row()]), taxonomy, ImportOptions(dry_run=True)
    )
    assert report.written.created == 1
    assert dump(storage) == before


def test_reimport_updates_by_source_key_and_keeps_history(tmp_path, storage, taxonomy, two_areas):
    path = tmp_path / "x.csv"
    import_resources(
        storage, write_csv(path, [own_row(参加費="100円"), own_row(出典ID="r2")]), taxonomy
    )
    report = import_resources(
        storage,
        write_csv(path, [own_row(参加費="200円", タグ="体操、交流"), own_row(出典ID="r2")]),
        taxonomy,
    )
    assert (report.written.created, report.written.updated, report.written.unchanged) == (0, 1, 1)
    with storage.reading() as session:
        assert session.scalar(select(func.count(Resource.id))) == 2
        salon = session.scalar(select(Resource).where(Resource.source_key == "r1"))
        assert salon.fee_text == "200円" and salon.version == 2
        assert sorted(t.tag for t in salon.tags) == ["交流", "体操"]
        history = session.execute(
            select(Change.field, Change.old, Change.new).where(
                Change.entity_id == salon.id, Change.action == "update"
            )
        ).all()
    assert ("fee_text", "100円", "200円") in history
    assert ("tags", "", "交流、体操") in history


def test_moving_a_resource_moves_it_between_areas(tmp_path, storage, taxonomy, two_areas):
    path = tmp_path / "x.csv"
    import_resources(storage, write_csv(path, [own_row(経度="137.51")]), taxonomy)
    import_resources(storage, write_csv(path, [own_row(経度="137.53")]), taxonomy)
    with storage.reading() as session:
        assert [a.name for a in session.scalar(select(Resource)).areas] == ["東中学校区"]


def test_repeated_ids_never_merge_two_places(tmp_path, storage, taxonomy, two_areas):
    rows = [own_row(出典ID="7", 名称="サロンA"), own_row(出典ID="7", 名称="サロンB")]
    report = import_resources(storage, write_csv(tmp_path / "x.csv", rows), taxonomy)
    assert report.warnings == ["出典ID が重複しています: 1 件（7（2、3行目））。名称で区別しました"]
    assert report.written.created == 2
    same = [own_row(出典ID="8"), own_row(出典ID="8")]
    with pytest.raises(RowsRejected) as caught:
        import_resources(storage, write_csv(tmp_path / "y.csv", same), taxonomy)
    assert [str(e) for e in caught.value.errors] == ["3行目: 2行目と同じ ID・名称です（重複行）"]


def test_private_home_is_shown_only_to_its_chome(tmp_path, storage, taxonomy, two_areas):
    row = own_row(
        住所="さくら台町本町2丁目3-5",
        会場="山田宅",
        位置の精度="丁目",
        緯度="34.705123",
        経度="137.511234",
    )
    import_resources(storage, write_csv(tmp_path / "x.csv", [row]), taxonomy)
    with storage.reading() as session:
        home = session.scalar(select(Resource))
        assert (home.address, home.venue) == ("さくら台町本町2丁目", "")
        assert (home.lat, home.lon) == (34.705, 137.511)  # no 町丁 layer: rounded to ~100 m


def test_private_home_moves_to_its_chome_point_and_its_areas_follow_that_point(
    tmp_path, storage, taxonomy, two_areas, cli, crossing_layers
):
    from shapely.geometry import Point

    from tests.conftest import EAST, SOUTH, WEST

    cli("import-areas", crossing_layers["elementary"], "--layer", "3", "--kind", "町丁")
    row = own_row(位置の精度="丁目", 緯度="34.705123", 経度="137.501234")  # in the west
    import_resources(storage, write_csv(tmp_path / "x.csv", [row]), taxonomy)
    point = SOUTH.representative_point()
    with storage.reading() as session:
        home = session.scalar(select(Resource))
        assert (home.lat, home.lon) == (round(point.y, 6), round(point.x, 6))
        published = Point(home.lon, home.lat)
        # The areas named are those the published point lies in (here on the line between
        # west and east), never more precise than the point itself.
        expected = {"南小学校区"} | {
            name for name, shape in (("西中学校区", WEST), ("東中学校区", EAST))
            if shape.covers(published)
        }  # fmt: skip
        assert {a.name for a in home.areas} == expected


def test_repeated_ids_keep_each_place_on_its_own_row(tmp_path, storage, taxonomy, two_areas):
    path = tmp_path / "x.csv"
    import_resources(
        storage,
        write_csv(path, [own_row(出典ID="A", 名称="X"), own_row(出典ID="A", 名称="Y")]),
        taxonomy,
    )
    with storage.reading() as session:
        ids = {r.name: r.id for r in session.scalars(select(Resource))}
    # The file changes order, then drops X: Y must stay on Y's row, not take over X's page.
    import_resources(
        storage,
        write_csv(path, [own_row(出典ID="A", 名称="Y"), own_row(出典ID="A", 名称="X")]),
        taxonomy,
    )
    import_resources(
        storage,
        write_csv(path, [own_row(出典ID="A", 名称="Y")]),
        taxonomy,
        ImportOptions(close_missing=True),
    )
    with storage.reading() as session:
        rows = {r.id: (r.name, r.status) for r in session.scalars(select(Resource))}
    assert rows == {ids["X"]: ("X", ResourceStatus.CLOSED), ids["Y"]: ("Y", ResourceStatus.ACTIVE)}


def test_close_missing_is_refused_when_rows_were_rejected(tmp_path, storage, taxonomy, two_areas):
    import_resources(
        storage, write_csv(tmp_path / "x.csv", [own_row(出典ID="a"), own_row(出典ID="b")]), taxonomy
    )
    rows = [own_row(出典ID="a"), own_row(出典ID="b", 種別="宇宙旅行")]
    options = ImportOptions(skip_invalid=True, close_missing=True)
    with pytest.raises(FileProblem, match="--close-missing は使えません"):
        import_resources(storage, write_csv(tmp_path / "y.csv", rows), taxonomy, options)
    with storage.reading() as session:
        assert {r.status for r in session.scalars(select(Resource))} == {ResourceStatus.ACTIVE}


def test_close_missing_marks_what_the_file_dropped(tmp_path, cli, storage, two_areas):
    path = tmp_path / "x.csv"
    write_csv(path, [own_row(出典ID="a"), own_row(出典ID="b", 名称="閉じたサロン")])
    cli("import-resources", path)
    write_csv(path, [own_row(出典ID="a")])
    kept = cli("import-resources", path)
    assert "このファイルに無い資源: 1 件（そのままです" in kept.output
    closed = cli("import-resources", path, "--close-missing")
    assert "1 件を「終了」にしました" in closed.output
    with storage.reading() as session:
        gone = session.scalar(select(Resource).where(Resource.source_key == "b"))
        assert gone.status is ResourceStatus.CLOSED and gone.version == 2
        history = session.execute(
            select(Change.field, Change.new).where(
                Change.entity_id == gone.id, Change.action == "update"
            )
        ).all()
    assert history == [("status", "closed")]


def test_service_areas_are_resolved_by_name(tmp_path, storage, taxonomy, two_areas):
    rows = [
        own_row(出典ID="m", 種別="配食", 対象範囲="区域", 対象区域="西中学校区、東中学校区"),
        own_row(出典ID="n", 種別="配食", 対象範囲="区域", 対象区域="南極"),
    ]
    with pytest.raises(RowsRejected) as caught:
        import_resources(storage, write_csv(tmp_path / "x.csv", rows), taxonomy)
    assert [str(e) for e in caught.value.errors] == [
        "3行目「対象区域」: 区域「南極」が登録されていません"
    ]
    import_resources(storage, write_csv(tmp_path / "y.csv", rows[:1]), taxonomy)
    with storage.reading() as session:
        meals = session.scalar(select(Resource))
        assert sorted(a.name for a in meals.service_areas) == ["東中学校区", "西中学校区"]


def test_kind_option_for_files_without_a_kind_column(tmp_path, storage, taxonomy, two_areas):
    rows = [
        {
            "ID": "1",
            "名称": "中央公民館",
            "名称_カナ": "ちゅうおうこうみんかん",
            "住所": "本町1-1",
            "緯度": "34.71",
            "経度": "137.51",
        }
    ]
    path = write_csv(tmp_path / "standard.csv", rows)
    with pytest.raises(
        FileProblem, match="種別の列.*がありません。--kind で種別を指定してください"
    ):
        import_resources(storage, path, taxonomy)
    report = import_resources(storage, path, taxonomy, ImportOptions(kind="居場所"))
    assert report.profile == "standard" and report.sources == ["file:standard"]
    with storage.reading() as session:
        hall = session.scalar(select(Resource))
    assert (hall.kind, hall.kana, hall.address) == ("ibasho", "ちゅうおうこうみんかん", "本町1-1")
    with pytest.raises(FileProblem, match="--kind「宇宙」は分類表にありません"):
        import_resources(storage, path, taxonomy, ImportOptions(kind="宇宙"))


MHLW_HEADERS = [
    "No",
    "都道府県コード",
    "都道府県名",
    "市区町村コード",
    "市区町村名",
    "備考",
    "名称（ふりがな）",
    "名称",
    "郵便番号",
    "所在地（都道府県から番地まで）",
    "所在地（建物名・部屋番号等）",
    "電話番号",
    "対象者",
    "活動内容",
    "運営日（平日）－開始",
    "運営日（平日）‐終了",
    "運営日（土曜）-開始",
    "運営日（土曜）－終了",
    "運営日（日曜）－開始",
    "運営日（日曜）－終了",
    "運営日（祝日）－開始",
    "運営日（祝日）－終了",
    "定休日",
    "定員",
    "料金体系",
    "飲食の提供の有無",
    "飲食持ち込みの可否",
    "送迎の有無",
    "対象エリア",
    "総合事業実施の有無",
    "その他",
    "法人番号の有無",
    "法人番号",
    "法人名称（ふりがな）",
    "法人名称",
    "ステータス",
    "緯度",
    "経度",
]


def test_mhlw_open_data_with_mixed_dashes_and_line_break_tokens(
    tmp_path, storage, taxonomy, two_areas
):
    row = dict.fromkeys(MHLW_HEADERS, "")
    row.update({
        "No": "1", "市区町村コード": "22221", "名称": "ふれあい体操クラブ", "名称（ふりがな）": "ふれあいたいそうくらぶ",
        "所在地（都道府県から番地まで）": "静岡県湖西市鷲津670", "所在地（建物名・部屋番号等）": "鷲津公民館",
        "活動内容": "体操、交流", "運営日（平日）－開始": "10:00", "運営日（平日）‐終了": "11:30",
        "定休日": "土日祝（改行）年末年始", "定員": "20", "料金体系": "1回100円", "飲食の提供の有無": "0",
        "送迎の有無": "1", "緯度": "34.705", "経度": "137.51",
    })  # fmt: skip
    path = write_csv(tmp_path / "mhlw.csv", [row], encoding="cp932", headers=MHLW_HEADERS)
    report = import_resources(storage, path, taxonomy)
    assert report.profile == "mhlw"
    with storage.reading() as session:
        club = session.scalar(select(Resource))
    assert club.kind == "kayoi_other" and club.kana == "ふれあいたいそうくらぶ"
    assert club.schedule_text == "平日 10:00〜11:30" and club.closed_text == "土日祝\n年末年始"
    assert (club.capacity, club.meals, club.pickup, club.venue) == (20, False, True, "鷲津公民館")
    assert club.address == "静岡県湖西市鷲津670 鷲津公民館"


def test_header_key_treats_dash_variants_alike():
    assert (
        header_key("運営日（平日）－開始")
        == header_key("運営日(平日)-開始")
        == header_key("運営日（平日）‐開始")
    )


def test_column_map_for_any_other_list(tmp_path, cli, two_areas, storage):
    rows = [
        {
            "番号": "9",
            "施設名": "みんなの茶の間",
            "分類": "居場所",
            "lat": "34.705",
            "lng": "137.51",
        }
    ]
    path = write_csv(tmp_path / "other.csv", rows)
    result = cli(
        "import-resources", path, "--map", "番号=出典ID", "--map", "施設名=名称",
        "--map", "分類=種別", "--map", "lat=緯度", "--map", "lng=経度",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with storage.reading() as session:
        assert session.scalar(select(Resource.name)) == "みんなの茶の間"
    bad = cli("import-resources", path, "--map", "施設名=なまえ")
    assert bad.exit_code == 2 and "--map の「なまえ」は項目名ではありません" in bad.output


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "ファイルが空です"),
        ("dup.csv", "名称,名称\nA,B\n".encode(), "見出しが重複しています: 名称"),
        ("old.xls", b"\xd0\xcf\x11\xe0", "古い Excel 形式 (.xls) は読めません"),
        ("unknown.csv", b"foo,bar\n1,2\n", "列の見出しから形式がわかりません"),
        ("binary.csv", bytes(range(128, 256)) * 4, "文字コードがわかりません"),
        ("broken.xlsx", b"PK\x03\x04 not really", "Excel ファイルとして読めません"),
        ("broken.geojson", b'{"type": "Feat', "GeoJSON として読めません"),
        (
            "wide.csv",
            "出典ID,種別,名称,緯度,経度\n1,サロン,A,34.7,137.5,extra\n".encode(),
            "2行目: 見出しより列が多いです",
        ),
    ],
)
def test_unusable_files_say_why(tmp_path, storage, taxonomy, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileProblem, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_resources(storage, path, taxonomy)


def test_overlapping_layers_each_get_their_area(cli, crossing_layers, tmp_path, storage, taxonomy):
    cli("import-areas", crossing_layers["junior"], "--layer", "2", "--kind", "中学校区")
    cli("import-areas", crossing_layers["elementary"], "--layer", "3", "--kind", "小学校区")
    # One point in each quarter, named by where it is; one exactly on the 137.52 line.
    points = {
        "sw_salon": (34.705, 137.51), "se_salon": (34.705, 137.53),
        "nw_salon": (34.715, 137.51), "ne_salon": (34.715, 137.53),
        "on_line": (34.715, 137.52), "far_salon": (34.80, 137.60),
    }  # fmt: skip
    rows = [
        own_row(出典ID=n, 名称=n, 緯度=str(lat), 経度=str(lon)) for n, (lat, lon) in points.items()
    ]
    report = import_resources(storage, write_csv(tmp_path / "x.csv", rows), taxonomy)
    with storage.reading() as session:
        placed = {
            name: sorted(area for (n, area) in pairs if n == name)
            for name, pairs in [
                (n, session.execute(
                    select(Resource.name, Area.name)
                    .join(ResourceArea, ResourceArea.resource_id == Resource.id)
                    .join(Area, Area.id == ResourceArea.area_id)
                ).all())
                for n in points
            ]
        }  # fmt: skip
    assert placed == {
        "sw_salon": ["南小学校区", "西中学校区"],
        "se_salon": ["南小学校区", "東中学校区"],
        "nw_salon": ["北小学校区", "西中学校区"],
        "ne_salon": ["北小学校区", "東中学校区"],
        "on_line": ["北小学校区", "東中学校区", "西中学校区"],
        "far_salon": [],
    }
    assert report.written.outside_areas == ["far_salon"]


def test_areas_imported_after_resources_place_them(
    cli, crossing_layers, tmp_path, storage, taxonomy
):
    import_resources(storage, write_csv(tmp_path / "x.csv", [own_row()]), taxonomy)
    with storage.reading() as session:
        assert session.scalar(select(Resource.outside_areas)) is True
    result = cli("import-areas", crossing_layers["junior"], "--layer", "2", "--kind", "中学校区")
    assert "区域外）: 0 件" in result.output
    with storage.reading() as session:
        salon = session.scalar(select(Resource))
        assert salon.outside_areas is False and [a.name for a in salon.areas] == ["西中学校区"]


@pytest.mark.slow
def test_killed_import_leaves_the_database_as_it_was(tmp_path, database_url, crossing_layers):
    assert (
        run_cli(
            database_url,
            "import-areas",
            crossing_layers["junior"],
            "--layer",
            "2",
            "--kind",
            "中学校区",
        ).returncode
        == 0
    )
    small = write_csv(tmp_path / "small.csv", [own_row(出典ID="before")])
    assert run_cli(database_url, "import-resources", small).returncode == 0
    big = write_csv(
        tmp_path / "big.csv",
        [
            own_row(出典ID=f"k{i}", 名称=f"サロン{i}", 経度=f"{137.501 + (i % 390) * 1e-4:.4f}")
            for i in range(30_000)
        ],
    )
    from mapapp.storage import Storage

    storage = Storage(database_url)
    before = dump(storage)
    command = [sys.executable, "-m", "mapapp.cli", "import-resources", str(big)]
    env = {**os.environ, "MAPAPP_DATABASE_URL": database_url, "MAPAPP_SECRET_KEY": "test"}
    with subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) as process:
        # Wait until it is writing: the write stage announces itself on stderr.
        seen = ""
        while "書き込み: 0/" not in seen:
            line = process.stderr.readline()
            if not line:
                break
            seen += line
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert "書き込み: 0/" in seen, seen
    assert process.returncode == -signal.SIGKILL
    with storage.reading() as session:
        assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    assert dump(storage) == before
    storage.dispose()


def test_status_words_map_to_states():
    from mapapp.importing.fields import parse_status

    assert parse_status("休止中") is ResourceStatus.PAUSED
    assert parse_status("") is ResourceStatus.ACTIVE


# --- limits (see also tests/test_hostile_files.py) ------------------------------------------------


def test_columns_past_the_limit_are_refused_in_xlsx_and_empty_ones_not_counted(tmp_path):
    from mapapp.importing.limits import Limits
    from mapapp.importing.readers import read_table

    limits = Limits(max_columns=5)
    book = Workbook()
    book.active.append(["出典ID", "種別", "名称", "緯度", "経度", "定員", "送迎"])
    book.save(tmp_path / "wide.xlsx")
    with pytest.raises(FileProblem, match=r"^列が多すぎます（上限は 5 列）"):
        read_table(tmp_path / "wide.xlsx", limits)
    path = tmp_path / "trailing.csv"  # Excel's CSV keeps the commas of formatted empty columns
    path.write_text("出典ID,種別,名称,緯度,経度" + "," * 20 + "\n1,サロン,A,34.7,137.5\n", "utf-8")
    table = read_table(path, limits)
    assert table.headers == ("出典ID", "種別", "名称", "緯度", "経度")
    assert dict(table.rows[0].values) == {
        "出典ID": "1", "種別": "サロン", "名称": "A", "緯度": "34.7", "経度": "137.5"
    }  # fmt: skip


def test_limits_come_from_the_settings(tmp_path):
    from mapapp.config import load_settings
    from mapapp.importing.limits import Limits

    settings = load_settings(tmp_path, environ={"MAPAPP_IMPORT_MAX_ROWS": "10"})
    limits = Limits.from_config(settings)
    assert (limits.max_rows, limits.max_mb, limits.max_cell_chars) == (10, 50, 10_000)
    assert (limits.max_area_vertices, limits.area_simplify_m) == (100_000, 1.0)


def test_a_csv_with_tabs_is_read_as_tab_separated_whatever_its_name(tmp_path, storage, taxonomy):
    from tests.resource_files import HEADERS

    row = own_row(名称="タブのサロン", 住所="鷲津1-2, 3階")
    path = tmp_path / "tabs.csv"
    path.write_text("\t".join(HEADERS) + "\n" + "\t".join(row.values()) + "\n", "utf-8")
    report = import_resources(storage, path, taxonomy)
    assert report.written.created == 1
    with storage.reading() as session:
        assert session.scalar(select(Resource.address)) == "鷲津1-2, 3階"


def test_services_that_come_to_the_home_serve_the_whole_town_unless_the_file_says(
    tmp_path, storage, taxonomy, two_areas
):
    rows = [
        own_row(出典ID="m1", 名称="まごころ弁当", 種別="配食"),
        own_row(出典ID="m2", 名称="ご近所弁当", 種別="配食", 対象範囲="徒歩圏"),
        own_row(出典ID="s1", 名称="ふれあいサロン", 種別="サロン"),
    ]
    import_resources(storage, write_csv(tmp_path / "x.csv", rows), taxonomy)
    with storage.reading() as session:
        coverage = {r.name: r.coverage.value for r in session.scalars(select(Resource))}
    assert coverage == {"まごころ弁当": "town", "ご近所弁当": "walk", "ふれあいサロン": "walk"}
