"""The OCR channel's prior P(OCR string | gold letter) and the hard-EM step that re-fits it on a document."""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable

from assistant.text import syllables as sy
from assistant.text.syllables import align, emit_cost, skeleton_emit_cost

# A hook, horn or tone mark makes this kind of OCR print a marked vowel as almost any small glyph or two ("ủ" as
# "a", "i", "ii", "il", "ia"; "ộ" as "y", "d", "6"): a floor under the class prior's unlisted renderings, so that
# such readings stay candidates and the document's own EM can learn how often they happen.
_GLYPHS = frozenset("aeiouyl1é¢€&@069")
_SPLIT_START = frozenset("il1t")  # a mark read as a glyph of its own splits the vowel: "ii", "il", "ta", "ia"
MARKED_GLYPH_FLOOR = (0.004, 0.0015)  # P(one glyph), P(two glyphs) for a marked vowel


def _glyph_floor(base: str, ocr: str) -> float:
    """-log of the floor for a marked vowel with this base letter printed as `ocr` (inf where none applies)."""
    if base not in "aeiouy" or not 1 <= len(ocr) <= 2 or not set(ocr) <= _GLYPHS:
        return math.inf
    if len(ocr) == 2 and ocr[0] not in _SPLIT_START and ocr[0] != base:
        return math.inf
    return -math.log(MARKED_GLYPH_FLOOR[len(ocr) - 1])


@functools.cache
def prior_emit(gold: str, ocr: str) -> float:
    """The class prior's emission cost, with the floor for a marked vowel printed as one or two small glyphs."""
    base, mod, tone = sy.decompose(gold)
    return min(emit_cost(gold, ocr), _glyph_floor(base, ocr) if mod or tone else math.inf)


@functools.cache
def skeleton_bound(base: str, ocr: str) -> float:
    """Lower bound of `prior_emit` over the marked forms of an ASCII letter (prunes skeletons)."""
    return min(skeleton_emit_cost(base, ocr), _glyph_floor(base, ocr))


def letter_counts(pairs: list[tuple[str, str]], emit: Callable[[str, str], float]) -> Counter[tuple[str, str]]:
    """E-step of hard EM: (gold letter, OCR string) counts over the best alignments of (syllable, token) pairs."""
    counts: Counter[tuple[str, str]] = Counter()
    for gold, ocr in pairs:
        counts.update(align(gold, ocr, emit))
    return counts


def smoothed_cost(count: float, total: float, prior_cost: float, strength: float) -> float:
    """M-step for one emission: -log of its count smoothed toward the prior with `strength` pseudo-counts."""
    return -math.log((count + strength * math.exp(-prior_cost)) / (total + strength))
