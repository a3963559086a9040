"""Off-topic questions: the corpus vocabulary (accents compared), the evidence floor, and what an abstention says."""

from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from assistant.answer.scope import OFF_TOPIC, RELATED_SHOWN, Scope, Word, best_share, units, with_related
from assistant.restore.restorer import Restoration
from assistant.types import Chunk, Document, Metadata, Passage
from tests.conftest import ROOT
from tests.live_server import real_engine_and_settings

# Excerpts of corpus/000 (Hà Tĩnh) and corpus/001 (Khánh Hòa): "cấp phó" and "bộ máy" fold like "phở" and "bò".
CLEAN = ("Tăng cường công tác kiểm tra việc bố trí số lượng cấp trưởng, cấp phó tại các đơn vị sự nghiệp công lập; "
         "sắp xếp lại bộ máy đảm bảo tinh gọn. Mức độ hài lòng của người dân đạt trên 87%.")
OCR = "Phong Tb chitc can bd chu tri tong hop béo cao S¢ Noi vu"  # "béo" is OCR noise for "báo"
READING = "Phòng Tổ chức cán bộ chủ trì tổng hợp báo cáo Sở Nội vụ"


def _index() -> SimpleNamespace:
    docs = {
        "kh.md": Document("kh.md", CLEAN, "0" * 64, "md", "utf-8", Metadata(issuer="Sở Y tế tỉnh Khánh Hòa",
                                                                             province="Khánh Hòa", number="/KH-SYT")),
        "ht.txt": Document("ht.txt", OCR, "1" * 64, "txt", "utf-8", Metadata(province="Hà Tĩnh"), ocr_damaged=True),
    }
    tokens = []
    o = r = 0
    for a, b in zip(OCR.split(" "), READING.split(" "), strict=True):
        tokens.append((o, o + len(a), r, r + len(b)))
        o, r = o + len(a) + 1, r + len(b) + 1
    chunks = [Chunk(f"{s}#0-{len(d.text)}", s, 0, len(d.text), d.text, "I. NỘI DUNG", 0, "", "", "", d.metadata)
              for s, d in docs.items()]
    return SimpleNamespace(documents=docs, chunks=chunks, restorations={"ht.txt": Restoration(READING, tuple(tokens))})


@pytest.fixture(scope="module")
def scope() -> Scope:
    return Scope.of_index(_index())


def _passage(source: str, text: str, reading: str | None = None, start: int = 0) -> Passage:
    return Passage(source, start, start + len(text), text, 1.0, "I. NỘI DUNG", f"{source}#{start}", reading)


def test_units_are_syllables_and_adjacent_pairs_in_both_spellings() -> None:
    accented, folded = units("Cấp phó, bộ máy 2024")
    assert {"cấp", "phó", "cấp phó", "bộ máy"} <= accented and "phó bộ" not in accented  # the comma breaks
    assert {"cap pho", "bo may"} <= folded


def test_accented_words_are_looked_up_with_their_accents(scope: Scope) -> None:
    words = scope.words("Công thức nấu phở bò?")
    assert [w.syllables for w in words] == [("công", "thức"), ("nấu",), ("phở",), ("bò",)]
    assert all(w.accented for w in words) and scope.uncovered(words, "", False)
    # Typed without diacritics the words are only folded keys, and "pho", "bo" are in the plans ("phó", "bộ"):
    # the vocabulary cannot tell, the evidence floor has to.
    bare = scope.words("cong thuc nau pho bo")
    assert not scope.uncovered(bare, "", False) and {w.syllables for w in bare if scope.supported(w)} == {("pho",), ("bo",)}


def test_ocr_documents_count_in_their_restored_reading(scope: Scope) -> None:
    assert scope.supported(Word(("báo", "cáo"), True)) and scope.supported(Word(("bao", "cao"), False))
    assert not scope.supported(Word(("béo",), True)) and not scope.supported(Word(("beo",), False))


def test_question_words_places_and_acronyms(scope: Scope) -> None:
    words = [" ".join(w.syllables) for w in scope.words("Sở Y tế Khánh Hòa giao đơn vị nào chủ trì ở Cà Mau?")]
    assert "khánh hòa" not in words and "cà mau" not in words and "nào" not in words
    assert "đơn vị" in words and "chủ trì" in words
    assert scope.words("TTYT huyện")[0] == Word(("trung", "tam", "y", "te"), False)


def test_a_question_without_content_words_is_off_topic_unless_it_names_a_plan_or_place(scope: Scope) -> None:
    assert scope.words("Khánh Hòa 2024?") == []
    assert not scope.uncovered([], "Khánh Hòa 2024?", names_a_document=True)
    assert not scope.uncovered(scope.words("Còn Cà Mau thì sao?"), "Còn Cà Mau thì sao?", names_a_document=False)
    assert scope.uncovered(scope.words("' OR '1'='1"), "' OR '1'='1", names_a_document=False)


def test_english_words_the_glossary_cannot_render_are_left_out(scope: Scope) -> None:
    words, left_out = scope.question_words("How do I bake a chocolate cake?", "như thế nào?")
    assert words == [] and [w.syllables for w in left_out] == [("bake",), ("chocolate",), ("cake",)]
    assert scope.uncovered(words + left_out, "như thế nào?", False)


