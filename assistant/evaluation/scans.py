"""Scan benchmark that needs no annotation: clean plans rendered to page images, OCR'd, scored against themselves.

Each clean document's reading (its clean view when it is marked up) is typeset line by line on A4 pages with a
Vietnamese-capable Debian font, degraded with mild skew, blur, noise and JPEG compression (a few lines of
numpy/PIL), saved as a scanned PDF without a text layer and read back through the assistant's own reader (pdftoppm
+ Tesseract). Word accuracy is measured page by page, for Tesseract's text as it comes and for the text the
assistant indexes (its reading after the damage detector and any block restoration), against the typeset words.
Run: python -m assistant.evaluation.scans [--out evals/scans.json] [DOC ...]
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.documents.markup import clean_reading, has_markup
from assistant.documents.pipeline import parse_document
from assistant.documents.read import read_file
from assistant.restore.restorer import get_model, to_restored_span
from assistant.text.normalize import nfc
from assistant.text.syllables import is_clean_text

log = logging.getLogger(__name__)

FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
         "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
A4_IN = (8.27, 11.69)
MARGIN_IN = 0.9
MILD = {"skew_deg": 0.8, "blur": 0.7, "noise": 14.0}  # degrade's defaults: a decent office scan
_PUNCT = re.compile(r"^[^\w%]+|[^\w%]+$")


def _font(size_px: int):
    from PIL import ImageFont

    for path in FONTS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size_px)
    raise FileNotFoundError("no Vietnamese-capable font found (apt-get install fonts-dejavu-core)")


def source_lines(text: str) -> list[str]:
    """The lines a reader sees: the clean view of marked-up text, whitespace collapsed, blank lines dropped."""
    view = clean_reading(text).text if has_markup(text) else text
    return [" ".join(line.split()) for line in view.splitlines() if line.strip()]


def typeset(lines: list[str], dpi: int = 300, font_pt: float = 12.0, max_pages: int = 0) -> list[tuple[object, str]]:
    """(page image, the text typeset on it) for A4 pages: lines wrapped to the text width, 1.5 line spacing."""
    from PIL import Image, ImageDraw

    font = _font(round(font_pt / 72 * dpi))
    width, height = round(A4_IN[0] * dpi), round(A4_IN[1] * dpi)
    margin, step = round(MARGIN_IN * dpi), round(font.size * 1.5)
    wrapped: list[str] = []
    for line in lines:
        current = ""
        for word in line.split():
            trial = f"{current} {word}".strip()
            if current and font.getlength(trial) > width - 2 * margin:
                wrapped.append(current)
                trial = word
            current = trial
        wrapped.append(current)
    per_page = (height - 2 * margin) // step
    pages = []
    for lo in range(0, len(wrapped), per_page):
        img = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(img)
        for n, line in enumerate(wrapped[lo:lo + per_page]):
            draw.text((margin, margin + n * step), line, font=font, fill=0)
        pages.append((img, "\n".join(wrapped[lo:lo + per_page])))
        if max_pages and len(pages) >= max_pages:
            break
    return pages


def degrade(img, rng: np.random.Generator, skew_deg: float = 0.8, blur: float = 0.7, noise: float = 14.0):
    """A photocopy's faults: a small rotation, blur, grey noise with a few dark specks (all mild)."""
    from PIL import Image, ImageFilter

    img = img.rotate(float(rng.uniform(-skew_deg, skew_deg)), resample=Image.BICUBIC, fillcolor=255, expand=False)
    img = img.filter(ImageFilter.GaussianBlur(blur))
    a = np.asarray(img, dtype=np.float32) + rng.normal(0.0, noise, (img.height, img.width))
    specks = rng.random((img.height, img.width)) < 0.0004
    a[specks] = rng.uniform(0, 90, int(specks.sum()))
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")


def scanned_pdf(pages: list, path: Path, dpi: int) -> None:
    """Page images as a PDF without a text layer (JPEG-compressed, like a scanner writes)."""
    first, *rest = pages
    first.save(path, "PDF", resolution=float(dpi), save_all=True, append_images=rest, quality=85)


def words(text: str) -> list[str]:
    """Words compared: NFC with one tone convention, punctuation around a word dropped, case kept."""
    out = []
    for token in nfc(text).split():
        core = _PUNCT.sub("", token)
        if core:
            out.append(core)
    return out


def word_errors(reference: list[str], hypothesis: list[str]) -> int:
    """Levenshtein distance between two word sequences (substitutions, deletions, insertions)."""
    prev = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        cur = [i] + [0] * len(hypothesis)
        for j, hyp in enumerate(hypothesis, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ref != hyp))
        prev = cur
    return prev[-1]


