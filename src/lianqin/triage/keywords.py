"""Category suggestion from the dispatch catalogue's keywords, until a classifier exists.

Pure: no Django. Each catalogue node carries keywords (``垃圾|满溢|垃圾箱``); a text
scores a node by the keywords it contains (longer keywords weigh more), plus half of
what its ancestors score, so a specific leaf beats its branch when both match. The
top three come back with a share of the total score as a rough confidence; the
classifier of issue 5 replaces this with calibrated probabilities.

What must hold: a text with no keyword gets no suggestion (never a guess); the result
is deterministic (ties go to the lower code); one pass over the text, whatever the
number of keywords (keywords are indexed by their first two characters).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Node:
    code: str
    name: str
    parent: str  # the parent's code, "" at the top
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    code: str
    name: str
    score: float  # share of the matched weight, 0..1
    matched: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "score": round(self.score, 3),
            "matched": list(self.matched),
            "source": "keywords",
        }


class KeywordRules:
    def __init__(self, nodes: Iterable[Node]) -> None:
        self.nodes = {n.code: n for n in nodes}
        self._by_prefix: dict[str, list[tuple[str, str]]] = defaultdict(list)
        seen: set[tuple[str, str]] = set()
        for node in self.nodes.values():
            for kw in {*node.keywords, node.name}:
                kw = kw.strip()
                if len(kw) >= 2 and (kw, node.code) not in seen:
                    seen.add((kw, node.code))
                    self._by_prefix[kw[:2]].append((kw, node.code))
        for entries in self._by_prefix.values():
            entries.sort(key=lambda e: -len(e[0]))

    def __len__(self) -> int:
        return len(self.nodes)

    def suggest(self, text: str, k: int = 3) -> list[Suggestion]:
        own: dict[str, float] = defaultdict(float)
        matched: dict[str, set[str]] = defaultdict(set)
        by_prefix = self._by_prefix
        for i in range(len(text) - 1):
            entries = by_prefix.get(text[i : i + 2])
            if not entries:
                continue
            for kw, code in entries:
                if text.startswith(kw, i) and kw not in matched[code]:
                    matched[code].add(kw)
                    own[code] += len(kw)
        if not own:
            return []
        scores: dict[str, float] = {}
        for code in own:
            scores[code] = own[code] + self._ancestors_score(code, own)
        # a node matched only through its children is not proposed on its own
        total = sum(scores.values())
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
        return [
            Suggestion(code, self.nodes[code].name, score / total, tuple(sorted(matched[code])))
            for code, score in ranked
        ]

    def _ancestors_score(self, code: str, own: dict[str, float]) -> float:
        score, parent, hops = 0.0, self.nodes[code].parent, 0
        while parent and hops < 10:
            score += own.get(parent, 0.0) / 2
            node = self.nodes.get(parent)
            parent, hops = (node.parent if node else ""), hops + 1
        return score
