"""Profiles: how the columns of the resource lists cities really have map onto our fields.

A profile reads one row (a dict of header → text) and returns the row's fields as text, keyed
by the names of :class:`~mapapp.importing.records.ResourceRecord`. Typing and checking the
values is the same for every profile and happens afterwards.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from mapapp.importing.errors import FileProblem
from mapapp.text import unify_line_breaks


@functools.lru_cache(maxsize=4096)
def header_key(header: str) -> str:
    """Headers compared the way people mean them: NFKC, no spaces, one kind of dash.

    The MHLW CSV writes 運営日（平日）－開始 with －, -, or ‐ depending on the month.
    """
    text = unicodedata.normalize("NFKC", header or "").strip().lstrip("\ufeff")
    text = re.sub(r"[\s\u3000]", "", text)
    return re.sub(r"[‐‑‒–—―−ー－-]", "-", text).lower()


Fields = dict[str, str]


@dataclass(frozen=True)
class Profile:
    """How one kind of file maps onto resource fields.

    ``columns`` maps a field to the header(s) it comes from (several are joined with a
    space); ``key_columns`` make the stable key of a row within its source; ``id_columns``
    are the file's own id, whose repeats are reported; ``kind_columns`` name the kind, most
    specific first. ``source_column`` splits a dataset published one file per service into
    one source per service (``default_source:value``), so that each file is kept up to date,
    and closed, on its own.
    """

    name: str
    label: str
    signature: tuple[str, ...]
    columns: Mapping[str, tuple[str, ...]]
    key_columns: tuple[str, ...] = ()
    id_columns: tuple[str, ...] = ()
    kind_columns: tuple[str, ...] = ()
    default_source: str = ""
    default_kind: str = ""  # for files of one kind only, such as the MHLW 通いの場 list
    source_column: str = ""
    adjust: Callable[[Mapping[str, str], Fields], None] | None = None
    optional_signature: tuple[str, ...] = field(default=())

    def matches(self, headers: set[str]) -> bool:
        return all(header_key(h) in headers for h in self.signature)

    def fields(self, values: Mapping[str, str]) -> Fields:
        """The row's text for each field this profile knows (values keyed by header_key)."""
        out: Fields = {}
        for name, headers in self.columns.items():
            parts = [values.get(header_key(h), "").strip() for h in headers]
            out[name] = " ".join(p for p in parts if p)
        if self.adjust:
            self.adjust(values, out)
        return out

    def key(self, values: Mapping[str, str]) -> str:
        return "|".join(values.get(header_key(h), "").strip() for h in self.key_columns)

    def kind_words(self, values: Mapping[str, str]) -> list[str]:
        return [values.get(header_key(h), "").strip() for h in self.kind_columns]


# --- 湖西市の介護マップ (caremap format) ------------------------------------------------


def _caremap_adjust(values: Mapping[str, str], out: Fields) -> None:
    kind_text = " / ".join(v for v in (values.get("type", ""), values.get("subtype", "")) if v)
    out["kind_text"] = kind_text
    if out.get("schedule_text", "").strip() == "休止中":
        out["status"] = "休止中"
    # Etc repeats Organization for the salons; anything else is a note worth keeping.
    etc = values.get("etc", "").strip()
    if etc and etc != out.get("organization", ""):
        out["description"] = etc


CAREMAP = Profile(
    name="caremap",
    label="ケアマップ形式（湖西市の介護マップ: HID, Type, SubType, Name…）",
    signature=("HID", "Type", "SubType", "Name"),
    columns={
        "name": ("Name",),
        "organization": ("Organization",),
        "public_contact": ("TEL",),
        "address": ("Add1", "Add2"),
        "url": ("url",),
        "venue": ("Memo",),
        "schedule_text": ("business_hours",),
        "closed_text": ("regular_holiday",),
        "lat": ("lat", "緯度"),
        "lon": ("lon", "経度"),
    },
    # HIDs repeat across Types in the real file (a 薬局 and a サロン share 1115), so the key
    # includes the category; the repeats are still reported.
    key_columns=("HID", "Type", "SubType"),
    id_columns=("HID",),
    kind_columns=("SubType", "Type"),
    default_source="caremap",
    adjust=_caremap_adjust,
)


# --- 厚生労働省 通いの場 オープンデータ ------------------------------------------------

_MHLW_DAYS = (("平日", "平日"), ("土曜", "土曜"), ("日曜", "日曜"), ("祝日", "祝日"))


