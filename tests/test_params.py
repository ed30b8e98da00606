"""The parameter declarations: how values are read, what the messages say, and that every
route's declaration, the OpenAPI document and what the app accepts are one and the same."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from mapapp.geo import InvalidCoordinate, check_lat_lon
from mapapp.web.errors import BadParameter
from mapapp.web.openapi import PATHS, openapi_document
from mapapp.web.params import (
    API_LIMIT_PARAM,
    DATE,
    FIRST_DATE,
    FREE,
    KIND,
    LAT,
    NEAR,
    NEAR_PATTERN,
    OFFSET,
    PAGE,
    ROUTES,
    STATUS,
    THIS_WEEK,
    WEEKDAY,
    Context,
    Q,
    date_pattern,
    parse_args,
)
from mapapp.web.query import param_context
from mapapp.web.staff_openapi import STAFF_OPERATIONS

README = Path(__file__).resolve().parent.parent / "README.md"
CONTEXT = Context(kinds=("salon", "ibasho"), api_page_limit=500, today=dt.date(2026, 6, 11))


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


@pytest.mark.parametrize(
    ("param", "raws", "strict", "value"),
    [
        (WEEKDAY, [], True, None),
        (WEEKDAY, ["3"], True, 3),
        (WEEKDAY, [""], False, None),  # the form's いつでも
        (WEEKDAY, [" 3 "], False, 3),
        (API_LIMIT_PARAM, [], True, 100),
        (API_LIMIT_PARAM, ["500"], True, 500),
        (OFFSET, ["0"], True, 0),
        (PAGE, ["007"], False, 7),
        (FREE, ["1"], True, True),
        (FREE, ["0"], True, False),
        (FREE, [""], False, False),
        (THIS_WEEK, [], True, False),
        (DATE, ["2000-01-01"], True, dt.date(2000, 1, 1)),
        (DATE, ["2031-12-31"], True, dt.date(2031, 12, 31)),  # five years on, to the year's end
        (DATE, ["2028-02-29"], True, dt.date(2028, 2, 29)),
        (DATE, [""], False, None),  # an empty date box
        (Q, ["  ふれあい "], True, "ふれあい"),
        (Q, ["   "], True, ""),
        (Q, [""], True, ""),
        (KIND, ["salon,ibasho"], True, ("salon", "ibasho")),
        (KIND, ["salon", "ibasho"], False, ("salon", "ibasho")),  # one per ticked box
        (KIND, ["salon,salon"], True, ("salon",)),
        (KIND, [""], False, ()),
        (STATUS, ["closed,active"], True, ("closed", "active")),
        (NEAR, ["35.04,137.06"], True, (35.04, 137.06)),
        (NEAR, ["46,154.5"], True, (46.0, 154.5)),
        (LAT, ["35.041234"], False, 35.041234),
    ],
)
def test_values_are_read(param, raws, strict, value):
    assert param.read(raws, CONTEXT, strict=strict) == value


@pytest.mark.parametrize(
    ("param", "raws", "strict", "message"),
    [
        (
            WEEKDAY,
            ["9"],
            False,
            "曜日（weekday）は 0 から 6 までの整数で指定してください（「9」が指定されました）",
        ),
        (
            WEEKDAY,
            ["٣"],
            True,
            "曜日（weekday）は 0 から 6 までの整数",
        ),  # int() reads it; the document does not
        (WEEKDAY, [" 3"], True, "曜日（weekday）は 0 から 6 までの整数"),
        (WEEKDAY, ["1", "2"], False, "曜日（weekday）は一つだけ指定してください（2 個ありました）"),
        (WEEKDAY, [""], True, "曜日（weekday）が空です。値を書くか、weekday ごと省いてください"),
        (API_LIMIT_PARAM, ["501"], True, "件数（limit）は 1 から 500 までの整数"),
        (API_LIMIT_PARAM, ["1_0"], True, "件数（limit）は 1 から 500 までの整数"),
        (API_LIMIT_PARAM, ["1.0"], True, "件数（limit）は 1 から 500 までの整数"),
        (OFFSET, ["-1"], True, "開始位置（offset）は 0 から 2147483647 までの整数"),
        (OFFSET, ["9" * 5000], True, "開始位置（offset）は 0 から 2147483647 までの整数"),
        (
            FREE,
            ["yes"],
            True,
            "無料（free）は 1（はい）か 0（いいえ）で指定してください（「yes」が指定されました）",
        ),
        (FREE, ["on"], False, "無料（free）は 1（はい）か 0（いいえ）"),
        (FREE, ["true"], False, "無料（free）は 1（はい）か 0（いいえ）"),
        (THIS_WEEK, ["2"], True, "今週（this_week）は 1（はい）か 0（いいえ）"),
        (
            DATE,
            ["9999-12-31"],
            True,
            "日にち（date）は 2000-01-01 から 2031-12-31 までの日付で指定してください",
        ),
        (DATE, ["9999-12-25"], False, "日にち（date）は 2000-01-01 から 2031-12-31 までの日付"),
        (DATE, ["1999-12-31"], True, "日にち（date）は 2000-01-01 から 2031-12-31 までの日付"),
        (DATE, ["2032-01-01"], True, "日にち（date）は 2000-01-01 から 2031-12-31 までの日付"),
        (
            DATE,
            ["2026-02-29"],
            True,
            "日にち（date）は 2026-06-11 の形で、ある日付を指定してください",
        ),
        (DATE, ["20260611"], True, "日にち（date）は 2026-06-11 の形で"),  # fromisoformat reads it
        (DATE, ["2026-W24-4"], False, "日にち（date）は 2026-06-11 の形で"),
        (DATE, ["6月11日"], False, "日にち（date）は 2026-06-11 の形で"),
        (
            Q,
            ["あ" * 101],
            True,
            "ことば（q）は 100 文字以内で指定してください（101 文字ありました）",
        ),
        (Q, [" " * 100 + "あ"], False, "ことば（q）は 100 文字以内"),  # counted as sent
        (KIND, ["spaceship"], False, "種類（kind）に「spaceship」はありません"),
        (KIND, ["salon", "ibasho"], True, "種類（kind）は一つにまとめ、カンマ区切りにしてください"),
        (KIND, ["salon,"], True, "種類（kind）に空の値があります"),
        (KIND, [""], True, "種類（kind）に空の値があります"),
        (
            STATUS,
            ["sleeping"],
            True,
            "状態（status）に「sleeping」はありません（使えるもの: preparing, active, paused, closed）",
        ),
        (NEAR, ["0,0"], True, "場所（near）が使えません: 日本の範囲外です"),
        (NEAR, ["137.06,35.04"], True, "場所（near）が使えません: 緯度と経度が逆のようです"),
        (
            NEAR,
            ["35.04"],
            True,
            "場所（near）は 緯度,経度 の形で指定してください（例: 35.04,137.06）",
        ),
        (NEAR, ["35.04, 137.06"], True, "場所（near）は 緯度,経度 の形で"),
        (NEAR, ["3.504e1,137.06"], True, "場所（near）は 緯度,経度 の形で"),
        (LAT, ["north"], False, "緯度（lat）は 20.0 から 46.0 までの数で指定してください"),
        (LAT, ["nan"], False, "緯度（lat）は 20.0 から 46.0 までの数"),
    ],
)
def test_wrong_values_are_named_in_japanese(param, raws, strict, message):
    with pytest.raises(BadParameter) as caught:
        param.read(raws, CONTEXT, strict=strict)
    assert caught.value.field == param.name
    assert caught.value.code == "invalid_parameter"
    assert message in caught.value.message


def test_documented_routes_refuse_unknown_parameters_and_pages_ignore_them():
    args = MultiDict([("utm_source", "paper"), ("weekday", "2")])
    with pytest.raises(BadParameter) as caught:
        parse_args("api.resources", args, CONTEXT)
    assert caught.value.field == "utm_source" and caught.value.code == "unknown_parameter"
    assert "使えるもの: q, near, radius_m" in caught.value.message
    assert parse_args("public.area", args, CONTEXT)["weekday"] == 2


def test_lat_and_lon_come_together():
    with pytest.raises(BadParameter, match="経度（lon）も指定してください"):
        parse_args("public.near", MultiDict({"lat": "35.04"}), CONTEXT)
    values = parse_args("public.near", MultiDict({"lat": "35.04", "lon": "137.06"}), CONTEXT)
    assert (values["lat"], values["lon"]) == (35.04, 137.06)


def test_the_date_pattern_is_the_accepted_range():
    pattern = re.compile(date_pattern(FIRST_DATE, CONTEXT.last_date))
    day = dt.date(1999, 12, 1)
    while day <= dt.date(2032, 1, 31):
        accepted = FIRST_DATE <= day <= CONTEXT.last_date
        assert bool(pattern.fullmatch(day.isoformat())) == accepted, day
        day += dt.timedelta(days=1)
    for year in (2000, 2026, 2028, 2031):
        for month in range(1, 13):
            for number in range(1, 33):
                text = f"{year}-{month:02d}-{number:02d}"
                try:
                    real = bool(dt.date.fromisoformat(text))
                except ValueError:
                    real = False
                assert bool(pattern.fullmatch(text)) == real, text


@pytest.mark.parametrize(
    "lat", ["19.99", "20", "20.0", "35.04", "45.999", "46", "46.0", "46.01", "-35", "035"]
)
@pytest.mark.parametrize(
    "lon", ["121.9", "122", "137.06", "154", "154.49", "154.5", "154.50", "154.51", "155"]
)
def test_the_near_pattern_is_japan(lat, lon):
    decimal = re.compile(r"[1-9][0-9]*(?:\.[0-9]+)?")
    try:
        check_lat_lon(float(lat), float(lon))
        in_japan = True
    except InvalidCoordinate:
        in_japan = False
    expected = in_japan and bool(decimal.fullmatch(lat) and decimal.fullmatch(lon))
    assert bool(re.fullmatch(NEAR_PATTERN, f"{lat},{lon}")) == expected


def test_every_route_declares_its_parameters(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert endpoints == set(ROUTES)


def test_the_document_lists_exactly_the_declared_parameters(app):
    with app.app_context():
        doc = openapi_document(param_context(app))
    operations = {
        (re.sub(r"<[^>]*>", "{id}", rule.rule), method.lower()): rule.endpoint
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path in doc["paths"] for method in doc["paths"][path]}
    expected = {(path, "get"): endpoint for path, endpoint in PATHS.items()} | STAFF_OPERATIONS
    assert {op: operations[op] for op in documented} == expected
    api_routes = {e for e in ROUTES if e.startswith(("api.", "staff_api."))}
    assert api_routes <= set(expected.values())
    for (path, method), endpoint in expected.items():
        parameters = doc["paths"][path][method]["parameters"]
        query = [p["name"] for p in parameters if p["in"] == "query"]
        assert query == list(ROUTES[endpoint].names), path
        assert [p["name"] for p in parameters if p["in"] == "path"] == (
            ["id"] if "{id}" in path else []
        )
        assert ROUTES[endpoint].strict, f"{path} is documented, so it refuses what is not"


def _example(schema: dict, today: dt.date):
    """A value the schema allows, as a query string writes it."""
    if "enum" in schema:
        return str(schema["enum"][-1])
    if schema["type"] == "integer":
        return str(schema.get("default", schema["minimum"]))
    if schema["type"] == "array":
        return ",".join(schema["items"]["enum"][:2])
    if schema.get("format") == "date":
        return today.isoformat()
    return schema.get("examples", ["ふれあい"])[0]


def _documented_urls(client, app):
    """Each documented path with each of its parameters alone, filled with an allowed value."""
    area = client.get("/api/areas?layer=2").get_json()["features"][0]["id"]
    resource = client.get("/api/resources?limit=1").get_json()["features"][0]["id"]
    with app.app_context():
        context = param_context(app)
        doc = openapi_document(context)
    for path in doc["paths"]:
        if path.startswith("/api/staff/"):
            continue  # signed-in staff only: tests/test_staff_access.py
        base = path.replace("{id}", str(area if path.startswith("/areas") else resource))
        yield base, path
        for parameter in doc["paths"][path]["get"]["parameters"]:
            if parameter["in"] == "query":
                value = _example(parameter["schema"], context.today)
                yield f"{base}?{urlencode({parameter['name']: value})}", path


def test_what_is_documented_is_accepted_and_nothing_else(demo_app, demo_client):
    client = demo_client
    for url, path in _documented_urls(client, demo_app):
        assert client.get(url).status_code == 200, url
        unknown = client.get(f"{url}{'&' if '?' in url else '?'}utm_source=paper")
        assert unknown.status_code == 400, url
        if path.startswith("/api/"):
            error = unknown.get_json()["error"]
            assert (error["code"], error["field"]) == ("unknown_parameter", "utm_source")


def test_pages_ignore_unknown_parameters_and_name_fields_in_japanese(demo_client):
    client = demo_client
    assert client.get("/search?q=たいそう&utm_source=paper").status_code == 200
    assert client.get("/near?lat=35.04&lon=137.06&fbclid=x").status_code == 200
    page = client.get("/search?q=たいそう&date=2026-13-01")
    assert page.status_code == 400 and "text/html" in page.headers["Content-Type"]
    assert "日にち（date）は 2026-06-11 の形で、ある日付を指定してください" in page.get_data(
        as_text=True
    )
    page = client.get("/near?lat=35.04")
    assert page.status_code == 400 and "経度（lon）も指定してください" in page.get_data(
        as_text=True
    )


def test_the_readme_examples_use_declared_parameters():
    text = README.read_text("utf-8")
    api = text[text.index("## API") :]
    examples = re.findall(r"`GET (/api/[^`?]+)\?([^`]+)`", api)
    assert examples
    for path, query in examples:
        endpoint = PATHS[urlsplit(path).path]
        names = {name for name, _ in parse_qsl(query)}
        assert names <= set(ROUTES[endpoint].names), (path, names)
