"""One vocabulary of document types (Nghị định 30/2020/NĐ-CP, Phụ lục III)."""

from __future__ import annotations

from assistant.legal.extract import extract_references
from assistant.text.doctypes import VOCABULARY, code_for_name, name_for_code, type_at_start


def test_every_administrative_type_of_the_appendix_is_known() -> None:
    names = {t.name for t in VOCABULARY}
    for name in ("Nghị quyết", "Quyết định", "Chỉ thị", "Quy chế", "Quy định", "Thông báo", "Hướng dẫn", "Chương trình",
                 "Kế hoạch", "Phương án", "Đề án", "Dự án", "Báo cáo", "Tờ trình", "Công văn", "Hợp đồng", "Công điện"):
        assert name in names
    assert code_for_name("Tờ trình") == "TTr" and code_for_name("Quy định") == "QyĐ" and code_for_name("Công văn") is None


def test_codes_and_type_lines() -> None:
    assert name_for_code("ttr") == "Tờ trình" and name_for_code("qb") == "Quyết định"  # OCR "Qb" for QĐ
    assert type_at_start("to trinh ve viec de nghi") == "Tờ trình"
    assert type_at_start("k& hoach cai cach") == "Kế hoạch"


def test_a_to_trinh_is_cited_as_a_to_trinh_not_a_cong_van() -> None:
    refs = extract_references("Căn cứ Tờ trình số 123/TTr-SYT ngày 05/3/2025 của Sở Y tế.", "x.txt")
    assert [(r.type, r.number) for r in refs] == [("Tờ trình", "123/TTr-SYT")]
