"""The plainest list a person makes in Excel — 名称, 住所 or 所在地, 緯度, 経度, in any order,
with 種別 or --kind, with or without an id — imports from the command line without --map or a
profile name, and what it imports is checked: name, address, point, kind, area."""

from __future__ import annotations

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from mapapp.models import Resource
from mapapp.text import search_key
from tests.resource_files import dump, write_csv

# Two places, one in each 小学校区 of crossing_layers: 南 (34.70–34.71) and 北 (34.71–34.72).
PLACES = [
    {"名称": "ひまわりサロン", "所在地": "静岡県湖西市鷲津1-2-3", "緯度": "34.705", "経度": "137.51"},
    {"名称": "あさがお体操", "所在地": "静岡県湖西市新居町4-5", "緯度": "34.715", "経度": "137.53"},
]  # fmt: skip
AREAS = {"ひまわりサロン": ["南小学校区"], "あさがお体操": ["北小学校区"]}


@pytest.fixture
def districts(cli, crossing_layers):
    result = cli(
        "import-areas", crossing_layers["elementary"], "--layer", "2", "--kind", "小学校区"
    )
    assert result.exit_code == 0, result.output


def rows(headers: list[str], **extra_by_name) -> list[dict[str, str]]:
    """PLACES under ``headers`` (住所 reads 所在地's value; 種別 and 出典ID come from
    ``extra_by_name``: {header: [value for each place]})."""
    out = []
    for i, place in enumerate(PLACES):
        values = {**place, "住所": place["所在地"]}
        values.update({h: v[i] for h, v in extra_by_name.items()})
        out.append({h: values[h] for h in headers})
    return out


def stored(storage) -> dict[str, tuple]:
    """name → (address, lat, lon, kind, source, source_key, area names) of every resource."""
    with storage.reading() as session:
        return {
            r.name: (
                r.address,
                r.lat,
                r.lon,
                r.kind,
                r.source,
                r.source_key,
                sorted(a.name for a in r.areas),
            )
            for r in session.scalars(select(Resource))
        }


def count(storage) -> int:
    with storage.reading() as session:
        return session.scalar(select(func.count(Resource.id)))


def assert_places(storage, kinds=("salon", "salon"), keys=None, source="file:list"):
    found = stored(storage)
    assert sorted(found) == sorted(p["名称"] for p in PLACES)
    for i, place in enumerate(PLACES):
        address, lat, lon, kind, row_source, key, areas = found[place["名称"]]
        assert address == place["所在地"]
        assert (lat, lon) == (float(place["緯度"]), float(place["経度"]))
        assert kind == kinds[i]
        assert row_source == source
        if keys is not None:
            assert key == keys[i]
        assert areas == AREAS[place["名称"]]


# --- CSV ------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_name_address_lat_lon_imports_with_kind_and_nothing_else(
    cli, storage, districts, tmp_path, encoding
):
    path = write_csv(tmp_path / "list.csv", rows(["名称", "所在地", "緯度", "経度"]), encoding)
    result = cli("import-resources", path, "--kind", "サロン")
    assert result.exit_code == 0, result.output
    assert "形式 list" in result.output
    assert f"文字コード {'cp932' if encoding == 'cp932' else 'utf-8-sig'}" in result.output
    assert "新規 2、更新 0、変更なし 0" in result.output
    # Without an id column a row is keyed by its name and address (as search compares them).
    keys = [f"{search_key(p['名称'])}@{search_key(p['所在地'])}" for p in PLACES]
    assert_places(storage, keys=keys)


@pytest.mark.parametrize(
    "headers",
    [
        ["経度", "名称", "緯度", "所在地"],
        ["所在地", "経度", "緯度", "名称"],
        ["名称", "住所", "緯度", "経度"],
        ["緯度", "経度", "住所", "名称"],
    ],
)
def test_headers_in_any_order_and_住所_for_所在地(cli, storage, districts, tmp_path, headers):
    path = write_csv(tmp_path / "list.csv", rows(headers))
    result = cli("import-resources", path, "--kind", "salon")
    assert result.exit_code == 0, result.output
    assert_places(storage)


