"""Every query parameter of the pages and the API, declared once: which routes accept it, how
its value is read and checked, the Japanese message when it is wrong, and its OpenAPI schema.

``parse_args`` reads a route's parameters with these declarations; ``mapapp.web.openapi``
builds the document's ``parameters`` from the same ones, so what is documented is what is
accepted. Routes in the OpenAPI document are *strict*: an unknown parameter, a repeated one or
an empty value is refused (400), as scripts want to hear about their typing mistakes. Resident
pages are lenient: they ignore parameters they do not know (utm tags, old links) and read an
empty value as "not given", as the filter forms send ``weekday=`` for いつでも.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mapapp.geo import InvalidCoordinate, check_lat_lon
from mapapp.models import NeedStatus, ResourceStatus
from mapapp.search import DEFAULT_RADIUS_M, MAX_RADIUS_M
from mapapp.web.errors import BadParameter

MAX_ID = 2**31 - 1  # the largest integer every supported database keeps in an INTEGER column
MAX_WORDS = 100  # characters of q: a name or two, never a pasted page
FIRST_DATE = dt.date(2000, 1, 1)  # earlier dates are typing mistakes, not plans
YEARS_AHEAD = 5  # dates run to 31 December of the year five years from today
API_LIMIT = 100  # the API's page size when `limit` is not given (largest: API_PAGE_LIMIT)
LIST_LIMIT = 50  # cards on the near and search pages when `limit` is not given
MAX_LIST = 200  # and the most they show
_SHOWN_RAW = 30  # characters of a wrong value repeated in a message

_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LAT = r"(?:[23][0-9]|4[0-5])(?:\.[0-9]+)?|46(?:\.0+)?"  # 20 … 46 (geo.JAPAN_LAT)
_LON = r"(?:12[2-9]|1[34][0-9]|15[0-3])(?:\.[0-9]+)?|154(?:\.[0-4][0-9]*|\.50*)?"  # 122 … 154.5
NEAR_PATTERN = rf"^(?:{_LAT}),(?:{_LON})$"  # "35.04,137.06": a point in Japan (geo.JAPAN_*)


@dataclass(frozen=True)
class Context:
    """What some declarations depend on: the taxonomy's kinds, the API's largest page, today."""

    kinds: tuple[str, ...]
    api_page_limit: int
    today: dt.date

    @property
    def last_date(self) -> dt.date:
        return dt.date(self.today.year + YEARS_AHEAD, 12, 31)


Bound = int | float | Callable[[Context], int] | None


@dataclass(frozen=True)
class Param:
    """One query parameter. ``type`` is one of: integer, number, text, flag (1 or 0), date
    (2026-06-11), list (comma-separated ``choices``), point (緯度,経度 in Japan)."""

    name: str
    label: str  # Japanese, as residents read it in a message: 曜日
    description: str  # for the OpenAPI document
    type: str
    minimum: Bound = None
    maximum: Bound = None
    default: Any = None
    choices: Callable[[Context], tuple[str, ...]] | None = None
    max_length: int | None = None

    @property
    def shown(self) -> str:
        """How messages name it: 「曜日（weekday）」, the word residents know and the real name."""
        return f"{self.label}（{self.name}）"

    def bounds(self, context: Context) -> tuple[Any, Any]:
        if self.type == "date":
            return FIRST_DATE, context.last_date
        lo, hi = self.minimum, self.maximum
        return (lo(context) if callable(lo) else lo, hi(context) if callable(hi) else hi)

    def read(self, raws: list[str], context: Context, *, strict: bool) -> Any:
        """The value of ``raws`` (every occurrence in the query string); BadParameter when it
        is not one this parameter accepts."""
        if self.type == "list":
            return self._read_list(raws, context, strict=strict)
        if len(raws) > 1:
            self._fail(f"は一つだけ指定してください（{len(raws)} 個ありました）")
        if not raws:
            return self.default
        raw = raws[0]
        if self.type == "text":
            return self._read_text(raw, context)
        if not strict:  # forms: " 3 " is 3, and an empty box is no choice
            raw = raw.strip()
            if raw == "":
                return self.default
        if raw == "":
            self._fail(f"が空です。値を書くか、{self.name} ごと省いてください")
        return getattr(self, f"_read_{self.type}")(raw, context)

    def schema(self, context: Context) -> dict:
        """The JSON Schema of the value, as the OpenAPI document gives it."""
        lo, hi = self.bounds(context)
        if self.type in ("integer", "number"):
            schema = {"type": self.type, "minimum": lo, "maximum": hi}
        elif self.type == "text":
            schema = {"type": "string", "maxLength": self.max_length}
        elif self.type == "flag":
            return {"type": "integer", "enum": [0, 1], "default": 0}
        elif self.type == "date":
            schema = {"type": "string", "format": "date", "pattern": date_pattern(lo, hi)}
        elif self.type == "list":
            item = {"type": "string", "enum": list(self.choices(context))}
            schema = {"type": "array", "items": item, "minItems": 1}
        else:  # point
            schema = {"type": "string", "pattern": NEAR_PATTERN, "examples": ["35.04,137.06"]}
        if self.default not in (None, (), ""):
            schema["default"] = self.default
        return schema

    def openapi(self, context: Context) -> dict:
        """The OpenAPI parameter object: lists are written ``kind=salon,ibasho``."""
        parameter = {
            "name": self.name,
            "in": "query",
            "description": self.description,
            "schema": self.schema(context),
        }
        if self.type == "list":
            parameter |= {"style": "form", "explode": False}
        return parameter

    def _fail(self, problem: str, code: str = "invalid_parameter"):
        raise BadParameter(self.name, f"{self.shown}{problem}", code)

    def _got(self, raw: str) -> str:
        shown = raw if len(raw) <= _SHOWN_RAW else raw[:_SHOWN_RAW] + "…"
        return f"（「{shown}」が指定されました）"

    def _read_integer(self, raw: str, context: Context) -> int:
        lo, hi = self.bounds(context)
        # ASCII digits only: int() would also take "٣", "1_000" and " 7 ", which the document
        # does not promise; 12 digits are more than any bound here.
        if not _INTEGER.fullmatch(raw) or len(raw) > 12 or not lo <= int(raw) <= hi:
            self._fail(f"は {lo} から {hi} までの整数で指定してください{self._got(raw)}")
        return int(raw)

    def _read_number(self, raw: str, context: Context) -> float:
        lo, hi = self.bounds(context)
        if not _NUMBER.fullmatch(raw) or len(raw) > 30 or not lo <= float(raw) <= hi:
            self._fail(f"は {lo} から {hi} までの数で指定してください{self._got(raw)}")
        return float(raw)

    def _read_text(self, raw: str, context: Context) -> str:
        # Counted as sent, as the document's maxLength counts; the spaces around go after.
        if self.max_length is not None and len(raw) > self.max_length:
            self._fail(
                f"は {self.max_length} 文字以内で指定してください（{len(raw)} 文字ありました）"
            )
        return raw.strip()

    def _read_flag(self, raw: str, context: Context) -> bool:
        if raw not in ("0", "1"):
            self._fail(f"は 1（はい）か 0（いいえ）で指定してください{self._got(raw)}")
        return raw == "1"

    def _read_date(self, raw: str, context: Context) -> dt.date:
        # fromisoformat alone would also take 20260611 and 2026-W24-4.
        try:
            value = dt.date.fromisoformat(raw) if _ISO_DATE.fullmatch(raw) else None
        except ValueError:
            value = None
        if value is None:
            self._fail(f"は 2026-06-11 の形で、ある日付を指定してください{self._got(raw)}")
        first, last = self.bounds(context)
        if not first <= value <= last:
            self._fail(f"は {first} から {last} までの日付で指定してください{self._got(raw)}")
        return value

    def _read_point(self, raw: str, context: Context) -> tuple[float, float]:
        if re.fullmatch(NEAR_PATTERN, raw):
            lat, lon = raw.split(",")
            return float(lat), float(lon)
        parts = raw.split(",")
        if len(parts) == 2 and all(_NUMBER.fullmatch(p.lstrip("-")) for p in parts):
            try:  # numbers, but where? say so (out of Japan, or lat and lon swapped)
                check_lat_lon(float(parts[0]), float(parts[1]))
            except InvalidCoordinate as exc:
                self._fail(f"が使えません: {exc}")
        self._fail(f"は 緯度,経度 の形で指定してください（例: 35.04,137.06）{self._got(raw)}")

    def _read_list(self, raws: list[str], context: Context, *, strict: bool) -> tuple[str, ...]:
        # Pages send one kind= per ticked box; the API takes one parameter, comma-separated.
        if strict and len(raws) > 1:
            self._fail(f"は一つにまとめ、カンマ区切りにしてください（{len(raws)} 個ありました）")
        items = [item.strip() for raw in raws for item in raw.split(",")]
        if strict and "" in items:
            self._fail(f"に空の値があります{self._got(','.join(raws))}")
        items = [item for item in items if item]
        allowed = self.choices(context)
        unknown = [item for item in dict.fromkeys(items) if item not in allowed]
        if unknown:
            named = "、".join(f"「{u[:_SHOWN_RAW]}」" for u in unknown[:5])
            hint = f"（使えるもの: {', '.join(allowed)}）" if len(allowed) <= 8 else ""
            self._fail(f"に{named}はありません{hint}")
        return tuple(dict.fromkeys(items)) or self.default


def date_pattern(first: dt.date, last: dt.date) -> str:
    """A regular expression for exactly the calendar dates of the years ``first.year`` …
    ``last.year`` (``first`` must be 1 January and ``last`` 31 December), 29 February only in
    leap years: the document's way of saying which dates are accepted."""
    years = range(first.year, last.year + 1)
    every = "|".join(str(y) for y in years)
    leap = "|".join(str(y) for y in years if calendar.isleap(y))
    month_day = (
        "(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
        "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
        "|02-(?:0[1-9]|1[0-9]|2[0-8])"
    )
    return f"^(?:(?:{every})-(?:{month_day})|(?:{leap})-02-29)$"


