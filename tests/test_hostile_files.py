"""Hostile and oversized files: each is refused (or read safely) in Japanese, within a time
limit, never with a traceback, and a refused file leaves the database byte for byte as it was.

Each case runs under ``within()``: SIGALRM fails the test when Python code runs past the
limit, and faulthandler ends the run (with every thread's stack) should C code hang past twice
that, so that a regression cannot stall CI for hours.
"""

from __future__ import annotations

import faulthandler
import json
import re
import signal
import zipfile
from contextlib import contextmanager
from pathlib import Path

import geopandas
import numpy as np
import pytest
import shapely
from openpyxl import Workbook
from shapely.geometry import box
from sqlalchemy import select

from mapapp.importing.boundaries import import_areas
from mapapp.importing.errors import LISTED_ERRORS, ImportProblem, RowsRejected
from mapapp.importing.limits import Limits
from mapapp.importing.readers import read_table
from mapapp.importing.resources import ImportOptions, import_resources
from mapapp.models import Area, Resource
from tests.conftest import WEST, write_geojson
from tests.resource_files import HEADERS, dump, own_row, write_csv

SQUARE = [[137.50, 34.70], [137.52, 34.70], [137.52, 34.72], [137.50, 34.72], [137.50, 34.70]]


@contextmanager
def within(seconds: float):
    """Fail when the block takes longer than ``seconds``; end the run past twice that."""

    def expired(signum, frame):
        raise TimeoutError(f"more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(seconds * 2 + 30, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def database_file(storage) -> bytes:
    """The SQLite file's bytes after every connection is closed (the WAL checkpointed)."""
    storage.dispose()
    path = Path(storage.engine.url.database)
    assert not Path(f"{path}-wal").exists() or not Path(f"{path}-wal").stat().st_size
    return path.read_bytes()


@pytest.fixture
def seeded(storage, taxonomy, crossing_layers, tmp_path):
    """A database with areas and a resource, and its bytes: refusals must leave both."""
    import_areas(storage, crossing_layers["junior"], layer=2, kind_label="中学校区")
    import_resources(storage, write_csv(tmp_path / "seed.csv", [own_row()]), taxonomy)
    rows = dump(storage)
    return rows, database_file(storage)


def refused(storage, seeded, function, *args, seconds: float = 20, **kwargs) -> ImportProblem:
    """Run an import that must be refused; the problem it raised. The database is checked
    byte for byte (and row for row) against the seeded one."""
    with within(seconds), pytest.raises(ImportProblem) as caught:
        function(storage, *args, **kwargs)
    assert dump(storage) == seeded[0]
    assert database_file(storage) == seeded[1]
    message = str(caught.value) + "".join(f"\n{e}" for e in getattr(caught.value, "errors", ()))
    assert re.search(r"[ぁ-んァ-ン一-龥]", message), message  # said in Japanese
    assert "Traceback" not in message and "expected finite" not in message
    return caught.value


def resources(storage, path, taxonomy, **options):
    return import_resources(storage, path, taxonomy, ImportOptions(**options))


# --- bounded resource lists ---------------------------------------------------------------------


def test_oversized_file_is_refused_before_it_is_read(tmp_path, storage, taxonomy, seeded):
    path = write_csv(tmp_path / "big.csv", [own_row(出典ID=str(i)) for i in range(15_000)])
    assert path.stat().st_size > 1024 * 1024
    problem = refused(
        storage, seeded, resources, path, taxonomy, limits=Limits(max_mb=1), seconds=5
    )
    assert "ファイルが大きすぎます" in str(problem) and "上限は 1 MB" in str(problem)
    assert "MAPAPP_IMPORT_MAX_MB" in str(problem)


def test_too_many_rows_is_refused(tmp_path, storage, taxonomy, seeded):
    path = write_csv(tmp_path / "rows.csv", [own_row(出典ID=str(i)) for i in range(101)])
    problem = refused(storage, seeded, resources, path, taxonomy, limits=Limits(max_rows=100))
    assert "行が多すぎます（上限は 100 行）" in str(problem)


def test_two_hundred_thousand_columns_are_refused_at_once(tmp_path, storage, taxonomy, seeded):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"列{i}" for i in range(200_000)) + "\n" + "1," * 199_999 + "1\n")
    problem = refused(storage, seeded, resources, path, taxonomy, seconds=10)
    assert "列が多すぎます（200,000 列。上限は 500 列）" in str(problem)


