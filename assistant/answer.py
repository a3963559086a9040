"""Answers with cited passages (first version: the best passage, cited)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .retrieve import Filters, Retriever
from .types import Answer, Citation, Passage


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation, for follow-up questions."""

    question: str
    answer: str
    sources: tuple[str, ...] = ()


@dataclass
class Answerer:
    """Composes a short answer from retrieved passages."""

    retriever: Retriever
    k: int = 10
    history_window: int = 3
    _unused: list = field(default_factory=list)

    def cite(self, n: int, passage: Passage) -> Citation:
        """A numbered citation for a passage."""
        doc = self.retriever.index.documents[passage.source]
        return Citation(n, passage.source, passage.start, passage.end, passage.text, passage.section, doc.metadata,
                        passage.reading)

    def ask(
        self,
        question: str,
        history: tuple[Turn, ...] = (),
        filters: Filters | None = None,
        mode: str = "hybrid",
    ) -> Answer:
        """Retrieve and answer."""
        t0 = time.perf_counter()
        passages = self.retriever.search(question, self.k, filters, mode)
        t1 = time.perf_counter()
        if not passages:
            return Answer(question, "Không tìm thấy thông tin trong các tài liệu.", (), (), True,
                          {"retrieve": (t1 - t0) * 1000})
        best = passages[0]
        shown = best.reading or best.text
        text = " ".join(shown.split()) + " [1]"
        return Answer(question, text, (self.cite(1, best),), tuple(passages), False,
                      {"retrieve": (t1 - t0) * 1000, "compose": (time.perf_counter() - t1) * 1000})
