"""The stripped-document benchmark: clean text with its marks taken off, restored leave-one-document-out."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evaluation.restoration import _norm, evaluate_stripped, strip_marks

DOCS = {
    "a.txt": "Sở Y tế ban hành Kế hoạch cải cách hành chính năm 2024.\n"
             "Tỷ lệ hồ sơ giải quyết thủ tục hành chính đúng hạn đạt 100%.\n"
             "Đẩy mạnh xây dựng chính quyền điện tử, chính quyền số.\n",
    "b.txt": "Ủy ban nhân dân tỉnh chỉ đạo các sở, ngành thực hiện nhiệm vụ cải cách hành chính.\n"
             "Nâng cao chất lượng đội ngũ cán bộ, công chức, viên chức.\n",
    "c.txt": "Phấn đấu 100% thủ tục hành chính đủ điều kiện được cung cấp dịch vụ công trực tuyến toàn trình.\n"
             "Các cơ quan, đơn vị báo cáo kết quả thực hiện về Sở Nội vụ trước ngày 15 tháng 12.\n",
}


def test_strip_marks_takes_every_diacritic_off() -> None:
    assert strip_marks("Đẩy mạnh cải cách hành chính, Ủy ban") == "Day manh cai cach hanh chinh, Uy ban"
    assert _norm("Uỷ") == _norm("ủy") and _norm("hoà") == _norm("Hòa") and _norm("đạt") != _norm("đất")


@pytest.mark.slow
def test_each_stripped_document_is_restored_by_a_model_that_did_not_see_it(tmp_path: Path) -> None:
    for name, text in DOCS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    report = evaluate_stripped((tmp_path,))
    assert [d["source"] for d in report["documents"]] == sorted(DOCS)
    assert report["words"] == sum(any(c.isalpha() for c in w) for t in DOCS.values() for w in t.split())
    # general text and the two other documents carry these common words; well above the stripped text's share
    assert 0.8 <= report["accuracy"] <= 1.0
    assert all(d["marked_words"] > 0.5 * d["words"] for d in report["documents"])
