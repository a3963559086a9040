"""Decoding helpers: column gaps and capitals words whose vowel the OCR read as Q."""

from __future__ import annotations

import re

from assistant.restore.decode import _gap_flags, _q_for_vowel


def _flags(line: str) -> list[bool]:
    return _gap_flags(re.split(r"(\s+)", line))


def test_a_run_of_spaces_inside_a_line_is_a_column_gap() -> None:
    # the national layout's header: issuer on the left, the national motto on the right, one OCR line
    assert _flags("SO Y TE TINH KON TUM  CQNG HOA XA HQI") == [False] * 6 + [True, False, False, False]
    assert _flags("Kon Tum,\tngay 15") == [False, False, True, False]
    # one space, or spaces before the first word, are no gap
    assert _flags("  tiép tuc mo rong") == [False] * 4


def test_q_standing_for_a_vowel_in_capitals() -> None:
    assert _q_for_vowel("CQNG") and _q_for_vowel("HQI")
    # Q before U is Vietnamese spelling; acronyms with Q stay acronyms
    assert not any(_q_for_vowel(w) for w in ("QUYET", "QLNN", "BQL", "TQ", "CCHC"))
