"""The OpenAPI schema says what the server accepts, and the docs pages load nothing from another site."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import assert_error
from tests.api_double import CLEAN_SOURCE


@pytest.fixture()
def schema(client) -> dict:
    return client.get("/openapi.json").json()


def params(schema: dict, path: str) -> dict[str, dict]:
    return {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}


def component(schema: dict, name: str) -> dict:
    return schema["components"]["schemas"][name]


def test_search_query_is_required_and_k_is_1_to_100(client, schema):
    p = params(schema, "/api/search")
    assert p["q"]["required"] is True and "default" not in p["q"]["schema"] and p["q"]["schema"]["minLength"] == 1
    assert (p["k"]["schema"]["minimum"], p["k"]["schema"]["maximum"]) == (1, 100)
    assert p["mode"]["schema"]["enum"] == ["hybrid", "bm25", "dense"]
    assert_error(client.get("/api/search"), 422, "invalid_request")  # was: searched for ""
    assert_error(client.get("/api/search", params={"q": ""}), 400, "bad_request")
    assert client.get("/api/search", params={"q": "cải cách hành chính", "k": 100}).status_code == 200
    assert_error(client.get("/api/search", params={"q": "x", "k": 101}), 422, "invalid_request")


def test_search_filters_are_bounded_like_the_ask_filters(client, schema):
    p = params(schema, "/api/search")
    assert (p["source"]["schema"]["anyOf"][0]["maxLength"], p["province"]["schema"]["anyOf"][0]["maxLength"]) == (500,
                                                                                                                 100)
    assert_error(client.get("/api/search", params={"q": "x", "province": "a" * 101}), 422, "invalid_request")


def test_highlight_offsets_are_non_negative(client, schema):
    p = params(schema, "/api/documents/{doc_id}")
    assert p["start"]["schema"]["minimum"] == 0 and p["end"]["schema"]["minimum"] == 1
    assert_error(client.get(f"/api/documents/{CLEAN_SOURCE}", params={"start": -1, "end": 5}), 400, "bad_request")


def test_question_has_a_minimum_length(schema):
    assert component(schema, "AskRequest")["properties"]["question"]["minLength"] == 1
    assert "question" in component(schema, "AskRequest")["required"]


def test_feedback_requires_an_answer_id_or_its_text(client, schema):
    fb = component(schema, "FeedbackRequest")
    assert fb["anyOf"] == [{"required": ["answer_id"]}, {"required": ["question", "answer"]}]
    assert fb["properties"]["question"]["minLength"] == 1
    assert fb["properties"]["answer"]["minLength"] == 1
    assert_error(client.post("/api/feedback", json={"question": "", "answer": "b", "rating": "up"}), 400)


def test_error_statuses_are_documented(schema):
    responses = schema["paths"]["/api/ask"]["post"]["responses"]
    assert {"400", "405", "408", "413", "422", "500", "503"} <= set(responses)


@pytest.mark.parametrize(("page", "asset"), [("/docs", "/docs-assets/swagger-ui-bundle.js"),
                                             ("/redoc", "/redoc/redoc.standalone.js")])
def test_docs_pages_use_local_assets_only(client, page, asset):
    html = client.get(page)
    assert html.status_code == 200 and asset in html.text
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html.text) + re.findall(r"url\(([^)]+)\)", html.text)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "googleapis" not in html.text and "cdn." not in html.text
    assert client.get(asset).status_code == 200
