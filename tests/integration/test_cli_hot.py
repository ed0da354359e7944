"""``lianqin hot`` as a user runs it, through ``typer.testing.CliRunner`` on an app of its
own (the command is registered here exactly as ``lianqin.cli`` registers it): a small
CSV written here, errors, and the real TipDM hot messages read in place
(``tests/shared_data.py``; skipped when the shared folder is missing). No database."""

from __future__ import annotations

import csv
import re
import time
from collections import Counter

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from lianqin.cli_hot import OUTPUT_COLUMNS, parse_time, register
from tests.shared_data import TIPDM

HOT = TIPDM / "hot_messages.csv"
HEADER = ["编号", "用户", "标题", "时间", "内容", "点赞"]
SMELL = [
    ("幸福家园小区旁垃圾站臭气熏天", "幸福家园小区旁边的垃圾站每天臭气熏天，垃圾堆积无人清运，夏天蚊蝇成群。"),
    ("投诉幸福家园小区垃圾站臭味扰民", "幸福家园小区门口垃圾站臭味很大，垃圾清运不及时，蚊蝇很多。"),
    ("幸福家园小区垃圾站臭气影响居民", "垃圾站就在幸福家园小区楼下，臭气熏天，蚊蝇滋生，请尽快清运。"),
    ("幸福家园小区垃圾站垃圾堆积发臭", "幸福家园小区垃圾站垃圾堆积如山，臭味熏天，清运太慢。"),
]  # fmt: skip


def app() -> typer.Typer:
    cli = typer.Typer()

    @cli.callback()
    def main() -> None:
        """Sub-commands, as in ``lianqin``."""

    def fail(message: str, hint: str = "") -> None:
        typer.echo(f"错误 {message}" + (f"\n提示 {hint}" if hint else ""), err=True)
        raise typer.Exit(2)

    register(cli, setup=_no_database, fail=fail, console=Console(width=250))
    return cli


def _no_database() -> None:
    raise AssertionError("lianqin hot must not set up the database")


def run(*args: str):
    return CliRunner().invoke(app(), ["hot", *args])


def write(path, rows, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])


def small_rows() -> list[list[str]]:
    rows = [
        [f"s{i}", f"U{i}", title, f"2019/7/{1 + 3 * i} 9:0{i}:00", body, str(i)]
        for i, (title, body) in enumerate(SMELL)
    ]
    body = "幸福家园小区垃圾站臭气熏天，垃圾堆积，蚊蝇成群。"
    rows.append(
        ["s4", "U9", "请整治幸福家园小区垃圾站臭味", "2019-07-20T08:00:00+08:00", body, "1"]
    )
    # the same text an hour later from another account: a copy, counted once
    rows.append(["copy", "U7", rows[0][2], "2019/7/1 10:00:00", rows[0][4], "5"])
    rows.append(["bad", "U8", SMELL[0][0], "昨天下午", SMELL[0][1], "0"])
    rows.append(["old", "U6", SMELL[1][0], "2018/7/2 10:00", SMELL[1][1], "0"])
    return rows


def test_hot_on_a_small_csv(tmp_path):
    source, out = tmp_path / "messages.csv", tmp_path / "hot.csv"
    write(source, small_rows(), encoding="gb18030")  # Chinese Excel's "CSV"
    done = run("--csv", str(source), "--text", "标题+内容", "--time", "时间", "--id", "编号",
               "--reporter", "用户", "--likes", "点赞", "--year", "2019", "--out", str(out))  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "读取 8 行，2019 年的留言 6 条；1 行时间无法识别，已跳过" in done.output
    assert "幸福家园" in done.output and "2019-07-01—2019-07-20" in done.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0] == [*OUTPUT_COLUMNS, "编号", "时间", "标题"]
    assert [r[5] for r in table[1:]] == ["s0", "copy", "s1", "s2", "s3", "s4"]
    assert {r[0] for r in table[1:]} == {"1"} and [r[4] for r in table[1:]].count("是") == 1
    assert not any(c.startswith("U") for r in table for c in r)  # no reporter, ever
    # 5 distinct messages from 5 people; likes 0→5 (the copy's), 1, 2, 3 and 1
    assert re.search(r"│\s*5\s*│\s*5\s*│\s*12\s*│", done.output), done.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--csv", "missing.csv"], "找不到文件"),
        (["--time", "发布时间"], "发布时间"),
        (["--text", "标题+正文"], "正文"),
    ],
)
def test_missing_file_or_column_is_one_clear_line(tmp_path, monkeypatch, args, expected):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "m.csv", small_rows())
    base = {"--csv": "m.csv", "--text": "标题+内容", "--time": "时间"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    done = run(*[x for kv in base.items() for x in kv])
    assert done.exit_code == 2
    assert expected in done.output and "Traceback" not in done.output
    assert "找不到文件" in done.output or "中没有列" in done.output


def test_times_china_unless_told():
    assert parse_time("2019/2/28 11:25:05").isoformat() == "2019-02-28T11:25:05+08:00"
    assert parse_time(" 2019-02-28 11:25 ").isoformat() == "2019-02-28T11:25:00+08:00"
    assert parse_time("2019-02-28T03:25:05+00:00").utcoffset().total_seconds() == 0
    assert parse_time("2019/2/30 11:25") is None and parse_time("") is None


@pytest.mark.skipif(not HOT.is_file(), reason=f"shared data not found: {HOT}")
def test_top_hot_issues_of_2019_on_the_real_messages(tmp_path):
    out = tmp_path / "hot.csv"
    started = time.perf_counter()
    done = run("--csv", str(HOT), "--text", "留言主题+留言详情", "--time", "留言时间",
               "--id", "留言编号", "--reporter", "留言用户", "--likes", "点赞数",
               "--year", "2019", "--top", "10", "--out", str(out))  # fmt: skip
    elapsed = time.perf_counter() - started
    assert done.exit_code == 0, done.output
    assert elapsed < 20, f"{elapsed:.1f} s"  # about 2 s on a 2-core machine
    with out.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert "留言用户" not in table[0] and not any(
        re.search(r"A0\d{4}", r["热点问题"]) for r in table
    )
    assert len({r["留言编号"] for r in table}) == len(table)  # a message is in one issue only
    ranks = Counter(r["热点排名"] for r in table)
    assert sorted(ranks, key=int) == [str(i) for i in range(1, 11)]
    # the three hottest: the mixing plant by 丽发新城, the parking spaces sold with the flats
    # of 伊景园滨河苑 (built for 广铁集团's staff), the 58车贷 fraud; nearly every title says so
    for rank, words, size in (("1", "丽发|搅拌", 40), ("2", "伊景园|滨河|车位|广铁", 40),
                              ("3", "车贷|车货|诈骗", 10)):  # fmt: skip
        titles = [r["留言主题"] for r in table if r["热点排名"] == rank]
        assert len(titles) >= size
        assert sum(bool(re.search(words, t)) for t in titles) >= 0.9 * len(titles), titles
        assert all(r["留言时间"].startswith("2019") for r in table if r["热点排名"] == rank)
    first = next(r for r in table if r["热点排名"] == "1")
    assert "丽发新城" in first["地点"] and "搅拌" in first["热点问题"]
