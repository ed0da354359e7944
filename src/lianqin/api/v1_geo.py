"""API v1: the map and the district's geography — grid polygons with their load,
point → grid (single and batch, in WGS-84, GCJ-02 or BD-09), address → grid, planning."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from ninja import Field, Router, Schema

from lianqin.api.auth import request_actor
from lianqin.cases.access import scope_cases
from lianqin.cases.workflow import OPEN
from lianqin.errors import InvalidInput, LianqinError, NotFound
from lianqin.geo import service
from lianqin.geo.coords import check_point, parse_crs
from lianqin.geo.regions import planning_report
from lianqin.org.models import Community, Grid, Street

router = Router()
BATCH_LIMIT = 10_000


def _feature(code: str, boundary: Any, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": code,
        "geometry": boundary,
        "properties": {"code": code, **props},
    }


@router.get("/grids", summary="网格边界及在办案件、预警（GeoJSON，供地图使用）")
def grids(request: HttpRequest, street: str = "", community: str = "") -> dict[str, Any]:
    actor = request_actor(request)
    qs = Grid.objects.select_related("community__street").exclude(boundary=None).order_by("code")
    prefix = community or street
    if prefix:
        qs = qs.filter(code__startswith=prefix)
    load: dict[int, dict[str, int]] = {}
    open_cases = scope_cases(actor).filter(status__in=list(OPEN)).exclude(grid=None)
    for grid_id, warning, n in open_cases.values_list("grid_id", "warning").annotate(n=Count("id")):
        entry = load.setdefault(grid_id, {"open_cases": 0})
        entry["open_cases"] += n
        entry[warning] = entry.get(warning, 0) + n
    features = [
        _feature(g.code, g.boundary, {
            "name": g.name, "community": g.community.name, "street": g.community.street.name,
            "households": g.households, "rural": g.community.rural,
            "open_cases": load.get(g.pk, {}).get("open_cases", 0),
            "warnings": {w: load.get(g.pk, {}).get(w, 0) for w in ("yellow", "red", "overdue")},
        })
        for g in qs
    ]  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


@router.get("/communities", summary="社区/村边界（GeoJSON）")
def communities(request: HttpRequest, street: str = "") -> dict[str, Any]:
    request_actor(request)
    qs = Community.objects.exclude(boundary=None).order_by("code")
    if street:
        qs = qs.filter(code__startswith=street)
    return {"type": "FeatureCollection", "features": [
        _feature(c.code, c.boundary, {"name": c.name, "rural": c.rural, "households": c.households})
        for c in qs]}  # fmt: skip


@router.get("/streets", summary="街道边界（GeoJSON）")
def streets(request: HttpRequest) -> dict[str, Any]:
    request_actor(request)
    return {"type": "FeatureCollection", "features": [
        _feature(s.code, s.boundary, {"name": s.name})
        for s in Street.objects.exclude(boundary=None).order_by("code")]}  # fmt: skip


@router.get("/locate", summary="坐标定位网格（wgs84 / gcj02 / bd09）")
def locate(request: HttpRequest, lon: float, lat: float, crs: str = "wgs84") -> dict[str, Any]:
    request_actor(request)
    where = service.locate_point(lon, lat, crs)
    if where.grid is None:
        raise NotFound("坐标不在本区任何网格内（已超出就近归属距离）", field="lon",
                       hint="检查坐标系（crs）是否与设备一致，或按地址定位", reason="outside_district")  # fmt: skip
    return where.as_dict()


class BatchIn(Schema):
    crs: str = "wgs84"
    points: list[tuple[float, float]] = Field(
        ..., description="[[经度, 纬度], …]，每次至多 10000 个"
    )


@router.post("/locate/batch", summary="批量坐标定位（批量接入用）")
def locate_batch(request: HttpRequest, body: BatchIn) -> dict[str, Any]:
    request_actor(request)
    if len(body.points) > BATCH_LIMIT:
        raise InvalidInput(f"一次至多 {BATCH_LIMIT} 个点，收到 {len(body.points)} 个", field="points",
                           hint="分批提交")  # fmt: skip
    crs = parse_crs(body.crs)
    converted: list[tuple[float, float] | None] = []
    errors: dict[int, str] = {}
    for i, (lon, lat) in enumerate(body.points):
        try:
            converted.append(check_point(lon, lat, crs=crs))
        except LianqinError as exc:
            converted.append(None)
            errors[i] = exc.message
    good = [p for p in converted if p is not None]
    codes = iter(service.grid_index().locate_many([p[0] for p in good], [p[1] for p in good],
                                                 max_distance=service.NEAREST_GRID_DEGREES))  # fmt: skip
    results: list[dict[str, Any]] = []
    for i, point in enumerate(converted):
        if point is None:
            results.append({"grid": None, "error": errors[i]})
        else:
            results.append({"grid": next(codes), "lon": point[0], "lat": point[1]})
    return {"count": len(results), "results": results}


@router.get("/address", summary="地址匹配网格（本区地名库）")
def address(request: HttpRequest, q: str) -> dict[str, Any]:
    request_actor(request)
    where = service.locate_address(q)
    if where.source == "none":
        raise NotFound(f"地址「{q}」未能匹配到本区地名库", field="q",
                       hint="补充道路和门牌号、小区名，或在地图上人工定位")  # fmt: skip
    return where.as_dict()


@router.get("/grid-plan", summary="网格规划：户数标准、拆分合并建议、网格员覆盖")
def grid_plan(request: HttpRequest, urban: int = 500, rural: int = 300, tolerance: float = 0.2,
              community: str = "") -> dict[str, Any]:  # fmt: skip
    request_actor(request)
    for name, target in (("urban", urban), ("rural", rural)):
        if target <= 0:
            raise InvalidInput(
                f"每网格户数标准 {name}={target} 须为正整数",
                field=name,
                hint="城市网格一般 500 户（urban=500），农村 300 户（rural=300）",
            )
    if not 0 <= tolerance < 1:  # NaN fails this too
        raise InvalidInput(
            f"容差 tolerance={tolerance} 须在 0 到 1 之间（不含 1）",
            field="tolerance",
            hint="写成比例，如 0.2 表示户数可比标准上下浮动 20%",
        )
    return planning_report(urban_target=urban, rural_target=rural, tolerance=tolerance,
                           community=community).to_dict()  # fmt: skip
