"""Lists of volunteers and needs: CSV (BOM, CP932), xlsx, headers in any order, aliases,
bad rows with row and column, dry-run, atomicity, and the CLI commands."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from mapapp.importing.errors import FileProblem, RowsRejected
from mapapp.importing.people import PeopleOptions, import_needs, import_volunteers
from mapapp.models import Need, NeedStatus, Placement, Volunteer

VOLUNTEER_HEADER = [
    "状態",
    "出典ID",
    "氏名",
    "緯度",
    "経度",
    "活動",
    "活動できる日時",
    "移動手段",
    "移動距離m",
    "同時に担当できる人数",
    "研修修了日",
    "保険期限",
    "住所",
]
VOLUNTEERS = [
    [
        "活動中",
        "V1",
        "山田花子",
        "35.001",
        "137.0",
        "ゴミ出し、話し相手",
        "火曜の午前",
        "徒歩",
        "800",
        "2",
        "2025-04-01",
        "2027-03-31",
        "",
    ],
    [
        "休止",
        "V2",
        "佐藤一郎",
        "35.004",
        "137.0",
        "gomidashi,草取り",
        "月・水 13:00〜16:00",
        "車",
        "",
        "1",
        "2025/4/1",
        "令和9年3月31日",
        "",
    ],
]
NEED_HEADER = [
    "困りごと",
    "出典ID",
    "相談者",
    "住所",
    "緯度",
    "経度",
    "希望日時",
    "受付日",
    "状態",
    "同意",
]
NEEDS = [
    ["家事援助", "N1", "鈴木様", "", "35.0", "137.0", "火曜の午前", "2026-05-01", "受付", "あり"],
    [
        "ゴミ出し、話し相手",
        "N2",
        "田中様",
        "",
        "35.002",
        "137.0",
        "2026-06-11 10:00〜11:00",
        "2026-05-02",
        "",
        "なし",
    ],
]


def write_csv(path, header, rows, encoding="utf-8-sig"):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *rows])
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def count(storage, model):
    with storage.reading() as s:
        return s.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp932"])
def test_volunteers_csv_in_every_encoding(storage, taxonomy, tmp_path, encoding):
    path = write_csv(tmp_path / "v.csv", VOLUNTEER_HEADER, VOLUNTEERS, encoding)
    report = import_volunteers(storage, path, taxonomy)
    assert (report.created, report.rows_total) == (2, 2)
    with storage.reading() as s:
        v1, v2 = s.scalars(select(Volunteer).order_by(Volunteer.source_key)).all()
        assert sorted(x.skill for x in v1.skills) == ["gomidashi", "hanashiaite"]
        assert sorted(x.skill for x in v2.skills) == ["gomidashi", "kusatori"]
        assert (v1.capacity, v1.travel_m, v1.status) == (2, 800, "active")
        assert (v2.travel_mode, v2.travel_m, v2.status) == ("car", 5000, "paused")
        assert v2.insurance_until == dt.date(2027, 3, 31)
        assert [(t.name, t.completed_on) for t in v1.trainings] == [
            ("養成講座", dt.date(2025, 4, 1))
        ]
    again = import_volunteers(storage, path, taxonomy)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_needs_csv_aliases_dates_and_consent(storage, taxonomy, tmp_path):
    path = write_csv(tmp_path / "n.csv", NEED_HEADER, NEEDS)
    report = import_needs(storage, path, taxonomy, PeopleOptions(today=dt.date(2026, 6, 1)))
    assert report.created == 2
    with storage.reading() as s:
        n1, n2 = s.scalars(select(Need).order_by(Need.source_key)).all()
        assert [k.kind for k in n1.kinds] == ["kaji"]
        assert sorted(k.kind for k in n2.kinds) == ["hanashiaite", "kaji"]
        assert (n1.consent, n2.consent) == (True, False)
        assert n2.wanted_on == dt.date(2026, 6, 11)
        assert n1.status == NeedStatus.RECEIVED and n1.received_on == dt.date(2026, 5, 1)
        assert n1.person_key == "鈴木様"


def test_xlsx_with_headers_in_another_order(storage, taxonomy, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    order = list(reversed(NEED_HEADER))
    sheet.append(order)
    for row in NEEDS:
        values = dict(zip(NEED_HEADER, row, strict=True))
        sheet.append([values[h] for h in order])
    path = tmp_path / "n.xlsx"
    workbook.save(path)
    report = import_needs(storage, path, taxonomy, PeopleOptions(today=dt.date(2026, 6, 1)))
    assert (report.created, report.encoding) == (2, "xlsx")


def test_bad_rows_are_reported_with_row_and_column_and_nothing_is_written(
    storage, taxonomy, tmp_path
):
    rows = [
        NEEDS[0],
        ["宇宙旅行", "N2", "田中様", "", "35.0", "137.0", "", "", "", "あり"],
        ["家事援助", "N3", "", "", "91", "137.0", "", "2026-13-01", "保留", "たぶん"],
        ["家事援助", "N1", "鈴木様", "", "35.0", "137.0", "", "", "", ""],
    ]
    path = write_csv(tmp_path / "n.csv", NEED_HEADER, rows)
    with pytest.raises(RowsRejected) as caught:
        import_needs(storage, path, taxonomy)
    messages = [str(e) for e in caught.value.errors]
    assert (
        "3行目「困りごと」: 困りごと「宇宙旅行」がわかりません（コード・名前・別名で書いてください）"
        in messages
    )
    assert "4行目「相談者」: 相談者がありません" in messages
    assert any(m.startswith("4行目「緯度」:") for m in messages)
    assert any(m.startswith("4行目「受付日」:") for m in messages)
    assert any(m.startswith("4行目「状態」: 状態「保留」は") for m in messages)
    assert any(m.startswith("4行目「同意」:") for m in messages)
    assert "5行目「出典ID」: 出典ID「N1」が 2行目と重複しています" in messages
    assert count(storage, Need) == 0


def test_skip_invalid_keeps_the_good_rows(storage, taxonomy, tmp_path):
    rows = [NEEDS[0], ["宇宙旅行", "N2", "田中様", "", "35.0", "137.0", "", "", "", "あり"]]
    path = write_csv(tmp_path / "n.csv", NEED_HEADER, rows)
    report = import_needs(storage, path, taxonomy, PeopleOptions(skip_invalid=True))
    assert report.created == 1 and [e.row for e in report.rejected] == [3]


def test_dry_run_writes_nothing(storage, taxonomy, tmp_path):
    path = write_csv(tmp_path / "v.csv", VOLUNTEER_HEADER, VOLUNTEERS)
    report = import_volunteers(storage, path, taxonomy, PeopleOptions(dry_run=True))
    assert report.created == 2 and report.dry_run
    assert count(storage, Volunteer) == 0


def test_missing_required_header(storage, taxonomy, tmp_path):
    path = write_csv(tmp_path / "v.csv", ["出典ID", "氏名"], [["V1", "山田"]])
    with pytest.raises(FileProblem, match="見出し「活動」がありません"):
        import_volunteers(storage, path, taxonomy)


def test_row_without_point_is_placed_from_its_address_or_refused(storage, taxonomy, tmp_path):
    from mapapp.models import PlaceName

    with storage.transaction() as s:
        s.add(
            PlaceName(
                source="t",
                municipality="湖西市",
                name="鷲津",
                name_key="鷲津",
                level=Placement.OAZA.value,
                lat=34.72,
                lon=137.52,
            )
        )
    rows = [
        ["家事援助", "N1", "鈴木様", "湖西市鷲津123", "", "", "", "", "", "あり"],
        ["家事援助", "N2", "田中様", "", "", "", "", "", "", "あり"],
    ]
    path = write_csv(tmp_path / "n.csv", NEED_HEADER, rows)
    with pytest.raises(RowsRejected) as caught:
        import_needs(storage, path, taxonomy)
    assert [str(e) for e in caught.value.errors] == [
        "3行目「住所」: 位置がわかりません（緯度・経度も住所もありません）"
    ]
    report = import_needs(storage, path, taxonomy, PeopleOptions(skip_invalid=True))
    assert report.by_placement == {"oaza": 1}
    with storage.reading() as s:
        n = s.scalar(select(Need))
        assert (n.lat, n.lon, n.placement) == (34.72, 137.52, Placement.OAZA)


def test_cli_imports_and_candidates_and_propose(tmp_path):
    from click.testing import CliRunner

    from mapapp.cli import main

    env = {
        "MAPAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MAPAPP_SECRET_KEY": "test",
        "MAPAPP_INSTANCE_PATH": str(tmp_path),
    }
    runner = CliRunner()
    v = write_csv(tmp_path / "v.csv", VOLUNTEER_HEADER, VOLUNTEERS, "cp932")
    n = write_csv(tmp_path / "n.csv", NEED_HEADER, NEEDS)
    result = runner.invoke(main, ["import-volunteers", str(v), "--dry-run"], env=env)
    assert result.exit_code == 0, result.output
    assert "確認のみ（書き込んでいません）" in result.output
    for command, path in (("import-volunteers", v), ("import-needs", n)):
        result = runner.invoke(main, [command, str(path)], env=env)
        assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["candidates", "N1", "--as-of", "2026-06-02", "--json"], env=env)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["need"]["source_id"] == "N1"
    assert [c["source_id"] for c in out["volunteers"]] == ["V1"]
    assert {"id", "source_id", "score", "distance_m", "reasons"} <= set(out["volunteers"][0])
    assert "鈴木様" not in result.output and "山田花子" not in result.output
    result = runner.invoke(
        main, ["propose", "--need-kind", "ゴミ出し", "--as-of", "2026-06-02", "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert [(a["need"]["source_id"], a["volunteer"]["source_id"]) for a in out["assignments"]] == [
        ("N1", "V1")
    ]
    # N2 wants 2026-06-11, a Thursday: V1 helps on Tuesdays only.
    assert [u["source_id"] for u in out["unassigned"]] == ["N2"]
    assert out["greedy"] == {"assigned": 1, "total_distance_m": out["total_distance_m"]}
    result = runner.invoke(main, ["candidates", "NOPE"], env=env)
    assert result.exit_code == 2 and "見つからないか" in result.output
