"""The one accent fold: lower case, no Vietnamese diacritics, đ→d, dashes and spaces unified, with offsets."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

# Dashes and non-breaking spaces collapse too, so one grammar covers clean text, OCR and text pasted from portals.
_CHAR_MAP = {"đ": "d", "Đ": "d", "\u00a0": " ", "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-"}
_TABLE = str.maketrans(_CHAR_MAP)


@dataclass(frozen=True)
class Folded:
    """Folded view of a text with a map from each folded char to its source offset."""

    text: str
    offsets: tuple[int, ...]  # offsets[i] = index in the original of folded char i; one sentinel at the end

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) covering folded [start, end)."""
        if end <= start:
            return self.offsets[start], self.offsets[start]
        return self.offsets[start], self.offsets[end - 1] + 1


@functools.lru_cache(maxsize=4096)
def fold_char(ch: str) -> str:
    """Fold one character: strip diacritics, đ→d, lower-case; a combining mark folds to ''."""
    if ch in _CHAR_MAP:
        return _CHAR_MAP[ch]
    return "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)).lower()


def fold(text: str) -> str:
    """Folded text, same length rules as `fold_map` (which also keeps offsets): the key accent-free queries match."""
    text = unicodedata.normalize("NFD", text.translate(_TABLE))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def fold_map(text: str) -> Folded:
    """Fold a whole text, keeping the offset map back to the original."""
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        for c in fold_char(ch):
            chars.append(c)
            offsets.append(i)
    offsets.append(len(text))
    return Folded("".join(chars), tuple(offsets))


def fold_words(text: str) -> str:
    """Folded form of a short string, whitespace collapsed: a key for names and titles."""
    return re.sub(r"\s+", " ", fold(text)).strip()
