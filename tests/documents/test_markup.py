"""The reading layer for marked-up text: clean view, exact spans back to the file."""

from __future__ import annotations

from assistant.documents.markup import clean_reading, has_markup
from assistant.restore.restorer import to_original_span

# A portal header as saved from a legal portal: cells between "|" lines, a field broken inside bold and italic.
PORTAL_HEADER = (
    "|\n**ỦY BAN NHÂN\nDÂN**\nTỈNH ĐỒNG THÁP\n--------\n|\n**CỘNG HÒA XÃ\nHỘI CHỦ NGHĨA VIỆT NAM**\n"
    "Độc lập - Tự do - Hạnh phúc\n---------------\n|\n|\nSố: 552/KH-UBND\n|\n*Đồng Tháp,\nngày 19 tháng 11 năm 2025*\n|\n"
)
TABLE = (
    "|\n1.1\n|\nRà soát, xây dựng, sửa đổi, bổ sung các quy định pháp\nluật cho phù hợp\n|\nSở Tư pháp\n|\n"
    "2026 - 2030\n|\n|\n2.1\n|\nTriển khai hạ tầng số\n|\nSở Khoa học và Công nghệ\n|\n2026 - 2030\n|\n"
)


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in clean_reading(text).text.split("\n") if ln.strip()]


def test_header_cells_are_joined_across_line_breaks_and_marks_dropped() -> None:
    lines = _lines(PORTAL_HEADER)
    assert lines[0] == "ỦY BAN NHÂN DÂN"
    assert lines[1].startswith("TỈNH ĐỒNG THÁP | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert "Số: 552/KH-UBND | Đồng Tháp, ngày 19 tháng 11 năm 2025" in lines


def test_a_table_row_is_one_line_with_its_cells() -> None:
    lines = _lines(TABLE)
    assert lines[0] == ("1.1 | Rà soát, xây dựng, sửa đổi, bổ sung các quy định pháp luật cho phù hợp | Sở Tư pháp | "
                        "2026 - 2030")
    assert lines[1].startswith("2.1 | Triển khai hạ tầng số | Sở Khoa học và Công nghệ")


def test_markdown_pipe_rows_and_headings() -> None:
    text = "## KẾ HOẠCH\n\n| Mức | Chi trả |\n|---|---|\n| Mức 1 | không quá 500.000 đồng/tháng |\n"
    assert _lines(text) == ["KẾ HOẠCH", "Mức | Chi trả", "Mức 1 | không quá 500.000 đồng/tháng"]


def test_wrapped_sentence_is_joined_but_items_and_capitals_keep_their_lines() -> None:
    text = ("**I. MỤC\nĐÍCH, YÊU CẦU**\n\nCăn cứ Quyết định số 411/QĐ-TTg của Thủ tướng Chính\nphủ ngày 31/3/2022;\n\n"
            "a) Thúc đẩy chuyển đổi số;\nb) Ứng dụng công nghệ số.\n\n**KT. CHỦ TỊCH**\nPHÓ CHỦ TỊCH\nHuỳnh Minh Tuấn\n")
    assert _lines(text) == [
        "I. MỤC ĐÍCH, YÊU CẦU",
        "Căn cứ Quyết định số 411/QĐ-TTg của Thủ tướng Chính phủ ngày 31/3/2022;",
        "a) Thúc đẩy chuyển đổi số;", "b) Ứng dụng công nghệ số.",
        "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Huỳnh Minh Tuấn",
    ]


def test_every_view_token_maps_to_an_exact_file_span() -> None:
    for text in (PORTAL_HEADER, TABLE):
        view = clean_reading(text)
        for fs, fe, vs, ve in view.tokens:
            assert text[fs:fe].replace("*", "") == view.text[vs:ve]
            assert to_original_span(view, vs, ve) == (fs, fe)


def test_has_markup() -> None:
    assert has_markup(PORTAL_HEADER) and has_markup(TABLE)
    assert not has_markup("KE HOACH\nCai cach hanh chinh nam 2023\nI. MUC TIEU\n1. Tiep tuc day manh CCHC")


def test_bold_headings_of_portal_text_make_the_section_tree() -> None:
    from assistant.documents.pipeline import parse_document
    from assistant.documents.read import RawText

    text = ("**KẾ HOẠCH**\n\n**I. MỤC\nĐÍCH, YÊU CẦU**\n\nNâng cao hiệu quả.\n\n**II. TỔ CHỨC THỰC HIỆN**\n\n"
            "**1. Sở Khoa học và Công\nnghệ**\n\nChủ trì, phối hợp triển khai Kế hoạch.\n\n**PHỤ LỤC I**\n\n"
            "|\n1\n|\nRà soát\n|\nSở Tư pháp\n|\n")
    document, view = parse_document(RawText("x.md", text, "md", "utf-8"), restore_ocr=False)
    top = [s.title for s in document.sections]
    assert top == ["Phần đầu", "I. MỤC ĐÍCH, YÊU CẦU", "II. TỔ CHỨC THỰC HIỆN", "PHỤ LỤC I"]
    unit = document.sections[2].children[0]
    assert unit.title == "1. Sở Khoa học và Công nghệ"
    assert text[unit.start:unit.end].startswith("**1. Sở Khoa") or text[unit.start:unit.end].startswith("1. Sở Khoa")
