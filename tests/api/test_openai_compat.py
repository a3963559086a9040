"""The OpenAI-compatible endpoint, driven by the official `openai` client against a live uvicorn server."""

from __future__ import annotations

import httpx
import openai
import pytest

from assistant.api.app import create_app
from assistant.settings import Settings
from tests.api_double import CLEAN_SOURCE, OCR_SOURCE, make_engine
from tests.live_server import LiveServer, real_engine_and_settings

QUESTION = "Tỷ lệ hồ sơ thủ tục hành chính số hóa tối thiểu là bao nhiêu?"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("openai")
    engine = make_engine()
    with LiveServer(create_app(Settings(index_dir=tmp / "index", feedback_db=tmp / "fb.sqlite3"), engine)) as s:
        s.engine = engine
        yield s


@pytest.fixture()
def client(server) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key="not-needed", max_retries=0, timeout=30)


def test_models(client):
    assert [m.id for m in client.models.list()] == ["assistant-cchc"]


def test_completion_has_citations_and_footer(client, server):
    c = client.chat.completions.create(model="assistant-cchc", messages=[{"role": "user", "content": QUESTION}])
    assert c.object == "chat.completion" and c.model == "assistant-cchc"
    content = c.choices[0].message.content
    assert c.choices[0].finish_reason == "stop" and c.choices[0].message.role == "assistant"
    answer, footer = content.split("\n\nNguồn:\n")
    assert "70%" in answer and "[1]" in answer
    citations = c.model_extra["citations"]
    assert citations[0]["source"] == OCR_SOURCE
    assert footer.splitlines()[0].startswith("[1] Sở Y tế tỉnh Hà Tĩnh · 35/KH-SYT")
    assert len(footer.splitlines()) == len(citations)
    doc = server.engine.index.documents[OCR_SOURCE]
    assert citations[0]["quote"] == doc.text[citations[0]["start"]:citations[0]["end"]]


def test_stream_matches_non_stream(client):
    messages = [{"role": "user", "content": QUESTION}]
    whole = client.chat.completions.create(model="assistant-cchc", messages=messages)
    chunks = list(client.chat.completions.create(model="assistant-cchc", messages=messages, stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks)
    assert text == whole.choices[0].message.content
    assert len(chunks) > 3 and len({ch.id for ch in chunks}) == 1
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["citations"] == whole.model_extra["citations"]


def test_history_from_earlier_messages(client, server):
    first = client.chat.completions.create(model="x", messages=[{"role": "user", "content": QUESTION}])
    earlier = first.choices[0].message.content
    client.chat.completions.create(model="assistant-cchc", messages=[
        {"role": "system", "content": "Trả lời ngắn gọn."},
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": earlier},
        {"role": "user", "content": [{"type": "text", "text": "Còn dịch vụ công trực tuyến?"}]},
    ])
    question, history, _ = server.engine.answerer.calls[-1]
    assert question == "Còn dịch vụ công trực tuyến?"
    assert [(t.question, t.answer) for t in history] == [(QUESTION, earlier.split("\n\nNguồn:\n")[0])]


def test_filters_extension(client):
    c = client.chat.completions.create(model="assistant-cchc", messages=[{"role": "user", "content": "cải cách hành chính"}],
                                       extra_body={"filters": {"province": "Khánh Hòa"}})
    assert {x["source"] for x in c.model_extra["citations"]} == {CLEAN_SOURCE}


@pytest.mark.parametrize("messages", [
    [{"role": "user", "content": "   "}],
    [{"role": "system", "content": "Chỉ có lời dặn"}],
    [{"role": "user", "content": "hỏi " * 25_000}],
])
def test_bad_requests_raise_400(client, messages):
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="assistant-cchc", messages=messages)
    assert info.value.status_code == 400
    assert info.value.body["code"] == "bad_request"  # the client unwraps {"error": {...}}
    assert client.models.list().data  # still serving


def test_schema_errors_keep_the_error_shape(server):
    r = httpx.post(server.url + "/v1/chat/completions", json={"model": "assistant-cchc", "messages": []})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    r = httpx.post(server.url + "/v1/chat/completions", content=b"{", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_json"


@pytest.mark.slow
def test_real_engine_through_openai_client():
    engine, settings = real_engine_and_settings()
    with LiveServer(create_app(settings, engine)) as live:
        client = openai.OpenAI(base_url=live.url + "/v1", api_key="none", max_retries=0, timeout=120)
        c = client.chat.completions.create(model="assistant-cchc",
                                           messages=[{"role": "user", "content": "Mục tiêu cải cách hành chính năm 2021?"}])
        citations = c.model_extra["citations"]
        assert citations and "\n\nNguồn:\n[1] " in c.choices[0].message.content
        for cit in citations:  # every citation is an exact span of its document
            doc = httpx.get(f"{live.url}/api/documents/{cit['source']}",
                            params={"start": cit["start"], "end": cit["end"]}, timeout=30).json()
            assert doc["highlight"]["text"] == cit["quote"]
