"""The scan benchmark: typesetting, degradation, word accuracy, and one short rendered document end to end."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.documents import ocr
from assistant.evaluation import scans
from assistant.restore.restorer import get_model
from tests.conftest import corpus_file


def test_words_compare_one_tone_convention_without_punctuation():
    assert scans.words("Thanh Hoá, ngày 24/12/2020; (TTHC) 100%.") == ["Thanh", "Hóa", "ngày", "24/12/2020", "TTHC",
                                                                         "100%"]


def test_word_errors_count_substitutions_insertions_and_deletions():
    ref = "cải cách hành chính".split()
    assert scans.word_errors(ref, ref) == 0
    assert scans.word_errors(ref, "cải cách hanh chính".split()) == 1
    assert scans.word_errors(ref, "cải hành chính năm".split()) == 2
    assert scans.accuracy(2, 4) == 0.5 and scans.accuracy(9, 4) == 0.0


def test_marked_up_plan_is_typeset_as_read_and_wrapped_on_a4_pages():
    lines = scans.source_lines(corpus_file("001").read_text(encoding="utf-8"))
    assert not any("**" in x or x.startswith("#") for x in lines)
    pages = scans.typeset(lines, dpi=100)
    assert len(pages) > 1 and all(img.size == (827, 1169) for img, _ in pages)
    typed = " ".join(text for _, text in pages).split()
    assert typed == " ".join(lines).split()  # every word typeset once, in order


def test_degradation_is_mild_and_repeatable():
    img, _ = scans.typeset(["Sở Y tế tỉnh Thanh Hóa"], dpi=100)[0]
    a = np.asarray(scans.degrade(img, np.random.default_rng(1)), dtype=float)
    b = np.asarray(scans.degrade(img, np.random.default_rng(1)), dtype=float)
    assert (a == b).all() and a.shape == (img.height, img.width)
    assert 5 < np.abs(a - np.asarray(img, dtype=float)).mean() < 40


@pytest.mark.skipif(ocr.missing_tools("pdf") is not None, reason="Tesseract/poppler not installed")
def test_a_rendered_scan_is_read_back_and_the_pipeline_never_loses_words(tmp_path):
    text = "\n".join(corpus_file("004").read_text(encoding="utf-8").splitlines()[:40])
    report = scans.bench_document(text, "004_head", get_model(), dpi=300, max_pages=1, work=tmp_path)
    assert report["pages"] == 1 and report["words"] > 50
    assert report["raw_accuracy"] >= 0.9
    assert report["indexed_accuracy"] >= report["raw_accuracy"]
    assert (tmp_path / "004_head.pdf").read_bytes().startswith(b"%PDF")
