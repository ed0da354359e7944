"""The ``lianqin`` command: set up, run and inspect a district.

Every command reads ``LIANQIN_DATA_DIR`` and ``LIANQIN_DATABASE_URL`` (see README), sets
up Django itself, reports errors as one clear line (what, where, how to fix) and exits
non-zero on failure.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    help="联勤指挥平台 Lianqin — 网格化社会治理大联勤",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianqin.settings")
    import django

    django.setup()


def fail(message: str, hint: str = "") -> None:
    err.print(f"[red]错误[/red] {message}" + (f"\n[yellow]提示[/yellow] {hint}" if hint else ""))
    raise typer.Exit(2)


def migrate(verbose: bool = True) -> None:
    from django.core.management import call_command

    if verbose:
        console.print(f"数据库：{describe_database()}")
    call_command("migrate", interactive=False, verbosity=0)


def describe_database() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        return f"SQLite（内嵌）{connection.settings_dict['NAME']}"
    s = connection.settings_dict
    return f"PostgreSQL {s.get('HOST') or 'localhost'}:{s.get('PORT') or 5432}/{s['NAME']}"


@app.command()
def init(
    username: Annotated[str, typer.Option(help="首个管理员用户名")] = "admin",
    password: Annotated[
        str | None, typer.Option(help="管理员密码（不填则交互输入，或读 LIANQIN_ADMIN_PASSWORD）")
    ] = None,
) -> None:
    """建库、迁移、载入默认派单目录和参勤单位、创建首个管理员。"""
    setup()
    from lianqin.org.models import Person
    from lianqin.org.reference import load_defaults

    migrate()
    counts = load_defaults()
    console.print(
        f"默认数据：时限策略 {counts['policies']} 新增，参勤单位 {counts['units']}，"
        f"派单目录 {counts['categories']} 条"
    )
    if Person.objects.filter(username=username).exists():
        console.print(f"管理员 {username} 已存在，未改动")
        return
    password = password or os.environ.get("LIANQIN_ADMIN_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            fail("未提供管理员密码", "加 --password 或设置 LIANQIN_ADMIN_PASSWORD")
        password = typer.prompt("管理员密码", hide_input=True, confirmation_prompt=True)
    from lianqin.org.people import create_person

    create_person(username, password, role="admin", name="系统管理员", staff=True)
    console.print(f"[green]已创建管理员[/green] {username}")


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="随机种子：相同种子生成相同的示范区")] = 20261128,
    days: Annotated[int, typer.Option(help="生成多少天的历史案件")] = 30,
    per_day: Annotated[int, typer.Option(help="每天约多少件")] = 100,
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="只生成示范区，不启动服务")] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="清空后重新生成")] = False,
) -> None:
    """生成浦口式示范区（10街道、约120社区/村、719网格、3038名网格员、30天历史），然后启动服务。"""
    setup()
    from lianqin import conf
    from lianqin.demo.builder import DEMO_PASSWORD, build_demo, demo_exists, occupied, print_logins

    migrate()
    if demo_exists() and not rebuild:
        console.print("示范区已存在（加 --rebuild 可重新生成）")
    elif occupied() and not rebuild:
        fail(
            f"数据目录 {conf.data_dir()} 中已有区划或人员，示范区不会覆盖它们",
            "换一个 LIANQIN_DATA_DIR 运行示范区，或加 --rebuild 清空后重建（删除全部案件、人员和区划）",
        )
    else:
        build_demo(seed=seed, days=days, per_day=per_day, console=console, wipe_first=rebuild)
    print_logins(console, DEMO_PASSWORD)
    if not no_serve:
        _serve(host, port, sweeper=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    no_sweeper: Annotated[
        bool, typer.Option("--no-sweeper", help="不在本进程运行后台循环")
    ] = False,
) -> None:
    """启动 Web 服务（uvicorn）和内嵌后台循环（时限预警、发件箱投递）。"""
    setup()
    migrate()
    _serve(host, port, sweeper=not no_sweeper)


def _serve(host: str, port: int, *, sweeper: bool) -> None:
    import threading

    import uvicorn

    from lianqin.jobs.sweeper import run_loop

    stop = threading.Event()
    if sweeper:
        threading.Thread(target=run_loop, args=(stop,), name="sweeper", daemon=True).start()
    console.print(
        f"[bold green]联勤指挥平台已启动[/bold green]  http://{host}:{port}/  "
        f"管理后台 /admin/  接口文档 /api/docs   (Ctrl+C 停止)"
    )
    config = uvicorn.Config(
        "lianqin.asgi:application",
        host=host,
        port=port,
        timeout_graceful_shutdown=3,
        log_level="info",
        log_config=_uvicorn_logging(),
    )
    try:
        uvicorn.Server(config).run()
    finally:
        stop.set()


@app.command()
def worker(
    interval: Annotated[float, typer.Option(help="两次扫描的间隔秒数")] = 5.0,
    once: Annotated[bool, typer.Option("--once", help="只扫描一次并退出")] = False,
) -> None:
    """独立运行后台循环；可多个进程同时运行，同一事件不会触发两次。"""
    setup()
    import signal
    import threading

    from lianqin.jobs.sweeper import run_loop, sweep_once

    if once:
        result = sweep_once()
        console.print(
            f"检查预警 {result.warnings_checked}，变化 {result.warnings_changed}，"
            f"投递 {result.delivered}，失败 {result.failed}"
        )
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    console.print("后台循环运行中（Ctrl+C 停止）")
    run_loop(stop, interval=interval)


@app.command("import-categories")
def import_categories(
    file: Annotated[
        Path,
        typer.Argument(
            help="派单目录 CSV：一级分类,二级分类,三级分类[,编码,优先级,时限,主办单位,协办单位,关键词]"
        ),
    ],
    units: Annotated[
        Path | None, typer.Option(help="参勤单位 CSV（code,name,kind,short_name）")
    ] = None,
) -> None:
    """导入派单目录（可重复导入：编码相同则更新）。"""
    setup()
    from lianqin.org.catalogue_csv import CatalogueError, parse_catalogue_csv, parse_units_csv
    from lianqin.org.models import DeadlinePolicy, Unit
    from lianqin.org.reference import load_catalogue, load_policies, load_units

    migrate(verbose=False)
    try:
        load_policies()
        if units is not None:
            load_units(parse_units_csv(units.read_text(encoding="utf-8-sig"), source=str(units)))
        known = set(Unit.objects.values_list("code", flat=True))
        policies = set(DeadlinePolicy.objects.values_list("code", flat=True))
        rows = parse_catalogue_csv(
            file.read_text(encoding="utf-8-sig"),
            source=str(file),
            known_units=known,
            known_policies=policies,
        )
    except OSError as exc:
        fail(f"读不了文件：{exc}", "检查路径和权限")
    except CatalogueError as exc:
        fail(str(exc))
    from lianqin.audit.signals import batch

    with batch("org.catalogue", {"file": file.name, "categories": len(rows)}):
        load_catalogue(rows)
    depth = {lvl: sum(1 for r in rows if r.level == lvl) for lvl in (1, 2, 3)}
    console.print(f"已导入 {len(rows)} 个类别：一级 {depth[1]}，二级 {depth[2]}，三级 {depth[3]}")


@app.command()
def createuser(
    username: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[
        str,
        typer.Option(
            help="dispatcher, duty_leader, grid_worker, unit_handler, unit_leader, inspector, callback_staff, leader, admin, system"
        ),
    ],
    scope: Annotated[str, typer.Option(help="辖区编码：区6位/街道9位/社区12位/网格15位")] = "",
    unit: Annotated[str, typer.Option(help="参勤单位编码（单位角色必填）")] = "",
    name: Annotated[str, typer.Option(help="姓名")] = "",
    password: Annotated[str | None, typer.Option(help="密码（不填则交互输入）")] = None,
    api_key: Annotated[
        bool, typer.Option("--api-key", help="同时签发 API 密钥（系统对接用）")
    ] = False,
) -> None:
    """创建人员账号（角色 + 辖区或单位），可签发 API 密钥。"""
    setup()
    from lianqin.errors import LianqinError
    from lianqin.org.people import create_person

    if password is None and not api_key:
        if not sys.stdin.isatty():
            fail("未提供密码", "加 --password，或系统账号加 --api-key")
        password = typer.prompt("密码", hide_input=True, confirmation_prompt=True)
    try:
        person, raw_key = create_person(
            username, password, role=role, scope=scope, unit=unit, name=name, issue_key=api_key
        )
    except LianqinError as exc:
        fail(exc.message, exc.hint)
    console.print(
        f"[green]已创建[/green] {person.username}（{person.get_role_display()}，"
        f"{person.scope_code or person.unit or '全区'}）"
    )
    if raw_key:
        console.print(f"API 密钥（只显示这一次）：{raw_key}")


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON，供脚本使用")] = False,
) -> None:
    """数据库、各级数量、网格员、各状态在办案件、预警、后台循环心跳。"""
    setup()
    from lianqin.status import collect

    migrate(verbose=False)
    data = collect(describe_database())
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    from lianqin.status import render

    render(data, console)


from lianqin.cli_audit import register as _register_audit  # noqa: E402
from lianqin.cli_backup import register as _register_backup  # noqa: E402
from lianqin.cli_classify import register as _register_classify  # noqa: E402
from lianqin.cli_evaluation import register as _register_evaluation  # noqa: E402
from lianqin.cli_geo import register as _register_geo  # noqa: E402
from lianqin.cli_hot import register as _register_hot  # noqa: E402
from lianqin.cli_intake import register as _register_intake  # noqa: E402


def _setup_quietly() -> None:
    setup()
    migrate(verbose=False)


_register_geo(app, setup=_setup_quietly, fail=fail, console=console)
_register_intake(app, setup=_setup_quietly, fail=fail, console=console)
_register_classify(app, setup=_setup_quietly, fail=fail, console=console)
_register_evaluation(app, setup=_setup_quietly, fail=fail, console=console)
_register_hot(app, setup=_setup_quietly, fail=fail, console=console)
_register_audit(app, setup=setup, fail=fail, console=console)
# plain setup: a backup must not migrate a database an older server may still be using
_register_backup(app, setup=setup, fail=fail, console=console)


def _uvicorn_logging() -> dict:
    """uvicorn's own logging (its access log does not propagate to ours), with phone and ID
    numbers masked in every line — a search by a caller's number is in a URL."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"personal_data": {"()": "lianqin.logfilter.MaskPersonalData"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["personal_data"]
    return config


def main() -> None:
    """Run the command; an unreachable database or a refused action is one clear line."""
    try:
        app()
    except Exception as exc:
        from django.db import OperationalError

        from lianqin.errors import LianqinError

        if isinstance(exc, LianqinError):
            err.print(
                f"[red]错误[/red] {exc.message}"
                + (f"\n[yellow]提示[/yellow] {exc.hint}" if exc.hint else "")
            )
            sys.exit(2)
        if isinstance(exc, OperationalError):
            err.print(f"[red]错误[/red] 数据库不可用：{str(exc).strip().splitlines()[0]}")
            err.print(
                "[yellow]提示[/yellow] 检查 LIANQIN_DATABASE_URL、数据库是否运行、数据目录是否可写"
            )
            sys.exit(3)
        raise


if __name__ == "__main__":
    main()
