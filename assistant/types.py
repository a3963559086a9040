"""Shared value types: every stage hands these frozen dataclasses to the next."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Metadata:
    """What a plan says about itself; a field the document does not state is None."""

    issuer: str | None = None  # e.g. "Sở Y tế tỉnh Hà Tĩnh"
    parent: str | None = None  # e.g. "UBND tỉnh Hà Tĩnh"
    province: str | None = None  # e.g. "Hà Tĩnh"
    number: str | None = None  # e.g. "35/KH-SYT" ("/KH-SYT" when the number is left blank)
    issue_date: str | None = None  # ISO date; partial dates keep only what is stated ("2024-05")
    period: str | None = None  # "2023" or "2023-2030"
    title: str | None = None  # trích yếu
    signer: str | None = None
    signer_title: str | None = None
    doc_type: str | None = None  # "Kế hoạch", "Quyết định", ...
    place: str | None = None  # the place of the place-date line ("Đồng Nai" in "Đồng Nai, ngày 18 tháng 11 năm 2025")
    recipients: str | None = None  # Nơi nhận, "; "-separated

    def to_dict(self) -> dict[str, str | None]:
        """Plain dict for JSON."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Section:
    """A heading and the span of text it governs, with its children."""

    title: str
    level: int  # 1 = top level (I., II., Phụ lục), deeper numbers nest further
    start: int  # heading start
    end: int  # end of the section's body (exclusive)
    children: tuple[Section, ...] = ()

    def to_dict(self) -> dict:
        """Nested dict for JSON."""
        return {
            "title": self.title,
            "level": self.level,
            "start": self.start,
            "end": self.end,
            "children": [c.to_dict() for c in self.children],
        }


@dataclass(frozen=True)
class Document:
    """A decoded source file: `text` is what every offset refers to."""

    source: str  # path relative to the corpus folder
    text: str
    sha256: str  # hash of the decoded text
    format: str  # txt, md, docx, pdf
    encoding: str  # how the bytes were decoded (utf-8, utf-16, cp1258, tcvn3, vni, docx, pdf)
    metadata: Metadata = field(default_factory=Metadata)
    sections: tuple[Section, ...] = ()
    ocr_damaged: bool = False
    pages: tuple[int, ...] = ()  # start offset of every page of a scan (OCR text); empty for other files

    def page_at(self, offset: int) -> int | None:
        """1-based page of a scan holding `offset`; None for a document without pages."""
        return bisect.bisect_right(self.pages, offset) if self.pages else None


@dataclass(frozen=True)
class Chunk:
    """A retrievable span of a document with its search keys."""

    id: str  # "<source>#<start>-<end>"
    source: str
    start: int
    end: int
    text: str  # == document.text[start:end]
    section: str  # "II. NỘI DUNG > 1. Công tác ..."
    top_section: int  # index of the top-level section, chunks never cross it
    keys: str  # normalised, segmented search key (BM25)
    embed_text: str  # what the embedding model sees (restored reading for OCR text)
    content_hash: str  # hash of embed_text + model-relevant settings, for embedding reuse
    metadata: Metadata = field(default_factory=Metadata)  # the document's, shared by its chunks
    page: int | None = None  # page of a scan where the chunk starts


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its score."""

    source: str
    start: int
    end: int
    text: str
    score: float
    section: str
    chunk_id: str
    reading: str | None = None  # restored reading of an OCR passage, when one exists
    rank: int = 0  # 1-based position in the retriever's ranking (the answer stage may reorder passages)
    page: int | None = None  # page of a scan where the passage starts

    def to_dict(self) -> dict:
        """The results-contract shape."""
        d = {
            "source": self.source,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "score": round(float(self.score), 6),
            "section": self.section,
        }
        if self.reading is not None:
            d["reading"] = self.reading
        if self.page is not None:
            d["page"] = self.page
        return d


@dataclass(frozen=True)
class UnsureWord:
    """A word of a restored reading that the restoration is unsure of, with its spelling in the OCR text."""

    start: int  # offsets in the reading
    end: int
    ocr: str


@dataclass(frozen=True)
class Citation:
    """A numbered citation: a passage span and the document it belongs to."""

    n: int
    source: str
    start: int
    end: int
    quote: str  # == document text[start:end]
    section: str
    document: Metadata
    reading: str | None = None  # restored reading shown to users when the source is OCR text
    unsure: tuple[UnsureWord, ...] = ()  # words of `reading` restored with a small margin
    page: int | None = None  # page of a scan where the quote starts


@dataclass(frozen=True)
class Answer:
    """What the assistant says, with its evidence."""

    question: str
    text: str
    citations: tuple[Citation, ...]
    passages: tuple[Passage, ...]
    abstained: bool
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Skipped:
    """A file ingest could not use, and why."""

    source: str
    reason: str