def test_evidence_is_the_best_passages_weighted_share(scope: Scope) -> None:
    words = scope.words("Mức độ hài lòng của người dân về giá vàng?")
    passages = [_passage("kh.md", CLEAN[:40]), _passage("kh.md", CLEAN[-60:], start=len(CLEAN) - 60)]
    both = scope.evidence(words, passages)
    assert 0 < both < 1 and both == scope.evidence(words, passages[1:])  # the second passage holds the words
    assert scope.evidence(words, passages[:1]) < both
    assert scope.evidence([], passages) == 1.0


def test_best_share_weighs_unseen_words_more() -> None:
    presence = [[True, False]]
    assert best_share([1.0, 1.0], [True, False], presence, 1.0) == pytest.approx(0.5)
    assert best_share([1.0, 1.0], [True, False], presence, 3.0) == pytest.approx(0.25)
    assert best_share([1.0, 1.0], [True, True], [], 3.0) == 0.0


def test_an_abstention_names_the_passages_it_returns() -> None:
    index = _index()
    passages = [_passage("kh.md", CLEAN[:40], start=i) for i in range(RELATED_SHOWN + 2)]
    text = with_related("Không có thông tin.", passages, index.documents)
    lines = text.splitlines()
    assert lines[0] == "Không có thông tin." and len(lines) == 2 + RELATED_SHOWN
    for line, p in zip(lines[2:], passages, strict=False):
        assert line.endswith(f"({p.source} [{p.start}:{p.end}])") and line.startswith("- Sở Y tế Khánh Hòa: “")
    ocr = with_related("Không có thông tin.", [_passage("ht.txt", OCR, READING)], index.documents)
    assert READING[:20] in ocr and OCR[:20] not in ocr  # OCR text is shown in its restored reading
    assert with_related("Không có thông tin.", [], index.documents) == "Không có thông tin."


# --- on the real engine -------------------------------------------------------------------------------------------
OFF_TOPIC_QUESTIONS = ["Who won the football world cup in 2022?", "Giá vàng hôm nay bao nhiêu?", "Công thức nấu phở bò?",
                       "'; DROP TABLE users; --", "cong thuc nau pho bo", "gia vang hom nay bao nhieu"]
ON_TOPIC_QUESTIONS = ["Phòng nào của Sở Y tế Hà Tĩnh chủ trì tổng hợp báo cáo Sở Nội vụ về kết quả CCHC?",
                      "ha tinh giam bao nhieu bien che vien chuc nam 2023",
                      "Which software does the Khanh Hoa Department of Health use to process incoming documents?"]
UNANSWERED = "Năm 2023 Sở Y tế Khánh Hòa xếp hạng thứ mấy trong bảng xếp hạng Chỉ số CCHC của tỉnh?"


@pytest.fixture(scope="module")
def answerer():
    return real_engine_and_settings()[0].answerer


@pytest.mark.slow
@pytest.mark.parametrize("question", OFF_TOPIC_QUESTIONS)
def test_off_topic_questions_abstain_without_citations(answerer, question: str) -> None:
    a = answerer.ask(question)
    assert a.abstained and a.text == OFF_TOPIC and not a.citations and not a.passages


@pytest.mark.slow
@pytest.mark.parametrize("question", ON_TOPIC_QUESTIONS)
def test_questions_about_the_plans_are_not_off_topic(answerer, question: str) -> None:
    a = answerer.ask(question)
    assert not a.abstained and a.citations, a.text


@pytest.mark.slow
def test_an_abstention_lists_what_the_answer_returns(answerer) -> None:
    a = answerer.ask(UNANSWERED)
    assert a.abstained and a.text != OFF_TOPIC and a.passages
    for p in a.passages[:RELATED_SHOWN]:
        assert f"{p.source} [{p.start}:{p.end}]" in a.text


@pytest.mark.slow
def test_what_an_abstention_says_is_what_the_api_and_the_cli_show() -> None:
    from assistant.api.app import create_app

    engine, settings = real_engine_and_settings()
    with TestClient(create_app(settings, engine), raise_server_exceptions=False) as client:
        body = client.post("/api/ask", json={"question": UNANSWERED}).json()
        assert body["abstained"] and body["passages"]
        for p in body["passages"][:RELATED_SHOWN]:
            assert f"{p['source']} [{p['start']}:{p['end']}]" in body["answer"]
        off = client.post("/api/ask", json={"question": "Công thức nấu phở bò?"}).json()
        assert off["abstained"] and off["answer"] == OFF_TOPIC and not off["passages"] and not off["citations"]
    env = {"ASSISTANT_INDEX_DIR": str(settings.index_dir), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", UNANSWERED, "--json"], capture_output=True,
                         text=True, cwd=ROOT, env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout)
    shown = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", UNANSWERED], capture_output=True, text=True,
                           cwd=ROOT, env=env, timeout=600).stdout
    for p in record["passages"][:RELATED_SHOWN]:
        assert f"{p['source']} [{p['start']}:{p['end']}]" in shown
