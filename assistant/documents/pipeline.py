"""From a corpus folder to parsed documents and chunks: decode, restore OCR, metadata, sections, chunks."""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from assistant.documents.blocks import restore_blocks
from assistant.documents.chunk import ChunkingConfig, TokenCounter, chunk_document
from assistant.documents.markup import clean_reading, has_markup
from assistant.documents.metadata import extract_metadata
from assistant.documents.read import MAX_BYTES, RawText, read_corpus, read_file
from assistant.documents.structure import build_tree
from assistant.legal.extract import extract_references
from assistant.restore.restorer import (
    Restoration,
    RestoreModel,
    for_document,
    get_model,
    is_damaged,
    restore_heading,
    restore_line,
    restore_text,
    to_original_span,
    to_restored_span,
)
from assistant.types import Chunk, Document, Metadata, Section, Skipped

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParsedCorpus:
    """Everything ingest learned about a corpus folder."""

    documents: tuple[Document, ...]
    chunks: tuple[Chunk, ...]
    skipped: tuple[Skipped, ...]
    restorations: dict[str, Restoration] = field(default_factory=dict)


def parse_document(
    raw: RawText, restore_ocr: bool = True, model: RestoreModel | None = None
) -> tuple[Document, Restoration | None]:
    """Metadata, section tree and second reading (OCR restoration, or the clean view of marked-up text) of a file;
    `model` is the corpus's restoration model (restore.get_model of the decoded texts), the general one if None."""
    model = model or get_model()
    damaged = is_damaged(raw.text, model)
    reading = None
    if raw.pages and restore_ocr:  # Tesseract text (a scan): restored block by block, only where damaged
        reading = restore_blocks(raw.text, model)
        damaged = reading is not None
    elif damaged and restore_ocr:
        model = for_document(model, raw.text)
        reading = restore_text(raw.text, model)
    elif not damaged and has_markup(raw.text):
        reading = clean_reading(raw.text)
    # Marked-up text is read through its clean view; OCR text as written (its patterns tolerate OCR damage).
    view = reading.text if reading is not None and not damaged else raw.text
    sections = build_tree(view)
    if view is not raw.text:
        sections = tuple(_to_file(s, reading) for s in sections)
    elif reading is not None:  # OCR: titles shown in the restored reading; the OCR heading stays at `start`
        sections = tuple(_restored_title(s, raw.text, reading, model) for s in sections)
    document = Document(
        source=raw.source,
        text=raw.text,
        sha256=hashlib.sha256(raw.text.encode("utf-8")).hexdigest(),
        format=raw.format,
        encoding=raw.encoding,
        metadata=readable_metadata(extract_metadata(view), damaged and restore_ocr, model),
        sections=sections,
        ocr_damaged=damaged,
        pages=raw.pages,
    )
    return document, reading


def _to_file(section: Section, view: Restoration) -> Section:
    """A section found in the clean view, with offsets into the file."""
    start, end = to_original_span(view, section.start, section.end)
    return replace(section, start=start, end=end, children=tuple(_to_file(c, view) for c in section.children))


def _restored_title(section: Section, text: str, reading: Restoration, model: RestoreModel) -> Section:
    """An OCR section with its title in the restored reading (restored alone, its run-together words taken apart,
    when the OCR ran words together or the parsed title is not the file's text at its start)."""
    title = restore_heading(section.title, model)
    if text.startswith(section.title, section.start) and len(title.split()) == len(section.title.split()):
        s, e = to_restored_span(reading, section.start, section.start + len(section.title))
        title = reading.text[s:e]  # no words ran together: the heading as the reading shows it
    children = tuple(_restored_title(c, text, reading, model) for c in section.children)
    return replace(section, title=title, children=children)


def _to_view(section: Section, view: Restoration) -> Section:
    """A section of the file, with offsets into the clean view."""
    start, end = to_restored_span(view, section.start, section.end)
    return replace(section, start=start, end=end, children=tuple(_to_view(c, view) for c in section.children))


def readable_metadata(md: Metadata, damaged: bool, model: RestoreModel | None = None) -> Metadata:
    """Title, issuer, place and recipients of an OCR document in their restored reading, as users read them; the
    signer stays as written because its span in the text is looked up by that exact string (`shown_metadata`)."""
    if not damaged:
        return md
    return replace(
        md,
        title=restore_line(md.title, model) if md.title else None,
        issuer=restore_line(md.issuer, model) if md.issuer else None,
        place=restore_line(md.place, model) if md.place else None,
        recipients=restore_line(md.recipients, model) if md.recipients else None,
    )


