"""``lianqin rollup`` (rebuild the indicators' rollup, with progress) and ``lianqin warnings``
(run the early-warning scan now and list what it found)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


def register(
    app: typer.Typer, *, setup: Callable[[], Any], fail: Callable[..., None], console: Console
) -> None:
    @app.command()
    def rollup() -> None:
        """重建指标汇总（从全部案件和历史记录重新统计；升级后或核对时运行）。"""
        setup()
        from lianqin.evaluation import rollup as rollups

        started = time.perf_counter()
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())  # fmt: skip
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("统计案件", total=None)

            def step(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            result = rollups.rebuild(progress=step)
        console.print(
            f"已重建：{result['cases']:,} 件案件 → {result['rows']:,} 行汇总，"
            f"{result['event_rows']:,} 行操作汇总，用时 {time.perf_counter() - started:.1f} 秒"
        )

    @app.command()
    def warnings() -> None:
        """立即扫描预警（服务和 worker 每小时自动扫描），列出待处理的预警。"""
        setup()
        from lianqin.evaluation.early_warning import KINDS
        from lianqin.evaluation.early_warning_service import scan
        from lianqin.evaluation.models import EarlyWarning

        found = scan()
        console.print(
            "本次发现：" + ("，".join(f"{KINDS[k]} {n}" for k, n in found.items()) or "无")
        )
        table = Table("类型", "预警", "辖区", "件数")
        for w in EarlyWarning.objects.filter(state="open")[:50]:
            table.add_row(KINDS.get(w.kind, w.kind), w.title, w.area_code, str(w.count))
        console.print(table)
