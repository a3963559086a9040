"""A scanned PDF and a photographed page in the corpus: ingested, searchable, cited with page numbers, shown."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.documents import ocr
from assistant.engine import Engine, build
from assistant.evaluation import scans
from assistant.settings import Settings
from tests.conftest import corpus_file
from tests.test_reliability import FakeEncoder

pytestmark = pytest.mark.skipif(ocr.missing_tools("pdf") is not None, reason="Tesseract/poppler not installed")


def _photo(lines: list[str], path: Path) -> None:
    """A phone photo of a page: tilted, soft, lit unevenly, JPEG, no resolution stated."""
    from PIL import Image

    img, _ = scans.typeset(lines, dpi=250, max_pages=1)[0]
    img = scans.degrade(img, np.random.default_rng(7), skew_deg=2.0, blur=1.0, noise=10.0)
    a = np.asarray(img, dtype=np.float32)
    light = np.linspace(0.78, 1.0, a.shape[1], dtype=np.float32)[None, :]  # darker towards the left edge
    Image.fromarray((a * light).astype(np.uint8), "L").convert("RGB").save(path, "JPEG", quality=80)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scans")
    corpus = tmp / "corpus"
    corpus.mkdir()
    clean = scans.source_lines(corpus_file("004").read_text(encoding="utf-8"))
    pages = scans.typeset(clean[:12], dpi=200) + scans.typeset(clean[30:42], dpi=200)
    scans.scanned_pdf([img for img, _ in pages], corpus / "ke_hoach_scan.pdf", 200)
    khanh_hoa = scans.source_lines(corpus_file("001").read_text(encoding="utf-8"))
    _photo(khanh_hoa[:14], corpus / "anh_chup.jpg")
    settings = Settings(corpus_dir=corpus, index_dir=tmp / "index", cache_dir=tmp / "cache",
                        feedback_db=tmp / "feedback.sqlite3")
    stats = build(settings, FakeEncoder())
    return settings, Engine.open(settings, encoder=FakeEncoder()), stats, clean[30:42], khanh_hoa[:14]


def test_both_scans_are_ingested_with_their_pages(scanned):
    settings, engine, stats, _, _ = scanned
    assert stats["skipped"] == [] and stats["documents"] == 2
    pdf, photo = engine.index.documents["ke_hoach_scan.pdf"], engine.index.documents["anh_chup.jpg"]
    assert pdf.encoding == photo.encoding == "ocr" and len(pdf.pages) == 2 and photo.pages == (0,)
    assert "Thanh Hóa" in pdf.text and "Khánh Hòa" in photo.text  # diacritics read from the images


def test_a_phrase_of_page_two_is_found_there_and_cited_with_its_page(scanned):
    settings, engine, _, page_two, _ = scanned
    phrase = " ".join(next(x for x in page_two if len(x.split()) >= 10).split()[:10])
    top = engine.retriever.search(phrase, 3, mode="bm25")[0]
    assert top.source == "ke_hoach_scan.pdf" and top.page == 2 and top.to_dict()["page"] == 2
    answer = engine.answerer.ask(phrase)
    assert answer.citations and all(c.page in (1, 2) for c in answer.citations if c.source == "ke_hoach_scan.pdf")


def test_the_photo_is_searchable_and_the_viewer_shows_its_page(scanned):
    settings, engine, _, _, photo_lines = scanned
    top = engine.retriever.search("Khánh Hòa Chỉ số PARI SIPAS PCI PAPI", 3, mode="bm25")[0]
    assert top.source == "anh_chup.jpg" and top.page == 1
    with TestClient(create_app(settings, engine)) as client:
        body = client.get("/api/documents/anh_chup.jpg", params={"start": top.start, "end": top.end}).json()
        assert body["highlight"]["page"] == 1 and body["highlight"]["boxes"]
        assert client.get(body["pages"][0]["image"]).headers["content-type"] == "image/png"