def test_the_duplicate_header_check_is_linear(tmp_path, storage, taxonomy, seeded):
    headers = [f"列{i}" for i in range(200_000)] + ["列7"]
    path = tmp_path / "wide.csv"
    path.write_text(",".join(headers) + "\n", "utf-8")
    limits = Limits(max_columns=300_000)
    problem = refused(storage, seeded, resources, path, taxonomy, limits=limits, seconds=10)
    assert str(problem) == "見出しが重複しています: 列7"


@pytest.mark.parametrize(
    ("suffix", "message"),
    [
        # csv.reader stops at its field limit, before the whole value is read.
        (".csv", "2行目: 値が長すぎます（1 つのセルは 10,000 文字まで）"),
        (
            ".geojson",
            "1件目「名称」: 値が長すぎます（10,000,000 文字。1 つのセルは 10,000 文字まで）",
        ),
        # Excel keeps at most 32,767 characters in a cell.
        (".xlsx", "2行目「名称」: 値が長すぎます（32,000 文字。1 つのセルは 10,000 文字まで）"),
    ],
)
def test_a_ten_megabyte_name_is_refused_by_every_reader(
    tmp_path, storage, taxonomy, seeded, suffix, message
):
    name = "名" * 10_000_000
    path = tmp_path / f"long{suffix}"
    if suffix == ".csv":
        write_csv(path, [own_row(名称=name)])
    elif suffix == ".geojson":
        feature = {"type": "Feature", "properties": {**own_row(), "名称": name},
                   "geometry": {"type": "Point", "coordinates": [137.51, 34.705]}}  # fmt: skip
        collection = {"type": "FeatureCollection", "features": [feature]}
        path.write_text(json.dumps(collection, ensure_ascii=False), "utf-8")
    else:
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(HEADERS)
        sheet.append([own_row(名称=name[:32_000])[h] for h in HEADERS])
        book.save(path)
    problem = refused(storage, seeded, resources, path, taxonomy, seconds=30)
    assert str(problem).startswith(message)
    assert "MAPAPP_IMPORT_MAX_CELL_CHARS" in str(problem)


def test_names_and_venues_have_shorter_limits_than_cells(tmp_path, storage, taxonomy, seeded):
    rows = [own_row(出典ID="a", 名称="名" * 301), own_row(出典ID="b", 会場="会" * 301),
            own_row(出典ID="c", 参加費="1" * 301)]  # fmt: skip
    problem = refused(storage, seeded, resources, write_csv(tmp_path / "x.csv", rows), taxonomy)
    assert [str(e) for e in problem.errors] == [
        "2行目「名称」: 名称が長すぎます（301 文字。300 文字まで）",
        "3行目「会場」: 会場が長すぎます（301 文字。300 文字まで）",
        "4行目「参加費」: 参加費が長すぎます（301 文字。300 文字まで）",
    ]


def workbook_claiming(path: Path, last_row: int) -> Path:
    """A tiny workbook whose <dimension> says A1:XFD1048576 and whose last cell is XFD at
    ``last_row``: read as its dimension says, it has 17 billion cells."""
    book = Workbook()
    book.active.append(["出典ID", "種別", "名称", "緯度", "経度"])
    book.active.append(["x1", "サロン", "うそつきサロン", 34.705, 137.51])
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    cell = f'<row r="{last_row}"><c r="XFD{last_row}" t="inlineStr"><is><t>x</t></is></c></row>'
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(
                    rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', data
                )
                data = data.replace(b"</sheetData>", cell.encode() + b"</sheetData>")
            out.writestr(info, data)
    return path


def test_an_xlsx_that_lies_about_its_size_is_read_as_it_is(tmp_path, storage, taxonomy, seeded):
    path = workbook_claiming(tmp_path / "lie.xlsx", 1_048_576)
    assert path.stat().st_size < 6_000
    with within(20):
        table = read_table(path)
        report = resources(storage, path, taxonomy)
    assert [r.values["名称"] for r in table.rows] == ["うそつきサロン"]
    assert report.written.created == 1


