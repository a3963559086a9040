"""Hybrid retrieval: BM25 over normalised keys and dense search from the index's store, fused, filtered and
diversified here, the same for every store."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from assistant.errors import BadRequest
from assistant.restore.restorer import to_restored_span
from assistant.search.crosslingual import to_vietnamese
from assistant.search.fusion import reciprocal_rank_fusion
from assistant.search.index import Index
from assistant.search.query import QueryInfo, analyse, years_covered
from assistant.search.store import Filters
from assistant.text.normalize import search_tokens
from assistant.types import Passage

Mode = Literal["hybrid", "bm25", "dense"]
CANDIDATES = 100
# Fusion settings measured on the development questions (evals/README.md, `make eval`): BM25 over the
# normalised keys is the stronger run on this domain, and a small RRF k lets first ranks dominate.
WEIGHTS = (1.5, 1.0)
RRF_K = 10
# A document the question names (its province, unit or year) gains this much, about one RRF rank-1 vote:
# enough to lift its passages over equally good ones elsewhere, not enough to bury a far better passage.
SOFT_BOOST = 1.0 / (RRF_K + 1)


def check_question(question: str) -> None:
    """A question must have something to search for: a letter or a digit, and valid Unicode."""
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in question):
        raise BadRequest("the question contains invalid Unicode (a lone surrogate)",
                         hint="send the question as valid UTF-8 text")
    if not any(ch.isalnum() for ch in question):
        raise BadRequest("the question has no letters or digits to search for", hint="ask in words, e.g. "
                         "\"những đơn vị nào phải đạt 100% TTHC trực tuyến toàn trình?\"")


class Retriever:
    """Searches one loaded index with one encoder."""

    def __init__(
        self, index: Index, encoder, weights: tuple[float, float] = WEIGHTS, rrf_k: int = RRF_K,
        soft_boost: float = SOFT_BOOST,
    ) -> None:
        self.index = index
        self.encoder = encoder
        self.weights = weights  # (bm25, dense) votes in the fusion
        self.rrf_k = rrf_k
        self.soft_boost = soft_boost
        self._chunk_doc = [c.source for c in index.chunks]

    def vocabulary_coverage(self, tokens: list[str]) -> float:
        """Share of the question's syllable tokens that occur in the indexed keys."""
        tokens = [t for t in tokens if "_" not in t]
        if not tokens:
            return 0.0
        vocab = self.index.store.vocabulary
        return sum(t in vocab for t in tokens) / len(tokens)

    def search(
        self,
        question: str,
        k: int = 10,
        filters: Filters | None = None,
        mode: Mode = "hybrid",
        info: QueryInfo | None = None,
    ) -> list[Passage]:
        """Ranked passages; across-document questions get the best passages of every matching document first.

        `info` comes from a caller that has already checked, rendered (English) and analysed the question.
        """
        if info is None:
            check_question(question)
            question = to_vietnamese(question) or question  # English: search the plans in their own words
            info = analyse(question, self.index.documents.values())
        tokens = search_tokens(question) if mode in ("hybrid", "bm25") else None
        vector = self.encoder.encode_queries([question])[0] if mode in ("hybrid", "dense") else None
        lexical, dense = self.index.store.runs(tokens, vector, CANDIDATES)  # BM25 and cosine top-100
        runs, weights = [], []
        if lexical is not None:
            runs.append(lexical)
            # Words the corpus never uses (an English question) make BM25 evidence thin: trust it in proportion
            # to how much of the question it can see.
            weights.append(self.weights[0] * self.vocabulary_coverage(tokens))
        if dense is not None:
            runs.append(dense)
            weights.append(self.weights[1])
        # Questions across plans take each plan's best passage: a flatter fusion (larger k) lets the two runs
        # agree on it instead of one run's first ranks deciding.
        fused = reciprocal_rank_fusion(runs, self.rrf_k * 2 if info.across else self.rrf_k, weights)
        if filters is not None and not filters.empty():  # among the candidates of both runs, as one ranking
            keep = self.index.store.allowed(filters, fused.keys())
            fused = {i: s for i, s in fused.items() if i in keep}
        fused = self._soft_boost(fused, info)
        order = sorted(fused, key=lambda i: (-fused[i], i))
        if info.across:
            order = _round_robin(order, self._chunk_doc)
        return [replace(self.passage(i, fused[i]), rank=r) for r, i in enumerate(order[:k], start=1)]

    def _soft_boost(self, fused: dict[int, float], info: QueryInfo) -> dict[int, float]:
        """Favour documents whose place or year the question mentions."""
        if not info.sources and not info.years:
            return fused
        boosted = {}
        for i, s in fused.items():
            doc = self.index.documents[self._chunk_doc[i]]
            bonus = 0.0
            if doc.source in info.sources:
                bonus += self.soft_boost
            if info.years and set(info.years) & years_covered(doc):
                bonus += self.soft_boost / 2
            boosted[i] = s + bonus
        return boosted

    def passage(self, i: int, score: float) -> Passage:
        """A chunk as a passage, with its restored reading when the document is OCR text."""
        c = self.index.chunks[i]
        reading = None
        restoration = self.index.restorations.get(c.source)
        if restoration is not None:
            s, e = to_restored_span(restoration, c.start, c.end)
            reading = restoration.text[s:e]
        return Passage(c.source, c.start, c.end, c.text, score, c.section, c.id, reading, page=c.page)


def _round_robin(order: list[int], doc_of: list[str]) -> list[int]:
    """Best chunk of each document (in order of their best), then each one's second best, and so on."""
    per_doc: dict[str, list[int]] = {}
    for i in order:
        per_doc.setdefault(doc_of[i], []).append(i)
    out: list[int] = []
    depth = 0
    while len(out) < len(order):
        for chunks in per_doc.values():
            if depth < len(chunks):
                out.append(chunks[depth])
        depth += 1
    return out
