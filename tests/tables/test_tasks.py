"""Tasks as data on short real excerpts: prose assignments, a portal table, a PDF-text table, OCR text."""

from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

import pytest

from assistant.documents.pipeline import parse_document
from assistant.documents.read import RawText, read_file
from assistant.documents.structure import build_tree
from assistant.evaluation.tasks import GOLD, same, score
from assistant.tables.task_rows import column_kinds
from assistant.tables.tasks import Task, extract_tasks, tasks_table
from assistant.types import Document, Metadata
from tests.api_double import aligned_restoration
from tests.conftest import ROOT, corpus_file

WIDER = ROOT.parent / "shared" / "evals" / "wider" / "docs"

# A "Phân công nhiệm vụ" section of a 2025 portal plan as saved (bold headings, lines wrapped mid-sentence).
PROSE = """**III. PHÂN CÔNG NHIỆM VỤ**

**1. Công an tỉnh**

- Chủ trì, phối hợp với các cơ quan, đơn vị có liên
quan tham mưu Chủ tịch UBND tỉnh kiện toàn Ban Chỉ đạo bảo vệ bí mật nhà nước trên
địa bàn tỉnh.

- Tăng cường tổ chức tập huấn, bồi dưỡng về công
tác bảo vệ bí mật nhà nước cho cán bộ, chiến sỹ trong Công an tỉnh.

**2. Sở Nội vụ**

Chủ trì, phối hợp với các sở, ngành, đơn vị có liên
quan nghiên cứu tích hợp nội dung bài giảng về công tác bảo vệ bí mật nhà nước.

**IV. TỔ CHỨC THỰC HIỆN**

**1.** Căn cứ kế hoạch này, Giám đốc các Sở, Thủ
trưởng các ngành, UBND các xã, phường xây dựng kế hoạch cụ thể để triển khai thực hiện.

2. Giao Văn phòng Sở chủ trì, phối hợp với các phòng, ban liên quan theo dõi, đôn đốc
việc triển khai Kế hoạch này; thời gian hoàn thành: trước 30/6/2025.

Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các đơn vị phản ánh về Văn phòng Sở./.

**Nơi nhận:**
- Sở Nội vụ;
- Lưu: VT.
"""

# A task appendix of a portal plan: cells on lines of their own between "|" lines, a group row, two rows.
PORTAL_TABLE = """**PHỤ LỤC**

DANH MỤC CÁC NHIỆM VỤ TRỌNG TÂM

|
**STT**
|
**Tên nhiệm vụ**
|
**Cơ quan chủ trì**
|
**Cơ quan phối hợp**
|
**Thời gian hoàn thành**
|
|
**I.
NÂNG CAO NHẬN THỨC VÀ ĐỔI MỚI TƯ DUY**
|
|
1
|
Triển khai đánh giá mức độ
chuyển đổi số trong các doanh nghiệp trên địa bàn Tỉnh.
|
Sở KH&CN
|
Các sở, ban, ngành tỉnh; UBND các xã, phường
|
Thường xuyên
|
|
2
|
Biểu dương, tôn vinh, khen
thưởng, khích lệ, động viên kịp thời cho các doanh nghiệp có thành tích trong chuyển đổi số.
|
Sở Nội vụ
|
Sở KH&CN; các cơ quan, đơn vị liên quan
|
Thường xuyên, hằng năm
|
"""

