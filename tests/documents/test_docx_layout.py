"""A .docx whose header is a two-column table reads like the same document saved from a portal."""

from __future__ import annotations

from pathlib import Path

import docx

from assistant.documents.pipeline import parse_document
from assistant.documents.read import read_file


def _header_docx(path: Path) -> Path:
    d = docx.Document()
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "UBND TỈNH HÀ TĨNH\nSỞ Y TẾ"
    table.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    table.cell(1, 0).text = "Số: 120/KH-SYT"
    table.cell(1, 1).text = "Hà Tĩnh, ngày 15 tháng 3 năm 2024"
    d.add_paragraph("KẾ HOẠCH")
    d.add_paragraph("Cải cách hành chính năm 2024")
    d.add_paragraph("I. MỤC ĐÍCH, YÊU CẦU")
    d.add_paragraph("Đẩy mạnh cải cách thủ tục hành chính.")
    rows = d.add_table(rows=2, cols=3)
    for c, value in enumerate(("TT", "Nhiệm vụ", "Đơn vị chủ trì")):
        rows.cell(0, c).text = value
    for c, value in enumerate(("1", "Rà soát thủ tục hành chính", "Văn phòng Sở")):
        rows.cell(1, c).text = value
    d.save(path)
    return path


def test_docx_header_table_and_rows(tmp_path: Path) -> None:
    raw = read_file(_header_docx(tmp_path / "kh.docx"))
    document, view = parse_document(raw, restore_ocr=False)
    md = document.metadata
    assert (md.issuer, md.parent, md.number, md.issue_date, md.province, md.doc_type) == (
        "Sở Y tế tỉnh Hà Tĩnh", "UBND tỉnh Hà Tĩnh", "120/KH-SYT", "2024-03-15", "Hà Tĩnh", "Kế hoạch")
    assert md.title == "Cải cách hành chính năm 2024"
    assert "1 | Rà soát thủ tục hành chính | Văn phòng Sở" in view.text