def test_an_xlsx_with_rows_past_excels_last_is_refused(tmp_path, storage, taxonomy, seeded):
    path = workbook_claiming(tmp_path / "lie.xlsx", 99_999_999)
    problem = refused(storage, seeded, resources, path, taxonomy)
    assert "Excel の行番号が 1,048,576 行を超えています" in str(problem)


def test_a_zip_bomb_is_refused_from_its_directory(tmp_path, storage, taxonomy, seeded):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * (11 * 1024 * 1024))
    problem = refused(storage, seeded, resources, path, taxonomy, limits=Limits(max_mb=1))
    assert "圧縮を解くと大きすぎます" in str(problem)


def test_an_unterminated_quote_is_named(tmp_path, storage, taxonomy, seeded):
    path = tmp_path / "quote.csv"
    lines = [",".join(HEADERS)] + [",".join(own_row(出典ID=str(i)).values()) for i in range(3)]
    lines[2] = lines[2].replace("ふれあいサロン", '"ふれあいサロン', 1)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    problem = refused(storage, seeded, resources, path, taxonomy)
    assert str(problem).startswith('3行目「名称」: 引用符（"）で始まった値が閉じていません')


def test_an_unterminated_quote_that_swallows_a_big_file_is_named(
    tmp_path, storage, taxonomy, seeded
):
    rows = [",".join(own_row(出典ID=str(i)).values()) for i in range(5000)]
    rows[1] = rows[1].replace("ふれあいサロン", '"ふれあいサロン', 1)
    path = tmp_path / "quote.csv"
    path.write_text(",".join(HEADERS) + "\n" + "\n".join(rows) + "\n", "utf-8")
    problem = refused(storage, seeded, resources, path, taxonomy)
    assert "3行目: 値が長すぎます" in str(problem)
    assert '引用符（"）で始まった値が閉じていないのかもしれません' in str(problem)


@pytest.mark.parametrize(("lat", "lon"), [("nan", "137.51"), ("34.7", "inf"), ("1e999", "-inf")])
def test_inf_and_nan_coordinates_are_refused_in_japanese(
    tmp_path, storage, taxonomy, seeded, lat, lon
):
    path = write_csv(tmp_path / "nan.csv", [own_row(緯度=lat, 経度=lon)])
    problem = refused(storage, seeded, resources, path, taxonomy)
    assert "は数字ではありません（無限大や NaN は使えません）" in str(problem.errors[0])


def test_nan_from_a_geojson_point_is_refused_in_japanese(tmp_path, storage, taxonomy, seeded):
    path = tmp_path / "nan.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        + json.dumps(own_row(), ensure_ascii=False)
        + ', "geometry": {"type": "Point", "coordinates": [NaN, 34.7]}}]}'
    )
    problem = refused(storage, seeded, resources, path, taxonomy)
    assert [str(e) for e in problem.errors] == [
        "1件目「経度」: 経度「nan」は数字ではありません（無限大や NaN は使えません）"
    ]


def test_deeply_nested_geojson_resources_are_refused(tmp_path, storage, taxonomy, seeded):
    path = tmp_path / "deep.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000 + "}"
    )
    problem = refused(storage, seeded, resources, path, taxonomy)
    assert "入れ子" in str(problem) and "深すぎ" in str(problem)


def test_nul_and_terminal_sequences_are_removed_from_every_cell(tmp_path, storage, taxonomy):
    hostile = "ふれあい\x00サロン\x1b[31m赤\x1b[0m\x1b]0;title\x07\x9b2J\x7f"
    csv_path = write_csv(tmp_path / "ctl.csv", [own_row(名称=hostile, 会場="公民館\x1b[2J")])
    with within(20):
        table = read_table(csv_path)
        report = resources(storage, csv_path, taxonomy)
    assert table.rows[0].values["名称"] == "ふれあいサロン赤"
    assert report.written.created == 1
    with storage.reading() as session:
        venue, name = session.execute(select(Resource.venue, Resource.name)).one()
    assert (name, venue) == ("ふれあいサロン赤", "公民館")


