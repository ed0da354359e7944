"""``lianqin backup`` / ``lianqin restore``, tested by restoring and comparing.

A backup and a restore replace database files and close connections, which must not
happen to pytest's own test database; so each backend gets a *worker*: a Python process
with Django set up on a throw-away data directory (SQLite) or a throw-away PostgreSQL
database, running this module's ``_w_*`` functions on request (``district.call``). The
district is seeded once per backend and backed up (the baseline); every test starts by
restoring the baseline, so the tests do not depend on their order.

Runs on SQLite, and on PostgreSQL as well when ``LIANQIN_DATABASE_URL`` points at
PostgreSQL (never in the database it names: a new one is created and dropped).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import select
import subprocess
import sys
import tarfile
import threading
import traceback
import uuid
from pathlib import Path
from typing import Any

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from lianqin.backup import DATABASE_MEMBERS
from lianqin.cli_backup import register

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"^lianqin-backup-\d{8}-\d{6}(-\d+)?\.tar$")


def _backends() -> list[str]:
    url = os.environ.get("LIANQIN_DATABASE_URL", "")
    return ["sqlite", "postgresql"] if url.startswith("postgres") else ["sqlite"]


class Refused(Exception):
    """A :class:`~lianqin.errors.LianqinError` raised in the worker."""

    def __init__(self, kind: str, message: str, hint: str) -> None:
        super().__init__(f"{kind}: {message} ({hint})")
        self.kind, self.message, self.hint = kind, message, hint


class District:
    """The worker process of one backend, its data directory and its baseline backup."""

    def __init__(self, backend: str, root: Path) -> None:
        """A fresh data directory under ``root``; on PostgreSQL a new, empty database."""
        self.backend, self.root = backend, root
        self.data = root / "data"
        env = {k: v for k, v in os.environ.items() if k != "LIANQIN_DATABASE_URL"}
        env["LIANQIN_DATA_DIR"] = str(self.data)
        env.setdefault("LIANQIN_SECRET_KEY", "backup-test")
        self._server = self._database = ""
        if backend == "postgresql":
            import psycopg

            self._server = os.environ["LIANQIN_DATABASE_URL"].rsplit("/", 1)[0]
            self._database = f"lianqin_backup_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(f"{self._server}/postgres", autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self._database}"')
            env["LIANQIN_DATABASE_URL"] = f"{self._server}/{self._database}"
        self._log = root / "worker.log"
        with open(self._log, "wb") as log:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", "from tests.integration.test_backup import _serve; _serve()"],
                cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
            )  # fmt: skip
        self.seeded: dict[str, Any] = {}
        self.baseline = ""

    def call(self, name: str, *args: Any) -> Any:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write((json.dumps([name, list(args)]) + "\n").encode())
        self._proc.stdin.flush()
        ready, _, _ = select.select([self._proc.stdout], [], [], 240)
        line = self._proc.stdout.readline() if ready else b""
        if not line:
            raise AssertionError(f"worker gave no answer to {name}:\n{self._tail()}")
        answer = json.loads(line)
        if "error" in answer:
            raise Refused(**answer["error"])
        if "crash" in answer:
            raise AssertionError(f"{name} failed in the worker:\n{answer['crash']}")
        return answer["ok"]

    def reset(self) -> None:
        self.call("restore", self.baseline, True)

    def photos(self) -> dict[str, bytes]:
        folder = self.data / "media"
        return {p.relative_to(folder).as_posix(): p.read_bytes()
                for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._database:
            import psycopg

            with psycopg.connect(f"{self._server}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self._database}" WITH (FORCE)')

    def _tail(self) -> str:
        return self._log.read_text(errors="replace")[-4000:]


@pytest.fixture(scope="module", params=_backends())
def district(request, tmp_path_factory):
    d = District(request.param, tmp_path_factory.mktemp(f"backup-{request.param}"))
    try:
        d.seeded = d.call("seed")
        d.baseline = d.call("backup", str(d.root / "baseline"))["path"]
        yield d
    finally:
        d.close()


# ------------------------------------------------------------------------------ tests


def test_round_trip_brings_back_every_row_and_photo(district):
    d = district
    d.reset()
    before, photos = d.call("digest"), d.photos()
    assert before == d.seeded and before["tables"]["cases_case"] == 12 and len(photos) == 3
    made = d.call("backup", str(d.root / "round-trip"))
    path = Path(made["path"])
    assert NAME.match(path.name) and path.stat().st_mode & 0o077 == 0
    assert not list(path.parent.glob("*.partial")) and not list(path.parent.glob(".lianqin-*"))
    manifest = _manifest(path)
    assert manifest["vendor"] == d.backend and manifest["lianqin"] and manifest["created_at"]
    assert manifest["tables"] == before["tables"]
    assert {n[len("media/") :] for n in manifest["files"] if n.startswith("media/")} == set(photos)
    assert made["cases"] == 12 and made["media_files"] == 3

    changed = d.call("mutate")
    for key in ("cases", "events", "reports", "tables"):
        assert changed[key] != before[key], key
    assert d.photos() != photos

    with pytest.raises(Refused) as refused:  # the database holds cases
        d.call("restore", str(path), False)
    assert refused.value.kind == "Conflict" and "--force" in refused.value.hint
    if d.backend == "sqlite":  # the server still running (PostgreSQL: see docs/backup.md)
        with pytest.raises(Refused) as refused:
            d.call("restore_while_open", str(path))
        assert "其他进程" in refused.value.message and "停止服务" in refused.value.hint
    assert d.call("digest") == changed

    restored = d.call("restore", str(path), True)
    assert restored["rows"] == sum(before["tables"].values())
    assert d.call("digest") == before
    assert d.photos() == photos  # byte for byte, and the new photo is gone
    assert d.call("integrity") == "ok"
    assert not [p.name for p in d.data.iterdir() if p.name.startswith(".lianqin-")]


def test_damaged_or_truncated_backup_is_refused_and_nothing_changes(district):
    d = district
    d.reset()
    changed, photos = d.call("mutate"), d.photos()
    good = Path(d.baseline)
    data = good.read_bytes()
    with tarfile.open(good) as tar:
        members = {m.name: m for m in tar.getmembers()}
    database = _manifest(good)["database"]
    photo = next(n for n in members if n.startswith("media/"))
    cases = {
        "flipped-db.tar": (database, _flip(data, members[database].offset_data + 200)),
        "flipped-photo.tar": (photo, _flip(data, members[photo].offset_data + 300)),
        "truncated.tar": ("截断", data[: members[photo].offset_data + 100]),
        "headless.tar": ("manifest.json", data[: members["manifest.json"].offset]),
    }
    for file, (named, content) in cases.items():
        bad = d.root / file
        bad.write_bytes(content)
        with pytest.raises(Refused) as refused:
            d.call("restore", str(bad), True)
        assert refused.value.kind == "InvalidInput" and named in refused.value.message, file
        assert refused.value.hint
        assert d.call("digest") == changed, file
        assert d.photos() == photos, file


def test_other_vendor_newer_schema_and_wrong_counts_are_refused(district):
    d = district
    d.reset()
    good = Path(d.baseline)
    other = "postgresql" if d.backend == "sqlite" else "sqlite"
    ours, theirs = DATABASE_MEMBERS[d.backend], DATABASE_MEMBERS[other]
    foreign = _repack(good, d.root / "foreign.tar", rename={ours: theirs},
                      edit=lambda m: m.update(vendor=other, database=theirs))  # fmt: skip
    future = _repack(good, d.root / "future.tar",
                     edit=lambda m: m["migrations"].append(["cases", "9999_from_the_future"]))  # fmt: skip
    before = d.call("digest")
    with pytest.raises(Refused) as refused:
        d.call("restore", str(foreign), True)
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    assert names[other] in refused.value.message and names[d.backend] in refused.value.message
    assert "LIANQIN_DATABASE_URL" in refused.value.hint
    with pytest.raises(Refused) as refused:
        d.call("restore", str(future), True)
    assert "9999_from_the_future" in refused.value.message and "升级" in refused.value.hint
    assert d.call("digest") == before

    def miscount(m: dict) -> None:
        m["tables"]["cases_case"] += 1

    wrong = _repack(good, d.root / "miscount.tar", edit=miscount)
    with pytest.raises(Refused) as refused:
        d.call("restore", str(wrong), True)
    assert refused.value.kind == "Conflict" and "cases_case" in refused.value.message
    if d.backend == "sqlite":  # checked before the live file is replaced
        assert "未改动" in refused.value.message and d.call("digest") == before


def test_backup_while_another_connection_writes_is_one_instant(district):
    d = district
    d.reset()
    seen = d.call("backup_while_writing", str(d.root / "busy"))
    # rows committed before the snapshot are in it, none from after the backup returned
    assert seen["before"] + 3 <= seen["in_backup"] <= seen["after"], seen
    d.call("restore", seen["path"], True)
    assert d.call("integrity") == "ok"
    assert d.call("count", "django_session") == seen["in_backup"]


def test_restore_into_a_fresh_installation(district, tmp_path):
    """The disaster: a new machine, an empty data directory (and database), the backup."""
    fresh = District(district.backend, tmp_path)
    try:
        res = fresh.call("cli", ["restore", district.baseline])  # no cases here: no --force
        assert res["code"] == 0 and "已恢复" in res["stdout"], res
        assert fresh.call("digest") == district.seeded
        district.reset()
        assert fresh.photos() == district.photos()
        # the classifier's file is found in the new data directory
        assert fresh.call("model_files") == [
            [str(fresh.data / "models" / "classifier-test.joblib"), True]
        ]
    finally:
        fresh.close()


def test_pg_tools_get_the_password_from_the_environment_only(monkeypatch):
    """``ps`` shows command lines: the password goes to pg_dump/pg_restore as PGPASSWORD;
    their error output loses the lines that can quote a row's values."""
    from django.db import connections

    from lianqin import backup

    settings = connections["default"].settings_dict
    for key, value in {"NAME": "district", "USER": "lianqin", "PASSWORD": "s3cret-Pw",
                       "HOST": "db.example", "PORT": "6543"}.items():  # fmt: skip
        monkeypatch.setitem(settings, key, value)
    monkeypatch.setitem(settings, "OPTIONS", {"sslmode": "require"})
    seen: dict[str, Any] = {}

    def run(command, *, env, **kwargs):
        seen.update(command=command, env=env)
        stderr = (
            'pg_dump: error: query failed: ERROR:  duplicate key value violates unique constraint "x"\n'
            "DETAIL:  Key (phone)=(13812345678) already exists.\n"
        )
        return subprocess.CompletedProcess(command, 1, "", stderr)

    monkeypatch.setattr(backup.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(backup.subprocess, "run", run)
    with pytest.raises(backup.Conflict) as refused:
        backup._run_pg("pg_dump", ["--format=custom"])
    assert "s3cret-Pw" not in " ".join(seen["command"]) and "--no-password" in seen["command"]
    assert seen["env"]["PGPASSWORD"] == "s3cret-Pw" and seen["env"]["PGHOST"] == "db.example"
    assert seen["env"]["PGPORT"] == "6543" and seen["env"]["PGSSLMODE"] == "require"
    assert "--dbname=district" in seen["command"]
    assert "duplicate key" in refused.value.message and "13812345678" not in refused.value.message


def test_interrupted_backup_leaves_no_file_under_the_final_name(district):
    d = district
    target = d.root / "interrupted"
    assert d.call("backup_interrupted", str(target)) == []  # no file, no .partial, no temp


def test_cli_backup_and_restore(district):
    d = district
    d.reset()
    res = d.call("cli", ["backup", str(d.root / "cli"), "--json"])
    assert res["code"] == 0, res
    made = json.loads(res["stdout"])
    assert Path(made["path"]).parent == d.root / "cli" and made["cases"] == 12
    res = d.call("cli", ["backup", "--json"])  # default: <data dir>/backups/
    assert res["code"] == 0 and Path(json.loads(res["stdout"])["path"]).parent == d.data / "backups"
    named = d.root / "cli" / "named.tar"
    res = d.call("cli", ["backup", str(named)])
    assert res["code"] == 0 and "已备份" in res["stdout"] and "secret_key" in res["stdout"]
    res = d.call("cli", ["backup", str(named)])
    assert res["code"] == 2 and "已存在" in res["stderr"] and "Traceback" not in res["output"]

    d.call("mutate")
    res = d.call("cli", ["restore", str(named)])
    assert res["code"] == 2 and "已有" in res["stderr"] and "--force" in res["stderr"]
    res = d.call("cli", ["restore", str(named), "--force"])
    assert res["code"] == 0 and "已恢复" in res["stdout"] and "逐表核对一致" in res["stdout"]
    assert d.call("digest") == d.seeded
    res = d.call("cli", ["restore", made["path"], "--force", "--json"])
    assert res["code"] == 0 and json.loads(res["stdout"])["cases"] == 12


def test_cli_check_and_errors_need_no_database(district, tmp_path):
    """``restore --check`` and the refusals before any database work run in-process."""
    app = typer.Typer()
    out = io.StringIO()

    def fail(message: str, hint: str = "") -> None:
        typer.echo(f"错误 {message}" + (f"\n提示 {hint}" if hint else ""), err=True)
        raise typer.Exit(2)

    def no_setup() -> None:
        raise AssertionError("--check must not set up the database")

    register(app, setup=no_setup, fail=fail, console=Console(file=out, width=200))
    runner = CliRunner()
    res = runner.invoke(app, ["restore", district.baseline, "--check"])
    assert res.exit_code == 0 and "备份完整" in out.getvalue(), res.output
    res = runner.invoke(app, ["restore", district.baseline, "--check", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["cases"] == 12
    bad = tmp_path / "bad.tar"
    data = Path(district.baseline).read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    res = runner.invoke(app, ["restore", str(bad), "--check"])
    assert res.exit_code == 2 and "截断" in res.stderr and "Traceback" not in res.output
    res = runner.invoke(app, ["restore", str(tmp_path / "none.tar")])
    assert res.exit_code == 2 and "找不到备份文件" in res.stderr
    for command in ("backup", "restore"):
        assert "Usage" in runner.invoke(app, [command, "--help"]).output


# ------------------------------------------------------------------------ helpers


def _manifest(path: Path) -> dict:
    with tarfile.open(path) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return json.loads(member.read())


def _flip(data: bytes, at: int) -> bytes:
    out = bytearray(data)
    out[at] ^= 0xFF
    return bytes(out)


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    stream = tar.extractfile(member)
    assert stream is not None
    return stream.read()


def _repack(src: Path, dst: Path, *, rename: dict | None = None, edit=None) -> Path:
    """A copy of a backup with members renamed and the manifest edited, its checksums
    recomputed: what a backup of that other kind would look like."""
    rename = rename or {}
    with tarfile.open(src) as tin, tarfile.open(dst, "w") as tout:
        manifest = json.loads(_read(tin, tin.getmember("manifest.json")))
        files = {}
        for member in tin.getmembers():
            if member.name == "manifest.json":
                continue
            data = _read(tin, member)
            name = rename.get(member.name, member.name)
            files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tout.addfile(info, io.BytesIO(data))
        manifest["files"] = files
        if edit is not None:
            edit(manifest)
        text = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(text)
        tout.addfile(info, io.BytesIO(text))
    return dst


# ------------------------------------------------------------------ the worker's side


def _serve() -> None:
    """The worker: one JSON request per line on stdin, one JSON answer per line on the
    original stdout; anything else printed goes to stderr (the log)."""
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianqin.settings")
    import django

    django.setup()
    from django.test.utils import override_settings

    from lianqin.errors import LianqinError

    # the real hasher is Argon2, deliberately slow; the seed creates ~20 people
    override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]).enable()
    for line in sys.stdin:
        name, args = json.loads(line)
        try:
            answer: dict[str, Any] = {"ok": globals()[f"_w_{name}"](*args)}
        except LianqinError as exc:
            answer = {"error": {"kind": type(exc).__name__, "message": exc.message,
                                "hint": exc.hint}}  # fmt: skip
        except Exception:
            answer = {"crash": traceback.format_exc()}
        answers.write(json.dumps(answer, ensure_ascii=False, default=str) + "\n")
        answers.flush()


def _w_seed() -> dict:
    from django.core.management import call_command

    from lianqin import photos
    from tests.factories import make_world, new_case

    call_command("migrate", interactive=False, verbosity=0)
    world = make_world()
    for i in range(12):
        new_case(world, grid=i % 8, title=f"测试案件{i}", description=f"第{i}号路口积水")
    for i in range(3):
        photos.save(_picture(i))
    from django.utils import timezone

    from lianqin import conf
    from lianqin.triage.models import ClassifierModel

    model = conf.data_dir() / "models" / "classifier-test.joblib"
    model.parent.mkdir()
    model.write_bytes(b"not a real model")
    ClassifierModel.objects.create(path=str(model), sha256="0" * 64, trained_at=timezone.now(),
                                   n_train=1, threshold=0.9)  # fmt: skip
    return _w_digest()


def _w_digest() -> dict:
    """Every table's row count and a digest of the key tables' content."""
    from django.db import connection

    from lianqin.cases.models import Case, CaseEvent, Report

    with connection.cursor() as cur:
        tables = {}
        for table in sorted(connection.introspection.table_names(cur)):
            cur.execute(f'SELECT count(*) FROM "{table}"')
            tables[table] = cur.fetchone()[0]
    cases = Case.objects.order_by("number").values_list("number", "status", "version")
    events = CaseEvent.objects.order_by("case__number", "seq").values_list(
        "case__number", "seq", "action", "from_state", "to_state", "note"
    )
    reports = Report.objects.order_by("pk").values_list("pk", "raw")
    return {"tables": tables, "cases": _sha(cases), "events": _sha(events),
            "reports": _sha(reports)}  # fmt: skip


def _w_mutate() -> dict:
    """Add cases and a photo, change and delete rows behind the application's back."""
    from django.db import connection

    from lianqin import photos
    from lianqin.cases.access import actor_for
    from lianqin.cases.actions import NewReport, create_case
    from lianqin.org.models import Grid, Person

    grid = Grid.objects.order_by("code").first()
    actor = actor_for(Person.objects.get(username="system"))
    for i in range(2):
        create_case(actor, NewReport(channel="hotline_12345", title=f"新案件{i}",
                                     description=f"恢复后不应存在{i}", lon=grid.centroid_lon,
                                     lat=grid.centroid_lat))  # fmt: skip
    from lianqin.audit import protect

    # damage beyond what the application allows (history is append-only in the database):
    # the restore must bring back the deleted line all the same
    with protect.unlocked(), connection.cursor() as cur:
        first = "(SELECT min(id) FROM cases_case)"
        cur.execute(
            f"UPDATE cases_case SET status = 'closed', version = version + 5 WHERE id = {first}"
        )
        cur.execute("DELETE FROM cases_caseevent WHERE id = (SELECT max(id) FROM cases_caseevent)")
        cur.execute(
            "UPDATE cases_report SET raw = 'changed' WHERE id = (SELECT min(id) FROM cases_report)"
        )
    old = sorted(photos.folder().rglob("*.jpg"))[0]
    old.unlink()
    photos.save(_picture(9))
    return _w_digest()


def _w_backup(target: str) -> dict:
    from lianqin.backup import backup

    return backup(Path(target))


def _w_restore(source: str, force: bool) -> dict:
    from lianqin.backup import restore

    return restore(Path(source), force=force)


def _w_restore_while_open(source: str) -> dict:
    import sqlite3

    from django.db import connection

    from lianqin.backup import restore

    server = sqlite3.connect(connection.settings_dict["NAME"])
    try:
        server.execute("SELECT count(*) FROM cases_case").fetchone()
        return restore(Path(source), force=True)
    finally:
        server.close()


def _w_model_files() -> list[list]:
    from lianqin.triage.models import ClassifierModel

    return [[row.path, Path(row.path).is_file()] for row in ClassifierModel.objects.all()]


def _w_integrity() -> str:
    from django.db import connection

    if connection.vendor != "sqlite":
        return "ok"  # PostgreSQL: the restore's own checks (single transaction, row counts)
    with connection.cursor() as cur:
        cur.execute("PRAGMA integrity_check")
        return ";".join(row[0] for row in cur.fetchall())


def _w_count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f'SELECT count(*) FROM "{table}"')
        return cur.fetchone()[0]


