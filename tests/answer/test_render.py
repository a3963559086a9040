"""How answers show statements: readable text, numeric dates, plan labels, evidence-first passage order."""

from __future__ import annotations

from assistant.answer.render import Candidate, doc_label, evidence_first, overlaps, shown, vn_date
from assistant.answer.statements import Sentence
from assistant.types import Metadata, Passage


def _passage(chunk_id: str, start: int = 0) -> Passage:
    return Passage("002.txt", start, start + 50, "x" * 50, 1.0, "", chunk_id)


def _candidate(text: str, start: int, end: int, reading: str | None = None) -> Candidate:
    return Candidate(Sentence("002.txt", start, end, text), _passage("c1"), 0, 1.0, 1.0, reading)


def test_shown_uses_the_restored_reading_drops_item_marks_and_adds_numeric_dates():
    c = _candidate("- Thoi gian thi dua: Tir ngay 01 thang 01 nam 2023", 0, 40,
                   reading="- Thời gian thi đua: Từ ngày 01 tháng 01 năm 2023;\n")
    assert shown(c) == "Thời gian thi đua: Từ ngày 01 tháng 01 năm 2023 (01/01/2023)"
    assert shown(_candidate("3.1. Phòng Tổ chức cán bộ   chủ trì", 0, 10)) == "Phòng Tổ chức cán bộ chủ trì"


def test_plan_labels_and_dates():
    assert doc_label(Metadata(issuer="Sở Y tế tỉnh Hà Tĩnh", province="Hà Tĩnh")) == "Sở Y tế Hà Tĩnh"
    assert doc_label(Metadata(province="Lai Châu")) == "Kế hoạch (Lai Châu)"
    assert doc_label(Metadata()) == "Kế hoạch"
    assert vn_date("2020-12-24") == "24/12/2020"


def test_cited_passages_come_first_then_retrieval_order():
    a, b, c = _passage("a"), _passage("b"), _passage("c")
    cited = [(Sentence("002.txt", 0, 5, "x"), c), (Sentence("002.txt", 0, 5, "x"), a)]
    assert [p.chunk_id for p in evidence_first([a, b, c], cited)] == ["c", "a", "b"]


def test_overlapping_statements():
    first = _candidate("một", 0, 10)
    assert overlaps(_candidate("hai", 5, 15), [first]) and not overlaps(_candidate("ba", 10, 20), [first])
