"""How an answer shows its statements: the candidate statements, their readable text, dates, and document labels."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer.statements import Sentence
from assistant.types import Passage

NOT_FOUND = "Các tài liệu hiện có không chứa thông tin để trả lời câu hỏi này."


@dataclass
class Candidate:
    """A sentence of a retrieved passage and how well it answers."""

    sentence: Sentence
    passage: Passage
    rank: int
    support: float
    score: float
    reading: str | None
    matched: float | None = None  # kind_match of the statement for the question (with the measure asked for)


_ITEM_MARK = re.compile(r"^(?:[-+•*–]\s*|\d{1,2}(?:\.\d{1,2})*[.)]\s+|[a-zđ]\)\s*)")
_WORDY_DATE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)


def evidence_first(passages: list[Passage], cited: list[tuple[Sentence, Passage]]) -> tuple[Passage, ...]:
    """The passages the answer cites, in citation order, then the rest in retrieval order: statement selection
    is a second, finer ranking stage over the retrieved passages."""
    first = list(dict.fromkeys(p.chunk_id for _, p in cited))
    by_id = {p.chunk_id: p for p in passages}
    for _, p in cited:
        by_id.setdefault(p.chunk_id, p)
    rest = [p for p in passages if p.chunk_id not in first]
    return tuple(by_id[i] for i in first) + tuple(rest)


def shown(c: Candidate) -> str:
    """The statement as users read it: the restored reading for OCR text, whitespace collapsed, dates also
    written as dd/mm/yyyy ("ngày 01 tháng 01 năm 2023 (01/01/2023)")."""
    text = " ".join((c.reading or c.sentence.text).split()).strip(" ;,")
    text = _ITEM_MARK.sub("", text)
    return _WORDY_DATE.sub(lambda m: f"{m.group(0)} ({int(m.group(1)):02d}/{int(m.group(2)):02d}/{m.group(3)})", text)


def vn_date(iso: str) -> str:
    """2020-12-24 -> 24/12/2020."""
    parts = iso.split("-")
    return "/".join(reversed(parts))


def overlaps(c: Candidate, chosen: list[Candidate]) -> bool:
    return any(c.sentence.start < o.sentence.end and o.sentence.start < c.sentence.end for o in chosen)


def doc_label(md) -> str:
    """How a plan is named in an answer: its issuing body as people say it ("Sở Y tế Hà Tĩnh"), or its province."""
    if md.issuer:
        return re.sub(r"\b(?:tỉnh|thành phố)\s+(?=\S)", "", md.issuer)
    return f"Kế hoạch ({md.province})" if md.province else "Kế hoạch"


def doc_name(md) -> str:
    """A document named by its type, number and issuer ("Kế hoạch 552/KH-UBND của Ủy ban nhân dân Đồng Tháp"), so
    two documents of one body are told apart in a list."""
    if not md.number or not md.number[:1].isdigit():
        return doc_label(md)
    return f"{md.doc_type or 'Văn bản'} {md.number} của {doc_label(md)}"
