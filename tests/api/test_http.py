"""HTTP behaviour: HEAD on every GET route, Allow on 405, request bodies capped as they stream and timed."""

from __future__ import annotations

import select
import socket
import time

import httpx
import pytest

import assistant.api.app as app_module
from assistant.api.app import MAX_BODY_BYTES, create_app
from assistant.settings import Settings
from tests.api.conftest import QUESTION, assert_error
from tests.api_double import CLEAN_SOURCE, make_engine
from tests.live_server import LiveServer

PIECE = 64 * 1024


PAGES = ["/", "/widget.js", "/widget.css", "/auditor", "/auditor.js", "/auditor.css", "/favicon.ico", "/docs",
         "/redoc", "/openapi.json", "/docs-assets/swagger-ui.css", "/redoc/redoc.standalone.js"]


def test_head_answers_like_get_on_every_get_route(client):
    schema = client.get("/openapi.json").json()["paths"]
    # page images exist for scans only: their HEAD is checked in test_scan_viewer.py
    api = [p.replace("{doc_id}", CLEAN_SOURCE) for p, ops in schema.items() if "get" in ops and "{page}" not in p]
    assert {"/healthz", "/readyz", "/api/documents", "/api/search", "/v1/models"} <= set(api)
    for path in api + PAGES:
        if path == "/api/search":
            path += "?q=CCHC"
        get, head = client.get(path), client.head(path)
        assert head.status_code == get.status_code == (204 if path == "/favicon.ico" else 200), path
        assert head.content == b"", path
        assert head.headers.get("content-type") == get.headers.get("content-type"), path


def test_head_where_get_is_not_allowed_is_405(client):
    r = client.head("/api/ask")
    assert r.status_code == 405 and r.headers["allow"] == "POST"


def test_405_names_the_allowed_methods(client):
    err = assert_error(client.get("/api/ask"), 405, "method_not_allowed")
    assert "POST" in err["hint"]
    assert client.get("/api/ask").headers["allow"] == "POST"
    assert client.post("/healthz").headers["allow"] == "GET, HEAD"
    assert client.delete(f"/api/documents/{CLEAN_SOURCE}").headers["allow"] == "GET, HEAD"


def chunked(total: int):
    """A JSON body with a question of `total` bytes, in pieces (so sent chunked, without a Content-Length)."""
    yield b'{"question": "'
    for _ in range(total // PIECE):
        yield b"a" * PIECE
    yield b'"}'


def test_chunked_body_over_the_limit_is_413(client):
    # The TestClient reads the whole generator before the app runs; the live test below shows the early stop.
    r = client.post("/api/ask", content=chunked(3 * MAX_BODY_BYTES),
                    headers={"Content-Type": "application/json", "Origin": "http://portal.intranet"})
    assert "content-length" not in r.request.headers and r.request.headers["transfer-encoding"] == "chunked"
    assert_error(r, 413, "payload_too_large")
    assert r.headers["access-control-allow-origin"] == "*"  # an embedded widget can read why
    assert client.post("/api/ask", json={"question": QUESTION}).status_code == 200


def test_chunked_body_under_the_limit_is_answered(client):
    body = f'{{"question": "{QUESTION}"}}'.encode()
    r = client.post("/api/ask", content=iter([body[:9], body[9:]]), headers={"Content-Type": "application/json"})
    assert r.request.headers["transfer-encoding"] == "chunked"
    assert r.status_code == 200 and r.json()["citations"]


@pytest.fixture()
def live(tmp_path, monkeypatch):
    monkeypatch.setattr(app_module, "BODY_TIMEOUT_S", 0.5)
    app = create_app(Settings(index_dir=tmp_path / "index", feedback_db=tmp_path / "fb.sqlite3"), make_engine())
    with LiveServer(app) as server:
        yield server


def raw_request(url: str, head: bytes) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall(head)
    return sock


def read_response(sock: socket.socket) -> tuple[int, bytes]:
    """Status and body of the one response on the socket, read until the server closes the connection."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:  # the server closed with our unread upload in its buffer: the answer came first
        pass
    sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 "), data[:200]
    return int(head.split()[1]), body


CHUNKED_HEAD = (b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n")


def test_live_chunked_upload_is_cut_at_the_limit(live):
    # 1 GB announced by nothing but chunk framing; the server must answer once the limit is passed.
    sock = raw_request(live.url, CHUNKED_HEAD + b"e\r\n{\"question\": \"\r\n")
    sent, cap = 0, 64 * MAX_BODY_BYTES
    try:
        while sent < cap and not select.select([sock], [], [], 0)[0]:
            sock.sendall(b"%x\r\n%s\r\n" % (PIECE, b"a" * PIECE))
            sent += PIECE
    except (BrokenPipeError, ConnectionResetError):
        pass
    status, body = read_response(sock)
    assert status == 413 and sent < cap
    assert httpx.Response(413, content=body).json()["error"]["code"] == "payload_too_large"
    assert httpx.get(live.url + "/healthz").status_code == 200


def test_live_body_that_stops_arriving_times_out(live):
    sock = raw_request(live.url, CHUNKED_HEAD + b"e\r\n{\"question\": \"\r\n")
    t0 = time.monotonic()
    status, body = read_response(sock)
    assert status == 408 and time.monotonic() - t0 < 5
    assert httpx.Response(408, content=body).json()["error"]["code"] == "request_timeout"
    # A streamed answer is not cut by the body deadline: the body was complete when it started.
    with httpx.stream("POST", live.url + "/api/ask/stream", json={"question": QUESTION}) as r:
        time.sleep(0.8)
        assert r.status_code == 200 and "event: done" in r.read().decode()
