"""`mapapp export`: each format, re-imported with `mapapp import-resources` into a fresh
database, gives back what was exported, field by field; private homes leave as the public sees
them; formula-like text is neutralised in spreadsheets and comes back as written."""

from __future__ import annotations

import csv
import io
import json
import types
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from shapely.geometry import box
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from mapapp import create_app
from mapapp.cli import main
from mapapp.demo import build_demo_town, write_demo_files
from mapapp.exporting import spreadsheet_text, unquote_formula
from mapapp.exporting.tables import OWN_HEADERS, Substitutions, cp932_text, write_csv
from mapapp.importing.profiles import MHLW_HEADERS
from mapapp.models import Area, Resource, ResourceArea
from mapapp.storage import get_storage
from mapapp.text import normalize_text
from tests.conftest import write_geojson
from tests.resource_files import own_row
from tests.resource_files import write_csv as write_rows

# Fields compared after a round trip: every stored field but ids, times and versions.
FIELDS = (
    "kind", "kind_text", "name", "kana", "venue", "address", "location_precision",
    "placement", "coverage", "coverage_m", "schedule_text", "closed_text", "fee_text",
    "target_text", "capacity", "pickup", "meals", "public_contact", "url", "description",
    "status", "verified_on", "outside_areas", "reading", "open_weekdays", "schedule_review",
    "fee_unit", "fee_amount_yen",
)  # fmt: skip
SUFFIX = {"csv": "csv", "xlsx": "xlsx", "geojson": "geojson", "hsds": "json", "mhlw": "csv"}

# A point in 本町二丁目 of the demo town (さくら台町本町2丁目9-5).
HOME = ("35.044041", "137.059841")


@pytest.fixture(scope="session")
def town_dir(tmp_path_factory) -> dict[str, Path]:
    return write_demo_files(build_demo_town(), tmp_path_factory.mktemp("town"))


class Database:
    """A database of its own, driven through the `mapapp` command like staff would."""

    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.url = f"sqlite:///{directory / 'db.sqlite3'}"
        self.directory = directory
        self.env = {
            "MAPAPP_DATABASE_URL": self.url,
            "MAPAPP_SECRET_KEY": "test",
            "MAPAPP_INSTANCE_PATH": str(directory / "instance"),
        }
        self.runner = CliRunner()

    def __call__(self, *args):
        return self.runner.invoke(
            main,
            [str(a) for a in args],
            env=self.env,
            catch_exceptions=False,
        )

    def load_areas(self, files: dict[str, Path]) -> None:
        for layer, kind in ((1, "市町村"), (2, "地区社協区域"), (3, "町丁")):
            result = self(
                "import-areas", files[f"layer{layer}"], "--layer", layer, "--kind", kind,
                "--source", f"demo:layer{layer}",
            )  # fmt: skip
            assert result.exit_code == 0, result.output

    def export(self, fmt: str, *args) -> Path:
        out = self.directory / f"export-{fmt}.{SUFFIX[fmt]}"
        result = self("export", "--format", fmt, "--out", out, *args)
        assert result.exit_code == 0, result.output
        return out

    def resources(self) -> dict[tuple[str, str], dict]:
        """Every resource as plain values, keyed by (出典, 出典ID)."""
        app = create_app(
            {"TESTING": True, "DATABASE_URL": self.url, "SECRET_KEY": "test"},
            instance_path=self.directory / "instance",
        )
        storage = get_storage(app)
        found = {}
        try:
            with storage.reading() as session:
                query = select(Resource).options(
                    selectinload(Resource.organization),
                    selectinload(Resource.tags),
                    selectinload(Resource.service_areas),
                    selectinload(Resource.schedule_rules),
                    selectinload(Resource.areas),
                )
                for r in session.scalars(query):
                    values = {name: getattr(r, name) for name in FIELDS}
                    values.update(
                        lat=r.lat,
                        lon=r.lon,
                        organization=r.organization.name if r.organization else "",
                        tags=[t.tag for t in r.tags],
                        service_areas=sorted(a.name for a in r.service_areas),
                        areas=sorted(a.name for a in r.areas),
                        rules=[
                            (x.rrule, x.opens_at, x.closes_at, x.season, x.label)
                            for x in r.schedule_rules
                        ],
                    )
                    found[(r.source, r.source_key)] = values
        finally:
            storage.dispose()
        return found


