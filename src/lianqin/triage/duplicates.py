"""Duplicate detection (并单): does a new report describe the problem of an open case?
Pure: no Django, no clock (times come in on the items), no I/O.

How a pair is judged (``docs/duplicates.md`` has the measurements behind every default):

1. **Blocking** — rules, not scores: two items more than ``window_days`` apart are never
   the same case; nor two whose coordinates are more than ``max_distance_m`` apart; nor,
   when either lacks coordinates, two whose area codes disagree at ``area_level``
   characters (codes are hierarchical: a grid code starts with its community's, so a
   community code and one of its grids agree; a bare district code agrees with all of
   its district). A blocked pair gets a score (for the dispatcher's curiosity) but
   :func:`decide` always says ``"new"``.
2. **Evidence** — each part is a similarity in 0..1 (``Score.parts``) and adds its weight
   times (part − neutral) to the log-odds (``Score.evidence``); ``total`` is the logistic
   of the sum. A part that either side lacks is simply absent: it neither punishes nor
   rewards (the additive form of "renormalise over what is present"). The parts:
   ``text`` (cosine of the sets of content bigrams of the first ``max_chars``
   characters, shrunk for texts shorter than ``short_chars``), ``time`` (1 at the same moment, 0 at the window's edge),
   ``distance`` (1 within ``near_m``, 0 at ``max_distance_m``), ``category`` (1 same
   code, 0.75 one is the other's ancestor, 0 different: mild evidence against),
   ``phone`` (same reporter: strong evidence, but only as strong as the text allows, so
   a grid worker's ten different reports of the day stay ten cases) and ``place`` (both
   texts name compounds or villages and none of them agree: 0, strong evidence against
   — the "same words, another place" letters that copy a template).
3. **Replay** — the same reporter with the same text within ``replay_minutes`` is a
   resend: total 1, merge, whatever else says.

What must hold: ``score`` is symmetric and in [0, 1]; an item scores at least
``merge_at`` against an identical copy of itself unless its text is much shorter than
``short_chars``; a pair without a common content bigram never reaches ``suggest_at``
with the default weights; :meth:`DuplicateIndex.candidates` returns what
:func:`best_match` returns over the stored items whenever at most ``scored`` unblocked
items share a content bigram with the query and their postings fit ``rare_budget``
(beyond that it scores only the ``scored`` items sharing most of the query's rarest
grams: what that shortcut costs is measured in the doc).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from itertools import accumulate, chain, compress, repeat
from operator import or_
from sys import intern
from typing import Literal, TypeVar

from lianqin.triage.text import normalize, place_names, places_agree, weak_grams

Verdict = Literal["merge", "suggest", "new"]
Key = int | str
_K = TypeVar("_K", str, tuple[int, int])

_EARTH_M = 6_371_008.8
_EPS = 0.02  # keeps log(text) finite at 0
_NONE: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Item:
    """One open case (or incoming report) as the scorer sees it. ``at`` must be aware;
    ``lon``/``lat`` are WGS-84; ``phone_key`` is a keyed hash (``cases.masking.phone_key``),
    never the number; ``area`` is a grid, community, street or district code."""

    key: Key
    text: str
    at: datetime
    lon: float | None = None
    lat: float | None = None
    category: str = ""
    phone_key: str = ""
    area: str = ""

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError(f"Item {self.key!r}: at must be timezone-aware, got {self.at}")

    @cached_property
    def _features(self) -> _Text:
        return text_features(self.text)

    @cached_property
    def _epoch(self) -> float:
        return self.at.timestamp()

    @property
    def has_point(self) -> bool:
        return self.lon is not None and self.lat is not None


@dataclass(frozen=True)
class Weights:
    """Log-odds per unit of each part. Text counts on a log scale,
    ``text * (log(t + 0.02) - log(text_neutral + 0.02))``: similarities near 0 are
    strong evidence against and the step from 0.1 to 0.3 weighs as much as the one from
    0.3 to 1 (on the labelled pairs this halves the held-out log-loss of a linear text
    term). ``bias``, ``text``, ``time`` and ``place`` were fitted by logistic regression
    on the tuning half of the labelled pair set (``benchmarks/eval_duplicates.py --fit``)
    and rounded. ``phone`` was fitted at 0.7-0.9 and set to 1.0; it only counts when the
    texts are alike (from 0.5, fully at 0.8): the same reporter with moderately similar
    text is, in the messages, a prolific writer with a new ask (a grid worker's many
    reports, in a district), not the same problem. ``distance`` and ``category`` are
    judgement (the messages have neither): the same spot gains 2 log-odds, the edge of
    ``max_distance_m`` loses 2; a different category loses 0.6, the same gains 0.6."""

    bias: float = 0.6
    text: float = 2.2
    text_neutral: float = 0.3  # the similarity that is no evidence either way
    time: float = 0.3
    distance: float = 4.0  # applied to (distance - 0.5)
    category: float = 1.2  # applied to (category - 0.5)
    phone: float = 1.0  # same reporter, times min(1, max(0, (text - 0.5) / 0.3))
    place: float = 1.45  # subtracted when the texts name different places


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds and blocking rules. ``merge_at`` was chosen for precision
    >= 0.95 and ``suggest_at`` for recall of the grey zone on the tuning half of the
    labelled pair set; the held-out half's figures are in ``docs/duplicates.md``."""

    merge_at: float = 0.9
    suggest_at: float = 0.45
    window_days: float = 90.0
    max_distance_m: float = 1000.0
    near_m: float = 100.0
    area_level: int = 12  # compare area codes on this many characters (12 = community)
    max_chars: int = 100  # only the first characters count: title and opening say it
    short_chars: int = 12  # shorter texts have their text part scaled by length / 12
    phone_text_from: float = 0.5  # same reporter counts from this text similarity...
    phone_text_full: float = 0.8  # ...fully from this one
    replay_minutes: float = 30.0
    replay_text: float = 0.9


