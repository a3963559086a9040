"""Shared fixtures of the API tests: settings in a temporary folder, the in-memory engine, a TestClient."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.settings import Settings
from tests.api_double import make_engine

QUESTION = "Tỷ lệ hồ sơ thủ tục hành chính số hóa tối thiểu là bao nhiêu?"


@pytest.fixture()
def settings(tmp_path) -> Settings:
    return Settings(index_dir=tmp_path / "index", feedback_db=tmp_path / "fb" / "feedback.sqlite3",
                    max_question_chars=2000)


@pytest.fixture()
def engine():
    return make_engine()


@pytest.fixture()
def client(settings, engine):
    with TestClient(create_app(settings, engine), raise_server_exceptions=False) as c:
        yield c


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "hint"}
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]
