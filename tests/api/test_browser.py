"""The chat widget in headless Chromium (Debian package) against a live server over the real index."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from assistant.api.app import create_app
from assistant.text.fold import fold
from tests.live_server import LiveServer, real_engine_and_settings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
QUESTION = "Tỷ lệ hồ sơ thủ tục hành chính được số hóa tối thiểu là bao nhiêu?"
ANSWER_TIMEOUT = 90_000


@pytest.fixture(scope="module")
def live():
    engine, settings = real_engine_and_settings()
    with LiveServer(create_app(settings, engine)) as server:
        server.settings = settings
        server.catalog = httpx.get(server.url + "/api/documents").json()
        yield server


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def page(browser, live, request):
    viewport = getattr(request, "param", {"width": 1280, "height": 900})
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.console_errors = errors  # a test that provokes an HTTP error removes the browser's note of it
    yield pg
    context.close()
    assert errors == [], errors


def stream_events(body: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        out.setdefault(fields["event"], []).append(json.loads(fields["data"]))
    return out


def ask(page, question: str | None = None, example: int | None = None) -> tuple[dict, dict]:
    """Ask by typing (or by clicking an example); returns the request body and the streamed events."""
    with page.expect_response("**/api/ask/stream", timeout=ANSWER_TIMEOUT) as resp:
        if example is not None:
            page.locator("button.example").nth(example).click()
        else:
            page.fill("textarea", question)
            page.press("textarea", "Enter")
    response = resp.value
    events = stream_events(response.text())
    page.locator(".msg.assistant").last.locator(".actions").wait_for(timeout=ANSWER_TIMEOUT)
    return json.loads(response.request.post_data), events


def shadow_active(page) -> str:
    return page.evaluate("() => { const a = document.querySelector('.assistant-cchc-host').shadowRoot.activeElement;"
                         " return a ? a.tagName + '.' + a.className : ''; }")


def assert_marks_in_view(page) -> None:
    """Each highlighted passage is scrolled into its pane's visible area."""
    marks = page.locator(".viewer mark")
    assert marks.count() >= 1
    for i in range(marks.count()):
        assert marks.nth(i).evaluate("m => { const p = m.parentNode.getBoundingClientRect(),"
                                     " r = m.getBoundingClientRect(); return r.top < p.bottom && r.bottom > p.top; }")


def test_ask_open_citation_copy_and_feedback(page, live):
    page.goto(live.url + "/")
    expect_options = 1 + len(live.catalog["provinces"])
    page.wait_for_function(f"() => document.querySelector('.assistant-cchc-host').shadowRoot"
                           f".querySelector('select').options.length === {expect_options}")
    _, events = ask(page, QUESTION)
    answer = "".join(d["text"] for d in events["delta"])
    citations = events["citations"][0]
    assert citations and events["done"][0]["id"]
    msg = page.locator(".msg.assistant").last
    assert msg.locator(".text").text_content() == answer
    assert msg.locator("button.source").count() == len(citations)
    page.screenshot(path=str(ARTIFACTS / "answer.png"))

    first = citations[0]
    msg.locator("button.cite").first.click()
    marks = page.locator(".viewer mark")
    marks.first.wait_for()
    assert marks.first.text_content() == first["quote"]
    ocr = {d["id"]: d["ocr"] for d in live.catalog["documents"]}[first["source"]]
    assert page.locator(".viewer .pane").count() == (2 if ocr else 1)
    if ocr:
        assert marks.nth(1).text_content() == first["reading"]
    assert_marks_in_view(page)
    page.screenshot(path=str(ARTIFACTS / "viewer.png"))
    page.keyboard.press("Escape")
    assert page.locator(".viewer").is_hidden()
    assert shadow_active(page) == "BUTTON.cite"

    msg.get_by_role("button", name="Sao chép").click()
    msg.get_by_text("Đã sao chép.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()").startswith(answer)

    msg.get_by_role("button", name="Hữu ích").click()
    msg.get_by_text("Cảm ơn phản hồi của bạn!").wait_for()
    assert msg.get_by_role("button", name="Hữu ích").get_attribute("aria-pressed") == "true"
    con = sqlite3.connect(live.settings.feedback_db)
    rows = con.execute("SELECT question, answer, rating FROM feedback WHERE answer_id = ?",
                       (events["done"][0]["id"],)).fetchall()
    con.close()
    assert rows == [(QUESTION, answer, "up")]