def _kinds(context: Context) -> tuple[str, ...]:
    return context.kinds


def _statuses(context: Context) -> tuple[str, ...]:
    return tuple(s.value for s in ResourceStatus)


def _api_page_limit(context: Context) -> int:
    return context.api_page_limit


LAYER = Param("layer", "層", "1=市町村, 2=日常生活圏域, 3=町丁", "integer", 1, 3)
Q = Param(
    "q",
    "ことば",
    "名前・会場・団体・種類（かな・表記ゆれ・小さな誤りを許容）。前後の空白は除きます",
    "text",
    default="",
    max_length=MAX_WORDS,
)
NEAR = Param("near", "場所", "緯度,経度（日本の範囲、例: 35.04,137.06）。近い順になります", "point")
LAT = Param("lat", "緯度", "地図で選んだ場所の緯度", "number", 20.0, 46.0)
LON = Param("lon", "経度", "地図で選んだ場所の経度", "number", 122.0, 154.5)
PLACE = Param("place", "町名", "町丁・区域の id（その代表点から探します）", "integer", 1, MAX_ID)
RADIUS_M = Param(
    "radius_m",
    "半径",
    "near からの半径（メートル）。near が無いときは使いません",
    "integer",
    1,
    MAX_RADIUS_M,
    DEFAULT_RADIUS_M,
)
KIND = Param("kind", "種類", "種別コード（カンマ区切りで複数）", "list", default=(), choices=_kinds)
AREA = Param("area", "区域", "区域 id（その区域にあるもの）", "integer", 1, MAX_ID)
WEEKDAY = Param("weekday", "曜日", "この曜日に開いているもの（0=月 … 6=日）", "integer", 0, 6)
DATE = Param(
    "date",
    "日にち",
    f"この日に開かれるもの（祝日・年末年始・休みを考慮）。{FIRST_DATE} から "
    f"{YEARS_AHEAD} 年後の 12 月 31 日まで",
    "date",
)
THIS_WEEK = Param("this_week", "今週", "1: 今日から日曜日までに開かれるもの", "flag", default=False)
FREE = Param("free", "無料", "1: 無料のものだけ", "flag", default=False)
PICKUP = Param("pickup", "送迎", "1: 送迎のあるものだけ", "flag", default=False)
STATUS = Param(
    "status",
    "状態",
    "状態（カンマ区切りで複数）。省略時は closed（終了）以外。検索とも組み合わせられます",
    "list",
    default=(),
    choices=_statuses,
)
API_LIMIT_PARAM = Param("limit", "件数", "1ページの件数", "integer", 1, _api_page_limit, API_LIMIT)
OFFSET = Param("offset", "開始位置", "先頭から飛ばす件数", "integer", 0, MAX_ID, 0)
PAGE = Param("page", "ページ", "何ページ目か", "integer", 1, MAX_ID, 1)
LIST_LIMIT_PARAM = Param("limit", "件数", "表示する件数", "integer", 1, MAX_LIST, LIST_LIMIT)

