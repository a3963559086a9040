"""OCR of scans: small pages of real plan lines rendered at test time, read back through Tesseract."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from assistant.documents import ocr
from assistant.documents.blocks import restore_blocks
from assistant.documents.chunk import ChunkingConfig
from assistant.documents.pipeline import chunk, parse_corpus, parse_document
from assistant.documents.read import read_corpus, read_file
from assistant.evaluation.scans import word_errors, words
from assistant.restore.restorer import get_model
from assistant.types import Skipped
from tests.conftest import approx_tokens, corpus_file

pytestmark = pytest.mark.skipif(ocr.missing_tools("pdf") is not None, reason="Tesseract/poppler not installed")


def plan_lines(n: int, skip: int = 0) -> list[str]:
    """Real sentences of the clean Thanh Hóa plan (004), short enough for a narrow page."""
    text = corpus_file("004").read_text(encoding="utf-8")
    lines = [" ".join(x.split()) for x in text.splitlines() if len(x.split()) >= 6]
    return [" ".join(x.split()[:9]) for x in lines[skip:skip + n]]


def render(lines: list[str], dpi: int = 300):
    """A page image of `lines` (12 pt DejaVu Serif at `dpi`), a paragraph per line."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", round(12 / 72 * dpi))
    step = round(font.size * 2.4)
    img = Image.new("L", (round(6.5 * dpi), step * len(lines) + 2 * step), 255)
    draw = ImageDraw.Draw(img)
    for n, line in enumerate(lines):
        draw.text((step // 2, step + n * step), line, font=font, fill=0)
    return img


def test_photographed_page_is_read_with_diacritics_word_boxes_and_a_cache(tmp_path, monkeypatch):
    lines = plan_lines(4)
    render(lines).save(tmp_path / "trang.png", dpi=(300, 300))
    cache = tmp_path / "cache"
    raw = read_file(tmp_path / "trang.png", "trang.png", ocr_cache=cache)
    assert raw.format == "png" and raw.encoding == ocr.OCR_ENCODING and raw.pages == (0,)
    ref = words("\n".join(lines))
    assert word_errors(ref, words(raw.text)) <= len(ref) // 10, raw.text  # Tesseract vie keeps the marks
    result = ocr.load_cached(cache, ocr.file_key((tmp_path / "trang.png").read_bytes()))
    assert result is not None and result.text == raw.text
    assert [raw.text[w.start:w.end] for w in result.words] == raw.text.split()  # every word an exact span
    page = result.pages[0]
    assert all(0 <= w.left and w.left + w.width <= page.width and w.top + w.height <= page.height
               for w in result.words)
    second_line = result.boxes(raw.text.index("\n"), raw.text.index("\n") + 3)
    assert second_line and second_line[0].top > result.words[0].top  # boxes follow the text's lines
    assert ocr.page_image(cache, ocr.file_key((tmp_path / "trang.png").read_bytes()), 1) is not None

    def no_tesseract(*args, **kwargs):
        raise AssertionError("OCR ran again for a cached file")

    monkeypatch.setattr(subprocess, "run", no_tesseract)
    assert read_file(tmp_path / "trang.png", "trang.png", ocr_cache=cache).text == raw.text


def test_scanned_pdf_pages_give_page_offsets_chunks_with_pages_and_clean_text_left_alone(tmp_path):
    first, second = render(plan_lines(3)), render(plan_lines(3, skip=5))
    first.save(tmp_path / "scan.pdf", "PDF", resolution=300.0, save_all=True, append_images=[second])
    parsed = parse_corpus(tmp_path, approx_tokens, ChunkingConfig(max_tokens=20, overlap_tokens=0),
                          ocr_cache=tmp_path.parent / "ocr-cache")
    (document,) = parsed.documents
    assert document.format == "pdf" and document.encoding == "ocr" and len(document.pages) == 2
    assert document.text[document.pages[1] - len(ocr.PAGE_BREAK):document.pages[1]] == ocr.PAGE_BREAK
    assert document.page_at(0) == 1 and document.page_at(document.pages[1]) == 2
    # Tesseract wrote the marks: the damage detector restores nothing, the indexed text is the OCR text
    assert not document.ocr_damaged and document.source not in parsed.restorations
    pages = {c.page for c in parsed.chunks}
    assert pages == {1, 2}
    for c in parsed.chunks:
        assert c.text == document.text[c.start:c.end] and c.page == document.page_at(c.start)


def test_restoration_only_where_the_damage_detector_says_so():
    model = get_model()
    clean = "\n".join(plan_lines(3))
    stripped = "Thuc hien ke hoach cai cach hanh chinh nam 2021 cua So Y te\nva cac co quan, don vi truc thuoc"
    text = f"{clean}\n\n{stripped}\n\n{clean}"
    reading = restore_blocks(text, model)
    assert reading is not None
    blocks = reading.text.split("\n\n")
    assert blocks[0] == clean and blocks[2] == clean  # blocks with proper diacritics come back unchanged
    assert blocks[1] != stripped and "hành chính" in blocks[1]
    assert restore_blocks(f"{clean}\n\n{clean}", model) is None
    # alone, a line of acronyms or one bare word looks damaged; among pages read well it is left as Tesseract wrote it
    for short in ("chung", "PARI, SIPAS, PCI, PAPI"):
        assert restore_blocks(f"{clean}\n\n{short}\n\n{clean}", model) is None


def test_clean_rendered_page_through_the_pipeline_is_unchanged_but_for_ocr_errors(tmp_path):
    lines = plan_lines(5, skip=2)
    render(lines).save(tmp_path / "p.png")
    raw = read_file(tmp_path / "p.png", "p.png")
    document, reading = parse_document(raw, True, get_model())
    assert reading is None and document.text == raw.text  # nothing "restored" on a page read well
    ref = words("\n".join(lines))
    assert word_errors(ref, words(document.text)) <= len(ref) // 10


def test_missing_tesseract_is_a_clear_skip_reason_not_a_crash(tmp_path, monkeypatch):
    render(plan_lines(1)).save(tmp_path / "anh.jpg")
    (tmp_path / "hong.png").write_bytes(b"not an image")
    (tmp_path / "ok.txt").write_text("Kế hoạch cải cách hành chính năm 2024 của Sở Y tế.", encoding="utf-8")
    ocr._engine.cache_clear()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    try:
        texts, skipped = read_corpus(tmp_path, ocr_cache=tmp_path / "c")
    finally:
        ocr._engine.cache_clear()
    assert [t.source for t in texts] == ["ok.txt"]
    reasons = {s.source: s.reason for s in skipped}
    assert reasons["anh.jpg"].startswith("anh.jpg: ") and "Tesseract is not installed" in reasons["anh.jpg"]
    # with Tesseract there, a file that is no image says so and names nothing but itself
    monkeypatch.undo()
    (tmp_path / "anh.jpg").unlink()
    assert read_corpus(tmp_path, ocr_cache=tmp_path / "c")[1] == [
        Skipped("hong.png", "hong.png: not a readable image (unknown or damaged image format)")]


def test_chunk_pages_of_a_parsed_scan_without_restoration(tmp_path: Path):
    render(plan_lines(2)).save(tmp_path / "a.tif")
    raw = read_file(tmp_path / "a.tif", "a.tif")
    document, reading = parse_document(raw, False)
    chunks = chunk(document, reading, approx_tokens, ChunkingConfig())
    assert chunks and all(c.page == 1 for c in chunks)


def test_a_phone_photo_stored_on_its_side_is_read_upright(tmp_path: Path):
    from PIL import Image

    lines = plan_lines(2)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display": how phones store a page shot in portrait
    render(lines).convert("RGB").rotate(90, expand=True).save(tmp_path / "photo.jpg", exif=exif.tobytes())
    raw = read_file(tmp_path / "photo.jpg", "photo.jpg")
    ref = words("\n".join(lines))
    assert word_errors(ref, words(raw.text)) <= len(ref) // 10, raw.text