def test_filters_conversation_and_reload(page, live):
    page.goto(live.url + "/")
    province = live.catalog["provinces"][0]
    page.locator("select").first.select_option(province)
    sent, events = ask(page, example=0)
    assert sent["filters"] == {"province": province} and "conversation_id" not in sent
    docs = {d["id"]: d for d in live.catalog["documents"]}
    assert all(docs[c["source"]]["metadata"]["province"] == province for c in events["citations"][0])
    cid = events["done"][0]["conversation_id"]
    sent2, _ = ask(page, "Còn về dịch vụ công trực tuyến thì sao?")
    assert sent2["conversation_id"] == cid

    page.reload()
    page.locator(".msg.assistant .actions").nth(1).wait_for()
    assert page.locator(".msg.user").count() == 2
    # The options come from /api/documents, fetched again after the reload: wait for them, not just for the transcript.
    expect(page.locator("select").first).to_have_value(province)
    assert page.locator(".msg.assistant button.source").count() >= 1
    page.get_by_role("button", name="Cuộc trò chuyện mới").click()
    assert page.locator(".msg").count() == 0
    sent3, _ = ask(page, QUESTION)
    assert "conversation_id" not in sent3


@pytest.mark.parametrize("page", [{"width": 390, "height": 844}], indirect=True)
def test_phone_keyboard_and_text_only(page, live):
    page.goto(live.url + "/")
    page.locator("button.example").first.wait_for()
    for _ in range(20):  # reach the question box by keyboard alone
        if shadow_active(page).startswith("TEXTAREA"):
            break
        page.keyboard.press("Tab")
    assert shadow_active(page).startswith("TEXTAREA")
    hostile = 'Kế hoạch cải cách hành chính <img src=x onerror="window.__xss=1"> năm 2023?'
    page.keyboard.type(hostile)
    with page.expect_response("**/api/ask/stream", timeout=ANSWER_TIMEOUT):
        page.keyboard.press("Enter")
    page.locator(".msg.assistant .actions").wait_for(timeout=ANSWER_TIMEOUT)
    assert page.locator(".msg.user").first.text_content() == hostile
    assert page.locator(".panel img").count() == 0 and page.evaluate("window.__xss") is None
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Then a question that cites, asked and opened by keyboard too.
    with page.expect_response("**/api/ask/stream", timeout=ANSWER_TIMEOUT):
        page.keyboard.type(QUESTION)
        page.keyboard.press("Enter")
    page.locator(".msg.assistant").nth(1).locator(".actions").wait_for(timeout=ANSWER_TIMEOUT)
    page.locator(".msg.assistant").nth(1).locator("button.cite").first.focus()
    page.keyboard.press("Enter")
    page.locator(".viewer mark").first.wait_for()
    assert_marks_in_view(page)
    box = page.locator(".viewer-box").bounding_box()
    assert box["width"] <= 390
    page.screenshot(path=str(ARTIFACTS / "phone-viewer.png"))
    for _ in range(6):  # focus stays inside the open dialog
        page.keyboard.press("Tab")
        assert page.evaluate("() => { const r = document.querySelector('.assistant-cchc-host').shadowRoot;"
                             " return r.querySelector('.viewer').contains(r.activeElement); }")
    page.keyboard.press("Escape")
    assert page.locator(".viewer").is_hidden() and shadow_active(page) == "BUTTON.cite"


def test_embedded_on_another_site(page, live):
    # A host page on another origin, with hostile CSS: one script tag embeds the widget, styles stay isolated.
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse, Response
    from starlette.routing import Route

    html = (f'<!doctype html><html><head><meta charset="utf-8"><style>button {{ background: rgb(0, 255, 0) '
            f'!important; font-size: 40px !important; }}</style></head><body><h1>Cổng thông tin</h1>'
            f'<script src="{live.url}/widget.js" data-api="{live.url}"></script></body></html>')
    portal = Starlette(routes=[Route("/portal.html", lambda _: HTMLResponse(html)),
                               Route("/favicon.ico", lambda _: Response(status_code=204))])
    with LiveServer(portal) as other:
        page.goto(other.url + "/portal.html")
        launcher = page.locator("button.launcher")
        assert launcher.evaluate("b => getComputedStyle(b).backgroundColor") != "rgb(0, 255, 0)"
        assert page.locator(".panel").is_hidden()
        launcher.click()
        assert shadow_active(page).startswith("TEXTAREA")
        _, events = ask(page, QUESTION)
        assert events["citations"][0]
        page.screenshot(path=str(ARTIFACTS / "embedded.png"))


