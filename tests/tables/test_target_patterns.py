"""Word classes of quantitative targets, run as the extractor runs them: over folded corpus excerpts."""

from __future__ import annotations

import pytest

from assistant.tables import target_patterns as tx
from assistant.text.fold import fold


def first_comparator(before_value: str) -> str | None:
    folded = fold(before_value)
    return next((name for name, rx in tx.COMPARATORS if rx.search(folded)), None)


def area_of(title: str) -> str | None:
    folded = fold(title)
    return next((name for name, rx in tx.AREAS if rx.search(folded)), None)


@pytest.mark.parametrize(("text", "values"), [
    ("công đạt mức trên 90%.", ["90"]),  # corpus/004
    ("ngudi dan vé dich vu y té cong 1ap dat téi thiéu 86 %.", ["86"]),  # corpus/000 as OCR printed it
    ("11 (tỷ lệ 33,3%) cơ quan", ["33,3"]),
    ("tiết kiệm chi phí hành chính với tỷ lệ từ 10% trở lên.", ["10"]),  # corpus/001
    ("Quyết định số 12/2025/QĐ-UBND; 2/3% là lỗi", []),  # a number after a slash is not a percentage
])
def test_percentages(text: str, values: list[str]) -> None:
    assert [m.group(1) for m in tx.PERCENT_RE.finditer(fold(text))] == values


def test_amounts() -> None:
    found = [m.groups() for m in tx.AMOUNT_RE.finditer(fold("du kiến tổng kinh phí 130 triệu đồng; hỗ trợ "
                                                            "1.500.000 đồng/người; 2,5 tỷ; tỷ lệ 5 tỷ lệ"))]
    assert found == [(None, None, "130", "trieu"), ("1.500.000", "dong", None, None), (None, None, "2,5", "ty")]
    assert not tx.AMOUNT_RE.search(fold("đạt 5 tỷ lệ hồ sơ"))  # "tỷ lệ" is a rate, not billions
    assert not tx.AMOUNT_RE.search(fold("Nghị định số 130/2005/NĐ-CP"))  # corpus/000: a symbol, not an amount
    assert not tx.AMOUNT_RE.search(fold("130 triệux"))  # "trieux" is not a unit


@pytest.mark.parametrize(("text", "date"), [
    ("xếp hạng thi đua trước ngày 31 tháng 12 năm 2025.", ("31", "12", "2025")),  # wider/w04
    ("hoàn thành trước 30/6/2024", ("30", "6", "2024")),
    ("báo cáo chậm nhất là ngày 15/8/2025", ("15", "8", "2025")),
])
def test_deadlines(text: str, date: tuple[str, str, str]) -> None:
    m = tx.DEADLINE_RE.search(fold(text))
    assert m is not None
    g = m.groups()
    assert (g[0] or g[3], g[1] or g[4], g[2] or g[5]) == date


def test_a_date_without_a_deadline_word_or_year_is_not_a_deadline() -> None:
    assert not tx.DEADLINE_RE.search(fold("Hà Tĩnh, ngày 05 tháng 01 năm 2023"))
    assert not tx.DEADLINE_RE.search(fold("báo cáo kết quả thực hiện trước ngày 20/11 về Sở"))


def test_counts_and_what_rules_them_out() -> None:
    text = fold("Co it nhat 02 don vi su nghiép cong lap; giảm 60 biên chế; 11 (tỷ lệ 33,3%) cơ quan; 180 trạm")
    assert [(m.group(1), m.group(2)) for m in tx.COUNT_RE.finditer(text)] == [
        ("02", "don vi"), ("60", "bien che"), ("11", "co quan"), ("180", "tram")]
    assert not tx.COUNT_RE.search(fold("5 đơn vịnh"))  # the noun must end at a word boundary
    assert tx.NOT_COUNT_BEFORE.search(fold("Quyết định số ")) and tx.NOT_COUNT_BEFORE.search(fold("ngày "))
    assert tx.NOT_COUNT_BEFORE.search(fold("tỷ "))  # OCR "ty 18 tdi thiéu": "18" is the "lệ" of "tỷ lệ"
    assert not tx.NOT_COUNT_BEFORE.search(fold("hoàn thành "))
    assert tx.COUNT_LEAD.search(fold("có ít nhất ")) and tx.COUNT_LEAD.search(fold("giảm "))