# --- Excel's text files ---------------------------------------------------------------------------


def test_excel_unicode_text_is_read(tmp_path, storage, taxonomy):
    """Excel's 「Unicode テキスト」: UTF-16 with a BOM, tab separated, saved as .txt."""
    rows = [own_row(名称="ゆにこーどサロン", 開催日時="毎週月曜日\n10:00〜")]
    text = (
        "\t".join(HEADERS)
        + "\r\n"
        + "\t".join(f'"{v}"' if "\n" in v else v for v in rows[0].values())
        + "\r\n"
    )
    path = tmp_path / "unicode.txt"
    path.write_bytes(text.encode("utf-16"))
    table = read_table(path)
    assert table.encoding == "utf-16" and table.headers == tuple(HEADERS)
    assert table.rows[0].values["開催日時"] == "毎週月曜日\n10:00〜"
    assert resources(storage, path, taxonomy).written.created == 1


def test_excel_tab_separated_text_in_shift_jis_is_read(tmp_path, storage, taxonomy):
    """Excel's 「テキスト (タブ区切り)」: CP932, tab separated, .txt."""
    rows = [own_row(名称="たぶ区切り会館サロン", 住所="湖西市鷲津1-2-3, 2階")]
    text = "\t".join(HEADERS) + "\r\n" + "\t".join(rows[0].values()) + "\r\n"
    path = tmp_path / "tab.txt"
    path.write_bytes(text.encode("cp932"))
    table = read_table(path)
    assert table.encoding == "cp932"
    assert table.rows[0].values["住所"] == "湖西市鷲津1-2-3, 2階"
    assert resources(storage, path, taxonomy).written.created == 1


# --- areas ----------------------------------------------------------------------------------------


def polygon_file(path: Path, coordinates, properties=None) -> Path:
    feature = {"type": "Feature", "properties": properties or {"name": "区域"},
               "geometry": {"type": "Polygon", "coordinates": coordinates}}  # fmt: skip
    collection = {"type": "FeatureCollection", "features": [feature]}
    path.write_text(json.dumps(collection, ensure_ascii=False), "utf-8")
    return path


def areas(storage, path, **kwargs):
    return import_areas(storage, path, layer=3, kind_label="町丁", **kwargs)


@pytest.mark.parametrize(
    ("coordinates", "message"),
    [
        (
            [SQUARE[:-1]],
            "1件目「geometry」: 輪（外周や穴）が閉じていません（最初の点と最後の点が違います）",
        ),
        ([SQUARE[:2]], "1件目「geometry」: 輪（外周や穴）の点が 2 個しかありません"),
        (
            [[SQUARE[0], SQUARE[1], SQUARE[0]]],
            "1件目「geometry」: 輪（外周や穴）の点が 3 個しかありません",
        ),
    ],
)
def test_broken_rings_are_named(tmp_path, storage, seeded, coordinates, message):
    problem = refused(storage, seeded, areas, polygon_file(tmp_path / "r.geojson", coordinates))
    assert isinstance(problem, RowsRejected)
    assert str(problem.errors[0]).startswith(message)


def test_nan_coordinates_in_an_area_say_so_not_crs(tmp_path, storage, seeded):
    path = tmp_path / "nan.geojson"
    ring = json.dumps(SQUARE).replace("137.52, 34.7]", "NaN, 34.7]")
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        '{"name": "区域"}, "geometry": {"type": "Polygon", "coordinates": [' + ring + "]}}]}"
    )
    problem = refused(storage, seeded, areas, path)
    assert [str(e) for e in problem.errors] == [
        "1件目「geometry」: 座標に数でない値（NaN や無限大）があります"
    ]


def test_coordinates_as_strings_say_so_not_crs(tmp_path, storage, seeded):
    ring = [[str(x), str(y)] for x, y in SQUARE]
    problem = refused(storage, seeded, areas, polygon_file(tmp_path / "s.geojson", [ring]))
    assert str(problem) == (
        '1件目「geometry」: 座標に数でない値があります（"137.5"）。座標は引用符なしの数で書いてください'
    )


