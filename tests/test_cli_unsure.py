"""`assistant ask` marks the words of an OCR citation's reading that the restoration is unsure of."""

from __future__ import annotations

from typer.testing import CliRunner

from assistant.cli.app import app
from assistant.cli.questions import marked_reading
from assistant.types import Citation, Metadata, UnsureWord
from tests.api.conftest import QUESTION
from tests.api_double import make_engine


def test_marked_reading_puts_a_question_mark_after_each_unsure_word() -> None:
    reading = "Sở đạt tỷ lệ; tối thiểu\n70% số hồ sơ tiếp nhận;"
    c = Citation(1, "x.txt", 0, 1, "x", "", Metadata(), reading,
                 (UnsureWord(10, 12, "18"), UnsureWord(reading.index("nhận"), reading.index("nhận") + 4, "nhan")))
    assert marked_reading(c) == "Sở đạt tỷ lệ?; tối thiểu 70% số hồ sơ tiếp nhận?;"
    assert marked_reading(c, limit=20) == "Sở đạt tỷ lệ?; tối …"
    assert marked_reading(Citation(1, "x.txt", 0, 1, "x", "", Metadata(), "a  b")) == "a b"


def test_ask_prints_unsure_words_with_their_ocr_spelling(monkeypatch) -> None:
    from assistant.engine import Engine

    monkeypatch.setattr(Engine, "open", classmethod(lambda cls, settings: make_engine()))
    out = CliRunner().invoke(app, ["ask", QUESTION])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("[1] "))
    assert "tỷ lệ? tối thiểu" in lines[header + 1] and "tiếp nhận?;" in lines[header + 1]
    assert lines[header + 2].strip() == "(?) chưa chắc, bản gốc OCR: lệ ← 18, nhận ← nhan"
    assert not any("?" in line for line in lines[header + 3:]), lines  # the clean citation [2] has no marks

    as_json = CliRunner().invoke(app, ["ask", QUESTION, "--json"])
    assert as_json.exit_code == 0 and "(?)" not in as_json.output
