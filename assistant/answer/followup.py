"""Follow-up questions: "còn Lai Châu thì sao?", "kế hoạch đó do ai ký?" resolved from the conversation.

Each answered turn carries what it was resolved to: the question with the history filled in, and the plan it was
about (the documents its resolved question names, or the one an anaphor scoped it to). "Kế hoạch đó" then means the
plan of the last turn that had one, whatever that turn's answer cited or whether it abstained.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.search.query import analyse, place_names, years_covered
from assistant.search.retrieve import Filters
from assistant.text.fold import fold
from assistant.types import Document

# "còn X thì sao", "thế còn X", "what about X", "and X?": the question is the previous one, about X.
_ELLIPTIC_START = re.compile(r"^(?:con|the con|vay con|con voi|what about|how about|and)\b")
_ELLIPTIC_END = re.compile(r"\b(?:thi sao|the nao|ra sao|thi the nao|nhi)$")
# Words an elliptic question may hold beside its place: the kind of body or plan, "của", "ở".
_ELLIPTIC_FILLER = re.compile(
    r"\b(?:so y te|trung tam y te|ttyt|syt|ubnd|uy ban nhan dan|tinh|thanh pho|tp|huyen|quan|thi xa|xa|phuong|"
    r"ke hoach|van ban|cua|o|tai|voi|thi|the|department of health|province|plan|s)\b"
)
# "kế hoạch đó", "văn bản này", "plan đó", "đơn vị ấy", "nó", "that plan": the plan of the conversation.
_ANAPHOR = re.compile(
    r"\b(?:ke hoach|van ban|don vi|tai lieu|so|trung tam|plan|document)\s+(?:do|nay|ay|tren|vua roi|kia)\b|\bno\b|"
    r"\b(?:that|this|the same)\s+(?:plan|document)\b|\bit\b"
)


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation: what was asked and answered, and what the question was resolved to.

    `resolved` and `plan` are None when the caller did not record them; they are then worked out again from the
    earlier turns, so a conversation replayed from its text (the OpenAI-style endpoint) resolves the same way.
    """

    question: str
    answer: str
    sources: tuple[str, ...] = ()  # documents the answer cites
    resolved: str | None = None  # the question with the history filled in
    plan: tuple[str, ...] | None = None  # documents the turn was about
    province: str | None = None  # their province, when they share one


@dataclass(frozen=True)
class _State:
    resolved: str
    plan: tuple[str, ...]


def answered(question: str, answer: str, sources: Sequence[str], history: tuple[Turn, ...],
             documents: Iterable[Document], filters: Filters | None = None) -> Turn:
    """The turn to remember after answering `question`: its resolution and plan recorded explicitly."""
    documents = list(documents)
    states = _replay(history, documents)
    resolved, scoped = _resolve(question, states, documents, filters)
    plan = _plan(resolved, scoped, tuple(sources), documents)
    return Turn(question, answer, tuple(sources), resolved, plan, _province(plan, documents))


def resolve(
    question: str, history: tuple[Turn, ...], documents: Iterable[Document], filters: Filters | None
) -> tuple[str, Filters | None]:
    """The question to search for, and the filters, once the history has filled in what it leaves out."""
    if not history:
        return question, filters
    documents = list(documents)
    return _resolve(question, _replay(history, documents), documents, filters)


def _replay(history: tuple[Turn, ...], documents: list[Document]) -> list[_State]:
    """What each earlier turn was resolved to and about, recorded or worked out in order."""
    states: list[_State] = []
    for turn in history:
        if turn.resolved is not None and turn.plan is not None:
            states.append(_State(turn.resolved, turn.plan))
            continue
        resolved, scoped = _resolve(turn.question, states, documents, None)
        states.append(_State(resolved, _plan(resolved, scoped, turn.sources, documents)))
    return states


