"""The gazetteer's fuzzy pass: where in an address a name stands with its suffix left out,
or one edit away. Pure: stdlib only; knows names and whatever the caller files under
them (``R``), not places or matches — :class:`~lianqin.geo.gazetteer.Gazetteer` turns
what is found here into matches and charges it the fuzzy penalty.

What must hold:

* fuzzy names are looked for only in the spans of the text no given name covers
  (:func:`gaps`), never across a house number;
* a name one edit away is only tried on names of ≥ 3 characters sharing all but one
  of their distinct characters with the span, and the longest part of the span wins
  (甲山南路 is 金山南路, not 城南路 for 山南路).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

from lianqin.geo.address_text import edit1

R = TypeVar("R")


def lengths_by_first(names: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """For each first character, the lengths of the names opening with it, longest first."""
    by_first: dict[str, set[int]] = defaultdict(set)
    for name in names:
        by_first[name[0]].add(len(name))
    return {ch: tuple(sorted(ns, reverse=True)) for ch, ns in by_first.items()}


def gaps(text: str, covered: list[bool], start: int) -> Iterator[tuple[int, int]]:
    """The spans (start, end) of ≥ 2 characters from ``start`` that nothing covers."""
    i = start
    while i < len(text):
        j = i
        while j < len(text) and not covered[j]:
            j += 1
        if j - i >= 2:
            yield i, j
        i = j + 1


class FuzzyNames(Generic[R]):
    """Stems (文德 for 文德路, 桥北 for 桥北花园) and names tried one edit away, each
    with what the caller filed under it; found as (start, end, what) in the text."""

    def __init__(self, names: Iterable[tuple[str, list[R]]], stems: dict[str, list[R]]) -> None:
        self._stems = stems
        self._stem_first = lengths_by_first(stems)
        self._names = [(n, rs) for n, rs in names if len(n) >= 3]
        self._by_char: dict[str, list[int]] = defaultdict(list)
        for i, (name, _) in enumerate(self._names):
            for ch in set(name):
                self._by_char[ch].append(i)

    def unsuffixed(self, text: str, start: int, end: int) -> list[tuple[int, int, R]]:
        """Every stem inside ``text[start:end]``."""
        near = []
        for i in range(start, end):
            for n in self._stem_first.get(text[i], ()):
                refs = self._stems.get(text[i : i + n], ()) if i + n <= end else ()
                near += [(i, i + n, ref) for ref in refs]
        return near

    def one_edit(self, text: str, start: int, end: int) -> list[tuple[int, int, R]]:
        """Names one edit away from a part of ``text[start:end]``, the longest part only."""
        span = text[start:end]
        shared: dict[int, int] = defaultdict(int)
        for ch in set(span):
            for i in self._by_char.get(ch, ()):
                shared[i] += 1
        near: list[tuple[int, int, R]] = []
        for i, count in shared.items():
            name, refs = self._names[i]
            sizes = {len(name), len(name) - 1, len(name) + 1} - {0, 1, 2}
            if count < len(set(name)) - 1:
                continue
            for n in sorted(sizes, key=lambda n: n != len(name)):
                at = next(
                    (k for k in range(len(span) - n + 1) if edit1(span[k : k + n], name)), None
                )
                if at is not None:
                    near += [(start + at, start + at + n, ref) for ref in refs]
                    break
        longest = max((e - s for s, e, _ in near), default=0)
        return [(s, e, ref) for s, e, ref in near if e - s == longest]
