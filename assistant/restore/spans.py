"""A restored document and the token-by-token map between its original and restored readings."""

from __future__ import annotations

import bisect
import functools
import math
from dataclasses import dataclass

from assistant.restore.decode import split_token
from assistant.types import UnsureWord


@dataclass(frozen=True)
class Restoration:
    """A restored document and the token-by-token map between the two readings."""

    text: str
    tokens: tuple[tuple[int, int, int, int], ...]  # (orig_start, orig_end, restored_start, restored_end)
    unsure: tuple[int, ...] = ()  # ascending indices of the tokens restored with a margin under UNSURE_MARGIN

    @functools.cached_property
    def starts(self) -> dict[int, list[int]]:
        """Token start offsets in the original (key 0) and restored (key 2) text, for bisection."""
        return {0: [t[0] for t in self.tokens], 2: [t[2] for t in self.tokens]}


def _map_span(r: Restoration, start: int, end: int, src: int, dst: int) -> tuple[int, int]:
    """Map [start, end) from one reading to the other; offsets inside a token scale proportionally."""
    tokens, starts = r.tokens, r.starts[src]

    def point(pos: int, is_end: bool) -> int:
        i = bisect.bisect_right(starts, pos) - 1
        if i < 0:
            return pos
        t = tokens[i]
        s0, e0, s1, e1 = t[src], t[src + 1], t[dst], t[dst + 1]
        if pos >= e0:  # in the whitespace after token i: copied verbatim, but never into the next token (a
            # clean markup view drops marks between tokens, so its gaps can be shorter than the file's)
            nxt = tokens[i + 1][dst] if i + 1 < len(tokens) else None
            return e1 + (pos - e0) if nxt is None else min(e1 + (pos - e0), nxt)
        if pos == s0:
            return s1
        frac = (pos - s0) / (e0 - s0)
        return s1 + (math.ceil if is_end else math.floor)(frac * (e1 - s1))

    return point(start, False), point(end, True)


def to_restored_span(r: Restoration, start: int, end: int) -> tuple[int, int]:
    """Map a span of the original text to the restored text."""
    return _map_span(r, start, end, 0, 2)


def to_original_span(r: Restoration, start: int, end: int) -> tuple[int, int]:
    """Map a span of the restored text back to the original text."""
    return _map_span(r, start, end, 2, 0)


def unsure_words(r: Restoration, text: str, start: int, end: int) -> tuple[UnsureWord, ...]:
    """The unsure words of the restored reading of text[start:end], as spans of that reading (punctuation around
    a word left out), each with the word as `text` (the original) spells it."""
    if not r.unsure:
        return ()
    s, e = to_restored_span(r, start, end)
    first = bisect.bisect_right(r.starts[0], start) - 1  # the token holding `start`, if any
    out = []
    for i in r.unsure[bisect.bisect_left(r.unsure, max(first, 0)):]:
        o0, o1, r0, r1 = r.tokens[i]
        if o0 >= end:
            break
        lead, core, trail = split_token(text[o0:o1])
        a, b = max(r0 + len(lead), s), min(r1 - len(trail), e)
        if core and a < b:
            out.append(UnsureWord(a - s, b - s, core))
    return tuple(out)
