"""Identity questions answered from a document's metadata, citing its header lines."""

from __future__ import annotations

from assistant.answer.identity import _sentence_case, header_spans, identity_fields, identity_line
from assistant.documents.pipeline import parse_document
from assistant.documents.read import RawText

PORTAL = ("|\n**ỦY BAN NHÂN DÂN**\nTỈNH ĐỒNG NAI\n-------\n|\n**CỘNG HÒA XÃ HỘI\nCHỦ NGHĨA VIỆT NAM**\n"
          "Độc lập - Tự do - Hạnh phúc\n---------------\n|\n|\nSố: 179/KH-UBND\n|\n*Đồng Nai, ngày 18\n"
          "tháng 11 năm 2025*\n|\n\n\n**KẾ HOẠCH**\n\nPHÁT TRIỂN KINH TẾ SỐ\n\nCăn cứ Luật Tổ chức chính quyền địa phương;\n")


def _document():
    return parse_document(RawText("kh.md", PORTAL, "md", "utf-8"), restore_ocr=False)[0]


def test_what_an_identity_question_asks() -> None:
    assert identity_fields("Kế hoạch 179 được ban hành ngày nào?") == ["date"]
    assert identity_fields("so hieu ke hoach kinh te so cua dong nai") == ["number"]
    assert identity_fields("When was the Dong Nai digital economy plan signed?") == ["date"]
    assert identity_fields("Cơ quan nào ban hành kế hoạch này?") == ["issuer"]
    assert identity_fields("Hạn chót nộp báo cáo là ngày nào?") == []  # a deadline in the body, not the header


def test_answer_from_metadata_cites_the_header_lines() -> None:
    document = _document()
    spans = header_spans(document)
    assert [PORTAL[s.start:s.end] for s in spans] == ["Số: 179/KH-UBND", "Đồng Nai, ngày 18\ntháng 11 năm 2025"]
    assert identity_line(document, ["date"], "Đồng Nai") == (
        "Kế hoạch ngày 18/11/2025 của Ủy ban nhân dân tỉnh Đồng Nai")
    assert identity_line(document, ["number"], "Đồng Nai").startswith("Kế hoạch số 179/KH-UBND ngày 18/11/2025")
    assert identity_line(document, ["issuer"], "Đồng Nai").endswith("do Ủy ban nhân dân tỉnh Đồng Nai ban hành")


def test_signing_capacity_as_a_sentence_writes_it() -> None:
    assert _sentence_case("KT. CHỦ TỊCH / PHÓ CHỦ TỊCH") == "KT. Chủ tịch / Phó Chủ tịch"
    assert _sentence_case("GIÁM ĐỐC") == "Giám đốc"