def test_api_docs_render_offline(page, live):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(live.url + "/docs")
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.get_by_text("/api/ask/stream").count() >= 1
    page.goto(live.url + "/redoc")
    page.locator("h2", has_text="Ask Stream").first.wait_for(timeout=30_000)
    assert any(u.endswith("/redoc/redoc.standalone.js") for u in requests)
    local = (live.url, "blob:" + live.url, "data:")
    assert all(u.startswith(local) for u in requests), requests  # no CDN, no web fonts


def test_errors_are_shown_in_vietnamese(page, live):
    page.goto(live.url + "/")
    page.locator("button.example").first.wait_for()
    with page.expect_response("**/api/ask/stream") as resp:
        page.fill("textarea", "???")
        page.press("textarea", "Enter")
    assert resp.value.status == 400
    shown = page.locator(".msg.assistant.error .text")
    shown.wait_for()
    assert shown.text_content() == resp.value.json()["error"]["message"]
    assert shown.text_content().startswith("Câu hỏi cần có chữ") and "(" not in shown.text_content()
    page.console_errors[:] = [e for e in page.console_errors if "status of 400" not in e]


def test_auditor_tables_filters_and_passage(page, live):
    page.goto(live.url + "/auditor")
    targets = page.locator("#targets-table tbody tr")
    targets.first.wait_for()
    page.locator("#refs-table tbody tr").first.wait_for()
    api = httpx.get(live.url + "/api/targets").json()
    assert targets.count() == len(api["targets"])
    page.screenshot(path=str(ARTIFACTS / "auditor.png"))

    # Loose symbol typed by an auditor: every row left cites the instrument.
    page.fill("#refs-cites", "ISO 9001")
    page.press("#refs-cites", "Enter")
    page.locator("#refs-table[aria-busy=false]").wait_for()  # rendered, not merely answered
    rows = page.locator("#refs-table tbody tr")
    cited = httpx.get(live.url + "/api/legal-refs", params={"cites": "ISO 9001"}).json()["rows"]
    assert rows.count() == len(cited) >= 1
    assert all("9001" in rows.nth(i).locator("td").nth(2).text_content() for i in range(rows.count()))

    area = api["areas"][0]
    page.select_option("#targets-area", area)
    page.locator("#targets-table[aria-busy=false]").wait_for()
    expected = [t for t in api["targets"] if t["area"] == area]
    assert targets.count() == len(expected)
    assert "area=" in page.get_attribute("#targets-csv", "href")
    assert targets.first.locator("td").nth(5).text_content() == expected[0]["subject"]

    targets.first.get_by_role("button", name="Xem").click()
    mark = page.locator("#viewer-body mark")
    mark.wait_for()
    ocr = {d["id"]: d["ocr"] for d in live.catalog["documents"]}[expected[0]["source"]]
    if not ocr:
        assert mark.text_content() == expected[0]["text"]
    else:
        assert any(ch.isdigit() for ch in mark.text_content())
    page.keyboard.press("Escape")
    assert page.locator("#viewer").is_hidden()


