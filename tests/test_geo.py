"""Distances, walking minutes and point-in-area, on figures checkable by hand."""

import math

import pytest
from shapely.geometry import box

from mapapp.geo import (
    AreaShape,
    InvalidCoordinate,
    areas_containing,
    check_lat_lon,
    distance_m,
    repair_polygon,
    walk_min,
)


def test_one_degree_of_latitude_is_about_111_km():
    assert distance_m(34.0, 137.0, 35.0, 137.0) == pytest.approx(111_195, rel=1e-3)


def test_longitude_shrinks_with_cos_latitude():
    expected = 111_195 * math.cos(math.radians(35.0)) * 0.01
    assert distance_m(35.0, 137.0, 35.0, 137.01) == pytest.approx(expected, rel=1e-3)


def test_distance_is_vectorised():
    import numpy as np

    got = distance_m(35.0, 137.0, np.array([35.0, 35.001]), np.array([137.0, 137.0]))
    assert got[0] == 0 and got[1] == pytest.approx(111.2, rel=1e-2)


@pytest.mark.parametrize(("metres", "minutes"), [(0, 0), (1, 1), (60, 1), (61, 2), (550, 10)])
def test_walk_min_rounds_up(metres, minutes):
    assert walk_min(metres, 60) == minutes


def test_walk_min_needs_a_speed():
    with pytest.raises(ValueError, match="positive walking speed"):
        walk_min(100, 0)


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        (137.5, 34.7, "緯度と経度が逆のようです"),
        (0.0, 0.0, "日本の範囲外です"),
        (float("nan"), 137.0, "finite"),
    ],
)
def test_check_lat_lon(lat, lon, message):
    with pytest.raises(InvalidCoordinate, match=message):
        check_lat_lon(lat, lon)


def test_areas_containing_respects_layers_and_boundaries():
    left = AreaShape(1, 2, box(0, 0, 1, 1))
    right = AreaShape(2, 2, box(1, 0, 2, 1))
    across = AreaShape(3, 3, box(0, 0, 2, 0.5))
    found = areas_containing([0.25, 0.75, 0.75, 5], [0.5, 0.5, 1.0, 5], [left, right, across])
    assert [[a.id for a in f] for f in found] == [[1, 3], [1], [1, 2], []]


def test_repair_polygon():
    from shapely.geometry import LineString, Polygon

    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    fixed, repaired = repair_polygon(bowtie)
    assert repaired and fixed.is_valid and fixed.area == pytest.approx(0.5)
    assert repair_polygon(LineString([(0, 0), (1, 1)])) == (None, False)
    assert repair_polygon(None) == (None, False)
