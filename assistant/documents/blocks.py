"""Restoration of Tesseract text only where it helps: the damage detector judges each block (paragraph).

Tesseract's Vietnamese model writes diacritics; a block it read well is left exactly as written, and only a block
the detector finds damaged (marks dropped or garbled: a stamp, a faint line) is decoded by the restorer.
"""

from __future__ import annotations

import re

from assistant.restore.decode import decode_with_margins
from assistant.restore.restorer import UNSURE_MARGIN, Restoration, RestoreModel, is_damaged


def restore_blocks(text: str, model: RestoreModel) -> Restoration | None:
    """A reading with each damaged block restored and the others unchanged; None when no block is damaged."""
    lines = text.split("\n")
    out = list(lines)
    unsure: list[int] = []
    seen, start, changed = 0, None, False  # seen: tokens of the blocks before this one
    for i, line in enumerate(lines + [""]):
        if line.strip() and start is None:
            start = i
        elif not line.strip() and start is not None:
            block = lines[start:i]
            count = sum(len(x.split()) for x in block)
            if is_damaged("\n".join(block), model):
                restored, margins = decode_with_margins(block, model)
                if sum(len(x.split()) for x in restored) == count:  # one token per token, or left as read
                    out[start:i] = restored
                    unsure += [seen + k for k, m in enumerate(margins) if m < UNSURE_MARGIN]
                    changed = True
            seen += count
            start = None
    if not changed:
        return None
    reading = "\n".join(out)
    spans_o = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    spans_r = [(m.start(), m.end()) for m in re.finditer(r"\S+", reading)]
    tokens = tuple((a, b, c, d) for (a, b), (c, d) in zip(spans_o, spans_r, strict=True))
    return Restoration(reading, tokens, tuple(unsure))
