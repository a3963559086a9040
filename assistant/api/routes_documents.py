"""The indexed documents: the list with filter options, one document with its sections and a highlight, and the
page images of scans."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from assistant.api import models as m
from assistant.api.deps import EngineDep, State
from assistant.api.state import AppState
from assistant.documents import ocr
from assistant.engine import Engine
from assistant.errors import BadRequest, NotFound
from assistant.restore.restorer import to_restored_span
from assistant.search.query import years_covered
from assistant.types import Document

router = APIRouter()


@router.get("/api/documents", response_model=m.DocumentList, tags=["documents"])
async def documents(engine: EngineDep) -> m.DocumentList:
    """Every indexed document with its metadata, and the provinces and years to filter by."""
    docs = [m.document_summary(d, years_covered(d), engine.index.restorations.get(d.source))
            for d in engine.index.documents.values()]
    provinces = sorted({d.metadata["province"] for d in docs if d.metadata.get("province")})
    years = sorted({y for d in docs for y in d.years})
    return m.DocumentList(documents=docs, provinces=provinces, years=years)


def _scan(engine: Engine, state: AppState, doc_id: str) -> ocr.OcrResult | None:
    """The cached OCR of an indexed scan (by the hash of the file it was read from), or None."""
    key = getattr(engine.index, "manifest", {}).get("files", {}).get(doc_id, "")
    return ocr.load_cached(state.settings.cache_dir / "ocr", key) if len(key) == 64 else None


# Registered before the document route, whose {doc_id:path} would otherwise take ".../pages/1" as an id.
@router.get("/api/documents/{doc_id:path}/pages/{page}", tags=["documents"], response_class=FileResponse,
            responses={200: {"content": {"image/png": {}}, "description": "The page as the scanner saw it"}})
async def page_image(doc_id: str, page: int, engine: EngineDep, state: State) -> FileResponse:
    """The image (PNG) of a page of a scanned document, as OCR read it."""
    doc = engine.index.documents.get(doc_id)
    if doc is None or not doc.pages:
        raise NotFound(f"Không có bản quét của tài liệu {doc_id!r}.",
                       hint=f"{doc_id!r} is not an indexed scan; GET /api/documents lists the document ids.")
    key = getattr(engine.index, "manifest", {}).get("files", {}).get(doc_id, "")
    path = ocr.page_image(state.settings.cache_dir / "ocr", key, page) if 1 <= page <= len(doc.pages) else None
    if path is None:
        raise NotFound(f"Không có ảnh trang {page} của {doc_id!r}.",
                       hint=f"The document has {len(doc.pages)} pages; the image is kept in the OCR cache, which "
                            f"`assistant index` refills.")
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


def _pages(doc: Document, scan: ocr.OcrResult | None) -> list[m.PageOut]:
    url = "/api/documents/" + quote(doc.source) + "/pages/"
    ends = [*doc.pages[1:], len(doc.text)]
    return [m.PageOut(page=n, start=s, end=e, image=url + str(n) if scan is not None else None)
            for n, (s, e) in enumerate(zip(doc.pages, ends, strict=True), 1)]


def _boxes(scan: ocr.OcrResult, start: int, end: int) -> list[m.BoxOut]:
    size = {p.number: (p.width, p.height) for p in scan.pages}
    return [m.BoxOut(page=w.page, left=w.left / size[w.page][0], top=w.top / size[w.page][1],
                     width=w.width / size[w.page][0], height=w.height / size[w.page][1])
            for w in scan.boxes(start, end) if w.page in size]


# The span is checked in code against the document's length (400 bad_request); the schema states the bounds it can.
@router.get("/api/documents/{doc_id:path}", response_model=m.DocumentDetail, tags=["documents"])
async def document(
    doc_id: str,
    engine: EngineDep,
    state: State,
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
    scan = _scan(engine, state, doc_id) if doc.pages else None
    scan = scan if scan is not None and scan.text == doc.text else None  # boxes only for the text indexed
    highlight = None
    if start is not None or end is not None:
        if start is None or end is None or not 0 <= start < end <= len(doc.text):
            raise BadRequest(f"Đoạn {start}–{end} nằm ngoài tài liệu.",
                             hint=f"Span {start}-{end} is outside the document: give both start and end with "
                                  f"0 ≤ start < end ≤ {len(doc.text)}.")
        highlight = m.Highlight(start=start, end=end, text=doc.text[start:end])
        if restoration is not None:
            highlight.reading_start, highlight.reading_end = to_restored_span(restoration, start, end)
        highlight.page = doc.page_at(start)
        highlight.boxes = _boxes(scan, start, end) if scan is not None else []
    summary = m.document_summary(doc, years_covered(doc), restoration)
    return m.DocumentDetail(**summary.model_dump(), text=doc.text,
                            reading=restoration.text if restoration is not None else None,
                            sections=[m.section_out(s) for s in doc.sections], highlight=highlight,
                            pages=_pages(doc, scan) if doc.pages else [])
