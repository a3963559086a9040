"""The indexed documents: the list with filter options, and one document with its sections and a highlight."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from assistant.api import models as m
from assistant.api.deps import EngineDep
from assistant.errors import BadRequest, NotFound
from assistant.restore.restorer import to_restored_span
from assistant.search.query import years_covered

router = APIRouter()


@router.get("/api/documents", response_model=m.DocumentList, tags=["documents"])
async def documents(engine: EngineDep) -> m.DocumentList:
    """Every indexed document with its metadata, and the provinces and years to filter by."""
    docs = [m.document_summary(d, years_covered(d), d.source in engine.index.restorations)
            for d in engine.index.documents.values()]
    provinces = sorted({d.metadata["province"] for d in docs if d.metadata.get("province")})
    years = sorted({y for d in docs for y in d.years})
    return m.DocumentList(documents=docs, provinces=provinces, years=years)


# The span is checked in code against the document's length (400 bad_request); the schema states the bounds it can.
@router.get("/api/documents/{doc_id:path}", response_model=m.DocumentDetail, tags=["documents"])
async def document(
    doc_id: str,
    engine: EngineDep,
    start: Annotated[int | None, Query(description="Highlight start (character offset)",
                                       json_schema_extra={"minimum": 0})] = None,
    end: Annotated[int | None, Query(description="Highlight end (exclusive); give it with `start`",
                                     json_schema_extra={"minimum": 1})] = None,
) -> m.DocumentDetail:
    """A document's text, section tree, restored reading (OCR text) and a validated highlight span."""
    doc = engine.index.documents.get(doc_id)
    if doc is None:
        raise NotFound(f"Không có tài liệu {doc_id!r}.",
                       hint=f"Unknown document {doc_id!r}; GET /api/documents lists the document ids.")
    restoration = engine.index.restorations.get(doc_id)
    highlight = None
    if start is not None or end is not None:
        if start is None or end is None or not 0 <= start < end <= len(doc.text):
            raise BadRequest(f"Đoạn {start}–{end} nằm ngoài tài liệu.",
                             hint=f"Span {start}-{end} is outside the document: give both start and end with "
                                  f"0 ≤ start < end ≤ {len(doc.text)}.")
        highlight = m.Highlight(start=start, end=end, text=doc.text[start:end])
        if restoration is not None:
            highlight.reading_start, highlight.reading_end = to_restored_span(restoration, start, end)
    summary = m.document_summary(doc, years_covered(doc), restoration is not None)
    return m.DocumentDetail(**summary.model_dump(), text=doc.text,
                            reading=restoration.text if restoration is not None else None,
                            sections=[m.section_out(s) for s in doc.sections], highlight=highlight)
