"""The command line as users run it: real subprocesses, one-line errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .conftest import CORPUS, ROOT


def _run(*args: str, stdin: str | None = None, env: dict | None = None,
         timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args], input=stdin, capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, **(env or {})}, timeout=timeout,
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


def test_ingest_reads_a_corpus_folder_in_any_encoding_beside_special_files(tmp_path):
    # The restoration model once read the folder named by ASSISTANT_CORPUS_DIR itself, as strict UTF-8: one
    # Windows-1258 or UTF-16 file (or a FIFO, which it waited on forever) failed every document.
    from assistant.text.encodings import encode_cp1258

    line = "Kế hoạch cải cách hành chính năm 2024 của Sở Y tế tỉnh Khánh Hòa: rà soát thủ tục hành chính.\n"
    plan = (CORPUS / "001_ee14a633a64a9df1.txt").read_text(encoding="utf-8")
    (tmp_path / "plan.txt").write_text(plan, encoding="utf-8")
    (tmp_path / "cp1258.txt").write_bytes(encode_cp1258(line))
    (tmp_path / "utf16.txt").write_bytes(line.encode("utf-16"))
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "folder.txt").mkdir()
    out = _run("ingest", "--json", env={"ASSISTANT_CORPUS_DIR": str(tmp_path)}, timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert {d["source"]: d["encoding"] for d in report["documents"]} == {
        "cp1258.txt": "cp1258", "plan.txt": "utf-8", "utf16.txt": "utf-16"}
    assert {s["source"] for s in report["skipped"]} == {"pipe.txt", "folder.txt"}


def test_ingest_reports_each_skipped_file_once_and_fails_when_nothing_is_readable(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    os.mkfifo(tmp_path / "pipe.txt")
    out = _run("ingest", str(tmp_path), timeout=300)
    assert out.returncode == 1
    assert out.stdout.count("empty.txt") == 1 and "WARNING" not in out.stderr, out.stderr  # no log line too
    assert out.stderr.startswith("error: no readable document") and len(out.stderr.strip().splitlines()) == 1
    out = _run("ingest", str(tmp_path), "--json", timeout=300)
    assert out.returncode == 1 and len(json.loads(out.stdout)["skipped"]) == 2



def test_ingest_json_names_the_header_fields_each_document_lacks(tmp_path):
    (tmp_path / "kh.md").write_text(
        "|\n**ỦY BAN NHÂN DÂN**\nTỈNH NGHỆ AN\n|\n**CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**\n|\n|\nSố: 987/KH-UBND\n|\n"
        "*Nghệ An, ngày 20 tháng 11 năm 2025*\n|\n\n**KẾ HOẠCH**\n\nPhát triển hạ tầng 5G\n\n**I. MỤC ĐÍCH**\n\n"
        "Phủ sóng 5G toàn bộ khu công nghiệp.\n", encoding="utf-8")
    out = _run("ingest", str(tmp_path), "--json", env={"ASSISTANT_RESTORE_OCR": "false"})
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)["documents"][0]
    assert doc["metadata"]["number"] == "987/KH-UBND" and doc["metadata"]["province"] == "Nghệ An"
    assert "signer" in doc["missing"] and "number" not in doc["missing"]


def test_ingest_shows_progress_on_a_large_corpus(tmp_path):
    for n in range(20):
        (tmp_path / f"plan_{n:02d}.md").write_text(f"# KẾ HOẠCH SỐ {n}\n\nCải cách hành chính năm 2024 của Sở Y tế, "
                                                   f"đợt {n}: rà soát thủ tục hành chính.\n", encoding="utf-8")
    out = _run("ingest", str(tmp_path), timeout=300)
    assert out.returncode == 0, out.stderr
    progress = [line for line in out.stderr.splitlines() if line.startswith("Đọc tài liệu:")]
    assert progress[0] == "Đọc tài liệu: 2/20 tệp" and progress[-1] == "Đọc tài liệu: 20/20 tệp"
    assert len(progress) == 10
