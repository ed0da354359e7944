"""The ``lianqin`` command as a user runs it: a fresh data directory, real processes.

Runs against the embedded SQLite file, and, when ``LIANQIN_DATABASE_URL`` points at
PostgreSQL, against a throw-away PostgreSQL database as well.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.shared_data import TIPDM

TAXONOMY = TIPDM / "taxonomy.csv"


def _backends() -> list[str]:
    url = os.environ.get("LIANQIN_DATABASE_URL", "")
    return ["postgresql"] if url.startswith("postgres") else ["sqlite"]


@pytest.fixture(params=_backends())
def env(request, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "LIANQIN_DATABASE_URL"}
    env["LIANQIN_DATA_DIR"] = str(tmp_path)
    env["COLUMNS"] = "200"
    if request.param == "postgresql":
        import psycopg

        base = os.environ["LIANQIN_DATABASE_URL"].rsplit("/", 1)[0]
        name = f"lianqin_cli_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["LIANQIN_DATABASE_URL"] = f"{base}/{name}"
        yield env
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield env


def lianqin(env, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "lianqin.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"lianqin {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def test_init_import_createuser_status(env, tmp_path):
    out = lianqin(env, "init", "--password", "Lianqin-Admin-2026").stdout
    assert "已创建管理员" in out
    again = lianqin(env, "init", "--password", "Lianqin-Admin-2026").stdout
    assert "已存在" in again
    if TAXONOMY.exists():
        res = lianqin(env, "import-categories", str(TAXONOMY)).stdout
        assert "一级 15" in res and "三级 517" in res
    grids = tmp_path / "grids.geojson"
    square = [[118.6, 32.0], [118.61, 32.0], [118.61, 32.01], [118.6, 32.01], [118.6, 32.0]]
    features = [
        {
            "type": "Feature",
            "properties": {"code": code, "name": name},
            "geometry": {"type": "Polygon", "coordinates": [square]},
        }
        for code, name in [
            ("320111001", "江浦街道"),
            ("320111001001", "文德社区"),
            ("320111001001001", "文德社区第1网格"),
        ]
    ]
    grids.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    assert "校验通过" in lianqin(env, "import-grids", str(grids), "--dry-run").stdout
    assert "网格 1" in lianqin(env, "import-grids", str(grids), "--district-name", "浦口区").stdout
    made = lianqin(
        env,
        "createuser",
        "ws1",
        "--role",
        "dispatcher",
        "--scope",
        "320111001001",
        "--password",
        "Duty-Officer-2026",
    ).stdout
    assert "已创建" in made
    key = lianqin(env, "createuser", "sys12345", "--role", "system", "--api-key").stdout
    assert "lq_" in key
    located = json.loads(lianqin(env, "locate", "32.005,118.605", "--json").stdout)
    assert located["grid"] == "320111001001001" and located["source"] == "gps"
    outside = lianqin(env, "locate", "39.9,116.4", check=False)
    assert outside.returncode != 0
    plan = json.loads(lianqin(env, "grid-plan", "--json").stdout)
    assert "320111001001001" in json.dumps(plan)
    out = tmp_path / "out.geojson"
    lianqin(env, "export-grids", str(out))
    assert len(json.loads(out.read_text(encoding="utf-8"))["features"]) == 3
    gaz = tmp_path / "gazetteer.csv"
    gaz.write_text(
        "kind,name,aliases,street,community,grid,road,from_no,to_no,parity,lon,lat\n"
        "road_segment,,,320111001,,320111001001001,文德路,1,99,all,118.605,32.005\n",
        encoding="utf-8",
    )
    assert "道路门牌段 1" in lianqin(env, "import-gazetteer", str(gaz)).stdout
    by_address = json.loads(lianqin(env, "locate", "南京市浦口区文德路12号", "--json").stdout)
    assert by_address["grid"] == "320111001001001" and by_address["confidence"] >= 0.9
    lianqin(env, "export-gazetteer", str(tmp_path / "back.csv"))
    assert "文德路" in (tmp_path / "back.csv").read_text(encoding="utf-8")
    status = json.loads(lianqin(env, "status", "--json").stdout)
    assert status["counts"]["grids"] == 1 and status["counts"]["centers"] == 3
    assert status["district"] == ["浦口区"]
    assert "已重建：0 件案件" in lianqin(env, "rollup").stdout
    assert "本次发现：无" in lianqin(env, "warnings").stdout


def test_errors_are_one_clear_line_and_exit_nonzero(env, tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {"code": "12", "name": "x"}, "geometry": {"type": "Polygon", '
        '"coordinates": [[[118.6, 32.0], [118.61, 32.0], [118.61, 32.01], [118.6, 32.0]]]}}]}'
    )
    res = lianqin(env, "import-grids", str(bad), check=False)
    assert res.returncode == 2 and "编码" in res.stderr and "提示" in res.stderr
    res = lianqin(env, "import-grids", str(tmp_path / "missing.geojson"), check=False)
    assert res.returncode == 2 and "读不了文件" in res.stderr
    res = lianqin(
        env, "createuser", "x", "--role", "pilot", "--password", "Abcdefg-123", check=False
    )
    assert res.returncode == 2 and "未知角色" in res.stderr


def test_help_on_every_command(env):
    for command in [
        "init",
        "demo",
        "serve",
        "worker",
        "import-grids",
        "import-categories",
        "createuser",
        "status",
        "export-grids",
        "import-gazetteer",
        "export-gazetteer",
        "locate",
        "grid-plan",
    ]:
        res = lianqin(env, command, "--help")
        assert "Usage" in res.stdout, command


def test_unreachable_database_is_one_clear_line(tmp_path):
    env = {**os.environ, "LIANQIN_DATA_DIR": str(tmp_path),
           "LIANQIN_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere"}  # fmt: skip
    res = lianqin(env, "status", check=False)
    assert res.returncode == 3 and "数据库不可用" in res.stderr and "Traceback" not in res.stderr


def test_demo_refuses_to_mix_with_a_real_district(env):
    lianqin(env, "init", "--password", "Lianqin-Admin-2026")
    res = lianqin(env, "demo", "--no-serve", check=False)
    assert res.returncode == 2 and "--rebuild" in res.stderr


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"


def test_ingest_apikey_and_quarantine_commands(env, tmp_path):
    lianqin(env, "init", "--password", "Lianqin-Admin-2026")
    export = FIXTURES / "hotline_12345" / "export.csv"
    refused = lianqin(env, "ingest", "hotline_12345", str(export), check=False)
    assert refused.returncode == 2 and "尚未建立区划" in refused.stderr
    grids = tmp_path / "grids.geojson"
    square = [[118.6, 32.0], [118.61, 32.0], [118.61, 32.01], [118.6, 32.01], [118.6, 32.0]]
    features = [
        {"type": "Feature", "properties": {"code": code, "name": code},
         "geometry": {"type": "Polygon", "coordinates": [square]}}
        for code in ("320111001", "320111001001", "320111001001001")
    ]  # fmt: skip
    grids.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    lianqin(env, "import-grids", str(grids), "--district-name", "浦口区")
    export = FIXTURES / "hotline_12345" / "export.csv"
    first = json.loads(lianqin(env, "ingest", "hotline_12345", str(export), "--json").stdout)
    assert first["rows"] >= 5 and first["quarantined"] >= 1
    filed = first["new"] + first["merged"] + first["suggested"]
    again = json.loads(lianqin(env, "ingest", "hotline_12345", str(export), "--json").stdout)
    assert again["replays"] == filed and again["new"] == 0
    human = lianqin(
        env, "ingest", "petition_online", str(FIXTURES / "petition_online" / "messages.xlsx")
    )
    assert "共" in human.stdout and "条/秒" in human.stdout
    listed = json.loads(lianqin(env, "quarantine", "list", "--json").stdout)
    assert len(listed) >= 2 and all(row["reason"] for row in listed)
    qid = str(listed[0]["id"])
    shown = lianqin(env, "quarantine", "show", qid).stdout
    assert "原因" in shown
    refused = lianqin(env, "quarantine", "discard", qid, check=False)
    assert refused.returncode == 2 and "理由" in refused.stderr
    assert "已废弃" in lianqin(env, "quarantine", "discard", qid, "--reason", "测试").stdout
    key = lianqin(env, "apikey", "hotline_12345").stdout.strip().splitlines()[-1]
    assert key.startswith("lq_")
    unknown = lianqin(env, "ingest", "nonsense", str(export), check=False)
    assert unknown.returncode == 2
    missing = lianqin(env, "ingest", "hotline_12345", str(tmp_path / "none.csv"), check=False)
    assert missing.returncode == 2 and "找不到文件" in missing.stderr
