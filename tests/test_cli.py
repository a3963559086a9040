"""The command line as users run it: real subprocesses, one-line errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .conftest import CORPUS, ROOT


def _run(*args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})}, timeout=600,
    )


def test_restore_reads_lines_and_writes_one_line_each():
    out = _run("restore", stdin="Nghi dinh s6 61/2018/ND-CP ngay 23/4/2018\n\nUBND TINH LAI CHAU\n")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split("\n")
    assert lines[0] == "Nghị định số 61/2018/NĐ-CP ngày 23/4/2018"
    assert lines[1] == "" and lines[2] == "UBND TỈNH LAI CHÂU"


def test_legal_refs_json_contract():
    out = _run("legal-refs", "--json", "--doc", "003_fd342793eadb954d.txt")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert {"source", "type", "number", "issuer", "date", "own", "mentions"} <= set(rows[0])
    own = [r for r in rows if r["own"]]
    assert own and own[0]["number"] == "265/KH-SYT"
    text = (CORPUS / "003_fd342793eadb954d.txt").read_text(encoding="utf-8")
    for r in rows:
        for m in r["mentions"]:
            assert text[m["start"] : m["end"]] == m["text"]


def test_missing_index_is_one_line_and_exit_1(tmp_path):
    out = _run("search", "cải cách hành chính", env={"ASSISTANT_INDEX_DIR": str(tmp_path / "none")})
    assert out.returncode == 1
    assert out.stderr.strip().startswith("error: no index") and "assistant index" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_ingest_reports_skipped_files(tmp_path):
    (tmp_path / "plan.txt").write_text("KẾ HOẠCH\nCải cách hành chính năm 2024 của Sở Y tế tỉnh Khánh Hòa.\n", "utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    out = _run("ingest", str(tmp_path), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert [d["source"] for d in report["documents"]] == ["plan.txt"]
    assert report["skipped"][0]["source"] == "empty.txt" and "empty" in report["skipped"][0]["reason"]


def test_usage_error_exit_code():
    out = _run("search", "x", "--no-such-option")
    assert out.returncode == 2


def test_bad_search_values_and_wordless_questions_are_one_line_errors():
    for args in [("search", "CCHC", "--mode", "foo"), ("search", "CCHC", "-k", "-3"), ("ask", "?"), ("ask", "")]:
        out = _run(*args)
        assert out.returncode == 1, (args, out.stdout)
        assert out.stderr.startswith("error: ") and len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_legal_refs_unknown_document_is_an_error():
    out = _run("legal-refs", "--doc", "nope.txt")
    assert out.returncode == 1 and "unknown document" in out.stderr and "000_" in out.stderr
