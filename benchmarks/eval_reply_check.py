"""What ``triage.reply_check`` flags on real replies, and how fast it is.

Usage::

    .venv/bin/python benchmarks/eval_reply_check.py                # Markdown report
    .venv/bin/python benchmarks/eval_reply_check.py --examples 5   # more examples
    .venv/bin/python benchmarks/eval_reply_check.py --no-similar   # without the template check

Reads the 2,816 replied messages of the TipDM 2020 set from the shared folder
(``LIANQIN_SHARED_DIR``, default ``../shared``); nothing is written anywhere. Each row
becomes one check: ``留言主题`` on the first line and ``留言详情`` as the case text,
``答复意见`` as the reply, ``留言时间``/``答复时间`` (China time) as asked/replied.

``similar_replies``: the data set does not say which unit replied, so a reply is compared
with every reply given in the 365 days before it (to a message with another subject) — a
stand-in for "the recent replies of the same unit" that the database side passes.

Examples quote at most 40 characters of a subject and 80 of a reply (the data set stays
in the shared folder; see docs/reply_check.md).
"""

from __future__ import annotations

import argparse
import bisect
import csv
import os
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from lianqin.triage.reply_check import DEFAULT, ReplyCheck, check_reply  # noqa: E402

SHARED = Path(os.environ.get("LIANQIN_SHARED_DIR") or REPO.parent / "shared")
REPLIED = SHARED / "data" / "tipdm2020" / "replied_messages.csv"
CHINA = ZoneInfo("Asia/Shanghai")
WINDOW = timedelta(days=365)
Row = tuple[str, str, str]


@dataclass(frozen=True)
class Message:
    key: str
    subject: str
    details: str
    reply: str
    asked_at: datetime | None
    replied_at: datetime | None

    @property
    def case_text(self) -> str:
        return f"{self.subject}\n{self.details}"


def parse_time(text: str) -> datetime | None:
    """``2019/2/28 11:25:05`` (or with dashes, or without seconds), China time."""
    text = text.strip().replace("-", "/")
    for fmt in ("%Y/%m/%d %H:%M:%S %z", "%Y/%m/%d %H:%M %z"):
        try:
            return datetime.strptime(f"{text} +0800", fmt).astimezone(CHINA)
        except ValueError:
            continue
    return None