def shown_metadata(document: Document, restoration: Restoration | None) -> dict[str, str | None]:
    """The metadata as shown to users: an OCR document's signer in the restored reading of its signature."""
    shown = document.metadata.to_dict()
    signer = document.metadata.signer
    pos = document.text.rfind(signer) if signer and restoration is not None and document.ocr_damaged else -1
    if pos >= 0:
        shown["signer"] = reading_of(restoration)(pos, pos + len(signer))
    return shown


def reading_of(restoration: Restoration) -> Callable[[int, int], str]:
    """The restored reading of an original span."""

    def read(start: int, end: int) -> str:
        s, e = to_restored_span(restoration, start, end)
        return restoration.text[s:e]

    return read


def chunk(
    document: Document,
    restoration: Restoration | None,
    count_tokens: TokenCounter,
    config: ChunkingConfig,
    model: RestoreModel | None = None,
) -> list[Chunk]:
    """Chunks of a parsed document, keyed on both readings of OCR text."""
    if restoration is not None and not document.ocr_damaged:
        return _paged(document, _chunk_view(document, restoration, count_tokens, config))
    if restoration is not None:  # section titles read with the channel fitted on this document (memoised)
        model = for_document(model or get_model(), document.text)
    return _paged(document, chunk_document(
        document.source,
        document.text,
        document.sections,
        count_tokens,
        config,
        reading=reading_of(restoration) if restoration else None,
        metadata=document.metadata,
        context=document_context(document.metadata, restoration is not None, model),
        retitle=functools.partial(restore_line, model=model) if restoration else None,
        annotations=signature_note(document, reading_of(restoration) if restoration else None)
        + reference_notes(document),
        boundaries=signature_bounds(document),
    ))


def _paged(document: Document, chunks: list[Chunk]) -> list[Chunk]:
    """Chunks of a scan with the page each starts on."""
    return [replace(c, page=document.page_at(c.start)) for c in chunks] if document.pages else chunks


def _chunk_view(document: Document, view: Restoration, count_tokens: TokenCounter, config: ChunkingConfig) -> list[Chunk]:
    """Chunks of marked-up text, cut on its clean view (a table row is one line there, so it stays whole) and
    mapped back to exact spans of the file."""
    notes = tuple((*to_restored_span(view, a, b), words)
                  for a, b, words in signature_note(document) + reference_notes(document))
    bounds = tuple(to_restored_span(view, b, b)[0] for b in signature_bounds(document))
    out = []
    for c in chunk_document(document.source, view.text, _view_sections(document, view), count_tokens, config, metadata=document.metadata,
                            context=document_context(document.metadata, False), annotations=notes,
                            boundaries=bounds):
        start, end = to_original_span(view, c.start, c.end)
        out.append(replace(c, id=f"{document.source}#{start}-{end}", start=start, end=end,
                           text=document.text[start:end]))
    return out


def _view_sections(document: Document, view: Restoration) -> tuple[Section, ...]:
    return tuple(_to_view(s, view) for s in document.sections)


def document_context(md: Metadata, damaged: bool, model: RestoreModel | None = None) -> str:
    """One line naming the document: issuer, type and number, title (read through the restorer for OCR text)."""
    title = md.title or ""
    if damaged and title:
        title = restore_line(title, model)
    number = f"số {md.number}" if md.number else ""
    kind = " ".join(x for x in (md.doc_type, number) if x)
    return " · ".join(x for x in (md.issuer, kind, title) if x)


def reference_notes(document: Document) -> tuple[tuple[int, int, str], ...]:
    """Name what each cited legal document is ("văn bản căn cứ: Quyết định 5476/QĐ-UBND"), so questions about
    the documents a plan rests on find the passages that cite them, OCR-damaged symbols included."""
    notes = []
    for ref in extract_references(document.text, document.source):
        if ref.own:
            continue
        for mention in ref.mentions:
            notes.append((mention.start, mention.end, f"văn bản căn cứ {ref.type} {ref.number}"))
    return tuple(notes)


