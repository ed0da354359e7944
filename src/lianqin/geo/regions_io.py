"""Reading and writing streets, communities and grids: GeoJSON and CSV with a WKT column.

Pure (stdlib, shapely, numpy): the importer (``lianqin.geo.regions``) and the CLI call it.
Reading never guesses silently: every problem is an ``InvalidInput`` whose message names
the file, the feature or line and the field, and whose hint says how to fix it, because
the people who fix these files are surveyors with a GIS program, not programmers.

What must hold:

- a code is 9, 12 or 15 digits (street, community, grid; each the prefix of the next)
  and appears once per file; the level comes from the code's length;
- a geometry is a non-empty Polygon or MultiPolygon in WGS-84 lon/lat inside China; a Z
  coordinate is dropped; projected metres or swapped lat/lon are named as such;
- ``read_*(write_*(records)) == records``: writing rounds coordinates to 7 decimals
  (≈ 1 cm), and :meth:`RegionRecord.__eq__` compares geometry within 1e-7.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import shapely
from shapely import wkt as shapely_wkt
from shapely.errors import ShapelyError
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from lianqin.errors import InvalidInput

LEVELS = {9: "street", 12: "community", 15: "grid"}
LEVEL_ZH = {"street": "街道", "community": "社区/村", "grid": "网格"}
DECIMALS = 7  # ≈ 1 cm: finer than any survey, coarse enough to round-trip exactly
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)
CSV_HEADER = ("code", "name", "households", "population", "rural", "wkt")

#: Accepted property / column names per field (English names compared lower-case).
ALIASES: Mapping[str, tuple[str, ...]] = {
    "code": ("code", "编码", "代码", "区划代码"),
    "name": ("name", "名称"),
    "households": ("households", "户数"),
    "population": ("population", "人口"),
    "rural": ("rural", "是否农村", "农村"),
    "wkt": ("wkt", "geometry", "几何", "边界"),
}
_TRUE = {"1", "true", "yes", "y", "t", "是", "村", "农村"}
_FALSE = {"", "0", "false", "no", "n", "f", "否", "社区", "城市"}
_SRID = re.compile(r"^\s*SRID=(\d+)\s*;", re.IGNORECASE)
_CODE_HINT = "编码为纯数字：街道 9 位、社区/村 12 位、网格 15 位，且以上级编码开头"
_SHAPE_HINT = "须为面：Polygon/MultiPolygon（WKT 为 POLYGON((经度 纬度, ...)) 或 MULTIPOLYGON）"
_RING_HINT = "每个环至少 4 个 [经度, 纬度] 点，首尾相同；检查括号与逗号"
_PROJECTED_HINT = "须为 WGS-84 经纬度；在 GIS 软件中转换为 EPSG:4326 后再导出"
_SWAPPED_HINT = "GeoJSON 和 WKT 中经度在前、纬度在后：[经度, 纬度]"
_CHINA_HINT = "须为 WGS-84 经纬度，经度在前；检查坐标系和数据范围"
_PROPS = ("code", "name", "level", "households", "population", "rural")


@dataclass(frozen=True, eq=False)
class RegionRecord:
    """One street, community or grid as read from (or written to) a file.

    Equality ignores ``source_ref`` (where a record was read is provenance, not content)
    and compares geometry within 1e-7°, ring order and orientation aside, so that a
    record survives a write/read round trip equal to itself.
    """

    code: str
    name: str
    level: str  # "street" | "community" | "grid", from len(code)
    geometry: Polygon | MultiPolygon
    households: int = 0
    population: int = 0
    rural: bool = False
    source_ref: str = ""  # "grids.geojson feature 12" / "grids.csv line 7"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RegionRecord):
            return NotImplemented
        return self._key() == other._key() and same_geometry(self.geometry, other.geometry)

    def _key(self) -> tuple[str, str, str, int, int, bool]:
        return (self.code, self.name, self.level, self.households, self.population, self.rural)

    __hash__ = None  # type: ignore[assignment]  # equal within a tolerance: not hashable

    @property
    def parent_code(self) -> str:
        """The code one level up (a street's parent is the 6-digit district)."""
        return self.code[:-3]

    @property
    def label(self) -> str:
        """How messages name the region: "网格 320111001001001（某某网格）"."""
        return f"{LEVEL_ZH.get(self.level, '区域')} {self.code}（{self.name}）"


def same_geometry(a: BaseGeometry, b: BaseGeometry, tolerance: float = 1e-7) -> bool:
    """Equal vertex for vertex within ``tolerance`` degrees, whatever the winding."""
    return bool(shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), tolerance))


