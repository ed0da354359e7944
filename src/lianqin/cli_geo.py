"""``lianqin`` commands for the district's geography: grids in and out, the gazetteer,
locating a point or an address, and the grid-planning report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table


def register(app: typer.Typer, *, setup: Callable[[], Any], fail: Callable[..., None],
             console: Console) -> None:  # fmt: skip
    @app.command("import-grids")
    def import_grids(
        file: Annotated[
            Path, typer.Argument(help="GeoJSON 或 CSV（含 WKT 列）：街道9位/社区12位/网格15位编码")
        ],
        district_name: Annotated[str, typer.Option(help="区名称（区不存在时用）")] = "",
        dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验，不写入")] = False,
        reject_invalid: Annotated[
            bool,
            typer.Option(
                "--reject-invalid", help="自相交等无效多边形直接拒绝（默认自动修复并报告）"
            ),
        ] = False,
        strict: Annotated[
            bool, typer.Option("--strict", help="网格重叠、缝隙、越界视为错误")
        ] = False,
    ) -> None:
        """导入街道、社区/村和网格边界：校验、修复、检查重叠/缝隙/越界，全部成功或全部不写入。"""
        setup()
        from lianqin.errors import LianqinError
        from lianqin.geo.regions import import_regions
        from lianqin.geo.validate import summarise

        try:
            text = file.read_text(encoding="utf-8-sig")
            result = import_regions(text, source=str(file), district_name=district_name,
                                    dry_run=dry_run, reject_invalid=reject_invalid, strict=strict)  # fmt: skip
        except OSError as exc:
            fail(f"读不了文件 {file}：{exc.strerror}", "检查路径和权限")
            return
        except LianqinError as exc:
            fail(exc.message, exc.hint)
            return
        if result.issues:
            console.print(summarise(result.issues))
        if result.errors:
            fail(f"{len(result.errors)} 个错误，未写入任何数据", "修正后重试；--dry-run 可反复校验")
        c = result.counts
        if result.written:
            from lianqin.audit.service import append

            append("create", None, "geo.regions", {"file": file.name, **c})
        verb = "已导入" if result.written else "校验通过（未写入）"
        console.print(f"{verb}：街道 {c['street']}，社区/村 {c['community']}，网格 {c['grid']}")

    @app.command("export-grids")
    def export_grids(
        file: Annotated[Path, typer.Argument(help="输出文件：.geojson 或 .csv（WKT）")],
        level: Annotated[str, typer.Option(help="all, street, community, grid")] = "all",
    ) -> None:
        """导出街道、社区/村、网格边界为 GeoJSON 或 CSV（WKT）。"""
        setup()
        from lianqin.geo.regions import export_regions
        from lianqin.geo.regions_io import write_csv_wkt, write_geojson

        levels = ("street", "community", "grid") if level == "all" else (level,)
        if not set(levels) <= {"street", "community", "grid"}:
            fail(f"未知层级 {level!r}", "all, street, community 或 grid")
        records = export_regions(levels)
        text = write_csv_wkt(records) if file.suffix.lower() == ".csv" else write_geojson(records)
        file.write_text(text, encoding="utf-8")
        console.print(f"已导出 {len(records)} 个区域到 {file}")

    @app.command("import-gazetteer")
    def import_gazetteer(
        file: Annotated[
            Path,
            typer.Argument(
                help="地名库 CSV：kind,name,aliases,street,community,grid,road,from_no,to_no,parity,lon,lat"
            ),
        ],
        replace: Annotated[bool, typer.Option("--replace", help="先清空现有地名库")] = False,
    ) -> None:
        """导入本区地名库（街道、社区、道路门牌段、小区、地标）。"""
        setup()
        from lianqin.errors import LianqinError
        from lianqin.geo.gazetteer_csv import parse_gazetteer_csv
        from lianqin.geo.gazetteer_store import load_gazetteer

        try:
            places, segments = parse_gazetteer_csv(
                file.read_text(encoding="utf-8-sig"), source=str(file)
            )
        except OSError as exc:
            fail(f"读不了文件 {file}：{exc.strerror}", "检查路径和权限")
            return
        except LianqinError as exc:
            fail(exc.message, exc.hint)
            return
        load_gazetteer(places, segments, replace=replace)
        from lianqin.audit.service import append

        append("create", None, "geo.gazetteer", {"file": file.name, "places": len(places),
               "segments": len(segments), "replace": replace})  # fmt: skip
        console.print(f"已导入地名 {len(places)} 个，道路门牌段 {len(segments)} 段")

    @app.command("export-gazetteer")
    def export_gazetteer(file: Annotated[Path, typer.Argument(help="输出 CSV")]) -> None:
        """导出本区地名库为 CSV（可编辑后再导入）。"""
        setup()
        from lianqin.geo.gazetteer_csv import write_gazetteer_csv
        from lianqin.geo.gazetteer_store import dump_gazetteer

        places, segments = dump_gazetteer()
        file.write_text(write_gazetteer_csv(places, segments), encoding="utf-8")
        console.print(f"已导出地名 {len(places)} 个，道路门牌段 {len(segments)} 段到 {file}")

    @app.command()
    def locate(
        query: Annotated[str, typer.Argument(help="地址，或 '纬度,经度'（如 32.06,118.63）")],
        crs: Annotated[str, typer.Option(help="坐标系：wgs84, gcj02, bd09")] = "wgs84",
        as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    ) -> None:
        """定位：地址或坐标 → 网格编码、社区、街道、置信度。"""
        setup()
        from lianqin.errors import LianqinError
        from lianqin.geo import service

        try:
            point = _parse_lat_lon(query)
            where = (service.locate_point(point[1], point[0], crs) if point
                     else service.locate_address(query))  # fmt: skip
        except LianqinError as exc:
            fail(exc.message, exc.hint)
            return
        out = where.as_dict()
        if as_json:
            typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        elif out["grid"] is None:
            fail("未能定位到本区网格" + ("（坐标在本区范围外）" if point else "（地名库中无匹配）"),
                 "检查坐标系 --crs，或补充道路门牌、小区名")  # fmt: skip
        else:
            console.print(f"网格 {out['grid']} {out['grid_name']}  社区 {out['community']}  "
                          f"街道 {out['street']}  置信度 {out['confidence']:.2f}"
                          + (f"  匹配「{out['matched']}」" if out["matched"] else "")
                          + f"  WGS-84 {out['lon']:.6f},{out['lat']:.6f}")  # fmt: skip
        if out["grid"] is None:
            raise typer.Exit(1)

    @app.command("grid-plan")
    def grid_plan(
        urban: Annotated[int, typer.Option(help="城市网格标准户数")] = 500,
        rural: Annotated[int, typer.Option(help="农村网格标准户数")] = 300,
        tolerance: Annotated[float, typer.Option(help="允许偏差（0.2 即 ±20%）")] = 0.2,
        community: Annotated[str, typer.Option(help="只看某社区/街道（编码前缀）")] = "",
        as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    ) -> None:
        """网格规划报告：户数偏多/偏少的网格、拆分与合并建议、无网格员的网格、超负荷网格员。"""
        setup()
        from lianqin.geo.regions import planning_report

        report = planning_report(urban_target=urban, rural_target=rural, tolerance=tolerance,
                                 community=community).to_dict()  # fmt: skip
        if as_json:
            typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
            return
        _print_plan(report, console)


def _parse_lat_lon(text: str) -> tuple[float, float] | None:
    parts = text.replace("，", ",").split(",")
    if len(parts) != 2:
        return None
    try:
        return float(parts[0]), float(parts[1])
    except ValueError:
        return None


def _print_plan(report: dict[str, Any], console: Console) -> None:
    console.print(json.dumps(report.get("totals", {}), ensure_ascii=False))
    table = Table(title="需调整的网格")
    for col in ("网格", "户数", "状态", "建议"):
        table.add_column(col)
    for g in report.get("grids", []):
        if g.get("status") != "ok":
            table.add_row(g.get("code", ""), str(g.get("households", "")), g.get("status", ""),
                          g.get("reason", ""))  # fmt: skip
    console.print(table)