def _mhlw_adjust(values: Mapping[str, str], out: Fields) -> None:
    times = []
    for label, column in _MHLW_DAYS:
        start = values.get(header_key(f"運営日（{column}）－開始"), "").strip()
        end = values.get(header_key(f"運営日（{column}）－終了"), "").strip()
        if start or end:
            times.append(f"{label} {start}〜{end}")
    out["schedule_text"] = "\n".join(times)
    out["kind_text"] = "通いの場"
    building = values.get(header_key("所在地（建物名・部屋番号等）"), "").strip()
    if building:
        out["venue"] = building


MHLW = Profile(
    name="mhlw",
    label="厚生労働省 通いの場オープンデータ（名称, 名称（ふりがな）, 所在地…, 緯度, 経度）",
    signature=("名称", "名称（ふりがな）", "所在地（都道府県から番地まで）", "緯度", "経度"),
    columns={
        "name": ("名称",),
        "kana": ("名称（ふりがな）",),
        "address": ("所在地（都道府県から番地まで）", "所在地（建物名・部屋番号等）"),
        "public_contact": ("電話番号",),
        "target_text": ("対象者",),
        "tags": ("活動内容",),
        "closed_text": ("定休日",),
        "capacity": ("定員",),
        "fee_text": ("料金体系",),
        "meals": ("飲食の提供の有無",),
        "pickup": ("送迎の有無",),
        "description": ("その他",),
        "organization": ("法人名称",),
        "lat": ("緯度",),
        "lon": ("経度",),
    },
    # The file's No is a row counter that changes every month; name and address are stable.
    key_columns=("市区町村コード", "名称", "所在地（都道府県から番地まで）"),
    default_source="mhlw",
    default_kind="kayoi_other",
    adjust=_mhlw_adjust,
)

# Every column of the MHLW 通いの場 open data, in its order (the export writes exactly these).
MHLW_HEADERS = (
    "No", "都道府県コード", "都道府県名", "市区町村コード", "市区町村名", "備考",
    "名称（ふりがな）", "名称", "郵便番号", "所在地（都道府県から番地まで）",
    "所在地（建物名・部屋番号等）", "電話番号", "対象者", "活動内容",
    "運営日（平日）－開始", "運営日（平日）－終了", "運営日（土曜）－開始", "運営日（土曜）－終了",
    "運営日（日曜）－開始", "運営日（日曜）－終了", "運営日（祝日）－開始", "運営日（祝日）－終了",
    "定休日", "定員", "料金体系", "飲食の提供の有無", "飲食持ち込みの可否", "送迎の有無",
    "対象エリア", "総合事業実施の有無", "その他", "法人番号の有無", "法人番号",
    "法人名称（ふりがな）", "法人名称", "ステータス", "緯度", "経度",
)  # fmt: skip


# --- 利用できる曜日・時間の列（自治体標準・介護サービス情報公表）と家に来るサービス -----------

# A sentence of 特記事項 that says when the place is closed goes to 休み; the rest (土曜は午前のみ,
# 要予約…) stays with the 開催日時, where what the schedule reader cannot use is flagged.
_CLOSING = re.compile(r"休み|休館|休業|休所|休園|休診|定休|閉館|閉所|除く|除き|年末年始|お盆")
_OPENING = re.compile(r"営業|開館|開所|利用でき|利用可|実施します")
_SECONDS = re.compile(r"^(\d{1,2}:\d{2}):\d{2}$")  # 09:00:00 from an Excel time cell


def hours_texts(days: str, opens: str, closes: str, notes: str) -> tuple[str, str]:
    """(開催日時, 休み) text from 利用可能曜日, 開始時間, 終了時間 and 特記事項.

    >>> hours_texts("月,火,水,木,金", "09:00", "17:00", "年末年始は休館。土曜は午前のみ")
    ('月,火,水,木,金 09:00〜17:00\\n土曜は午前のみ', '年末年始は休館')
    """
    opens, closes = (_SECONDS.sub(r"\1", t.strip()) for t in (opens, closes))
    times = f"{opens}〜{closes}" if opens or closes else ""
    first = " ".join(t for t in (days.strip(), times) if t)
    schedule, closed = [first] if first else [], []
    for sentence in re.split(r"[。\n]+", unify_line_breaks(notes)):
        sentence = sentence.strip()
        if sentence:
            about_closing = _CLOSING.search(sentence) and not _OPENING.search(sentence)
            (closed if about_closing else schedule).append(sentence)
    return "\n".join(schedule), "\n".join(closed)


def _first(values: Mapping[str, str], *headers: str) -> str:
    return next((v for h in headers if (v := values.get(header_key(h), "").strip())), "")


# Services that come to the resident's home serve the whole town, not a walking radius.
_COMES_HOME = re.compile(r"訪問|定期巡回|夜間対応|居宅介護支援|介護予防支援|居宅療養|福祉用具")