def test_a_種別_column_instead_of_kind(cli, storage, districts, tmp_path):
    path = write_csv(
        tmp_path / "list.csv",
        rows(["種別", "名称", "住所", "緯度", "経度"], 種別=["サロン", "体操教室"]),
    )
    result = cli("import-resources", path)
    assert result.exit_code == 0, result.output
    assert_places(storage, kinds=("salon", "taiso"))


def test_without_kind_nothing_is_written_and_the_message_says_what_is_missing(
    cli, storage, districts, tmp_path
):
    path = write_csv(tmp_path / "list.csv", rows(["名称", "所在地", "緯度", "経度"]))
    before = dump(storage)
    result = cli("import-resources", path)
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if "エラー" in line]
    assert len(errors) == 1  # said once, before any row is read, not once per row
    assert errors[0].startswith("エラー: このファイルには種別の列（種別・種類・分類）がありません")
    assert "--kind で種別を指定してください" in errors[0]
    assert "確認:" not in result.output
    assert dump(storage) == before


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        (["出典ID", "名称", "所在地", "緯度", "経度"], ["--kind", "サロン"]),
        (["名称", "出典ID", "住所", "緯度", "経度"], ["--kind", "サロン"]),
        (["出典ID", "種別", "名称", "住所", "緯度", "経度"], []),
        (["出典ID", "種別", "名称", "所在地", "緯度", "経度"], []),
    ],
)
def test_an_id_column_keys_the_rows(cli, storage, districts, tmp_path, headers, kind):
    extra = {"出典ID": ["s-01", "s-02"], "種別": ["サロン", "サロン"]}
    path = write_csv(tmp_path / "list.csv", rows(headers, **extra))
    result = cli("import-resources", path, *kind)
    assert result.exit_code == 0, result.output
    assert_places(storage, keys=["s-01", "s-02"])
    # The id keeps the place when its name and address change: updated, not added.
    changed = rows(headers, **extra)
    changed[0]["名称"] = "ひまわりサロン新館"
    changed[0][next(h for h in headers if h in ("住所", "所在地"))] = "静岡県湖西市鷲津9-9"
    write_csv(tmp_path / "list.csv", changed)
    again = cli("import-resources", path, *kind)
    assert again.exit_code == 0, again.output
    assert "新規 0、更新 1、変更なし 1" in again.output
    found = stored(storage)
    assert count(storage) == 2
    assert found["ひまわりサロン新館"][0] == "静岡県湖西市鷲津9-9"
    assert found["ひまわりサロン新館"][5] == "s-01"


def test_importing_the_same_id_less_file_again_changes_nothing(cli, storage, districts, tmp_path):
    path = write_csv(tmp_path / "list.csv", rows(["名称", "所在地", "緯度", "経度"]))
    assert cli("import-resources", path, "--kind", "サロン").exit_code == 0
    first = stored(storage)
    before = dump(storage)
    again = cli("import-resources", path, "--kind", "サロン")
    assert again.exit_code == 0, again.output
    assert "新規 0、更新 0、変更なし 2" in again.output
    assert stored(storage) == first
    assert count(storage) == 2
    # Nothing but the record of the run itself changed.
    assert [t for t, r in dump(storage) if r != dict(before)[t]] == ["import_run"]
    # A moved point with the same name and address updates the row (key: name + address).
    moved = rows(["名称", "所在地", "緯度", "経度"])
    moved[0]["緯度"] = "34.706"
    write_csv(path, moved)
    third = cli("import-resources", path, "--kind", "サロン")
    assert third.exit_code == 0, third.output
    assert "新規 0、更新 1、変更なし 1" in third.output
    assert count(storage) == 2
    assert stored(storage)["ひまわりサロン"][1] == 34.706


