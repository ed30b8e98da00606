"""Resource files as they come: 自治体標準 facility lists with their hours, the 介護サービス情報公表
open data, bad optional values, stable sources, spreadsheet row numbers.

The fixtures are written here in the real shapes (headers, encodings, quirks) for towns other
than 湖西市; no real file is copied into the repository.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from mapapp.importing.errors import FileProblem, RowsRejected
from mapapp.importing.readers import read_table
from mapapp.importing.resources import ImportOptions, import_resources
from mapapp.models import Coverage, Resource
from tests.resource_files import own_row, write_csv

# --- 自治体標準オープンデータセット 公共施設一覧（大分県竹田市の形で） ---------------------------

STANDARD_HEADERS = [
    "全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "名称_英字", "名称_通称",
    "POIコード", "住所", "方書", "緯度", "経度", "電話番号", "内線番号", "法人番号", "団体名",
    "利用可能曜日", "開始時間", "終了時間", "利用可能日時特記事項", "説明", "バリアフリー情報",
    "画像", "画像_ライセンス", "URL", "備考",
]  # fmt: skip


def standard_row(**values: str) -> dict[str, str]:
    row = dict.fromkeys(STANDARD_HEADERS, "")
    row.update({"全国地方公共団体コード": "442089", "地方公共団体名": "大分県竹田市"})
    row.update(values)
    return row


FACILITIES = [
    standard_row(
        ID="4420890001", 名称="竹田市総合社会福祉センター", 名称_カナ="タケタシソウゴウシャカイフクシセンター",
        住所="大分県竹田市大字会々1650", 緯度="32.9739", 経度="131.3979", 電話番号="0974-63-4810",
        利用可能曜日="月,火,水,木,金", 開始時間="08:30", 終了時間="17:15",
        利用可能日時特記事項="年末年始（12月29日～1月3日）及び祝日は休館",
        説明="介護予防教室・サロンの会場", URL="www.example.jp/fukushi-center",
    ),
    standard_row(
        ID="4420890002", 名称="荻公民館", 名称_カナ="オギコウミンカン", 住所="大分県竹田市荻町馬場",
        緯度="32.9523", 経度="131.3121", 利用可能曜日="月曜日～土曜日", 開始時間="9:00",
        終了時間="21:00", 利用可能日時特記事項="祝日は休館。夜間の利用は要予約",
        URL="http//example.jp/ogi",
    ),
    standard_row(
        ID="4420890003", 名称="久住老人憩の家", 名称_カナ="クジュウロウジンイコイノイエ",
        住所="大分県竹田市久住町大字久住6209", 緯度="33.0389", 経度="131.2564",
        電話番号="974763111",  # Excel dropped the leading 0
        利用可能曜日="火,木", 開始時間="10:00:00", 終了時間="15:00:00", 備考="送迎あり（要相談）",
    ),
]  # fmt: skip


def test_standard_facility_list_keeps_its_hours(tmp_path, storage, taxonomy):
    path = write_csv(tmp_path / "442089_public_facility.csv", FACILITIES, headers=STANDARD_HEADERS)
    report = import_resources(storage, path, taxonomy, ImportOptions(kind="介護予防拠点"))
    assert report.profile == "standard" and report.written.created == 3
    with storage.reading() as session:
        rows = {r.name: r for r in session.scalars(select(Resource))}
        center, hall, ikoi = (
            rows["竹田市総合社会福祉センター"], rows["荻公民館"], rows["久住老人憩の家"]
        )  # fmt: skip
        # The texts as a person reads them; what the schedule reader makes of the dates in
        # 「年末年始（12月29日～1月3日）」 is its own business (mapapp.schedule).
        assert center.schedule_text == "月,火,水,木,金 08:30〜17:15"
        assert center.closed_text == "年末年始（12月29日～1月3日）及び祝日は休館"
        assert center.description == "介護予防教室・サロンの会場"
        # Closing sentences go to 休み, the rest stays with the hours to be read or flagged.
        assert hall.schedule_text == "月曜日～土曜日 9:00〜21:00\n夜間の利用は要予約"
        assert hall.closed_text == "祝日は休館"
        assert hall.open_weekdays == 0b0111111
        assert [r.rrule for r in hall.schedule_rules] == ["FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA"]
        rule = hall.schedule_rules[0]
        assert (rule.opens_at, rule.closes_at) == (dt.time(9, 0), dt.time(21, 0))
        # Seconds from an Excel time cell are dropped; 備考 is kept as a description.
        assert ikoi.schedule_text == "火,木 10:00〜15:00" and ikoi.open_weekdays == 0b0001010
        assert ikoi.description == "送迎あり(要相談)"  # descriptions are NFKC-normalised
        # Bad optional values: completed or left out, each said; the rows are kept.
        assert center.url == "https://www.example.jp/fukushi-center"
        assert hall.url == "" and ikoi.public_contact == "0974763111"
    assert report.warnings == [
        "2行目「URL」: URL「www.example.jp/fukushi-center」に https:// を付けました",
        "3行目「URL」: URL「http//example.jp/ogi」は読めません（http:// か https:// で始めて"
        "ください）。空欄にしました",
        "4行目「電話番号」: 連絡先「974763111」は先頭の 0 が落ちているようなので補いました",
    ]


def test_a_file_without_a_kind_column_asks_for_kind_once(tmp_path, cli):
    path = write_csv(tmp_path / "facilities.csv", FACILITIES, headers=STANDARD_HEADERS)
    result = cli("import-resources", path)
    assert result.exit_code == 2
    assert result.output.count("種別の列") == 1, result.output
    assert "種別の列（種別・サービス種別・サービスの種類・分類・種類）がありません" in result.output
    assert "行目" not in result.output  # said before any row is read, not once per row
    done = cli("import-resources", path, "--kind", "サロン")
    assert done.exit_code == 0, done.output
    assert "注意: 3行目「URL」: URL「http//example.jp/ogi」は読めません" in done.output


def test_standard_care_list_variant_reads_its_service_column(tmp_path, storage, taxonomy):
    """自治体標準 介護サービス事業所一覧: サービス種別 gives the kind, 訪問 services the whole town."""
    headers = [
        "全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "サービス種別",
        "住所", "方書", "緯度", "経度", "電話番号", "FAX番号", "法人番号", "法人の名称", "事業所番号",
        "利用可能曜日", "開始時間", "終了時間", "利用可能日時特記事項", "定員", "URL", "備考",
    ]  # fmt: skip
    base = {h: "" for h in headers}
    rows = [
        {**base, "ID": "1", "名称": "デイサービスみどり", "名称_カナ": "デイサービスミドリ",
         "サービス種別": "通所介護", "住所": "岩手県遠野市新町2-1", "緯度": "39.3275",
         "経度": "141.5333", "法人の名称": "社会福祉法人みどり会", "利用可能曜日": "月,火,水,木,金,土",
         "開始時間": "9:00", "終了時間": "16:30", "定員": "30"},
        {**base, "ID": "2", "名称": "ヘルパーステーションみどり", "名称_カナ": "ヘルパーステーションミドリ",
         "サービス種別": "訪問介護", "住所": "岩手県遠野市新町2-1", "緯度": "39.3275",
         "経度": "141.5333", "法人の名称": "社会福祉法人みどり会"},
    ]  # fmt: skip
    path = write_csv(tmp_path / "032085_care_service.csv", rows, headers=headers)
    report = import_resources(storage, path, taxonomy)
    assert report.profile == "standard" and report.written.created == 2
    with storage.reading() as session:
        day, helper = session.scalars(select(Resource).order_by(Resource.source_key)).all()
        assert (day.kind, day.coverage, day.capacity) == ("tsusho_kaigo", Coverage.WALK, 30)
        assert day.organization.name == "社会福祉法人みどり会"
        assert day.schedule_text == "月,火,水,木,金,土 9:00〜16:30"
        assert (helper.kind, helper.coverage) == ("houmon_kaigo", Coverage.TOWN)


# --- 介護サービス情報公表システムのオープンデータ（兵庫県豊岡市の形で） ----------------------------

KAIGO_HEADERS = [
    "都道府県コード又は市区町村コード", "No", "都道府県名", "市区町村名", "事業所名", "事業所名カナ",
    "サービスの種類", "住所", "方書（ビル名等）", "緯度", "経度", "電話番号", "FAX番号", "法人番号",
    "法人の名称", "事業所番号", "利用可能曜日", "利用可能曜日特記事項（留意事項）", "定員", "URL",
    "高齢者の方と障害者の方が同時一体的に利用できるサービス", "介護保険の通常の指定基準を満たしている",
    "障害福祉の通常の指定基準を満たしている", "備考",
]  # fmt: skip


def kaigo_row(no: int, name: str, service: str, number: str, **values: str) -> dict[str, str]:
    row = dict.fromkeys(KAIGO_HEADERS, "")
    row.update({
        "都道府県コード又は市区町村コード": "282090", "No": str(no), "都道府県名": "兵庫県",
        "市区町村名": "豊岡市", "事業所名": name, "サービスの種類": service, "事業所番号": number,
        "法人の名称": "社会福祉法人こうのとり会",
    })  # fmt: skip
    row.update(values)
    return row


DAY_SERVICES = [
    kaigo_row(
        1, "デイサービスセンターこうのとり", "通所介護", "2871100011",
        事業所名カナ="デイサービスセンターコウノトリ", 住所="兵庫県豊岡市中央町1-1",
        緯度="35.5441", 経度="134.8200", 電話番号="0796-22-0001", 利用可能曜日="月曜日～土曜日",
        定員="35", URL="https://www.example.jp/kounotori",
        **{
            "方書（ビル名等）": "こうのとりビル1階",
            "利用可能曜日特記事項（留意事項）": "年末年始はお休み",
        },
    ),
    kaigo_row(
        2, "城崎デイサービス", "通所介護", "2871100029", 事業所名カナ="キノサキデイサービス",
        住所="兵庫県豊岡市城崎町湯島100", 緯度="35.6258", 経度="134.8106", 電話番号="0796-32-0002",
        利用可能曜日="月,火,水,木,金", 定員="0", URL="info@example.jp",
        **{"利用可能曜日特記事項（留意事項）": "年末年始（12月31日～1月3日）は休業。送迎あり"},
    ),
]  # fmt: skip

HOME_HELP = [
    # The same 事業所番号 as the day service: one 事業所, another service. Not a repeat.
    kaigo_row(
        1, "デイサービスセンターこうのとり", "訪問介護", "2871100011",
        住所="兵庫県豊岡市中央町1-1", 緯度="35.5441", 経度="134.8200", 利用可能曜日="毎日", 定員="120",
    ),
    kaigo_row(
        2, "ヘルパーステーション但馬", "訪問介護", "2871100037", 住所="兵庫県豊岡市日高町祢布1",
        緯度="35.4770", 経度="134.7750", 利用可能曜日="月,火,水,木,金,土,日",
    ),
]  # fmt: skip


def test_kaigo_open_data_imports_with_no_options(tmp_path, storage, taxonomy, cli):
    day = write_csv(
        tmp_path / "jigyosho_150.csv", DAY_SERVICES, encoding="cp932", headers=KAIGO_HEADERS
    )
    result = cli("import-resources", day)
    assert result.exit_code == 0, result.output
    assert "形式 kaigo、文字コード cp932、出典 kaigo:通所介護" in result.output
    assert "新規 2" in result.output
    warning = "注意: 3行目「URL」: URL「info@example.jp」はメールアドレスのようです。空欄にしました"
    assert warning in result.output
    with storage.reading() as session:
        rows = {r.name: r for r in session.scalars(select(Resource))}
        center, kinosaki = rows["デイサービスセンターこうのとり"], rows["城崎デイサービス"]
        assert (center.kind, center.kind_text, center.source_key) == (
            "tsusho_kaigo", "通所介護", "2871100011|通所介護"
        )  # fmt: skip
        assert (center.kana, center.venue, center.capacity) == (
            "デイサービスセンターコウノトリ", "こうのとりビル1階", 35
        )  # fmt: skip
        assert center.organization.name == "社会福祉法人こうのとり会"
        assert center.schedule_text == "月曜日～土曜日"
        assert center.closed_text == "年末年始はお休み"
        assert center.open_weekdays == 0b0111111 and center.coverage is Coverage.WALK
        assert kinosaki.capacity is None  # 0 means 未記入 in this data
        assert kinosaki.url == ""
        assert kinosaki.schedule_text == "月,火,水,木,金\n送迎あり"
        assert kinosaki.closed_text == "年末年始（12月31日～1月3日）は休業"

    helpers = write_csv(
        tmp_path / "jigyosho_110.csv", HOME_HELP, encoding="utf-8-sig", headers=KAIGO_HEADERS
    )
    report = import_resources(storage, helpers, taxonomy)
    assert report.sources == ["kaigo:訪問介護"] and report.written.created == 2
    # Same 事業所, another service, at the same point: neither a repeat nor a likely duplicate.
    assert report.warnings == [] and report.duplicates == []
    with storage.reading() as session:
        visits = session.scalars(select(Resource).where(Resource.kind == "houmon_kaigo")).all()
        assert {r.coverage for r in visits} == {Coverage.TOWN}
        assert {r.capacity for r in visits} == {None}  # 訪問 services have no places
        assert session.scalar(select(func.count(Resource.id))) == 4
    again = cli("import-resources", day)
    assert "新規 0、更新 0、変更なし 2" in again.output
    assert "重なっていそう" not in again.output


def test_one_file_with_several_services_of_one_jigyosho(tmp_path, storage, taxonomy):
    rows = [DAY_SERVICES[0], HOME_HELP[0], HOME_HELP[1]]
    path = write_csv(tmp_path / "toyooka_all.csv", rows, headers=KAIGO_HEADERS)
    report = import_resources(storage, path, taxonomy)
    assert report.profile == "kaigo" and report.warnings == []
    assert report.sources == ["kaigo:訪問介護", "kaigo:通所介護"]
    assert report.written.created == 3


# --- bad optional values ------------------------------------------------------------------------


def test_bad_url_or_contact_is_reported_and_left_out_the_row_kept(tmp_path, storage, taxonomy):
    rows = [
        own_row(出典ID="1", 名称="あおぞらサロン", URL="www.example.jp/aozora", 連絡先="社協 0260-22-1234"),
        own_row(出典ID="2", 名称="ひだまりカフェ", URL="http//example.jp/hidamari"),
        own_row(出典ID="3", 名称="いきいき体操", 連絡先="https://example.jp/taiso"),
        own_row(出典ID="4", 名称="茶話会", 連絡先="2024/4/1"),
        own_row(出典ID="5", 名称="ふまねっと", 連絡先="2.60221E+9", URL="なし"),
    ]  # fmt: skip
    report = import_resources(storage, write_csv(tmp_path / "suwa.csv", rows), taxonomy)
    assert report.written.created == 5 and report.rejected == []
    assert report.warnings == [
        "2行目「URL」: URL「www.example.jp/aozora」に https:// を付けました",
        "3行目「URL」: URL「http//example.jp/hidamari」は読めません（http:// か https:// で始めて"
        "ください）。空欄にしました",
        "4行目「連絡先」: 連絡先「https://example.jp/taiso」は URL です（URL の列に書いてください）。"
        "空欄にしました",
        "5行目「連絡先」: 連絡先「2024/4/1」は日付です（電話番号を書いてください）。空欄にしました",
        "6行目「連絡先」: 連絡先「2.60221E+9」は Excel で数値にされ、番号の一部が失われています"
        "（セルを文字列にして書き直してください）。空欄にしました",
    ]
    with storage.reading() as session:
        stored = {
            r.source_key: (r.url, r.public_contact) for r in session.scalars(select(Resource))
        }
    assert stored == {
        "1": ("https://www.example.jp/aozora", "社協 0260-22-1234"),
        "2": ("", ""),
        "3": ("", ""),
        "4": ("", ""),
        "5": ("", ""),
    }


# --- row numbers are spreadsheet rows -----------------------------------------------------------


def test_csv_row_numbers_count_rows_not_lines(tmp_path, storage, taxonomy):
    rows = [
        own_row(出典ID="1", 名称="朝のサロン", 開催日時="毎週月曜日\n10:00〜11:30\n（祝日は休み）"),
        own_row(出典ID="2", 名称=""),
        own_row(出典ID="3", 名称="夕方のサロン", 内容="一行目\r\n二行目", 定員="たくさん"),
    ]  # fmt: skip
    path = write_csv(tmp_path / "multiline.csv", rows)
    assert [r.number for r in read_table(path).rows] == [2, 3, 4]
    with pytest.raises(RowsRejected) as caught:
        import_resources(storage, path, taxonomy)
    assert [str(e) for e in caught.value.errors] == [
        "3行目「名称」: 名称が空です",
        "4行目「定員」: 「たくさん」は人数（数字）で書いてください",
    ]
    wide = tmp_path / "wide.csv"
    wide.write_text('出典ID,種別,名称\n1,サロン,"二行の\n名前"\n2,サロン,B,余分\n', "utf-8")
    with pytest.raises(FileProblem, match="3行目: 見出しより列が多いです"):
        read_table(wide)


def test_xlsx_row_numbers_with_line_breaks_and_blank_rows(tmp_path, storage, taxonomy):
    book = Workbook()
    sheet = book.active
    sheet.append(["出典ID", "種別", "名称", "緯度", "経度", "開催日時"])
    sheet.append(["1", "サロン", "ひまわり", 35.0, 135.0, "毎週火曜日\n13:30〜15:00"])
    sheet.append([None] * 6)
    sheet.append(["2", "サロン", "", 35.0, 135.0, ""])
    path = tmp_path / "list.xlsx"
    book.save(path)
    assert [r.number for r in read_table(path).rows] == [2, 4]
    with pytest.raises(RowsRejected) as caught:
        import_resources(storage, path, taxonomy)
    assert [str(e) for e in caught.value.errors] == ["4行目「名称」: 名称が空です"]


# --- the same file with other options, or under another name ------------------------------------


def test_same_file_with_other_options_updates_the_same_rows(tmp_path, storage, taxonomy, cli):
    path = write_csv(tmp_path / "facilities.csv", FACILITIES, headers=STANDARD_HEADERS)
    first = import_resources(storage, path, taxonomy, ImportOptions(kind="居場所"))
    assert first.sources == ["file:facilities"]
    second = import_resources(storage, path, taxonomy, ImportOptions(kind="サロン"))
    assert (second.written.created, second.written.updated) == (0, 3)
    mapped = cli(
        "import-resources", path, "--map", "ID=出典ID", "--map", "名称=名称",
        "--map", "緯度=緯度", "--map", "経度=経度", "--map", "住所=住所", "--kind", "サロン",
    )  # fmt: skip
    assert mapped.exit_code == 0, mapped.output
    assert "出典 file:facilities" in mapped.output and "新規 0" in mapped.output
    with storage.reading() as session:
        assert session.scalar(select(func.count(Resource.id))) == 3
        assert set(session.scalars(select(Resource.kind))) == {"salon"}


def test_renamed_file_stops_and_names_the_source_to_use(tmp_path, storage, taxonomy, cli):
    path = write_csv(tmp_path / "facilities.csv", FACILITIES, headers=STANDARD_HEADERS)
    import_resources(storage, path, taxonomy, ImportOptions(kind="居場所"))
    renamed = tmp_path / "facilities_20260401.csv"
    shutil.copy(path, renamed)
    stopped = cli("import-resources", renamed, "--kind", "居場所")
    assert stopped.exit_code == 2
    assert (
        "この一覧の行の多くは出典「file:facilities」と同じです（3 行のうち 3 行が同じ名前・同じ"
        "場所）。同じ一覧なら --source file:facilities を付けてください" in stopped.output
    )
    same = cli("import-resources", renamed, "--kind", "居場所", "--source", "file:facilities")
    assert "新規 0、更新 0、変更なし 3" in same.output
    # Declared another list on purpose: imported, and the overlap is listed.
    other = cli("import-resources", renamed, "--kind", "居場所", "--source", "市の施設一覧")
    assert other.exit_code == 0, other.output
    assert "ほかの出典と重なっていそうな資源（同じ名前で 50 m 以内）: 3 件" in other.output
    assert "竹田市総合社会福祉センター ⇔ 出典 file:facilities の ID" in other.output
    stats = cli("stats")
    assert "重なっていそうな資源（同じ名前で 50 m 以内、出典が違う）\t3" in stats.output
    assert "荻公民館\t" in stats.output and "\tfile:facilities\t" in stats.output


def test_a_small_overlap_is_reported_but_does_not_stop(tmp_path, storage, taxonomy):
    import_resources(storage, write_csv(tmp_path / "a.csv", [own_row()]), taxonomy)
    rows = [own_row(), *(own_row(出典ID=f"n{i}", 名称=f"新しいサロン{i}") for i in range(3))]
    report = import_resources(storage, write_csv(tmp_path / "b.csv", rows), taxonomy)
    assert report.written.created == 4
    assert [(p.first.name, p.second.source, p.distance_m) for p in report.duplicates] == [
        ("ふれあいサロン", "file:a", 0.0)
    ]


def test_a_file_that_names_its_source_is_not_stopped(tmp_path, storage, taxonomy):
    rows = [
        own_row(出典ID=str(i), 名称=f"サロン{i}", 経度=f"{137.51 + i / 100:.2f}") for i in range(3)
    ]
    import_resources(storage, write_csv(tmp_path / "a.csv", rows), taxonomy)
    named = [{**row, "出典": "社協の一覧"} for row in rows]
    report = import_resources(storage, write_csv(tmp_path / "b.csv", named), taxonomy)
    assert report.sources == ["社協の一覧"] and report.written.created == 3
    assert [p.second.source for p in report.duplicates] == ["file:a"] * 3