# The task appendix of corpus/004 (PDF text): each cell wrapped onto its own lines, cells in column order.
PDF_TABLE = (
    "Nhiệm vụ \n\nchung \nNhiệm vụ cụ thể Sản phẩm \n\nCơ quan chủ \n\ntrì \n"
    "Cơ quan phối hợp \n\nThời gian \n\nthực hiện \n\nI. Cải \n\ncách thể \n\nchế \n\n"
    "1. Thực hiện quản lý văn bản đi theo thể \n\nthức quy định \n\n100% văn bản đi \n\n"
    "đúng thể thức quy \n\nđịnh \n\nVăn phòng Sở \nCác phòng, ban cơ quan \n\n"
    "Sở; các đơn vị trực thuộc \n\nThường \n\nxuyên \n\n"
    "2. Tổ chức tuyên truyền phổ biến giáo dục \n\npháp luật (Các văn bản QPPL, Quyết định, "
    "\n\ncông văn chỉ đạo, điều hành của ngành... \n\nđược đăng tải trên Website Sở) \n\n"
    "Các văn bản QPPL \n\nđược đăng tải trên \n\ntrang thông tin điện \n\ntử của Sở \n\n"
    "Văn phòng Sở \nCác phòng, ban cơ quan \n\nSở; các đơn vị trực thuộc \n\nThường \n\n"
    "xuyên \n\n3. Phối hợp với Sở Tư pháp tham mưu cho \n\n"
    "UBND tỉnh ban hành các văn bản QPPL về \n\nlĩnh vực y tế \n\nVăn bản QPPL được \n\n"
    "ban hành \n\nCác phòng, ban \n\ncơ quan Sở; \n\ncác đơn vị trực \n\nthuộc được \n\n"
    "giao  \n\nVăn phòng Sở Trong năm \n\n"
)

# corpus/000 (OCR, no diacritics) and its restored reading, token for token.
OCR_LINES = [
    ("V.TO CHUC THUC HIEN.", "V.TỔ CHỨC THỰC HIỆN."),
    ("", ""),
    ("1. Thu truéng cac don vi truc thugce.", "1. Thủ trưởng các đơn vị trực thuộc."),
    ("", ""),
    ("- T chirc cac cude tlep cong dan hang thang theo quy dinh.",
     "- Tổ chức các cuộc tiếp công dân hằng tháng theo quy định."),
    ("", ""),
    ("3. Trung tim Kiém soat bénh tat tinh.", "3. Trung tâm Kiểm soát bệnh tật tỉnh."),
    ("", ""),
    ("- P6i moi, da dang hoa cac chuyen dé, tin ttc CCHC; chu dong phdi hop",
     "- Đổi mới, đa dạng hóa các chuyên đề, tin tức CCHC; chủ động phối hợp"),
    ("V@i cac phong chuyén mén S¢, cac don vi tryc thude dé kip thoi cép nhat tin tirc",
     "Với các phòng chuyên môn Sở, các đơn vị trực thuộc để kịp thời cập nhật tin tức"),
    ("vé cong tac CCHC.", "về công tác CCHC."),
    ("", ""),
    ("Noi nhan:", "Nơi nhận:"),
    ("- SO Noi vy;", "- Sở Nội vụ;"),
]

# corpus/001 (portal Markdown): items of a block, then its labelled time and unit.
LABELLED = """## **2. Công tác chỉ đạo, điều hành CCHC**

a) *Giải pháp:*

- Xây dựng, tổ chức triển khai thực hiện 100% nhiệm vụ của Kế hoạch CCHC năm 2024 theo đúng tiến độ.

- Khuyến khích các phòng, đơn vị có sáng kiến trong CCHC.

b) *Thời gian thực hiện:* Năm 2024

c) *Đơn vị thực hiện:* Phòng Tổ chức – Hành chính chủ trì, phối hợp với các phòng, Thanh tra Sở để \
triển khai thực hiện.

## **3. Cải cách thể chế**
"""


def _parsed(text: str, source: str = "x.md") -> tuple[Document, object]:
    return parse_document(RawText(source, text, "md" if source.endswith(".md") else "txt", "utf-8"),
                          restore_ocr=False)


def _assert_spans(doc: Document, tasks: list[Task]) -> None:
    for t in tasks:
        assert t.source == doc.source and 0 <= t.start < t.end <= len(doc.text)
        original = doc.text[t.start:t.end]
        assert original == original.strip()


def _by_lead(tasks: list[Task], lead: str) -> list[Task]:
    return [t for t in tasks if t.lead == lead]


