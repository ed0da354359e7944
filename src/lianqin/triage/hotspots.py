"""Hot issues (热点问题): groups of reports about the same problem at the same place and
time, ranked by a heat index. Pure: standard library, numpy, scipy and scikit-learn; no
Django, no clock (``now`` comes in), no I/O. ``docs/hot_issues.md`` has the measurements
behind every default and the 2019 results.

How messages are grouped:

1. **Copies.** Messages whose normalised text (``triage.text.normalize`` of title and
   body) is identical are one report: the earliest is kept, the others are listed in
   ``Hotspot.duplicates`` and add neither a message nor a reporter (likes: the highest).
2. **Place.** Each text names places: compounds and villages (``triage.text.place_names``,
   minus phrases made of common words), roads (…路, …大道) and district codes (A3区,
   A7县). ``Message.place`` is a known area code (grid, community) when the caller has one.
3. **Problem.** The text *without* its place names is cut into character bigrams and
   weighed by TF-IDF (title and the first ``body_chars`` of the body, each scaled to unit
   length, mixed ``title_weight`` : 1 − ``title_weight``): the cosine of two messages says
   how alike their problems are, whatever the place (so that two complaints about one
   compound are not alike merely because both spell its name).
4. **Pairs.** Only two messages at most ``window_days`` apart with a cosine of at least
   ``link_floor`` are compared. Their similarity is the cosine, plus ``place_bonus`` when
   they name the same place; two that name *only different* places (or districts, or
   carry different ``place`` codes) can never be in one group.
5. **Groups.** Average linkage (UPGMA) over those pairs: the two groups with the highest
   mean similarity merge while that mean is at least ``merge_at``. The mean is taken over
   the pairs of messages written within ``window_days`` of each other (a pair below
   ``link_floor`` counts 0), so a problem that persists for months forms one group while
   a message that resembles one member only does not drag its own neighbours in
   (single linkage's chaining). A merge is refused when the two groups name only
   different places: the rule holds for groups, not only for pairs.

Heat (:func:`heat`): ``messages·ln(1+n) + reporters·ln(1+r) + span·d/(d+span_scale_days)
+ likes·ln(1+l) + growth·g`` with the :class:`Weights`; ``g`` in [−1, 1] is (late − early)
/ (late + early): the last ``growth_days`` before ``now`` against the ``growth_days``
before them, or without ``now`` the second half of the group's span against the first.

What must hold: the result depends only on the set of messages and the arguments (input
order, a copy and the process never change it); naive datetimes are refused; a message
without a time or without content (nothing left after normalising) is in no group;
messages with different ``place`` codes are never in one group; hot issues are sorted by
heat, then first time, then first key; every group has at least ``min_messages``
distinct messages.
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

from lianqin.triage.text import COMMON_WORDS, STOP_CHARS, is_weak, normalize, place_names

DAY = 86_400.0
MAXDF = float(__import__("os").environ.get("MAXDF", "1"))
_ROAD = re.compile(r"([\u4e00-\u9fff]{2,6}?)([东西南北中]?(?:路|大道))")
_ROAD_CUT = re.compile(r".*[省市区县镇乡街道村组号栋旁边近与和及至到在往从沿经过靠于]")
# 公交线路, 铁路, 马路, 走投无路, 跑路, 修路, 套路…: words, not roads
_NOT_ROAD_END = frozenset(
    "线铁马道字叉速经公条水无跑出思套退问门活生网找让带开修铺拦挡堵绕走迷半过小大岔"
)
_DISTRICT = re.compile(r"[a-z]\d+[区县市]")
_AREA_CODE = re.compile(r"[a-z]\d*[省市区县]")
_CJK_PAIR = re.compile(r"[\u4e00-\u9fff]{2}")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_FEATURES = 2**20  # hashed bigram columns: collisions are rare at ~10⁵ distinct bigrams


def _bigrams(text: str) -> list[str]:
    return [text[i : i + 2] for i in range(len(text) - 1)] if len(text) > 1 else [text]


_HASHER = HashingVectorizer(analyzer=_bigrams, n_features=_FEATURES, alternate_sign=False,
                            norm=None, dtype=np.float32)  # fmt: skip


@dataclass(frozen=True)
class Message:
    """One report. ``text``: the title on the first line, then the body. ``at`` must be
    aware (or None: the message is in no group). ``reporter``: an opaque id (a keyed
    hash), only counted. ``place``: a known area code; different codes never group."""

    key: str
    text: str
    at: datetime | None
    reporter: str
    likes: int = 0
    against: int = 0
    place: str = ""

    def __post_init__(self) -> None:
        if self.at is not None and self.at.utcoffset() is None:
            raise ValueError(f"Message {self.key!r}: at must be timezone-aware, got {self.at}")


@dataclass(frozen=True)
class Weights:
    """The terms of the heat index (see :func:`heat`)."""

    messages: float = 1.0  # × ln(1 + distinct messages)
    reporters: float = 1.0  # × ln(1 + distinct reporters)
    span: float = 1.0  # × d / (d + span_scale_days): 0.5 at span_scale_days, → 1
    likes: float = 0.5  # × ln(1 + likes)
    growth: float = 0.5  # × growth, in [−1, 1]


@dataclass(frozen=True)
class Config:
    """Grouping and ranking parameters; ``docs/hot_issues.md`` says how each was chosen."""

    window_days: float = 90.0  # two messages further apart are never compared
    link_floor: float = 0.1  # pairs with a lower problem cosine count 0 (unless one place)
    merge_at: float = 0.2  # groups merge while their mean similarity is at least this
    place_bonus: float = 0.15  # added to the similarity of two messages naming one place
    title_weight: float = 0.5  # share of the title in the problem vector
    body_chars: int = 500  # characters of (normalised) body read
    min_messages: int = 3  # fewer distinct messages: not a hot issue
    min_reporters: int = 2  # one citizen writing again and again: not a hot issue
    span_scale_days: float = 30.0
    growth_days: float = 30.0
    weights: Weights = field(default_factory=Weights)


DEFAULT = Config()


@dataclass(frozen=True)
class Hotspot:
    """One hot issue. ``messages``: distinct messages' keys by time; ``duplicates``: the
    keys of the copies folded into them. ``label``: the title of the most central
    message. ``place``: the district and place most of its messages name."""

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
    problem_title: str
    problem_body: str
    at: datetime
    day: float
    reporter: str
    likes: int
    code: str
    names: frozenset[str]
    districts: frozenset[str]
    copies: list[str] = field(default_factory=list)


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
    docs = _prepare(messages)
    if not docs:
        return []
    vectors = _problem_vectors(docs, config)
    days = np.array([d.day for d in docs])
    edges = _text_pairs(vectors, days, config) | _place_pairs(docs, vectors, days, config)
    groups = [g for g in _average_link(docs, edges, config) if len(g) >= config.min_messages]
    measured = (_measure(docs, g, config, now) for g in groups)
    found = sorted((hm for hm in measured if hm[0].reporters >= config.min_reporters),
                   key=lambda hm: (-hm[0].heat, hm[0].first, hm[0].messages[0]))  # fmt: skip
    out: list[Hotspot] = []
    idf = _title_idf(docs) if found else {}
    for rank, (figure, members) in enumerate(found[:top] if top is not None else found, 1):
        label, place, terms = _describe(docs, members, vectors, idf)
        out.append(replace(figure, rank=rank, label=label, place=place, terms=terms))
    return out


def heat(n: int, reporters: int, span_days: float, likes: int, growth: float,
         config: Config = DEFAULT) -> float:  # fmt: skip
    """The heat index: a weighted sum of log-scaled counts, a saturating span and growth."""
    w = config.weights
    span = span_days / (span_days + config.span_scale_days) if span_days > 0 else 0.0
    return (w.messages * math.log1p(n) + w.reporters * math.log1p(reporters) + w.span * span
            + w.likes * math.log1p(max(0, likes)) + w.growth * growth)  # fmt: skip


def places(text: str) -> frozenset[str]:
    """Names of compounds, villages and roads in raw ``text`` (lower case): 劳动东路魅力之城
    小区 → {劳动东路, 魅力之城}. A "name" made of words every complaint uses is dropped."""
    found = {n for n in place_names(text) if not _common(n)}
    for m in _ROAD.finditer(text.lower()):
        core = _ROAD_CUT.sub("", m.group(1))
        if (len(core) >= 2 and core[-1] not in _NOT_ROAD_END and not core.isdigit()
                and not any(c in STOP_CHARS for c in core) and not _common(core)):  # fmt: skip
            found.add(core + m.group(2))
    return frozenset(found)


def districts(norm: str) -> frozenset[str]:
    """District and county codes (a3区, a7县) in a normalised text; not the city (a市)."""
    return frozenset(_DISTRICT.findall(norm))


def _common(name: str) -> bool:
    return any(name[i : i + 2] in COMMON_WORDS for i in range(len(name) - 1))


def _prepare(messages: Iterable[Message]) -> list[_Doc]:
    """Timed messages with content, in (time, key) order, copies folded into the first."""
    timed = sorted((m for m in messages if m.at is not None), key=lambda m: (m.at, m.key))
    docs: list[_Doc] = []
    seen: dict[str, _Doc] = {}
    for m in timed:
        title, _, body = m.text.strip().partition("\n")
        norm_title, norm_body = normalize(title), normalize(body)
        norm = norm_title + norm_body
        if not norm:
            continue
        if norm in seen:
            first = seen[norm]
            first.copies.append(m.key)
            first.likes = max(first.likes, m.likes)
            continue
        names = places(m.text)
        assert m.at is not None  # noqa: S101 - filtered above; for the type checker
        doc = _Doc(m.key, title.strip(), norm, _strip(norm_title, names),
                   _strip(norm_body, names), m.at, m.at.timestamp() / DAY, m.reporter,
                   m.likes, m.place, names, districts(norm))  # fmt: skip
        seen[norm] = doc
        docs.append(doc)
    return docs


def _strip(norm: str, names: frozenset[str]) -> str:
    """The problem: ``norm`` without the place names and area codes it contains."""
    for name in sorted(names, key=lambda n: (-len(n), n)):
        norm = norm.replace(name, "")
    return _AREA_CODE.sub("", norm)


def _problem_vectors(docs: Sequence[_Doc], config: Config) -> sparse.csr_matrix:
    """Unit rows: TF-IDF of the problem bigrams of title and body (``1 + ln count`` times
    ``idf = 1 + ln((1 + n) / (1 + df))``, df over messages; a bigram of a single message
    weighs 0: it cannot make two alike), each scaled to unit length and mixed
    ``title_weight`` : 1 − ``title_weight``."""
    n = len(docs)
    counts = _HASHER.transform([d.problem_title for d in docs]
                               + [d.problem_body[: config.body_chars] for d in docs])  # fmt: skip
    df = np.bincount((counts[:n] + counts[n:]).indices, minlength=_FEATURES)
    idf = np.log((1 + n) / (1 + df)) + 1
    idf[df < 2] = 0
    counts.data = (1 + np.log(counts.data)) * idf[counts.indices]
    w = config.title_weight
    mixed = sparse.csr_matrix(
        unit_rows(w * unit_rows(counts[:n]) + (1 - w) * unit_rows(counts[n:]))
    )
    mixed.eliminate_zeros()
    used = np.unique(mixed.indices)  # 2²⁰ mostly empty columns would slow every product
    compact = sparse.csr_matrix((mixed.data, np.searchsorted(used, mixed.indices), mixed.indptr),
                                shape=(n, max(1, len(used))), dtype=np.float32)  # fmt: skip
    return compact


def _text_pairs(
    x: sparse.csr_matrix, days: np.ndarray, config: Config, block: int = 2000
) -> dict[tuple[int, int], float]:
    """Pairs (i < j) at most ``window_days`` apart with cosine ≥ ``link_floor``. Rows are
    in time order, so each block of rows is multiplied only by the rows in its window:
    memory stays bounded and the cost grows with the messages per window, not n²."""
    out: dict[tuple[int, int], float] = {}
    w = config.window_days
    for start in range(0, x.shape[0], block):
        stop = min(start + block, x.shape[0])
        hi = int(np.searchsorted(days, days[stop - 1] + w, side="right"))
        product = (x[start:stop] @ x[start:hi].T).tocoo()
        rows, cols = product.row + start, product.col + start
        keep = ((cols > rows) & (product.data >= config.link_floor)
                & (days[cols] - days[rows] <= w))  # fmt: skip
        out.update(zip(zip(rows[keep].tolist(), cols[keep].tolist(), strict=True),
                       product.data[keep].tolist(), strict=True))  # fmt: skip
    return out


def _place_pairs(
    docs: Sequence[_Doc], x: sparse.csr_matrix, days: np.ndarray, config: Config
) -> dict[tuple[int, int], float]:
    """Pairs (i < j) at most ``window_days`` apart that name one compound or village, with
    their cosine (however low: the place bonus and the average decide)."""
    vocabulary: dict[str, int] = {}
    cells = [(i, vocabulary.setdefault(n, len(vocabulary))) for i, d in enumerate(docs)
             for n in sorted(d.names) if _is_estate(n)]  # fmt: skip
    if not cells:
        return {}
    at, name = np.array(cells).T
    named = sparse.csr_matrix((np.ones(len(cells)), (at, name)), shape=(len(docs), len(vocabulary)))
    shared = sparse.triu(named @ named.T, k=1).tocoo()
    keep = days[shared.col] - days[shared.row] <= config.window_days
    rows, cols = shared.row[keep], shared.col[keep]
    cosines = np.asarray(x[rows].multiply(x[cols]).sum(axis=1)).ravel()
    return dict(zip(zip(rows.tolist(), cols.tolist(), strict=True), cosines.tolist(), strict=True))


def _relation(a: _Group, b: _Group, docs: Sequence[_Doc]) -> int:
    """−1: different place codes, districts or only different places; 1: one place named
    by both (a name of one in a text of the other counts); 0: not known. A shared place
    code is not evidence (a grid holds many buildings): it only permits."""
    if a.codes and b.codes and not a.codes & b.codes:
        return -1
    if a.districts and b.districts and not a.districts & b.districts:
        return -1
    if not a.names or not b.names:
        return 0
    shared = a.names & b.names
    if not any(map(_is_estate, shared)):
        shared |= _mentioned(a.names - shared, b, docs) | _mentioned(b.names - shared, a, docs)
    if not shared:
        return -1
    return 1 if any(map(_is_estate, shared)) else 0


def _is_estate(name: str) -> bool:
    """A compound or village, not a road: a road is long, and two reports naming it are
    often about different stretches; a shared road permits a pair but earns no bonus."""
    return not name.endswith(("路", "大道"))


def _mentioned(names: frozenset[str], group: _Group, docs: Sequence[_Doc]) -> set[str]:
    return {n for n in names if any(n in docs[m].norm for m in group.members)}


def _singleton(i: int, d: _Doc) -> _Group:
    codes = frozenset((d.code,)) if d.code else frozenset()
    return _Group([i], np.array([d.day]), codes, d.names, d.districts)


def _pairs_within(a: np.ndarray, b: np.ndarray, window: float) -> int:
    """How many (x in a, y in b) are at most ``window`` apart (b sorted)."""
    hi = np.searchsorted(b, a + window, side="right")
    lo = np.searchsorted(b, a - window, side="left")
    return int((hi - lo).sum())


def _average_link(
    docs: Sequence[_Doc], edges: dict[tuple[int, int], float], config: Config
) -> list[list[int]]:
    """Average linkage with cannot-links (see the module docstring); groups as member
    indices. Each merge gets a new id, so a heap entry whose ids are alive is current."""
    groups = {i: _singleton(i, d) for i, d in enumerate(docs)}
    links: dict[int, dict[int, float]] = {i: {} for i in groups}
    blocked: dict[int, set[int]] = {i: set() for i in groups}
    heap: list[tuple[float, int, int]] = []
    for (i, j), cosine in sorted(edges.items()):
        relation = _relation(groups[i], groups[j], docs)
        if relation < 0:
            blocked[i].add(j)
            blocked[j].add(i)
            continue
        s = cosine + (config.place_bonus if relation > 0 else 0.0)
        links[i][j] = links[j][i] = s
        if s >= config.merge_at:
            heap.append((-s, i, j))
    heapq.heapify(heap)
    new_id = len(docs)
    while heap:
        _, a, b = heapq.heappop(heap)
        if a not in groups or b not in groups:
            continue
        if b in blocked[a] or _relation(groups[a], groups[b], docs) < 0:
            blocked[a].add(b)
            blocked[b].add(a)
            continue
        _merge(groups, links, blocked, a, b, new_id)
        for other, total in links[new_id].items():
            if other not in blocked[new_id]:
                pairs = _pairs_within(groups[new_id].days, groups[other].days, config.window_days)
                if total / pairs >= config.merge_at:
                    heapq.heappush(heap, (-total / pairs, min(new_id, other), max(new_id, other)))
        new_id += 1
    return [g.members for g in groups.values()]


def _merge(
    groups: dict[int, _Group],
    links: dict[int, dict[int, float]],
    blocked: dict[int, set[int]],
    a: int,
    b: int,
    new: int,
) -> None:
    ga, gb = groups.pop(a), groups.pop(b)
    groups[new] = _Group(ga.members + gb.members, np.sort(np.concatenate([ga.days, gb.days])),
                         ga.codes | gb.codes, ga.names | gb.names,
                         ga.districts | gb.districts)  # fmt: skip
    merged: dict[int, float] = {}
    for old in (a, b):
        for other, total in links.pop(old).items():
            if other not in (a, b):
                merged[other] = merged.get(other, 0.0) + total
                del links[other][old]
    for other, total in merged.items():
        links[other][new] = total
    links[new] = merged
    blocked[new] = (blocked.pop(a) | blocked.pop(b)) - {a, b}
    for other in blocked[new]:
        blocked[other] -= {a, b}
        blocked[other].add(new)


def _measure(docs: Sequence[_Doc], members: list[int], config: Config,
             now: datetime | None) -> tuple[Hotspot, list[int]]:  # fmt: skip
    """A group's figures and heat (rank, label, place and terms come later: only the top
    ones are described)."""
    members = sorted(members, key=lambda i: (docs[i].day, docs[i].key))
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


def _describe(docs: Sequence[_Doc], members: list[int], x: sparse.csr_matrix,
              idf: dict[str, float]) -> tuple[str, str, tuple[str, ...]]:  # fmt: skip
    """Label (the title of the message closest to the group's centre), place, terms."""
    rows = x[members]
    group = [docs[i] for i in members]
    medoid = group[int(np.argmax(np.asarray((rows @ rows.T).sum(axis=1)).ravel()))]
    return medoid.title, _place(group), _terms([d.problem_title for d in group], idf)


def _title_idf(docs: Sequence[_Doc]) -> dict[str, float]:
    df = Counter(g for d in docs for g in set(_bigrams(d.problem_title)))
    return {g: math.log((1 + len(docs)) / (1 + c)) + 1 for g, c in df.items()}


def _growth(days: list[float], now: datetime | None, config: Config) -> float:
    """(late − early) / (late + early), in [−1, 1]; 0 when neither has a message."""
    g = config.growth_days
    if now is not None:
        end = now.timestamp() / DAY
        late = sum(end - g < d <= end for d in days)
        early = sum(end - 2 * g < d <= end - g for d in days)
    else:
        mid = (days[0] + days[-1]) / 2
        late = sum(d > mid for d in days)
        early = sum(d < mid for d in days)
    return (late - early) / (late + early) if late + early else 0.0


def _place(group: Sequence[_Doc]) -> str:
    """The shared place: the code all members have, the district and the name most of
    them mention (a longer spelling of it when most of those use it: 丽发 → 丽发新城)."""
    parts: list[str] = []
    codes = {d.code for d in group}
    if len(codes) == 1 and "" not in codes:
        parts.append(codes.pop())
    enough = max(2, math.ceil(len(group) / 3))
    district = Counter(c for d in group for c in d.districts).most_common(1)
    if district and district[0][1] >= enough:
        parts.append(district[0][0][0].upper() + district[0][0][1:])
    counts = Counter({n: sum(n in d.norm for d in group) for d in group for n in d.names})
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))
    if ranked and ranked[0][1] >= enough:
        best, count = ranked[0]
        longer = [n for n, c in ranked if best in n and n != best and c * 3 >= count * 2]
        parts.append(max(longer, key=lambda n: (counts[n], len(n)), default=best))
    return " ".join(parts)


