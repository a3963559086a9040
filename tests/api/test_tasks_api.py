"""GET /api/tasks: the tasks table as JSON and CSV, filters and errors, on real excerpts and the real index."""

from __future__ import annotations

import csv
import io

import pytest

from assistant.documents.pipeline import parse_document
from assistant.documents.read import RawText
from assistant.tables.tasks import tasks_table
from assistant.text.fold import fold
from tests.api.conftest import assert_error
from tests.api.test_messages import assert_vietnamese
from tests.api_double import OCR_SOURCE, make_engine

TASK_SOURCE = "002_ke_hoach_cds.md"
# A portal plan's "Phân công nhiệm vụ" (units as headings, lines wrapped mid-sentence) and its task appendix
# (cells on lines of their own between "|" lines). The first row's product cell is a spreadsheet formula, as a
# hostile or careless file could hold.
TASK_TEXT = """**III. PHÂN CÔNG NHIỆM VỤ**

**1. Công an tỉnh**

- Chủ trì, phối hợp với các cơ quan, đơn vị có liên
quan tham mưu Chủ tịch UBND tỉnh kiện toàn Ban Chỉ đạo bảo vệ bí mật nhà nước trên
địa bàn tỉnh.

**2. Sở Nội vụ**

Chủ trì, phối hợp với các sở, ngành, đơn vị có liên
quan nghiên cứu tích hợp nội dung bài giảng về công tác bảo vệ bí mật nhà nước.

**Nơi nhận:**
- Sở Nội vụ;
- Lưu: VT.

**PHỤ LỤC**

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
**Sản phẩm**
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
=HYPERLINK("http://example.invalid","Báo cáo")
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
Quyết định khen thưởng
|
"""


@pytest.fixture()
def engine():
    """The in-memory engine plus a plan that assigns tasks, with the tasks table the real engine keeps."""
    e = make_engine()
    doc, reading = parse_document(RawText(TASK_SOURCE, TASK_TEXT, "md", "utf-8"), restore_ocr=False)
    e.index.documents[TASK_SOURCE] = doc
    e.index.restorations[TASK_SOURCE] = reading  # the clean view of the markup, as the real index keeps it
    e.tasks = tasks_table(e.index)
    return e


def _words(text: str) -> str:
    return " ".join(fold(text).split())


def _leads(rows: list[dict]) -> list[str | None]:
    return [r["lead"] for r in rows]


def test_tasks_json_fields_and_exact_spans(client, engine):
    body = client.get("/api/tasks").json()
    assert set(body) == {"tasks", "units"}
    rows = body["tasks"]
    # Not the recipients under "Nơi nhận".
    assert _leads(rows) == ["Công an tỉnh", "Sở Nội vụ", "Sở KH&CN", "Sở Nội vụ"]
    assert body["units"] == ["Công an tỉnh", "Sở KH&CN", "Sở Nội vụ"]
    for r in rows:
        assert engine.index.documents[r["source"]].text[r["start"]:r["end"]] == r["text"]
    first_row = next(r for r in rows if r["kind"] == "table")
    cell = "Triển khai đánh giá mức độ\nchuyển đổi số trong các doanh nghiệp trên địa bàn Tỉnh."
    assert first_row["text"] == cell
    assert first_row["content"] == first_row["text"].replace("\n", " ")  # the readable wording, one line
    assert (first_row["partners"], first_row["deadline"]) == ("Các sở, ban, ngành tỉnh; UBND các xã, phường",
                                                              "Thường xuyên")
    assert first_row["section"].endswith("I. NÂNG CAO NHẬN THỨC VÀ ĐỔI MỚI TƯ DUY")
    assert rows[-1]["product"] == "Quyết định khen thưởng"
    police = rows[0]
    assert police["kind"] == "prose" and police["partners"] == "các cơ quan, đơn vị có liên quan"
    assert police["section"].endswith("1. Công an tỉnh") and police["deadline"] is None


