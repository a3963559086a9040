"""The words of a citation's restored reading that OCR restoration is unsure of, with their OCR spelling."""

from __future__ import annotations

from tests.api.conftest import QUESTION
from tests.api.test_app import sse_events
from tests.api_double import CLEAN_SOURCE, OCR_SOURCE


def test_ocr_citation_carries_its_unsure_words(client, engine) -> None:
    body = client.post("/api/ask", json={"question": QUESTION}).json()
    first = body["citations"][0]
    assert first["source"] == OCR_SOURCE
    reading = first["reading"]
    # the double marks "18" (read "lệ") and "nhan;" (read "nhận;"): spans of the reading, punctuation left out
    words = [(reading[u["start"]:u["end"]], u["ocr"]) for u in first["unsure"]]
    assert words == [("lệ", "18"), ("nhận", "nhan")]
    for u in first["unsure"]:
        assert u["ocr"] in first["quote"]


def test_clean_citation_has_no_unsure_words(client) -> None:
    body = client.post("/api/ask", json={"question": "cải cách hành chính", "filters": {"province": "Khánh Hòa"}})
    citations = body.json()["citations"]
    assert citations and all(c["source"] == CLEAN_SOURCE and c["unsure"] == [] for c in citations)


def test_streamed_citations_carry_unsure_words(client) -> None:
    r = client.post("/api/ask/stream", json={"question": QUESTION})
    (citations,) = [data for event, data in sse_events(r.text) if event == "citations"]
    assert [u["ocr"] for u in citations[0]["unsure"]] == ["18", "nhan"]


def test_schema_types_the_unsure_words(client) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    field = schemas["CitationOut"]["properties"]["unsure"]
    assert field["type"] == "array" and field["items"] == {"$ref": "#/components/schemas/UnsureWordOut"}
    word = schemas["UnsureWordOut"]
    assert set(word["required"]) == {"start", "end", "ocr"}
    assert word["properties"]["start"]["type"] == "integer" and word["properties"]["ocr"]["type"] == "string"
