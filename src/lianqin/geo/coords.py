"""China's three coordinate systems, converted to and from what we store (WGS-84), and
the checks every incoming point goes through. Pure: stdlib ``math`` only, no Django.

Why this exists: a point reaches us in whatever system its sender's map uses. GPS
chips and the 110/video platforms send WGS-84; 高德 (AMap), 腾讯 (Tencent) and most
phone web views send GCJ-02, the state-mandated obfuscation (国测局 "火星坐标");
百度 sends BD-09, a second shift on top of GCJ-02. The offsets are 300–700 m for GCJ-02
and about 1 km more for BD-09 -- several grids in a city -- so a point stored in the
wrong system lands the case in the wrong grid. PROJ has no GCJ-02, hence our own module.

What must hold:

* Every function takes and returns ``(lon, lat)`` in decimal degrees, GeoJSON's order
  (prcoords and many Chinese APIs use ``(lat, lon)``; ``check_point`` catches swaps).
* Everything stored is WGS-84. CGCS2000 (China's official datum since 2008) is treated
  as WGS-84: the two frames agree to a few centimetres and the ellipsoids' flattening
  differs by ~0.1 mm in latitude, far below a phone's 3–10 m GPS error and a grid's
  hundreds of metres, so a conversion would only add code.
* The forward transforms (WGS-84 → GCJ-02 → BD-09) are the published closed forms, the
  same as every open implementation (eviltransform, coordtransform, prcoords), so we
  agree with the maps to 1e-9°.
* The inverses have no closed form. We solve ``forward(w) = g`` by the fixed-point
  iteration ``w ← w − (forward(w) − g)``, which contracts by ~1e-3 per step because the
  offsets change slowly with position; it stops once the forward transform of the
  answer is within ``INVERSE_TOLERANCE_DEG`` (1e-12°, about 0.1 µm; the contract is
  1e-9°) of the input, or after ``MAX_ITERATIONS``. Round trips are therefore exact to
  far better than 1 cm everywhere in China. The usual "closed form" ``bd09 → gcj02`` is
  off by up to ~0.2 m, so we only use it as the iteration's starting point.
* GCJ-02 applies only inside the rough box ``out_of_china`` tests (lon 72.004–137.8347,
  lat 0.8293–55.8271): the one every implementation and the map providers' SDKs use.
  Outside it GCJ-02 is the identity. The box is rough (it takes in parts of Mongolia,
  Korea and Japan) but points there are refused by ``check_point`` anyway. The inverse
  decides by the GCJ-02 point, the forward by the WGS-84 point; they disagree only
  within ~700 m of the box's edges, all of which lie outside China.
* BD-09's shift is applied everywhere, as by prcoords and coordtransform.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import StrEnum
from typing import Final, Literal

from lianqin.errors import InvalidInput

Point = tuple[float, float]
Bounds = tuple[float, float, float, float]  # (min lon, min lat, max lon, max lat)

INVERSE_TOLERANCE_DEG: Final = 1e-12
MAX_ITERATIONS: Final = 30
EARTH_RADIUS_M: Final = 6_371_008.8  # IUGG mean radius
METRES_PER_DEGREE: Final = 111_320.0  # of latitude, and of longitude at the equator
DEFAULT_MARGIN_M: Final = 500.0

# Where a point may lie at all: the People's Republic, roughly, with the South China Sea
# islands down to 3.8° N. Coarse on purpose: the district's own bounds are the fine check.
CHINA_BOUNDS: Final[Bounds] = (73.5, 3.8, 135.1, 53.6)

# GCJ-02 constants: the Krasovsky 1940 ellipsoid, and the box inside which GCJ-02 is on.
_KRASOVSKY_A: Final = 6378245.0
_KRASOVSKY_EE: Final = 0.00669342162296594323
_GCJ_BOX: Final[Bounds] = (72.004, 0.8293, 137.8347, 55.8271)
# BD-09 constants: Baidu's fixed shift and the "x_pi" of its rotation and scaling.
_BD_DLON: Final = 0.0065
_BD_DLAT: Final = 0.006
_BD_X_PI: Final = math.pi * 3000.0 / 180.0


class Crs(StrEnum):
    """A coordinate reference system a point may arrive in; we store only ``WGS84``."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: Final = {
    Crs.WGS84: "WGS-84（GPS、北斗/CGCS2000，本平台存储）",
    Crs.GCJ02: "GCJ-02（高德、腾讯，火星坐标）",
    Crs.BD09: "BD-09（百度）",
}