def fresh(tmp_path: Path, name: str, town_dir) -> Database:
    database = Database(tmp_path / name)
    database.load_areas(town_dir)
    return database


def assert_same(original: dict, reproduced: dict, skip: tuple[str, ...] = ()) -> None:
    assert reproduced.keys() == original.keys()
    for key, values in original.items():
        for name, value in values.items():
            if name in skip:
                continue
            again = reproduced[key][name]
            if name in ("lat", "lon") and value is not None and again is not None:
                assert again == pytest.approx(value, abs=1e-6), (key, name)
            else:
                assert again == value, (key, name, value, again)


# --- the demo town, every format that carries every field ---------------------------------


@pytest.fixture(scope="module")
def demo_town(tmp_path_factory):
    """The demo town loaded with `mapapp demo`, read only."""
    database = Database(tmp_path_factory.mktemp("demo_town"))
    result = database("demo")
    assert result.exit_code == 0, result.output
    return database


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson", "hsds"])
def test_the_demo_town_comes_back_field_by_field(fmt, demo_town, tmp_path, town_dir):
    exported = demo_town.export(fmt)
    target = fresh(tmp_path, "target", town_dir)
    result = target("import-resources", exported)
    assert result.exit_code == 0, result.output
    assert "新規 150" in result.output
    # The demo's private homes are stored cut already, at their 町丁's point: the public
    # export holds what is stored, so everything comes back, derived fields included.
    assert_same(demo_town.resources(), target.resources())


# --- a hand-made set: a private home, no point, rules, fees, hostile text ------------------

ROWS = [
    own_row(
        source_key="h1", kind="salon", name='=HYPERLINK("http://x")', venue="山田宅",
        address="さくら台町本町2丁目3-5 山田様宅", location_precision="丁目",
        lat=HOME[0], lon=HOME[1], schedule_text="毎月第2・第4月曜日 10:00〜11:30",
        fee_text="参加費100円（お茶代）", description="山田宅で開催 <script>alert(1)</script>",
        public_contact="@サロン代表 0599-00-1234", tags="お茶、交流",
    ),
    own_row(
        source_key="h2", kind="ibasho", name="-マイナスの会", lat="", lon="",
        target_text="''=quoted already", status="休止中", capacity="20", pickup="あり",
        meals="なし", url="https://example.jp/a?b=1&c=<2>", verified_on="2026-04-01",
        closed_text="祝日", schedule_text="週1回程度",
    ),
    own_row(
        source_key="=r3", kind="haishoku", name="<script>x</script>配食", lat="35.04",
        lon="137.06", coverage="区域", service_areas="中央地区、南部地区",
        schedule_text="月〜金 11:00〜13:00", fee_text="1食500円", kind_text="配食サービス",
        organization="+プラス会", public_contact="社協まで",
    ),
    own_row(
        source_key="h4", kind="salon", name="𠮷田サロン", lat="35.05", lon="137.07",
        schedule_text="毎週⽉曜⽇ 10:00〜11:30", kana="よしださろん", coverage_m="800",
    ),
]  # fmt: skip


@pytest.fixture
def handmade(tmp_path, town_dir) -> Database:
    database = fresh(tmp_path, "source", town_dir)
    path = write_rows(tmp_path / "handmade.csv", ROWS)
    result = database("import-resources", path, "--source", "hand")
    assert result.exit_code == 0, result.output
    return database