@pytest.mark.parametrize("bad", ["三十四", "34.7a", "134.7"])
def test_a_bad_緯度_is_reported_by_row_and_column_and_nothing_is_written(
    cli, storage, districts, tmp_path, bad
):
    lines = rows(["名称", "所在地", "緯度", "経度"])
    lines[1]["緯度"] = bad
    path = write_csv(tmp_path / "list.csv", lines)
    before = dump(storage)
    result = cli("import-resources", path, "--kind", "サロン")
    assert result.exit_code == 2
    assert "エラー: 2 行のうち 1 行に問題があります。何も書き込んでいません" in result.output
    assert "3行目「緯度」" in result.output  # the header is row 1: the second place is row 3
    assert "2行目" not in result.output
    assert dump(storage) == before

    skipped = cli("import-resources", path, "--kind", "サロン", "--skip-invalid")
    assert skipped.exit_code == 0, skipped.output
    assert "取り込まなかった行: 3行目「緯度」" in skipped.output
    assert sorted(stored(storage)) == ["ひまわりサロン"]


# --- Excel ----------------------------------------------------------------------------------


def workbook(path, lines: list[list]) -> str:
    book = Workbook()
    sheet = book.active
    for line in lines:
        sheet.append(line)
    book.save(path)
    return path


def test_an_excel_list_with_numbers_and_blank_rows(cli, storage, districts, tmp_path):
    path = workbook(
        tmp_path / "list.xlsx",
        [
            ["名称", "所在地", "緯度", "経度"],
            [None, None, None, None],
            ["ひまわりサロン", "静岡県湖西市鷲津1-2-3", 34.705, 137.51],  # numbers, not text
            [],
            ["あさがお体操", "静岡県湖西市新居町4-5", 34.715, 137.53],
            [None, None, None, None],
        ],
    )
    result = cli("import-resources", path, "--kind", "サロン")
    assert result.exit_code == 0, result.output
    assert "文字コード xlsx" in result.output and "新規 2" in result.output
    assert_places(storage)
    again = cli("import-resources", path, "--kind", "サロン")
    assert "新規 0、更新 0、変更なし 2" in again.output


def test_an_excel_list_with_a_title_above_the_header(cli, storage, districts, tmp_path):
    path = workbook(
        tmp_path / "list.xlsx",
        [
            ["湖西市 サロン一覧（令和8年4月1日現在）"],
            [],
            ["経度", " 名称", "所在地　", "緯度 "],  # spaces around headers, any order
            [137.51, "ひまわりサロン", "静岡県湖西市鷲津1-2-3", 34.705],
            [None, None, None, None],
            [137.53, "あさがお体操", "静岡県湖西市新居町4-5", 34.715],
        ],
    )
    result = cli("import-resources", path, "--kind", "サロン")
    assert result.exit_code == 0, result.output
    assert_places(storage)


def test_an_excel_list_reports_a_bad_緯度_by_its_spreadsheet_row(cli, storage, districts, tmp_path):
    path = workbook(
        tmp_path / "list.xlsx",
        [
            ["サロン一覧"],
            ["名称", "所在地", "緯度", "経度"],
            ["ひまわりサロン", "静岡県湖西市鷲津1-2-3", 34.705, 137.51],
            [None, None, None, None],
            ["あさがお体操", "静岡県湖西市新居町4-5", "北緯34.715", 137.53],
        ],
    )
    before = dump(storage)
    result = cli("import-resources", path, "--kind", "サロン")
    assert result.exit_code == 2
    assert "5行目「緯度」" in result.output  # the row Excel shows, title and gap included
    assert dump(storage) == before


def test_full_width_headers_are_read(cli, storage, districts, tmp_path):
    path = write_csv(
        tmp_path / "list.csv",
        [
            {"名称": p["名称"], "所在地": p["所在地"], "緯度　": p["緯度"], "　経度": p["経度"]}
            for p in PLACES
        ],
    )
    result = cli("import-resources", path, "--kind", "サロン")
    assert result.exit_code == 0, result.output
    assert_places(storage)


def test_a_緯度_column_under_another_name_is_refused_not_dropped(cli, storage, districts, tmp_path):
    """経度（東経） is not 経度: the rows are refused, naming the column, rather than imported
    without their point."""
    path = write_csv(
        tmp_path / "list.csv",
        [
            {"名称": p["名称"], "所在地": p["所在地"], "緯度": p["緯度"], "経度（東経）": p["経度"]}
            for p in PLACES
        ],
    )
    before = dump(storage)
    result = cli("import-resources", path, "--kind", "サロン")
    assert result.exit_code == 2
    assert "2行目「経度」: 経度がありません" in result.output
    assert dump(storage) == before
