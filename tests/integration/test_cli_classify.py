"""``lianqin train`` and ``lianqin classify`` as a user runs them: real processes on a
small CSV written here, and no database (the URL given points nowhere)."""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys

import pytest

from lianqin.cli_classify import OUTPUT_COLUMNS

TOPICS = {
    "环境保护": ("垃圾", "噪音", "污水", "臭味", "油烟", "排污", "粉尘", "焚烧"),
    "交通运输": ("公交", "红绿灯", "违停", "拥堵", "车辆", "站台", "出租车", "路口"),
    "教育文体": ("学校", "老师", "学生", "学费", "幼儿园", "课程", "招生", "教室"),
}
HEADER = ["编号", "标题", "内容", "类别"]


@pytest.fixture
def env(tmp_path):
    env = dict(os.environ)
    env["LIANQIN_DATA_DIR"] = str(tmp_path / "data")
    env["LIANQIN_DATABASE_URL"] = "postgresql://nobody@127.0.0.1:9/nothing"  # must not be used
    env["COLUMNS"] = "200"
    return env


def lianqin(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lianqin.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def write_cases(path, per_label: int = 10, encoding: str = "utf-8") -> list[list[str]]:
    rng = random.Random(5)
    rows = []
    for label, words in TOPICS.items():
        for i in range(per_label):
            picked = rng.sample(words, 4)
            rows.append(
                [f"{label[:2]}{i}", picked[0] + "问题", "，".join(picked[1:]) + "，请处理。", label]
            )
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return rows


def test_train_then_classify(env, tmp_path):
    cases = tmp_path / "cases.csv"
    write_cases(cases)
    model = tmp_path / "m.joblib"
    trained = lianqin(env, "train", "--csv", str(cases), "--text", "标题+内容",
                      "--label", "类别", "--model", str(model))  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert "训练样本 30 条" in trained.stdout and "自动分类阈值" in trained.stdout
    assert model.is_file()

    new = tmp_path / "new.csv"
    rows = write_cases(new, per_label=3, encoding="gb18030")  # Chinese Excel's "CSV"
    out = tmp_path / "out.csv"
    done = lianqin(env, "classify", "--model", str(model), "--csv", str(new),
                   "--text", "标题+内容", "--out", str(out), "--label", "类别")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "macro-F1" in done.stdout and "已分类 9 行" in done.stdout
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    with out.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0] == HEADER + list(OUTPUT_COLUMNS)
    assert [r[:4] for r in table[1:]] == rows
    for row in table[1:]:
        first, conf, second, conf2, auto = row[4:]
        assert first in TOPICS and second in TOPICS and first != second
        assert 1.0 >= float(conf) >= float(conf2) >= 0.0
        assert auto in ("是", "否")
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").rglob("*.sqlite3"))


def test_json_output(env, tmp_path):
    cases = tmp_path / "cases.csv"
    write_cases(cases)
    model = tmp_path / "m.joblib"
    trained = lianqin(env, "train", "--csv", str(cases), "--text", "内容", "--label", "类别",
                      "--model", str(model), "--json")  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    summary = json.loads(trained.stdout)
    assert summary["n"] == 30 and summary["labels"] == sorted(TOPICS)
    assert 0.0 <= summary["scores"]["macro_f1"] <= 1.0 and "threshold" in summary
    done = lianqin(env, "classify", "--model", str(model), "--csv", str(cases), "--text", "内容",
                   "--out", str(tmp_path / "o.csv"), "--label", "类别", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["rows"] == 30 and result["evaluation"]["n"] == 30
    assert set(result["evaluation"]["per_class"]) == set(TOPICS)


def test_clear_errors(env, tmp_path):
    cases = tmp_path / "cases.csv"
    write_cases(cases)
    model = tmp_path / "m.joblib"

    missing = lianqin(env, "train", "--csv", str(cases), "--text", "标题+正文",
                      "--label", "类别", "--model", str(model))  # fmt: skip
    assert missing.returncode == 2
    assert "正文" in missing.stderr and "编号、标题、内容、类别" in missing.stderr

    absent = lianqin(env, "train", "--csv", str(tmp_path / "nope.csv"), "--text", "内容",
                     "--label", "类别", "--model", str(model))  # fmt: skip
    assert absent.returncode == 2 and "找不到文件" in absent.stderr

    few = tmp_path / "few.csv"
    write_cases(few, per_label=3)
    refused = lianqin(env, "train", "--csv", str(few), "--text", "内容", "--label", "类别",
                      "--model", str(model))  # fmt: skip
    assert refused.returncode == 2 and "至少需要 5 条" in refused.stderr
    assert not model.exists()

    (tmp_path / "fake.joblib").write_bytes(b"\x80\x04not a model")
    foreign = lianqin(env, "classify", "--model", str(tmp_path / "fake.joblib"),
                      "--csv", str(cases), "--text", "内容", "--out", str(tmp_path / "o.csv"))  # fmt: skip
    assert foreign.returncode == 2 and "不是联勤分类模型文件" in foreign.stderr
    assert not (tmp_path / "o.csv").exists()
