"""Coordinate systems: the forward transforms agree with prcoords (the oracle, used only
here), the iterative inverses are exact to far better than 1 cm everywhere in China and
at least as accurate as prcoords' own precise inverse, and every bad point is refused
with the reason, the place and the fix. No Django: ``lianqin.geo.coords`` is pure.
"""

from __future__ import annotations

import math
import random
import warnings

import prcoords
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianqin.errors import InvalidInput
from lianqin.geo.coords import (
    CHINA_BOUNDS,
    CoordinateError,
    Crs,
    bd09_to_gcj02,
    bd09_to_wgs84,
    check_point,
    distance_m,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    out_of_china,
    parse_crs,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

NANJING = (118.63, 32.06)  # Pukou, WGS-84
PARIS = (2.35, 48.85)
ONE_CM = 0.01
FORWARD_AGREEMENT_DEG = 1e-9

lons = st.floats(min_value=73.5, max_value=135.0)
lats = st.floats(min_value=18.0, max_value=53.5)
systems = st.sampled_from(list(Crs))


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Planar distance for tiny separations: 1° of latitude ≈ 111.32 km, 1° of longitude
    ≈ 111.32 km · cos(latitude). Independent of ``distance_m`` on purpose."""
    dlat = (b[1] - a[1]) * 111_320.0
    dlon = (b[0] - a[0]) * 111_320.0 * math.cos(math.radians(a[1]))
    return math.hypot(dlon, dlat)


def sample(n: int, seed: int) -> list[tuple[float, float]]:
    """Points spread over all of China's box, the south sea included."""
    rng = random.Random(seed)
    min_lon, min_lat, max_lon, max_lat = CHINA_BOUNDS
    return [(rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)) for _ in range(n)]


# ---------------------------------------------------------------- forward transforms


@settings(max_examples=300, deadline=None)
@given(lons, lats)
def test_wgs84_to_gcj02_agrees_with_prcoords(lon, lat):
    ours = wgs84_to_gcj02(lon, lat)
    theirs = prcoords.wgs_gcj((lat, lon))
    assert abs(ours[0] - theirs.lon) < FORWARD_AGREEMENT_DEG
    assert abs(ours[1] - theirs.lat) < FORWARD_AGREEMENT_DEG


@settings(max_examples=300, deadline=None)
@given(lons, lats)
def test_bd09_forward_transforms_agree_with_prcoords(lon, lat):
    ours = gcj02_to_bd09(lon, lat)
    theirs = prcoords.gcj_bd((lat, lon))
    assert abs(ours[0] - theirs.lon) < FORWARD_AGREEMENT_DEG
    assert abs(ours[1] - theirs.lat) < FORWARD_AGREEMENT_DEG
    ours = wgs84_to_bd09(lon, lat)
    theirs = prcoords.wgs_bd((lat, lon))
    assert abs(ours[0] - theirs.lon) < FORWARD_AGREEMENT_DEG
    assert abs(ours[1] - theirs.lat) < FORWARD_AGREEMENT_DEG


def test_nanjing_offsets_are_the_known_few_hundred_metres():
    gcj = wgs84_to_gcj02(*NANJING)
    assert 100 < metres(NANJING, gcj) < 700
    assert gcj[0] > NANJING[0]  # in eastern China GCJ-02 drifts east
    bd = gcj02_to_bd09(*gcj)
    assert 500 < metres(gcj, bd) < 1500  # Baidu's own shift: 0.0065°, 0.006°, then warped
    assert wgs84_to_bd09(*NANJING) == bd


def test_outside_china_gcj02_is_the_identity_and_bd09_still_shifts():
    assert out_of_china(*PARIS) and not out_of_china(*NANJING)
    assert wgs84_to_gcj02(*PARIS) == PARIS
    assert gcj02_to_wgs84(*PARIS) == PARIS
    assert 500 < metres(PARIS, wgs84_to_bd09(*PARIS)) < 1500
    assert metres(PARIS, bd09_to_wgs84(*wgs84_to_bd09(*PARIS))) < ONE_CM