def load(path: Path = REPLIED) -> list[Message]:
    """The messages in the order they were answered (undated replies last)."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [
            Message(
                r["留言编号"],
                r["留言主题"],
                r["留言详情"],
                r["答复意见"],
                parse_time(r["留言时间"]),
                parse_time(r["答复时间"]),
            )
            for r in csv.DictReader(fh)
        ]
    far = datetime.max.replace(tzinfo=CHINA)
    return sorted(rows, key=lambda m: (m.replied_at or far, m.key))


def windows(messages: list[Message]) -> list[list[str]]:
    """For each message, the replies of the year before it to other subjects."""
    times = [m.replied_at for m in messages]
    out: list[list[str]] = []
    for i, m in enumerate(messages):
        if m.replied_at is None:
            out.append([])
            continue
        first = bisect.bisect_left(
            times,
            m.replied_at - WINDOW,
            hi=i,
            key=lambda t: t or datetime.max.replace(tzinfo=CHINA),
        )
        out.append([o.reply for o in messages[first:i] if o.subject != m.subject])
    return out


def check_all(messages: list[Message], similar: list[list[str]] | None) -> list[ReplyCheck]:
    return [
        check_reply(
            m.case_text,
            m.reply,
            asked_at=m.asked_at,
            replied_at=m.replied_at,
            similar_replies=similar[i] if similar else (),
        )
        for i, m in enumerate(messages)
    ]


def speed(messages: list[Message], similar: list[list[str]] | None, rounds: int = 3) -> float:
    """Checks per second, best of ``rounds`` (the signature cache is warm after the first)."""
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        check_all(messages, similar)
        best = max(best, len(messages) / (time.perf_counter() - start))
    return best


def _pct(n: int, total: int) -> str:
    return f"{n:,} ({100 * n / max(1, total):.1f}%)"


def _quantiles(values: list[float], qs: tuple[float, ...]) -> list[float]:
    ordered = sorted(values)
    return [ordered[min(len(ordered) - 1, int(q * len(ordered)))] for q in qs]


def _short(text: str, n: int) -> str:
    flat = "".join(text.split())
    return flat if len(flat) <= n else flat[: n - 1] + "…"


def report(
    messages: list[Message], results: list[ReplyCheck], examples: int, seed: int
) -> list[str]:
    n = len(messages)
    advisory = DEFAULT.advisory
    out = [f"## Reply check on {n:,} real replies (TipDM 2020, `replied_messages.csv`)", ""]
    flagged = sum(not r.ok for r in results)
    any_finding = sum(bool(r.findings) for r in results)
    out += [
        "| measure | figure |",
        "|---|---|",
        f"| flagged for the verifier (`ok` False) | {_pct(flagged, n)} |",
        f"| with any finding, advisory ones included ({', '.join(sorted(advisory))}) "
        f"| {_pct(any_finding, n)} |",
        "",
        "### By finding",
        "",
        "| code | replies | advisory |",
        "|---|---|---|",
    ]
    counts = Counter(f.code for r in results for f in r.findings)
    for code, c in counts.most_common():
        out.append(f"| `{code}` | {_pct(c, n)} | {'yes' if code in advisory else ''} |")
    kinds = Counter(r.kind for r in results)
    parts = Counter(k for r in results for k, v in r.parts.items() if v)
    with_place = sum("place" in r.parts for r in results)
    out += [
        "",
        "### Messages and parts",
        "",
        "kinds (from the subject): "
        + ", ".join(f"{k} {_pct(v, n)}" for k, v in kinds.most_common()),
        "",
        "parts found: "
        + ", ".join(f"{k} {_pct(parts[k], n)}" for k in ("relevant", "action", "result"))
        + ", "
        + ", ".join(f"{k} {_pct(parts[k], n)}" for k in ("basis", "contact"))
        + f", place named in the reply {parts['place']:,} of {with_place:,} subjects naming one",
        "",
    ]
    scores = [r.score for r in results]
    qs = (0.05, 0.1, 0.25, 0.5, 0.75)
    out += ["### Scores", "", "| bucket | replies |", "|---|---|"]
    edges = (0.0, 0.3, 0.5, 0.7, 0.9, 1.0)
    for lo, hi in pairwise(edges):
        c = sum(lo <= s < hi or (hi == 1.0 and s == 1.0) for s in scores)
        out.append(f"| {lo:.1f}–{hi:.1f} | {_pct(c, n)} |")
    out += [
        "",
        "quantiles 5/10/25/50/75%: "
        + " / ".join(f"{q:.2f}" for q in _quantiles(scores, qs))
        + f"; mean {statistics.fmean(scores):.2f}",
        "",
    ]
    days = [
        (m.replied_at - m.asked_at) / timedelta(days=1)
        for m in messages
        if m.replied_at and m.asked_at
    ]
    out += [
        "### Response time (答复时间 − 留言时间)",
        "",
        f"{len(days):,} with both times; quantiles 10/25/50/75/90/99%: "
        + " / ".join(f"{d:.1f}" for d in _quantiles(days, (0.1, 0.25, 0.5, 0.75, 0.9, 0.99)))
        + " days",
        "",
        "| over | replies |",
        "|---|---|",
    ]
    for limit in (7, 15, 30, 60, 180):
        out.append(f"| {limit} days | {_pct(sum(d > limit for d in days), len(days))} |")
    out += ["", f"### Examples (seed {seed}; ≤ 40 characters of a subject, ≤ 80 of a reply)", ""]
    rng = random.Random(seed)
    for code, _ in counts.most_common():
        hits = [i for i, r in enumerate(results) if any(f.code == code for f in r.findings)]
        out.append(f"**`{code}`**")
        out.append("")
        for i in sorted(rng.sample(hits, min(examples, len(hits)))):
            m = messages[i]
            msg = next(f.message for f in results[i].findings if f.code == code)
            out.append(f"- {m.key} 「{_short(m.subject, 40)}」 → 「{_short(m.reply, 80)}」 — {msg}")
        out.append("")
    return out


def run(with_similar: bool = True) -> list[Row]:
    """Table rows ``(measure, figure, note)`` for ``benchmarks/run.py``."""
    if not REPLIED.exists():
        return [("reply check", "skipped", f"{REPLIED} missing")]
    messages = load()
    similar = windows(messages) if with_similar else None
    results = check_all(messages, similar)
    n = len(messages)
    flagged = sum(not r.ok for r in results)
    counts = Counter(f.code for r in results for f in r.findings)
    rows: list[Row] = [
        ("reply check: flagged of real replies", f"{flagged:,} / {n:,}", f"{flagged / n:.1%}"),
        (
            "  by finding",
            ", ".join(f"{k} {v}" for k, v in counts.most_common()),
            "docs/reply_check.md",
        ),
        ("  checks/s, no similar replies", f"{speed(messages, None):,.0f} /s", "goal ≥ 2,000"),
    ]
    if similar is not None:
        mean = statistics.fmean(len(s) for s in similar)
        rows.append(
            (
                "  checks/s, with the template check",
                f"{speed(messages, similar, rounds=1):,.0f} /s",
                f"{mean:.0f} similar replies per check",
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=3, help="examples per finding")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--no-similar", action="store_true", help="skip the template check")
    args = parser.parse_args()
    if not REPLIED.exists():
        sys.exit(f"missing {REPLIED}")
    messages = load()
    similar = None if args.no_similar else windows(messages)
    results = check_all(messages, similar)
    lines = report(messages, results, args.examples, args.seed)
    plain = speed(messages, None)
    lines += ["### Speed", "", f"- without similar replies: {plain:,.0f} checks/s (best of 3)"]
    if similar is not None:
        mean = statistics.fmean(len(s) for s in similar)
        with_sim = speed(messages, similar, rounds=1)
        lines.append(
            f"- with the template check against {mean:.0f} replies each: {with_sim:,.0f} checks/s"
        )
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