def comes_home(service: str) -> bool:
    return bool(_COMES_HOME.search(service))


# --- 自治体標準オープンデータセット（公共施設一覧・介護サービス事業所一覧 など） -------------

_STANDARD_NOTES = (
    "利用可能日時特記事項",
    "利用可能曜日特記事項",
    "利用可能曜日特記事項（留意事項）",
)


def _standard_adjust(values: Mapping[str, str], out: Fields) -> None:
    if not out.get("address"):
        out["address"] = values.get(header_key("所在地_連結表記"), "").strip()
    out["organization"] = _first(values, "法人の名称", "団体名")
    out["description"] = "\n".join(
        v for h in ("説明", "備考") if (v := values.get(header_key(h), "").strip())
    )
    out["schedule_text"], out["closed_text"] = hours_texts(
        _first(values, "利用可能曜日"),
        _first(values, "開始時間"),
        _first(values, "終了時間"),
        _first(values, *_STANDARD_NOTES),
    )
    if comes_home(_first(values, "サービス種別", "サービスの種類")):
        out["coverage"] = "全域"


STANDARD = Profile(
    name="standard",
    label="自治体標準オープンデータセット（名称, 名称_カナ, 住所, 緯度, 経度, 利用可能曜日…）",
    signature=("名称", "名称_カナ", "緯度", "経度"),
    columns={
        "name": ("名称",),
        "kana": ("名称_カナ",),
        "address": ("住所",),
        "venue": ("方書",),
        "public_contact": ("電話番号",),
        "url": ("URL",),
        "capacity": ("定員",),
        "lat": ("緯度",),
        "lon": ("経度",),
    },
    key_columns=("ID",),
    id_columns=("ID",),
    kind_columns=("種別", "サービス種別", "サービスの種類", "分類", "種類"),
    adjust=_standard_adjust,
)


# --- 介護サービス情報公表システムのオープンデータ（厚生労働省、サービスの種類ごとの CSV） ------


def _kaigo_adjust(values: Mapping[str, str], out: Fields) -> None:
    service = _first(values, "サービスの種類")
    out["schedule_text"], out["closed_text"] = hours_texts(
        _first(values, "利用可能曜日"),
        "",
        "",
        _first(values, "利用可能曜日特記事項（留意事項）", "利用可能曜日特記事項"),
    )
    if comes_home(service):
        out["coverage"] = "全域"
        out["capacity"] = ""  # no places to fill: the column holds other numbers for these
    elif out.get("capacity", "") in ("0", "０"):
        out["capacity"] = ""  # 0 is written for 「未記入」


KAIGO = Profile(
    name="kaigo",
    label="介護サービス情報公表システムのオープンデータ（事業所名, サービスの種類, 事業所番号…）",
    signature=("事業所名", "サービスの種類", "事業所番号"),
    columns={
        "name": ("事業所名",),
        "kana": ("事業所名カナ",),
        "address": ("住所",),
        "venue": ("方書（ビル名等）",),
        "public_contact": ("電話番号",),
        "organization": ("法人の名称",),
        "capacity": ("定員",),
        "url": ("URL",),
        "description": ("備考",),
        "lat": ("緯度",),
        "lon": ("経度",),
    },
    # One 事業所 offers several services, each its own row (and its own file): the service is
    # part of the key, and a 事業所番号 that repeats with another service is no repeat.
    key_columns=("事業所番号", "サービスの種類"),
    id_columns=("事業所番号", "サービスの種類"),
    kind_columns=("サービスの種類",),
    default_source="kaigo",
    source_column="サービスの種類",
    adjust=_kaigo_adjust,
)


# --- this project's own export ----------------------------------------------------------

OWN_COLUMNS: tuple[tuple[str, str], ...] = (
    ("出典", "source"),
    ("出典ID", "source_key"),
    ("種別", "kind"),
    ("名称", "name"),
    ("名称かな", "kana"),
    ("運営団体", "organization"),
    ("会場", "venue"),
    ("住所", "address"),
    ("緯度", "lat"),
    ("経度", "lon"),
    ("位置の精度", "location_precision"),
    ("対象範囲", "coverage"),
    ("対象範囲m", "coverage_m"),
    ("対象区域", "service_areas"),
    ("開催日時", "schedule_text"),
    ("休み", "closed_text"),
    ("参加費", "fee_text"),
    ("対象者", "target_text"),
    ("定員", "capacity"),
    ("送迎", "pickup"),
    ("飲食", "meals"),
    ("連絡先", "public_contact"),
    ("URL", "url"),
    ("状態", "status"),
    ("最終確認日", "verified_on"),
    ("タグ", "tags"),
    ("内容", "description"),
    ("元の種別", "kind_text"),
)

