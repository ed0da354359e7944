"""Draw candidate message pairs from the TipDM 2020 hot messages for a person to label.

Usage::

    .venv/bin/python benchmarks/dedup_pairs_sample.py [--seed 20240611] [--width 220] > /tmp/pairs.txt
    .venv/bin/python benchmarks/dedup_pairs_sample.py --skeleton > /tmp/skeleton.csv

The first prints every drawn pair with both messages (subject, time, the start of the
details) for the labeller to read; the second prints ``id_a,id_b,kind`` rows only, to
be completed with ``same`` and ``note`` into ``tests/fixtures/dedup/hot_pairs.csv``.
Message text never goes into the repository: only the 留言编号 pairs and the labeller's
own short notes do.

Why bands: among the 9.4 million pairs of 4,326 messages almost all are obviously
different, so a uniform sample would teach nothing. Pairs are drawn from strata that are
each informative in their own way, all by a similarity that is *not* the scorer under
test (IDF-weighted cosine of character bigrams, fitted on this corpus):

``exact``       identical text after normalisation (at most 12 pairs);
``high``        cosine >= 0.45 (mostly the same problem, some template-like letters);
``medium``      0.25 <= cosine < 0.45 (the hard middle);
``same_place``  the subjects share a rare run of >= 4 characters (a compound, a road,
                a village: df <= 12 among subjects) but cosine < 0.25;
``same_words``  the subjects share a problem word (噪音, 拆迁, 学位…) and no rare run,
                so: the same kind of problem elsewhere;
``random``      uniform pairs.

The draw is reproducible: the same seed and the same CSV give the same pairs.
"""

from __future__ import annotations

import argparse
import csv
import heapq
import math
import os
import random
import sys
from collections import Counter, defaultdict
from operator import itemgetter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from lianqin.triage.text import normalize, shingles  # noqa: E402

SHARED = Path(os.environ.get("LIANQIN_SHARED_DIR") or REPO.parent / "shared")
HOT = SHARED / "data" / "tipdm2020" / "hot_messages.csv"

BANDS = {  # band -> how many pairs to draw
    "exact": 12,
    "high": 95,
    "medium": 110,
    "same_place": 95,
    "same_words": 60,
    "random": 45,
}
PROBLEM_WORDS = (
    "噪音", "扰民", "拆迁", "征收", "学位", "入学", "停车", "物业", "搅拌站", "渣土",
    "油烟", "违建", "违章", "公积金", "社保", "养老", "医保", "出租车", "公交", "地铁",
    "污染", "垃圾", "施工", "漏水", "房产证", "不动产", "补偿", "幼儿园", "学校", "环境",
    "水质", "路灯", "积水", "限购", "烂尾", "消防", "广场舞", "网约车", "燃气", "拖欠",
)  # fmt: skip


def load(path: Path = HOT) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def idf_vectors(texts: list[str]) -> tuple[list[dict[str, float]], dict[str, list[int]]]:
    """Unit-length IDF-weighted bigram vectors, and the postings of each gram."""
    sets = [shingles(normalize(t), 2) for t in texts]
    df: Counter[str] = Counter(g for s in sets for g in s)
    n = len(texts)
    vecs: list[dict[str, float]] = []
    post: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sets):
        v = {g: math.log(n / df[g]) for g in s}
        norm = math.sqrt(sum(w * w for w in v.values())) or 1.0
        vecs.append({g: w / norm for g, w in v.items()})
        for g in s:
            post[g].append(i)
    return vecs, post


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(g, 0.0) for g, w in a.items())


def neighbours(vecs: list[dict[str, float]], post: dict[str, list[int]], k: int = 25):
    """For each message, its ``k`` nearest by cosine among those sharing a gram with
    df <= 300 (a message sharing none of those is never in the top band anyway)."""
    out: dict[tuple[int, int], float] = {}
    for i, v in enumerate(vecs):
        acc: dict[int, float] = defaultdict(float)
        for g, w in v.items():
            p = post[g]
            if len(p) <= 300:
                for j in p:
                    if j != i:
                        acc[j] += w * vecs[j][g]
        for j, _ in heapq.nlargest(k, acc.items(), key=itemgetter(1)):
            key = (min(i, j), max(i, j))
            if key not in out:
                out[key] = cosine(v, vecs[j])
    return out