def test_the_gcj02_box_holds_all_of_china():
    """The GCJ-02 box is wider than our China box on every side, so no accepted point is
    ever near the box edge where forward and inverse could decide differently."""
    min_lon, min_lat, max_lon, max_lat = CHINA_BOUNDS
    margin = 0.01  # > 1 km: more than any GCJ-02 or BD-09 offset
    for lon in (min_lon - margin, max_lon + margin):
        for lat in (min_lat - margin, max_lat + margin):
            assert not out_of_china(lon, lat)


# ---------------------------------------------------------------- inverses


@settings(max_examples=300, deadline=None)
@given(lons, lats, systems)
def test_round_trip_through_wgs84_is_exact_to_a_centimetre(lon, lat, crs):
    back = from_wgs84(*to_wgs84(lon, lat, crs), crs)
    assert metres((lon, lat), back) < ONE_CM


@settings(max_examples=300, deadline=None)
@given(lons, lats, systems)
def test_round_trip_from_wgs84_is_exact_to_a_centimetre(lon, lat, crs):
    back = to_wgs84(*from_wgs84(lon, lat, crs), crs)
    assert metres((lon, lat), back) < ONE_CM


@settings(max_examples=300, deadline=None)
@given(lons, lats)
def test_inverses_meet_their_contract_of_one_nano_degree(lon, lat):
    """The forward transform of each inverse's answer is within 1e-9° of its input."""
    for inverse, forward in (
        (gcj02_to_wgs84, wgs84_to_gcj02),
        (bd09_to_gcj02, gcj02_to_bd09),
        (bd09_to_wgs84, wgs84_to_bd09),
    ):
        again = forward(*inverse(lon, lat))
        assert abs(again[0] - lon) < 1e-9 and abs(again[1] - lat) < 1e-9


@pytest.mark.parametrize(
    ("ours", "forward", "oracle"),
    [
        (gcj02_to_wgs84, wgs84_to_gcj02, prcoords.gcj_wgs_bored),
        (bd09_to_gcj02, gcj02_to_bd09, prcoords.bd_gcj_bored),
        (bd09_to_wgs84, wgs84_to_bd09, prcoords.bd_wgs_bored),
    ],
    ids=["gcj02_to_wgs84", "bd09_to_gcj02", "bd09_to_wgs84"],
)
def test_inverse_is_at_least_as_accurate_as_prcoords_precise_inverse(ours, forward, oracle):
    worst_ours = worst_theirs = 0.0
    for lon, lat in sample(2000, seed=3):
        mine = forward(*ours(lon, lat))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs_wgs = oracle((lat, lon))
        theirs = forward(theirs_wgs.lon, theirs_wgs.lat)
        err_ours, err_theirs = metres((lon, lat), mine), metres((lon, lat), theirs)
        assert err_ours <= err_theirs + 1e-9, (lon, lat, err_ours, err_theirs)
        worst_ours, worst_theirs = max(worst_ours, err_ours), max(worst_theirs, err_theirs)
    assert worst_ours < 1e-6  # a micrometre: the iteration runs to 1e-12°


def test_the_usual_closed_form_bd09_inverse_is_not_good_enough():
    """Why ``bd09_to_gcj02`` iterates: the textbook closed form misses by decimetres."""
    worst = 0.0
    for lon, lat in sample(2000, seed=5):
        closed = prcoords.bd_gcj((lat, lon))
        worst = max(worst, metres((lon, lat), gcj02_to_bd09(closed.lon, closed.lat)))
        assert metres((lon, lat), gcj02_to_bd09(*bd09_to_gcj02(lon, lat))) < 1e-6
    assert worst > ONE_CM


def test_nanjing_round_trips_in_every_system():
    for crs in Crs:
        shown = from_wgs84(*NANJING, crs)
        assert metres(NANJING, to_wgs84(*shown, crs)) < 1e-6
    assert to_wgs84(*NANJING, Crs.WGS84) == NANJING == from_wgs84(*NANJING, "WGS-84")