def test_auditor_tasks_filters_and_passage(page, live):
    page.goto(live.url + "/auditor")
    rows = page.locator("#tasks-table tbody tr")
    rows.first.wait_for()
    page.locator("#tasks-table[aria-busy=false]").wait_for()
    api = httpx.get(live.url + "/api/tasks").json()
    assert rows.count() == len(api["tasks"]) >= 1
    first = api["tasks"][0]
    cells = [first["content"], first["lead"] or "—", first["partners"] or "—", first["deadline"] or "—",
             first["product"] or "—", first["source"]]
    assert rows.first.locator("td").all_text_contents()[:6] == cells
    assert page.locator("#tasks-units option").count() == len(api["units"])

    # A lead unit typed as an auditor would: capitals, no diacritics.
    lead = max(api["units"], key=lambda u: sum(t["lead"] == u for t in api["tasks"]))
    page.fill("#tasks-unit", fold(lead).upper())
    page.press("#tasks-unit", "Enter")
    page.locator("#tasks-table[aria-busy=false]").wait_for()
    led = httpx.get(live.url + "/api/tasks", params={"unit": lead}).json()["tasks"]
    assert rows.count() == len(led) < len(api["tasks"])
    assert "unit=" in page.get_attribute("#tasks-csv", "href")
    assert lead in [rows.nth(i).locator("td").nth(1).text_content() for i in range(rows.count())]

    page.fill("#tasks-unit", "")
    source = api["tasks"][-1]["source"]
    page.select_option("#tasks-doc", source)
    page.locator("#tasks-table[aria-busy=false]").wait_for()
    own = [t for t in api["tasks"] if t["source"] == source]
    assert rows.count() == len(own)
    assert {rows.nth(i).locator("td").nth(5).text_content() for i in range(rows.count())} == {source}
    page.locator("#tasks").screenshot(path=str(ARTIFACTS / "auditor-tasks.png"))

    rows.first.get_by_role("button", name="Xem").click()
    mark = page.locator("#viewer-body mark")
    mark.wait_for()
    task = own[0]
    detail = httpx.get(live.url + "/api/documents/" + task["source"],
                       params={"start": task["start"], "end": task["end"]}).json()
    h = detail["highlight"]
    assert h["text"] == task["text"]
    shown = detail["reading"][h["reading_start"]:h["reading_end"]] if detail["reading"] else task["text"]
    assert mark.text_content() == shown and shown.strip()
    assert page.locator("#viewer-section").text_content() == task["section"]
    page.keyboard.press("Escape")
    assert page.locator("#viewer").is_hidden()


@pytest.fixture(scope="module")
def double_live(tmp_path_factory):
    """A live server over the in-memory double, whose OCR reading has two words marked unsure."""
    from assistant.settings import Settings
    from tests.api_double import make_engine

    tmp = tmp_path_factory.mktemp("double")
    settings = Settings(index_dir=tmp / "index", feedback_db=tmp / "feedback.sqlite3")
    with LiveServer(create_app(settings, make_engine())) as server:
        yield server


def test_unsure_words_show_their_ocr_spelling(browser, double_live):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(double_live.url + "/")
    _, events = ask(page, QUESTION)
    first = events["citations"][0][0]
    assert [u["ocr"] for u in first["unsure"]] == ["18", "nhan"]
    source = page.locator(".msg.assistant button.source").first
    flat = " ".join(first["reading"].split())
    assert source.locator(".quote").text_content() == (flat if len(flat) <= 220 else flat[:219] + "…")
    words = source.locator(".unsure")
    assert [words.nth(i).text_content() for i in range(words.count())] == ["lệ", "nhận"]
    assert [words.nth(i).get_attribute("title") for i in range(2)] == ["Bản gốc OCR: 18", "Bản gốc OCR: nhan"]
    assert words.first.evaluate("e => getComputedStyle(e).textDecorationStyle") == "dotted"
    assert source.locator(".quote").evaluate("e => getComputedStyle(e).textDecorationStyle") != "dotted"
    words.first.hover()  # the tooltip is the browser's own, from the title: hovering must not open the citation
    assert page.locator(".viewer").is_hidden()
    page.screenshot(path=str(ARTIFACTS / "unsure-words.png"))

    source.click()  # the reading pane marks the same words inside the highlighted passage
    reading_mark = page.locator(".viewer mark").nth(1)
    reading_mark.wait_for()
    assert reading_mark.text_content() == first["reading"]
    marked = reading_mark.locator(".unsure")
    assert [(marked.nth(i).text_content(), marked.nth(i).get_attribute("title")) for i in range(marked.count())] == [
        ("lệ", "Bản gốc OCR: 18"), ("nhận", "Bản gốc OCR: nhan")]
    assert page.locator(".viewer mark").first.locator(".unsure").count() == 0  # the OCR pane shows the OCR itself
    context.close()
    assert errors == [], errors
