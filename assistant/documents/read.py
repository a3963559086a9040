"""Read a corpus folder: .txt/.md (any Vietnamese encoding), .docx, .pdf, and scans (.pdf without a text layer,
.png, .jpg, .tif) through OCR.

Only regular files inside the folder are read. Links leaving the folder, link loops, named pipes, devices,
sockets, folders named like documents, unreadable and oversized files are reported with a one-line reason that
names the file, and skipped; nothing here blocks on a special file or stops at one bad file.
"""

from __future__ import annotations

import errno
import hashlib
import io
import logging
import os
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import CorpusError, IngestError
from assistant.types import Skipped

log = logging.getLogger(__name__)

SUPPORTED = {".txt": "txt", ".md": "md", ".markdown": "md", ".docx": "docx", ".pdf": "pdf",
             ".png": "png", ".jpg": "jpg", ".jpeg": "jpg", ".tif": "tiff", ".tiff": "tiff"}
IMAGES = ("png", "jpg", "tiff")
MAX_BYTES = 5 * 1024 * 1024  # default size budget of one file (settings: ASSISTANT_MAX_FILE_MB)
_KINDS = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket"}


@dataclass(frozen=True)
class RawText:
    """A decoded file: offsets everywhere else refer to `text`."""

    source: str
    text: str
    format: str
    encoding: str  # "ocr" for the text of a scan
    pages: tuple[int, ...] = ()  # start offset of every page (scans), else empty


def _os_reason(source: str, exc: OSError) -> str:
    """One line for an operating-system error on a corpus file."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"{source}: permission denied, the file cannot be read"
    if exc.errno == errno.ELOOP:
        return f"{source}: symbolic link loop"
    if exc.errno == errno.ENOENT:
        return f"{source}: broken link, the file it points to does not exist"
    if exc.errno == errno.EISDIR:
        return f"{source}: is a folder, not a file"
    return f"{source}: cannot read file: {exc.strerror or exc}"


def _size_reason(source: str, size: int, max_bytes: int) -> str:
    return (f"{source}: file too large ({size / 1048576:.1f} MB, the budget is {max_bytes / 1048576:g} MB "
            f"per file; ASSISTANT_MAX_FILE_MB raises it)")


def read_bytes(path: Path, source: str, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file within the size budget, or IngestError; never waits on a pipe or device."""
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise IngestError(_os_reason(source, exc)) from exc
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else _KINDS.get(stat.S_IFMT(mode), "a special file")
            raise IngestError(f"{source}: {kind}, not a regular file")
        try:
            data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise IngestError(_os_reason(source, exc)) from exc
    if not data:
        raise IngestError(f"{source}: empty file")
    if len(data) > max_bytes:
        raise IngestError(_size_reason(source, max(len(data), os.stat(path).st_size), max_bytes))
    return data


def read_file(path: Path, source: str | None = None, max_bytes: int = MAX_BYTES,
              ocr_cache: Path | None = None) -> RawText:
    """Decode one file or raise IngestError with the reason; scans are OCR'd (cached in `ocr_cache` by file
    hash when given)."""
    source = source or path.name
    fmt = SUPPORTED.get(path.suffix.lower())
    if fmt is None:
        raise IngestError(f"{source}: unsupported file type '{path.suffix or '(none)'}'")
    data = read_bytes(path, source, max_bytes)
    pages: tuple[int, ...] = ()
    if fmt in IMAGES or fmt == "pdf":
        text = _read_pdf(data, source) if fmt == "pdf" else None
        encoding = "pdf"
        if text is None:  # an image, or a PDF without a text layer: a scan
            from assistant.documents.ocr import OCR_ENCODING, ocr_file

            result = ocr_file(data, fmt, source, ocr_cache)
            text, encoding, pages = result.text, OCR_ENCODING, result.page_starts
            if not text.strip():
                raise IngestError(f"{source}: OCR found no text on the scanned pages")
    elif fmt in ("txt", "md"):
        from assistant.text.encodings import decode_bytes

        text, encoding = decode_bytes(data)
    elif fmt == "docx":
        text, encoding = _read_docx(data, source), "docx"
    if not text.strip():
        raise IngestError(f"{source}: no text in file")
    if len(text) > max_bytes:  # a small compressed .docx can hold far more text than the budget
        raise IngestError(f"{source}: too much text ({len(text)} characters, the budget is {max_bytes}; "
                          f"ASSISTANT_MAX_FILE_MB raises it)")
    return RawText(source=source, text=text, format=fmt, encoding=encoding, pages=pages)