# Spellings seen in payloads and configuration, after ``_normalize``.
_SPELLINGS: Final[dict[Crs, tuple[str, ...]]] = {
    Crs.WGS84: ("wgs84", "wgs", "gps", "epsg4326", "4326", "cgcs2000", "cgcs", "epsg4490", "北斗"),
    Crs.GCJ02: (
        "gcj02",
        "gcj",
        "amap",
        "gaode",
        "qq",
        "火星坐标",
        "火星",
        "国测局",
        "高德",
        "腾讯",
    ),
    Crs.BD09: ("bd09", "bd09ll", "bd", "百度", "baidu"),
}
_ALIASES: Final = {name: crs for crs, names in _SPELLINGS.items() for name in names}


def _normalize(text: str) -> str:
    name = text.strip().lower()
    for char in " -_.:/":
        name = name.replace(char, "")
    return name.removesuffix("坐标系")


def parse_crs(text: str | Crs) -> Crs:
    """The system a sender names, in any of its usual spellings; unknown names are refused
    rather than guessed, because a wrong guess moves the point by up to 1.5 km."""
    if isinstance(text, Crs):
        return text
    crs = _ALIASES.get(_normalize(str(text)))
    if crs is None:
        raise InvalidInput(
            f"无法识别的坐标系：{text!r}",
            field="crs",
            hint="可用：wgs84（也写作 WGS-84、GPS、CGCS2000、EPSG:4326、北斗）、"
            "gcj02（GCJ-02、火星坐标、国测局、高德、腾讯）、bd09（BD-09、BD09LL、百度）",
        )
    return crs


# ---------------------------------------------------------------- forward transforms


def out_of_china(lon: float, lat: float) -> bool:
    """True where GCJ-02 is the identity: outside the providers' rough box."""
    min_lon, min_lat, max_lon, max_lat = _GCJ_BOX
    return not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat)


def _shift_lat_m(x: float, y: float) -> float:
    """GCJ-02's northward shift in metres, at ``x = lon − 105``, ``y = lat − 35``."""
    pi, sin = math.pi, math.sin
    waves = 2 * sin(6 * pi * x) + 2 * sin(2 * pi * x) + 2 * sin(pi * y) + 4 * sin(pi * y / 3)
    waves += 16 * sin(pi * y / 12) + 32 * sin(pi * y / 30)
    return (
        -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + waves * 20 / 3
    )


def _shift_lon_m(x: float, y: float) -> float:
    """GCJ-02's eastward shift in metres, at ``x = lon − 105``, ``y = lat − 35``."""
    pi, sin = math.pi, math.sin
    waves = 2 * sin(6 * pi * x) + 2 * sin(2 * pi * x) + 2 * sin(pi * x) + 4 * sin(pi * x / 3)
    waves += 15 * sin(pi * x / 12) + 30 * sin(pi * x / 30)
    return 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + waves * 20 / 3


def _gcj_offset(lon: float, lat: float) -> Point:
    """GCJ-02 minus WGS-84 in degrees at a WGS-84 point, ignoring the box: the shifts in
    metres turned into degrees on the Krasovsky ellipsoid, as the original does."""
    x, y = lon - 105.0, lat - 35.0
    rad_lat = math.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    metres_per_rad_lat = _KRASOVSKY_A * (1.0 - _KRASOVSKY_EE) / (magic * sqrt_magic)
    metres_per_rad_lon = _KRASOVSKY_A / sqrt_magic * math.cos(rad_lat)
    dlat = math.degrees(_shift_lat_m(x, y) / metres_per_rad_lat)
    dlon = math.degrees(_shift_lon_m(x, y) / metres_per_rad_lon)
    return dlon, dlat


def _gcj_forward(lon: float, lat: float) -> Point:
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


def wgs84_to_gcj02(lon: float, lat: float) -> Point:
    if out_of_china(lon, lat):
        return lon, lat
    return _gcj_forward(lon, lat)


