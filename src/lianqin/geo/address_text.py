"""Address text as the gazetteer reads it. Pure: stdlib, plus ``cpca`` only to name the
district's own prefixes from its adcode and to read a prefix the gazetteer does not know.

What must hold:

* :func:`normalize` keeps, for every character it yields, the index of the caller's
  character it came from, so a match is always a slice of the caller's own text;
* CJK characters pass through untouched; everything else is folded (NFKC, lower case,
  spaces and punctuation dropped, dashes unified, ``#`` read as 号);
* a house number is only a number that names a door: a building (3栋), floor, distance
  (100米) or date is not one;
* a prefix is only stripped when it ends in 省/市/区/县…, so 朝阳小区 stays whole.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

_DROP = frozenset(",.;:!?()[]{}<>\"'`|/\\、。《》「」【】“”‘’·…")
_SAME = {"—": "-", "–": "-", "~": "-", "#": "号"}
_CN_DIGITS = dict(
    zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True)
)
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_NOISE = "斜对面|对面|附近|门口|门前|旁边|边上|路口|周边|一带|[东西南北]侧"
_HOUSE_NO = re.compile(
    rf"(?:{_NOISE}|-)*第?(?:(\d+)(?:-\d+)*|([零〇一二两三四五六七八九十百千]+)(?=号))"
    r"(?![\d栋幢单元室楼层米年月日时点分个人次辆路元岁])号?"
)
_ADMIN_SUFFIX = re.compile(r"(?:省|市|区|县|自治区|特别行政区|自治州|地区|盟|旗)$")
_ADMIN_START = re.compile(  # what cpca may know: a province, city or county before the rest
    r"[\u4e00-\u9fff]{1,10}?(?<![社小园校景片街营厂矿库城新超门])"
    r"(?:省|自治区|特别行政区|市(?!场)|自治州|地区|盟|区|县|旗)"
)
_AREA_SUFFIX = re.compile(r"(?:街道办事处|街道|镇|乡|社区居委会|社区|居委会|村委会|村)$")
_ROAD_SUFFIX = re.compile(r"(?:大道|大街|路|街|巷|弄)$")
_COMPOUND_SUFFIX = re.compile(r"(?:花园|小区|新村|家园|雅居|华庭|名邸|公寓|苑)$")
_SUFFIX_BY_KIND = {
    "street": _AREA_SUFFIX,
    "community": _AREA_SUFFIX,
    "road": _ROAD_SUFFIX,
    "compound": _COMPOUND_SUFFIX,
}
#: the longest run of digits (or Chinese numerals) read as a house number
MAX_HOUSE_DIGITS = 6
COMPOUND_TAIL = re.compile(r"(?:小区|花园|家园|新村|苑|\d+(?:栋|幢|号楼|单元))")


@lru_cache(maxsize=4096)
def _fold(ch: str) -> str:
    """One non-CJK character as the matcher sees it: NFKC (full width → ASCII), lower
    case, spaces and punctuation dropped, dashes unified, ``#`` read as 号."""
    out = unicodedata.normalize("NFKC", ch).lower()
    return "".join(_SAME.get(c, c) for c in out if c not in _DROP and not c.isspace())


def normalize(text: str) -> tuple[str, list[int]]:
    """The text the matcher scans, and for each of its characters the index of the
    caller's character it came from (so a match can be cut from the original)."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        folded = ch if "\u4e00" <= ch <= "\u9fff" else _fold(ch)
        chars.append(folded)
        origin.extend([i] * len(folded))
    return "".join(chars), origin


def chinese_number(text: str) -> int:
    """十二 → 12, 一百零五 → 105, 两百 → 200, 一二三 → 123 (digit by digit)."""
    if not any(c in _CN_UNITS for c in text):
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    total = current = 0
    for c in text:
        if c in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[c]
            current = 0
        else:
            current = _CN_DIGITS[c]
    return total + current


def house_number(text: str, at: int) -> tuple[int | None, int]:
    """The house number right after a road name (noise such as 附近 may sit between),
    and where it ends; a building (3栋), floor or distance (100米) is not one."""
    found = _HOUSE_NO.match(text, at)
    if found is None or len(found[1] or found[2]) > MAX_HOUSE_DIGITS:
        # no door has a 7-digit number, and a run of thousands of digits would make
        # ``int`` itself refuse (Python caps decimal conversion at 4,300 digits)
        return None, at
    number = int(found[1]) if found[1] else chinese_number(found[2])
    return number, found.end()


def edit1(a: str, b: str) -> bool:
    """Levenshtein distance of a and b is at most 1."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


def short_name(kind: str, name: str) -> str:
    """A normalized name without its kind's suffix (江浦街道 → 江浦, 文德路 → 文德,
    桥北花园 → 桥北); a landmark keeps its whole name."""
    suffix = _SUFFIX_BY_KIND.get(kind)
    return suffix.sub("", name) if suffix else name


# --- the province / city / district prefix ---------------------------------------------


@lru_cache(maxsize=16)
def region_tokens(adcode: str, district_name: str) -> tuple[str, ...]:
    """The district's own prefixes (江苏省, 江苏, 南京市, 南京, 浦口区, 浦口), longest first."""
    names = [district_name]
    if adcode:
        import cpca

        names += [cpca.adcode_name(adcode[:n]) or "" for n in (2, 4, 6)]
    tokens: set[str] = set()
    for name in (normalize(n)[0] for n in names if n and n != "市辖区"):
        short = _ADMIN_SUFFIX.sub("", name)
        tokens.update(t for t in (name, short) if len(t) >= 2)
    return tuple(sorted(tokens, key=len, reverse=True))


def strip_prefixes(
    text: str, prefixes: tuple[str, ...], longest_at: Callable[[str, int], int]
) -> int:
    """Where the text starts after the district's own prefixes; a name of ours
    (``longest_at`` > the prefix) wins over a prefix it starts with (浦口路 is a road,
    not 浦口 + 路)."""
    at, stripping = 0, True
    while stripping:
        stripping = False
        for token in prefixes:
            if text.startswith(token, at) and longest_at(text, at) <= len(token):
                at, stripping = at + len(token), True
                break
    return at


def may_name_region(text: str, at: int) -> bool:
    """The text at ``at`` may open with a province, city or county cpca knows."""
    return bool(_ADMIN_START.match(text, at))


def _other_region(found: str, ours: str) -> bool:
    """cpca's adcode names a province, city or county that is not (above) ours."""
    return any(found[a:b].strip("0") and found[:b] != ours[:b] for a, b in ((0, 2), (2, 4), (4, 6)))


def read_regions(texts: list[str], adcode: str) -> list[tuple[int, bool] | None]:
    """cpca's reading of the prefixes, one call for all texts: for each, how much of it
    is a prefix cpca recognises (only a cut that ends in 省/市/区/县…, so 朝阳小区 stays
    whole) and whether it names another district than ``adcode``; None, no such cut."""
    import cpca

    frame = cpca.transform(texts)
    found: list[tuple[int, bool] | None] = []
    for text, rest, code in zip(texts, frame["地址"], frame["adcode"], strict=True):
        cut = len(text) - len(rest) if isinstance(rest, str) else 0
        if cut and text.endswith(rest) and _ADMIN_SUFFIX.search(text[:cut]):
            foreign = bool(adcode and isinstance(code, str) and _other_region(code, adcode))
            found.append((cut, foreign))
        else:
            found.append(None)
    return found
