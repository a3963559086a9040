"""Syllable spelling, the class-based OCR channel and the training-text helpers, on corpus excerpts."""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path

import pytest

from assistant.text import syllables as sy
from tests.conftest import corpus_file

# corpus/004 (Thanh Hóa, clean) and the same kind of sentence as corpus/000 prints it (Hà Tĩnh, OCR).
CLEAN = ("- Thực hiện đơn giản hóa các thủ tục hành chính (TTHC), công bố, công khai và cập nhật kịp thời các TTHC "
         "theo quy định; 100% hồ sơ TTHC được giải quyết trước hạn và đúng hạn; đảm bảo sự hài lòng của người dân "
         "đối với dịch vụ y tế công đạt mức trên 90%.")
OCR = "Cai cach hanh chinh nim 2023 cia S¢ Y té"


def test_decompose_and_compose_are_inverse_on_every_letter_of_a_plan() -> None:
    letters = {ch for ch in CLEAN.lower() if ch.isalpha()}
    assert {"ự", "ủ", "đ", "ạ", "ờ", "ế"} <= letters
    for ch in letters:
        assert sy.compose(*sy.decompose(ch)) == ch, ch
    assert sy.decompose("ự") == ("u", "+", "j")
    assert sy.decompose("ấ") == ("a", "^", "s")
    assert sy.decompose("đ") == ("d", "-", "")


def test_strip_tone_and_skeleton() -> None:
    assert sy.strip_tone("quyết") == ("quyêt", "s")
    assert sy.strip_tone("hành") == ("hanh", "f")
    assert sy.strip_tone("công") == ("công", "")
    assert sy.skeleton("Đường") == "duong"
    assert sy.skeleton("THỦ TỤC") == "thu tuc"


@pytest.mark.parametrize(("word", "expected"), [
    ("hoà", "hòa"), ("thuỷ", "thủy"), ("khoẻ", "khỏe"),  # open oa/oe/uy: tone on the first vowel
    ("hòa", "hòa"), ("hoàn", "hoàn"), ("quả", "quả"), ("giải", "giải"), ("công", "công"),
])
def test_canonical_tone_is_the_administrative_style(word: str, expected: str) -> None:
    assert sy.canonical_tone(word) == expected


def test_every_word_of_a_clean_sentence_is_a_syllable() -> None:
    words = [w.lower() for w in sy.words(CLEAN) if not w.isupper()]
    assert words and all(sy.is_syllable(w) for w in words), [w for w in words if not sy.is_syllable(w)]
    for word in ("nghiêng", "quyết", "khuyến", "trường", "người"):
        assert sy.is_syllable(word), word


@pytest.mark.parametrize("word", ["tthc", "ubnd", "ctia", "hóà", "thànhh", "kpi", "", "nghiêngg"])
def test_non_syllables_are_refused(word: str) -> None:
    assert not sy.is_syllable(word)


def test_has_diacritics_and_words() -> None:
    assert sy.has_diacritics("đơn") and sy.has_diacritics("Đ") and sy.has_diacritics("tế")
    assert not sy.has_diacritics("Ha Tinh") and not sy.has_diacritics("S¢")
    assert sy.words("Sở Y tế ban hành 35/KH-SYT") == ["Sở", "Y", "tế", "ban", "hành", "KH", "SYT"]
    decomposed = unicodedata.normalize("NFD", "Sở")
    assert sy.words(decomposed) == ["Sở"]  # NFC first, so a decomposed word stays one run


def test_emission_costs_follow_the_class_prior() -> None:
    assert sy.emit_cost("a", "a") == pytest.approx(-math.log(0.94))  # a plain letter is kept
    assert sy.emit_cost("ế", "e") == pytest.approx(-math.log(0.5))  # a marked vowel printed bare
    assert sy.emit_cost("ế", "é") == pytest.approx(-math.log(0.05))  # right letter, wrong mark
    assert sy.emit_cost("ở", "¢") < sy.emit_cost("ở", "x")  # a known OCR look-alike beats any other letter
    assert sy.emit_cost("đ", "d") == pytest.approx(-math.log(0.75))
    assert sy.emit_cost("a", "xyz") == math.inf
    for gold in ("ố", "ồ", "ơ", "o"):
        assert sy.skeleton_emit_cost("o", "6") <= sy.emit_cost(gold, "6")


