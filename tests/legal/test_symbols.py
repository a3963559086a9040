"""Symbol grammar (số ký hiệu): canonical forms of clean, OCR, spaced and broken symbols, and loose queries."""

from __future__ import annotations

import pytest

from assistant.legal.symbols import SYMBOL_RE, SymbolQuery, canonical_symbol, parse_symbol, parse_symbol_query
from assistant.text.fold import fold


def symbols_in(text: str) -> list[tuple[str, str]]:
    """(canonical, surface) of every symbol in running text, with the source-side upper-case check."""
    folded = fold(text)
    assert len(folded) == len(text)  # NFC Vietnamese folds one character to one: offsets are the identity
    offsets = tuple(range(len(text) + 1))
    out = []
    for m in SYMBOL_RE.finditer(folded):
        sym = parse_symbol(folded, m, text, offsets)
        if sym is not None:
            out.append((sym.canonical, text[m.start():sym.fold_end]))
    return out


@pytest.mark.parametrize(("raw", "canonical"), [
    ("61/2018/NĐ-CP", "61/2018/NĐ-CP"),
    ("61/2018/ND-CP", "61/2018/NĐ-CP"),  # typed without Đ
    ("Số: 61/2018/NĐ-CP", "61/2018/NĐ-CP"),
    ("06/Qb-TTg", "06/QĐ-TTg"),  # OCR reads Đ as b (corpus/000); TTg keeps its lower-case g
    ("12-NQ/TU", "12-NQ/TU"),  # Party documents: number-TYPE/ISSUER
    ("118/2025/NĐ- CP", "118/2025/NĐ-CP"),  # spaced as portals print it (wider/w01)
    ("10- CTr/TU", "10-CTr/TU"),
    ("57- NQ/TW", "57-NQ/TW"),
    ("71/NQ -CP", "71/NQ-CP"),
    ("21/CT- -TTg", "21/CT-TTg"),  # a doubled hyphen
    ("236/KH-\n\nUBND", "236/KH-UBND"),  # broken across lines
    ("2629[KH-UBND", "2629/KH-UBND"),  # OCR reads / as [
    ("01/2024/NQ-HĐND", "01/2024/NQ-HĐND"),
    ("22/2008/QH12", "22/2008/QH12"),  # a law: year and legislature, no type code
    ("887/UBND-KSTT", "887/UBND-KSTT"),  # a công văn: no type code
    ("/KH-SYT", "/KH-SYT"),  # a draft's own number, left blank
])
def test_canonical_symbol(raw: str, canonical: str) -> None:
    assert canonical_symbol(raw) == canonical


@pytest.mark.parametrize("raw", ["2021-2025", "12/2020", "26/5/2022", "ISO 9001:2015", "61/2018/NĐ-CP ngày",
                                 "Số: 35", "2022/NĐ"])
def test_not_a_symbol(raw: str) -> None:
    assert canonical_symbol(raw) is None


def test_symbols_in_ocr_text_keep_their_surface_span() -> None:
    # corpus/000 (Hà Tĩnh, OCR); the lower-case "12-nq/tu" is prose, not a symbol as printed.
    text = "Quyét dinh s6 06/Qb-TTg ngay 15/01/2020 ctia Thu twéng; theo 12-nq/tu va 12-NQ/TU ngay 26/5/2022"
    assert symbols_in(text) == [("06/QĐ-TTg", "06/Qb-TTg"), ("12-NQ/TU", "12-NQ/TU")]


def test_spaced_symbols_in_portal_text() -> None:
    text = "Kế hoạch số 10- CTr/TU ngày 5/6/2021 và Nghị định số 118/2025/NĐ- CP; giai đoạn 2022-2025"
    assert symbols_in(text) == [("10-CTr/TU", "10- CTr/TU"), ("118/2025/NĐ-CP", "118/2025/NĐ- CP")]


def test_symbol_pieces() -> None:
    folded = fold("61/2018/NĐ-CP")
    sym = parse_symbol(folded, SYMBOL_RE.match(folded), None, None)
    assert sym is not None
    assert (sym.number, sym.year, sym.type_code, sym.issuer_code) == ("61", "2018", "NĐ", "CP")
    folded = fold("887/UBND-KSTT")
    sym = parse_symbol(folded, SYMBOL_RE.match(folded), None, None)
    assert sym is not None and sym.type_code is None and sym.issuer_code == "UBND"


@pytest.mark.parametrize(("query", "expected"), [
    ("nd 61/2018", SymbolQuery("61", "2018", "Nghị định")),
    ("Nghị định 61", SymbolQuery("61", None, "Nghị định")),
    ("nghi dinh 61/2018/nd-cp", SymbolQuery("61", None, "Nghị định", None, "61/2018/NĐ-CP")),
    ("quyết định số 06", SymbolQuery("06", None, "Quyết định")),
    ("số 35/KH-SYT", SymbolQuery("35", None, "Kế hoạch", None, "35/KH-SYT")),
    ("61", SymbolQuery("61")),
])
def test_parse_symbol_query(query: str, expected: SymbolQuery) -> None:
    assert parse_symbol_query(query) == expected


def test_parse_symbol_query_refuses_words() -> None:
    assert parse_symbol_query("cải cách hành chính") is None


def test_query_matching() -> None:
    q = parse_symbol_query("nd 61/2018")
    assert q is not None
    assert q.matches("61/2018/NĐ-CP", "Nghị định")
    assert not q.matches("61/2019/NĐ-CP", "Nghị định")
    assert not q.matches("61/2018/QĐ-TTg", "Quyết định")
    assert not q.matches("161/2018/NĐ-CP", "Nghị định")
    loose = parse_symbol_query("06")
    assert loose is not None and loose.matches("6/QĐ-TTg", "Quyết định")  # leading zeros do not matter
    exact = parse_symbol_query("12-NQ/TU")
    assert exact is not None and exact.matches("12-NQ/TU", None) and not exact.matches("12-NQ/TW", None)