def test_prose_units_as_headings_subjects_and_giao():
    doc, reading = _parsed(PROSE)
    tasks = extract_tasks(doc, reading)
    _assert_spans(doc, tasks)
    heads = "Giám đốc các Sở, Thủ trưởng các ngành, UBND các xã, phường"
    assert [t.lead for t in tasks] == ["Công an tỉnh", "Công an tỉnh", "Sở Nội vụ", heads, "Văn phòng Sở"]
    first = tasks[0]
    assert first.partners == "các cơ quan, đơn vị có liên quan" and first.kind == "prose"
    assert first.content.startswith("Chủ trì, phối hợp với các cơ quan, đơn vị có liên quan tham mưu")
    original = doc.text[first.start:first.end]
    assert original.startswith("Chủ trì, phối hợp với các cơ quan, đơn vị có liên\nquan")
    assert first.section == "III. PHÂN CÔNG NHIỆM VỤ > 1. Công an tỉnh"
    assert tasks[1].partners is None and tasks[2].partners == "các sở, ngành, đơn vị có liên quan"
    giao = tasks[-1]
    assert (giao.partners, giao.deadline) == ("các phòng, ban liên quan", "trước 30/6/2025")
    # The closing formula and the recipients (Nơi nhận) assign nothing.
    assert not any("khó khăn" in t.content or t.lead == "Sở Nội vụ;" for t in tasks)


def test_portal_table_rows_by_header_words():
    doc, reading = _parsed(PORTAL_TABLE)
    tasks = extract_tasks(doc, reading)
    _assert_spans(doc, tasks)
    assert [t.kind for t in tasks] == ["table", "table"]
    first, second = tasks
    cell = "Triển khai đánh giá mức độ\nchuyển đổi số trong các doanh nghiệp trên địa bàn Tỉnh."
    assert doc.text[first.start:first.end] == cell and first.content == cell.replace("\n", " ")
    partners = "Các sở, ban, ngành tỉnh; UBND các xã, phường"
    assert (first.lead, first.partners, first.deadline) == ("Sở KH&CN", partners, "Thường xuyên")
    assert second.lead == "Sở Nội vụ" and second.deadline == "Thường xuyên, hằng năm"
    assert first.section.endswith("I. NÂNG CAO NHẬN THỨC VÀ ĐỔI MỚI TƯ DUY")


def test_column_names_decide_the_columns():
    assert column_kinds("STT") == ("index",)
    assert column_kinds("Nhiệm vụ, giải pháp") == ("content",)
    assert column_kinds("Đơn vị thực hiện") == ("lead",)
    assert column_kinds("Cơ quan phối hợp") == ("partners",)
    assert column_kinds("Thời gian thực hiện") == ("deadline",)  # not the "thực hiện" of a lead column
    assert column_kinds("Sản phẩm đầu ra") == ("product",)
    assert column_kinds("Nhiệm vụ chung Nhiệm vụ cụ thể Sản phẩm Cơ quan chủ trì Cơ quan phối hợp Thời gian "
                        "thực hiện") == ("group", "content", "product", "lead", "partners", "deadline")


def test_pdf_text_table_cells_split_by_column():
    doc = Document("004.txt", PDF_TABLE, "0" * 64, "txt", "utf-8", Metadata(), build_tree(PDF_TABLE))
    tasks = extract_tasks(doc, None)
    _assert_spans(doc, tasks)
    assert len(tasks) == 3 and {t.kind for t in tasks} == {"table"}
    first, second, third = tasks
    assert first.content == "Thực hiện quản lý văn bản đi theo thể thức quy định"  # the row number dropped
    assert (first.product, first.lead, first.deadline) == ("100% văn bản đi đúng thể thức quy định",
                                                           "Văn phòng Sở", "Thường xuyên")
    assert first.partners == "Các phòng, ban cơ quan Sở; các đơn vị trực thuộc"
    assert second.product == "Các văn bản QPPL được đăng tải trên trang thông tin điện tử của Sở"
    # Lead and partners swap here, the deadline shares a line with the partners: the columns still decide.
    assert third.lead == "Các phòng, ban cơ quan Sở; các đơn vị trực thuộc được giao"
    assert (third.partners, third.deadline) == ("Văn phòng Sở", "Trong năm")
    assert third.section.endswith("I. Cải cách thể chế")