@dataclass(frozen=True)
class Config:
    weights: Weights = field(default_factory=Weights)
    thresholds: Thresholds = field(default_factory=Thresholds)

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.thresholds.window_days)

    @property
    def merge_at(self) -> float:
        return self.thresholds.merge_at

    @property
    def suggest_at(self) -> float:
        return self.thresholds.suggest_at


DEFAULT = Config()


@dataclass(frozen=True)
class Score:
    """``total`` in 0..1; ``parts`` the similarities that were present; ``evidence`` what
    each added to the log-odds; ``blocked`` why the pair cannot be one case ("time",
    "distance", "area") or "" when it can."""

    total: float
    parts: dict[str, float]
    evidence: dict[str, float] = field(default_factory=dict)
    blocked: str = ""


# --------------------------------------------------------------------------- text


@dataclass(frozen=True)
class _Text:
    norm: str
    content: frozenset[str]  # the bigrams that count: the strong ones, or all if none is
    places: frozenset[str]


@lru_cache(maxsize=4096)
def _text_features(text: str, max_chars: int) -> _Text:
    head = text[: max_chars * 2]  # punctuation and spaces go: twice is enough raw text
    norm = normalize(head)[:max_chars]
    if len(norm) <= 2:
        grams = frozenset((norm,)) if norm else frozenset()
    else:  # interned: 20,000 stored items then share one copy of each bigram (~1/3 the RAM)
        grams = frozenset(map(intern, [norm[i : i + 2] for i in range(len(norm) - 1)]))
    content = (grams - weak_grams(grams)) or grams
    return _Text(norm, content, place_names(head))


def text_features(text: str, max_chars: int = Thresholds.max_chars) -> _Text:
    """The text as the scorer compares it (memoised per process)."""
    return _text_features(text, max_chars)


def _features(item: Item, cfg: Config) -> _Text:
    if cfg.thresholds.max_chars == Thresholds.max_chars:
        return item._features
    return _text_features(item.text, cfg.thresholds.max_chars)


def text_similarity(a: _Text, b: _Text) -> float:
    """Cosine of the two sets of content bigrams: 1 for the same text, 0 for texts
    without a common one. Weak grams (的问题, 没有, 2019, a市) are left out: weighing them
    at 0.15 or 0.3 instead of 0 changes no figure on the labelled pairs, and leaving
    them out makes the sets a third smaller (faster) and lets the index look only at
    content grams. A text made only of weak grams keeps them all (it has nothing else)."""
    shared = len(a.content & b.content)
    if not shared:
        return 0.0
    return min(1.0, shared / math.sqrt(len(a.content) * len(b.content)))


def _places_conflict(a: _Text, b: _Text) -> bool | None:
    """None when either names no place; True when they name only different ones."""
    if not a.places or not b.places:
        return None
    return not (places_agree(a.places, b.norm) or places_agree(b.places, a.norm))


# --------------------------------------------------------------------------- parts