def _resolve(question: str, states: list[_State], documents: list[Document],
             filters: Filters | None) -> tuple[str, Filters | None]:
    if not states:
        return question, filters
    folded = " ".join(fold(question).split()).strip(" ?.!")
    info = analyse(question, documents)
    previous = states[-1]
    if info.sources and _elliptic(folded, documents):
        return _about(previous, info.sources, documents), filters
    if not info.sources and _ANAPHOR.search(folded):
        plan = next((s.plan for s in reversed(states) if s.plan), ())
        return question, _scoped(plan, documents, filters)
    if not info.sources and len(folded.split()) <= 4 and previous.plan:
        # A very short question ("còn chỉ tiêu năm 2025?") continues the previous topic.
        return f"{question} {previous.resolved}", filters
    return question, filters


def _elliptic(folded: str, documents: list[Document]) -> bool:
    """"còn Lai Châu thì sao?": an elliptic opening or ending, and nothing but the place and filler words besides;
    "Còn bao nhiêu thủ tục của Lai Châu chưa được số hóa?" is a question of its own ("còn" = still, remaining)."""
    start, end = _ELLIPTIC_START.search(folded), _ELLIPTIC_END.search(folded)
    if not start and not end:
        return False
    rest = folded[start.end() if start else 0 : end.start() if end else len(folded)]
    rest = re.sub(r"[^0-9a-z ]+", " ", rest)
    for name in sorted({n for d in documents for n in place_names(d)}, key=len, reverse=True):
        rest = re.sub(rf"\b{re.escape(name)}\b", " ", rest)
    return len(_ELLIPTIC_FILLER.sub(" ", rest).split()) <= 1


def _about(previous: _State, sources: tuple[str, ...], documents: list[Document]) -> str:
    """The previous question about other plans: its places, plan numbers and plan years replaced by the new places."""
    prev = fold(previous.resolved)
    for doc in documents:
        for name in place_names(doc):
            prev = re.sub(rf"\b{re.escape(name)}\b", " ", prev)
        number = fold(doc.metadata.number or "")
        if doc.source in previous.plan and number[:1].isdigit():
            # "Kế hoạch số 35/KH-SYT" names the old plan, whatever place the new question names
            symbol = r"\s*/\s*".join(re.escape(part) for part in number.split("/"))
            prev = re.sub(rf"(?:\bso\s+)?(?<![\w/]){symbol}(?![\w/])", " ", prev)
    new = [d for d in documents if d.source in sources]
    old_years = {y for d in documents if d.source in previous.plan for y in years_covered(d)}
    new_years = {y for d in new for y in years_covered(d)}
    for year in old_years - new_years:  # the old plan's year dated the old plan, not the topic
        prev = re.sub(rf"\b(?:nam\s+)?{year}\b", " ", prev)
    named = " ".join(dict.fromkeys(n for d in new for n in place_names(d)))
    return f"{' '.join(prev.split())} {named}"


def _plan(resolved: str, scoped: Filters | None, cited: tuple[str, ...], documents: list[Document]) -> tuple[str, ...]:
    """The documents a turn was about: its scope, the documents its question names (those of them the answer cites,
    when it cites some), else the documents the answer cites."""
    if scoped is not None and scoped.source:
        return (scoped.source,)
    if scoped is not None and scoped.province:
        return tuple(d.source for d in documents if fold(d.metadata.province or "") == fold(scoped.province))
    named = analyse(resolved, documents).sources
    if named:
        return tuple(s for s in cited if s in named) or tuple(named)
    return cited


def _province(plan: tuple[str, ...], documents: list[Document]) -> str | None:
    provinces = {d.metadata.province for d in documents if d.source in plan}
    return provinces.pop() if len(provinces) == 1 else None


def _scoped(plan: tuple[str, ...], documents: list[Document], filters: Filters | None) -> Filters | None:
    """Filters narrowed to the plan: its document, or its province when it is several documents of one province;
    a plan of several provinces (an answer across plans) names no one plan, so nothing is narrowed."""
    if len(plan) == 1:
        source, province = plan[0], None
    else:
        source, province = None, _province(plan, documents)
        if province is None:
            return filters
    return Filters(
        source=source,
        issuer=filters.issuer if filters else None,
        province=province or (filters.province if filters else None),
        year=filters.year if filters else None,
    )
