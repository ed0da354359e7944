"""Importing streets, communities and grids from a GeoJSON FeatureCollection.

Each feature carries ``properties.code`` (9, 12 or 15 digits: street, community, grid)
and ``properties.name``; optional ``households``, ``population``, ``rural``. Parents are
found by code prefix in the file or the database. All or nothing: any error rolls the
whole import back, and ``dry_run`` always rolls back.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from shapely.geometry import shape
from shapely.validation import explain_validity

from lianqin.errors import InvalidInput
from lianqin.org.models import Community, District, Grid, Street
from lianqin.org.reference import ensure_centers

KINDS = {9: "street", 12: "community", 15: "grid"}


class _Rollback(Exception):
    pass


def _feature_error(
    source: str, index: int, code: str, message: str, hint: str = ""
) -> InvalidInput:
    where = f"{source} 第 {index + 1} 个要素" + (f"（{code}）" if code else "")
    return InvalidInput(f"{where}：{message}", hint=hint)


def _parse(text: str, source: str) -> list[dict[str, Any]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{source} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列 {exc.msg}",
            hint="用 GIS 软件导出为 GeoJSON",
        ) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InvalidInput(
            f"{source} 不是 GeoJSON FeatureCollection",
            hint='顶层须为 {"type": "FeatureCollection", "features": [...]}',
        )
    return list(doc.get("features") or [])


def _check(feature: dict[str, Any], index: int, source: str) -> tuple[str, dict[str, Any]]:
    props = feature.get("properties") or {}
    code = str(props.get("code") or "").strip()
    if not code.isdigit() or len(code) not in KINDS:
        raise _feature_error(
            source,
            index,
            code,
            f"编码 {code!r} 无效",
            "properties.code：街道9位、社区12位、网格15位数字",
        )
    if not str(props.get("name") or "").strip():
        raise _feature_error(source, index, code, "缺少名称", "properties.name 必填")
    geometry = feature.get("geometry")
    if not geometry or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise _feature_error(source, index, code, "几何类型须为 Polygon 或 MultiPolygon")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        raise _feature_error(source, index, code, f"几何无法解析：{exc}") from None
    if not geom.is_valid:
        raise _feature_error(
            source,
            index,
            code,
            f"多边形无效：{explain_validity(geom)}",
            "在 GIS 软件中修复自相交等问题后再导入",
        )
    minx, miny, maxx, maxy = geom.bounds
    if not (73 <= minx <= maxx <= 136 and 3 <= miny <= maxy <= 54):
        raise _feature_error(
            source,
            index,
            code,
            f"坐标不在中国范围内（{minx:.4f},{miny:.4f}）",
            "须为 WGS-84 经纬度，经度在前",
        )
    return code, {"props": props, "geometry": geometry, "centroid": geom.representative_point()}


def import_geojson(
    text: str, *, source: str = "grids.geojson", district_name: str = "", dry_run: bool = False
) -> dict[str, int]:
    features = [_check(f, i, source) for i, f in enumerate(_parse(text, source))]
    if not features:
        raise InvalidInput(f"{source} 中没有要素", hint="至少包含一个街道、社区或网格")
    counts = {"street": 0, "community": 0, "grid": 0}
    try:
        with transaction.atomic():
            _write(sorted(features, key=lambda f: len(f[0])), district_name, counts)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return counts


def _write(
    features: list[tuple[str, dict[str, Any]]], district_name: str, counts: dict[str, int]
) -> None:
    code6 = features[0][0][:6]
    district, _ = District.objects.get_or_create(
        code=code6, defaults={"name": district_name or code6}
    )
    for code, f in features:
        props, kind = f["props"], KINDS[len(code)]
        common = {"name": str(props["name"]).strip(), "boundary": f["geometry"]}
        if kind == "street":
            Street.objects.update_or_create(code=code, defaults={**common, "district": district})
        elif kind == "community":
            parent = Street.objects.filter(code=code[:9]).first()
            if parent is None:
                raise InvalidInput(
                    f"社区 {code} 的街道 {code[:9]} 不存在", hint="在同一文件中加入该街道"
                )
            Community.objects.update_or_create(
                code=code,
                defaults={
                    **common,
                    "street": parent,
                    "rural": bool(props.get("rural")),
                    "households": int(props.get("households") or 0),
                    "population": int(props.get("population") or 0),
                },
            )
        else:
            community = Community.objects.filter(code=code[:12]).first()
            if community is None:
                raise InvalidInput(
                    f"网格 {code} 的社区 {code[:12]} 不存在", hint="在同一文件中加入该社区"
                )
            Grid.objects.update_or_create(
                code=code,
                defaults={
                    **common,
                    "community": community,
                    "households": int(props.get("households") or 0),
                    "centroid_lon": f["centroid"].x,
                    "centroid_lat": f["centroid"].y,
                },
            )
        counts[kind] += 1
    ensure_centers(district)
