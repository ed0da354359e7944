"""``lianqin audit verify|prune|show`` and ``lianqin user reset-password|unlock``
(the work is in :mod:`lianqin.audit.service` and :mod:`lianqin.accounts.service`).

What must hold: ``audit verify`` exits 0 only when both chains follow and the database's
append-only triggers are in place, and otherwise lists every break (where, which line,
why) and exits 1; it shows progress on a large history; ``--json`` prints the summary
alone, for monitoring. ``user reset-password`` prints the temporary password once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


def register(
    app: typer.Typer, *, setup: Callable[[], Any], fail: Callable[..., None], console: Console
) -> None:
    audit = typer.Typer(help="审计日志：校验哈希链、按保存期限清理、查看", no_args_is_help=True)
    users = typer.Typer(help="账号：管理员重置密码、解锁", no_args_is_help=True)
    app.add_typer(audit, name="audit")
    app.add_typer(users, name="user")

    @audit.command("verify")
    def verify_command(
        as_json: Annotated[bool, typer.Option("--json", help="只输出 JSON 结果")] = False,
        anchor: Annotated[
            Path | None,
            typer.Option(
                help="外部锚点文件（放在数据库主机之外）：先核对上次记下的链头，再追加本次的"
            ),
        ] = None,
    ) -> None:
        """校验审计日志与每个案件历史的哈希链，以及数据库的防改删触发器。"""
        setup()
        from lianqin.audit import protect
        from lianqin.audit.service import Anchor, check_anchor, current_anchor, verify

        if as_json:
            report = verify()
        else:
            with Progress(SpinnerColumn(), TextColumn("{task.description}"),
                          TimeElapsedColumn(), console=console) as bar:  # fmt: skip
                task = bar.add_task("校验案件历史…", total=None)
                report = verify(lambda n: bar.update(task, description=f"已校验 {n:,} 条案件历史"))
        unprotected = sorted(set(protect.TABLES) - set(report.protected))
        if anchor is not None and anchor.exists():
            lines = [x for x in anchor.read_text().splitlines() if x.strip()]
            if lines:
                check_anchor(Anchor.parse(lines[-1]), report)
        if anchor is not None and report.ok:
            with anchor.open("a") as out:
                out.write(current_anchor(report).line() + "\n")
        summary: dict[str, Any] = {
            "ok": report.ok,
            "audit_lines": report.log_lines,
            "cases": report.cases,
            "history_lines": report.history_lines,
            "protected_tables": report.protected,
            "unprotected_tables": unprotected,
            "breaks": [b.__dict__ for b in report.breaks],
        }
        if as_json:
            typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            console.print(
                f"审计日志 {report.log_lines:,} 条；案件 {report.cases:,} 件、"
                f"历史 {report.history_lines:,} 条"
            )
            for table in unprotected:
                console.print(
                    f"[red]未受保护[/red] {table}：缺少防改删触发器（lianqin status 或重启服务会重新安装；查明是谁删的）"
                )
            for b in report.breaks[:50]:
                console.print(f"[red]断链[/red] {b.where} 第 {b.position} 条：{b.reason}")
            if len(report.breaks) > 50:
                console.print(f"……另有 {len(report.breaks) - 50} 处")
            console.print("[green]完好[/green]" if report.ok else "[red]发现篡改或缺失[/red]")
        raise typer.Exit(0 if report.ok else 1)

    @audit.command("key")
    def key_command() -> None:
        """打印审计链当前使用的密钥（十六进制）：更换 secret key 之前把它设为 LIANQIN_AUDIT_KEY。"""
        setup()
        from lianqin.audit.keys import chain_key

        typer.echo(chain_key().hex())

    @audit.command("prune")
    def prune_command() -> None:
        """删除超过保存期限（LIANQIN_AUDIT_RETENTION_DAYS，至少 180 天）的审计记录。"""
        setup()
        from lianqin.audit.service import prune, retention_days

        removed = prune()
        console.print(f"保存期限 {retention_days()} 天；清理 {removed:,} 条审计记录")

    @audit.command("show")
    def show_command(
        limit: Annotated[int, typer.Option(help="最近多少条")] = 30,
        kind: Annotated[str, typer.Option(help="只看某一类，如 reveal、login_failed")] = "",
    ) -> None:
        """最近的审计记录。"""
        setup()
        from django.utils import timezone

        from lianqin.audit.models import AuditEntry

        rows = AuditEntry.objects.order_by("-seq")
        if kind:
            rows = rows.filter(kind=kind)
        for e in rows[:limit]:
            when = timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S")
            console.print(f"#{e.seq} {when} {e.get_kind_display()} {e.actor_name} {e.target} "
                          f"{json.dumps(e.detail, ensure_ascii=False)}", markup=False)  # fmt: skip

    def _person(username: str) -> Any:
        from lianqin.org.models import Person

        person = Person.objects.filter(username=username).first()
        if person is None:
            fail(f"没有用户名为“{username}”的账号", "用 lianqin status 或管理后台查看账号")
        return person

    @users.command("reset-password")
    def reset_command(username: str) -> None:
        """生成一次性临时密码（下次登录须修改），并解除锁定。"""
        setup()
        from lianqin.accounts.service import reset_password

        password = reset_password(None, _person(username))
        console.print(f"{username} 的临时密码：[bold]{password}[/bold]（只显示这一次）")

    @users.command("unlock")
    def unlock_command(username: str) -> None:
        """解除连续登录失败造成的锁定。"""
        setup()
        from lianqin.accounts.service import unlock

        unlock(None, _person(username))
        console.print(f"{username} 已解锁")