def level_of(code: str) -> str | None:
    """ "street", "community" or "grid" from the code's length; None for anything else."""
    return LEVELS.get(len(code)) if code.isdigit() else None


@dataclass(frozen=True)
class _Where:
    """A feature or a line of a file, for ``source_ref`` and for messages."""

    source: str
    kind: str  # "feature" | "line"
    number: int  # 1-based
    code: str = ""

    @property
    def ref(self) -> str:
        return f"{self.source} {self.kind} {self.number}"

    @property
    def zh(self) -> str:
        place = f"第 {self.number} 个要素" if self.kind == "feature" else f"第 {self.number} 行"
        return f"{self.source} {place}" + (f"（{self.code}）" if self.code else "")

    def error(self, field: str, message: str, hint: str) -> InvalidInput:
        return InvalidInput(f"{self.zh}，字段 {field}：{message}", hint=hint, field=field)


# --- reading ---------------------------------------------------------------------------


def read_geojson(text: str, *, source: str) -> list[RegionRecord]:
    """The regions of a GeoJSON FeatureCollection, in file order.

    Properties ``code``/``编码`` and ``name``/``名称`` are required; ``households``/``户数``,
    ``population``/``人口`` and ``rural``/``是否农村`` (a bool, or "村"/"是"/"1") are optional.
    """
    features = _features(text, source)
    records: list[RegionRecord] = []
    seen: dict[str, _Where] = {}
    for number, feature in enumerate(features, start=1):
        where = _Where(source, "feature", number)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise where.error(
                "type", "不是 GeoJSON Feature", '每个要素须为 {"type": "Feature", ...}'
            )
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise where.error("properties", "properties 须为对象", "properties 写成 {...}")
        records.append(_record(props, where, seen, partial(_geojson_geometry, feature)))
    return records


def read_csv_wkt(text: str, *, source: str) -> list[RegionRecord]:
    """The regions of a CSV file: ``code,name,households,population,rural,wkt``.

    Chinese headers (编码, 名称, 户数, 人口, 是否农村, 几何/边界) are accepted; a tab-separated
    file is recognised from its header. Line numbers are physical lines, header = line 1.
    """
    _allow_large_fields()
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        return []
    columns = _columns(header, source)
    records: list[RegionRecord] = []
    seen: dict[str, _Where] = {}
    last_line = reader.line_num
    for row in reader:
        where = _Where(source, "line", last_line + 1)
        last_line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problem = f"有 {len(row)} 列，表头有 {len(header)} 列"
            raise where.error("row", problem, "WKT 含逗号，须用英文双引号括起")
        values = {name: row[i] for name, i in columns.items()}
        records.append(_record(values, where, seen, partial(_wkt_geometry, values["wkt"])))
    return records


def _features(text: str, source: str) -> list[Any]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{source} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}",
            hint="检查该处的逗号、引号和括号；或用 GIS 软件重新导出为 GeoJSON",
        ) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        kind = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise InvalidInput(
            f"{source} 不是 GeoJSON FeatureCollection（顶层类型为 {kind}）",
            hint='顶层须为 {"type": "FeatureCollection", "features": [...]}',
            field="type",
        )
    _check_crs(doc.get("crs"), source)
    features = doc.get("features")
    if not isinstance(features, list):
        raise InvalidInput(
            f"{source} 的 features 不是数组", hint="features: [...]", field="features"
        )
    return features


def _check_crs(crs: Any, source: str) -> None:
    """Old GeoJSON (2008) may declare a CRS; anything but WGS-84 lon/lat is refused."""
    props = crs.get("properties") if isinstance(crs, dict) else None
    name = str(props.get("name") or "") if isinstance(props, dict) else ""
    if name and not re.search(r"CRS84|EPSG:{1,2}4326$|EPSG:{1,2}4490$", name, re.IGNORECASE):
        raise InvalidInput(
            f"{source} 声明的坐标系为 {name}，不是 WGS-84 经纬度",
            hint="在 GIS 软件中导出时选择 WGS-84（EPSG:4326）",
            field="crs",
        )


