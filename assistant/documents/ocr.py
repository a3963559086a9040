"""OCR of scanned PDFs and page images with Tesseract (Vietnamese model), cached by file hash.

The `tesseract` command is run directly (subprocess, TSV output) rather than through pytesseract or ocrmypdf:
TSV gives every word with its box, block, paragraph and line in one call, so the document text is assembled here
and each word's offsets in it are exact; no Python wrapper to install, and a per-page timeout. PDF pages are
rendered with poppler's `pdftoppm`. The cache folder holds, per file hash, `ocr.json` (text, page offsets, word
boxes) and a PNG of every page for the document viewer.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from assistant.errors import IngestError

log = logging.getLogger(__name__)

LANG = "vie"
DPI = 300  # render and OCR resolution: Vietnamese marks need ~300 dpi on 12 pt text
VIEW_WIDTH = 1400  # width (px) of the page PNG kept for the viewer; boxes are in OCR pixels, scaled by the client
PAGE_TIMEOUT_S = 300
PAGE_BREAK = "\n\f\n"  # between pages, as the PDF text layer reader separates them
OCR_ENCODING = "ocr"  # RawText/Document.encoding of OCR text
VERSION = 1  # of the text assembly below: a new one re-runs OCR on cached files


@dataclass(frozen=True)
class OcrPage:
    """One page: its span of the OCR text and its size in OCR pixels."""

    number: int  # 1-based
    start: int
    end: int
    width: int
    height: int


@dataclass(frozen=True)
class OcrWord:
    """A recognised word: its span of the OCR text and its box on the page (OCR pixels)."""

    start: int
    end: int
    page: int
    left: int
    top: int
    width: int
    height: int
    conf: float


@dataclass(frozen=True)
class OcrResult:
    """The text of a scanned file, its pages and its words with boxes."""

    text: str
    pages: tuple[OcrPage, ...]
    words: tuple[OcrWord, ...]
    engine: str = ""

    @property
    def page_starts(self) -> tuple[int, ...]:
        """Start offset of every page, for Document.pages."""
        return tuple(p.start for p in self.pages)

    def boxes(self, start: int, end: int) -> list[OcrWord]:
        """The words overlapping [start, end), in reading order."""
        starts = [w.start for w in self.words]
        lo = max(bisect.bisect_right(starts, start) - 1, 0)
        return [w for w in self.words[lo:bisect.bisect_left(starts, end)] if w.end > start]


@functools.cache
def _engine() -> tuple[str | None, str]:
    """(why OCR cannot run or None, engine signature for the cache)."""
    exe = shutil.which("tesseract")
    if exe is None:
        return "Tesseract is not installed", ""
    try:
        langs = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=60)
        version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"Tesseract does not run ({exc})", ""
    if LANG not in (langs.stdout + langs.stderr).split():
        return "Tesseract's Vietnamese model (tesseract-ocr-vie) is not installed", ""
    first = (version.stdout or version.stderr).splitlines()
    return None, f"{first[0] if first else 'tesseract'} {LANG} {DPI}dpi v{VERSION}"


def missing_tools(fmt: str) -> str | None:
    """Why a file of this format cannot be OCR'd on this machine, or None."""
    reason, _ = _engine()
    if reason is None and fmt == "pdf" and shutil.which("pdftoppm") is None:
        reason = "poppler's pdftoppm is not installed"
    if reason is None:
        try:
            import PIL  # noqa: F401  (page images for the viewer)
        except ImportError:
            reason = "Pillow is not installed"
    return reason


def file_key(data: bytes) -> str:
    """The cache key of a file: sha256 of its bytes."""
    return hashlib.sha256(data).hexdigest()


def cache_folder(cache_dir: Path, key: str) -> Path:
    """Where one file's OCR lives."""
    return Path(cache_dir) / key


def load_cached(cache_dir: Path | None, key: str) -> OcrResult | None:
    """The cached OCR of a file made by this engine, or None."""
    if cache_dir is None:
        return None
    path = cache_folder(cache_dir, key) / "ocr.json"
    try:
        r = json.loads(path.read_text(encoding="utf-8"))
        result = OcrResult(r["text"], tuple(OcrPage(**p) for p in r["pages"]),
                           tuple(OcrWord(*w) for w in r["words"]), r["engine"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return result if result.engine == _engine()[1] else None


def page_image(cache_dir: Path, key: str, page: int) -> Path | None:
    """The PNG of a page kept for the viewer, or None."""
    path = cache_folder(cache_dir, key) / f"page-{page}.png"
    return path if path.is_file() else None


def _pages(data: bytes, fmt: str, work: Path, source: str) -> tuple[int, Callable[[int], tuple[Path, int]]]:
    """How many pages a file has, and a function writing page n as a greyscale PGM in `work` (uncompressed: PNG
    compression of a 300 dpi page cost more than rendering it) with the resolution to OCR it at. PDF pages are
    rendered one at a time, so a long scan never holds all its pages on disk."""
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    if fmt == "pdf":
        from pypdf import PdfReader

        (work / "in.pdf").write_bytes(data)
        count = len(PdfReader(work / "in.pdf").pages)  # readable: the text-layer check parsed it already

        def render(n: int) -> tuple[Path, int]:
            try:
                subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-f", str(n), "-l", str(n), "-singlefile",
                                str(work / "in.pdf"), str(work / "p")], check=True, capture_output=True,
                               timeout=PAGE_TIMEOUT_S)
            except (OSError, subprocess.SubprocessError) as exc:
                raise IngestError(f"{source}: page {n} of the scanned PDF could not be rendered ({exc})") from exc
            return work / "p.pgm", DPI

        return count, render
    (work / "in").write_bytes(data)
    out = []
    try:
        with Image.open(work / "in") as img:
            for n, frame in enumerate(ImageSequence.Iterator(img), 1):
                page = ImageOps.exif_transpose(frame).convert("L")  # phone photos lie on their side: EXIF says so
                dpi = frame.info.get("dpi", (0, 0))[0]
                path = work / f"p-{n}.pgm"
                page.save(path)
                # A photo states no resolution: assume a page photographed whole, ~A4 across the image width.
                out.append((path, int(dpi) if dpi and dpi >= 70 else max(70, round(page.width / 8.27))))
    except UnidentifiedImageError as exc:  # its message names the temporary copy, not the file
        raise IngestError(f"{source}: not a readable image (unknown or damaged image format)") from exc
    except (OSError, ValueError) as exc:
        raise IngestError(f"{source}: not a readable image ({type(exc).__name__}: {exc})") from exc
    return len(out), lambda n: out[n - 1]


