"""Restoration of Tesseract text only where it helps: the damage detector judges each block (paragraph).

Tesseract's Vietnamese model writes diacritics; a block it read well is left exactly as written, and only a block
the detector finds damaged (marks dropped or garbled: a stamp, a faint region) is decoded by the restorer. A short
block is judged with its neighbours as well: alone, a heading of acronyms ("PARI, SIPAS, PCI") or one bare word
("chung") looks damaged, while a region Tesseract really misread is damaged around it too.
"""

from __future__ import annotations

import re

from assistant.restore.decode import decode_with_margins
from assistant.restore.restorer import UNSURE_MARGIN, Restoration, RestoreModel, is_damaged

CONTEXT_WORDS = 40  # a block's neighbourhood is grown to at least this many words before it is judged


def _blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(first line, end line) of every run of non-blank lines."""
    out, start = [], None
    for i, line in enumerate([*lines, ""]):
        if line.strip() and start is None:
            start = i
        elif not line.strip() and start is not None:
            out.append((start, i))
            start = None
    return out


def _neighbourhood(blocks: list[tuple[int, int]], sizes: list[int], i: int) -> tuple[int, int]:
    """Lines of block i and the blocks around it, grown alternately until it holds CONTEXT_WORDS words."""
    lo = hi = i
    words = sizes[i]
    while words < CONTEXT_WORDS and (lo > 0 or hi < len(blocks) - 1):
        if hi < len(blocks) - 1:
            hi += 1
            words += sizes[hi]
        if lo > 0 and words < CONTEXT_WORDS:
            lo -= 1
            words += sizes[lo]
    return blocks[lo][0], blocks[hi][1]


def restore_blocks(text: str, model: RestoreModel) -> Restoration | None:
    """A reading with each damaged block restored and the others unchanged; None when no block is damaged."""
    lines = text.split("\n")
    out = list(lines)
    blocks = _blocks(lines)
    sizes = [sum(len(x.split()) for x in lines[a:b]) for a, b in blocks]
    unsure: list[int] = []
    seen, changed = 0, False  # seen: tokens of the blocks before this one
    for i, (a, b) in enumerate(blocks):
        block = lines[a:b]
        if is_damaged("\n".join(block), model):
            lo, hi = _neighbourhood(blocks, sizes, i)
            if (lo, hi) == (a, b) or is_damaged("\n".join(lines[lo:hi]), model):
                restored, margins = decode_with_margins(block, model)
                if sum(len(x.split()) for x in restored) == sizes[i]:  # one token per token, or left as read
                    out[a:b] = restored
                    unsure += [seen + k for k, m in enumerate(margins) if m < UNSURE_MARGIN]
                    changed = True
        seen += sizes[i]
    if not changed:
        return None
    reading = "\n".join(out)
    spans_o = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    spans_r = [(m.start(), m.end()) for m in re.finditer(r"\S+", reading)]
    tokens = tuple((a, b, c, d) for (a, b), (c, d) in zip(spans_o, spans_r, strict=True))
    return Restoration(reading, tokens, tuple(unsure))
