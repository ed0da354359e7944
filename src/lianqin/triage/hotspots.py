"""Hot issues (热点问题): groups of reports about the same problem at the same place and
time, ranked by a heat index. Pure: standard library, numpy, scipy and scikit-learn; no
Django, no clock (``now`` comes in), no I/O. ``docs/hot_issues.md`` explains the method
to a reader who must defend it, with the measurements behind every default.

1. **Copies**: the same normalised text (and ``place`` code) again within ``window_days``
   is one report: the first is kept, the others are listed in ``Hotspot.duplicates`` and
   add no message and no reporter (the report keeps the highest likes of its copies).
2. **Places**: compounds and villages (``triage.text.place_names``, and …湾, …苑, …郡
   names), roads (…路, …大道) and district codes (A3区, A7县) named in the text;
   ``Message.place`` is a known area code (grid, community) when the caller has one.
3. **Problem**: the text *without* its place names, as TF-IDF of its content bigrams
   (``triage.text.is_weak`` ones set aside; title and the first ``body_chars`` of the body
   mixed ``title_weight`` : 1 − ``title_weight``), so that two complaints about one
   compound are not alike merely because both name it.
4. **Pairs**: two messages at most ``window_days`` apart with a problem cosine of at
   least ``link_floor``, or naming one compound; their similarity is the cosine, times
   ``place_factor`` when they name one compound. Different codes, districts or only
   different places: never in one group.
5. **Groups**: average linkage: two groups merge while the mean similarity of their pairs
   written within ``window_days`` of each other (other pairs count 0) is at least
   ``merge_at``, and never when they name only different places. Averaging, not single
   links, keeps one look-alike message from chaining two problems together.

Heat (:func:`heat`): log-scaled messages, reporters and likes, a saturating span and
growth, weighted by :class:`Weights`.

What must hold: the result depends only on the set of messages and the arguments (not on
their order or the process); naive datetimes are refused; a message without a time or
without content is in no group; messages with different ``place`` codes are never in one
group; every hot issue has at least ``min_messages`` distinct messages and
``min_reporters`` reporters; they come sorted by heat, then first time, then first key.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize as unit_rows

from lianqin.triage.text import (
    COMMON_WORDS,
    STOP_CHARS,
    is_weak,
    normalize,
    place_names,
    weak_grams,
)

DAY = 86_400.0
_ROAD = re.compile(r"([\u4e00-\u9fff]{2,6}?)([东西南北中]?(?:路|大道))")
# compounds that ``place_names`` does not know: 金毛湾, 旭辉御府, 滨河苑, 润和紫郡…
_ESTATE = re.compile(r"([\u4e00-\u9fff]{2,5})(湾|御府|苑|郡|公馆|壹号)")
_CUT = re.compile(r".*[省市区县镇乡街道村组号栋旁边近与和及至到在往从沿经过靠于的是被把]")
# 公交线路, 铁路, 马路, 走投无路, 跑路, 修路, 套路…: words, not roads
_NOT_ROAD_END = frozenset(
    "线铁马道字叉速经公条水无跑出思套退问门活生网找让带开修铺拦挡堵绕走迷半过小大岔"
)
_DISTRICT = re.compile(r"[a-z]\d+[区县市]")
_AREA_CODE = re.compile(r"[a-z]\d*[省市区县]")
_CITY = re.compile(r"[a-z]\d*市")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_FEATURES = 2**20  # hashed bigram columns: collisions are rare at ~10⁵ distinct bigrams


def _bigrams(text: str) -> list[str]:
    return [text[i : i + 2] for i in range(len(text) - 1)] if len(text) > 1 else [text]


def _content(text: str) -> list[str]:
    """The bigrams of ``text`` but those every complaint has (``triage.text.is_weak``)."""
    grams = _bigrams(text)
    weak = weak_grams(frozenset(grams))
    return [g for g in grams if g not in weak]


_HASHER = HashingVectorizer(analyzer=_content, n_features=_FEATURES, alternate_sign=False,
                            norm=None, dtype=np.float32)  # fmt: skip


@dataclass(frozen=True)
class Message:
    """One report. ``text``: the title on the first line, then the body. ``at``: aware, or
    None (then in no group). ``reporter``: an opaque id (a keyed hash), only counted; empty
    = unknown, counted as a reporter of its own. ``place``: a known area code."""

    key: str
    text: str
    at: datetime | None
    reporter: str
    likes: int = 0
    against: int = 0  # carried, not used in the heat (see docs/hot_issues.md)
    place: str = ""

    def __post_init__(self) -> None:
        if self.at is not None and self.at.utcoffset() is None:
            raise ValueError(f"Message {self.key!r}: at must be timezone-aware, got {self.at}")


@dataclass(frozen=True)
class Weights:
    """heat = messages·ln(1+n) + reporters·ln(1+r) + span·d/(d+span_scale_days)
    + likes·ln(1+l) + growth·g."""

    messages: float = 1.0
    reporters: float = 1.0
    span: float = 1.0
    likes: float = 0.5
    growth: float = 0.5


@dataclass(frozen=True)
class Config:
    """Grouping and ranking parameters; ``docs/hot_issues.md`` says how each was chosen."""

    window_days: float = 90.0  # messages further apart are never compared
    link_floor: float = 0.1  # a lower problem cosine counts 0 (unless one compound)
    merge_at: float = 0.175  # groups merge while their mean similarity reaches this
    place_factor: float = 2.5  # multiplies the cosine of two messages naming one compound
    title_weight: float = 0.5  # the title's share of the problem vector
    body_chars: int = 500  # characters of normalised body read
    min_messages: int = 3  # fewer distinct messages: not a hot issue
    min_reporters: int = 2  # one citizen writing again and again: not a hot issue
    span_scale_days: float = 30.0  # the span term is 0.5 at this span, → 1 beyond
    growth_days: float = 30.0  # with ``now``: last 30 days against the 30 before
    weights: Weights = field(default_factory=Weights)


DEFAULT = Config()


@dataclass(frozen=True)
class Hotspot:
    """One hot issue. ``messages``: distinct messages' keys by time; ``duplicates``: keys
    of copies folded into them. ``label``: the title of the most central message;
    ``place``: the code, district and place most messages name; ``terms``: its words."""

    rank: int
    heat: float
    label: str
    place: str
    first: datetime
    last: datetime
    span_days: float
    messages: tuple[str, ...]
    reporters: int
    likes: int
    growth: float
    terms: tuple[str, ...]
    duplicates: tuple[str, ...] = ()


@dataclass
class _Doc:
    key: str
    title: str  # raw first line
    norm: str  # normalised title + body
    problem: tuple[str, str]  # normalised title and body without place names
    at: datetime
    reporter: str
    likes: int
    code: str
    names: frozenset[str]
    districts: frozenset[str]
    copies: list[str] = field(default_factory=list)

    @property
    def day(self) -> float:
        return self.at.timestamp() / DAY


@dataclass
class _Group:
    members: list[int]
    days: np.ndarray  # sorted
    codes: frozenset[str]
    names: frozenset[str]
    districts: frozenset[str]


def find_hotspots(
    messages: Iterable[Message],
    config: Config = DEFAULT,
    now: datetime | None = None,
    top: int | None = None,
) -> list[Hotspot]:
    """The hot issues among ``messages``, hottest first (at most ``top``)."""
    if now is not None and now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got {now}")
    docs = _prepare(messages, config.window_days)
    if not docs:
        return []
    x = _problem_vectors(docs, config)
    days = np.array([d.day for d in docs])
    edges = _text_pairs(x, days, config) | _place_pairs(docs, x, days, config)
    groups = [g for g in _average_link(docs, days, edges, config) if len(g) >= config.min_messages]
    measured = (_measure(docs, g, config, now) for g in groups)
    found = sorted((hm for hm in measured if hm[0].reporters >= config.min_reporters),
                   key=lambda hm: (-hm[0].heat, hm[0].first, hm[0].messages[0]))  # fmt: skip
    idf = _title_idf(docs) if found else {}
    out: list[Hotspot] = []
    for rank, (figure, members) in enumerate(found[:top] if top is not None else found, 1):
        group = [docs[i] for i in members]
        rows = x[members]
        medoid = group[int(np.argmax(np.asarray((rows @ rows.T).sum(axis=1)).ravel()))]
        terms = _terms([d.problem[0] for d in group], idf)
        out.append(replace(figure, rank=rank, label=medoid.title, place=_place(group), terms=terms))
    return out


def heat(n: int, reporters: int, span_days: float, likes: int, growth: float,
         config: Config = DEFAULT) -> float:  # fmt: skip
    """The heat index (:class:`Weights`): more messages, reporters and likes weigh more
    with diminishing returns; a longer span weighs more up to a limit; growth in [−1, 1]."""
    w = config.weights
    span = span_days / (span_days + config.span_scale_days) if span_days > 0 else 0.0
    return (w.messages * math.log1p(n) + w.reporters * math.log1p(reporters) + w.span * span
            + w.likes * math.log1p(max(0, likes)) + w.growth * growth)  # fmt: skip


def places(text: str) -> frozenset[str]:
    """Compounds, villages and roads named in raw ``text``: 劳动东路魅力之城小区 → {劳动东路,
    魅力之城}. A "name" made of words every complaint uses (严重影响) is dropped."""
    found = {n for n in place_names(text) if not _common(n)}
    folded = text.lower()
    for pattern in (_ROAD, _ESTATE):
        for m in pattern.finditer(folded):
            core = _CUT.sub("", m.group(1))
            if (len(core) >= 2 and not _common(core) and not any(c in STOP_CHARS for c in core)
                    and (pattern is _ESTATE or core[-1] not in _NOT_ROAD_END)):  # fmt: skip
                found.add(core + m.group(2))
    return frozenset(found)


def _common(name: str) -> bool:
    return any(name[i : i + 2] in COMMON_WORDS for i in range(len(name) - 1))


def _is_estate(name: str) -> bool:
    """A compound or village, not a road: a road is long and two reports naming it are
    often about different stretches, so a shared road permits a pair but earns no bonus."""
    return not name.endswith(("路", "大道"))


def _prepare(messages: Iterable[Message], window: float) -> list[_Doc]:
    """Timed messages with content in (time, key) order; a copy (same text and code) at
    most ``window`` days after the first is folded into it."""
    docs: list[_Doc] = []
    seen: dict[tuple[str, str], _Doc] = {}
    for m in sorted((m for m in messages if m.at is not None), key=lambda m: (m.at, m.key)):
        title, _, body = m.text.strip().partition("\n")
        problem = (normalize(title), normalize(body))
        norm = problem[0] + problem[1]
        first = seen.get((m.place, norm))
        if first and m.at is not None and (m.at - first.at).total_seconds() <= window * DAY:
            first.copies.append(m.key)
            first.likes = max(first.likes, m.likes)
        elif norm and m.at is not None:
            names = places(m.text)
            problem = (_strip(problem[0], names), _strip(problem[1], names))
            doc = _Doc(m.key, title.strip(), norm, problem, m.at, m.reporter, m.likes, m.place,
                       names, frozenset(_DISTRICT.findall(norm)))  # fmt: skip
            seen[m.place, norm] = doc
            docs.append(doc)
    return docs


def _strip(norm: str, names: frozenset[str]) -> str:
    for name in sorted(names, key=lambda n: (-len(n), n)):
        norm = norm.replace(name, "")
    return _AREA_CODE.sub("", norm)


def _problem_vectors(docs: Sequence[_Doc], config: Config) -> sparse.csr_matrix:
    """Unit rows: ``(1 + ln count) × idf`` of the problem bigrams, ``idf = 1 + ln((1 + n)
    / (1 + df))`` with df over messages (a bigram of one message weighs 0: it cannot make
    two alike); title and body each of unit length, mixed by ``title_weight``."""
    n = len(docs)
    counts = _HASHER.transform([d.problem[0] for d in docs]
                               + [d.problem[1][: config.body_chars] for d in docs])  # fmt: skip
    df = np.bincount((counts[:n] + counts[n:]).indices, minlength=_FEATURES)
    idf = np.log((1 + n) / (1 + df)) + 1
    idf[df < 2] = 0
    counts.data = (1 + np.log(counts.data)) * idf[counts.indices]
    w = config.title_weight
    mixed = sparse.csr_matrix(
        unit_rows(w * unit_rows(counts[:n]) + (1 - w) * unit_rows(counts[n:]))
    )
    mixed.eliminate_zeros()
    used = np.unique(mixed.indices)  # drop the empty columns: they slow every product
    return sparse.csr_matrix((mixed.data, np.searchsorted(used, mixed.indices), mixed.indptr),
                             shape=(n, max(1, len(used))), dtype=np.float32)  # fmt: skip


def _text_pairs(
    x: sparse.csr_matrix, days: np.ndarray, config: Config, block: int = 2000
) -> dict[tuple[int, int], float]:
    """Pairs (i < j) at most ``window_days`` apart with cosine ≥ ``link_floor``. Rows are
    in time order, so a block of rows is multiplied only by the rows of its window: memory
    stays bounded and the cost grows with n × messages per window, not n²."""
    out: dict[tuple[int, int], float] = {}
    w = config.window_days
    for start in range(0, x.shape[0], block):
        stop = min(start + block, x.shape[0])
        hi = int(np.searchsorted(days, days[stop - 1] + w, side="right"))
        product = sparse.csr_matrix(x[start:stop] @ x[start:hi].T)
        rows = np.repeat(np.arange(start, stop), np.diff(product.indptr))
        keep = product.data >= config.link_floor
        rows, cols, sims = rows[keep], product.indices[keep] + start, product.data[keep]
        keep = (cols > rows) & (days[cols] - days[rows] <= w)
        pairs = zip(rows[keep].tolist(), cols[keep].tolist(), strict=True)
        out.update(zip(pairs, sims[keep].tolist(), strict=True))
    return out


def _place_pairs(
    docs: Sequence[_Doc], x: sparse.csr_matrix, days: np.ndarray, config: Config
) -> dict[tuple[int, int], float]:
    """Pairs (i < j) at most ``window_days`` apart that name one compound or village, with
    their cosine however low (``place_factor`` and the average decide)."""
    ids: dict[str, int] = {}
    cells = [(i, ids.setdefault(n, len(ids))) for i, d in enumerate(docs)
             for n in sorted(d.names) if _is_estate(n)]  # fmt: skip
    if not cells:
        return {}
    at, name = np.array(cells).T
    named = sparse.csr_matrix((np.ones(len(cells)), (at, name)), shape=(len(docs), len(ids)))
    shared = sparse.triu(named @ named.T, k=1).tocoo()
    keep = days[shared.col] - days[shared.row] <= config.window_days
    rows, cols = shared.row[keep], shared.col[keep]
    sims = np.asarray(x[rows].multiply(x[cols]).sum(axis=1)).ravel()
    return dict(zip(zip(rows.tolist(), cols.tolist(), strict=True), sims.tolist(), strict=True))


def _relation(a: _Group, b: _Group, docs: Sequence[_Doc]) -> int:
    """−1: different codes, districts, or only different places named (a name of one found
    in a text of the other agrees); 1: one compound or village; 0: nothing known, or only a
    road in common. A shared code is no evidence (a grid holds many buildings)."""
    if (a.codes and b.codes and not a.codes & b.codes) or (
        a.districts and b.districts and not a.districts & b.districts
    ):
        return -1
    if not a.names or not b.names:
        return 0
    shared = a.names & b.names
    if not any(map(_is_estate, shared)):
        for names, other in ((a.names - shared, b), (b.names - shared, a)):
            shared |= {n for n in names if any(n in docs[m].norm for m in other.members)}
    return -1 if not shared else 1 if any(map(_is_estate, shared)) else 0


def _pairs_within(a: np.ndarray, b: np.ndarray, window: float) -> int:
    """How many (x in a, y in b) are at most ``window`` apart (b sorted)."""
    if len(a) == len(b) == 1:
        return 1 if abs(a[0] - b[0]) <= window else 0
    hi = np.searchsorted(b, a + window, side="right")
    return int((hi - np.searchsorted(b, a - window, side="left")).sum())


def _average_link(
    docs: Sequence[_Doc], days: np.ndarray, edges: dict[tuple[int, int], float], config: Config
) -> list[list[int]]:
    """Average linkage with cannot-links (module docstring), as lists of member indices.
    A merge makes a new id, so a heap entry whose two ids are alive is up to date."""
    groups = {i: _Group([i], days[i : i + 1], frozenset((d.code,)) - {""}, d.names, d.districts)
              for i, d in enumerate(docs)}  # fmt: skip
    links: dict[int, dict[int, float]] = {i: {} for i in groups}
    blocked: dict[int, set[int]] = {i: set() for i in groups}
    heap: list[tuple[float, int, int]] = []
    for (i, j), cosine in sorted(edges.items()):
        relation = _relation(groups[i], groups[j], docs)
        if relation < 0:
            blocked[i].add(j)
            blocked[j].add(i)
        elif relation > 0 or cosine >= config.link_floor:
            links[i][j] = links[j][i] = s = cosine * (config.place_factor if relation > 0 else 1.0)
            if s >= config.merge_at:
                heap.append((-s, i, j))
    heapq.heapify(heap)
    new = len(docs)
    while heap:
        _, a, b = heapq.heappop(heap)
        if a not in groups or b not in groups:
            continue
        if b in blocked[a] or _relation(groups[a], groups[b], docs) < 0:
            blocked[a].add(b)
            blocked[b].add(a)
            continue
        _merge(groups, links, blocked, (a, b), new)
        for other, total in links[new].items():
            pairs = _pairs_within(groups[new].days, groups[other].days, config.window_days)
            if pairs and other not in blocked[new] and total >= config.merge_at * pairs:
                heapq.heappush(heap, (-total / pairs, other, new))
        new += 1
    return [g.members for g in groups.values()]


def _merge(
    groups: dict[int, _Group],
    links: dict[int, dict[int, float]],
    blocked: dict[int, set[int]],
    pair: tuple[int, int],
    new: int,
) -> None:
    """Replace the groups of ``pair`` by one with id ``new``: summed links, joint blocks."""
    ga, gb = (groups.pop(g) for g in pair)
    groups[new] = _Group(ga.members + gb.members, np.sort(np.concatenate([ga.days, gb.days])),
                         ga.codes | gb.codes, ga.names | gb.names,
                         ga.districts | gb.districts)  # fmt: skip
    links[new] = {}
    for old in pair:
        for other, total in links.pop(old).items():
            if other not in pair:
                links[new][other] = links[new].get(other, 0.0) + total
                del links[other][old]
    for other, total in links[new].items():
        links[other][new] = total
    blocked[new] = (blocked.pop(pair[0]) | blocked.pop(pair[1])) - set(pair)
    for other in blocked[new]:
        blocked[other] -= set(pair)
        blocked[other].add(new)


def _measure(docs: Sequence[_Doc], members: list[int], config: Config,
             now: datetime | None) -> tuple[Hotspot, list[int]]:  # fmt: skip
    """A group's figures and heat; label, place and terms come later, for the top only."""
    members = sorted(members, key=lambda i: (docs[i].at, docs[i].key))
    group = [docs[i] for i in members]
    named = [d.reporter for d in group if d.reporter]
    reporters = len(set(named)) + len(group) - len(named)
    likes = sum(d.likes for d in group)
    span = (group[-1].at - group[0].at).total_seconds() / DAY
    growth = _growth([d.day for d in group], now, config)
    figure = Hotspot(0, heat(len(group), reporters, span, likes, growth, config), "", "",
                     group[0].at, group[-1].at, span, tuple(d.key for d in group), reporters,
                     likes, growth, (), tuple(k for d in group for k in d.copies))  # fmt: skip
    return figure, members