# ---------------------------------------------------------------- parse_crs


@pytest.mark.parametrize(
    ("text", "crs"),
    [
        ("WGS-84", Crs.WGS84),
        ("wgs84", Crs.WGS84),
        (" WGS84 ", Crs.WGS84),
        ("GPS", Crs.WGS84),
        ("CGCS2000", Crs.WGS84),
        ("EPSG:4326", Crs.WGS84),
        ("GCJ-02", Crs.GCJ02),
        ("gcj02", Crs.GCJ02),
        ("GCJ_02", Crs.GCJ02),
        ("火星坐标", Crs.GCJ02),
        ("火星坐标系", Crs.GCJ02),
        ("高德", Crs.GCJ02),
        ("腾讯", Crs.GCJ02),
        ("BD-09", Crs.BD09),
        ("bd09", Crs.BD09),
        ("BD09LL", Crs.BD09),
        ("百度", Crs.BD09),
        ("百度坐标系", Crs.BD09),
        (Crs.BD09, Crs.BD09),
    ],
)
def test_parse_crs_accepts_the_usual_spellings(text, crs):
    assert parse_crs(text) is crs


@pytest.mark.parametrize("text", ["", "mercator", "bd09mc", "EPSG:3857", "北京54"])
def test_parse_crs_refuses_what_it_cannot_name_and_lists_what_it_can(text):
    with pytest.raises(InvalidInput) as err:
        parse_crs(text)
    assert err.value.field == "crs" and repr(text) in err.value.message
    for name in ("wgs84", "gcj02", "bd09", "CGCS2000", "火星坐标", "高德", "腾讯", "百度"):
        assert name in err.value.hint


def test_conversions_accept_a_name_and_refuse_an_unknown_one():
    assert to_wgs84(*NANJING, "高德") == gcj02_to_wgs84(*NANJING)
    assert from_wgs84(*NANJING, "百度") == wgs84_to_bd09(*NANJING)
    with pytest.raises(InvalidInput):
        to_wgs84(*NANJING, "google")


def test_every_crs_has_a_chinese_label():
    assert all(crs.label for crs in Crs) and "百度" in Crs.BD09.label


# ---------------------------------------------------------------- check_point


@pytest.mark.parametrize(
    ("lon", "lat", "reason", "fragments"),
    [
        (math.nan, 32.06, "not_a_number", ["不是有效数字", "nan", "十进制度数"]),
        (118.63, math.inf, "not_a_number", ["不是有效数字", "inf"]),
        (None, 32.06, "not_a_number", ["None"]),
        ("东经118度", 32.06, "not_a_number", ["东经118度"]),
        (0, 0, "zero", ["坐标为 0", "0,0", "定位成功"]),
        (118.63, 0.0, "zero", ["坐标为 0", "118.63"]),
        (0.0, 32.06, "zero", ["坐标为 0"]),
        (32.06, 118.63, "swapped", ["颠倒", "经度放在前面", "118.63, 32.06"]),
        (32.06, 88.5, "swapped", ["颠倒", "88.5, 32.06"]),
        (118.63, 95.0, "out_of_range", ["超出取值范围", "−90～90", "十进制度数"]),
        (13_205_000.0, 3_770_000.0, "out_of_range", ["超出取值范围", "投影"]),
        (-118.63, 32.06, "outside_china", ["不在中国境内", "-118.63", "经纬度顺序"]),
        (*PARIS, "outside_china", ["不在中国境内", "2.35"]),
    ],
)
def test_check_point_refuses_with_reason_place_and_fix(lon, lat, reason, fragments):
    with pytest.raises(CoordinateError) as err:
        check_point(lon, lat)
    exc = err.value
    assert isinstance(exc, InvalidInput) and exc.reason == reason
    assert exc.hint and exc.as_dict()["reason"] == reason
    for fragment in fragments:
        assert fragment in exc.message + exc.hint, (fragment, exc.message, exc.hint)


