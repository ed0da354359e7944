"""Back up and restore a district — database, photos, classifier models — in one file.

Why: a district's cases are public records and its reporters' trust; losing the server must
not lose them, and a backup nobody ever restored is a hope, not a backup. ``backup`` writes
one archive, ``restore`` puts it back and proves it did by comparing every table's row count
with what the archive says it holds (docs/backup.md).

What must hold:

* One plain ``.tar`` (default ``<data dir>/backups/lianqin-backup-YYYYmmdd-HHMMSS.tar``):
  ``database/lianqin.sqlite3.gz`` (SQLite) or ``database/lianqin.pgdump`` (PostgreSQL,
  ``pg_dump --format=custom``), ``media/…`` (the photos), ``models/…`` (the classifier files
  the database points at) and, last, ``manifest.json``: format version, Lianqin version,
  database vendor, ``created_at``, the applied migrations, the row count of every table and
  the SHA-256 and size of every member. Plain tar so that a reader goes through it in one
  pass and can name the member where it is damaged; the database member is compressed, the
  photos (JPEG) would not shrink.
* SQLite is copied with the online backup API in ONE step (``Connection.backup`` with
  ``pages=-1``): one read transaction on the WAL database, so the copy is a single
  consistent instant while the server keeps writing. Never a file copy (a live WAL database
  copied file by file can be torn), never a stepwise backup (it restarts whenever another
  connection writes and may never finish on a busy server). Row counts are taken on the copy.
* PostgreSQL: row counts are taken in a REPEATABLE READ transaction whose exported snapshot
  ``pg_dump --snapshot`` uses, so counts and dump are the same instant. Connection parameters
  come from ``DATABASES['default']`` through ``PG*`` environment variables of the child
  process only: the password is never on a command line (``ps`` shows those) nor in a log.
* The archive is written as ``<name>.partial`` (mode 600: it holds personal data), fsynced
  and renamed: an interrupted backup never leaves a half file under the final name.
* ``restore`` reads the whole archive and checks every member against the manifest BEFORE
  it changes anything: a damaged, truncated or foreign file is refused, naming the member.
  It refuses a database that holds cases unless ``force``, a backup of the other database
  vendor, and a backup made by a newer Lianqin (migrations this code does not know).
* SQLite restore: the database is unpacked beside the live file, checked
  (``integrity_check``, every table's row count against the manifest) and renamed over the
  live file — atomic: the old or the new database, never a mix. The server must be stopped;
  a database another process still holds open is refused (best effort: an idle server holds
  no connection, so stop it anyway — its caches would be stale).
* PostgreSQL restore: ``pg_restore --clean --if-exists --no-owner --no-acl
  --single-transaction`` (all or nothing) into the configured database, then every table's
  row count is compared with the manifest. Tables that the backup does not have (made by a
  later migration) are dropped first, else ``--clean`` could not drop the tables they refer
  to.
* The media and models folders are unpacked beside the live ones and swapped in.
* Errors are :class:`~lianqin.errors.InvalidInput` (the file) or
  :class:`~lianqin.errors.Conflict` (the state of this installation), with a hint; they name
  files, members and tables, never a row's content.
* Not in the backup: the secret key and the data keys (``LIANQIN_SECRET_KEY``/``LIANQIN_DATA_KEYS`` or ``<data dir>/secret_key``, ``data_keys``),
  which must be kept separately — see docs/backup.md.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, Any

from lianqin import conf
from lianqin.errors import Conflict, InvalidInput

log = logging.getLogger("lianqin.backup")

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {
    "sqlite": "database/lianqin.sqlite3.gz",
    "postgresql": "database/lianqin.pgdump",
}
#: folders of the data directory that go into the backup (their members: ``<folder>/…``)
FOLDERS = ("media", "models")
SUFFIX = ".tar"
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
_CHUNK = 1024 * 1024
_CASES_TABLE = "cases_case"

#: ``progress(stage, done, total)``: ``stage`` is a short Chinese label shown to the user.
Progress = Callable[[str, int, int], None]


def _quiet(stage: str, done: int, total: int) -> None:
    """The default progress: nothing."""


def default_dir() -> Path:
    return conf.data_dir() / "backups"


# --------------------------------------------------------------------------- backup


def backup(target: Path | None = None, *, progress: Progress | None = None) -> dict[str, Any]:
    """Write one backup archive and return a summary (``path``, ``size``, ``tables``,
    ``rows``, ``cases``, ``media_files``, ``seconds``, …).

    ``target``: a directory (created; default :func:`default_dir`), or a file name ending
    in ``.tar`` that must not exist yet. Safe while the server runs and writes."""
    started = time.perf_counter()
    report = progress or _quiet
    vendor = _vendor()
    path = _target_file(target)
    partial = path.with_name(path.name + ".partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Conflict(
            f"{partial} 已存在：另一个备份正在写入，或上次备份被中断",
            hint="确认没有备份在运行后删除这个文件，再重试",
        ) from None
    except OSError as exc:
        raise InvalidInput(
            f"写不了备份文件 {path}：{exc.strerror}", hint="检查目录、权限和磁盘空间"
        ) from exc
    try:
        with (
            os.fdopen(fd, "wb") as raw,
            tempfile.TemporaryDirectory(prefix=".lianqin-backup-", dir=path.parent) as tmp,
        ):
            report("数据库快照", 0, 1)
            dump = Path(tmp) / "database"
            tables, migrations = _snapshot(vendor, dump)
            report("数据库快照", 1, 1)
            files: dict[str, dict[str, Any]] = {}
            folders = _folder_files()
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                _add_file(tar, DATABASE_MEMBERS[vendor], dump, files)
                for done, (name, file) in enumerate(folders, 1):
                    _add_file(tar, name, file, files)
                    report("照片和模型文件", done, len(folders))
                manifest = {
                    "format": FORMAT,
                    "lianqin": _version(),
                    "vendor": vendor,
                    "created_at": _now().isoformat(timespec="seconds"),
                    "database": DATABASE_MEMBERS[vendor],
                    "folders": list(FOLDERS),
                    "tables": tables,
                    "migrations": migrations,
                    "files": files,
                }
                text = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True)
                _add_bytes(tar, MANIFEST, text.encode())
            raw.flush()
            os.fsync(raw.fileno())
        if path.exists():  # a file of that name appeared while we wrote: never overwrite it
            raise Conflict(f"{path} 已存在", hint="换一个文件名，或备份到目录")
        os.replace(partial, path)
        _fsync_dir(path.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    summary = _summary(manifest, path=str(path), size=path.stat().st_size, started=started)
    log.info(
        "backup written: %s (%d bytes, %d tables, %d files, %.1f s)",
        path,
        summary["size"],
        summary["tables"],
        summary["media_files"],
        summary["seconds"],
    )
    return summary


def _target_file(target: Path | None) -> Path:
    """A directory (existing, or a name without ``.tar``) gets a new timestamped name."""
    if target is not None and target.name.endswith(SUFFIX) and not target.is_dir():
        if target.exists():
            raise Conflict(
                f"备份文件 {target} 已存在，不会覆盖它",
                hint="换一个文件名，或只给目录（自动按时间命名）",
            )
        _make_dir(target.parent)
        return target
    folder = default_dir() if target is None else target
    _make_dir(folder)
    stamp = _now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"lianqin-backup-{stamp}{SUFFIX}"
    n = 1
    while path.exists() or path.with_name(path.name + ".partial").exists():
        n += 1
        path = folder / f"lianqin-backup-{stamp}-{n}{SUFFIX}"
    return path


def _make_dir(folder: Path) -> None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(
            f"建不了备份目录 {folder}：{exc.strerror}", hint="检查路径和权限"
        ) from exc
    if not folder.is_dir():
        raise InvalidInput(f"{folder} 不是目录", hint="给一个目录，或以 .tar 结尾的文件名")


def _snapshot(vendor: str, dest: Path) -> tuple[dict[str, int], list[list[str]]]:
    """The database as one consistent instant in ``dest``; its row counts and migrations."""
    if vendor == "sqlite":
        return _sqlite_snapshot(dest)
    return _pg_snapshot(dest)


def _sqlite_snapshot(dest: Path) -> tuple[dict[str, int], list[list[str]]]:
    live = _sqlite_path()
    if not live.is_file():
        raise InvalidInput(f"数据库文件 {live} 不存在", hint="先运行 lianqin init 建库")
    copy = dest.with_name("copy.sqlite3")
    source = sqlite3.connect(live, timeout=30)
    try:
        target = sqlite3.connect(copy)
        try:
            # pages=-1: the whole database in one step, i.e. one read transaction (see above)
            source.backup(target, pages=-1)
        finally:
            target.close()
    finally:
        source.close()
    tables, migrations = _inspect_sqlite(copy, check="quick_check", member="数据库快照")
    with open(copy, "rb") as plain, gzip.open(dest, "wb", compresslevel=6) as packed:
        shutil.copyfileobj(plain, packed, _CHUNK)
    copy.unlink()
    return tables, migrations


def _inspect_sqlite(
    path: Path, *, check: str, member: str
) -> tuple[dict[str, int], list[list[str]]]:
    """Check a database file, make it a plain rollback-journal file (the server switches it
    back to WAL), and count the rows of every table."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
        result = [row[0] for row in conn.execute(f"PRAGMA {check}")]
        if result != ["ok"]:
            raise InvalidInput(
                f"{member} 中的数据库未通过完整性检查（{len(result)} 处问题）",
                hint="换用另一份备份；原数据库可用 sqlite3 的 .recover 抢救",
            )
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
                "ESCAPE '\\' ORDER BY name"
            )
        ]
        tables = {
            name: conn.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()[0]  # noqa: S608 — quoted table name
            for name in names
        }
        migrations: list[list[str]] = []
        if "django_migrations" in tables:
            rows = conn.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
            migrations = [[app, name] for app, name in rows]
        conn.commit()
        return tables, migrations
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(
            f"{member} 不是可读的 SQLite 数据库（{exc}）", hint="换用另一份备份"
        ) from exc
    finally:
        conn.close()