def _growth(days: list[float], now: datetime | None, config: Config) -> float:
    """(late − early) / (late + early): with ``now``, the last ``growth_days`` against the
    ``growth_days`` before them; without, the second half of the span against the first."""
    if now is not None:
        end, g = now.timestamp() / DAY, config.growth_days
        late = sum(end - g < d <= end for d in days)
        early = sum(end - 2 * g < d <= end - g for d in days)
    else:
        mid = (days[0] + days[-1]) / 2
        late, early = sum(d > mid for d in days), sum(d < mid for d in days)
    return (late - early) / (late + early) if late + early else 0.0


def _place(group: Sequence[_Doc]) -> str:
    """The code every member has, then the district (else the city) and the name at least
    a third of the members mention (a longer spelling when most of those use it: 丽发 →
    丽发新城)."""
    codes = {d.code for d in group}
    parts = sorted(codes) if len(codes) == 1 and "" not in codes else []
    enough = max(2, math.ceil(len(group) / 3))
    cities = Counter(c for d in group for c in set(_CITY.findall(d.norm)))
    for counted in (Counter(c for d in group for c in d.districts), cities):  # else the city
        found = [area.upper() for area, count in counted.most_common(1) if count >= enough]
        if found:
            parts += found
            break
    counts = Counter({n: sum(n in d.norm for d in group) for d in group for n in d.names})
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))
    if ranked and ranked[0][1] >= enough:
        best, count = ranked[0]
        longer = [n for n, c in ranked if best in n and 3 * c >= 2 * count]
        parts.append(max(longer, key=lambda n: (len(n), counts[n], n)))
    return " ".join(parts)


