"""Error messages people see are Vietnamese only; the precise English detail is in `hint` for API clients."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.errors import UpstreamError
from tests.api.conftest import QUESTION, assert_error
from tests.api_double import CLEAN_SOURCE

ENGLISH = re.compile(r"\b(the|is|are|not|has|have|no|of|or|and|question|request|body|document|unknown|index|empty|"
                     r"limit|error|server|span|outside|characters|loading|failed|letters|digits|method|allowed|"
                     r"found|needs|feedback|answer|invalid|internal|over|bytes|user|message)\b", re.IGNORECASE)
VIETNAMESE = re.compile(r"[ăâđêôơưàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ]", re.IGNORECASE)


def assert_vietnamese(err: dict) -> None:
    assert VIETNAMESE.search(err["message"]) and not ENGLISH.search(err["message"]), err["message"]
    assert err["hint"], err  # the detail for programs stays


REQUESTS = [
    ("post", "/api/ask", {"json": {"question": ""}}, 400),
    ("post", "/api/ask", {"json": {"question": "???"}}, 400),
    ("post", "/api/ask", {"content": b'{"question": "\\ud800 CCHC"}', "headers": {"Content-Type": "application/json"}},
     400),
    ("post", "/api/ask", {"json": {"question": "hỏi " * 1000}}, 400),
    ("post", "/api/ask", {"json": {"question": "x", "filters": {"source": "nope.txt"}}}, 400),
    ("post", "/api/ask", {"json": {"questio": "x"}}, 422),
    ("post", "/api/ask", {"content": b"{", "headers": {"Content-Type": "application/json"}}, 400),
    ("post", "/api/ask", {"content": b"{" + b" " * 1_000_001, "headers": {"Content-Type": "application/json"}}, 413),
    ("get", "/api/ask", {}, 405),
    ("get", "/api/nothing", {}, 404),
    ("get", "/api/search", {"params": {"q": "..."}}, 400),
    ("get", "/api/documents/nope.txt", {}, 404),
    ("get", f"/api/documents/{CLEAN_SOURCE}", {"params": {"start": 5, "end": 2}}, 400),
    ("get", "/api/targets", {"params": {"doc": "nope.txt"}}, 400),
    ("post", "/api/feedback", {"json": {"rating": "up"}}, 400),
    ("post", "/api/feedback", {"json": {"answer_id": "gone", "rating": "up"}}, 404),
    ("post", "/v1/chat/completions", {"json": {"messages": [{"role": "system", "content": "x"}]}}, 400),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), REQUESTS)
def test_error_messages_are_vietnamese(client, method, path, kwargs, status):
    err = assert_error(getattr(client, method)(path, **kwargs), status)
    assert_vietnamese(err)


def test_question_error_names_the_problem(client):
    err = assert_error(client.post("/api/ask", json={"question": "???"}), 400, "bad_request")
    assert err["message"] == "Câu hỏi cần có chữ hoặc chữ số để tìm kiếm và chỉ gồm ký tự hợp lệ."
    assert "no letters or digits" in err["hint"]


def test_not_ready_and_internal_errors_are_vietnamese(settings, client, engine):
    loading = TestClient(create_app(settings), raise_server_exceptions=False)
    assert_vietnamese(assert_error(loading.post("/api/ask", json={"question": QUESTION}), 503, "not_ready"))
    engine.answerer.fail = True
    assert_vietnamese(assert_error(client.post("/api/ask", json={"question": QUESTION}), 500, "internal_error"))


def test_library_errors_are_shown_by_code_with_the_english_detail(client, engine, monkeypatch):
    def timeout(*args, **kwargs):
        raise UpstreamError("model endpoint timed out after 5 s")

    monkeypatch.setattr(engine.answerer, "ask", timeout)
    err = assert_error(client.post("/api/ask", json={"question": QUESTION}), 502, "upstream_error")
    assert_vietnamese(err)
    assert err["hint"] == "model endpoint timed out after 5 s"
    stream = client.post("/api/ask/stream", json={"question": QUESTION}).text
    assert "event: error" in stream and err["message"] in stream