OWN = Profile(
    name="own",
    label="このシステムの書き出し形式（出典ID, 種別, 名称, 緯度, 経度…）",
    signature=("出典ID", "種別", "名称"),
    # 所在地 is read as 住所 too: a hand-made list in the own headers often says 所在地.
    columns={
        **{field_name: (header,) for header, field_name in OWN_COLUMNS},
        "address": ("住所", "所在地"),
    },
    key_columns=("出典ID",),
    id_columns=("出典ID",),
    kind_columns=("種別",),
)

# --- 社協・市町村の一覧表（サロン一覧など: 名称, 会場, 住所, 開催日時; 座標は無いのが普通） ----

LIST_NAME_HEADERS = ("名称", "サロン名", "団体名", "グループ名", "教室名", "会の名称", "施設名")
LIST_PLACE_HEADERS = (
    "会場", "会場名", "開催場所", "活動場所", "実施場所", "場所", "住所", "所在地",
)  # fmt: skip

LIST = Profile(
    name="list",
    label="一覧表（名称・会場・住所・開催日時など。緯度・経度は無くてもよい）",
    signature=(),
    columns={
        "name": LIST_NAME_HEADERS,
        "kana": ("ふりがな", "フリガナ", "名称かな", "よみがな"),
        "organization": ("運営団体", "主催", "主催者", "運営主体", "実施主体"),
        "venue": ("会場", "会場名", "開催場所", "活動場所", "実施場所", "場所"),
        "address": ("住所", "所在地", "会場住所", "会場の住所", "開催場所住所"),
        "schedule_text": (
            "開催日時",
            "開催日",
            "活動日",
            "活動日時",
            "日時",
            "開催曜日",
            "時間",
            "開催時間",
            "活動時間",
        ),
        "closed_text": ("休み", "休館日", "定休日"),
        "fee_text": ("参加費", "会費", "費用", "利用料"),
        "target_text": ("対象者", "対象"),
        "capacity": ("定員",),
        "public_contact": (
            "連絡先",
            "問い合わせ先",
            "問合せ先",
            "お問い合わせ",
            "電話番号",
            "電話",
        ),
        "description": ("内容", "活動内容", "備考"),
        "status": ("状態",),
        "lat": ("緯度",),
        "lon": ("経度",),
    },  # fmt: skip
    # The own format's 出典ID, when the list has one; without it, name + address.
    key_columns=("出典ID",),
    id_columns=("出典ID",),
    kind_columns=("種別", "種類", "分類"),
)


def _looks_like_list(keys: set[str]) -> bool:
    """A list with a name column and a venue or address column, whatever else it has."""
    return any(header_key(h) in keys for h in LIST_NAME_HEADERS) and any(
        header_key(h) in keys for h in LIST_PLACE_HEADERS
    )


PROFILES: dict[str, Profile] = {p.name: p for p in (OWN, CAREMAP, MHLW, KAIGO, STANDARD, LIST)}


def detect_profile(headers: tuple[str, ...]) -> Profile:
    """The first profile (in PROFILES order) whose signature columns the file has.

    FileProblem when none fits. The own format is tried first, as it is the most specific.
    """
    keys = {header_key(h) for h in headers}
    found = [p for p in PROFILES.values() if p.signature and p.matches(keys)]
    if not found and _looks_like_list(keys):
        found = [LIST]
    if not found:
        raise FileProblem(
            "列の見出しから形式がわかりません。--profile で形式を選ぶか、--map で列を対応させて"
            "ください（形式: " + "、".join(PROFILES) + "）"
        )
    return found[0]


def mapped_profile(mapping: Mapping[str, str]) -> Profile:
    """The own profile with the file's headers renamed: {"施設名": "名称", …}.

    Targets are the own format's headers (名称, 住所, 緯度…); unknown targets are refused.
    """
    known = dict(OWN_COLUMNS)
    renamed: dict[str, tuple[str, ...]] = {f: (h,) for h, f in OWN_COLUMNS}
    for file_header, target in mapping.items():
        if target not in known:
            raise FileProblem(
                f"--map の「{target}」は項目名ではありません（使える項目: {'、'.join(known)}）"
            )
        renamed[known[target]] = (file_header,)
    key = renamed["source_key"]
    return Profile(
        name="mapped",
        label="列の対応を指定した形式",
        signature=(),
        columns=renamed,
        key_columns=key,
        id_columns=key,
        kind_columns=renamed["kind"],
    )
