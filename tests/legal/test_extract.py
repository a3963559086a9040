"""Legal-reference extraction, symbol canonicalisation, the reference index and the dev eval thresholds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assistant.evaluation.legal_refs import evaluate
from assistant.legal.citations import ReferenceIndex
from assistant.legal.extract import canonical_symbol, extract_references, parse_symbol_query
from tests.conftest import CORPUS, EVALS


def _by_number(text: str) -> dict:
    refs = extract_references(text, "doc.txt")
    for r in refs:
        for m in r.mentions:
            assert text[m.start:m.end] == m.text
    return {r.number: r for r in refs}


def test_clean_text_symbols_dates_and_issuers() -> None:
    text = (
        "Số: /KH-SYT\n\nKhánh Hòa, ngày tháng 5 năm 2024\n\n## KẾ HOẠCH\n\n"
        "Căn cứ Quyết định số 91/QĐ-UBND ngày 11/01/2024 của UBND tỉnh Khánh Hòa về việc phê duyệt; "
        "Quyết định số 427/QĐ-UBND ngày 07/02/2024 của UBND tỉnh về việc ban hành Chương trình hành động "
        "của UBND tỉnh triển khai Nghị quyết số 02/NQ-CP ngày 05/01/2024 của Chính phủ về những nhiệm vụ; "
        "Công văn 887/UBND-KSTT ngày 22/01/2024 của UBND tỉnh về tiếp tục cải thiện. "
        "Chỉ thị số 06/CT-UBND ngày 21/4/2020 của Chủ tịch UBND tỉnh."
    )
    refs = _by_number(text)
    assert refs["91/QĐ-UBND"].issuer == "UBND tỉnh Khánh Hòa"
    assert refs["91/QĐ-UBND"].date == "2024-01-11"
    assert refs["427/QĐ-UBND"].issuer == "UBND tỉnh Khánh Hòa"  # "của UBND tỉnh" + the header's province
    assert (refs["02/NQ-CP"].type, refs["02/NQ-CP"].issuer) == ("Nghị quyết", "Chính phủ")
    assert (refs["887/UBND-KSTT"].type, refs["887/UBND-KSTT"].date) == ("Công văn", "2024-01-22")
    assert refs["06/CT-UBND"].issuer == "Chủ tịch UBND tỉnh Khánh Hòa"
    own = refs["/KH-SYT"]
    assert own.own and own.issuer == "Sở Y tế tỉnh Khánh Hòa" and own.date is None
    assert not any(r.own for n, r in refs.items() if n != "/KH-SYT")


def test_ocr_damaged_header_own_number_and_citations() -> None:
    text = (
        " UBND TINH HA TINH CONG HOA XA HQI CHU NGHIiA VIET NAM\n"
        "SOY TE Péc 1ap - Tw do - Hanh phic\n"
        "S4: 35 /KH-SYT Ha Tinh, ngay05 thang 01 nam 2023\nKE HOACH\n\n"
        "Thue hién Ké hoach s6 2629/KH-UBND ngay 23/12/2022 ctia UBND\n"
        "tinh vé cai cach hanh chinh tinh Ha Tinh nim 2023, S¢ Y té ban hanh K¢é\n"
        "giao quyén tu chu, tu chiu trach nhiém theo Nghi dinh s6 130/2005/ND-CP cuia\n"
        "chuyén doi s0. Trién khai thuc hién Quyét dinh s6 06/Qb-TTg cia Thu tuéng\n"
        " Chinh phu vé Phé duyét\n"
        "nhin dén nam 2030, Chi thi s6 21/CT- -TTg ngay 25/11/2022 cua Thu tudng\n"
        "Nghi dinh s6 59/2019/NB-CP cta Chinh phi va ché d6 luan phién"
    )
    refs = _by_number(text)
    own = refs["35/KH-SYT"]
    assert own.own and own.issuer == "Sở Y tế tỉnh Hà Tĩnh" and own.date == "2023-01-05"
    assert own.mentions[0].text == "35 /KH-SYT"
    assert refs["2629/KH-UBND"].issuer == "UBND tỉnh Hà Tĩnh" and refs["2629/KH-UBND"].date == "2022-12-23"
    assert refs["130/2005/NĐ-CP"].type == "Nghị định"
    assert refs["06/QĐ-TTg"].issuer == "Thủ tướng Chính phủ" and refs["06/QĐ-TTg"].mentions[0].text == "06/Qb-TTg"
    assert refs["21/CT-TTg"].date == "2022-11-25"
    assert "59/2019/NĐ-CP" in refs
    assert not any(r.own for n, r in refs.items() if n != "35/KH-SYT")


def test_bracket_for_slash_in_own_number() -> None:
    text = (
        "UBND TINH LAI CHAU CONG HOA XA HQOI CHU NGHIA VIET NAM\n\nSOY TE Déc 1ap - Tw do - Hanh phic\n"
        "S6: 265 [KH-SYT Lai Chau, ngay 11 thang 12 nam 2025\nKE HOACH\n\n"
        "Thuc hién cong vin 3196/UBND-KSTT ngay 25/6/2025 ciia Uy ban nhan dan\ntinh vé huéng din"
    )
    refs = _by_number(text)
    assert refs["265/KH-SYT"].own and refs["265/KH-SYT"].issuer == "Sở Y tế tỉnh Lai Châu"
    assert refs["265/KH-SYT"].date == "2025-12-11"
    cv = refs["3196/UBND-KSTT"]
    assert (cv.type, cv.issuer, cv.date, cv.own) == ("Công văn", "UBND tỉnh Lai Châu", "2025-06-25", False)


def test_symbol_split_over_line_breaks() -> None:
    text = (
        "tai Nghi dinh s6 108/2014/ND-CP ngay 20/11/2014 ctia Chinh phu, Nghi dinh sé 113/2018/ND-\n"
        "CP ngay 31/8/2018 cta Chinh phi va Nghi dinh sé 143/2020/ND-CP ngay\n"
        "- Tổ chức triển khai lập hồ sơ sức khỏe điện tử theo Kế hoạch số 236/KH-\n\n"
        "UBND ngày 9/11/2020 về Lập hồ sơ. 4. Tiếp tục thực hiện Nghị quyết số 39-\n\n"
        "NQ/TW ngày 17/4/2015 của Bộ Chính trị"
    )
    refs = _by_number(text)
    assert refs["113/2018/NĐ-CP"].mentions[0].text == "113/2018/ND-\nCP"
    assert refs["113/2018/NĐ-CP"].date == "2018-08-31"
    assert refs["236/KH-UBND"].mentions[0].text == "236/KH-\n\nUBND"
    assert refs["236/KH-UBND"].date == "2020-11-09"
    assert (refs["39-NQ/TW"].issuer, refs["39-NQ/TW"].date) == ("Bộ Chính trị", "2015-04-17")
    assert refs["108/2014/NĐ-CP"].issuer == "Chính phủ"


def test_date_in_words_with_ocr_month_and_year() -> None:
    text = (
        "~ Thyec hién K& hoach s6 291/KH-SYT ngay 06 thang 02 ndm 2023 cua S¢\n"
        "Y té tinh Kon Tum vé phat dong phong trao thi dua"
    )
    ref = _by_number(text)["291/KH-SYT"]
    assert (ref.type, ref.date, ref.issuer) == ("Kế hoạch", "2023-02-06", "Sở Y tế tỉnh Kon Tum")


def test_named_laws_standards_and_non_citations() -> None:
    text = (
        "Thực hiện Luật Cán bộ, công chức và Luật Viên chức; dam bao cac quy dinh cta Hién phap nim 2013, "
        "Luat Ban hanh\nvan ban QPPL va cac van ban QPPL. Duy trì theo Tiêu chuẩn ISO 9001:2015; kiểm tra "
        "HTQLCL theo TCVN ISO 9001 tại các cơ quan. Chấp hành pháp luật, kỷ luật. Xây dựng Đề án vị trí "
        "việc làm. Thực hiện theo chỉ đạo của UBND tỉnh triển khai Đề án xây dựng Chính quyền điện tử."
    )
    refs = _by_number(text)
    assert {"Luật Cán bộ, công chức", "Luật Viên chức", "Hiến pháp năm 2013",
            "Luật Ban hành văn bản quy phạm pháp luật",  # "Luật Ban hành văn bản QPPL" in the text
            "Đề án xây dựng Chính quyền điện tử", "TCVN ISO 9001:2015"} == set(refs)
    assert len(refs["TCVN ISO 9001:2015"].mentions) == 2  # the year-less mention is the same edition
    assert refs["TCVN ISO 9001:2015"].type == "Tiêu chuẩn"


def test_canonical_symbol_variants() -> None:
    assert canonical_symbol("61/2018/ND-CP") == "61/2018/NĐ-CP"
    assert canonical_symbol("06/Qb-TTg") == "06/QĐ-TTg"
    assert canonical_symbol("12-NQ/TU") == "12-NQ/TU"
    assert canonical_symbol("265 [KH-SYT") == "265/KH-SYT"
    assert canonical_symbol("Số: /KH-SYT") == "/KH-SYT"
    assert canonical_symbol("22/2008/QH12") == "22/2008/QH12"
    assert canonical_symbol("23/12/2022") is None
    assert canonical_symbol("2021-2030") is None


@given(
    num=st.integers(min_value=1, max_value=99999),
    year=st.sampled_from(["", "2015/", "2024/"]),
    code=st.sampled_from([("ND", "NĐ"), ("NB", "NĐ"), ("QD", "QĐ"), ("Qb", "QĐ"), ("KH", "KH"), ("CT", "CT")]),
    issuer=st.sampled_from(["CP", "TTg", "UBND", "SYT", "BYT"]),
    slash=st.sampled_from(["/", " /", "[", "/ "]),
    hyphen=st.sampled_from(["-", "--", "- -", "-\n"]),
)
def test_canonical_symbol_is_ocr_invariant(num, year, code, issuer, slash, hyphen) -> None:
    raw = f"{num}{slash}{year}{code[0]}{hyphen}{issuer}"
    assert canonical_symbol(raw) == f"{num}/{year}{code[1]}-{issuer}"


def test_parse_symbol_query_loose_forms() -> None:
    q = parse_symbol_query("nd 61/2018")
    assert (q.number, q.year, q.type_name) == ("61", "2018", "Nghị định")
    assert parse_symbol_query("Nghị định 61").matches("61/2018/NĐ-CP", "Nghị định")
    assert not parse_symbol_query("Quyết định 61").matches("61/2018/NĐ-CP", "Nghị định")
    assert parse_symbol_query("nghi dinh 61/2018/nd-cp").canonical == "61/2018/NĐ-CP"
    assert not parse_symbol_query("61/2019").matches("61/2018/NĐ-CP", "Nghị định")
    assert parse_symbol_query("xin chào") is None


def test_reference_index_lookups() -> None:
    texts = {
        "a.txt": "Theo Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ; Nghị định số 61/2018/NĐ-CP.",
        "b.txt": "Nghi dinh s6 61/2018/ND-CP ngay 23/5/2018 ctia Chinh pha; Quyét dinh s6 06/Qb-TTg.",
        "c.txt": "Số: 12/KH-SYT\nKế hoạch số 12/KH-SYT",
    }
    idx = ReferenceIndex.from_texts(texts)
    for q in ("61/2018", "nd 61/2018", "Nghị định 61", "nghi dinh 61/2018/nd-cp"):
        assert sorted(r.source for r in idx.cited_by(q)) == ["a.txt", "b.txt"], q
    assert idx.cited_by("quyết định 61") == []
    assert [r.number for r in idx.cites("b.txt")] == ["61/2018/NĐ-CP", "06/QĐ-TTg"]
    assert idx.cites("c.txt") == []  # a plan's own number is not a citation
    c = idx.counts()["61/2018/NĐ-CP"]
    assert (c["documents"], c["mentions"]) == (2, 3)
    assert idx.inconsistencies() == [
        {"number": "61/2018/NĐ-CP", "field": "date", "values": {"2018-04-23": ["a.txt"], "2018-05-23": ["b.txt"]}}
    ]
    row = next(r for r in idx.to_rows() if r["source"] == "c.txt")
    assert row["own"] is True and row["date"] is None and row["mentions"][0]["text"] == "12/KH-SYT"


def test_dev_annotations_meet_thresholds() -> None:
    res = evaluate(EVALS / "dev_legal_refs.jsonl", CORPUS)
    for cat in ("numbered", "standard"):
        assert res["categories"][cat]["precision"] >= 0.95, res["errors"]
        assert res["categories"][cat]["recall"] >= 0.95, res["errors"]
    assert res["agreement"]["type"] >= 0.95
    assert res["agreement"]["date"] >= 0.95
    assert res["agreement"]["issuer_folded"] >= 0.9


def test_spans_hold_on_every_corpus_document(corpus_texts: dict[str, str]) -> None:
    for name, text in corpus_texts.items():
        refs = extract_references(text, name)
        assert refs, name
        assert sum(r.own for r in refs) == 1, name  # exactly one own number per plan
        for r in refs:
            assert all(text[m.start:m.end] == m.text for m in r.mentions)
