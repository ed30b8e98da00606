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
    specific first.
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


# --- 自治体標準オープンデータセット（公共施設一覧・介護サービス事業所一覧 など） -------------


def _standard_adjust(values: Mapping[str, str], out: Fields) -> None:
    if not out.get("address"):
        out["address"] = values.get(header_key("所在地_連結表記"), "").strip()


STANDARD = Profile(
    name="standard",
    label="自治体標準オープンデータセット（名称, 名称_カナ, 住所, 緯度, 経度…）",
    signature=("名称", "名称_カナ", "緯度", "経度"),
    columns={
        "name": ("名称",),
        "kana": ("名称_カナ",),
        "address": ("住所",),
        "venue": ("方書",),
        "public_contact": ("電話番号",),
        "url": ("URL",),
        "description": ("備考",),
        "lat": ("緯度",),
        "lon": ("経度",),
    },
    key_columns=("ID",),
    id_columns=("ID",),
    kind_columns=("種別", "サービス種別", "分類", "種類"),
    adjust=_standard_adjust,
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
    signature=("出典ID", "種別", "名称", "緯度", "経度"),
    columns={field_name: (header,) for header, field_name in OWN_COLUMNS},
    key_columns=("出典ID",),
    id_columns=("出典ID",),
    kind_columns=("種別",),
    default_source="own",
)

PROFILES: dict[str, Profile] = {p.name: p for p in (OWN, CAREMAP, MHLW, STANDARD)}


def detect_profile(headers: tuple[str, ...]) -> Profile:
    """The first profile (in PROFILES order) whose signature columns the file has.

    FileProblem when none fits. The own format is tried first, as it is the most specific.
    """
    keys = {header_key(h) for h in headers}
    found = [p for p in PROFILES.values() if p.matches(keys)]
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
