"""English questions rendered in Vietnamese search words through the domain glossary."""

from __future__ import annotations

import unicodedata

import pytest

from assistant.search.crosslingual import (
    GLOSSARY_PATH,
    base_form,
    default_glossary,
    is_english,
    load_glossary,
    to_vietnamese,
)


@pytest.fixture()
def glossary(tmp_path):
    path = tmp_path / "g.tsv"
    path.write_text(
        "# english\tvietnamese\n"
        "plan\tkế hoạch\nwhich plans\tnhững kế hoạch nào\nwhich plan\tkế hoạch nào\n"
        "department of health\tSở Y tế\npeople's committee\tỦy ban nhân dân\nsign\tký\nwho\tai\n"
        "incoming and outgoing document\tvăn bản đi đến\nand\tvà\nsoftware\tphần mềm\n",
        encoding="utf-8",
    )
    return load_glossary(path)


@pytest.mark.parametrize("question", [
    "Which plans require an ISO 9001:2015 quality management system?",
    "khanh hoa which division leads public finance reform in 2024",
    "Who signed Plan No. 35/KH-SYT?",
])
def test_english_questions_are_recognised(question):
    assert is_english(question)


@pytest.mark.parametrize("question", [
    "Những đơn vị nào phải đạt 100% TTHC trực tuyến toàn trình?",
    "nhung ke hoach nao yeu cau ap dung he thong quan ly chat luong iso 9001:2015",
    "ke hoach cua ha tinh can cu nhung nghi dinh nao ve tinh gian bien che",  # "the", "to" are Vietnamese too
    "phan mem E-Office dung de lam gi",
    "tthc cchc ubnd",
])
def test_vietnamese_questions_are_not_english(question):
    assert not is_english(question)
    assert to_vietnamese(question) is None


def test_inflected_words_find_their_base_form(glossary):
    assert base_form("plans", glossary.words) == "plan"
    assert base_form("signed", glossary.words) == "sign"
    assert base_form("documents", glossary.words) == "document"
    assert base_form("zebra", glossary.words) == "zebra"


def test_phrases_longest_first_typed_form_preferred(glossary):
    assert to_vietnamese("Which plans cite it and which plan was signed?", glossary) == (
        "những kế hoạch nào và kế hoạch nào ký?")
    # Plural and possessive inside a phrase: "documents" and "People's" still match the singular entries.
    assert to_vietnamese("who uses the software for incoming and outgoing documents of the People's Committee",
                         glossary) == "ai phần mềm văn bản đi đến Ủy ban nhân dân"


def test_names_symbols_and_acronyms_survive_unknown_english_words_do_not(glossary):
    out = to_vietnamese("Who signed Plan 35/KH-SYT of the Khanh Hoa Department of Health for CCHC quickly?", glossary)
    assert out == "ai ký kế hoạch 35/KH-SYT Khanh Hoa Sở Y tế CCHC?"  # "quickly" is dropped, not guessed
    # Vietnamese place names typed in lower case are kept: they are spelled like Vietnamese syllables.
    assert "tu mo rong" in to_vietnamese("which plan of tu mo rong was signed", glossary)


def test_shipped_glossary_is_well_formed():
    lines = [ln for ln in GLOSSARY_PATH.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    keys = [ln.split("\t")[0] for ln in lines]
    assert all(ln.count("\t") == 1 and all(part.strip() for part in ln.split("\t")) for ln in lines)
    assert len(keys) == len(set(keys)) and all(k == k.lower() for k in keys)
    assert all(unicodedata.is_normalized("NFC", ln) for ln in lines)
    g = default_glossary()
    assert len(g.entries) > 1000
    assert to_vietnamese("Which units must reach 100% of administrative procedures fully online?") is not None
