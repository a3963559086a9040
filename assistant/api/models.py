"""Request and response models of the HTTP API, and their conversions from the library's value types."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.documents.pipeline import shown_metadata
from assistant.restore.restorer import Restoration
from assistant.types import Answer, Citation, Document, Metadata, Passage, Section

MODEL_ID = "assistant-cchc"


class ErrorBody(BaseModel):
    """What went wrong, for people and programs."""

    code: str = Field(description="Stable machine-readable code, e.g. bad_request, not_found")
    message: str = Field(description="For people, in Vietnamese (what the widget shows)")
    hint: str | None = Field(None, description="For API clients, in English: what exactly is wrong and how to fix it")


class ErrorResponse(BaseModel):
    """The one error shape of every endpoint."""

    error: ErrorBody


class FiltersIn(BaseModel):
    """Hard metadata filters; an omitted field means no constraint."""

    model_config = ConfigDict(extra="forbid")

    source: str | None = Field(None, max_length=500, description="Document id (its path in the corpus)")
    province: str | None = Field(None, max_length=100, examples=["Hà Tĩnh"])
    year: int | None = Field(None, ge=1900, le=2200, description="Plans covering this year")
    issuer: str | None = Field(None, max_length=200, examples=["Sở Y tế"])


class AskRequest(BaseModel):
    """A question, optionally inside a conversation."""

    model_config = ConfigDict(extra="forbid")

    # Limits checked in code, so an empty or oversized question is a 400 bad_request like the other question checks.
    question: str = Field(description="Vietnamese (with or without diacritics) or English; at least one letter or "
                                      "digit, at most ASSISTANT_MAX_QUESTION_CHARS (default 2000) characters",
                          examples=["Kế hoạch CCHC năm 2023 của Sở Y tế Hà Tĩnh có mục tiêu gì?"],
                          json_schema_extra={"minLength": 1})
    conversation_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,64}$",
                                        description="Reuse to ask follow-up questions; a new one is returned when omitted")
    filters: FiltersIn | None = None


class DocumentRef(BaseModel):
    """The cited document, as its heading states it."""

    issuer: str | None = None
    number: str | None = None
    year: int | None = None
    issue_date: str | None = None
    title: str | None = None


class UnsureWordOut(BaseModel):
    """A word of `reading` that OCR restoration is unsure of: `reading[start:end]`, read from `ocr`."""

    start: int = Field(description="Start of the word in the citation's `reading`")
    end: int = Field(description="End of the word in the citation's `reading`")
    ocr: str = Field(description="The word as the OCR text spells it (in `quote`)")


class CitationOut(BaseModel):
    """A numbered citation: `quote` is exactly the source text from `start` to `end`."""

    n: int
    source: str
    start: int
    end: int
    quote: str
    section: str
    document: DocumentRef
    reading: str | None = Field(None, description="Restored reading of the quote when the source is OCR text")
    unsure: list[UnsureWordOut] = Field(
        default_factory=list, description="Words of `reading` whose restoration is unsure (the decoder's margin "
                                          "to another word is small), with their OCR spelling; empty otherwise")
    page: int | None = Field(None, description="Page of a scanned source where the quote starts (1-based)")


class PassageOut(BaseModel):
    """A retrieved passage with its exact span."""

    source: str
    start: int
    end: int
    text: str
    score: float
    section: str
    reading: str | None = None
    page: int | None = Field(None, description="Page of a scanned source where the passage starts (1-based)")


class AskResponse(BaseModel):
    """An answer with its citations and evidence."""

    id: str = Field(description="Answer id, for feedback")
    conversation_id: str
    question: str
    answer: str
    citations: list[CitationOut]
    passages: list[PassageOut]
    abstained: bool
    timings_ms: dict[str, float]


class SearchResponse(BaseModel):
    """Ranked passages for a query."""

    query: str
    passages: list[PassageOut]


class DocumentSummary(BaseModel):
    """One indexed document."""

    id: str
    format: str
    ocr: bool = Field(description="True when the text is OCR output and a restored reading is shown")
    years: list[int]
    metadata: dict[str, str | None]


class DocumentList(BaseModel):
    """All documents, with the filter options they offer."""

    documents: list[DocumentSummary]
    provinces: list[str]
    years: list[int]


class SectionOut(BaseModel):
    """A heading and the span it governs."""

    title: str
    level: int
    start: int
    end: int
    children: list[SectionOut] = []


class BoxOut(BaseModel):
    """A word's box on a scanned page, as fractions of the page's width and height."""

    page: int
    left: float
    top: float
    width: float
    height: float


class PageOut(BaseModel):
    """A page of a scan: its span of the text and its image."""

    page: int
    start: int
    end: int
    image: str | None = Field(None, description="URL of the page image (PNG), when the server keeps it")


class Highlight(BaseModel):
    """The requested span, and where it falls in the restored reading."""

    start: int
    end: int
    text: str
    reading_start: int | None = None
    reading_end: int | None = None
    page: int | None = Field(None, description="Page of a scan where the span starts")
    boxes: list[BoxOut] = Field(default_factory=list, description="Word boxes of the span on its scanned pages")


class DocumentDetail(DocumentSummary):
    """A document's full text, section tree and (for OCR text) its restored reading."""

    text: str
    reading: str | None = None
    sections: list[SectionOut]
    highlight: Highlight | None = None
    pages: list[PageOut] = Field(default_factory=list, description="Pages of a scanned document (OCR text)")


