"""Evaluation metrics over the results contract: passage relevance by span overlap with gold evidence.

A gold entry's span is the first occurrence of its evidence in its document (`str.find`); a passage is relevant
to it when it is from the same file and their [start, end) spans overlap. Ranking metrics follow the standard
definitions with gold entries as the judged-relevant items: each gold entry is credited once, to the first
passage that overlaps it, so a later passage over an already-credited span gains nothing.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence

log = logging.getLogger(__name__)

Span = tuple[str, int, int]  # (source, start, end)

# Every dash a typist or a portal may produce; facts are written with "-".
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")


def evidence_spans(gold: Sequence[Mapping], texts: Mapping[str, str]) -> list[Span | None]:
    """Per gold entry, the span of its evidence's first occurrence in its document; None when absent."""
    out: list[Span | None] = []
    for g in gold:
        pos = texts.get(g["doc"], "").find(g["evidence"])
        if pos < 0:
            log.warning("evidence not found in %s: %r", g["doc"], g["evidence"][:60])
        out.append((g["doc"], pos, pos + len(g["evidence"])) if pos >= 0 else None)
    return out


def overlaps(passage: Mapping, span: Span | None) -> bool:
    """Same file and overlapping [start, end)."""
    if span is None:
        return False
    source, start, end = span
    return passage["source"] == source and passage["start"] < end and start < passage["end"]


def relevant(passage: Mapping, spans: Sequence[Span | None]) -> bool:
    """True when the passage overlaps any gold evidence."""
    return any(overlaps(passage, s) for s in spans)


def credited(passages: Sequence[Mapping], spans: Sequence[Span | None], k: int) -> list[int | None]:
    """For each of the first k passages, the index of the gold entry it is the first to cover, else None."""
    taken: set[int] = set()
    out: list[int | None] = []
    for p in passages[:k]:
        new = next((i for i, s in enumerate(spans) if i not in taken and overlaps(p, s)), None)
        if new is not None:
            taken.add(new)
        out.append(new)
    return out


def hit_at(passages: Sequence[Mapping], spans: Sequence[Span | None], k: int) -> float:
    """1 when a relevant passage is among the first k."""
    return float(any(relevant(p, spans) for p in passages[:k]))


def recall_at(passages: Sequence[Mapping], spans: Sequence[Span | None], k: int) -> float:
    """Share of gold entries whose evidence some passage among the first k overlaps."""
    if not spans:
        return 0.0
    return sum(any(overlaps(p, s) for p in passages[:k]) for s in spans) / len(spans)


def doc_recall_at(passages: Sequence[Mapping], gold: Sequence[Mapping], spans: Sequence[Span | None],
                  k: int) -> float:
    """Share of gold documents with a relevant passage among the first k (list questions)."""
    docs = {g["doc"] for g in gold}
    found = {s[0] for s in spans if s is not None and any(overlaps(p, s) for p in passages[:k])}
    return len(found & docs) / len(docs) if docs else 0.0


def mrr_at(passages: Sequence[Mapping], spans: Sequence[Span | None], k: int = 10) -> float:
    """Reciprocal rank of the first relevant passage within k, 0 when there is none."""
    for rank, p in enumerate(passages[:k], start=1):
        if relevant(p, spans):
            return 1.0 / rank
    return 0.0


def ndcg_at(passages: Sequence[Mapping], spans: Sequence[Span | None], k: int = 10) -> float:
    """Binary-gain nDCG@k (Järvelin & Kekäläinen, TOIS 2002), log2(rank + 1) discount.

    Gain 1 at a rank whose passage newly covers a gold entry; the ideal ranking puts one passage per gold entry
    first (min(#gold, k) gains), so the value lies in [0, 1].
    """
    dcg = sum(1.0 / math.log2(r + 1) for r, i in enumerate(credited(passages, spans, k), start=1) if i is not None)
    idcg = sum(1.0 / math.log2(r + 1) for r in range(1, min(len(spans), k) + 1))
    return dcg / idcg if idcg else 0.0


def _fact_key(text: str) -> str:
    """Fact matching key: NFC, case-folded, dashes unified, whitespace collapsed; accents are kept."""
    return " ".join(_DASHES.sub("-", unicodedata.normalize("NFC", text).casefold()).split())


def fact_recall(answer: str, facts: Sequence[str]) -> float:
    """Share of expected facts the answer contains (case-insensitive, NFC, dashes unified)."""
    if not facts:
        return 0.0
    key = _fact_key(answer)
    return sum(_fact_key(f) in key for f in facts) / len(facts)


def citation_precision(citations: Sequence[Mapping], spans: Sequence[Span | None]) -> float | None:
    """Share of citations that overlap gold evidence; None when nothing was cited."""
    if not citations:
        return None
    return sum(relevant(c, spans) for c in citations) / len(citations)


def mean(values: Sequence[float | None]) -> float:
    """Arithmetic mean of the values that are not None, rounded to 4 places; 0 for nothing."""
    kept = [v for v in values if v is not None]
    return round(sum(kept) / len(kept), 4) if kept else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least q % of the values at or below it (q in 0..100).

    Always one of the values (no interpolation); q = 0 gives the minimum, q = 100 the maximum, and
    percentile(v, 50) of an even count is the lower middle value. Raises ValueError for no values.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must be in 0..100, got {q}")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered) / 100)) - 1]  # q * n first: 0.07 * 100 != 7
