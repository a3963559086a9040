"""Per-token margins of the OCR decoder and the unsure words they mark: exact on a tiny lattice, sensible on real
OCR lines, and carried by a Restoration to the words of any span of its reading."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from assistant.documents.read import read_corpus
from assistant.restore.decode import BEAM, CHANNEL_WEIGHT, _viterbi
from assistant.restore.margins import Lattice, token_margins
from assistant.restore.model import BOS
from assistant.restore.restorer import (
    UNSURE_MARGIN,
    Restoration,
    get_model,
    line_margins,
    line_model,
    restore_text,
    unsure_words,
)

ROOT = Path(__file__).resolve().parents[2]


class TinyLM:
    """A trigram 'model' with seeded random log-probabilities: enough for the search, small enough to enumerate."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.table: dict[tuple[str, str, str], float] = {}

    def logp3(self, prev2: str, prev: str, word: str) -> float:
        key = (prev2, prev, word)
        if key not in self.table:
            self.table[key] = math.log(self.rng.uniform(0.01, 1.0))
        return self.table[key]


def _tiny_lattice(seed: int) -> tuple[list, dict, TinyLM]:
    """Four tokens of three candidates (one differing from another by case only), a name arc over tokens 1-2,
    and a token with a single candidate: at most 12 states per position, so the beam drops none."""
    rng = random.Random(seed)
    slots = [[(f"{c}{i}", f"{c}{i}", rng.uniform(0.0, 3.0)) for c in "abc"] for i in range(4)]
    slots[3][2] = ("A3", "a3x", rng.uniform(0.0, 3.0))  # same word as "a3" but for case: never an alternative
    slots.append([("z4", "z4", 0.0)])
    arcs = {1: [(["N1", "N2"], "name", rng.uniform(0.0, 3.0))]}
    return slots, arcs, TinyLM(seed)


def _all_paths(slots: list, arcs: dict, lm: TinyLM) -> list[tuple[float, list[str]]]:
    """Every path through the lattice with its cost, scored as the decoder scores it."""
    out: list[tuple[float, list[str]]] = []

    def walk(pos: int, p2: str, p1: str, cost: float, words: list[str]) -> None:
        if pos == len(slots):
            out.append((cost, words))
            return
        for word, tok, c in slots[pos]:
            walk(pos + 1, p1, tok, cost + CHANNEL_WEIGHT * c - lm.logp3(p2, p1, tok), [*words, word])
        for words_, tok, c in arcs.get(pos, ()):
            walk(pos + len(words_), p1, tok, cost + CHANNEL_WEIGHT * c - lm.logp3(p2, p1, tok), [*words, *words_])

    walk(0, BOS, BOS, 0.0, [])
    return out


@pytest.mark.parametrize("seed", range(8))
def test_margins_are_exact_min_marginals_on_a_tiny_lattice(seed: int) -> None:
    slots, arcs, lm = _tiny_lattice(seed)
    assert BEAM >= 12
    lattice = Lattice()
    best = _viterbi(slots, arcs, lm, lattice)
    margins = token_margins(lattice, best)
    paths = _all_paths(slots, arcs, lm)
    top_cost, top_words = min(paths, key=lambda p: p[0])
    assert best == top_words
    for i in range(len(slots)):
        others = [c for c, words in paths if words[i].lower() != best[i].lower()]
        expected = min(others) - top_cost if others else math.inf
        assert margins[i] == pytest.approx(expected, abs=1e-9), (i, best)
    assert margins[4] == math.inf  # one candidate: nothing else could be written there


@pytest.fixture(scope="module")
def lines():
    texts = [raw.text for raw in read_corpus(ROOT / "corpus")[0]]
    return line_model(texts)


@pytest.fixture(scope="module")
def model():
    return get_model(raw.text for raw in read_corpus(ROOT / "corpus")[0])


def test_real_line_margins_tell_a_doubtful_word_from_clear_ones(lines) -> None:
    # corpus/000: "nhan;" is "nhận" (received) in the plan; "nhân" (person) reads as well here, so it is unsure;
    # the words around it have one reading, and numbers, acronyms and parentheses have no alternative at all.
    out, margins = line_margins("nhan; 100% TTHC du diéu kién duoc thue hién dich vu cong (DVC) truc tuyen", lines)
    words = out.split()
    assert len(margins) == len(words)
    assert margins[0] < UNSURE_MARGIN
    for i in (4, 5, 8, 9, 10):  # điều kiện ... hiện dịch vụ
        assert margins[i] >= UNSURE_MARGIN, (words[i], margins[i])
    assert [margins[i] for i in (1, 2, 12)] == [math.inf] * 3  # 100% TTHC (DVC)


def test_a_clean_line_has_no_margins_below_infinity(lines) -> None:
    line = "Quyết định số 5476/QĐ-UBND ngày 24/12/2020 của UBND tỉnh Thanh Hóa;"
    assert line_margins(line, lines) == (line, [math.inf] * len(line.split()))


def test_restoration_marks_unsure_tokens_and_their_words(model) -> None:
    text = ("(TTHC) thudc tham quyen giai quyét cua SO dat ty 18 tdi thiéu 70% sd hd so tlep\n"
            "nhan; 100% TTHC du diéu kién duoc thue hién dich vu cong (DVC) truc tuyen\n")
    r = restore_text(text, model)
    assert r.unsure and list(r.unsure) == sorted(set(r.unsure))
    assert all(0 <= i < len(r.tokens) for i in r.unsure)
    assert len(r.unsure) < len(r.tokens) / 2
    words = unsure_words(r, text, 0, len(text))
    assert len(words) == len(r.unsure)
    for w, i in zip(words, r.unsure, strict=True):
        o0, o1, r0, r1 = r.tokens[i]
        assert w.ocr == text[o0:o1].strip("();")  # the word without the punctuation around it
        assert r.text[w.start:w.end] == r.text[r0:r1].strip("();")
    assert restore_text("Kế hoạch cải cách hành chính năm 2023.\n", model).unsure == ()


def test_unsure_words_are_spans_of_the_reading_of_any_span() -> None:
    # "Sở đạt tỷ lệ; ngày" read from "SO dat ty 18; ngay", with "18;" (-> "lệ;") unsure
    text, reading = "SO dat ty 18; ngay", "Sở đạt tỷ lệ; ngày"
    r = Restoration(reading, ((0, 2, 0, 2), (3, 6, 3, 6), (7, 9, 7, 9), (10, 13, 10, 13), (14, 18, 14, 18)), (3,))
    (w,) = unsure_words(r, text, 0, len(text))
    assert (reading[w.start:w.end], w.ocr) == ("lệ", "18")
    (w,) = unsure_words(r, text, 7, 13)  # a span starting at "ty": offsets relative to its reading "tỷ lệ;"
    assert (w.start, w.end, w.ocr) == (3, 5, "18")
    (w,) = unsure_words(r, text, 11, 18)  # a span cutting the word: only the part inside it
    assert (w.start, w.end) == (0, 1)
    assert unsure_words(r, text, 0, 9) == () and unsure_words(r, text, 14, 18) == ()
    assert unsure_words(Restoration(reading, r.tokens), text, 0, len(text)) == ()