def signature_bounds(document: Document) -> tuple[int, ...]:
    """Offsets around the signature block: the signer's line and the capacity lines just above it."""
    md = document.metadata
    pos = document.text.rfind(md.signer) if md.signer else -1
    if pos < 0:
        return ()
    text = document.text
    end = text.find("\n", pos)
    end = len(text) if end < 0 else end
    start = text.rfind("\n", 0, pos) + 1
    for _ in range(6):  # "KT. GIÁM ĐỐC" / "PHÓ GIÁM ĐỐC" and blank lines above the name
        prev = text.rfind("\n", 0, max(0, start - 1)) + 1
        line = text[prev:start].strip()
        if len(line) > 40 or prev >= start:
            break
        start = prev
    return (start, end)


def signature_note(document: Document, read: Callable[[int, int], str] | None = None) -> tuple[tuple[int, int, str], ...]:
    """Mark the signature block (the last mention of the signer's name) with what it is; an OCR name in its
    restored reading when `read` gives it."""
    md = document.metadata
    if not md.signer:
        return ()
    pos = document.text.rfind(md.signer)
    if pos < 0:
        return ()
    title = f", {md.signer_title.lower()}" if md.signer_title else ""
    name = read(pos, pos + len(md.signer)) if read is not None else md.signer
    return ((pos, pos + len(md.signer), f"Người ký kế hoạch, chữ ký: {name}{title}"),)


def parse_corpus(
    corpus_dir: Path,
    count_tokens: TokenCounter,
    config: ChunkingConfig = ChunkingConfig(),
    restore_ocr: bool = True,
    progress: Callable[[str], None] | None = None,
    max_file_bytes: int = MAX_BYTES,
    max_chunks: int = 0,
    ocr_cache: Path | None = None,
) -> ParsedCorpus:
    """Read, parse and chunk every file of the folder; unreadable files, and files over the size or chunk budget
    (`max_chunks` per file, 0 = none), are reported, not fatal. Scans are OCR'd, cached in `ocr_cache`."""
    raws, skipped = read_corpus(corpus_dir, max_file_bytes, ocr_cache)
    # The restoration model learns from the decoded documents (its clean ones, OCR text of scans left out, however
    # clean it looks), never from the folder itself.
    model = get_model([raw.text for raw in raws if not raw.pages])
    documents, chunks, restorations = [], [], {}
    over = f"the budget is {max_chunks} chunks per file; ASSISTANT_MAX_CHUNKS_PER_FILE raises it"
    for raw in raws:
        if progress:
            progress(raw.source)
        if max_chunks and count_tokens(raw.text) > max_chunks * config.max_tokens:  # before costly restoration
            skipped.append(Skipped(raw.source, f"{raw.source}: too long to index (more chunks than {over})"))
            continue
        try:
            document, restoration = parse_document(raw, restore_ocr, model)
            doc_chunks = chunk(document, restoration, count_tokens, config, model)
        except Exception as exc:  # one bad document must not stop the ingest of the rest
            log.debug("failed to parse %s", raw.source, exc_info=True)  # the skip reason says it, once
            skipped.append(Skipped(raw.source, f"{raw.source}: could not be parsed ({type(exc).__name__}: {exc})"))
            continue
        if not doc_chunks:
            skipped.append(Skipped(raw.source, f"{raw.source}: no text to index"))
            continue
        if max_chunks and len(doc_chunks) > max_chunks:
            skipped.append(Skipped(raw.source, f"{raw.source}: too long to index ({len(doc_chunks)} chunks, {over})"))
            continue
        documents.append(document)
        chunks.extend(doc_chunks)
        if restoration:
            restorations[document.source] = restoration
    return ParsedCorpus(tuple(documents), tuple(chunks), tuple(skipped), restorations)


def parse_file(path: Path, count_tokens: TokenCounter, config: ChunkingConfig = ChunkingConfig(),
               model: RestoreModel | None = None, ocr_cache: Path | None = None):
    """One file, for `assistant inspect`: (document, chunks, restoration)."""
    raw = read_file(path, path.name, ocr_cache=ocr_cache)
    document, restoration = parse_document(raw, model=model)
    return document, chunk(document, restoration, count_tokens, config, model), restoration


__all__ = ["ParsedCorpus", "parse_corpus", "parse_document", "parse_file", "reading_of"]
