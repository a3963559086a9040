"""HTTP API against a small in-memory engine (real corpus excerpts): every endpoint and the error shape."""

from __future__ import annotations

import json
import sqlite3

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from tests.api.conftest import QUESTION, assert_error
from tests.api_double import CLEAN_SOURCE, OCR_SOURCE, make_engine


def sse_events(text: str) -> list[tuple[str, object]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_health_and_ready(client):
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["documents"] == 2 and ready.json()["chunks"] > 2
    # which build is served, whether a newer one waits, and the files the build left out with their reasons
    assert ready.json()["build"] == "test-build" and ready.json()["newer_build"] is None
    assert ready.json()["skipped"] == [{"source": "bad.txt", "reason": "bad.txt: not UTF-8 text"}]


def test_not_ready_until_engine_loaded(settings):
    # Without entering the lifespan no loader starts: the state is "still loading".
    client = TestClient(create_app(settings), raise_server_exceptions=False)
    assert client.get("/healthz").status_code == 200
    assert_error(client.get("/readyz"), 503, "not_ready")
    assert_error(client.post("/api/ask", json={"question": QUESTION}), 503, "not_ready")


def test_ask_returns_cited_answer(client, engine):
    r = client.post("/api/ask", json={"question": QUESTION})
    assert r.status_code == 200, r.text
    body = r.json()
    assert not body["abstained"] and body["id"] and body["conversation_id"]
    assert "70%" in body["answer"] and "[1]" in body["answer"]
    first = body["citations"][0]
    assert first["n"] == 1 and first["source"] == OCR_SOURCE
    doc = engine.index.documents[OCR_SOURCE]
    assert first["quote"] == doc.text[first["start"]:first["end"]]
    assert "tối thiểu 70%" in first["reading"]
    assert first["document"] == {"issuer": "Sở Y tế tỉnh Hà Tĩnh", "number": "35/KH-SYT", "year": 2023,
                                 "issue_date": "2023-01-05", "title": "Cải cách hành chính năm 2023 của Sở Y tế"}
    assert body["passages"] and "retrieve" in body["timings_ms"]


def test_conversation_history_is_kept_per_id(client, engine):
    first = client.post("/api/ask", json={"question": QUESTION}).json()
    cid = first["conversation_id"]
    second = client.post("/api/ask", json={"question": "Còn dịch vụ công trực tuyến thì sao?", "conversation_id": cid})
    assert second.json()["conversation_id"] == cid
    history = engine.answerer.calls[-1][1]
    assert [t.question for t in history] == [QUESTION]
    assert history[0].answer == first["answer"]
    assert history[0].sources == tuple(dict.fromkeys(c["source"] for c in first["citations"]))
    client.post("/api/ask", json={"question": QUESTION})  # no id: a fresh conversation
    assert engine.answerer.calls[-1][1] == ()
    assert_error(client.post("/api/ask", json={"question": QUESTION, "conversation_id": "../x y"}), 422,
                 "invalid_request")


def test_filters_are_applied_and_checked(client, engine):
    r = client.post("/api/ask", json={"question": "cải cách hành chính", "filters": {"province": "Khánh Hòa"}})
    assert {c["source"] for c in r.json()["citations"]} == {CLEAN_SOURCE}
    assert engine.answerer.calls[-1][2].province == "Khánh Hòa"
    r = client.post("/api/ask", json={"question": "cải cách hành chính", "filters": {"year": 2023}})
    assert {c["source"] for c in r.json()["citations"]} == {OCR_SOURCE}
    assert_error(client.post("/api/ask", json={"question": "x", "filters": {"source": "nope.txt"}}), 400,
                 "bad_request")
    assert_error(client.post("/api/ask", json={"question": "x", "filters": {"year": "năm ngoái"}}), 422)


@pytest.mark.parametrize("question", ["", "   \n", "hỏi " * 25_000, "???", "😀😀"])
def test_bad_questions_are_400_and_server_keeps_serving(client, question):
    err = assert_error(client.post("/api/ask", json={"question": question}), 400, "bad_request")
    assert err["hint"]
    assert_error(client.post("/api/ask/stream", json={"question": question}), 400, "bad_request")
    assert client.post("/api/ask", json={"question": QUESTION}).status_code == 200
    chat = {"messages": [{"role": "user", "content": question}], "stream": True}
    assert_error(client.post("/v1/chat/completions", json=chat), 400, "bad_request")


def test_a_lone_surrogate_in_the_question_is_400(client):
    # Valid JSON ("\ud800" escape) but not valid Unicode text: the tokenizer would fail on it.
    body = b'{"question": "\\ud800 CCHC"}'
    for path in ("/api/ask", "/api/ask/stream"):
        r = client.post(path, content=body, headers={"Content-Type": "application/json"})
        assert_error(r, 400, "bad_request")


def test_malformed_and_invalid_bodies(client):
    r = client.post("/api/ask", content='{"question": "Mục tiêu'.encode(), headers={"Content-Type": "application/json"})
    assert_error(r, 400, "malformed_json")
    not_utf8 = client.post("/api/ask", content=b'{"question": "\xff\xfe"}', headers={"Content-Type": "application/json"})
    assert_error(not_utf8, 400, "malformed_json")
    assert_error(client.post("/api/ask", json={"questio": QUESTION}), 422, "invalid_request")
    assert_error(client.post("/api/ask", json=["not", "an", "object"]), 422, "invalid_request")
    big = b'{"question": "' + b"a" * 1_200_000 + b'"}'
    assert_error(client.post("/api/ask", content=big, headers={"Content-Type": "application/json"}), 413,
                 "payload_too_large")
    assert client.get("/healthz").status_code == 200


def test_unknown_route_and_method(client):
    assert_error(client.get("/api/nothing-here"), 404, "not_found")
    assert_error(client.get("/api/ask"), 405, "method_not_allowed")


def test_unexpected_exception_is_500_in_shape(client, engine):
    engine.answerer.fail = True
    err = assert_error(client.post("/api/ask", json={"question": QUESTION}), 500, "internal_error")
    assert "simulated" not in err["message"]  # internals stay in the log
    engine.answerer.fail = False
    assert client.post("/api/ask", json={"question": QUESTION}).status_code == 200


def test_stream_events(client):
    r = client.post("/api/ask/stream", json={"question": QUESTION})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r.text)
    kinds = [e for e, _ in events]
    assert kinds[-2:] == ["citations", "done"] and set(kinds[:-2]) == {"delta"} and len(kinds) > 3
    text = "".join(d["text"] for e, d in events if e == "delta")
    plain = client.post("/api/ask", json={"question": QUESTION}).json()
    assert text == plain["answer"]
    assert events[-2][1] == plain["citations"]
    done = events[-1][1]
    assert done["id"] and done["conversation_id"] and done["abstained"] is False


