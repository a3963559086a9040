"""Evaluation metrics over the results contract: passage relevance by span overlap with gold evidence."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence


def evidence_spans(gold: Sequence[Mapping], texts: Mapping[str, str]) -> list[list[tuple[str, int, int]]]:
    """For each gold entry, every (source, start, end) where its evidence occurs in the document."""
    out = []
    for g in gold:
        text = texts.get(g["doc"], "")
        spans, pos = [], text.find(g["evidence"])
        while pos >= 0:
            spans.append((g["doc"], pos, pos + len(g["evidence"])))
            pos = text.find(g["evidence"], pos + 1)
        out.append(spans)
    return out


def overlaps(passage: Mapping, span: tuple[str, int, int]) -> bool:
    """Same file and overlapping [start, end)."""
    source, start, end = span
    return passage["source"] == source and passage["start"] < end and start < passage["end"]


def relevant(passage: Mapping, gold_spans: Sequence[Sequence[tuple[str, int, int]]]) -> bool:
    """True when the passage overlaps any gold evidence."""
    return any(overlaps(passage, s) for spans in gold_spans for s in spans)


def hit_at(passages: Sequence[Mapping], gold_spans, k: int) -> float:
    """1 when a relevant passage is among the first k."""
    return float(any(relevant(p, gold_spans) for p in passages[:k]))


def recall_at(passages: Sequence[Mapping], gold_spans, k: int) -> float:
    """Share of gold entries found among the first k passages."""
    if not gold_spans:
        return 0.0
    return sum(any(overlaps(p, s) for p in passages[:k] for s in spans) for spans in gold_spans) / len(gold_spans)


def doc_recall_at(passages: Sequence[Mapping], gold: Sequence[Mapping], gold_spans, k: int) -> float:
    """Share of gold documents with a relevant passage among the first k (list questions)."""
    docs = {g["doc"] for g in gold}
    found = set()
    for spans in gold_spans:
        for s in spans:
            if any(overlaps(p, s) for p in passages[:k]):
                found.add(s[0])
    return len(found & docs) / len(docs) if docs else 0.0


def mrr_at(passages: Sequence[Mapping], gold_spans, k: int = 10) -> float:
    """Reciprocal rank of the first relevant passage within k."""
    for rank, p in enumerate(passages[:k], start=1):
        if relevant(p, gold_spans):
            return 1.0 / rank
    return 0.0


def ndcg_at(passages: Sequence[Mapping], gold_spans, k: int = 10) -> float:
    """Binary-gain nDCG (Järvelin & Kekäläinen, TOIS 2002); ideal = one relevant passage per gold entry."""
    dcg = sum(1.0 / math.log2(r + 1) for r, p in enumerate(passages[:k], start=1) if relevant(p, gold_spans))
    ideal_n = min(len(gold_spans), k)
    idcg = sum(1.0 / math.log2(r + 1) for r in range(1, ideal_n + 1))
    return dcg / idcg if idcg else 0.0


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().replace("–", "-").split())


def fact_recall(answer: str, facts: Sequence[str]) -> float:
    """Share of expected facts the answer contains (case-insensitive, NFC, dashes unified)."""
    if not facts:
        return 0.0
    norm = _norm(answer)
    return sum(_norm(f) in norm for f in facts) / len(facts)


def citation_precision(citations: Sequence[Mapping], gold_spans) -> float | None:
    """Share of citations that overlap gold evidence; None when nothing was cited."""
    if not citations:
        return None
    return sum(relevant(c, gold_spans) for c in citations) / len(citations)


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean, 0 for nothing."""
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 4) if values else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))], 3)
