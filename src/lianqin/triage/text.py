"""Complaint text as the duplicate scorer reads it: normalised, cut into character
bigrams, told which bigrams every complaint has (so that they can be set aside), and
searched for the names of the places it mentions. Pure: stdlib only; the caches below
(classified bigrams) speed things up and never change a result.

Why characters and not words: Chinese has no spaces; a segmenter (jieba) is 10-50x
slower than this and splits place names (中海国际社区, 金鼎村) unpredictably, while two
texts about the same site share its name's character n-grams whatever the segmentation.
Why bigrams: on the labelled pair set (``docs/duplicates.md``) bigrams rank pairs at
least as well as trigrams or both together, at every length of text tried.

What must hold:

* :func:`normalize` is idempotent and keeps every CJK character, letter and digit of
  the content (letters lower-cased, full-width folded to half-width by NFKC); it drops
  whitespace of any kind (``\\t``, ``\\n``, ``\\xa0``, ``\\u3000``, zero-width), punctuation,
  symbols and masking stars, and the courtesy phrases that carry no content
  (您好, 请问, 尊敬的领导, 希望有关部门…, 谢谢), so that two reports do not look alike
  because both were polite;
* :func:`shingles` of a text shorter than ``n`` is the text itself (one gram), so a
  two-character report still has something to compare; of an empty text, nothing;
* :func:`is_weak` depends on the gram alone (never on a corpus), so a score computed
  today and one computed in another process agree;
* :func:`place_names` only returns what a suffix (小区, 家园, 村…) marks as a name, cut at
  the last administrative or road word before it, so 劳动东路魅力之城小区 gives 魅力之城;
* everything here is deterministic.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Courtesy and boilerplate, matched on the normalised text (so after NFKC, lower case and
# punctuation removal). Longest first, so 尊敬的领导您好 goes whole, not as 尊敬的领导 + 您好.
BOILERPLATE: tuple[str, ...] = (
    "尊敬的各位领导", "尊敬的相关领导", "尊敬的市长", "尊敬的领导", "尊敬的书记",
    "领导们好", "领导你好", "领导您好", "领导好", "您好", "你好", "请问一下", "请问",
    "希望有关部门", "希望相关部门", "希望有关领导", "恳请有关部门", "恳请相关部门",
    "请有关部门", "请相关部门", "恳请领导", "望领导", "非常感谢", "万分感谢", "谢谢您",
    "谢谢你", "谢谢", "此致敬礼", "此致", "盼复", "望回复", "望答复", "麻烦了", "辛苦了",
)  # fmt: skip

# Function characters: a bigram that contains one ("的一", "了我") straddles words and
# says nothing about the problem.
STOP_CHARS = frozenset(
    "的了是在有我们你他她它这那个一不也就都和与及等着被把对为从向到让给吗呢吧啊么之其而且或"
)

# Words every complaint uses, whatever it is about. Hand-written (general vocabulary of
# petitions, not drawn from any data set): they are kept, but weigh little.
_COMMON = """没有 问题 政府 部门 严重 现在 领导 业主 相关 什么 解决 居民 希望 影响 可以 公司
    已经 情况 时间 工作 进行 要求 不能 生活 安全 作为 多次 投诉 人员 一直 但是 处理 百姓
    无法 这样 就是 还是 环境 是否 管理 存在 反映 反应 本人 因为 人民 通过 导致 目前 需要
    部分 造成 如果 任何 开始 规定 回复 答复 回应 时候 自己 很多 其他 行为 电话 国家 建议
    老百 知道 还有 周边 附近 请求 合理 正常 不到 有关 得到 至今 关于 书记 市长 区长 县长
    局长 重视 城市 应该 政策 服务 合法 经过 一下 单位 为了 由于 同时 通知 非常 只能 之前
    咨询 以上 经常 发现 使用 直接 地方 结果 责任 社会 实际 发生 能够 尽快 甚至 根本 或者
    属于 方便 恳请 根据 出现 基本 尊敬 群众 市民 看到 了解 对于 当时 一次 利益 公共 具体
    并且 今年 去年 以及 原因 才能 按照 负责 申请 期间 调查 多年 长期 每天 晚上 白天 为何
    怎么 如何 到底 不要 只是 还要 还没 没人 无人 有人 大家 我家 家里 有限 限公 小区 社区 街道"""
COMMON_WORDS = frozenset(_COMMON.split())
_ADMIN_GRAM = re.compile(r"[a-z0-9][省市区县]|[a-z][0-9]")

_BOILER_RE = re.compile("|".join(sorted(BOILERPLATE, key=len, reverse=True)))
# kept: CJK ideographs (basic + extension A + compatibility), ASCII letters and digits
_DROP_RE = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

# What marks a place name in complaint text; the name is up to four characters before it.
_PLACE_SUFFIX = re.compile(
    "国际城|小区|花园|家园|新村|公寓|大厦|山庄|华庭|华府|雅苑|佳苑|新城|之城|广场|社区|村(?![民委干组])"
)
_PLACE_CUT = re.compile(
    r".*(?:[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[省市区县镇乡路街道号栋巷旁边对近个])"
)
# Characters no place name has: a "name" with one is a phrase (领导为我们小区…).
_NOT_IN_NAME = frozenset(
    "的了是在有我们你他她它这那个不也就都和与及等着被把对为从向到让给吗呢吧啊么"
)
_NOT_A_NAME = frozenset(
    ("城中", "新农", "农村", "本小", "整个", "附近", "周边", "所在", "各个", "周围")
)


def _inert(cp: int) -> bool:
    """A character that only ever normalises to ASCII punctuation or spaces: removing it
    before NFKC gives the same result as after (it composes with nothing)."""
    ch = chr(cp)
    if unicodedata.combining(ch):
        return False
    folded = unicodedata.normalize("NFKC", ch)
    return all(ord(c) < 128 and not c.isalnum() for c in folded)


def _class(cps: Iterable[int]) -> str:
    return "".join(re.escape(chr(cp)) for cp in cps)


# Punctuation, spaces and symbols of the blocks complaint text uses (ASCII, Latin-1,
# general punctuation, CJK punctuation and forms, full-width and small forms).
_INERT_BLOCKS = (
    (0x0000, 0x0100), (0x2000, 0x2070), (0x3000, 0x3040), (0xFE10, 0xFE70), (0xFF00, 0xFFF0),
)  # fmt: skip
_INERT_RE = re.compile(
    "[" + _class(cp for lo, hi in _INERT_BLOCKS for cp in range(lo, hi) if _inert(cp)) + "]+"
)


def normalize(text: str) -> str:
    """The content of ``text``: NFKC-folded, lower case, only CJK, letters and digits,
    courtesy phrases removed. Idempotent: ``normalize(normalize(t)) == normalize(t)``.

    Fast path: punctuation and spaces that NFKC would only turn into ASCII punctuation
    are dropped first; when what is left is already NFKC-normal (most text: CJK, ASCII)
    the costly NFKC pass is skipped. Anything else (①, ㎡, full-width letters, combining
    marks) takes the reference path, NFKC of the whole text; a unit test checks that
    both paths agree."""
    rest = _INERT_RE.sub("", text)
    if not unicodedata.is_normalized("NFKC", rest):
        rest = unicodedata.normalize("NFKC", text)
    kept = _DROP_RE.sub("", rest.lower())
    # Removing one phrase can join two halves into another (谢您好谢 -> 谢谢), so repeat
    # until nothing matches: the loop runs once or twice on real text.
    while True:
        stripped = _BOILER_RE.sub("", kept)
        if stripped == kept:
            return stripped
        kept = stripped


def normalize_reference(text: str) -> str:
    """:func:`normalize` without the fast path (what it must equal)."""
    kept = _DROP_RE.sub("", unicodedata.normalize("NFKC", text).lower())
    while True:
        stripped = _BOILER_RE.sub("", kept)
        if stripped == kept:
            return stripped
        kept = stripped


def shingles(text: str, n: int = 2) -> frozenset[str]:
    """The set of character ``n``-grams of an already *normalised* text.

    A text shorter than ``n`` (but not empty) is its own single gram."""
    if n < 1:
        raise ValueError("n must be >= 1")
    if len(text) <= n:
        return frozenset((text,)) if text else frozenset()
    return frozenset([text[i : i + n] for i in range(len(text) - n + 1)])


def grams(text: str, sizes: Iterable[int] = (2,)) -> frozenset[str]:
    """Normalise ``text`` and return the union of its n-grams for each size in ``sizes``."""
    norm = normalize(text)
    out: set[str] = set()
    for n in sizes:
        out.update(shingles(norm, n))
    return frozenset(out)


def is_weak(gram: str) -> bool:
    """True for a gram that every complaint has: one with a function character, a number
    (dates: 20, 19, 01), an administrative prefix (a市, 3区) or a common complaint word."""
    return (
        gram.isdigit()
        or gram in COMMON_WORDS
        or any(ch in STOP_CHARS for ch in gram)
        or _ADMIN_GRAM.fullmatch(gram) is not None
    )


_SEEN: set[str] = set()  # grams already classified (a cache: results never depend on it)
_WEAK: set[str] = set()
_SEEN_MAX = 2_000_000


def weak_grams(grams: frozenset[str]) -> frozenset[str]:
    """The grams of ``grams`` that :func:`is_weak` says weigh little (set operations on a
    per-process cache of classified grams: a few µs for a report)."""
    new = grams - _SEEN
    if new:
        if len(_SEEN) > _SEEN_MAX:
            _SEEN.clear()
            _WEAK.clear()
        _WEAK.update(g for g in new if is_weak(g))
        _SEEN.update(new)
    return grams & _WEAK


def place_names(text: str) -> frozenset[str]:
    """Names of compounds, villages and buildings that ``text`` mentions (raw text:
    punctuation is needed to see where a name starts). 劳动东路魅力之城小区 → 魅力之城."""
    folded = text.lower()
    out: set[str] = set()
    for m in _PLACE_SUFFIX.finditer(folded):
        name = _PLACE_CUT.sub("", folded[max(0, m.start() - 4) : m.start()])
        if (
            len(name) >= 2
            and name not in _NOT_A_NAME
            and not name.isdigit()
            and not any(ch in _NOT_IN_NAME for ch in name)
        ):
            out.add(name)
    return frozenset(out)


def places_agree(names_a: frozenset[str], text_b: str) -> bool:
    """True when one of ``names_a`` (at least two characters of it) occurs in the
    normalised text ``text_b``: the other report mentions the same place, perhaps
    without the suffix (海伦春天、当代广场小区)."""
    return any(name[i : i + 2] in text_b for name in names_a for i in range(len(name) - 1))