def test_stream_reports_engine_failure_as_event(client, engine):
    engine.answerer.fail = True
    events = sse_events(client.post("/api/ask/stream", json={"question": QUESTION}).text)
    assert [e for e, _ in events] == ["error"]
    err = events[0][1]["error"]
    assert err["code"] == "internal_error" and err["message"].startswith("Máy chủ gặp lỗi")
    assert "simulated" not in err["message"] + err["hint"]


def test_search(client):
    r = client.get("/api/search", params={"q": "dịch vụ công trực tuyến", "k": 2})
    assert r.status_code == 200
    passages = r.json()["passages"]
    assert 1 <= len(passages) <= 2 and passages[0]["source"] == OCR_SOURCE
    r = client.get("/api/search", params={"q": "cải cách hành chính", "province": "Khánh Hòa"})
    assert {p["source"] for p in r.json()["passages"]} == {CLEAN_SOURCE}
    assert_error(client.get("/api/search", params={"q": ""}), 400, "bad_request")
    assert_error(client.get("/api/search", params={"q": "x", "k": 0}), 422, "invalid_request")
    assert_error(client.get("/api/search", params={"q": "x", "mode": "magic"}), 422)


def test_documents_list(client):
    body = client.get("/api/documents").json()
    docs = {d["id"]: d for d in body["documents"]}
    assert docs[OCR_SOURCE]["ocr"] is True and docs[CLEAN_SOURCE]["ocr"] is False
    assert docs[OCR_SOURCE]["metadata"]["province"] == "Hà Tĩnh"
    # an OCR signer is shown in the restored reading of the signature, though kept as written in the index
    assert docs[OCR_SOURCE]["metadata"]["signer"] == "Nguyễn Minh Đức"
    assert body["provinces"] == ["Hà Tĩnh", "Khánh Hòa"] and body["years"] == [2023, 2024]