def _title_idf(docs: Sequence[_Doc]) -> dict[str, float]:
    df = Counter(g for d in docs for g in set(_bigrams(d.problem[0])))
    return {g: math.log((1 + len(docs)) / (1 + c)) + 1 for g, c in df.items()}


def _terms(titles: list[str], idf: dict[str, float], k: int = 4) -> tuple[str, ...]:
    """The bigrams that weigh most in the titles (titles having it × idf, at least a third
    of them), each grown a character at a time while two thirds of the titles having it
    agree (搅拌 → 搅拌站); a term inside an earlier one is skipped."""
    df = Counter(g for t in titles for g in set(_bigrams(t)))
    least = max(2, math.ceil(len(titles) / 3))
    grams = [g for g, c in df.items() if c >= least and _CJK.fullmatch(g) and not is_weak(g)]
    terms: list[str] = []
    for gram in sorted(grams, key=lambda g: (-df[g] * idf.get(g, 1.0), g)):
        term, having = gram, [t for t in titles if gram in t]
        while True:
            grown = Counter(e for t in having for e in _neighbours(term, t))
            best, count = min(grown.items(), key=lambda kv: (-kv[1], kv[0]), default=("", 0))
            if 3 * count < 2 * len(having):
                break
            term = best
        if not any(term in t or t in term for t in terms):
            terms.append(term)
        if len(terms) == k:
            break
    return tuple(terms)


def _neighbours(term: str, text: str) -> set[str]:
    """``term`` with the character before or after it, wherever it occurs in ``text``."""
    out: set[str] = set()
    at = text.find(term)
    while at >= 0:
        out.update(text[i : i + len(term) + 1] for i in (at - 1, at) if i >= 0)
        at = text.find(term, at + 1)
    return {e for e in out if len(e) > len(term) and _CJK.fullmatch(e)}