def _columns(header: Sequence[str], source: str) -> dict[str, int]:
    names = [h.strip().lstrip("\ufeff") for h in header]
    columns: dict[str, int] = {}
    for field, aliases in ALIASES.items():
        for i, name in enumerate(names):
            if name.lower() in aliases or name in aliases:
                columns[field] = i
                break
    missing = [f for f in ("code", "name", "wkt") if f not in columns]
    if missing:
        raise InvalidInput(
            f"{source} 第 1 行（表头）缺少列 {', '.join(missing)}",
            hint="表头为 " + ",".join(CSV_HEADER) + "（或 编码,名称,户数,人口,是否农村,几何）",
            field=missing[0],
        )
    return columns


def _pick(values: Mapping[str, Any], field: str) -> Any:
    for key, value in values.items():
        if key in ALIASES[field] or (isinstance(key, str) and key.lower() in ALIASES[field]):
            return value
    return None


def _record(
    values: Mapping[str, Any],
    where: _Where,
    seen: dict[str, _Where],
    geometry: Callable[[_Where], BaseGeometry],
) -> RegionRecord:
    """One record from a feature's properties or a CSV row; ``geometry(where)`` parses it."""
    code = _code(_pick(values, "code"), where)
    where = _Where(where.source, where.kind, where.number, code)
    if code in seen:
        raise where.error("code", f"编码 {code} 重复，与{seen[code].zh}相同", "每个编码只出现一次")
    seen[code] = where
    name = str(_pick(values, "name") or "").strip()
    if not name:
        raise where.error("name", "缺少名称", "填写 name（名称），如“某某社区”“某某网格”")
    return RegionRecord(
        code=code,
        name=name,
        level=LEVELS[len(code)],
        geometry=_check_geometry(geometry(where), where),
        households=_count(_pick(values, "households"), where, "households"),
        population=_count(_pick(values, "population"), where, "population"),
        rural=_flag(_pick(values, "rural"), where),
        source_ref=where.ref,
    )


def _code(value: Any, where: _Where) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise where.error("code", "缺少编码", _CODE_HINT)
    if isinstance(value, bool | float):
        raise where.error("code", f"编码 {value!r} 须为字符串", _CODE_HINT + "，写成字符串")
    code = str(value).strip()
    if not code.isascii() or not code.isdigit():
        raise where.error("code", f"编码 {code!r} 含非数字字符", _CODE_HINT)
    if len(code) not in LEVELS:
        raise where.error("code", f"编码 {code} 有 {len(code)} 位", _CODE_HINT)
    return code


def _count(value: Any, where: _Where, field: str) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    try:
        number = float(str(value).strip()) if not isinstance(value, bool) else math.nan
    except ValueError:
        number = math.nan
    if not (number >= 0 and number.is_integer()):
        raise where.error(field, f"{value!r} 不是非负整数", f"{field} 填写整数，如 500；未知可留空")
    return int(number)


def _flag(value: Any, where: _Where) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise where.error("rural", f"{value!r} 无法识别", "填 村/是/1（农村）或 社区/否/0（城市）")


def _geojson_geometry(feature: Mapping[str, Any], where: _Where) -> BaseGeometry:
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        raise where.error("geometry", "缺少几何", _SHAPE_HINT)
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon"):
        raise where.error("geometry", f"几何类型 {kind} 不支持", _SHAPE_HINT)
    if not isinstance(coordinates, list):
        raise where.error("geometry", "coordinates 缺失或不是数组", _RING_HINT)
    try:
        if kind == "Polygon":
            return _polygon(coordinates)
        return MultiPolygon([_polygon(p) for p in coordinates]) if coordinates else MultiPolygon()
    except (ValueError, TypeError, IndexError, ShapelyError) as exc:
        raise where.error("geometry", f"坐标无法解析（{exc}）", _RING_HINT) from None


def _polygon(rings: Any) -> Polygon:
    """A polygon from GeoJSON rings, keeping only x and y (a Z value is dropped)."""
    if not isinstance(rings, list):
        raise TypeError("环须为数组")
    if not rings:
        return Polygon()
    flat = [[(float(p[0]), float(p[1])) for p in ring] for ring in rings]
    if not all(math.isfinite(v) for ring in flat for xy in ring for v in xy):
        raise ValueError("坐标含 NaN 或无穷大")
    return Polygon(flat[0], flat[1:])