FILTERS = (KIND, WEEKDAY, DATE, THIS_WEEK, FREE, PICKUP)


def _need_statuses(context: Context) -> tuple[str, ...]:
    return ("open", "all", *(s.value for s in NeedStatus))


# The staff API for matching (mapapp/web/matching_api.py).
NEED_STATUS = Param(
    "status",
    "状態",
    "相談の状態（カンマ区切りで複数）。open は 受付・調整中・手配済、all はすべて。省略時は open",
    "list",
    default=(),
    choices=_need_statuses,
)
NEED_KIND = Param("kind", "困りごと", "困りごと（コード・名前・別名）", "text", max_length=40)
PEOPLE_AREA = Param(
    "area", "区域", "区域 id（その区域の人。第1層なら中の第2層も）", "integer", 1, MAX_ID
)
AS_OF = Param(
    "as_of", "基準日", "この日の時点で判断します（保険・研修・希望日。省略時は今日）", "date"
)
EXCLUDED = Param(
    "excluded", "除外", "1: 条件で外れた担い手とその理由も（excluded）", "flag", default=False
)


@dataclass(frozen=True)
class Route:
    """The parameters one route (Flask endpoint) accepts; ``strict`` for documented routes."""

    params: tuple[Param, ...]
    strict: bool

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)