def test_check_point_converts_to_wgs84():
    gcj = wgs84_to_gcj02(*NANJING)
    assert metres(NANJING, check_point(*gcj, crs=Crs.GCJ02)) < 1e-6
    assert metres(NANJING, check_point(*wgs84_to_bd09(*NANJING), crs="bd09")) < 1e-6
    assert check_point(*NANJING) == NANJING
    assert check_point("118.63", "32.06") == NANJING  # numeric text from CSV exports


PUKOU = (118.40, 31.95, 118.80, 32.30)


def test_check_point_bounds_with_margin():
    assert check_point(*NANJING, bounds=PUKOU) == NANJING
    just_east = (118.80 + 300 / (111_320 * math.cos(math.radians(32.1))), 32.1)
    assert check_point(*just_east, bounds=PUKOU) == just_east  # within the 500 m margin
    with pytest.raises(CoordinateError) as err:
        check_point(*just_east, bounds=PUKOU, margin_m=100)
    assert err.value.reason == "outside_area"
    assert "辖区" in err.value.message and "100 米" in err.value.message
    assert "crs" in err.value.hint


def test_check_point_bounds_apply_after_conversion():
    """A GCJ-02 point declared as WGS-84 lands ~500 m off: with a tight margin the
    district check catches it, declared correctly it passes."""
    tight = (NANJING[0] - 0.001, NANJING[1] - 0.001, NANJING[0] + 0.001, NANJING[1] + 0.001)
    gcj = wgs84_to_gcj02(*NANJING)
    assert metres(NANJING, check_point(*gcj, crs="gcj02", bounds=tight, margin_m=0)) < 1e-6
    with pytest.raises(CoordinateError) as err:
        check_point(*gcj, bounds=tight, margin_m=0)
    assert err.value.reason == "outside_area"


def test_every_reason_is_covered():
    reasons = {"zero", "not_a_number", "out_of_range", "swapped", "outside_china", "outside_area"}
    seen = set()
    for lon, lat in [(0, 0), (math.nan, 1), (118, 95), (32, 118), (-118, 32)]:
        with pytest.raises(CoordinateError) as err:
            check_point(lon, lat)
        seen.add(err.value.reason)
    with pytest.raises(CoordinateError) as err:
        check_point(116.4, 39.9, bounds=PUKOU)
    seen.add(err.value.reason)
    assert seen == reasons


@settings(max_examples=200, deadline=None)
@given(lons, lats)
def test_every_point_in_china_passes_and_its_swap_is_caught(lon, lat):
    assert in_china(lon, lat)
    assert check_point(lon, lat) == (lon, lat)
    with pytest.raises(CoordinateError) as err:
        check_point(lat, lon)
    assert err.value.reason == "swapped"


# ---------------------------------------------------------------- distance_m


def test_distance_m_known_values():
    assert distance_m(*NANJING, *NANJING) == 0.0
    assert distance_m(118.0, 32.0, 118.0, 33.0) == pytest.approx(111_195, rel=1e-4)
    nanjing_beijing = distance_m(118.7969, 32.0603, 116.4074, 39.9042)
    assert nanjing_beijing == pytest.approx(900_000, rel=0.01)
    assert distance_m(116.4074, 39.9042, 118.7969, 32.0603) == nanjing_beijing


@settings(max_examples=200, deadline=None)
@given(lons, lats, st.floats(-0.05, 0.05), st.floats(-0.05, 0.05))
def test_distance_m_matches_prcoords_and_the_planar_rule_at_short_range(lon, lat, dlon, dlat):
    ours = distance_m(lon, lat, lon + dlon, lat + dlat)
    theirs = prcoords.Coords(lat, lon).distance(prcoords.Coords(lat + dlat, lon + dlon))
    assert ours == pytest.approx(theirs, rel=1e-5, abs=1e-6)  # radii differ by 1.4 ppm
    assert ours == pytest.approx(metres((lon, lat), (lon + dlon, lat + dlat)), rel=5e-3, abs=1e-6)