class FeedbackRequest(BaseModel):
    """A rating of an answer: give `answer_id`, or `question` and `answer`."""

    # Which fields are needed depends on whether the server still remembers the answer id: checked in code (400/404).
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "anyOf": [{"required": ["answer_id"]}, {"required": ["question", "answer"]}]})

    answer_id: str | None = Field(None, max_length=64, description="From /api/ask; the server stores the question, "
                                                                    "answer and sources it remembers for it")
    question: str | None = Field(None, max_length=20_000, json_schema_extra={"minLength": 1},
                                 description="Required, with `answer`, when the answer id is not given or not known")
    answer: str | None = Field(None, max_length=50_000, json_schema_extra={"minLength": 1})
    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=5_000)


class FeedbackResponse(BaseModel):
    """The stored feedback's id."""

    id: int
    stored: bool = True


class SkippedFile(BaseModel):
    """A corpus file the index left out, and why."""

    source: str
    reason: str


class Health(BaseModel):
    """Liveness or readiness; readiness also says which build is served and what the build left out."""

    status: str
    documents: int | None = None
    chunks: int | None = None
    build: str | None = None
    built_at: str | None = None
    newer_build: str | None = Field(default=None, description="A newer build on disk; restart to serve it")
    skipped: list[SkippedFile] = []
    build_error: str | None = Field(default=None, description="Why the last rebuild failed (the old build serves)")


# --- conversions ------------------------------------------------------------------------------------------------


def document_ref(md: Metadata) -> DocumentRef:
    """The citation's view of a document's metadata."""
    year = int(md.issue_date[:4]) if md.issue_date and md.issue_date[:4].isdigit() else None
    return DocumentRef(issuer=md.issuer, number=md.number, year=year, issue_date=md.issue_date, title=md.title)


def citation_out(c: Citation) -> CitationOut:
    """API form of a citation."""
    return CitationOut(n=c.n, source=c.source, start=c.start, end=c.end, quote=c.quote, section=c.section,
                       document=document_ref(c.document), reading=c.reading,
                       unsure=[UnsureWordOut(start=u.start, end=u.end, ocr=u.ocr) for u in c.unsure], page=c.page)


def passage_out(p: Passage) -> PassageOut:
    """API form of a passage."""
    return PassageOut(source=p.source, start=p.start, end=p.end, text=p.text, score=round(float(p.score), 6),
                      section=p.section, reading=p.reading, page=p.page)


def section_out(s: Section) -> SectionOut:
    """API form of a section tree."""
    return SectionOut(title=s.title, level=s.level, start=s.start, end=s.end,
                      children=[section_out(c) for c in s.children])


def document_summary(doc: Document, years: set[int], restoration: Restoration | None) -> DocumentSummary:
    """API form of a document's header: its metadata as shown (an OCR signer in the restored reading)."""
    return DocumentSummary(id=doc.source, format=doc.format, ocr=restoration is not None, years=sorted(years),
                           metadata=shown_metadata(doc, restoration))


def ask_response(answer: Answer, answer_id: str, conversation_id: str) -> AskResponse:
    """API form of an answer."""
    return AskResponse(
        id=answer_id,
        conversation_id=conversation_id,
        question=answer.question,
        answer=answer.text,
        citations=[citation_out(c) for c in answer.citations],
        passages=[passage_out(p) for p in answer.passages],
        abstained=answer.abstained,
        timings_ms={k: round(float(v), 3) for k, v in answer.timings_ms.items()},
    )


def sources_footer(citations: list[CitationOut]) -> str:
    """The "Nguồn:" footer appended to OpenAI-compatible answers, one line per citation."""
    if not citations:
        return ""
    lines = ["", "", "Nguồn:"]
    for c in citations:
        d = c.document
        head = " · ".join(x for x in (d.issuer, d.number, c.section) if x)
        lines.append(f"[{c.n}] {head} — {c.source} [{c.start}:{c.end}]" if head else f"[{c.n}] {c.source} [{c.start}:{c.end}]")
    return "\n".join(lines)
