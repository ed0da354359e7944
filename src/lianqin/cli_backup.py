"""``lianqin backup`` and ``lianqin restore``: the district in one file and back
(the work is in :mod:`lianqin.backup`; docs/backup.md says how to run them).

What must hold: ``backup`` is safe while the server runs; ``restore --check`` reads and
verifies a backup without touching the database; every refusal (a damaged file, a
database that holds cases without ``--force``, the other database vendor, a running
server on SQLite) is one clear line with a hint and exit code 2, and changes nothing;
``--json`` prints the summary alone on stdout (no progress bar), for scripts and cron.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)


def register(
    app: typer.Typer, *, setup: Callable[[], Any], fail: Callable[..., None], console: Console
) -> None:
    @app.command("backup")
    def backup_command(
        path: Annotated[
            Path | None,
            typer.Argument(
                help="备份目录（默认 数据目录/backups/，按时间命名）或以 .tar 结尾的文件名"
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出汇总")] = False,
    ) -> None:
        """备份数据库（SQLite 在线备份 / pg_dump）、照片和分类模型到一个 .tar 文件；服务运行时也可备份。"""
        setup()
        from lianqin import backup as backups
        from lianqin.errors import LianqinError

        try:
            with _progress(console, as_json) as step:
                result = backups.backup(path, progress=step)
        except LianqinError as exc:
            fail(exc.message, exc.hint)
            return
        except OSError as exc:
            fail(f"备份失败：{exc.strerror or exc}", "检查备份目录的权限和磁盘空间")
            return
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False))
            return
        console.print(
            f"[green]已备份[/green] {result['path']}（{_size(result['size'])}）："
            f"{result['tables']} 张表 {result['rows']:,} 行，案件 {result['cases']:,} 件，"
            f"照片 {result['media_files']:,} 张，用时 {result['seconds']:.1f} 秒"
        )
        console.print(
            "请把备份复制到另一台机器或异地存储；密钥（LIANQIN_SECRET_KEY 或数据目录中的 "
            "secret_key）不在备份中，须另行保管"
        )

    @app.command("restore")
    def restore_command(
        file: Annotated[Path, typer.Argument(help="lianqin backup 生成的备份文件（.tar）")],
        force: Annotated[
            bool, typer.Option("--force", help="当前数据库已有案件时也替换（请先备份当前数据）")
        ] = False,
        check: Annotated[
            bool, typer.Option("--check", help="只校验备份文件是否完整，不恢复、不连数据库")
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出汇总")] = False,
    ) -> None:
        """从备份恢复数据库、照片和分类模型：先校验每个成员，恢复后逐表核对行数。SQLite 须先停止服务。"""
        from lianqin import backup as backups
        from lianqin.errors import LianqinError

        if not file.is_file():
            fail(f"找不到备份文件 {file}", "检查路径")
            return
        try:
            with _progress(console, as_json) as step:
                if check:
                    result = backups.verify(file, progress=step)
                else:
                    setup()
                    result = backups.restore(file, force=force, progress=step)
        except LianqinError as exc:
            fail(exc.message, exc.hint)
            return
        except OSError as exc:
            fail(f"恢复失败：{exc.strerror or exc}", "检查数据目录的权限和磁盘空间")
            return
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False))
            return
        vendor = backups.VENDOR_NAMES.get(result["vendor"], result["vendor"])
        made = f"{result['created_at']} 的备份（联勤 {result['lianqin']}，{vendor}）"
        if check:
            console.print(
                f"[green]备份完整[/green] {made}：{result['tables']} 张表 {result['rows']:,} 行，"
                f"照片 {result['media_files']:,} 张，全部成员校验和一致"
            )
            return
        console.print(
            f"[green]已恢复[/green] {made}：{result['tables']} 张表 {result['rows']:,} 行逐表核对一致，"
            f"案件 {result['cases']:,} 件，照片 {result['media_files']:,} 张，"
            f"用时 {result['seconds']:.1f} 秒"
        )


@contextmanager
def _progress(console: Console, quiet: bool) -> Iterator[Callable[[str, int, int], None]]:
    """A Rich bar per stage of :mod:`lianqin.backup`'s ``progress(stage, done, total)``."""
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=console, disable=quiet, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def step(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total or None)
            bar.update(tasks[stage], completed=done, total=total or None)

        yield step


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