def _terms(texts: list[str], idf: dict[str, float], k: int = 4) -> tuple[str, ...]:
    """The bigrams that weigh most in the group's titles (titles having it × idf; at least
    a third of them), each grown by a character on either side while most of the titles
    having it agree (搅拌 → 搅拌站); a term inside an earlier one is skipped."""
    df = Counter(g for t in texts for g in set(_bigrams(t)))
    least = max(2, math.ceil(len(texts) / 3))
    grams = [g for g, c in df.items() if c >= least and _CJK_PAIR.fullmatch(g) and not is_weak(g)]
    terms: list[str] = []
    for gram in sorted(grams, key=lambda g: (-df[g] * idf.get(g, 1.0), g)):
        term = _grow(gram, [t for t in texts if gram in t])
        if not any(term in t or t in term for t in terms):
            terms.append(term)
        if len(terms) == k:
            break
    return tuple(terms)


def _grow(term: str, texts: list[str]) -> str:
    while True:
        sides = Counter(
            ext
            for t in texts
            for ext in {t[i - 1 : i + len(term)] for i in _at(term, t) if i > 0}
            | {t[i : i + len(term) + 1] for i in _at(term, t) if i + len(term) < len(t)}
        )
        best = min(sides.items(), key=lambda kv: (-kv[1], kv[0]), default=("", 0))
        if 3 * best[1] < 2 * len(texts) or not _CJK.fullmatch(best[0]):
            return term
        term = best[0]


def _at(term: str, text: str) -> list[int]:
    return [m.start() for m in re.finditer(f"(?={re.escape(term)})", text)]
