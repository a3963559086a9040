"""Auditor endpoints against the in-memory engine: legal references, the targets table and its CSV export."""

from __future__ import annotations

import csv
import io

import pytest

from assistant.api.routes_auditor import csv_cell
from tests.api.conftest import assert_error
from tests.api_double import CLEAN_SOURCE, OCR_SOURCE


def test_legal_refs_rows_counts_and_cited_by(client, engine):
    body = client.get("/api/legal-refs").json()
    assert set(body) == {"rows", "counts", "inconsistencies"}
    cited = [r for r in body["rows"] if not r["own"]]
    numbers = {r["number"] for r in cited}
    assert {"10316/KH-UBND", "06/CT-UBND"} <= numbers
    text = engine.index.documents[CLEAN_SOURCE].text
    for r in body["rows"]:
        for mention in r["mentions"]:
            assert engine.index.documents[r["source"]].text[mention["start"]:mention["end"]] == mention["text"]
    assert body["counts"]["10316/KH-UBND"]["documents"] == 1
    loose = client.get("/api/legal-refs", params={"cites": "kh 10316"}).json()["rows"]
    assert [(r["source"], r["number"]) for r in loose] == [(CLEAN_SOURCE, "10316/KH-UBND")]
    assert "10316/KH-UBND" in text
    only = client.get("/api/legal-refs", params={"doc": OCR_SOURCE}).json()["rows"]
    assert all(r["source"] == OCR_SOURCE for r in only)
    typed = client.get("/api/legal-refs", params={"type": "Chỉ thị"}).json()["rows"]
    assert [r["number"] for r in typed] == ["06/CT-UBND"]
    assert_error(client.get("/api/legal-refs", params={"doc": "nope.txt"}), 400, "bad_request")


def test_targets_json_filters_and_csv(client, engine):
    body = client.get("/api/targets").json()
    assert set(body["areas"]) == {"TTHC", "chỉ đạo điều hành"} and body["provinces"] == ["Hà Tĩnh", "Khánh Hòa"]
    assert 2023 in body["years"] and 2024 in body["years"]
    for t in body["targets"]:
        assert engine.index.documents[t["source"]].text[t["start"]:t["end"]] == t["text"]
    ocr = [t for t in body["targets"] if t["source"] == OCR_SOURCE]
    minimum = next(t for t in ocr if t["value"] == "70%")
    assert minimum["comparator"] == "tối thiểu" and "số hồ sơ" not in minimum["subject"]
    assert "thủ tục hành chính" in minimum["subject"]  # words from the restored reading, not "thu tuc hanh chinh"
    # The clean plan's target sits under "1. Công tác tuyên truyền": the section names the area.
    staff = client.get("/api/targets", params={"area": "chỉ đạo điều hành"}).json()["targets"]
    # Typed loosely (no diacritics, other case) the filter finds the same rows.
    assert client.get("/api/targets", params={"area": "CHI DAO DIEU HANH"}).json()["targets"] == staff
    assert [(t["source"], t["value"]) for t in staff] == [(CLEAN_SOURCE, "100%")]
    assert staff[0]["subject"].startswith("cán bộ, công chức chấp hành nghiêm kỷ luật")
    assert client.get("/api/targets", params={"year": 2024, "province": "Hà Tĩnh"}).json()["targets"] == []
    assert len(client.get("/api/targets", params={"doc": OCR_SOURCE}).json()["targets"]) == len(ocr)
    csv_resp = client.get("/api/targets", params={"format": "csv", "area": "chỉ đạo điều hành"})
    assert csv_resp.status_code == 200 and csv_resp.headers["content-type"].startswith("text/csv")
    lines = csv_resp.text.lstrip("\ufeff").strip().splitlines()
    assert lines[0].startswith("source,kind,value") and len(lines) == 2 and "cán bộ, công chức" in lines[1]
    assert_error(client.get("/api/targets", params={"format": "xml"}), 422)
    assert_error(client.get("/api/targets", params={"doc": "nope.txt"}), 400)


def test_auditor_page_is_served(client):
    page = client.get("/auditor")
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers
    assert "/auditor.js" in page.text and 'lang="vi"' in page.text
    script = client.get("/auditor.js")
    assert script.status_code == 200 and "innerHTML" not in script.text
    assert client.get("/auditor.css").status_code == 200


@pytest.mark.parametrize(("cell", "safe"), [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
    ("+1+2", "'+1+2"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("- Tiếp tục triển khai", "'- Tiếp tục triển khai"),
    ("-5", "-5"), ("+1.5", "+1.5"), ("70%", "70%"), ("Sở Y tế", "Sở Y tế"), (-5.0, -5.0), (None, None),
])
def test_csv_cell_neutralises_formulas(cell, safe):
    assert csv_cell(cell) == safe


def test_targets_csv_has_no_formula_cells(client):
    # The plans' bullet points start with "- ": a spreadsheet would read "- 100% cán bộ ..." as a formula.
    text = client.get("/api/targets", params={"format": "csv"}).text.lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows
    cells = [v for row in rows for v in row.values()]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    statements = [row["statement"] for row in rows]
    json_rows = client.get("/api/targets").json()["targets"]
    bullets = [t["statement"] for t in json_rows if t["statement"].startswith("-")]
    assert bullets and all("'" + b in statements for b in bullets)  # JSON keeps the text as it is