def test_deeply_nested_area_geojson_is_refused(tmp_path, storage, seeded):
    path = polygon_file(tmp_path / "deep.geojson", "DEEP")
    path.write_text(path.read_text().replace('"DEEP"', "[" * 100_000 + "]" * 100_000))
    problem = refused(storage, seeded, areas, path)
    assert str(problem).startswith("入れ子（[ や { の重なり）が深すぎます")


def shapefile_zip(tmp_path: Path, broken: str) -> Path:
    folder = tmp_path / "shp"
    folder.mkdir()
    geopandas.GeoDataFrame({"name": ["西"]}, geometry=[WEST], crs="EPSG:4326").to_file(
        folder / "a.shp"
    )
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in folder.iterdir():
            data = part.read_bytes()
            z.writestr(part.name, b"\0" * len(data) if part.suffix == broken else data)
    return archive


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (".shp", "図形が 1 つも読めません（.shp が壊れているか、図形のないファイルです）"),
        (".shx", "Shapefile として読めません"),
    ],
)
def test_a_zip_whose_shapefile_is_zeros_is_refused(tmp_path, storage, seeded, broken, message):
    problem = refused(storage, seeded, areas, shapefile_zip(tmp_path, broken))
    assert str(problem).startswith(message)


def test_too_many_features_are_refused_before_they_are_read(tmp_path, storage, seeded):
    cells = [
        ({"name": f"区{i}"}, box(137.5 + i * 1e-3, 34.7, 137.5 + (i + 1) * 1e-3, 34.71))
        for i in range(11)
    ]
    path = write_geojson(tmp_path / "many.geojson", cells)
    limits = Limits(max_area_features=10)
    problem = refused(storage, seeded, areas, path, limits=limits)
    assert "図形が多すぎます（11 件。上限は 10 件）" in str(problem)
    assert "MAPAPP_AREA_MAX_FEATURES" in str(problem)


def test_many_bad_features_list_the_first_problems_and_count_the_rest(tmp_path, storage, seeded):
    features = [{"type": "Feature", "properties": {"name": f"点{i}"},
                 "geometry": {"type": "Point", "coordinates": [137.5, 34.7]}} for i in range(30_000)]  # fmt: skip
    path = tmp_path / "points.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    limits = Limits(max_area_features=50_000)
    problem = refused(storage, seeded, areas, path, limits=limits, seconds=60)
    assert len(problem.errors) == LISTED_ERRORS and problem.omitted == 30_000 - LISTED_ERRORS
    assert str(problem) == "30000 件のうち 30000 件に問題があります。何も書き込んでいません"
    assert str(problem.errors[0]) == "1件目「geometry」: 面（ポリゴン）ではありません"


def test_bad_features_on_the_terminal_are_a_hundred_lines_and_a_count(tmp_path, cli):
    features = [{"type": "Feature", "properties": {"name": f"点{i}"},
                 "geometry": {"type": "Point", "coordinates": [137.5, 34.7]}} for i in range(5000)]  # fmt: skip
    path = tmp_path / "points.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    result = cli("import-areas", path, "--layer", "3", "--kind", "町丁")
    assert result.exit_code != 0
    lines = result.output.splitlines()
    assert len(lines) <= LISTED_ERRORS + 5
    assert lines[-1] == f"  ほか {5000 - LISTED_ERRORS:,} 件"


def test_a_million_vertex_area_is_simplified(tmp_path, storage):
    turn = np.linspace(0, 2 * np.pi, 1_000_000, endpoint=False)
    ring = np.c_[137.52 + 0.01 * np.cos(turn), 34.71 + 0.008 * np.sin(turn)].round(7).tolist()
    path = polygon_file(tmp_path / "circle.geojson", [ring + ring[:1]], {"name": "まるい町"})
    with within(90):
        report = areas(storage, path)
    [said] = report.simplified
    kept = int(re.fullmatch(r"「まるい町」の境界を簡略化しました（頂点 1,000,001 → (\d+) 個、"
                            r"誤差 1 m 以内）", said).group(1))  # fmt: skip
    with storage.reading() as session:
        stored = session.scalar(select(Area.geom))
    assert shapely.get_num_coordinates(stored) == kept < 1000
    # Every vertex kept is on the circle: the shape moved by less than the tolerance.
    assert stored.hausdorff_distance(shapely.Polygon(ring)) < 1 / 111_320 * 1.5