def test_pdf_text_table_of_the_bundled_plan():
    document, reading = parse_document(read_file(corpus_file("004")))
    table = [t for t in extract_tasks(document, reading) if t.kind == "table"]
    _assert_spans(document, table)
    assert len(table) == 32
    one_stop = next(t for t in table if t.content.startswith("Đẩy mạnh việc giải quyết TTHC"))
    assert one_stop.lead == ("Văn phòng Sở phối hợp bộ phận tiếp nhận Sở Y tế tại Trung tâm hành chính công; "
                             "bộ phận một cửa tại đơn vị.")
    assert one_stop.product == "Báo cáo kết quả thực hiện"
    finance = next(t for t in table if t.content.startswith("Kiện toàn quy chế"))  # after a page break
    assert (finance.lead, finance.partners, finance.deadline) == ("Phòng KHTC", None, "Quý I/2021")
    assert finance.section.endswith("V. Cải cách tài chính công")
    assert next(t for t in table if t.content.startswith("Kiểm tra đánh giá")).deadline == "Quý III/ Quý IV"


def test_ocr_prose_reads_restored_words_and_points_into_the_original():
    text, restoration = aligned_restoration(OCR_LINES)
    doc = Document("000.txt", text, "0" * 64, "txt", "utf-8", Metadata(), build_tree(text), True)
    tasks = extract_tasks(doc, restoration)
    _assert_spans(doc, tasks)
    leads = ["Thủ trưởng các đơn vị trực thuộc", "Trung tâm Kiểm soát bệnh tật tỉnh"]
    assert [t.lead for t in tasks] == leads
    meeting, news = tasks
    assert meeting.content == "Tổ chức các cuộc tiếp công dân hằng tháng theo quy định."
    assert doc.text[meeting.start:meeting.end] == "T chirc cac cude tlep cong dan hang thang theo quy dinh."
    assert meeting.section == "V.TỔ CHỨC THỰC HIỆN. > 1. Thủ trưởng các đơn vị trực thuộc."
    assert news.partners == "các phòng chuyên môn Sở, các đơn vị trực thuộc"
    assert doc.text[news.start:news.end].endswith("vé cong tac CCHC.")


def test_labelled_unit_and_time_apply_to_the_items_of_their_block():
    doc, reading = _parsed(LABELLED)
    tasks = extract_tasks(doc, reading)
    _assert_spans(doc, tasks)
    assert [t.content[:20] for t in tasks] == ["Xây dựng, tổ chức tr", "Khuyến khích các phò"]
    for t in tasks:
        assert (t.lead, t.partners, t.deadline) == ("Phòng Tổ chức – Hành chính", "các phòng, Thanh tra Sở",
                                                    "Năm 2024")


def test_closing_request_is_a_task_only_with_a_deadline():
    base = "**V. TỔ CHỨC THỰC HIỆN**\n\n**1. Sở Y tế**\n\n- Tổng hợp, báo cáo kết quả.\n\n"
    with_deadline = ("Ủy ban nhân dân Thành phố yêu cầu các Sở, ban, ngành Thành phố nghiêm túc triển "
                     "khai; định kỳ trước ngày 30 tháng 11 hàng năm báo cáo kết quả về UBND Thành phố./.\n")
    exhortation = ("Ủy ban nhân dân tỉnh yêu cầu các sở, ban, ngành triển khai kịp thời, hiệu quả "
                   "Kế hoạch./.\n")
    tasks = extract_tasks(*_parsed(base + with_deadline))
    assert [(t.lead, t.deadline) for t in tasks][-1] == ("các Sở, ban, ngành Thành phố",
                                                         "trước ngày 30 tháng 11 hàng năm")
    assert [t.lead for t in extract_tasks(*_parsed(base + exhortation))] == ["Sở Y tế"]