def distance_m(a: Item, b: Item) -> float | None:
    """Great-circle distance in metres, or None when either lacks coordinates."""
    if a.lon is None or a.lat is None or b.lon is None or b.lat is None:
        return None
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_M * math.asin(min(1.0, math.sqrt(h)))


def areas_agree(a: str, b: str, level: int) -> bool:
    """Hierarchical codes agree on their common prefix, up to ``level`` characters; an
    empty code agrees with everything."""
    n = min(len(a), len(b), level)
    return a[:n] == b[:n]


def category_similarity(a: str, b: str) -> float:
    """1 same code; 0.75 one is the other's ancestor (codes extend their parent's);
    0 otherwise."""
    if a == b:
        return 1.0
    if a.startswith(b) or b.startswith(a):
        return 0.75
    return 0.0


def _blocked(a: Item, b: Item, seconds: float, metres: float | None, cfg: Config) -> str:
    t = cfg.thresholds
    if seconds > t.window_days * 86400.0:
        return "time"
    if metres is not None:
        return "distance" if metres > t.max_distance_m else ""
    if not areas_agree(a.area, b.area, t.area_level):
        return "area"
    return ""


def phone_gate(text: float, t: Thresholds) -> float:
    """How much of the same-reporter weight applies at this text similarity."""
    span = t.phone_text_full - t.phone_text_from
    if span <= 0:
        return 1.0 if text >= t.phone_text_from else 0.0
    return min(1.0, max(0.0, (text - t.phone_text_from) / span))


def _logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-min(x, 60.0)))
    z = math.exp(max(x, -60.0))
    return z / (1.0 + z)


def score(a: Item, b: Item, cfg: Config = DEFAULT) -> Score:
    """How likely ``a`` and ``b`` describe one problem (see the module docstring)."""
    w, t = cfg.weights, cfg.thresholds
    seconds = abs(a._epoch - b._epoch)
    metres = distance_m(a, b)
    blocked = _blocked(a, b, seconds, metres, cfg)
    fa, fb = _features(a, cfg), _features(b, cfg)
    text = text_similarity(fa, fb)
    shortest = min(len(fa.norm), len(fb.norm))
    if shortest < t.short_chars:
        text *= shortest / t.short_chars  # "路灯不亮" twice says little
    window = t.window_days * 86400.0
    time_part = max(0.0, 1.0 - seconds / window) if window > 0 else 0.0
    parts = {"text": text, "time": time_part}
    evidence = {
        "bias": w.bias,
        "text": w.text * (math.log(text + _EPS) - math.log(w.text_neutral + _EPS)),
        "time": w.time * time_part,
    }
    if metres is not None:
        span = max(t.max_distance_m - t.near_m, 1e-9)
        near = min(1.0, max(0.0, (t.max_distance_m - metres) / span))
        parts["distance"] = near
        evidence["distance"] = w.distance * (near - 0.5)
    if a.category and b.category:
        same_kind = category_similarity(a.category, b.category)
        parts["category"] = same_kind
        evidence["category"] = w.category * (same_kind - 0.5)
    if a.phone_key and b.phone_key:
        if a.phone_key == b.phone_key:
            parts["phone"] = 1.0
            evidence["phone"] = w.phone * phone_gate(text, t)
            if text >= t.replay_text and seconds <= t.replay_minutes * 60.0:
                parts["replay"] = 1.0
                return Score(1.0, parts, evidence, "")
        else:
            parts["phone"] = 0.0
            evidence["phone"] = 0.0
    conflict = _places_conflict(fa, fb)
    if conflict is not None:
        parts["place"] = 0.0 if conflict else 1.0
        evidence["place"] = -w.place if conflict else 0.0
    return Score(_logistic(sum(evidence.values())), parts, evidence, blocked)


def decide(s: Score, cfg: Config = DEFAULT) -> Verdict:
    """``merge`` joins the case without asking; ``suggest`` opens a case that lists the
    candidate for a dispatcher; ``new`` is a new case. A blocked pair is always new."""
    if s.blocked:
        return "new"
    if s.total >= cfg.thresholds.merge_at:
        return "merge"
    if s.total >= cfg.thresholds.suggest_at:
        return "suggest"
    return "new"


def _rank(found: list[tuple[Key, Score]], limit: int | None) -> list[tuple[Key, Score]]:
    found.sort(key=lambda ks: (-ks[1].total, type(ks[0]).__name__, ks[0]))
    return found if limit is None else found[:limit]


