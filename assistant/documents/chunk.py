"""Chunking inside sections: token-sized, exact spans, never across a top-level section."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.documents.structure import NUMBER, leaves
from assistant.text.normalize import VERSION as NORMALIZER_VERSION
from assistant.text.normalize import search_key
from assistant.types import Chunk, Metadata, Section

TokenCounter = Callable[[str], int]

# A line break followed by one of these starts a new item, so it is a real break, not an OCR/PDF line wrap.
_ITEM_START = re.compile(r"[ \t]*(?:[-+•*–|#>]|\d{1,2}[.)]|[a-zđ]\)|[IVXl1]{1,4}\.\s|\(?\d+\)|Nơi nhận|Noi nhan)")
_SOFT_BREAK = re.compile(r"[ \t]*\r?\n(?:[ \t]*\r?\n)?[ \t]*")
_SEPARATORS = ["\n\n", "\n", ". ", "; ", ", ", " ", ""]
# A pack smaller than this is only headings ("II. NHIỆM VỤ"): it joins the section that follows instead of
# becoming a passage that says nothing.
MIN_BODY_TOKENS = 40


@dataclass(frozen=True)
class ChunkingConfig:
    """Chunk sizes in model tokens (multilingual-e5-small reads 512; 250 keeps passages focused)."""

    max_tokens: int = 250
    overlap_tokens: int = 30

    def to_dict(self) -> dict[str, int]:
        """For the index manifest."""
        return {"max_tokens": self.max_tokens, "overlap_tokens": self.overlap_tokens}


def unwrap_lines(text: str) -> str:
    """Replace line wraps inside sentences by spaces, keeping the length so offsets stay exact.

    A break is a wrap unless the line before ends a sentence or the next line starts an item; PDF extraction
    puts blank lines between wrapped lines, so a blank line alone does not end a paragraph.
    """

    def repl(m: re.Match[str]) -> str:
        before = text[: m.start()].rstrip()
        after = text[m.end() : m.end() + 40]
        if not before or not after or before[-1] in ".:;!?" or _ITEM_START.match(after):
            return m.group(0)
        return " " * len(m.group(0))

    return _SOFT_BREAK.sub(repl, text)


def _splitter(config: ChunkingConfig, count_tokens: TokenCounter) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=config.max_tokens,
        chunk_overlap=config.overlap_tokens,
        length_function=count_tokens,
        separators=_SEPARATORS,
        keep_separator="end",
        add_start_index=True,
        strip_whitespace=True,
    )


def _pieces(body: str, offset: int, config: ChunkingConfig, count_tokens: TokenCounter) -> list[tuple[int, int]]:
    """Spans of one oversized leaf, split by the recursive splitter on the unwrapped text."""
    flat = unwrap_lines(body)
    spans = []
    for doc in _splitter(config, count_tokens).create_documents([flat]):
        start = doc.metadata["start_index"]
        if start < 0:  # langchain could not locate the piece; fall back to searching from the last span
            start = flat.find(doc.page_content, spans[-1][0] - offset if spans else 0)
        spans.append((offset + start, offset + start + len(doc.page_content)))
    return spans


def _split_at(items: list, boundaries: tuple[int, ...]) -> list:
    """Cut leaves at the given offsets; the piece after a cut starts a new chunk like a heading would."""
    out = []
    for leaf, path, top, at_heading in items:
        cuts = sorted(b for b in boundaries if leaf.start < b < leaf.end)
        starts = [leaf.start, *cuts]
        ends = [*cuts, leaf.end]
        for n, (a, b) in enumerate(zip(starts, ends, strict=True)):
            piece = Section(leaf.title, leaf.level if n == 0 else NUMBER, a, b)
            out.append((piece, path, top, at_heading if n == 0 else True))
    return out


def chunk_document(
    source: str,
    text: str,
    sections: tuple[Section, ...],
    count_tokens: TokenCounter,
    config: ChunkingConfig = ChunkingConfig(),
    reading: Callable[[int, int], str] | None = None,
    metadata: Metadata | None = None,
    context: str = "",
    retitle: Callable[[str], str] | None = None,
    annotations: tuple[tuple[int, int, str], ...] = (),
    boundaries: tuple[int, ...] = (),
) -> list[Chunk]:
    """Chunks of a document: small sibling leaves packed together, large ones split; spans exact.

    `reading(start, end)` returns the restored reading of an OCR-damaged span, used for keys and embedding.
    `context` (issuer, number, title) is prepended to what is embedded and indexed, so a passage that never names
    its province or year still matches a question that does (contextual chunk headers). `retitle` gives readable
    section titles for OCR text; `annotations` are (start, end, words) added to the chunk holding that span, e.g.
    "Người ký" on the signature block, whose own text never says what it is. A chunk never spans a `boundaries`
    offset (the signature block stands alone).
    """
    packs: list[tuple[int, int, list[str], int]] = []  # start, end, section path, top index
    current: list[tuple[int, int, list[str], int]] = []

    def flush() -> None:
        if current:
            main = max(current, key=lambda p: len(text[p[0] : p[1]].strip()))
            packs.append((current[0][0], current[-1][1], main[2], main[3]))
            current.clear()

    for leaf, path, top, at_heading in _split_at(leaves(sections), boundaries):
        body = text[leaf.start : leaf.end]
        if not body.strip():
            continue
        tokens = count_tokens(body)
        if tokens > config.max_tokens:
            flush()
            packs.extend((s, e, path, top) for s, e in _pieces(body, leaf.start, config, count_tokens))
            continue
        # A numbered heading (I., 1.) starts a new chunk: it is the unit people ask about, and a heading left at
        # the end of the previous chunk would point readers at the wrong section.
        starts_section = at_heading and leaf.level <= NUMBER
        only_headings = current and count_tokens(text[current[0][0] : current[-1][1]]) < MIN_BODY_TOKENS
        if current and (
            (starts_section and not only_headings)
            or current[-1][3] != top
            or count_tokens(text[current[0][0] : leaf.end]) > config.max_tokens
        ):
            flush()
        current.append((leaf.start, leaf.end, path, top))
    flush()

    chunks = []
    for start, end, path, top in packs:
        # Trim surrounding whitespace so the span starts and ends on text.
        raw = text[start:end]
        start += len(raw) - len(raw.lstrip())
        end -= len(raw) - len(raw.rstrip())
        if end <= start:
            continue
        body = text[start:end]
        restored = reading(start, end) if reading else None
        section = " > ".join(path)
        readable_section = " > ".join(retitle(t) for t in path) if retitle else section
        notes = " ".join(words for a, b, words in annotations if a < end and start < b)
        shown = " ".join((restored or body).split())
        head = "\n".join(x for x in (context, readable_section, notes) if x)
        embed_text = f"{head}\n{shown}" if head else shown
        keys = search_key(
            "\n".join(x for x in (context, section, readable_section if retitle else "", notes, body, restored) if x)
        )
        digest = hashlib.sha256(f"{NORMALIZER_VERSION}\x00{embed_text}".encode()).hexdigest()[:24]
        chunks.append(
            Chunk(
                id=f"{source}#{start}-{end}",
                source=source,
                start=start,
                end=end,
                text=body,
                section=section,
                top_section=top,
                keys=keys,
                embed_text=embed_text,
                content_hash=digest,
                metadata=metadata or Metadata(),
            )
        )
    return chunks
