"""From a corpus folder to parsed documents and chunks: decode, restore OCR, metadata, sections, chunks."""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from assistant.documents.chunk import ChunkingConfig, TokenCounter, chunk_document
from assistant.documents.metadata import extract_metadata
from assistant.documents.read import RawText, read_corpus, read_file
from assistant.documents.structure import build_tree
from assistant.legal.extract import extract_references
from assistant.restore.restorer import (
    Restoration,
    is_damaged,
    restore_line,
    restore_text,
    to_restored_span,
)
from assistant.types import Chunk, Document, Metadata, Skipped

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParsedCorpus:
    """Everything ingest learned about a corpus folder."""

    documents: tuple[Document, ...]
    chunks: tuple[Chunk, ...]
    skipped: tuple[Skipped, ...]
    restorations: dict[str, Restoration] = field(default_factory=dict)


def parse_document(raw: RawText, restore_ocr: bool = True) -> tuple[Document, Restoration | None]:
    """Metadata, section tree and OCR restoration of one decoded file."""
    damaged = is_damaged(raw.text)
    restoration = restore_text(raw.text) if damaged and restore_ocr else None
    document = Document(
        source=raw.source,
        text=raw.text,
        sha256=hashlib.sha256(raw.text.encode("utf-8")).hexdigest(),
        format=raw.format,
        encoding=raw.encoding,
        metadata=readable_metadata(extract_metadata(raw.text), damaged and restore_ocr),
        sections=build_tree(raw.text),
        ocr_damaged=damaged,
    )
    return document, restoration


def readable_metadata(md: Metadata, damaged: bool) -> Metadata:
    """Title and issuer of an OCR document in their restored reading, as users read them in citations; the signer
    stays as written because its span in the text is looked up by that exact string."""
    if not damaged:
        return md
    return replace(
        md,
        title=restore_line(md.title) if md.title else None,
        issuer=restore_line(md.issuer) if md.issuer else None,
    )


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
) -> list[Chunk]:
    """Chunks of a parsed document, keyed on both readings of OCR text."""
    return chunk_document(
        document.source,
        document.text,
        document.sections,
        count_tokens,
        config,
        reading=reading_of(restoration) if restoration else None,
        metadata=document.metadata,
        context=document_context(document.metadata, restoration is not None),
        retitle=_readable_title if restoration else None,
        annotations=signature_note(document) + reference_notes(document),
        boundaries=signature_bounds(document),
    )


@functools.lru_cache(maxsize=4096)
def _readable_title(title: str) -> str:
    """A section title in its restored reading; every chunk of a section repeats its path, so decode each once."""
    return restore_line(title)


def document_context(md: Metadata, damaged: bool) -> str:
    """One line naming the document: issuer, type and number, title (read through the restorer for OCR text)."""
    title = md.title or ""
    if damaged and title:
        title = restore_line(title)
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


def signature_note(document: Document) -> tuple[tuple[int, int, str], ...]:
    """Mark the signature block (the last mention of the signer's name) with what it is."""
    md = document.metadata
    if not md.signer:
        return ()
    pos = document.text.rfind(md.signer)
    if pos < 0:
        return ()
    title = f", {md.signer_title.lower()}" if md.signer_title else ""
    return ((pos, pos + len(md.signer), f"Người ký kế hoạch, chữ ký: {md.signer}{title}"),)


def parse_corpus(
    corpus_dir: Path,
    count_tokens: TokenCounter,
    config: ChunkingConfig = ChunkingConfig(),
    restore_ocr: bool = True,
    progress: Callable[[str], None] | None = None,
) -> ParsedCorpus:
    """Read, parse and chunk every file of the folder; unreadable files are reported, not fatal."""
    raws, skipped = read_corpus(corpus_dir)
    documents, chunks, restorations = [], [], {}
    for raw in raws:
        if progress:
            progress(raw.source)
        try:
            document, restoration = parse_document(raw, restore_ocr)
            doc_chunks = chunk(document, restoration, count_tokens, config)
        except Exception as exc:  # one bad document must not stop the ingest of the rest
            log.exception("failed to parse %s", raw.source)
            skipped.append(Skipped(raw.source, f"{raw.source}: could not be parsed ({type(exc).__name__}: {exc})"))
            continue
        if not doc_chunks:
            skipped.append(Skipped(raw.source, f"{raw.source}: no text to index"))
            continue
        documents.append(document)
        chunks.extend(doc_chunks)
        if restoration:
            restorations[document.source] = restoration
    return ParsedCorpus(tuple(documents), tuple(chunks), tuple(skipped), restorations)


def parse_file(path: Path, count_tokens: TokenCounter, config: ChunkingConfig = ChunkingConfig()):
    """One file, for `assistant inspect`: (document, chunks, restoration)."""
    raw = read_file(path, path.name)
    document, restoration = parse_document(raw)
    return document, chunk(document, restoration, count_tokens, config), restoration


__all__ = ["ParsedCorpus", "parse_corpus", "parse_document", "parse_file", "reading_of"]