def _pg_snapshot(dest: Path) -> tuple[dict[str, int], list[list[str]]]:
    from django.db import connections

    wrapper = connections["default"]
    raw = wrapper.get_new_connection(wrapper.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cur:
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            tables = _pg_counts(cur)
            migrations: list[list[str]] = []
            if "django_migrations" in tables:
                cur.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
                migrations = [[app, name] for app, name in cur.fetchall()]
            # the exporting transaction stays open until pg_dump is done with the snapshot
            _run_pg("pg_dump", ["--format=custom", f"--file={dest}", f"--snapshot={snapshot}"])
            cur.execute("COMMIT")
    finally:
        raw.close()
    return tables, migrations


def _pg_counts(cur: Any) -> dict[str, int]:
    cur.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    names = [row[0] for row in cur.fetchall()]
    counts = {}
    for name in names:
        cur.execute(f"SELECT count(*) FROM {_quote(name)}")  # noqa: S608 — quoted table name
        counts[name] = cur.fetchone()[0]
    return counts


def _folder_files() -> list[tuple[str, Path]]:
    """``(member name, file)`` for every regular file of the backed-up folders; symbolic
    links are not followed, files being written (``*.tmp``) are left out."""
    base = conf.data_dir()
    found = []
    for folder in FOLDERS:
        for root, dirs, names in os.walk(base / folder, followlinks=False):
            dirs.sort()
            for name in sorted(names):
                file = Path(root) / name
                if name.endswith(".tmp") or file.is_symlink() or not file.is_file():
                    continue
                found.append((file.relative_to(base).as_posix(), file))
    return found


class _Hashing:
    """A reader that hashes and counts what passes through it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._sha = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self._stream.read(n)
        self._sha.update(data)
        self.size += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        raise OSError("a backup member is read once, in order")

    def drain(self) -> None:
        while self.read(_CHUNK):
            pass

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


def _add_file(
    tar: tarfile.TarFile, name: str, file: Path, files: dict[str, dict[str, Any]]
) -> None:
    with open(file, "rb") as stream:
        stat = os.fstat(stream.fileno())
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
        reader = _Hashing(stream)
        tar.addfile(info, reader)
    files[name] = {"sha256": reader.hexdigest(), "size": reader.size}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
    tar.addfile(info, io.BytesIO(data))


# -------------------------------------------------------------------------- restore


def verify(source: Path, *, progress: Progress | None = None) -> dict[str, Any]:
    """Read the whole archive and check every member against the manifest; change nothing.
    Needs no database. Returns the summary :func:`restore` would print."""
    started = time.perf_counter()
    manifest = _read_archive(
        source, vendor=None, database=None, staging=None, report=progress or _quiet
    )
    return _summary(manifest, path=str(source), size=source.stat().st_size, started=started)


def restore(
    source: Path, *, force: bool = False, progress: Progress | None = None
) -> dict[str, Any]:
    """Replace this installation's database, photos and models by the backup ``source``.

    Refuses (changing nothing) a damaged archive, a backup of the other vendor or of a
    newer Lianqin, and a database that holds cases unless ``force``. SQLite: stop the
    server first. Raises :class:`Conflict` if a table's row count differs afterwards."""
    started = time.perf_counter()
    report = progress or _quiet
    vendor = _vendor()
    if not source.is_file():
        raise InvalidInput(f"找不到备份文件 {source}", hint="检查路径")
    cases = _cases_now()
    if cases and not force:
        raise Conflict(
            f"当前数据库已有 {cases} 件案件，恢复会用备份替换全部数据",
            hint="确要替换：先 lianqin backup 保存当前数据，再加 --force 重新运行；"
            "或换一个空的数据目录/数据库恢复",
        )
    data = conf.data_dir()
    staging = Path(tempfile.mkdtemp(prefix=".lianqin-restore-", dir=data))
    database = staging / "database"
    try:
        database = _staged_database(vendor, staging)
        manifest = _read_archive(
            source, vendor=vendor, database=database, staging=staging, report=report
        )
        _check_migrations(manifest)
        report("恢复数据库", 0, 1)
        if vendor == "sqlite":
            _restore_sqlite(database, manifest)
        else:
            _restore_pg(database, manifest)
        report("恢复数据库", 1, 1)
        os.sync()  # the unpacked folders are on disk before they replace the live ones
        for folder in manifest.get("folders", FOLDERS):
            if folder in FOLDERS:
                _swap_folder(staging / folder, data / folder, staging / f"{folder}.old")
        _relocate_models(data / "models")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        database.unlink(missing_ok=True)
    summary = _summary(manifest, path=str(source), size=source.stat().st_size, started=started)
    log.info(
        "backup restored: %s (%d tables, %d rows, %.1f s)",
        source,
        summary["tables"],
        summary["rows"],
        summary["seconds"],
    )
    return summary


def _staged_database(vendor: str, staging: Path) -> Path:
    """Where the database member is unpacked: beside the live SQLite file (so that the
    rename is atomic, same file system), else in the staging folder."""
    if vendor != "sqlite":
        return staging / "database.pgdump"
    live = _sqlite_path()
    live.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{live.name}.restore-", dir=live.parent)
    os.close(fd)
    return Path(name)


def _read_archive(
    source: Path,
    *,
    vendor: str | None,
    database: Path | None,
    staging: Path | None,
    report: Progress,
) -> dict[str, Any]:
    """One pass through the archive: every member hashed (and, for a restore, unpacked
    into the staging places), then everything checked against the manifest."""
    if not source.is_file():
        raise InvalidInput(f"找不到备份文件 {source}", hint="检查路径")
    total = source.stat().st_size
    digests: dict[str, tuple[str, int]] = {}
    manifest: dict[str, Any] | None = None
    current = "文件头"
    try:
        with tarfile.open(source, "r|*") as tar:  # "*": also a backup someone gzipped
            for member in tar:
                current = member.name
                _check_member(member, seen=digests)
                stream = tar.extractfile(member)
                if stream is None:  # cannot happen: a regular file, checked above
                    raise tarfile.ReadError("no data")
                if current == MANIFEST:
                    data = stream.read()
                    digests[current] = (hashlib.sha256(data).hexdigest(), len(data))
                    manifest = _parse_manifest(data, source)
                elif current in DATABASE_MEMBERS.values():
                    if vendor is not None and current != DATABASE_MEMBERS[vendor]:
                        backup_vendor = next(k for k, v in DATABASE_MEMBERS.items() if v == current)
                        raise _wrong_vendor(backup_vendor, vendor)
                    digests[current] = _unpack(stream, database, gunzip=current.endswith(".gz"))
                else:
                    folder = PurePosixPath(current).parts[0]
                    out = staging / current if staging is not None else None
                    if folder not in FOLDERS:
                        raise InvalidInput(
                            f"备份文件 {source.name} 中有不认识的成员 {current}",
                            hint="这不是 lianqin backup 生成的文件",
                        )
                    digests[current] = _unpack(stream, out, gunzip=False)
                report("读取并校验备份", min(tar.offset, total), total)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InvalidInput(
            f"备份文件 {source.name} 在 {current} 处无法读取：文件被截断或已损坏（{exc}）",
            hint="换用另一份备份；复制备份后用 lianqin restore 文件 --check 核对",
        ) from exc
    if manifest is None:
        raise InvalidInput(
            f"备份文件 {source.name} 不完整：缺少 {MANIFEST}（文件被截断，或备份写入时中断）",
            hint="换用另一份备份",
        )
    _check_digests(manifest, digests, source)
    if vendor is not None and manifest["vendor"] != vendor:
        raise _wrong_vendor(manifest["vendor"], vendor)
    report("读取并校验备份", total, total)
    return manifest


def _check_member(member: tarfile.TarInfo, *, seen: dict[str, tuple[str, int]]) -> None:
    """Only regular files with plain relative names, each once: no links, devices or
    paths that climb out of the folder they are unpacked into."""
    path = PurePosixPath(member.name)
    if (
        not member.isreg()
        or path.is_absolute()
        or ".." in path.parts
        or path.as_posix() != member.name
        or member.name in seen
    ):
        raise InvalidInput(
            f"备份文件中的成员 {member.name!r} 不安全或重复（链接、设备、"
            f"越出目录的路径），拒绝恢复",
            hint="这不是 lianqin backup 生成的文件，或已被改动",
        )


def _unpack(stream: IO[bytes], out: Path | None, *, gunzip: bool) -> tuple[str, int]:
    """Hash the member; write it (decompressed if ``gunzip``) to ``out`` when given."""
    reader = _Hashing(stream)
    if out is None:
        reader.drain()
        return reader.hexdigest(), reader.size
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as target:
        if gunzip:
            with gzip.GzipFile(fileobj=reader, mode="rb") as plain:
                shutil.copyfileobj(plain, target, _CHUNK)
        else:
            shutil.copyfileobj(reader, target, _CHUNK)
        target.flush()
        if gunzip:
            os.fsync(target.fileno())
    reader.drain()  # whatever follows the compressed stream is part of the member
    return reader.hexdigest(), reader.size


def _parse_manifest(data: bytes, source: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(data)
        ok = isinstance(manifest, dict) and isinstance(manifest.get("files"), dict)
        ok = (
            ok
            and isinstance(manifest.get("tables"), dict)
            and manifest.get("vendor") in DATABASE_MEMBERS
        )
    except ValueError:
        ok = False
    if not ok:
        raise InvalidInput(
            f"备份文件 {source.name} 的 {MANIFEST} 无法读取",
            hint="这不是 lianqin backup 生成的文件，或已损坏",
        )
    if not isinstance(manifest.get("format"), int) or manifest["format"] > FORMAT:
        raise InvalidInput(
            f"备份格式版本 {manifest.get('format')} 比当前联勤支持的（{FORMAT}）新",
            hint=f"升级联勤到不低于 {manifest.get('lianqin')} 的版本再恢复",
        )
    return manifest


def _check_digests(
    manifest: dict[str, Any], digests: dict[str, tuple[str, int]], source: Path
) -> None:
    files = manifest["files"]
    for name, (sha, size) in digests.items():
        if name == MANIFEST:
            continue
        expected = files.get(name)
        if not isinstance(expected, dict):
            raise InvalidInput(
                f"备份文件 {source.name} 中的 {name} 不在清单中",
                hint="这不是 lianqin backup 生成的文件，或已被改动",
            )
        if expected.get("sha256") != sha or expected.get("size") != size:
            raise InvalidInput(
                f"备份文件 {source.name} 已损坏：{name} 的校验和与清单不符",
                hint="换用另一份备份（异地副本）",
            )
    missing = sorted(set(files) - set(digests))
    if missing:
        more = f" 等 {len(missing)} 个成员" if len(missing) > 1 else ""
        raise InvalidInput(
            f"备份文件 {source.name} 不完整：缺少 {missing[0]}{more}", hint="换用另一份备份"
        )
    if manifest.get("database") not in files:
        raise InvalidInput(f"备份文件 {source.name} 中没有数据库", hint="换用另一份备份")


def _wrong_vendor(backup_vendor: str, vendor: str) -> InvalidInput:
    theirs, ours = VENDOR_NAMES.get(backup_vendor, backup_vendor), VENDOR_NAMES[vendor]
    if vendor == "postgresql":
        how = "在不设 LIANQIN_DATABASE_URL 的环境（内嵌 SQLite）中恢复它"
    else:
        how = "设置 LIANQIN_DATABASE_URL 指向一个 PostgreSQL 数据库后再恢复"
    return InvalidInput(
        f"这是 {theirs} 数据库的备份，当前使用的是 {ours}，不能直接恢复",
        hint=f"{how}；两种数据库之间的迁移不在备份恢复的范围内",
    )


def _check_migrations(manifest: dict[str, Any]) -> None:
    """A backup from a newer Lianqin has tables this code does not know: refuse it."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [
        f"{app}.{name}" for app, name in manifest.get("migrations", []) if (app, name) not in known
    ]
    if unknown:
        raise InvalidInput(
            f"备份来自更新的联勤（{manifest.get('lianqin')}），有当前版本不认识的数据库迁移 "
            f"{unknown[0]}" + (f" 等 {len(unknown)} 个" if len(unknown) > 1 else ""),
            hint="先把联勤升级到不低于备份时的版本，再恢复",
        )


def _compare(expected: dict[str, int], actual: dict[str, int], *, restored: bool) -> None:
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table), actual.get(table)
        if want == got:
            continue
        if restored:
            raise Conflict(
                f"恢复后表 {table} 有{_rows(got)}，备份清单记录{_rows(want)}",
                hint="恢复结果不可信：换用另一份备份加 --force 重新恢复，并检查 pg_restore 的版本",
            )
        raise Conflict(
            f"备份中的数据库与清单不符：表 {table} 有{_rows(got)}，清单记录{_rows(want)}；"
            f"当前数据库未改动",
            hint="换用另一份备份",
        )


def _rows(n: int | None) -> str:
    return "（无此表）" if n is None else f" {n} 行"


def _restore_sqlite(staged: Path, manifest: dict[str, Any]) -> None:
    tables, _ = _inspect_sqlite(staged, check="integrity_check", member=manifest["database"])
    _compare(manifest["tables"], tables, restored=False)
    live = _sqlite_path()
    _ensure_unused(live)
    with open(staged, "rb") as f:
        os.fsync(f.fileno())
    os.replace(staged, live)
    _fsync_dir(live.parent)


def _ensure_unused(live: Path) -> None:
    """Close our connections; a WAL file that survives our own last close means another
    process (the server, a worker) still has the database open."""
    from django.db import connections

    connections.close_all()
    if not live.exists():
        return
    conn = sqlite3.connect(live, timeout=30)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    if any(live.with_name(live.name + suffix).exists() for suffix in ("-wal", "-shm")):
        raise Conflict(
            f"数据库 {live} 正被其他进程使用（lianqin serve 或 worker 仍在运行？）",
            hint="先停止服务和后台循环，再运行 lianqin restore",
        )


def _restore_pg(dump: Path, manifest: dict[str, Any]) -> None:
    from django.db import connections

    expected = manifest["tables"]
    conn = connections["default"]
    with conn.cursor() as cur:
        cur.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        )
        extra = [row[0] for row in cur.fetchall() if row[0] not in expected]
        if extra:  # made by a later migration: the backup's schema does not have them
            cur.execute("DROP TABLE IF EXISTS " + ", ".join(map(_quote, extra)) + " CASCADE")
    connections.close_all()
    _run_pg(
        "pg_restore",
        ["--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction", str(dump)],
    )
    with conn.cursor() as cur:
        actual = _pg_counts(cur)
    _compare(expected, actual, restored=True)


def _swap_folder(new: Path, live: Path, old: Path) -> None:
    """Put the unpacked folder in place of the live one (same file system: renames)."""
    new.mkdir(parents=True, exist_ok=True)
    if live.exists() or live.is_symlink():
        os.replace(live, old)
    os.replace(new, live)


def _relocate_models(folder: Path) -> None:
    """Classifier rows keep their file's absolute path. Restored into another data
    directory, a row is pointed at the restored copy of its file: the original path is
    another installation's (gone with the old machine, or still used and changed there)."""
    from django.db import connections

    from lianqin.triage.models import ClassifierModel

    if ClassifierModel._meta.db_table not in connections["default"].introspection.table_names():
        return  # a backup from before the classifier
    for row in ClassifierModel.objects.only("pk", "path"):
        moved = folder / Path(row.path).name
        if Path(row.path) != moved and moved.is_file():
            ClassifierModel.objects.filter(pk=row.pk).update(path=str(moved))


# -------------------------------------------------------------------------- helpers


def _vendor() -> str:
    from django.db import connections

    vendor = connections["default"].vendor
    if vendor not in DATABASE_MEMBERS:
        raise Conflict(f"不支持备份 {vendor} 数据库", hint="联勤支持 SQLite 和 PostgreSQL")
    return vendor


def _sqlite_path() -> Path:
    from django.db import connections

    return Path(connections["default"].settings_dict["NAME"])


def _cases_now() -> int:
    from django.db import connections

    conn = connections["default"]
    with conn.cursor() as cur:
        if _CASES_TABLE not in conn.introspection.table_names(cur):
            return 0
        cur.execute(f"SELECT count(*) FROM {_quote(_CASES_TABLE)}")  # noqa: S608 — a constant
        return int(cur.fetchone()[0])


def _pg_env() -> dict[str, str]:
    """The child's environment: ``DATABASES['default']`` as ``PG*`` variables, so that
    nothing secret is on the command line; never prompt (a cron job would hang)."""
    from django.db import connections

    settings = connections["default"].settings_dict
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if settings.get(key):
            env[var] = str(settings[key])
    options = settings.get("OPTIONS") or {}
    for key, var in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("passfile", "PGPASSFILE"),
        ("service", "PGSERVICE"),
        ("options", "PGOPTIONS"),
        ("connect_timeout", "PGCONNECT_TIMEOUT"),
    ):
        if options.get(key):
            env[var] = str(options[key])
    return env


def _run_pg(program: str, args: list[str]) -> None:
    exe = shutil.which(program)
    if exe is None:
        raise Conflict(
            f"找不到 {program}（PostgreSQL 客户端）",
            hint="安装不低于服务器版本的 PostgreSQL 客户端，如 apt install postgresql-client-15",
        )
    env = _pg_env()
    command = [exe, "--no-password", f"--dbname={env.get('PGDATABASE', '')}", *args]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 — fixed program, no shell
    if proc.returncode != 0:
        raise Conflict(
            f"{program} 失败（退出码 {proc.returncode}）：{_pg_error(proc.stderr)}",
            hint="检查数据库连接参数，以及客户端版本不低于服务器版本"
            + ("；恢复已整体回滚，当前数据库未改动" if program == "pg_restore" else ""),
        )


def _pg_error(stderr: str) -> str:
    """The first error line of a PostgreSQL tool, without the DETAIL/CONTEXT/command lines
    that may quote a row's values (personal data)."""
    skip = ("DETAIL", "CONTEXT", "HINT", "LINE", "QUERY", "Command was")
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    kept = [line for line in lines if not line.split(":", 1)[0].strip().startswith(skip)]
    errors = [line for line in kept if "error" in line.lower() or "fatal" in line.lower()]
    first = (errors or kept or ["（无输出）"])[0]
    return first[:300]


def _summary(manifest: dict[str, Any], *, path: str, size: int, started: float) -> dict[str, Any]:
    tables = manifest["tables"]
    folders = {f: sum(1 for name in manifest["files"] if name.startswith(f + "/")) for f in FOLDERS}
    return {
        "path": path,
        "size": size,
        "vendor": manifest["vendor"],
        "lianqin": manifest.get("lianqin", ""),
        "created_at": manifest.get("created_at", ""),
        "tables": len(tables),
        "rows": sum(tables.values()),
        "cases": tables.get(_CASES_TABLE, 0),
        "media_files": folders["media"],
        "model_files": folders["models"],
        "seconds": round(time.perf_counter() - started, 2),
    }


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _version() -> str:
    try:
        return metadata.version("lianqin")
    except metadata.PackageNotFoundError:
        return "unknown"


def _now() -> Any:
    from django.utils import timezone

    return timezone.localtime()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