@pytest.mark.parametrize(("before", "comparator"), [
    ("tỷ lệ hài lòng đạt tối thiểu ", "tối thiểu"),
    ("cua SO dat ty 18 tdi thiéu ", "tối thiểu"),  # corpus/000: OCR "tối thiểu"
    ("có ít nhất ", "ít nhất"),
    ("tỷ lệ không vượt quá ", "không quá"),
    ("cắt giảm bình quân ", "giảm"),
    ("sự hài lòng đạt mức ", "đạt"),
    ("với tỷ lệ từ ", "từ … trở lên"),
])
def test_comparators(before: str, comparator: str) -> None:
    assert first_comparator(before) == comparator


def test_at_least_after() -> None:
    assert tx.AT_LEAST_AFTER.match(fold(" trở lên."))
    assert tx.AT_LEAST_AFTER.match(fold(" tr0 lên"))
    assert not tx.AT_LEAST_AFTER.match(fold(" trong năm"))


@pytest.mark.xfail(strict=True, reason="product bug: AT_LEAST_AFTER's 'l[eéê1]n' wants an 'l' first, so the OCR "
                                       "spelling its own comment names ('trd 1én', folded 'trd 1en') never matches")
def test_at_least_after_reads_the_ocr_spelling_of_corpus_000() -> None:
    assert tx.AT_LEAST_AFTER.match(fold(" trd 1én."))


@pytest.mark.parametrize(("title", "area"), [
    ("Nâng cao Chỉ số hài lòng của người dân (SIPAS)", "hài lòng"),
    ("2. Cải cách thủ tục hành chính", "TTHC"),
    ("Cải cách tổ chức bộ máy hành chính nhà nước", "tổ chức bộ máy"),
    ("Cải cách chế độ công vụ", "công vụ"),
    ("Cải cách tài chính công", "tài chính công"),
    ("Xây dựng và phát triển Chính quyền điện tử, Chính quyền số", "chính quyền điện tử/số"),
    ("Công tác chỉ đạo, điều hành", "chỉ đạo điều hành"),
    ("Cải cách thể chế", "thể chế"),
    ("Phụ lục", None),
])
def test_areas_most_specific_first(title: str, area: str | None) -> None:
    assert area_of(title) == area


def test_statement_starts_and_clause_breaks() -> None:
    text = fold("Mục tiêu:\n- Tỷ lệ 100%;\n2. Cải cách\na) Rà soát\n3.1. Số hóa\nIV. TỔ CHỨC")
    starts = [text[m.end():].split()[0] for m in tx.STATEMENT_START.finditer(text)]
    assert starts == ["ty", "cai", "ra", "so", "to"]
    assert [m.group(0) for m in tx.CLAUSE_BREAK.finditer(fold("a; b: c. d (2) e trong đó, f"))] == [
        ";", ":", ".", "(2)", "trong do,"]


def test_subject_boundaries() -> None:
    assert tx.NOT_SUBJECT_START.match(fold("theo quy định"))
    assert tx.NOT_SUBJECT_START.match(fold("so với năm 2023"))
    assert not tx.NOT_SUBJECT_START.match(fold("hồ sơ TTHC"))
    assert not tx.NOT_SUBJECT_START.match(fold("văn bản"))  # "và" only as a whole word
    assert tx.RANGE_AFTER.match(fold(" - 95%"))
    assert tx.RANGE_AFTER.match(fold(" đến 100 %"))
    assert tx.PAREN_CLOSE.match(" )")
    m = tx.VERB_BEFORE.search(fold("Mức độ hài lòng của người dân đạt tối thiểu"))
    assert m is not None and m.group(0).strip() == "dat"
    assert tx.LEAD_WORDS.sub("", fold("- Phấn đấu đảm bảo 100% hồ sơ")) == "100% ho so"
    assert tx.TRAIL_WORDS.sub("", fold("hồ sơ giải quyết đúng hạn đạt tỷ lệ tối thiểu")) == "ho so giai quyet dung han"
    assert tx.SUBJECT_STOP.search(fold("hồ sơ trực tuyến so với năm 2023"))


def test_years_and_baselines() -> None:
    m = tx.YEAR_RANGE.search(fold("Hóa giai đoạn 2020-2025."))
    assert m is not None and m.group(1, 2) == ("2020", "2025")
    m = tx.YEAR_RANGE.search(fold("đến năm 2030"))
    assert m is not None and m.group(3) == "2030"
    assert tx.BASELINE.search(fold("giảm 10% so với năm "))
    assert not tx.BASELINE.search(fold("giảm 10% trong năm "))
