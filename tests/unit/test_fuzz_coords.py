"""Coordinate conversion under arbitrary input: what ``tests/unit/test_coords.py`` checks
at chosen points, checked here over the whole plane and over junk.

What must hold: a round trip through GCJ-02 or BD-09 comes back within 1 cm anywhere in
China; outside the GCJ-02 box a WGS-84 point is GCJ-02 unchanged; ``check_point`` turns
any value at all (NaN, ±inf, text, None, out-of-range numbers) into either a WGS-84
point inside China or a ``CoordinateError`` whose message, field-free hint and reason say
what to fix -- never a TypeError, OverflowError or a silent NaN.
"""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from lianqin.errors import InvalidInput
from lianqin.geo.coords import (
    CHINA_BOUNDS,
    CoordinateError,
    Crs,
    check_point,
    distance_m,
    from_wgs84,
    in_china,
    out_of_china,
    parse_crs,
    to_wgs84,
    wgs84_to_gcj02,
)

FAST = settings(max_examples=150, deadline=None)
china_lon = st.floats(min_value=CHINA_BOUNDS[0], max_value=CHINA_BOUNDS[2])
china_lat = st.floats(min_value=CHINA_BOUNDS[1], max_value=CHINA_BOUNDS[3])
any_float = st.floats(allow_nan=True, allow_infinity=True)
junk = st.one_of(
    any_float,
    st.integers(min_value=-(10**400), max_value=10**400),
    st.text(max_size=20),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.sampled_from(["nan", "inf", "-inf", "1e400", "118.6", " 32.05 ", "", "１１８.６"]),
)
REASONS = {"zero", "not_a_number", "out_of_range", "swapped", "outside_china", "outside_area"}


@FAST
@given(china_lon, china_lat, st.sampled_from([Crs.GCJ02, Crs.BD09]))
def test_round_trip_within_a_centimetre(lon: float, lat: float, crs: Crs) -> None:
    there = from_wgs84(lon, lat, crs)
    back = to_wgs84(*there, crs)
    assert distance_m(lon, lat, *back) < 0.01


@FAST
@given(any_float, any_float)
def test_outside_the_gcj_box_gcj02_is_the_identity(lon: float, lat: float) -> None:
    if out_of_china(lon, lat):
        assert wgs84_to_gcj02(lon, lat) == (lon, lat) or math.isnan(lon) or math.isnan(lat)
        assert to_wgs84(lon, lat, Crs.GCJ02) == (lon, lat) or math.isnan(lon) or math.isnan(lat)


@settings(max_examples=300, deadline=None)
@given(junk, junk, st.sampled_from(list(Crs)))
def test_any_value_is_a_point_in_china_or_a_clear_refusal(
    lon: object, lat: object, crs: Crs
) -> None:
    try:
        wlon, wlat = check_point(lon, lat, crs=crs)  # type: ignore[arg-type]
    except CoordinateError as exc:
        assert exc.reason in REASONS
        assert exc.message and exc.hint
        assert exc.as_dict()["reason"] == exc.reason
        return
    assert math.isfinite(wlon) and math.isfinite(wlat)
    # the plausibility checks ran on the point as sent, which was in China
    assert in_china(float(lon), float(lat))  # type: ignore[arg-type]


@FAST
@given(st.one_of(any_float, st.just(math.nan)), st.one_of(any_float, st.just(math.inf)))
def test_nan_and_inf_are_refused_as_not_a_number(lon: float, lat: float) -> None:
    if math.isfinite(lon) and math.isfinite(lat):
        return
    try:
        check_point(lon, lat)
    except CoordinateError as exc:
        assert exc.reason == "not_a_number" and "坐标" in exc.message
    else:
        raise AssertionError(f"{lon}, {lat} was accepted")


@FAST
@given(
    st.floats(min_value=-1e300, max_value=1e300).filter(lambda v: abs(v) > 180),
    st.floats(min_value=-1e300, max_value=1e300),
)
def test_out_of_range_numbers_are_refused(lon: float, lat: float) -> None:
    try:
        check_point(lon, lat)
    except CoordinateError as exc:
        assert exc.reason in {"zero", "swapped", "out_of_range"}
    else:
        raise AssertionError(f"{lon}, {lat} was accepted")


@FAST
@given(china_lon, china_lat, st.floats(min_value=0, max_value=5000))
def test_the_area_check_refuses_only_what_lies_outside(
    lon: float, lat: float, margin: float
) -> None:
    bounds = (118.4, 31.9, 118.9, 32.3)
    try:
        wlon, wlat = check_point(lon, lat, bounds=bounds, margin_m=margin)
    except CoordinateError as exc:
        assert exc.reason in {"zero", "outside_area"}
        return
    assert 118.3 < wlon < 119.0 and 31.8 < wlat < 32.4


@FAST
@given(st.text(max_size=30))
def test_any_crs_name_is_a_crs_or_invalid_input(text: str) -> None:
    try:
        crs = parse_crs(text)
    except InvalidInput as exc:
        assert exc.field == "crs" and "wgs84" in exc.hint
        return
    assert parse_crs(crs.value) is crs
