"""List questions: one line per document that states what is asked, each cited, none dropped for its rank."""

from __future__ import annotations

import re

from assistant.answer.render import NOT_FOUND, Candidate, doc_name, shown
from assistant.answer.statements import Sentence
from assistant.restore.restorer import to_original_span
from assistant.search.query import QueryInfo
from assistant.search.retrieve import Filters
from assistant.types import Passage

# Passages of one document a list answer judges it on.
PER_DOCUMENT_PASSAGES = 3
# A question asking which documents is answered by a document's title when the title holds this share of the best
# statement's support.
TITLE_PREFERENCE = 0.8
_ASKS_FOR_DOCUMENTS = re.compile(r"\b(?:ke hoach|van ban|tai lieu)\s+nao\b|\bwhich (?:plans?|documents?)\b")


class ListAnswers:
    """Answerer methods for questions across documents (the answerer supplies the index, candidates, support)."""

    def _per_document(self, question: str, info: QueryInfo, passages: list[Passage], kind: str):
        """One line per document that states what is asked, each cited: a document is judged on its own best
        passages (searched for it when retrieval ranked none of them), never dropped for its rank."""
        wanted = info.sources or list(dict.fromkeys(p.source for p in passages))
        lines, cited = [], []
        for source in wanted:
            mine = [p for p in passages if p.source == source][:PER_DOCUMENT_PASSAGES]
            if not mine and info.sources:
                mine = self.retriever.search(question, PER_DOCUMENT_PASSAGES, Filters(source=source), "hybrid", info)
            cands = self._candidates(question, info, mine, kind)
            c = cands[0] if cands else None
            # "Những kế hoạch nào ... 5G, IoT?": a document whose title says it is named by its title.
            title = self._title_candidate(question, info, source) if _ASKS_FOR_DOCUMENTS.search(info.folded) else None
            if title and (c is None or title.support >= TITLE_PREFERENCE * c.support):
                c = title
            if c is None or not self._supported(c, kind):
                continue
            cited.append((c.sentence, c.passage))
            lines.append(f"- {self._list_label(source, wanted)}: {shown(c)} [{len(cited)}]")
        if not lines:
            return self._abstain(NOT_FOUND, passages)
        return "\n".join(lines), cited, False

    def _title_candidate(self, question: str, info: QueryInfo, source: str) -> Candidate | None:
        """The document's title (trích yếu) as a statement, located in the file, with its support."""
        document = self.retriever.index.documents[source]
        words = (document.metadata.title or "").split()
        view = self.retriever.index.restorations.get(source)
        text = view.text if view is not None else document.text
        m = re.search(r"\s+".join(re.escape(w) for w in words), text) if words else None
        if m is None:
            return None
        start, end = to_original_span(view, *m.span()) if view is not None else m.span()
        sentence = Sentence(source, start, end, document.text[start:end])
        support = self.scorer.coverage(self.scorer.terms(question, self._identifying(info)), m.group(0))
        return Candidate(sentence, self._passage_of(source, sentence), 0, support, support, m.group(0))

    def _list_label(self, source: str, listed: list[str]) -> str:
        """A document's place in a list, or its number and issuer when another listed document shares the place."""
        label = self._place_label(source)
        if sum(self._place_label(s) == label for s in listed) > 1:
            return doc_name(self.retriever.index.documents[source].metadata)
        return label