def test_the_hand_made_set_is_stored_as_expected(handmade):
    stored = handmade.resources()
    home = stored[("hand", "h1")]
    assert home["venue"] == "" and home["address"] == "さくら台町本町2丁目"
    assert home["description"] == "（個人宅）で開催 <script>alert(1)</script>"
    assert stored[("hand", "h2")]["lat"] is None
    assert stored[("hand", "h2")]["target_text"] == "'=quoted already"
    assert stored[("hand", "=r3")]["service_areas"] == ["中央地区", "南部地区"]
    assert stored[("hand", "h1")]["rules"][0][0] == "FREQ=MONTHLY;BYDAY=2MO,4MO"


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson", "hsds"])
def test_the_hand_made_set_comes_back_field_by_field(fmt, handmade, tmp_path, town_dir):
    exported = handmade.export(fmt)
    target = fresh(tmp_path, "target", town_dir)
    result = target("import-resources", exported)
    assert result.exit_code == 0, result.output
    original, again = handmade.resources(), target.resources()
    # The importer reads 内容 through NFKC: the 「（個人宅）」 that privacy put in a private
    # home's 内容 comes back as 「(個人宅)」 (the exporter writes it as stored).
    assert_same(original, again, skip=("description",))
    for key, values in original.items():
        assert again[key]["description"] == normalize_text(values["description"]), key
    assert again[("hand", "h1")]["name"] == '=HYPERLINK("http://x")'
    assert again[("hand", "h2")]["name"] == "-マイナスの会"
    assert again[("hand", "h2")]["target_text"] == "'=quoted already"
    assert again[("hand", "h2")]["lat"] is None and again[("hand", "h2")]["lon"] is None
    assert again[("hand", "=r3")]["organization"] == "+プラス会"
    assert again[("hand", "h1")]["public_contact"] == "@サロン代表 0599-00-1234"
    assert again[("hand", "h1")]["fee_text"] == "参加費100円（お茶代）"


