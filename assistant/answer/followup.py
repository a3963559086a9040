"""Follow-up questions: "còn Lai Châu thì sao?", "kế hoạch đó do ai ký?" resolved from the conversation."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.search.query import analyse, place_names
from assistant.search.retrieve import Filters
from assistant.text.fold import fold
from assistant.types import Document

# "còn X thì sao", "thế còn X", "what about X", "and X?": the question is the previous one, about X.
_ELLIPTIC = re.compile(r"^(?:con|the con|vay con|con voi|what about|how about|and)\b|\b(?:thi sao|the nao|ra sao)\s*\??$")
# "kế hoạch đó", "văn bản này", "đơn vị ấy", "nó", "that plan": the previous answer's document.
_ANAPHOR = re.compile(
    r"\b(?:ke hoach|van ban|don vi|tai lieu|so|trung tam)\s+(?:do|nay|ay|tren|vua roi)\b|\bno\b|"
    r"\b(?:that|this|the same)\s+(?:plan|document)\b|\bit\b"
)


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation: what was asked, what was answered, from which documents."""

    question: str
    answer: str
    sources: tuple[str, ...] = ()


def resolve(
    question: str, history: tuple[Turn, ...], documents: Iterable[Document], filters: Filters | None
) -> tuple[str, Filters | None]:
    """The question to search for, and the filters, once the history has filled in what it leaves out."""
    if not history:
        return question, filters
    documents = list(documents)
    folded = " ".join(fold(question).split()).strip(" ?.!")
    info = analyse(question, documents)
    previous = history[-1]

    def previous_resolved() -> str:
        # The previous question may itself have been a follow-up ("còn Lai Châu thì sao?" after a question about
        # Khánh Hòa): continue from what it was resolved to, so a third "còn Hà Tĩnh thì sao?" keeps the topic.
        return resolve(previous.question, history[:-1], documents, None)[0]

    if info.sources and _ELLIPTIC.search(folded):
        # Same question, new place: drop the old place names from the previous question, add the new ones.
        prev = fold(previous_resolved())
        for doc in documents:
            for name in place_names(doc):
                prev = re.sub(rf"\b{re.escape(name)}\b", " ", prev)
        named = " ".join(dict.fromkeys(n for d in documents if d.source in info.sources for n in place_names(d)))
        return f"{' '.join(prev.split())} {named}", filters
    if not info.sources and _ANAPHOR.search(folded) and len(previous.sources) == 1:
        scoped = Filters(
            source=previous.sources[0],
            issuer=filters.issuer if filters else None,
            province=filters.province if filters else None,
            year=filters.year if filters else None,
        )
        return question, scoped
    if not info.sources and len(folded.split()) <= 4 and previous.sources:
        # A very short question ("còn chỉ tiêu năm 2025?") continues the previous topic.
        return f"{question} {previous_resolved()}", filters
    return question, filters