def test_channel_cost_ranks_the_right_reading_of_ocr_tokens_first() -> None:
    # "cia" is "của" and "S¢" is "Sở" in the OCR line; "té" is "tế".
    assert sy.channel_cost("của", "cia") < sy.channel_cost("cho", "cia")
    assert sy.channel_cost("sở", "s¢") < sy.channel_cost("sa", "s¢")
    assert sy.channel_cost("sở", "s¢") == sy.channel_cost("số", "s¢")  # the class prior leaves that to the LM
    assert sy.channel_cost("tế", "té") < sy.channel_cost("tá", "té")
    assert sy.channel_cost("cách", "cach") < sy.channel_cost("cách", "cch")
    assert sy.channel_cost("hành", "hanh") == pytest.approx(3 * -math.log(0.94) - math.log(0.5))


def test_align_pairs_gold_letters_with_what_ocr_printed() -> None:
    assert sy.align("của", "ctia", sy.emit_cost) == [("c", "c"), ("ủ", "ti"), ("a", "a")]
    assert sy.align("sở", "s¢", sy.emit_cost) == [("s", "s"), ("ở", "¢")]
    assert [g for g, _ in sy.align("chính", "chinh", sy.emit_cost)] == list("chính")


def test_ocr_skeleton_reads_look_alikes() -> None:
    assert [sy.ocr_skeleton(t) for t in OCR.split()] == ["cai", "cach", "hanh", "chinh", "nim", "2o23", "cia",
                                                          "se", "y", "te"]
    assert sy.ocr_skeleton("s6") == "so"


def test_read_tagged_sentences(tmp_path: Path) -> None:
    path = tmp_path / "tagged.txt"
    path.write_text("Sở\tN\nY_tế\tN\n\n\nban_hành\tV\nkế_hoạch\tN\n", encoding="utf-8")
    assert list(sy.read_tagged_sentences(path)) == ["Sở Y_tế", "ban_hành kế_hoạch"]


def test_read_word_counts_splits_pairs_and_unescapes(tmp_path: Path) -> None:
    # vnTokenizer's count files: a word (or a "w1,w2" pair) per row, "," may be a word of its own
    uni = tmp_path / "unigram.xml"
    uni.write_text('<corpus><body>\n<w msd="12">phấn đấu</w>\n<w msd="3">&lt;pTitle&gt;</w>\n</body></corpus>',
                   encoding="utf-8")
    bi = tmp_path / "bigram.xml"
    bi.write_text('<corpus><body><w msd="2">trong,mua bán</w><w msd="7">,,sớm</w><w msd="1">Bắc-Nam,,</w>'
                  '<w msd="4">lạ</w></body></corpus>', encoding="utf-8")
    assert list(sy.read_word_counts(uni)) == [(["phấn đấu"], 12), (["<pTitle>"], 3)]
    assert list(sy.read_word_counts(bi)) == [(["trong", "mua bán"], 2), ([",", "sớm"], 7), (["Bắc-Nam", ","], 1)]


def test_is_clean_text_tells_clean_plans_from_ocr_output() -> None:
    # the restorer's in-domain text is the clean documents the caller passes, told apart by this test alone
    assert sy.is_clean_text(corpus_file("004").read_text(encoding="utf-8")[:3000])
    assert sy.is_clean_text(CLEAN)
    assert not sy.is_clean_text(corpus_file("000").read_text(encoding="utf-8")[:3000])
    assert not sy.is_clean_text("") and not sy.is_clean_text("2024 - 100% / 35")


def test_lexicon_files_exist_when_found() -> None:
    files = sy.lexicon_files()
    assert all(p.is_file() for p in files)
    assert any(p.name == "words.txt" for p in files)  # pyvi is a dependency