def best_match(
    item: Item, candidates: Iterable[Item], cfg: Config = DEFAULT, limit: int | None = None
) -> list[tuple[Key, Score]]:
    """Score ``candidates`` (fetched by area and time, the DB path) against ``item``:
    those not blocked and at least ``suggest_at``, best first (ties by key)."""
    found = []
    for other in candidates:
        if other.key == item.key:
            continue
        s = score(item, other, cfg)
        if not s.blocked and s.total >= cfg.thresholds.suggest_at:
            found.append((other.key, s))
    return _rank(found, limit)


# --------------------------------------------------------------------------- index


class DuplicateIndex:
    """Open items in memory, for the bulk import and a warm per-process cache.

    Inverted indexes find the items worth scoring: content bigram -> items, the
    reporter's phone key -> items, a square cell of ``cell_m`` metres -> items. A query
    walks its content bigrams from the rarest (fewest items) up, counting for each item
    how many it shares, while the postings read stay within ``rare_budget``. Items
    surely beyond ``max_distance_m`` (by cell) or in a disagreeing area are dropped, and
    the ``scored`` unblocked ones that share most are scored exactly: a query costs a
    few dozen dict reads and ``scored`` calls of :func:`score` however large the index.
    The same reporter's items rank first. Items without a common bigram are never
    looked at, since they cannot reach ``suggest_at`` (when a config lets them, the
    reporter's items and the neighbouring cells' join the pool).

    The shortcut: an item that shares with the query only bigrams common enough to fall
    past the budget, or that ranks below ``scored`` others, is not seen. When everything
    fits, the answer is exactly :func:`best_match` over the stored items (property-
    tested); on the real messages the verdict agrees with brute force for ~98% of the
    queries (``docs/duplicates.md``). Not thread-safe: one index per worker.
    """

    def __init__(
        self,
        cfg: Config = DEFAULT,
        *,
        rare_budget: int = 100,
        scored: int = 3,
        examined: int = 256,
        cell_m: float | None = None,
    ) -> None:
        self.cfg = cfg
        self.rare_budget = rare_budget
        self.scored = scored
        self.examined = examined
        self.cell_m = cell_m or cfg.thresholds.max_distance_m
        self._deg = self.cell_m / 111_195.0
        self._next = 0
        self._ids: dict[Key, int] = {}
        self._items: dict[int, Item] = {}
        self._grams: dict[str, set[int]] = {}
        self._phones: dict[str, set[int]] = {}
        self._cells: dict[tuple[int, int], set[int]] = {}
        self._cell_of: dict[int, tuple[int, int]] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def _cell(self, lon: float, lat: float) -> tuple[int, int]:
        return math.floor(lat / self._deg), math.floor(lon / self._deg)

    def add(self, item: Item) -> None:
        """Store ``item``; an item with a key already stored replaces it."""
        self.remove(item.key)
        i = self._next
        self._next += 1
        self._ids[item.key] = i
        self._items[i] = item
        for g in _features(item, self.cfg).content:
            self._grams.setdefault(g, set()).add(i)
        if item.phone_key:
            self._phones.setdefault(item.phone_key, set()).add(i)
        if item.lon is not None and item.lat is not None:
            cell = self._cell_of[i] = self._cell(item.lon, item.lat)
            self._cells.setdefault(cell, set()).add(i)

    def remove(self, key: Key) -> None:
        """Forget the item stored under ``key``; an unknown key is ignored."""
        i = self._ids.pop(key, None)
        if i is None:
            return
        item = self._items.pop(i)
        for g in _features(item, self.cfg).content:
            _discard(self._grams, g, i)
        if item.phone_key:
            _discard(self._phones, item.phone_key, i)
        cell = self._cell_of.pop(i, None)
        if cell is not None:
            _discard(self._cells, cell, i)

    def expire(self, before: datetime) -> int:
        """Drop the items older than ``before`` (typically ``now - cfg.window``): they
        can no longer be anyone's duplicate. Returns how many went."""
        old = [item.key for item in self._items.values() if item.at < before]
        for key in old:
            self.remove(key)
        return len(old)

    def _pool(self, item: Item, cfg: Config) -> Counter[int]:
        """Stored items worth scoring, with how many of the query's rarest grams each
        shares (the same reporter counts a million more)."""
        postings = self._grams
        sets = list(map(postings.get, _features(item, self.cfg).content, repeat(_NONE)))
        sizes = list(map(len, sets))
        rarest = sorted(range(len(sets)), key=sizes.__getitem__)
        # walk from the rarest gram while the postings read stay within the budget
        spent = list(accumulate(map(sizes.__getitem__, rarest)))
        take = max(1, bisect_right(spent, self.rare_budget))
        hits = Counter(chain.from_iterable(map(sets.__getitem__, rarest[:take])))
        free = _text_free_reachable(cfg)
        for i in self._phones.get(item.phone_key, ()) if item.phone_key else ():
            if free or i in hits:
                hits[i] += 1_000_000  # the same reporter is always looked at first
        if free and item.lon is not None and item.lat is not None:
            row, col = self._cell(item.lon, item.lat)
            reach = cfg.thresholds.max_distance_m
            dy = math.ceil(1.02 * reach / self.cell_m)
            dx = math.ceil(1.02 * reach / (self.cell_m * _cos(item.lat)))
            for r in range(row - dy, row + dy + 1):
                for c in range(col - dx, col + dx + 1):
                    hits.update(dict.fromkeys(self._cells.get((r, c), ()), 0))
        return hits

    def candidates(
        self, item: Item, cfg: Config | None = None, limit: int | None = 5
    ) -> list[tuple[Key, Score]]:
        """What :func:`best_match` says of ``item`` against the stored items (but see the
        class docstring): unblocked, at least ``suggest_at``, best first."""
        cfg = cfg or self.cfg
        t = cfg.thresholds
        window, epoch = t.window_days * 86400.0, item._epoch
        here: tuple[int, int] | None = None
        dy = dx = 0
        if item.lon is not None and item.lat is not None:
            here = self._cell(item.lon, item.lat)
            dy = math.ceil(1.02 * t.max_distance_m / self.cell_m)
            dx = math.ceil(1.02 * t.max_distance_m / (self.cell_m * _cos(item.lat)))
        ranked = [i for i, _ in self._pool(item, cfg).most_common()[: self.examined]]
        # the same reporter's items skip the place filters: a resend is a resend anywhere
        mine = self._phones.get(item.phone_key, _NONE) if item.phone_key else _NONE
        if here is not None:  # drop, at C speed, the items surely beyond max_distance_m
            row, col = here
            near: set[tuple[int, int] | None] = {
                (r, c) for r in range(row - dy, row + dy + 1) for c in range(col - dx, col + dx + 1)
            }
            near.add(None)  # items without a point: their area decides, below
            keep = map(
                or_,
                map(near.__contains__, map(self._cell_of.get, ranked)),
                map(mine.__contains__, ranked),
            )
            ranked = list(compress(ranked, keep))
        found: list[tuple[Key, Score]] = []
        looked = 0
        for i in ranked:
            other = self._items[i]
            if other.key == item.key or abs(other._epoch - epoch) > window:
                continue
            if (
                (here is None or i not in self._cell_of)
                and i not in mine
                and not areas_agree(item.area, other.area, t.area_level)
            ):
                continue
            s = score(item, other, cfg)
            if s.blocked:
                continue
            if s.total >= t.suggest_at:
                found.append((other.key, s))
            looked += 1
            if looked >= self.scored:
                break
        return _rank(found, limit)


def _cos(lat: float | None) -> float:
    return max(0.05, math.cos(math.radians(lat or 0.0)))


@lru_cache(maxsize=64)
def _text_free_reachable(cfg: Config) -> bool:
    """Could two items without a common gram reach ``suggest_at``? Not with the
    defaults (no text is -6 log-odds); with a config where it could, the index also
    scores the same reporter's items and the neighbouring cells' ones."""
    w, t = cfg.weights, cfg.thresholds
    best = (
        w.bias
        + w.text * (math.log(_EPS) - math.log(w.text_neutral + _EPS))
        + abs(w.time)
        + abs(w.distance) / 2
        + abs(w.category) / 2
        + abs(w.phone) * phone_gate(0.0, t)
    )
    return best >= math.log(t.suggest_at / (1 - t.suggest_at)) if 0 < t.suggest_at < 1 else True


def _discard(index: dict[_K, set[int]], key: _K, i: int) -> None:
    ids = index.get(key)
    if ids is not None:
        ids.discard(i)
        if not ids:
            del index[key]


__all__ = [
    "DEFAULT",
    "Config",
    "DuplicateIndex",
    "Item",
    "Score",
    "Thresholds",
    "Verdict",
    "Weights",
    "best_match",
    "decide",
    "score",
]