def test_document_detail_with_highlight(client, engine):
    doc = engine.index.documents[OCR_SOURCE]
    start = doc.text.index("tdi thiéu 70%")
    end = start + len("tdi thiéu 70%")
    body = client.get(f"/api/documents/{OCR_SOURCE}", params={"start": start, "end": end}).json()
    assert body["text"] == doc.text and body["ocr"] is True
    hl = body["highlight"]
    assert hl["text"] == "tdi thiéu 70%"
    assert body["reading"][hl["reading_start"]:hl["reading_end"]] == "tối thiểu 70%"
    assert body["sections"][0]["title"] == "I. MỤC TIÊU."  # restored; the OCR heading is the text at its start
    assert body["text"][body["sections"][0]["start"]:].startswith("I. MUC TIEU.")
    clean = client.get(f"/api/documents/{CLEAN_SOURCE}").json()
    assert clean["reading"] is None and clean["highlight"] is None
    assert clean["sections"][1]["children"][0]["title"].startswith("1. Công tác")


def test_document_errors(client, engine):
    n = len(engine.index.documents[CLEAN_SOURCE].text)
    assert_error(client.get("/api/documents/khong-co.txt"), 404, "not_found")
    for params in ({"start": 0, "end": n + 1}, {"start": -1, "end": 5}, {"start": 5, "end": 5}, {"start": 3}):
        assert_error(client.get(f"/api/documents/{CLEAN_SOURCE}", params=params), 400, "bad_request")
    assert_error(client.get(f"/api/documents/{CLEAN_SOURCE}", params={"start": "a", "end": 2}), 422)
    assert client.get(f"/api/documents/{CLEAN_SOURCE}", params={"start": 0, "end": n}).status_code == 200


def test_feedback_is_stored(client, settings):
    answer = client.post("/api/ask", json={"question": QUESTION}).json()
    r = client.post("/api/feedback", json={"answer_id": answer["id"], "rating": "up", "comment": "Đúng, cảm ơn"})
    assert r.status_code == 200 and r.json()["stored"]
    r2 = client.post("/api/feedback", json={"question": "Câu hỏi khác?", "answer": "Trả lời.", "rating": "down"})
    assert r2.json()["id"] == r.json()["id"] + 1
    con = sqlite3.connect(settings.feedback_db)
    rows = con.execute("SELECT answer_id, question, answer, sources, rating, comment FROM feedback ORDER BY id").fetchall()
    con.close()
    sources = list(dict.fromkeys(c["source"] for c in answer["citations"]))
    assert rows[0] == (answer["id"], QUESTION, answer["answer"], json.dumps(sources, ensure_ascii=False), "up",
                       "Đúng, cảm ơn")
    assert rows[1][1:] == ("Câu hỏi khác?", "Trả lời.", "[]", "down", None)


def test_feedback_errors(client):
    assert_error(client.post("/api/feedback", json={"answer_id": "unknown", "rating": "up"}), 404, "not_found")
    assert_error(client.post("/api/feedback", json={"rating": "up"}), 400, "bad_request")
    assert_error(client.post("/api/feedback", json={"question": "a", "answer": "b", "rating": "meh"}), 422)


def test_widget_and_docs_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert 'src="/widget.js"' in page.text
    assert "attachShadow" in client.get("/widget.js").text
    assert client.get("/widget.css").headers["content-type"].startswith("text/css")
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in docs.text  # offline: no CDN
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/ask/stream", "/api/search", "/api/documents", "/api/documents/{doc_id}",
            "/api/feedback", "/healthz", "/readyz", "/v1/chat/completions", "/v1/models"} <= set(paths)


def test_engine_loads_in_background_at_startup(settings, monkeypatch):
    import threading

    import assistant.engine

    release = threading.Event()
    double = make_engine()

    def slow_open(s, build_if_needed=False):
        assert s is settings and build_if_needed
        release.wait(10)
        return double

    monkeypatch.setattr(assistant.engine.Engine, "open", staticmethod(slow_open))
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        assert c.get("/healthz").status_code == 200
        assert_error(c.get("/readyz"), 503, "not_ready")
        release.set()
        for _ in range(200):
            if c.get("/readyz").status_code == 200:
                break
            threading.Event().wait(0.02)
        assert c.get("/readyz").json()["documents"] == 2
        assert c.post("/api/ask", json={"question": QUESTION}).status_code == 200


def test_engine_load_failure_is_reported(settings, monkeypatch):
    import threading

    import assistant.engine

    def broken_open(s, build_if_needed=False):
        raise FileNotFoundError("corpus folder is empty")

    monkeypatch.setattr(assistant.engine.Engine, "open", staticmethod(broken_open))
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        for _ in range(200):
            err = c.get("/readyz").json()["error"]
            if "failed" in err["hint"]:
                break
            threading.Event().wait(0.02)
        assert "corpus folder is empty" in err["hint"] and err["code"] == "not_ready"
        assert err["message"].startswith("Không nạp được chỉ mục")
        assert c.get("/healthz").status_code == 200
