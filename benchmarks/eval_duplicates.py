"""How well, and how fast, ``triage.duplicates`` finds the same problem in real messages.

Usage::

    .venv/bin/python benchmarks/eval_duplicates.py              # quality + speed
    .venv/bin/python benchmarks/eval_duplicates.py --no-speed   # quality only
    .venv/bin/python benchmarks/eval_duplicates.py --fit        # refit the fitted weights
    .venv/bin/python benchmarks/eval_duplicates.py --markdown /tmp/dedup.md

Reads the labelled pairs (``tests/fixtures/dedup/hot_pairs.csv``) and the TipDM 2020 hot
messages from the shared folder (``LIANQIN_SHARED_DIR``, default ``../shared``). Each
message becomes an :class:`Item`: subject + details as text, 留言时间 (China time) as
time, a keyed hash of 留言用户 as phone key, no coordinates, no area, no category.

Honesty: the pairs are split in two halves (stratified by sampling band, by a hash of the
pair, so the split never changes); the defaults in ``Weights`` and ``Thresholds`` were
fitted and chosen on the *tuning* half only (``--fit`` shows how), and the *held-out*
half is reported beside it. The pairs were drawn by band, not uniformly, so these are
figures on this pair set, not on all pairs of messages (see docs/duplicates.md).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import hmac
import math
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from lianqin.triage.duplicates import (  # noqa: E402
    DEFAULT,
    Config,
    DuplicateIndex,
    Item,
    best_match,
    decide,
    phone_gate,
    score,
    text_features,
)
from lianqin.triage.text import normalize  # noqa: E402

SHARED = Path(os.environ.get("LIANQIN_SHARED_DIR") or REPO.parent / "shared")
HOT = SHARED / "data" / "tipdm2020" / "hot_messages.csv"
PAIRS = REPO / "tests" / "fixtures" / "dedup" / "hot_pairs.csv"
CHINA = ZoneInfo("Asia/Shanghai")
_USER_KEY = b"eval-only"


# ----------------------------------------------------------------------------- data


def parse_time(text: str) -> datetime:
    """留言时间 comes as ``2019/2/28 11:25:05`` or ``2019-06-19 17:46:24``, China time."""
    aware = datetime.strptime(text.strip().replace("-", "/") + " +0800", "%Y/%m/%d %H:%M:%S %z")
    return aware.astimezone(CHINA)


def user_key(user: str) -> str:
    return hmac.new(_USER_KEY, user.encode(), hashlib.sha256).hexdigest()[:32]


def load_items(path: Path = HOT) -> dict[str, Item]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {
        r["留言编号"]: Item(
            key=r["留言编号"],
            text=f"{r['留言主题']} {r['留言详情']}",
            at=parse_time(r["留言时间"]),
            phone_key=user_key(r["留言用户"]) if r["留言用户"] else "",
        )
        for r in rows
    }


@dataclass(frozen=True)
class Pair:
    id_a: str
    id_b: str
    same: bool
    kind: str
    half: str  # "tune" or "test"


def load_pairs(path: Path = PAIRS) -> list[Pair]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_kind: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_kind.setdefault(r["kind"], []).append(r)
    pairs = []
    for kind, group in by_kind.items():
        group.sort(
            key=lambda r: hashlib.sha1(
                f"{r['id_a']},{r['id_b']}".encode(), usedforsecurity=False
            ).hexdigest()
        )
        for n, r in enumerate(group):
            half = "tune" if n % 2 == 0 else "test"
            pairs.append(Pair(r["id_a"], r["id_b"], r["same"] == "1", kind, half))
    return pairs


# -------------------------------------------------------------------------- quality


@dataclass(frozen=True)
class Counts:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def counts(predicted: Sequence[bool], truth: Sequence[bool]) -> Counts:
    tp = sum(1 for p, t in zip(predicted, truth, strict=True) if p and t)
    fp = sum(1 for p, t in zip(predicted, truth, strict=True) if p and not t)
    fn = sum(1 for p, t in zip(predicted, truth, strict=True) if not p and t)
    return Counts(tp, fp, fn)


@dataclass(frozen=True)
class Result:
    """Per half: merge precision/recall and suggest-or-merge precision/recall."""

    half: str
    n: int
    positives: int
    beyond_window: int
    merge: Counts
    flagged: Counts  # merge or suggest


def evaluate(
    items: dict[str, Item], pairs: Sequence[Pair], cfg: Config = DEFAULT
) -> dict[str, Result]:
    """Decide every pair with ``cfg`` and count, per half and for all pairs."""
    out = {}
    for half in ("tune", "test", "all"):
        chosen = [p for p in pairs if half in ("all", p.half)]
        verdicts = [decide(score(items[p.id_a], items[p.id_b], cfg), cfg) for p in chosen]
        truth = [p.same for p in chosen]
        beyond = sum(
            1 for p in chosen if p.same and abs(items[p.id_a].at - items[p.id_b].at) > cfg.window
        )
        out[half] = Result(
            half,
            len(chosen),
            sum(truth),
            beyond,
            counts([v == "merge" for v in verdicts], truth),
            counts([v != "new" for v in verdicts], truth),
        )
    return out


CUTS = (0.1, 0.2, 0.3, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98)


def sweep(
    items: dict[str, Item],
    pairs: Sequence[Pair],
    cfg: Config,
    half: str,
    cuts: Sequence[float] = CUTS,
) -> list[tuple[float, Counts]]:
    chosen = [p for p in pairs if half in ("all", p.half)]
    scores = [score(items[p.id_a], items[p.id_b], cfg) for p in chosen]
    truth = [p.same for p in chosen]
    return [
        (cut, counts([not s.blocked and s.total >= cut for s in scores], truth)) for cut in cuts
    ]


def choose(
    items: dict[str, Item], pairs: Sequence[Pair], cfg: Config = DEFAULT
) -> tuple[float, float]:
    """The thresholds the tuning half supports: ``merge_at`` one step (0.05) above the
    lowest cut from which precision stays >= 0.95 at every higher cut (the step is a
    margin: a wrong merge hides a report in another case, a missed one still reaches a
    dispatcher as a suggestion, and 0.95 measured on ~60 pairs is 0.88 at worst);
    ``suggest_at`` the highest cut that still flags >= 95% of the same-problem pairs
    the rules let through (those inside the window)."""
    grid = [round(0.05 * k, 2) for k in range(1, 20)]
    table = sweep(items, pairs, cfg, "tune", grid)
    merge_at = grid[-1]
    for cut, c in reversed(table):
        if c.precision < 0.95:
            break
        merge_at = cut
    merge_at = min(grid[-1], round(merge_at + 0.05, 2))
    reachable = max(c.tp for _, c in table)
    suggest_at = grid[0]
    for cut, c in table:
        if c.tp >= 0.95 * reachable:
            suggest_at = cut
    return merge_at, suggest_at


def fit(items: dict[str, Item], pairs: Sequence[Pair], cfg: Config = DEFAULT) -> list[float]:
    """Logistic regression (Newton's method, a little ridge) of ``same`` on the parts the
    messages have: log text, time, same reporter (gated by text as ``score`` does) and
    place conflict. Only the tuning half, only pairs inside the window (outside, the
    rules decide). Returns bias (re-centred on ``text_neutral``), text, time, phone,
    place, in the units of ``Weights``."""
    rows, ys = [], []
    t = cfg.thresholds
    for p in pairs:
        if p.half != "tune":
            continue
        s = score(items[p.id_a], items[p.id_b], cfg)
        if s.blocked:
            continue
        text = s.parts["text"]
        gate = phone_gate(text, t) if s.parts.get("phone") == 1.0 else 0.0
        conflict = 1.0 if s.parts.get("place") == 0.0 else 0.0
        rows.append([1.0, math.log(text + 0.02), s.parts["time"], gate, -conflict])
        ys.append(1.0 if p.same else 0.0)
    beta = [0.0] * 5
    for _ in range(50):
        grad = [0.0] * 5
        hess = [[0.0] * 5 for _ in range(5)]
        for x, y in zip(rows, ys, strict=True):
            z = sum(b * v for b, v in zip(beta, x, strict=True))
            mu = 1 / (1 + math.exp(-max(-60.0, min(60.0, z))))
            for i in range(5):
                grad[i] += (y - mu) * x[i]
                for j in range(5):
                    hess[i][j] += mu * (1 - mu) * x[i] * x[j]
        for i in range(1, 5):  # ridge on the slopes
            grad[i] -= 0.5 * beta[i]
            hess[i][i] += 0.5
        step = _solve(hess, grad)
        beta = [b + s for b, s in zip(beta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-9:
            break
    beta[0] += beta[1] * math.log(cfg.weights.text_neutral + 0.02)
    return beta


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c and m[c][c]:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


# ---------------------------------------------------------------------------- speed


def synthetic(base: Sequence[Item], n: int, seed: int = 7, spread: bool = False) -> list[Item]:
    """``n`` items of real-looking text: a real subject with the details of another
    message, a stretch cut out, times over 60 days. ``spread`` also gives them points in
    a 20 km square and one of 100 community codes (a district); otherwise none (the
    worst case: every item is a candidate for every other)."""
    rng = random.Random(seed)
    start = min(i.at for i in base)
    out = []
    for k in range(n):
        a, b = rng.choice(base), rng.choice(base)
        head, _, _ = a.text.partition(" ")
        _, _, tail = b.text.partition(" ")
        cut = rng.randrange(max(1, len(tail)))
        text = f"{head} {tail[:cut]}{tail[cut + rng.randrange(1, 40) :]}"
        at = start + timedelta(seconds=rng.randrange(60 * 86400))
        if spread:
            lon, lat = 118.6 + rng.random() * 0.2, 32.0 + rng.random() * 0.18
            area = f"320111{rng.randrange(10):03d}{rng.randrange(10):03d}"
            out.append(Item(f"s{k}", text, at, lon=lon, lat=lat, area=area))
        else:
            out.append(Item(f"s{k}", text, at))
    return out


def per_second(fn: Callable[[], object], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return repeat / (time.perf_counter() - start)


@dataclass(frozen=True)
class Speed:
    label: str
    figure: str


def agreement(index: DuplicateIndex, stored: Sequence[Item], queries: Sequence[Item]) -> str:
    """How often the index's answer equals brute force over the stored items."""
    same_top = same_set = any_top = 0
    for q in queries:
        fast = index.candidates(q, limit=None)
        slow = best_match(q, stored, index.cfg)
        if slow:
            any_top += 1
            same_top += bool(fast) and fast[0][0] == slow[0][0]
        same_set += {k for k, _ in fast} == {k for k, _ in slow}
    return (
        f"same top-1 {same_top}/{any_top} queries that have one; "
        f"same whole list {same_set}/{len(queries)}"
    )


def _next_candidates(index: DuplicateIndex, queries: Iterator[Item]) -> object:
    return index.candidates(next(queries))


def speed(items: dict[str, Item], quick: bool = False) -> list[Speed]:
    rows: list[Speed] = []
    real = list(items.values())
    rng = random.Random(3)
    pairs = [(rng.choice(real), rng.choice(real)) for _ in range(5000 if quick else 40000)]
    for a, b in pairs:  # warm the feature caches: score() on stored items
        score(a, b)
    it = iter(pairs * 2)
    rate = per_second(lambda: score(*next(it)), len(pairs))
    rows.append(Speed("score(), features cached", f"{rate:,.0f} /s ({1e6 / rate:.1f} µs)"))

    texts = [f"{i.text}#{n}" for n, i in enumerate(real)]  # fresh strings: no cache hits
    tx = iter(texts)
    rate = per_second(lambda: text_features(next(tx)), len(texts))
    rows.append(Speed("text features of a new report (normalise, bigrams)", f"{rate:,.0f} /s"))
    mean_chars = statistics.mean(len(normalize(i.text)) for i in real)
    rows.append(Speed("  mean normalised length of the messages", f"{mean_chars:.0f} characters"))

    for label, stored, spread in (
        ("4,326 real messages", real, False),
        ("20,000 synthetic, no place", synthetic(real, 20000), False),
        ("20,000 synthetic, points and areas", synthetic(real, 20000, spread=True), True),
    ):
        index = DuplicateIndex()
        start = time.perf_counter()
        for item in stored:
            index.add(item)
        add_rate = len(stored) / (time.perf_counter() - start)
        queries = [replace(q, key=f"q{n}") for n, q in enumerate(rng.sample(stored, 2000))]
        for q in queries:
            text_features(q.text)
        rate = per_second(partial(_next_candidates, index, iter(queries)), len(queries))
        known = "features already computed" if stored is real else "features computed"
        rows.append(Speed(f"index of {label}: add", f"{add_rate:,.0f} /s ({known})"))
        rows.append(
            Speed(f"index of {label}: candidates()", f"{rate:,.0f} /s ({1e6 / rate:.0f} µs)")
        )
        if not spread:
            sample = queries[: 100 if quick else 300]
            rows.append(
                Speed(f"index of {label}: vs brute force", agreement(index, stored, sample))
            )
        # the bulk import: a new report's text features, its candidates, then store it
        stream = [
            replace(q, key=f"new{n}")
            for n, q in enumerate(synthetic(real, 2000, seed=99 + len(rows), spread=spread))
        ]
        start = time.perf_counter()
        for q in stream:
            index.candidates(q)
            index.add(q)
        rate = len(stream) / (time.perf_counter() - start)
        rows.append(
            Speed(
                f"index of {label}: new report end to end", f"{rate:,.0f} /s ({1e6 / rate:.0f} µs)"
            )
        )
    return rows


def versus_datasketch(items: dict[str, Item], pairs: Sequence[Pair]) -> list[Speed]:
    """MinHash-LSH (``datasketch``, when installed) against the hand-written index, on
    the labelled messages: each query is a labelled message against all the others;
    what counts is whether the verdict equals brute force's."""
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        return [Speed("datasketch", "not installed: skipped")]
    stored = list(items.values())
    queries = sorted({p.id_a for p in pairs} | {p.id_b for p in pairs})
    brute = {q: best_match(items[q], [i for i in stored if i.key != q]) for q in queries}

    def verdict(found: Sequence[tuple[object, Any]]) -> str:
        return decide(found[0][1]) if found else "new"

    rows = []
    index = DuplicateIndex()
    start = time.perf_counter()
    for i in stored:
        index.add(i)
    add_us = (time.perf_counter() - start) / len(stored) * 1e6
    same = 0
    start = time.perf_counter()
    for q in queries:
        index.remove(q)
        same += verdict(index.candidates(items[q], limit=None)) == verdict(brute[q])
        index.add(items[q])
    query_us = (time.perf_counter() - start) / len(queries) * 1e6
    rows.append(
        Speed(
            "hand-written index (rare bigrams)",
            f"add {add_us:.0f} µs, query (remove, candidates, re-add) {query_us:.0f} µs, "
            f"verdict = brute force "
            f"{same}/{len(queries)}",
        )
    )
    for perm, threshold in ((64, 0.1), (128, 0.1), (128, 0.2), (128, 0.3)):
        lsh = MinHashLSH(threshold=threshold, num_perm=perm)
        sketches = {}
        start = time.perf_counter()
        for i in stored:
            m = MinHash(num_perm=perm)
            m.update_batch([g.encode() for g in text_features(i.text).content])
            sketches[i.key] = m
            lsh.insert(i.key, m)
        add_us = (time.perf_counter() - start) / len(stored) * 1e6
        same = 0
        start = time.perf_counter()
        for q in queries:
            keys = [k for k in lsh.query(sketches[q]) if k != q]
            same += verdict(best_match(items[q], [items[k] for k in keys])) == verdict(brute[q])
        query_us = (time.perf_counter() - start) / len(queries) * 1e6
        rows.append(
            Speed(
                f"datasketch MinHash-LSH, {perm} permutations, threshold {threshold}",
                f"add {add_us:.0f} µs, query {query_us:.0f} µs, verdict = brute force "
                f"{same}/{len(queries)}",
            )
        )
    return rows


# --------------------------------------------------------------------------- report


def fmt(c: Counts) -> str:
    return f"P {c.precision:.3f} R {c.recall:.3f} (tp {c.tp}, fp {c.fp}, fn {c.fn})"


def markdown(
    results: dict[str, Result], table: list[tuple[float, Counts]], fast: list[Speed]
) -> str:
    cfg = DEFAULT.thresholds
    lines = [
        f"merge_at = {cfg.merge_at}, suggest_at = {cfg.suggest_at}, "
        f"window = {cfg.window_days:g} days",
        "",
        "| half | pairs | same | same but beyond window | merge: precision | merge: recall "
        "| merge or suggest: precision | merge or suggest: recall |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results.values():
        lines.append(
            f"| {r.half} | {r.n} | {r.positives} | {r.beyond_window} | "
            f"{r.merge.precision:.3f} | {r.merge.recall:.3f} | "
            f"{r.flagged.precision:.3f} | {r.flagged.recall:.3f} |"
        )
    lines += ["", "| total >= | precision | recall | tp | fp | fn |", "|---|---|---|---|---|---|"]
    for cut, c in table:
        lines.append(f"| {cut} | {c.precision:.3f} | {c.recall:.3f} | {c.tp} | {c.fp} | {c.fn} |")
    if fast:
        lines += ["", "| speed | figure |", "|---|---|"]
        lines += [f"| {s.label} | {s.figure} |" for s in fast]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--quick", action="store_true", help="fewer repetitions in the speed part")
    ap.add_argument("--fit", action="store_true", help="refit the fitted weights (tuning half)")
    ap.add_argument("--markdown", type=Path, help="also write the tables to this file")
    ap.add_argument(
        "--datasketch", action="store_true", help="compare with MinHash-LSH (if installed)"
    )
    args = ap.parse_args(argv)
    if not HOT.exists():
        print(f"missing {HOT}: set LIANQIN_SHARED_DIR", file=sys.stderr)
        return 2
    items = load_items()
    pairs = load_pairs()
    kinds = Counter((p.kind, p.same) for p in pairs)
    print(f"{len(pairs)} labelled pairs, {sum(p.same for p in pairs)} same; by band:")
    for kind in sorted({k for k, _ in kinds}):
        print(f"  {kind:11} same {kinds[(kind, True)]:3}  different {kinds[(kind, False)]:3}")
    if args.fit:
        b = fit(items, pairs)
        print(
            "fitted on the tuning half: "
            f"bias {b[0]:.2f}, text {b[1]:.2f}, time {b[2]:.2f}, phone {b[3]:.2f}, "
            f"place {b[4]:.2f}"
        )
        merge_at, suggest_at = choose(items, pairs)
        print(f"thresholds the tuning half supports: merge_at {merge_at}, suggest_at {suggest_at}")
    results = evaluate(items, pairs)
    t = DEFAULT.thresholds
    print(f"\nmerge_at {t.merge_at}, suggest_at {t.suggest_at}, window {t.window_days:g} days")
    for r in results.values():
        print(
            f"  {r.half:4} {r.n:3} pairs ({r.positives} same, {r.beyond_window} of them "
            f"beyond the window)\n"
            f"       merge            {fmt(r.merge)}\n"
            f"       merge or suggest {fmt(r.flagged)}"
        )
    for half in ("tune", "test"):
        print(f"\nsweep ({half} half): flagged when not blocked and total >= cut")
        for cut, c in sweep(items, pairs, DEFAULT, half):
            print(f"  {cut:4}  {fmt(c)}")
    table = sweep(items, pairs, DEFAULT, "test")
    fast = [] if args.no_speed else speed(items, quick=args.quick)
    if args.datasketch:
        fast += versus_datasketch(items, pairs)
    if fast:
        print("\nspeed (one process)")
        for s in fast:
            print(f"  {s.label:55} {s.figure}")
    text = markdown(results, table, fast)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    print("\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