def test_tasks_filters_by_document_and_unit(client):
    assert client.get("/api/tasks", params={"doc": OCR_SOURCE}).json()["tasks"] == []
    assert len(client.get("/api/tasks", params={"doc": TASK_SOURCE}).json()["tasks"]) == 4
    # Lead or coordinating unit, typed without diacritics, in other case, with other spacing.
    home = client.get("/api/tasks", params={"unit": "SO NOI  VU"}).json()["tasks"]
    assert [(r["kind"], r["lead"]) for r in home] == [("prose", "Sở Nội vụ"), ("table", "Sở Nội vụ")]
    science = client.get("/api/tasks", params={"unit": "sở kh&cn"}).json()["tasks"]
    assert _leads(science) == ["Sở KH&CN", "Sở Nội vụ"]  # leads the first row, coordinates the second
    assert _leads(client.get("/api/tasks", params={"unit": "an tỉnh"}).json()["tasks"]) == ["Công an tỉnh"]
    assert client.get("/api/tasks", params={"unit": "ông an"}).json()["tasks"] == []  # whole words only
    assert client.get("/api/tasks", params={"unit": "Sở Tư pháp"}).json()["tasks"] == []
    both = client.get("/api/tasks", params={"doc": TASK_SOURCE, "unit": "so noi vu"}).json()
    assert both["tasks"] == home and "Công an tỉnh" in both["units"]  # the suggestions stay all units
    assert len(client.get("/api/tasks", params={"unit": "  "}).json()["tasks"]) == 4


def test_tasks_errors(client):
    err = assert_error(client.get("/api/tasks", params={"doc": "nope.txt"}), 404, "not_found")
    assert_vietnamese(err)
    assert "nope.txt" in err["message"] and "/api/documents" in err["hint"]
    assert_error(client.get("/api/tasks", params={"format": "xml"}), 422, "invalid_request")
    assert_error(client.get("/api/tasks", params={"unit": "x" * 201}), 422, "invalid_request")


def test_tasks_csv_neutralised(client):
    resp = client.get("/api/tasks", params={"format": "csv"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    assert 'filename="nhiem-vu.csv"' in resp.headers["content-disposition"]
    assert resp.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(resp.text.lstrip("\ufeff"))))
    assert list(rows[0]) == ["source", "kind", "content", "lead", "partners", "deadline", "product",
                             "section", "start", "end", "text"]
    json_rows = client.get("/api/tasks").json()["tasks"]
    assert [(r["source"], int(r["start"])) for r in rows] == [(r["source"], r["start"]) for r in json_rows]
    assert [v for row in rows for v in row.values() if v[:1] in ("=", "+", "-", "@")] == []
    assert rows[2]["product"] == "'" + json_rows[2]["product"] and json_rows[2]["product"].startswith("=")
    assert rows[2]["text"] == json_rows[2]["text"]  # multi-line cells survive the round trip
    filtered = client.get("/api/tasks", params={"format": "csv", "unit": "cong an tinh"}).text
    assert len(list(csv.DictReader(io.StringIO(filtered.lstrip("\ufeff"))))) == 1


def test_tasks_schema_is_typed(client):
    op = client.get("/openapi.json").json()["paths"]["/api/tasks"]["get"]
    ok = op["responses"]["200"]["content"]
    assert ok["application/json"]["schema"]["$ref"].endswith("/TasksResponse") and "text/csv" in ok
    assert {p["name"] for p in op["parameters"]} == {"doc", "unit", "format"}


@pytest.mark.slow
def test_tasks_of_the_real_index():
    from fastapi.testclient import TestClient

    from assistant.api.app import create_app
    from tests.live_server import real_engine_and_settings

    real, settings = real_engine_and_settings()
    with TestClient(create_app(settings, real)) as c:
        body = c.get("/api/tasks").json()
        assert len(body["tasks"]) == len(real.tasks) >= 50
        for r in body["tasks"]:
            assert real.index.documents[r["source"]].text[r["start"]:r["end"]] == r["text"]
        assert {r["kind"] for r in body["tasks"]} == {"table", "prose"}
        lead = body["units"][0]
        led = c.get("/api/tasks", params={"unit": lead.upper()}).json()["tasks"]
        assert led and all(_words(lead) in _words(f"{r['lead']} | {r['partners']}") for r in led)
        assert len(led) >= sum(r["lead"] == lead for r in body["tasks"])
        source = body["tasks"][0]["source"]
        one = c.get("/api/tasks", params={"doc": source}).json()["tasks"]
        assert one == [r for r in body["tasks"] if r["source"] == source]
        text = c.get("/api/tasks", params={"format": "csv"}).text.lstrip("\ufeff")
        assert len(list(csv.DictReader(io.StringIO(text)))) == len(body["tasks"])