# Every route, by Flask endpoint. A test checks that each route of the app is here and that the
# OpenAPI document lists exactly these parameters for the routes it describes.
ROUTES: dict[str, Route] = {
    "api.areas": Route((LAYER,), strict=True),
    "api.resources": Route(
        (Q, NEAR, RADIUS_M, KIND, AREA, WEEKDAY, DATE, THIS_WEEK, FREE, PICKUP, STATUS)
        + (API_LIMIT_PARAM, OFFSET),
        strict=True,
    ),
    "api.resource": Route((), strict=True),
    "api.openapi": Route((), strict=True),
    "public.area_calendar": Route(FILTERS, strict=True),
    "public.resource_calendar": Route((), strict=True),
    "public.home": Route((), strict=False),
    "public.area": Route((*FILTERS, PAGE), strict=False),
    "public.area_print": Route((*FILTERS, PAGE), strict=False),
    "public.resource": Route((), strict=False),
    "public.near": Route((LAT, LON, PLACE, RADIUS_M, *FILTERS, LIST_LIMIT_PARAM), strict=False),
    "public.search_page": Route((Q, *FILTERS, LIST_LIMIT_PARAM), strict=False),
    "public.search_print": Route((Q, *FILTERS, LIST_LIMIT_PARAM), strict=False),
    "public.kind_styles": Route((), strict=False),
    # Staff pages (mapapp/web/staff.py): forms post their fields; lists read ``q`` themselves.
    **{
        f"staff.{name}": Route((), strict=False)
        for name in (
            "sign_in",
            "sign_out",
            "home",
            "resource_list",
            "review_page",
            "new_resource",
            "edit_resource",
            "create_resource",
            "save_resource",
            "confirm_resource",
            "resource_history",
            "restore_resource",
            "correction_list",
            "approve_correction",
            "reject_correction",
            "account_list",
            "create_account",
            "set_active",
            "update_account",
            "audit_log",
            "audit_csv",
        )
    },  # fmt: skip
    # Staff pages for files (mapapp/web/staff_files.py): uploads and forms post their fields.
    **{
        f"staff_files.{name}": Route((), strict=False)
        for name in (
            "import_page",
            "check_import",
            "confirm_import",
            "area_page",
            "check_areas",
            "replace_areas",
            "export_page",
            "download_export",
        )
    },  # fmt: skip
    # Staff pages for matching (mapapp/web/matching.py): lists read their own filters.
    **{
        f"matching.{name}": Route((), strict=False)
        for name in (
            "need_list",
            "new_need",
            "create_need",
            "need_page",
            "edit_need",
            "save_need",
            "change_status",
            "candidates_page",
            "propose",
            "proposal_step",
            "volunteer_list",
            "new_volunteer",
            "create_volunteer",
            "volunteer_page",
            "edit_volunteer",
            "save_volunteer",
            "redeem_points",
            "batch_page",
            "accept_batch",
            "delete_need",
            "delete_volunteer",
            "needs_csv",
            "volunteers_csv",
        )
    },  # fmt: skip
    "suggest.correction": Route((), strict=False),
    "suggest.new_place": Route((), strict=False),
    # The staff API (mapapp/web/staff_api.py).
    "staff_api.resource": Route((), strict=True),
    "staff_api.change_resource": Route((), strict=True),
    "staff_api.create_resource": Route((), strict=True),
    "staff_api.resource_history": Route((), strict=True),
    "staff_api.confirm_resource": Route((), strict=True),
    "staff_api.restore_resource": Route((), strict=True),
    "staff_api.review_list": Route((AREA,), strict=True),
    "staff_api.schedule_reading": Route((), strict=True),
    "staff_api.correction_list": Route((), strict=True),
    "staff_api.approve_correction": Route((), strict=True),
    "staff_api.reject_correction": Route((), strict=True),
    # The staff API for matching (mapapp/web/matching_api.py).
    "matching_api.need_list": Route(
        (NEED_STATUS, NEED_KIND, PEOPLE_AREA, API_LIMIT_PARAM, OFFSET), strict=True
    ),
    "matching_api.follow_ups": Route((), strict=True),
    "matching_api.create_need": Route((), strict=True),
    "matching_api.need": Route((), strict=True),
    "matching_api.change_need": Route((), strict=True),
    "matching_api.change_need_status": Route((), strict=True),
    "matching_api.candidates": Route((AS_OF, EXCLUDED), strict=True),
    "matching_api.propose": Route((), strict=True),
    "matching_api.proposal_asked": Route((), strict=True),
    "matching_api.proposal_accepted": Route((), strict=True),
    "matching_api.proposal_declined": Route((), strict=True),
    "matching_api.proposal_done": Route((), strict=True),
    "matching_api.proposal_cancelled": Route((), strict=True),
    "matching_api.volunteer_list": Route((PEOPLE_AREA, API_LIMIT_PARAM, OFFSET), strict=True),
    "matching_api.create_volunteer": Route((), strict=True),
    "matching_api.volunteer": Route((), strict=True),
    "matching_api.change_volunteer": Route((), strict=True),
    "matching_api.redeem_points": Route((), strict=True),
    "matching_api.batch_proposal": Route((), strict=True),
    "matching_api.delete_need": Route((), strict=True),
    "matching_api.delete_volunteer": Route((), strict=True),
}
_UNDECLARED = Route((), strict=False)  # a route added without a declaration reads nothing
_TOGETHER = (("lat", "lon"),)  # given together or not at all


def parse_args(endpoint: str | None, args: Mapping, context: Context) -> dict[str, Any]:
    """{name: value} for every parameter the route declares (its default when not given).

    ``args`` is a werkzeug MultiDict (``request.args``). Raises BadParameter, whose ``field``
    names the parameter and whose message says what was expected and what came.
    """
    route = ROUTES.get(endpoint or "", _UNDECLARED)
    if route.strict:
        for name in args:
            if name not in route.names:
                allowed = ", ".join(route.names) or "なし"
                message = f"「{name[:_SHOWN_RAW]}」というパラメーターはありません"
                raise BadParameter(name, f"{message}（使えるもの: {allowed}）", "unknown_parameter")
    values = {
        p.name: p.read(args.getlist(p.name), context, strict=route.strict) for p in route.params
    }
    for pair in _TOGETHER:
        given = [name for name in pair if name in values and values[name] is not None]
        if len(given) == 1:
            missing = next(p for p in route.params if p.name in pair and p.name not in given)
            raise BadParameter(missing.name, f"{missing.shown}も指定してください")
    return values