def test_an_area_that_cannot_be_simplified_enough_is_refused(tmp_path, storage, seeded):
    # A zigzag of 100 m teeth: no vertex lies within 1 m of its neighbours' line.
    x = np.linspace(137.50, 137.54, 2001)
    teeth = np.c_[x, 34.70 + 0.001 * (np.arange(2001) % 2)].tolist()
    ring = [*teeth, [137.54, 34.72], [137.50, 34.72], teeth[0]]
    path = polygon_file(tmp_path / "saw.geojson", [ring], {"name": "のこぎり"})
    problem = refused(storage, seeded, areas, path, limits=Limits(max_area_vertices=1000))
    assert str(problem.errors[0]).startswith(
        "1件目「geometry」: 頂点が多すぎます（2,004 個。誤差 1 m で簡略化しても 2,004 個で、上限は 1,000 個）"
    )


def test_a_ten_megabyte_area_name_is_refused(tmp_path, storage, seeded):
    path = polygon_file(tmp_path / "n.geojson", [SQUARE], {"name": "名" * 10_000_000})
    problem = refused(storage, seeded, areas, path, seconds=30)
    assert str(problem).startswith("1件目「name」: 値が長すぎます（10,000,000 文字")


def test_an_area_name_longer_than_the_database_keeps_is_refused(tmp_path, storage, seeded):
    path = polygon_file(tmp_path / "n.geojson", [SQUARE], {"name": "名" * 201})
    problem = refused(storage, seeded, areas, path)
    assert str(problem.errors[0]) == "1件目「name」: 名前が長すぎます（201 文字。200 文字まで）"


def test_area_names_lose_control_characters(tmp_path, storage):
    # (GDAL reads text as C strings: a NUL ends the value there, with what follows it.)
    path = polygon_file(tmp_path / "c.geojson", [SQUARE], {"name": "\x1b[31m赤い\x9b2J町\x07"})
    with within(20):
        areas(storage, path)
    with storage.reading() as session:
        assert session.scalar(select(Area.name)) == "赤い町"


def test_an_oversized_area_zip_is_refused(tmp_path, storage, seeded):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.shp", b"\0" * (11 * 1024 * 1024))
    problem = refused(storage, seeded, areas, path, limits=Limits(max_mb=1))
    assert "圧縮を解くと大きすぎます" in str(problem)


# --- memory ----------------------------------------------------------------------------------------


