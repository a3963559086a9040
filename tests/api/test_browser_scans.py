"""The widget's viewer on a scanned source, in headless Chromium: the page image beside the text, the quote's boxes."""

from __future__ import annotations

import pytest

from assistant.api.app import create_app
from tests.api.test_browser import ARTIFACTS, ask, browser  # noqa: F401  (the browser fixture)
from tests.live_server import LiveServer
from tests.test_scanned_corpus import scanned  # noqa: F401  (scans indexed with the stand-in encoder)

pytestmark = pytest.mark.slow


def test_viewer_shows_the_scanned_page_with_the_quote_boxes(browser, scanned):  # noqa: F811
    settings, engine, _, page_two, _ = scanned
    phrase = " ".join(next(x for x in page_two if len(x.split()) >= 10).split()[:10])
    with LiveServer(create_app(settings, engine)) as live:
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="vi-VN")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(live.url + "/")
        _, events = ask(page, phrase)
        citations = events["citations"][0]
        n = next(i for i, c in enumerate(citations) if c["source"] == "ke_hoach_scan.pdf")
        assert citations[n]["page"] in (1, 2)
        page.locator(".msg.assistant").last.locator("button.cite").nth(n).click()
        image = page.locator(".viewer .scan-page img")
        image.wait_for()
        page.wait_for_function("() => document.querySelector('.assistant-cchc-host').shadowRoot"
                               ".querySelector('.scan-page img').naturalWidth > 0")
        assert page.locator(".viewer .pane h4").first.text_content() == f"Bản quét, trang {citations[n]['page']}"
        boxes = page.locator(".viewer .scan-box")
        assert boxes.count() == len(citations[n]["quote"].split())
        img, box = image.bounding_box(), boxes.first.bounding_box()
        assert img["x"] <= box["x"] < img["x"] + img["width"] and box["width"] > 0
        assert page.locator(".viewer mark").first.text_content() == citations[n]["quote"]
        page.screenshot(path=str(ARTIFACTS / "viewer-scan.png"))
        context.close()
    assert errors == [], errors
