"""Cell text to typed values."""

import datetime as dt

import pytest

from mapapp.importing.fields import (
    FieldProblem,
    parse_count,
    parse_coverage,
    parse_date,
    parse_flag,
    split_list,
)
from mapapp.models import Coverage


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("あり", True),
        ("有", True),
        ("1", True),
        ("○", True),
        ("なし", False),
        ("0", False),
        ("無", False),
        ("", None),
    ],
)
def test_parse_flag(text, value):
    assert parse_flag(text) is value


@pytest.mark.parametrize(
    ("text", "value"), [("20", 20), ("20人", 20), ("約30名", 30), ("２５", 25), ("", None)]
)
def test_parse_count(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize(
    "text",
    ["2026-06-01", "2026/6/1", "2026年6月1日", "令和8年6月1日", "R8.6.1", "2026-06-01T00:00:00"],
)
def test_parse_date(text):
    assert parse_date(text) == dt.date(2026, 6, 1)


@pytest.mark.parametrize("text", ["2026-13-01", "来月", "6/1"])
def test_parse_date_refuses(text):
    with pytest.raises(FieldProblem, match="日付"):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "value"), [("", Coverage.WALK), ("区域", Coverage.AREAS), ("町全域", Coverage.TOWN)]
)
def test_parse_coverage(text, value):
    assert parse_coverage(text) is value


def test_split_list():
    assert split_list("体操、脳トレ,交流／体操") == ["体操", "脳トレ", "交流"]