def rare_runs(subjects: list[str], min_len: int = 4, max_df: int = 12) -> list[set[str]]:
    """Per subject, its runs of ``min_len`` characters that few subjects share: a
    compound, road or village name more often than not."""
    runs = [
        {s[i : i + min_len] for i in range(len(s) - min_len + 1)}
        for s in (normalize(x) for x in subjects)
    ]
    df: Counter[str] = Counter(r for rs in runs for r in rs)
    return [{r for r in rs if 2 <= df[r] <= max_df and not r[0].isdigit()} for rs in runs]


def draw(rows: list[dict[str, str]], seed: int) -> list[tuple[str, int, int, float]]:
    rng = random.Random(seed)
    texts = [r["留言主题"] + r["留言详情"] for r in rows]
    norms = [normalize(t) for t in texts]
    vecs, post = idf_vectors(texts)
    near = neighbours(vecs, post)
    taken: set[tuple[int, int]] = set()
    picked: list[tuple[str, int, int, float]] = []

    def take(band: str, pool: list[tuple[int, int]], count: int) -> None:
        pool = sorted(set(pool) - taken)
        rng.shuffle(pool)
        for i, j in pool[:count]:
            taken.add((i, j))
            picked.append((band, i, j, cosine(vecs[i], vecs[j])))

    exact = [(i, j) for (i, j) in near if norms[i] == norms[j]]
    take("exact", exact, BANDS["exact"])
    not_exact = {p: c for p, c in near.items() if norms[p[0]] != norms[p[1]]}
    take("high", [p for p, c in not_exact.items() if c >= 0.45], BANDS["high"])
    take("medium", [p for p, c in not_exact.items() if 0.25 <= c < 0.45], BANDS["medium"])

    runs = rare_runs([r["留言主题"] for r in rows])
    by_run: dict[str, list[int]] = defaultdict(list)
    for i, rs in enumerate(runs):
        for r in rs:
            by_run[r].append(i)
    place = set()
    for members in by_run.values():
        for a in members:
            for b in members:
                if a < b and norms[a] != norms[b] and cosine(vecs[a], vecs[b]) < 0.25:
                    place.add((a, b))
    take("same_place", list(place), BANDS["same_place"])

    by_word: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        for w in PROBLEM_WORDS:
            if w in row["留言主题"]:
                by_word[w].append(i)
    words = []
    for _ in range(20000):
        w = rng.choice(sorted(by_word))
        if len(by_word[w]) < 2:
            continue
        a, b = sorted(rng.sample(by_word[w], 2))
        if not (runs[a] & runs[b]) and norms[a] != norms[b]:
            words.append((a, b))
    take("same_words", words, BANDS["same_words"])

    rand: list[tuple[int, int]] = []
    while len(rand) < 4 * BANDS["random"]:
        a, b = sorted(rng.sample(range(len(rows)), 2))
        rand.append((a, b))
    take("random", rand, BANDS["random"])
    return picked


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--width", type=int, default=220, help="characters of details shown")
    ap.add_argument("--skeleton", action="store_true", help="print id_a,id_b,kind only")
    args = ap.parse_args(argv)
    if not HOT.exists():
        print(f"missing {HOT}", file=sys.stderr)
        return 2
    rows = load()
    picked = draw(rows, args.seed)
    if args.skeleton:
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(["id_a", "id_b", "kind"])
        for band, i, j, _ in picked:
            out.writerow([rows[i]["留言编号"], rows[j]["留言编号"], band])
        return 0
    for n, (band, i, j, cos) in enumerate(picked, 1):
        a, b = rows[i], rows[j]
        print(f"=== #{n} {band} cos={cos:.2f} {a['留言编号']},{b['留言编号']}")
        for m in (a, b):
            detail = " ".join(m["留言详情"].split())[: args.width]
            print(f"  [{m['留言时间']}] {m['留言主题'].strip()} || {detail}")
    counts = Counter(band for band, *_ in picked)
    print(f"# {len(picked)} pairs: {dict(counts)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