def gcj02_to_bd09(lon: float, lat: float) -> Point:
    radius = math.hypot(lon, lat) + 0.00002 * math.sin(lat * _BD_X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _BD_X_PI)
    return radius * math.cos(theta) + _BD_DLON, radius * math.sin(theta) + _BD_DLAT


def _bd09_to_gcj02_closed(lon: float, lat: float) -> Point:
    """The usual closed-form inverse: evaluates the perturbation at the wrong point, so it
    is off by up to ~0.2 m; good only as a starting guess."""
    x, y = lon - _BD_DLON, lat - _BD_DLAT
    radius = math.hypot(x, y) - 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_X_PI)
    return radius * math.cos(theta), radius * math.sin(theta)


def wgs84_to_bd09(lon: float, lat: float) -> Point:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


# ---------------------------------------------------------------- inverse transforms


def _invert(
    forward: Callable[[float, float], Point], lon: float, lat: float, start: Point
) -> Point:
    """The point ``w`` with ``forward(w) == (lon, lat)``, by ``w ← w − (forward(w) − target)``.

    Returns the best iterate seen, so rounding noise near the tolerance cannot make it
    worse than an earlier step."""
    wlon, wlat = start
    best, best_error = start, math.inf
    for _ in range(MAX_ITERATIONS):
        flon, flat = forward(wlon, wlat)
        elon, elat = flon - lon, flat - lat
        error = max(abs(elon), abs(elat))
        if error < best_error:
            best, best_error = (wlon, wlat), error
        if error <= INVERSE_TOLERANCE_DEG:
            break
        wlon, wlat = wlon - elon, wlat - elat
    return best


def gcj02_to_wgs84(lon: float, lat: float) -> Point:
    if out_of_china(lon, lat):
        return lon, lat
    return _invert(_gcj_forward, lon, lat, start=(lon, lat))


def bd09_to_gcj02(lon: float, lat: float) -> Point:
    return _invert(gcj02_to_bd09, lon, lat, start=_bd09_to_gcj02_closed(lon, lat))


def bd09_to_wgs84(lon: float, lat: float) -> Point:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_TO_WGS84: Final[dict[Crs, Callable[[float, float], Point]]] = {
    Crs.WGS84: lambda lon, lat: (lon, lat),
    Crs.GCJ02: gcj02_to_wgs84,
    Crs.BD09: bd09_to_wgs84,
}
_FROM_WGS84: Final[dict[Crs, Callable[[float, float], Point]]] = {
    Crs.WGS84: lambda lon, lat: (lon, lat),
    Crs.GCJ02: wgs84_to_gcj02,
    Crs.BD09: wgs84_to_bd09,
}


def to_wgs84(lon: float, lat: float, crs: Crs | str) -> Point:
    """A point given in ``crs`` (a ``Crs`` or any spelling ``parse_crs`` accepts), in WGS-84."""
    return _TO_WGS84[parse_crs(crs)](lon, lat)


def from_wgs84(lon: float, lat: float, crs: Crs | str) -> Point:
    """A WGS-84 point as the maps of ``crs`` show it (for export and for tests)."""
    return _FROM_WGS84[parse_crs(crs)](lon, lat)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine on the mean sphere): within 0.5% of the
    ellipsoid, and stable for the millimetre distances the round-trip checks measure."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    hav = (
        math.sin((phi2 - phi1) / 2.0) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2.0) ** 2
    )
    return 2.0 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, hav)))


# ---------------------------------------------------------------- validation

Reason = Literal["zero", "not_a_number", "out_of_range", "swapped", "outside_china", "outside_area"]


class CoordinateError(InvalidInput):
    """A point that cannot be placed; ``reason`` says which check refused it, and travels
    in ``as_dict()`` so clients can react without parsing the Chinese message."""

    def __init__(self, reason: Reason, message: str, *, hint: str, field: str | None = None):
        super().__init__(message, hint=hint, field=field, reason=reason)
        self.reason: Reason = reason


def in_china(lon: float, lat: float) -> bool:
    min_lon, min_lat, max_lon, max_lat = CHINA_BOUNDS
    return min_lon <= lon <= max_lon and min_lat <= lat <= max_lat