def test_csv_cells_are_neutralised_and_numbers_stay_numbers(handmade):
    data = handmade.export("csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == OWN_HEADERS
    by_key = {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_key["h1"]["名称"] == '\'=HYPERLINK("http://x")'
    assert by_key["h1"]["連絡先"] == "'@サロン代表 0599-00-1234"
    assert by_key["h2"]["名称"] == "'-マイナスの会"
    assert by_key["h2"]["対象者"] == "''=quoted already"
    assert by_key["'=r3"]["運営団体"] == "'+プラス会"
    assert by_key["h2"]["緯度"] == "" and by_key["h2"]["定員"] == "20"
    assert float(by_key["h4"]["緯度"]) == 35.05
    assert len(data.split(b"\r\n")) == len(rows) + 1  # CRLF after every row


def test_negative_numbers_are_written_as_numbers_not_quoted():
    out = io.BytesIO()
    rows = iter([(1, [-0.5, -137.25, 3, "-0.5", "=1+1", "'=x", "'plain"])])
    write_csv(out, ["a", "b", "c", "d", "e", "f", "g"], rows, "utf-8", Substitutions())
    line = out.getvalue().decode("utf-8-sig").splitlines()[1]
    assert line == "-0.5,-137.25,3,'-0.5,'=1+1,''=x,'plain"
    for text in ("-0.5", "=1+1", "'=x", "'plain", "＝全角", "@x", "+81"):
        assert unquote_formula(spreadsheet_text(text)) == text


def test_xlsx_cells_are_text_never_formulas(handmade):
    workbook = load_workbook(handmade.export("xlsx"))
    sheet = workbook.worksheets[0]
    assert sheet.title == "資源"
    rows = list(sheet.iter_rows(values_only=False))
    assert tuple(c.value for c in rows[0]) == OWN_HEADERS
    cells = {row[1].value: row for row in rows[1:]}
    name = cells["h1"][3]
    assert name.value == '\'=HYPERLINK("http://x")' and name.data_type == "s"
    assert cells["h4"][8].data_type == "n" and cells["h4"][8].value == 35.05
    assert cells["h2"][8].value is None


def test_geojson_is_lon_lat_with_null_geometry_for_no_point(handmade):
    document = json.loads(handmade.export("geojson").read_text("utf-8"))
    assert document["type"] == "FeatureCollection"
    by_key = {f["properties"]["出典ID"]: f for f in document["features"]}
    assert by_key["h4"]["geometry"] == {"type": "Point", "coordinates": [137.07, 35.05]}
    assert by_key["h2"]["geometry"] is None
    assert by_key["h1"]["properties"]["名称"] == '=HYPERLINK("http://x")'  # not a spreadsheet
    assert list(by_key["h1"]["properties"]) == list(OWN_HEADERS)
    assert b"<script>" not in handmade.export("geojson").read_bytes()  # written as \u003c


def test_hsds_has_the_hsds_3_shape(handmade):
    document = json.loads(handmade.export("hsds").read_text("utf-8"))
    assert document["total_items"] == document["size"] == len(document["contents"]) == 4
    assert document["empty"] is False
    by_name = {s["name"]: s for s in document["contents"]}
    salon = by_name['=HYPERLINK("http://x")']
    assert salon["status"] == "active"
    assert salon["fees_description"] == "参加費100円（お茶代）"
    (schedule,) = salon["schedules"]
    assert schedule["freq"] == "MONTHLY" and schedule["byday"] == "2MO,4MO"
    assert (schedule["opens_at"], schedule["closes_at"]) == ("10:00+09:00", "11:30+09:00")
    assert schedule["description"] == "毎月第2・第4月曜日 10:00〜11:30"
    (phone,) = salon["phones"]
    assert phone["number"] == "0599-00-1234"
    (at_location,) = salon["service_at_locations"]
    location = at_location["location"]
    assert location["name"] == "" and location["latitude"] is not None
    assert location["addresses"][0]["address_1"] == "さくら台町本町2丁目"
    assert location["addresses"][0]["country"] == "JP"
    paused = by_name["-マイナスの会"]
    assert paused["status"] == "temporarily closed"
    assert paused["service_at_locations"] == []
    assert paused["schedules"][0] == {
        "id": paused["schedules"][0]["id"],
        "service_id": paused["id"],
        "description": "週1回程度",
        "notes": "祝日",
    }
    meals = by_name["<script>x</script>配食"]
    assert [a["name"] for a in meals["service_areas"]] == ["中央地区", "南部地区"]
    assert meals["contacts"][0]["name"] == "社協まで" and meals["phones"] == []
    kinds = [a for a in meals["attributes"] if a["taxonomy_term"]["taxonomy"] == "mapapp:kind"]
    assert kinds[0]["taxonomy_term"]["code"] == "haishoku"
    ids = [s["id"] for s in document["contents"]]
    assert len(set(ids)) == 4 and all(len(i) == 36 for i in ids)
    assert ids == [s["id"] for s in json.loads(handmade.export("hsds").read_text())["contents"]]


def test_mhlw_layout_carries_what_it_can(handmade, tmp_path, town_dir):
    exported = handmade.export("mhlw")
    rows = list(csv.reader(io.StringIO(exported.read_bytes().decode("utf-8-sig"))))
    assert tuple(rows[0]) == MHLW_HEADERS
    assert len(rows) == 1 + 3  # 通いの場 only: the 配食 service is not one
    cells = {row[7]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    salon = cells['\'=HYPERLINK("http://x")']
    assert salon["市区町村名"] == "さくら台町" and salon["市区町村コード"] == "99999"
    assert (salon["運営日（平日）－開始"], salon["運営日（平日）－終了"]) == ("10:00", "11:30")
    assert salon["運営日（土曜）－開始"] == ""
    assert salon["その他"].endswith("開催日時: 毎月第2・第4月曜日 10:00〜11:30")
    assert cells["'-マイナスの会"]["送迎の有無"] == "1"
    assert cells["'-マイナスの会"]["飲食の提供の有無"] == "0"
    target = fresh(tmp_path, "target", town_dir)
    result = target("import-resources", exported)
    assert result.exit_code == 0, result.output
    original = handmade.resources()
    again = {v["name"]: v for v in target.resources().values()}
    assert set(again) == {'=HYPERLINK("http://x")', "-マイナスの会", "𠮷田サロン"}
    for key in (("hand", "h1"), ("hand", "h2"), ("hand", "h4")):
        before = original[key]
        after = again[before["name"]]
        for name in ("kana", "public_contact", "target_text", "closed_text", "capacity",
                     "fee_text", "pickup", "meals", "tags", "organization", "venue"):  # fmt: skip
            assert after[name] == before[name], (key, name)
        assert after["address"] == " ".join(t for t in (before["address"], before["venue"]) if t)
        # The layout has no 位置の精度: a private home comes back at its public point.
        lat = round(before["lat"], 3) if key == ("hand", "h1") else before["lat"]
        assert after["lat"] == (pytest.approx(lat, abs=1e-9) if lat else None)
        assert after["description"].startswith(normalize_text(before["description"]))
        assert after["kind"] == "kayoi_other"  # the layout has no kind


def test_cp932_replaces_what_it_cannot_hold_and_says_where(handmade, tmp_path, town_dir):
    out = tmp_path / "sjis.csv"
    result = handmade("export", "--format", "csv", "--encoding", "cp932", "--out", out)
    assert result.exit_code == 0, result.output
    assert "〓 にしたセル: 1 個" in result.stderr
    assert "「名称」: 𠮷 → 〓" in result.stderr and "（ID " in result.stderr
    text = out.read_bytes().decode("cp932")
    assert "〓田サロン" in text and "毎週月曜日 10:00～11:30" in text
    target = fresh(tmp_path, "target", town_dir)
    assert target("import-resources", out).exit_code == 0
    original, again = handmade.resources(), target.resources()
    changed = ("name", "schedule_text", "reading", "description")
    assert_same(original, again, skip=changed)
    for key, values in original.items():
        assert again[key]["description"] == normalize_text(values["description"]), key
    for key, values in original.items():
        for name in ("name", "schedule_text"):
            assert again[key][name] == cp932_text(values[name])[0]
    assert cp932_text("〜‖−—¢£¬⽉") == ("～∥－―￠￡￢月", "")


def test_private_homes_leave_as_the_public_sees_them_unless_full(handmade, tmp_path):
    # A row stored before the read-side rule (or edited by hand) still leaves cut.
    storage = get_storage(
        create_app(
            {"TESTING": True, "DATABASE_URL": handmade.url, "SECRET_KEY": "test"},
            instance_path=handmade.directory / "instance",
        )
    )
    with storage.transaction() as session:
        session.execute(
            update(Resource)
            .where(Resource.source_key == "h1")
            .values(
                venue="山田宅",
                address="さくら台町本町2丁目3-5",
                lat=35.0441234,
                lon=137.0598765,
                description="山田宅（さくら台町本町2丁目3-5）で",
            )
        )
    storage.dispose()
    for fmt in ("csv", "geojson", "hsds", "mhlw", "xlsx"):
        public = handmade.export(fmt).read_bytes()
        if fmt == "xlsx":
            public = "\n".join(
                str(c)
                for row in load_workbook(io.BytesIO(public)).worksheets[0].values
                for c in row
            ).encode("utf-8")
        text = public.decode("utf-8-sig")
        assert "山田宅" not in text and "2丁目3-5" not in text, fmt
        assert "35.0441234" not in text and "137.0598765" not in text, fmt
        assert "35.044" in text, fmt  # rounded to about 100 m
    result = handmade("export", "--format", "csv", "--full")
    assert result.exit_code == 0
    assert "山田宅" in result.stdout and "さくら台町本町2丁目3-5" in result.stdout
    assert "35.0441234" in result.stdout
    assert "管理者用" in result.stderr


def test_area_limits_the_export_by_id_or_name(demo_town):
    url = demo_town.url
    app = create_app(
        {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test"},
        instance_path=demo_town.directory / "instance",
    )
    storage = get_storage(app)
    with storage.reading() as session:
        area = session.scalars(select(Area).where(Area.name == "中央地区")).one()
        inside = set(
            session.scalars(select(ResourceArea.resource_id).where(ResourceArea.area_id == area.id))
        )
        keys = {session.get(Resource, i).source_key for i in inside}
    storage.dispose()
    for given in ("中央地区", str(area.id)):
        result = demo_town("export", "--format", "geojson", "--area", given)
        assert result.exit_code == 0, result.output
        features = json.loads(result.stdout)["features"]
        assert {f["properties"]["出典ID"] for f in features} == keys
        assert f"区域「中央地区」の{len(keys)} 件" in result.stderr


def test_unknown_and_ambiguous_areas_are_refused(handmade, tmp_path):
    result = handmade("export", "--format", "csv", "--area", "どこにもない地区")
    assert result.exit_code == 2
    assert result.stderr.startswith("エラー: 区域「どこにもない地区」が見つかりません")
    extra = write_geojson(
        tmp_path / "extra.geojson",
        [({"name": "中央地区"}, box(137.0, 35.0, 137.01, 35.01))],
    )
    assert handmade("import-areas", extra, "--layer", "3", "--kind", "自治会").exit_code == 0
    result = handmade("export", "--format", "csv", "--area", "中央地区")
    assert result.exit_code == 2
    assert "「中央地区」は 2 か所あります" in result.stderr and "ID" in result.stderr


def test_stdout_and_the_refusals(handmade, monkeypatch):
    result = handmade("export", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf\xe5\x87\xba\xe5\x85\xb8")  # BOM 出典
    result = handmade("export", "--format", "geojson", "--encoding", "cp932")
    assert result.exit_code == 2
    assert "--encoding cp932 は CSV（csv, mhlw）のときだけ使えます" in result.stderr
    from mapapp.cli import exports

    terminal = types.SimpleNamespace(stdout=types.SimpleNamespace(isatty=lambda: True))
    monkeypatch.setattr(exports, "sys", terminal)
    result = handmade("export", "--format", "xlsx")
    assert result.exit_code == 2
    assert "xlsx は端末に出せません" in result.stderr


def test_an_hsds_document_from_elsewhere_is_read(cli, tmp_path):
    document = {
        "total_items": 1,
        "empty": False,
        "contents": [
            {
                "id": "3f1c1d2e-0000-4000-8000-000000000001",
                "name": "Community Cafe",
                "status": "active",
                "phones": [{"id": "p", "number": "053-576-1234"}],
                "schedules": [
                    {"id": "s", "freq": "WEEKLY", "byday": "MO", "description": "毎週月曜日"}
                ],
                "service_at_locations": [
                    {
                        "id": "sal",
                        "location": {
                            "id": "l",
                            "name": "公民館",
                            "latitude": 34.7,
                            "longitude": 137.5,
                            "addresses": [
                                {
                                    "address_1": "鷲津1234",
                                    "city": "湖西市",
                                    "state_province": "静岡県",
                                }
                            ],
                        },
                    }
                ],
                "attributes": [{"taxonomy_term": {"taxonomy": "x", "name": "サロン"}}],
            },
            {"id": "2", "name": "壊れた", "status": "closed-ish"},
        ],
    }
    path = tmp_path / "services.json"
    path.write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    result = cli("import-resources", path)
    assert result.exit_code == 2
    assert "2件目: status「closed-ish」は HSDS の値" in result.stderr
    document["contents"].pop()
    path.write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    result = cli("import-resources", path)
    assert result.exit_code == 0, result.output
    assert "形式 own、文字コード hsds" in result.output