def _wkt_geometry(text: str, where: _Where) -> BaseGeometry:
    text = text.strip()
    if not text:
        raise where.error("wkt", "缺少几何", _SHAPE_HINT)
    srid = _SRID.match(text)
    if srid:
        if srid.group(1) not in ("4326", "4490"):
            raise where.error("wkt", f"SRID={srid.group(1)} 不是 WGS-84", _PROJECTED_HINT)
        text = text[srid.end() :]
    try:
        geom = shapely_wkt.loads(text)
    except (ShapelyError, ValueError) as exc:
        raise where.error("wkt", f"WKT 无法解析：{exc}", _RING_HINT) from None
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise where.error("wkt", f"几何类型 {geom.geom_type} 不支持", _SHAPE_HINT)
    return geom


def _check_geometry(geom: BaseGeometry, where: _Where) -> Polygon | MultiPolygon:
    """2D, non-empty, finite, and plausibly WGS-84 lon/lat in China; validity is
    :mod:`lianqin.geo.validate`'s business (it repairs or rejects)."""
    field = "wkt" if where.kind == "line" else "geometry"
    geom = shapely.force_2d(geom)
    if geom.is_empty or not isinstance(geom, Polygon | MultiPolygon):
        raise where.error(field, "几何为空", "至少一个有面积的多边形")
    xy = shapely.get_coordinates(geom)
    if not np.isfinite(xy).all():
        raise where.error(field, "坐标含 NaN 或无穷大", "检查导出设置")
    minx, miny, maxx, maxy = geom.bounds
    box = f"（范围 {minx:.4f},{miny:.4f} – {maxx:.4f},{maxy:.4f}）"
    if _inside_china(miny, maxy, minx, maxx) and not _inside_china(minx, maxx, miny, maxy):
        raise where.error(field, f"坐标的经纬度像是颠倒了（第一个数像纬度）{box}", _SWAPPED_HINT)
    if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
        raise where.error(field, f"坐标超出经纬度范围，像是投影坐标（米）{box}", _PROJECTED_HINT)
    if not _inside_china(minx, maxx, miny, maxy):
        raise where.error(field, f"坐标不在中国境内（经度 73–136，纬度 3–54）{box}", _CHINA_HINT)
    return geom


def _inside_china(minx: float, maxx: float, miny: float, maxy: float) -> bool:
    lon_ok = CHINA_LON[0] <= minx <= maxx <= CHINA_LON[1]
    return lon_ok and CHINA_LAT[0] <= miny <= maxy <= CHINA_LAT[1]


def _allow_large_fields() -> None:
    """A street's WKT can exceed csv's default 128 KiB field limit. The limit is global
    to the process, so it is only ever raised (never lowered), which is safe to repeat."""
    limit = min(sys.maxsize, 2**31 - 1)
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)


# --- writing ---------------------------------------------------------------------------


def rounded(geom: BaseGeometry) -> Any:
    """Coordinates rounded to 7 decimals, exteriors counter-clockwise (RFC 7946)."""
    return shapely.orient_polygons(shapely.transform(geom, lambda c: np.round(c, DECIMALS)))


def write_geojson(records: Iterable[RegionRecord]) -> str:
    """A FeatureCollection, one feature per line (diffs stay readable)."""
    lines = [json.dumps(_feature(r), ensure_ascii=False, separators=(",", ":")) for r in records]
    body = ",\n".join(lines)
    return '{"type":"FeatureCollection","features":[\n' + body + ("\n" if body else "") + "]}\n"


def _feature(record: RegionRecord) -> dict[str, Any]:
    properties = {name: getattr(record, name) for name in _PROPS}
    geometry = json.loads(shapely.to_geojson(rounded(record.geometry)))
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def write_csv_wkt(records: Iterable[RegionRecord]) -> str:
    """``code,name,households,population,rural,wkt``; rural as 1/0."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for r in records:
        wkt = shapely.to_wkt(rounded(r.geometry), rounding_precision=DECIMALS, trim=True)
        writer.writerow([r.code, r.name, r.households, r.population, int(r.rural), wkt])
    return out.getvalue()
