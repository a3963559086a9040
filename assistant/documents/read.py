"""Read a corpus folder: .txt/.md (any Vietnamese encoding), .docx and .pdf with a text layer."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import CorpusError, IngestError
from assistant.types import Skipped

log = logging.getLogger(__name__)

SUPPORTED = {".txt": "txt", ".md": "md", ".markdown": "md", ".docx": "docx", ".pdf": "pdf"}
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class RawText:
    """A decoded file: offsets everywhere else refer to `text`."""

    source: str
    text: str
    format: str
    encoding: str


def read_file(path: Path, source: str | None = None) -> RawText:
    """Decode one file or raise IngestError with the reason."""
    source = source or path.name
    fmt = SUPPORTED.get(path.suffix.lower())
    if fmt is None:
        raise IngestError(f"{source}: unsupported file type '{path.suffix or '(none)'}'")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError(f"{source}: cannot read file: {exc.strerror}") from exc
    if size == 0:
        raise IngestError(f"{source}: empty file")
    if size > MAX_BYTES:
        raise IngestError(f"{source}: file too large ({size} bytes, limit {MAX_BYTES})")
    if fmt in ("txt", "md"):
        from assistant.text.encodings import decode_bytes

        text, encoding = decode_bytes(path.read_bytes())
    elif fmt == "docx":
        text, encoding = _read_docx(path, source), "docx"
    else:
        text, encoding = _read_pdf(path, source), "pdf"
    if not text.strip():
        raise IngestError(f"{source}: no text in file")
    return RawText(source=source, text=text, format=fmt, encoding=encoding)


def _read_docx(path: Path, source: str) -> str:
    """Paragraphs and tables in body order; a table row becomes one line with ' | ' between cells."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises zipfile, KeyError, lxml errors for broken files
        raise IngestError(f"{source}: not a readable .docx file ({type(exc).__name__}: {exc})") from exc
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = " ".join(cell.text.split())
                    if not cells or cells[-1] != value:  # merged cells repeat their text
                        cells.append(value)
                lines.append(" | ".join(cells))
            lines.append("")
    return "\n".join(lines)


def _read_pdf(path: Path, source: str) -> str:
    """Text layer of every page, pages separated by a blank line and a form feed."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, OSError, ValueError, KeyError, TypeError) as exc:
        raise IngestError(f"{source}: not a readable PDF ({type(exc).__name__}: {exc})") from exc
    if not pages:
        raise IngestError(f"{source}: PDF has no pages")
    if sum(len(p.strip()) for p in pages) < 20:
        raise IngestError(f"{source}: PDF has no text layer (scanned image); it needs OCR before it can be indexed")
    return "\n\f\n".join(pages)


def iter_files(corpus_dir: Path) -> Iterator[Path]:
    """Every regular file under the folder, sorted, hidden files skipped."""
    if corpus_dir.is_file():
        raise CorpusError(f"{corpus_dir} is a file, not a folder", hint="give the folder that holds the documents")
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir}")
    for path in sorted(corpus_dir.rglob("*")):
        rel = path.relative_to(corpus_dir)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() or (path.is_symlink() and not path.exists()):  # a dangling link is reported, not ignored
            yield path


def read_corpus(corpus_dir: Path) -> tuple[list[RawText], list[Skipped]]:
    """Decode every file; a file that cannot be read is reported and skipped, never fatal."""
    texts: list[RawText] = []
    skipped: list[Skipped] = []
    for path in iter_files(corpus_dir):
        source = path.relative_to(corpus_dir).as_posix()
        try:
            if not path.exists():
                raise IngestError(f"{source}: broken link, the file it points to does not exist")
            texts.append(read_file(path, source))
        except IngestError as exc:
            # Every reason names its file ("plan.txt: ..."), however deep in the readers it was raised.
            reason = exc.message if exc.message.startswith(f"{source}:") else f"{source}: {exc.message}"
            log.warning("skipped %s", reason)
            skipped.append(Skipped(source=source, reason=reason))
    return texts, skipped