def _shown(value: object, limit: int = 40) -> str:
    """A value quoted in a message, cut short; an int too long for ``repr`` (over 4,300
    digits, which Python refuses to print) is described instead of crashing the refusal."""
    try:
        text = repr(value)
    except ValueError:
        return f"<{type(value).__name__}，过长>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _as_numbers(lon: object, lat: object) -> Point:
    try:
        x, y = float(lon), float(lat)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int beyond 1e308
        x = y = math.nan
    if not (math.isfinite(x) and math.isfinite(y)):
        raise CoordinateError(
            "not_a_number",
            f"坐标不是有效数字：经度 {_shown(lon)}，纬度 {_shown(lat)}",
            hint="请提交十进制度数，例如 经度 118.63、纬度 32.06；检查设备是否定位成功、字段是否为空",
        )
    return x, y


def _check_plausible(lon: float, lat: float) -> None:
    """Refuse what no place in China can be; the order matters: a swapped pair often has
    a "latitude" over 90, and must be reported as swapped, not as out of range."""
    where = f"经度 {lon}，纬度 {lat}"
    if lon == 0 or lat == 0:
        raise CoordinateError(
            "zero",
            f"坐标为 0，定位失败的设备常发送 0,0（收到 {where}）",
            hint="请在设备定位成功后重新上报，或改填事发地址",
        )
    if not in_china(lon, lat) and in_china(lat, lon):
        raise CoordinateError(
            "swapped",
            f"经纬度疑似颠倒：收到 {where}，互换后（经度 {lat}，纬度 {lon}）才在中国境内",
            hint=f"请把经度放在前面、纬度放在后面（lon, lat），即 {lat}, {lon}",
        )
    if abs(lat) > 90 or abs(lon) > 180:
        raise CoordinateError(
            "out_of_range",
            f"坐标超出取值范围：{where}（经度应在 −180～180，纬度应在 −90～90）",
            field="lat" if abs(lat) > 90 else "lon",
            hint="请提交十进制度数（不是度分秒、不是投影坐标的米数），经度在前、纬度在后",
        )
    if not in_china(lon, lat):
        raise CoordinateError(
            "outside_china",
            f"坐标不在中国境内：{where}",
            hint="请核对坐标系与经纬度顺序；中国境内经度约 73.5～135.1，纬度约 3.8～53.6",
        )


def _check_area(lon: float, lat: float, bounds: Bounds, margin_m: float) -> None:
    min_lon, min_lat, max_lon, max_lat = bounds
    margin_lat = margin_m / METRES_PER_DEGREE
    margin_lon = margin_m / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    inside = (
        min_lon - margin_lon <= lon <= max_lon + margin_lon
        and min_lat - margin_lat <= lat <= max_lat + margin_lat
    )
    if not inside:
        raise CoordinateError(
            "outside_area",
            f"坐标不在本辖区范围内：WGS-84 经度 {lon:.6f}，纬度 {lat:.6f}；辖区经度 "
            f"{min_lon}～{max_lon}，纬度 {min_lat}～{max_lat}（含 {margin_m:g} 米余量）",
            hint="请核对声明的坐标系（crs：wgs84、gcj02 或 bd09）是否与设备一致，或改填事发地址",
        )


def check_point(
    lon: float,
    lat: float,
    *,
    crs: Crs | str = Crs.WGS84,
    bounds: Bounds | None = None,
    margin_m: float = DEFAULT_MARGIN_M,
) -> Point:
    """The WGS-84 point for ``(lon, lat)`` given in ``crs``, or a ``CoordinateError``.

    The plausibility checks run on the point as sent (GCJ-02/BD-09 shift it by at most
    ~1.5 km, nothing next to China's box); ``bounds`` -- the district's WGS-84 extent,
    widened by ``margin_m`` metres -- is checked after conversion."""
    system = parse_crs(crs)
    x, y = _as_numbers(lon, lat)
    _check_plausible(x, y)
    wlon, wlat = to_wgs84(x, y, system)
    if bounds is not None:
        _check_area(wlon, wlat, bounds, margin_m)
    return wlon, wlat