def accuracy(errors: int, n: int) -> float:
    """Word accuracy 1 - WER, floored at 0."""
    return round(max(0.0, 1.0 - errors / n), 4) if n else 1.0


def bench_document(text: str, name: str, model, dpi: int = 300, seed: int = 0, max_pages: int = 0,
                   work: Path | None = None, faults: dict[str, float] | None = None) -> dict:
    """Render, degrade (`faults`: degrade's skew_deg, blur, noise), OCR and score one clean document."""
    rng = np.random.default_rng(seed)
    pages = typeset(source_lines(text), dpi, max_pages=max_pages)
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(work or tmp) / f"{name}.pdf"
        scanned_pdf([degrade(img, rng, **(faults or {})) for img, _ in pages], pdf, dpi)
        started = time.perf_counter()
        raw = read_file(pdf, pdf.name, max_bytes=1 << 30)  # no OCR cache: the time is Tesseract's
        ocr_s = time.perf_counter() - started
    started = time.perf_counter()
    document, reading = parse_document(raw, True, model)
    pipeline_s = time.perf_counter() - started
    bounds = [*document.pages, len(document.text)]
    rows, totals = [], {"words": 0, "raw_errors": 0, "indexed_errors": 0}
    for n, (_, typed) in enumerate(pages):
        start, end = bounds[n], bounds[n + 1] if n + 1 < len(bounds) else len(document.text)
        indexed = document.text[start:end]
        if reading is not None:
            s, e = to_restored_span(reading, start, end)
            indexed = reading.text[s:e]
        ref = words(typed)
        raw_err, idx_err = word_errors(ref, words(document.text[start:end])), word_errors(ref, words(indexed))
        rows.append({"page": n + 1, "words": len(ref), "raw": accuracy(raw_err, len(ref)),
                     "indexed": accuracy(idx_err, len(ref))})
        totals["words"] += len(ref)
        totals["raw_errors"] += raw_err
        totals["indexed_errors"] += idx_err
    return {
        "document": name, "pages": len(pages), "dpi": dpi, **totals,
        "raw_accuracy": accuracy(totals["raw_errors"], totals["words"]),
        "indexed_accuracy": accuracy(totals["indexed_errors"], totals["words"]),
        "restored_blocks": reading is not None, "ocr_seconds": round(ocr_s, 2),
        "pipeline_seconds": round(pipeline_s, 2), "per_page": rows,
    }


def run(paths: list[Path], dpi: int = 300, max_pages: int = 0, faults: dict[str, float] = MILD) -> dict:
    """The benchmark over clean documents; each is read by a restoration model that did not see it."""
    texts = {p.name: p.read_text(encoding="utf-8") for p in paths}
    docs = []
    for n, (name, text) in enumerate(sorted(texts.items())):
        model = get_model([t for other, t in texts.items() if other != name])  # leave this document out
        log.info("scan benchmark: %s", name)
        docs.append(bench_document(text, Path(name).stem, model, dpi, seed=n, max_pages=max_pages, faults=faults))
    n_words = sum(d["words"] for d in docs)
    pages, ocr_s = sum(d["pages"] for d in docs), sum(d["ocr_seconds"] for d in docs)
    return {
        "documents": docs, "pages": pages, "words": n_words, "dpi": dpi, "faults": faults,
        "raw_accuracy": accuracy(sum(d["raw_errors"] for d in docs), n_words),
        "indexed_accuracy": accuracy(sum(d["indexed_errors"] for d in docs), n_words),
        "pages_per_minute": round(60 * pages / ocr_s, 2) if ocr_s else None,
    }


def clean_documents(corpus: Path) -> list[Path]:
    """The corpus's clean .txt/.md documents (not OCR text)."""
    return [p for p in sorted(corpus.iterdir()) if p.suffix in (".txt", ".md")
            and is_clean_text(p.read_text(encoding="utf-8", errors="replace"))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("docs", nargs="*", type=Path, help="clean documents (default: the clean ones of corpus/)")
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--max-pages", type=int, default=0, help="pages per document (0: all)")
    parser.add_argument("--skew", type=float, default=MILD["skew_deg"], help="largest rotation, degrees")
    parser.add_argument("--blur", type=float, default=MILD["blur"], help="Gaussian blur radius, pixels")
    parser.add_argument("--noise", type=float, default=MILD["noise"], help="grey noise, standard deviation")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    faults = {"skew_deg": args.skew, "blur": args.blur, "noise": args.noise}
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    report = run(args.docs or clean_documents(args.corpus), args.dpi, args.max_pages, faults)
    out = json.dumps(report, ensure_ascii=False, indent=2)
    if args.out:
        args.out.write_text(out + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "documents"}, ensure_ascii=False))


if __name__ == "__main__":
    main()