def _w_backup_while_writing(target: str) -> dict:
    """A thread inserts sessions, one transaction each, all through the backup; the
    backup's snapshot is taken only after it has written a few rows more."""
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.utils import timezone

    from lianqin.backup import backup

    stop, written = threading.Event(), [0]

    def write() -> None:
        try:
            while not stop.is_set():
                Session.objects.create(session_key=uuid.uuid4().hex, session_data="x",
                                       expire_date=timezone.now() + timedelta(days=1))  # fmt: skip
                written[0] += 1
        finally:
            connection.close()

    def wait_for(n: int) -> None:
        start = written[0]
        while written[0] < start + n and writer.is_alive():
            stop.wait(0.005)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        wait_for(5)
        before = Session.objects.count()

        def progress(stage: str, done: int, total: int) -> None:
            if stage == "数据库快照" and done == 0:
                wait_for(3)  # committed before the snapshot: must be in it

        made = backup(Path(target), progress=progress)
        after = Session.objects.count()
    finally:
        stop.set()
        writer.join()
    return {"before": before, "after": after,
            "written": written[0], "path": made["path"],
            "in_backup": _manifest(Path(made["path"]))["tables"]["django_session"]}  # fmt: skip


def _w_backup_interrupted(target: str) -> list[str]:
    from lianqin.backup import backup

    def progress(stage: str, done: int, total: int) -> None:
        if stage != "数据库快照":
            raise KeyboardInterrupt  # Ctrl+C halfway through the photos

    try:
        backup(Path(target), progress=progress)
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("the backup was not interrupted")
    return sorted(p.name for p in Path(target).iterdir())


def _w_cli(args: list[str]) -> dict:
    from lianqin.cli import fail, setup

    app = typer.Typer()
    out = io.StringIO()
    register(app, setup=setup, fail=fail, console=Console(file=out, width=200))
    res = CliRunner().invoke(app, args)
    return {"code": res.exit_code, "stdout": out.getvalue() + res.stdout,
            "stderr": res.stderr, "output": res.output}  # fmt: skip


def _picture(seed: int) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (64, 48), (seed * 40 % 256, 120, 200 - seed * 10))
    for x in range(0, 64, 4):
        image.putpixel((x, seed % 48), (255, 255, 255))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _sha(rows: Any) -> str:
    return hashlib.sha256(json.dumps(list(rows), default=str).encode()).hexdigest()
