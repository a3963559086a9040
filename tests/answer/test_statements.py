"""What a question asks for, and whether a statement holds it, on short real wordings."""

from __future__ import annotations

from assistant.answer.statements import answer_kind, asked_measure, kind_match, split


def test_the_measure_of_a_count_question():
    assert asked_measure("Nghệ An hiện có bao nhiêu khu công nghiệp đang đi vào hoạt động?") == "khu"
    assert asked_measure("Thời gian giải quyết là bao nhiêu ngày làm việc?") == "ngay lam viec"
    assert asked_measure("Kế hoạch kéo dài bao nhiêu năm?") == "nam"


def test_words_after_bao_nhieu_that_count_nothing_are_no_measure():
    # "đạt bao nhiêu sau khi ..." asks for a figure, "sau" is not what is counted.
    assert asked_measure("tổng số trạm 5G sẽ đạt bao nhiêu sau khi đầu tư mới và chuyển đổi?") is None
    assert asked_measure("bao nhiêu mới 5G Viettel xây dựng") is None
    assert asked_measure("Cắt giảm bao nhiêu phần trăm thời gian?") is None


def test_a_count_of_something_else_is_not_the_value_asked_for():
    statement = "Tổng số trạm BTS 3G/4G trong các KCN đã đi vào hoạt động là 87 trạm."
    assert answer_kind("Nghệ An hiện có bao nhiêu khu công nghiệp đang đi vào hoạt động?") == "number"
    assert kind_match("number", statement, measure="khu") == 0
    assert kind_match("number", statement, measure="tram") == 1


def test_a_name_after_bao_nhieu_is_no_measure():
    # The English rendering puts the place first: "bao nhiêu Hà Tĩnh cắt giảm viên chức ...".
    assert asked_measure("bao nhiêu Hà Tĩnh cắt giảm viên chức chỉ tiêu biên chế 2023") is None
    assert asked_measure("BAO NHIÊU NGÀY LÀM VIỆC") == "ngay lam viec"


def test_a_list_items_own_number_is_no_value():
    assert kind_match("number", "6. Số thành viên Hội đồng vắng mặt.........người") == 0
    assert kind_match("number", "6. Số thành viên Hội đồng vắng mặt: 3 người") == 1


def test_bao_gio_asks_for_a_date():
    assert answer_kind("Sân bay Long Thành bao giờ đi vào khai thác?") == "date"


def test_a_cited_documents_date_is_no_answer_to_when():
    assert kind_match("date", "(Kèm theo Kế hoạch số 157/KH-UBND ngày 18 tháng 11 năm 2025 của UBND thành phố)") == 0
    assert kind_match("date", "Đợt 01: từ ngày 20 tháng 11 năm 2025 đến ngày 03 tháng 12 năm 2025") == 1


def test_no_statement_runs_from_a_signature_into_an_appendix():
    text = "CHỦ TỊCH\nPHÓ CHỦ TỊCH\nNguyễn Thị Ngọc Điệp\n\n\n\nPHỤ LỤC\n\nTHANG ĐIỂM THI ĐUA\n"
    parts = split("x.txt", text, 0, len(text))
    assert [p.text for p in parts] == ["CHỦ TỊCH\nPHÓ CHỦ TỊCH\nNguyễn Thị Ngọc Điệp", "PHỤ LỤC\n\nTHANG ĐIỂM THI ĐUA"]
    assert all(text[p.start : p.end] == p.text for p in parts)
