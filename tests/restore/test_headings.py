"""Headings of OCR plans are shown restored: section titles, Roman numerals, words the OCR ran together, and the
header and signature fields (`assistant inspect`, /api/documents)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.documents.pipeline import parse_document, shown_metadata
from assistant.documents.read import read_corpus
from assistant.restore.decode import decode_line, split_glued
from assistant.restore.restorer import for_document, get_model, is_damaged, restore_heading

ROOT = Path(__file__).resolve().parents[2]
RAWS = {raw.source: raw for raw in read_corpus(ROOT / "corpus")[0]}
OCR_PLANS = sorted(s for s in RAWS if s.startswith(("000_", "002_", "003_")))


@pytest.fixture(scope="module")
def model():
    return get_model(raw.text for raw in RAWS.values())


def _titles(sections):
    for s in sections:
        yield s
        yield from _titles(s.children)


@pytest.mark.parametrize("source", OCR_PLANS)
def test_no_section_title_of_an_ocr_plan_is_left_unrestored(model, source: str) -> None:
    raw = RAWS[source]
    document, reading = parse_document(raw, True, model)
    assert document.ocr_damaged and reading is not None
    sections = list(_titles(document.sections))
    assert len(sections) >= 5
    for s in sections:
        assert not is_damaged(s.title, model), (s.title, raw.text[s.start:s.start + len(s.title)])
    # the OCR heading is still there, at the section's start in the file
    originals = [raw.text[s.start:s.start + 40] for s in sections if s.start < len(raw.text)]
    assert sum(is_damaged(o, model) for o in originals) > len(originals) // 2


# What each OCR plan's header and signature say, read by hand from the scans' text (None: not stated).
SHOWN = {
    "000_": {"place": "Hà Tĩnh", "signer": "Nguyễn Minh Đức"},
    "002_": {"place": "Tu Mơ Rông", "signer": "Nguyễn Bá Khánh", "recipients": "Đảng ủy Trung tâm Y tế"},
    "003_": {"place": "Lai Châu", "signer": None},
}


@pytest.mark.parametrize("source", OCR_PLANS)
def test_metadata_of_an_ocr_plan_is_shown_restored(model, source: str) -> None:
    raw = RAWS[source]
    document, reading = parse_document(raw, True, model)
    shown = shown_metadata(document, reading)
    for key, expected in SHOWN[source[:4]].items():
        assert shown[key] == expected, (key, shown[key])
    assert not is_damaged(shown["title"], model) and not is_damaged(shown["issuer"], model)
    # the signer stays as written in the metadata: its span in the file is found by that string
    if document.metadata.signer:
        assert document.metadata.signer in raw.text and document.metadata.signer != shown["signer"]


def test_roman_numerals_and_list_letters_are_not_words(model) -> None:
    m = for_document(model, RAWS[OCR_PLANS[0]].text)
    assert decode_line("IV. KINH PHI THUC HIEN", m).startswith("IV. ")
    assert decode_line("I1l. KE HOACH TRIEN KHAI", m).startswith("III. ")
    assert decode_line("b) Muc tiéu cu thé", m).startswith("b) ")


def test_words_run_together_in_a_heading_are_taken_apart(model) -> None:
    m = for_document(model, RAWS[OCR_PLANS[0]].text)
    assert split_glued("3. Caicach TTHC", m) == "3. Cai cach TTHC"
    assert split_glued("V.TO CHUC THUC HIEN", m) == "V. TO CHUC THUC HIEN"
    assert split_glued("Thuc hién nhiém vu", m) == "Thuc hién nhiém vu"  # damaged single words stay whole
    assert restore_heading("3. Caicach TTHC", m) == "3. Cải cách TTHC"
