"""The document viewer of a scan: page spans, the page image, and the highlighted quote's word boxes."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.documents import ocr
from assistant.types import Document
from tests.api.conftest import assert_error
from tests.api_double import make_engine
from tests.documents.test_ocr import plan_lines, render

pytestmark = pytest.mark.skipif(ocr.missing_tools("png") is not None, reason="Tesseract not installed")
SOURCE = "scans/trang 1.png"


@pytest.fixture()
def scan_client(settings, tmp_path):
    image = tmp_path / "page.png"
    render(plan_lines(3)).save(image, dpi=(300, 300))
    data = image.read_bytes()
    result = ocr.ocr_file(data, "png", SOURCE, settings.cache_dir / "ocr")
    engine = make_engine()
    engine.index.documents[SOURCE] = Document(
        source=SOURCE, text=result.text, sha256=hashlib.sha256(result.text.encode()).hexdigest(), format="png",
        encoding="ocr", pages=result.page_starts)
    engine.index.manifest = {"files": {SOURCE: ocr.file_key(data)}}
    with TestClient(create_app(settings, engine), raise_server_exceptions=False) as client:
        yield client, result


def test_viewer_gets_the_page_image_and_the_boxes_of_the_quote(scan_client):
    client, result = scan_client
    second = result.text.index("\n") + 1  # the quote: the second line of the page
    end = result.text.index("\n", second)
    body = client.get(f"/api/documents/{SOURCE}", params={"start": second, "end": end}).json()
    assert body["pages"] == [{"page": 1, "start": 0, "end": len(result.text),
                              "image": "/api/documents/scans/trang%201.png/pages/1"}]
    h = body["highlight"]
    assert h["page"] == 1 and len(h["boxes"]) == len(result.text[second:end].split())
    tops = [b["top"] for b in h["boxes"]]
    assert max(tops) - min(tops) < 0.05 and all(0 < b["left"] < 1 and 0 < b["width"] < 1 for b in h["boxes"])
    image = client.get(body["pages"][0]["image"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    head = client.head(body["pages"][0]["image"])
    assert head.status_code == 200 and head.content == b"" and head.headers["content-type"] == "image/png"


def test_page_images_of_missing_pages_and_documents_that_are_not_scans_are_404(scan_client):
    client, _ = scan_client
    assert_error(client.get(f"/api/documents/{SOURCE}/pages/2"), 404, "not_found")
    assert_error(client.get("/api/documents/001_khanh_hoa.md/pages/1"), 404, "not_found")
    assert client.get("/api/documents/001_khanh_hoa.md").json()["pages"] == []