def test_items_of_nhiem_vu_sections_naming_no_unit_are_not_tasks():
    text = ("II. NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH\n\n1. Cải cách thể chế\n\n- Tổ chức rà soát, hệ thống "
            "hóa văn bản quy phạm pháp luật.\n\n- Rà soát đơn giản hóa TTHC (Văn phòng Sở chủ trì; "
            "thời gian: Quý II/2025).\n")
    doc = Document("x.txt", text, "0" * 64, "txt", "utf-8", Metadata(), build_tree(text))
    tasks = extract_tasks(doc, None)
    assert [(t.lead, t.deadline) for t in tasks] == [("Văn phòng Sở", "Quý II/2025")]  # in parentheses


def test_tasks_table_over_an_index():
    a, ra = _parsed(PROSE, "a.md")
    text, restoration = aligned_restoration(OCR_LINES)
    b = Document("b.txt", text, "0" * 64, "txt", "utf-8", Metadata(), build_tree(text), True)
    table = tasks_table(SimpleNamespace(documents={"b.txt": b, "a.md": a},
                                        restorations={"a.md": ra, "b.txt": restoration}))
    assert [t.source for t in table] == sorted(t.source for t in table)
    assert {t.source for t in table} == {"a.md", "b.txt"}
    assert set(table[0].to_dict()) == {"source", "start", "end", "content", "lead", "partners", "deadline",
                                       "product", "section", "kind"}


def test_field_comparison_and_scoring_can_fail():
    assert same("lead", "Sở Khoa học và Công nghệ", "sở khoa học và công nghệ")
    assert not same("lead", "Sở Khoa học và Công nghệ", "Sở Nội vụ")
    assert same("lead", "Các doanh nghiệp viễn thông", "Doanh nghiệp viễn thông, tổ chức",
                ["Doanh nghiệp viễn thông, tổ chức"])
    assert same("deadline", "định kỳ hằng quý, 6 tháng và năm", "hằng quý, 6 tháng và năm")
    assert not same("deadline", "Trong năm", None) and same("partners", None, "")
    doc, reading = _parsed(PROSE)
    predicted = {"x.md": extract_tasks(doc, reading)}
    start = PROSE.index("- Tăng cường tổ chức tập huấn")
    gold = {"source": "x.md", "kind": "prose", "evidence": "- Tăng cường", "lead": "Công an tỉnh",
            "partners": None, "deadline": None, "start": start, "end": start + 12}
    good = score([gold], predicted)["overall"]
    assert (good["recall"], good["lead_accuracy"], good["matched"]) == (1.0, 1.0, 1)
    assert good["precision"] == pytest.approx(1 / len(predicted["x.md"]))
    wrong = score([{**gold, "lead": "Sở Nội vụ"}], predicted)["overall"]
    assert wrong["lead_accuracy"] == 0.0
    missed = score([{**gold, "start": 0, "end": 5}], predicted)["overall"]  # the title, not a task
    assert missed["recall"] == 0.0


def test_cli_neutralises_formulas_in_csv_and_refuses_two_formats():
    from assistant.cli.tables import csv_safe as _csv_safe

    assert _csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _csv_safe("-1") == "'-1"
    assert _csv_safe("@x") == "'@x" and _csv_safe("+7") == "'+7" and _csv_safe("Sở Y tế") == "Sở Y tế"
    assert _csv_safe(12) == 12 and _csv_safe(None) is None
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "tasks", "--json", "--csv"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and out.stderr.strip() == "error: choose one of --json and --csv"


@pytest.mark.slow
@pytest.mark.skipif(not WIDER.is_dir(), reason="../shared/evals/wider is not beside this checkout")
def test_annotated_tasks_are_found_with_their_lead_and_deadline(tmp_path):
    from assistant.evaluation.tasks import run, write_report

    report = run(GOLD)
    o = report["overall"]
    assert o["gold"] == sum(1 for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip())
    assert o["precision"] >= 0.95 and o["recall"] >= 0.95
    assert o["lead_accuracy"] >= 0.95 and o["deadline_accuracy"] >= 0.95
    write_report(report, tmp_path)
    saved = json.loads((tmp_path / "tasks_report.json").read_text(encoding="utf-8"))
    assert saved["overall"] == o
    assert "development figures" in (tmp_path / "tasks_report.md").read_text("utf-8")