def _read_docx(data: bytes, source: str) -> str:
    """Paragraphs and tables in body order; a table row becomes one line with ' | ' between cells."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    # A .docx is a ZIP package; a cut-off copy has lost the directory at its end.
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise IngestError(f"{source}: damaged or truncated .docx (not a complete ZIP package)")
    try:
        document = docx.Document(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise IngestError(f"{source}: damaged .docx (corrupt ZIP package: {exc})") from exc
    except KeyError as exc:
        raise IngestError(f"{source}: not a Word document (the package lacks {exc})") from exc
    except Exception as exc:  # python-docx raises package, lxml and value errors for other broken files
        raise IngestError(f"{source}: not a readable .docx file ({type(exc).__name__}: {exc})") from exc
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            # Written as legal portals write tables (a "|" line between cells, two between rows), so the reading
            # layer (documents.markup) reads .docx and pasted portal text alike: a row on one line, and the
            # paragraphs of a header cell ("UBND TỈNH X" / "SỞ Y TẾ") still on lines of their own.
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = "\n".join(" ".join(p.split()) for p in cell.text.split("\n") if p.strip())
                    if value and (not cells or cells[-1] != value):  # merged cells repeat their text
                        cells.append(value)
                lines.append("|")
                for n, value in enumerate(cells):
                    lines.extend(([] if n == 0 else ["|"]) + [value])
                lines.append("|")
            lines.append("")
    return "\n".join(lines)


def _read_pdf(data: bytes, source: str) -> str | None:
    """Text layer of every page, pages separated by a blank line and a form feed; None when there is none."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, OSError, ValueError, KeyError, TypeError) as exc:
        raise IngestError(f"{source}: not a readable PDF ({type(exc).__name__}: {exc})") from exc
    if not pages:
        raise IngestError(f"{source}: PDF has no pages")
    if sum(len(p.strip()) for p in pages) < 20:
        return None
    return "\n\f\n".join(pages)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _link_reason(path: Path, source: str, root: str) -> str | None:
    """Why a symbolic link is not read, or None when it leads to a regular file inside the corpus folder."""
    try:
        target = os.stat(path)  # follows the link: raises on loops and dangling links
    except OSError as exc:
        return _os_reason(source, exc)
    if not _inside(os.path.realpath(path), root):
        return f"{source}: link to {os.path.realpath(path)}, outside the corpus folder; not read"
    if stat.S_ISDIR(target.st_mode):
        return f"{source}: link to a folder; linked folders are not followed"
    return None


def iter_entries(corpus_dir: Path) -> Iterator[tuple[Path, str, str | None]]:
    """(path, source, reason to skip or None) for every entry of the folder in name order, hidden names left
    out. Real sub-folders are walked, linked ones not: no link leads out of the folder or round in a loop."""
    if corpus_dir.is_file():
        raise CorpusError(f"{corpus_dir} is a file, not a folder", hint="give the folder that holds the documents")
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir}")
    try:
        with os.scandir(corpus_dir):
            pass
    except OSError as exc:
        raise CorpusError(f"cannot read the corpus folder {corpus_dir}: {exc.strerror}") from exc
    yield from _walk(corpus_dir, "", os.path.realpath(corpus_dir))


def _walk(folder: Path, prefix: str, root: str) -> Iterator[tuple[Path, str, str | None]]:
    try:
        with os.scandir(folder) as it:
            entries = sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError as exc:
        yield folder, prefix.rstrip("/"), _os_reason(prefix.rstrip("/"), exc)
        return
    for entry in entries:
        path, source = Path(entry.path), prefix + entry.name
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError as exc:
            yield path, source, _os_reason(source, exc)
            continue
        if stat.S_ISLNK(mode):
            yield path, source, _link_reason(path, source, root)
        elif stat.S_ISDIR(mode):
            if path.suffix.lower() in SUPPORTED:
                yield path, source, f"{source}: is a folder, not a file"
            yield from _walk(path, source + "/", root)
        elif stat.S_ISREG(mode):
            yield path, source, None
        else:
            kind = _KINDS.get(stat.S_IFMT(mode), "a special file")
            yield path, source, f"{source}: {kind}, not a regular file"


def read_corpus(corpus_dir: Path, max_bytes: int = MAX_BYTES,
                ocr_cache: Path | None = None) -> tuple[list[RawText], list[Skipped]]:
    """Decode every file (scans OCR'd, cached in `ocr_cache`); a file that cannot be read is reported and
    skipped, never fatal."""
    texts: list[RawText] = []
    skipped: list[Skipped] = []
    for path, source, reason in iter_entries(corpus_dir):
        try:
            if reason:
                raise IngestError(reason)
            texts.append(read_file(path, source, max_bytes, ocr_cache))
            continue
        except IngestError as exc:
            # Every reason names its file ("plan.txt: ..."), however deep in the readers it was raised.
            reason = exc.message if exc.message.startswith(f"{source}:") else f"{source}: {exc.message}"
        except Exception as exc:  # a reader library's own bug on a strange file must not stop the others
            reason = f"{source}: could not be read ({type(exc).__name__}: {exc})"
        # INFO only: the command line and the API report skipped files themselves, once.
        log.info("skipped %s", reason)
        skipped.append(Skipped(source=source, reason=reason))
    return texts, skipped


def nothing_readable(corpus_dir: Path, skipped: list[Skipped] | tuple[Skipped, ...]) -> CorpusError:
    """The error for a corpus folder in which no file could be used."""
    if not skipped:
        return CorpusError(f"no documents in {corpus_dir}", hint="add .txt, .md, .docx, .pdf or scanned page images")
    return CorpusError(f"no readable document in {corpus_dir}: {len(skipped)} files skipped, "
                       f"e.g. {skipped[0].reason}")


def fingerprint(corpus_dir: Path, max_bytes: int = MAX_BYTES) -> dict[str, str]:
    """sha256 of every readable file's bytes and the reason of every skipped entry, to tell whether an index
    is stale; reads the way read_corpus does, so a file that breaks ingest cannot break this either."""
    out: dict[str, str] = {}
    for path, source, reason in iter_entries(corpus_dir):
        if reason is None and path.suffix.lower() not in SUPPORTED:
            reason = f"{source}: unsupported file type"
        if reason is None:
            try:
                out[source] = hashlib.sha256(read_bytes(path, source, max_bytes)).hexdigest()
                continue
            except IngestError as exc:
                reason = exc.message
        out[source] = f"skipped: {reason}"
    return out