def test_reading_a_list_costs_a_few_times_the_file_not_tens(tmp_path):
    import tracemalloc

    rows = [own_row(出典ID=f"r{i}", 名称=f"地域の資源{i}", 住所=f"さくら台町{i % 97}丁目",
                    開催日時="毎週月曜日 10:00〜11:30", 参加費="100円") for i in range(20_000)]  # fmt: skip
    path = write_csv(tmp_path / "big.csv", rows)
    tracemalloc.start()
    try:
        table = read_table(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(table.rows) == 20_000
    assert peak < 10 * path.stat().st_size, peak / path.stat().st_size  # about 7× measured


# --- readings: bounded, computed on import, never in a request -------------------------------


def test_a_reading_costs_bounded_time_whatever_the_text():
    from mapapp.text import READING_MAX_CHARS, reading

    with within(5):
        long = reading("漢字" * 20_000 + "の読み")
    assert 0 < len(long) <= READING_MAX_CHARS
    assert reading("ふれあい会館") == "ふれあいかいかん"


def test_venue_and_organisation_readings_are_stored_and_the_index_computes_none(
    tmp_path, storage, taxonomy, seeded, monkeypatch
):
    import mapapp.text
    from mapapp.models import Organization
    from mapapp.search import SearchQuery, _kind_readings, build_index, search
    from mapapp.text import reading

    venue, organization = "鷲津公民館" + "会" * 280, "新居地区社会福祉協議会"
    row = own_row(出典ID="long", 名称="いきいき教室", 会場=venue, 運営団体=organization)
    with within(20):
        import_resources(storage, write_csv(tmp_path / "r.csv", [row]), taxonomy)
    with storage.reading() as session:
        stored = session.execute(
            select(Resource.venue_reading, Organization.reading)
            .join(Organization, Organization.id == Resource.organization_id)
            .where(Resource.source_key == "long")
        ).one()
    assert stored == (reading(venue), reading(organization))
    assert all(re.fullmatch(r"[ぁ-ゖー]+", r) for r in stored), stored  # hiragana, computed

    _kind_readings(taxonomy)  # the taxonomy's few labels: read once per process

    def no_pykakasi(run):
        raise AssertionError(f"pykakasi was called in a request for {run[:20]}")

    monkeypatch.setattr(mapapp.text, "_kanji_reading", no_pykakasi)
    mapapp.text._reading.cache_clear()
    with within(5), storage.reading() as session:
        index = build_index(session, taxonomy)
    found = search(index, SearchQuery(text=stored[1]))  # the organisation, found by its reading
    with storage.reading() as session:
        ids = set(session.scalars(select(Resource.id).where(Resource.source_key == "long")))
    assert ids <= set(found.ids.tolist())


def test_refresh_fills_the_readings_of_rows_imported_before_them(tmp_path, storage, taxonomy):
    from sqlalchemy import text

    from mapapp.importing.writer import refresh_derived
    from mapapp.models import Organization
    from mapapp.text import reading

    row = own_row(会場="鷲津公民館", 運営団体="新居地区社会福祉協議会")
    import_resources(storage, write_csv(tmp_path / "r.csv", [row]), taxonomy)
    with storage.transaction() as session:  # as migration 0006 leaves them
        session.execute(text("UPDATE resource SET venue_reading = ''"))
        session.execute(text("UPDATE organization SET reading = ''"))
    assert refresh_derived(storage, lambda *a: None) == 2
    with storage.reading() as session:
        assert session.scalar(select(Resource.venue_reading)) == reading("鷲津公民館") != ""
        assert session.scalar(select(Organization.reading)) == reading("新居地区社会福祉協議会")


# --- what is printed to a terminal -------------------------------------------------------------


def test_terminal_text_escapes_controls_and_cells_neutralise_formulas():
    from mapapp.exporting import terminal_cell, terminal_safe

    assert terminal_safe("名前\x1b[2J\u202eabc\n\t次") == "名前\\x1b[2J\\u202eabc\n\t次"
    assert terminal_cell("=HYPERLINK(1)\t\n") == "'=HYPERLINK(1)\\t\\n"
    assert terminal_cell("@SUM(1)") == "'@SUM(1)" and terminal_cell("サロン") == "サロン"


def test_stats_and_errors_print_no_formula_start_and_no_escape_sequence(tmp_path, cli, storage):
    from sqlalchemy import text

    path = write_geojson(
        tmp_path / "a.geojson",
        [({"name": "=HYPERLINK(\"http://evil.example\")", "code": "a"}, WEST),
         ({"name": "+SUM(1,1)", "code": "b"}, box(137.52, 34.70, 137.54, 34.72))],
    )  # fmt: skip
    assert cli("import-areas", path, "--layer", "2", "--kind", "地区").exit_code == 0
    with storage.transaction() as session:  # as another way in than an import could leave it
        session.execute(
            text("UPDATE area SET name = '東\x1b]0;owned\x07\u202e区' WHERE code = 'b'")
        )
    output = cli("stats").output
    assert "\x1b" not in output and "\u202e" not in output and "\x07" not in output
    lines = output.splitlines()
    assert '\'=HYPERLINK("http://evil.example")\t0' in lines
    assert any(line.startswith("東\\x1b]0;owned\\x07\\u202e区\t") for line in lines)
    bad = cli("import-resources", path.with_suffix(".csv"), "--map", "\x1b[31m列")
    assert bad.exit_code != 0 and "\x1b" not in bad.output and "\\x1b[31m列" in bad.output