def _tesseract(image: Path, dpi: int, source: str, number: int) -> str:
    """Tesseract's TSV for one page image."""
    try:
        # One OpenMP thread: on a busy 2-core machine Tesseract's threads spin-wait for each other (measured 3.9 s
        # a page with one thread, 33 s with two under load), as ocrmypdf also sets.
        done = subprocess.run(["tesseract", str(image), "stdout", "-l", LANG, "--dpi", str(dpi), "tsv"],
                              capture_output=True, text=True, timeout=PAGE_TIMEOUT_S,
                              env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    except subprocess.TimeoutExpired as exc:
        raise IngestError(f"{source}: OCR of page {number} took over {PAGE_TIMEOUT_S} s") from exc
    if done.returncode != 0:
        raise IngestError(f"{source}: OCR of page {number} failed ({done.stderr.strip().splitlines()[-1:]})")
    return done.stdout


def assemble(tsvs: list[str], sizes: list[tuple[int, int]]) -> tuple[str, list[OcrPage], list[OcrWord]]:
    """One text from the TSV of every page: words joined by spaces, lines by newlines, paragraphs and blocks by a
    blank line, pages by PAGE_BREAK; every word keeps its span and box."""
    parts: list[str] = []
    pages: list[OcrPage] = []
    words: list[OcrWord] = []
    pos = 0

    def add(s: str) -> None:
        nonlocal pos
        parts.append(s)
        pos += len(s)

    for number, (tsv, (width, height)) in enumerate(zip(tsvs, sizes, strict=True), 1):
        if number > 1:
            add(PAGE_BREAK)
        start, last = pos, None
        for row in tsv.splitlines()[1:]:
            cols = row.split("\t")
            if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
                continue
            block, par, line = cols[2], cols[3], cols[4]
            if last is not None:
                add(" " if (block, par, line) == last else "\n" if (block, par) == last[:2] else "\n\n")
            last = (block, par, line)
            word = cols[11].strip()
            left, top, w, h = (int(c) for c in cols[6:10])
            words.append(OcrWord(pos, pos + len(word), number, left, top, w, h, float(cols[10])))
            add(word)
        pages.append(OcrPage(number, start, pos, width, height))
    return "".join(parts), pages, words


def ocr_file(data: bytes, fmt: str, source: str, cache_dir: Path | None = None) -> OcrResult:
    """The OCR of a scanned PDF or an image, from the cache when this file was read before; IngestError with
    the reason when the tools are missing or the file cannot be read."""
    key = file_key(data)
    cached = load_cached(cache_dir, key)
    if cached is not None:
        return cached
    reason = missing_tools(fmt)
    if reason:
        raise IngestError(f"{source}: scanned document needs OCR, but {reason} (apt-get install tesseract-ocr "
                          f"tesseract-ocr-vie poppler-utils, as `make setup` does); skipped")
    from PIL import Image
    from tqdm import tqdm

    with tempfile.TemporaryDirectory(prefix="ocr-") as tmp:
        work = Path(tmp)
        count, page_image_at = _pages(data, fmt, work, source)
        views = work / "view"
        views.mkdir()
        tsvs, sizes = [], []
        # A bar per page on a terminal (disable=None: off when stderr is not one), a log line per page always.
        for n in tqdm(range(1, count + 1), desc=f"OCR {source}", unit="trang", leave=False, disable=None):
            log.info("OCR %s page %d/%d", source, n, count)
            image, dpi = page_image_at(n)
            tsvs.append(_tesseract(image, dpi, source, n))
            with Image.open(image) as img:
                sizes.append(img.size)
                if img.width > VIEW_WIDTH:
                    img = img.resize((VIEW_WIDTH, round(img.height * VIEW_WIDTH / img.width)))
                img.save(views / f"page-{n}.png")
            image.unlink()
        text, pages, words = assemble(tsvs, sizes)
        result = OcrResult(text, tuple(pages), tuple(words), _engine()[1])
        if cache_dir is not None:
            _store(cache_dir, key, result, views)
    return result


def _store(cache_dir: Path, key: str, result: OcrResult, views: Path) -> None:
    """Write one file's OCR beside its viewer pages and move the folder into place atomically."""
    final = cache_folder(cache_dir, key)
    record = {"text": result.text, "engine": result.engine, "pages": [asdict(p) for p in result.pages],
              "words": [list(asdict(w).values()) for w in result.words]}
    try:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        (views / "ocr.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        work = Path(tempfile.mkdtemp(prefix=f".{key[:16]}-", dir=cache_dir))
        shutil.move(str(views), work / "v")  # across file systems too (the temp folder may be elsewhere)
        shutil.rmtree(final, ignore_errors=True)
        os.replace(work / "v", final)
        work.rmdir()
    except OSError as exc:  # a read-only cache costs a re-run next time, never the document
        log.warning("could not cache the OCR of %s: %s", key[:12], exc)
