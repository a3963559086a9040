"""Corpus faults: a bad file never stops ingest, index or serve; builds are timed honestly and never remove
another build's work; the serving engine knows which build it serves and which files were skipped."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.engine import Engine, build
from assistant.errors import CorpusError
from assistant.settings import Settings
from tests.conftest import CORPUS, ROOT, approx_tokens

QUESTION = "Sở Y tế tỉnh Khánh Hòa đặt chỉ tiêu gì về thủ tục hành chính năm 2024?"


class FakeEncoder:
    """A stand-in for the embedding model (no torch): a unit vector drawn from each text's hash."""

    name = "fake-encoder"
    dim = 16

    def count_tokens(self, text: str) -> int:
        return approx_tokens(text)

    def _vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
        v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
        return v / np.linalg.norm(v)

    def encode_passages(self, texts: list[str], batch_size: int = 32, show_progress: bool = False):
        return np.stack([self._vector(t) for t in texts])

    def encode_queries(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts])


def _clean_corpus(folder: Path) -> Path:
    """The two clean plans (001 Khánh Hòa, 004 Thanh Hóa): no OCR restoration to wait for."""
    folder.mkdir()
    for prefix in ("001", "004"):
        path = next(CORPUS.glob(f"{prefix}_*"))
        shutil.copy(path, folder / path.name)
    return folder


def _settings(tmp_path: Path, corpus: Path, **kw) -> Settings:
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", feedback_db=tmp_path / "feedback.sqlite3",
                    **kw)


def test_index_seconds_cover_the_whole_build(tmp_path):
    settings = _settings(tmp_path, _clean_corpus(tmp_path / "corpus"))
    t0 = time.perf_counter()
    stats = build(settings, FakeEncoder())
    wall = time.perf_counter() - t0
    # reading and parsing the plans is most of this build: the reported time must include it
    assert 0.95 * wall <= stats["seconds"] <= wall + 0.001  # rounded to milliseconds
    assert stats["read_seconds"] + stats["embed_seconds"] <= stats["seconds"]
    assert stats["read_seconds"] > stats["embed_seconds"]


def test_a_finished_build_removes_older_builds_but_never_a_running_one(tmp_path):
    settings = _settings(tmp_path, _clean_corpus(tmp_path / "corpus"))
    builds = settings.index_dir / "builds"
    builds.mkdir(parents=True)
    older = builds / "20000101-000000-1-aaaaaa"
    older.mkdir()
    running = builds / f".tmp-20000101-000000-{os.getpid()}-bbbbbb"  # another build still writing (alive pid)
    running.mkdir()
    (running / "vectors.npy").write_bytes(b"half written")
    finished = subprocess.Popen(["true"])
    finished.wait()
    crashed = builds / f".tmp-20000101-000000-{finished.pid}-cccccc"  # left by a process that died
    crashed.mkdir()
    first = build(settings, FakeEncoder())
    second = build(settings, FakeEncoder())  # same process, same second: its own folder all the same
    assert first["build"] != second["build"]
    assert (running / "vectors.npy").read_bytes() == b"half written"
    assert not older.exists() and not crashed.exists() and not (builds / first["build"]).exists()
    assert sorted(p.name for p in builds.iterdir()) == sorted([running.name, second["build"]])
    assert (settings.index_dir / "current").resolve().name == second["build"]


def test_the_engine_knows_its_build_and_a_newer_one(tmp_path):
    settings, encoder = _settings(tmp_path, _clean_corpus(tmp_path / "corpus")), FakeEncoder()
    first = build(settings, encoder)
    engine = Engine.open(settings, encoder=encoder)
    assert engine.build_id == first["build"] and engine.newer_build() is None
    second = build(settings, encoder)  # `assistant index` while the server runs
    status = engine.status()
    assert status["build"] == first["build"] and status["newer_build"] == second["build"]
    assert status["documents"] == 2 and status["skipped"] == [] and status["build_error"] is None
    assert engine.answerer.ask(QUESTION).citations  # the loaded build still answers until swapped
    fresh = engine.reloaded()
    assert fresh.build_id == second["build"] and fresh.newer_build() is None and fresh.encoder is encoder


def test_nothing_readable_is_an_error_and_serve_keeps_the_previous_build(tmp_path):
    settings, encoder = _settings(tmp_path, _clean_corpus(tmp_path / "corpus")), FakeEncoder()
    first = build(settings, encoder)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "empty.txt").write_bytes(b"")
    os.mkfifo(broken / "pipe.txt")
    broken_settings = settings.model_copy(update={"corpus_dir": broken})
    with pytest.raises(CorpusError, match="no readable document"):
        build(broken_settings, encoder)
    engine = Engine.open(broken_settings, build_if_needed=True, encoder=encoder)
    assert engine.build_id == first["build"]
    assert "no readable document" in engine.build_error
    assert engine.status()["build_error"] == engine.build_error
    assert engine.answerer.ask(QUESTION).citations


def test_a_file_over_the_chunk_budget_is_skipped_with_its_reason(tmp_path):
    settings = _settings(tmp_path, _clean_corpus(tmp_path / "corpus"), max_chunks_per_file=36)
    stats = build(settings, FakeEncoder())  # 001 makes 34 chunks, 004 makes 38
    reasons = {s["source"]: s["reason"] for s in stats["skipped"]}
    assert stats["documents"] == 1 and list(reasons) == [next(CORPUS.glob("004_*")).name]
    assert "too long to index (38 chunks" in next(iter(reasons.values()))
    assert "ASSISTANT_MAX_CHUNKS_PER_FILE" in next(iter(reasons.values()))
    # far over the budget: skipped before any restoration or chunking work
    with pytest.raises(CorpusError, match="too long to index"):
        build(settings.model_copy(update={"max_chunks_per_file": 1}), FakeEncoder())


def _truncated_docx(path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("Kế hoạch cải cách hành chính năm 2024 của Sở Y tế")
    d.save(str(path))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def bad_corpus(folder: Path) -> dict[str, str]:
    """The five plans, two good files in other encodings and one file of each bad kind; returns the expected
    reason (a fragment) of every file that must be skipped."""
    from assistant.text.encodings import encode_cp1258

    folder.mkdir()
    for path in sorted(CORPUS.glob("*.txt")):
        shutil.copy(path, folder / path.name)
    line = "Kế hoạch truyền thông cải cách hành chính năm 2024 của Trung tâm Y tế huyện Cam Lâm.\n"
    (folder / "cp1258.txt").write_bytes(encode_cp1258(line))
    (folder / "utf16.txt").write_bytes(line.encode("utf-16"))
    expected = {
        "loop.txt": "symbolic link loop", "outside.txt": "outside the corpus folder", "pipe.txt": "FIFO",
        "folder.txt": "is a folder", "truncated.docx": "truncated", "big.txt": "too large",
        "empty.txt": "empty", "socket.txt": "socket", "gone.txt": "broken link",
    }
    (folder / "loop.txt").symlink_to("loop.txt")
    (folder / "outside.txt").symlink_to("/etc/passwd")
    (folder / "gone.txt").symlink_to(folder / "deleted.txt")
    os.mkfifo(folder / "pipe.txt")
    (folder / "folder.txt").mkdir()
    _truncated_docx(folder / "truncated.docx")
    (folder / "big.txt").write_text(line * 2000, encoding="utf-8")  # 0.2 MB: over the 0.1 MB budget below
    (folder / "empty.txt").write_bytes(b"")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(folder / "socket.txt"))
    try:
        os.mknod(folder / "device.txt", stat.S_IFCHR | 0o600, os.makedev(1, 3))
        expected["device.txt"] = "character device"
    except (PermissionError, OSError):
        pass  # no CAP_MKNOD here
    (folder / "locked.txt").write_text(line, encoding="utf-8")
    (folder / "locked.txt").chmod(0)
    if os.geteuid() != 0:  # root reads it all the same
        expected["locked.txt"] = "permission denied"
    return expected


@pytest.mark.slow
def test_five_plans_and_every_kind_of_bad_file(tmp_path):
    from tests.live_server import real_engine_and_settings

    engine, served = real_engine_and_settings()
    expected = bad_corpus(tmp_path / "corpus")
    settings = served.model_copy(update={
        "corpus_dir": tmp_path / "corpus", "index_dir": tmp_path / "index", "max_file_mb": 0.1,
        "feedback_db": tmp_path / "feedback.sqlite3"})
    shutil.copytree(served.index_dir.resolve() / "current", settings.index_dir / "builds" / "seed")
    (settings.index_dir / "current").symlink_to("builds/seed")  # the plans' embeddings are reused
    started = time.monotonic()
    opened = Engine.open(settings, build_if_needed=True, encoder=engine.encoder)  # what `serve` does
    assert time.monotonic() - started < 600
    plans = {p.name for p in CORPUS.glob("*.txt")}
    assert plans | {"cp1258.txt", "utf16.txt"} <= set(opened.index.documents)
    assert opened.index.documents["cp1258.txt"].encoding == "cp1258"
    reasons = {s["source"]: s["reason"] for s in opened.status()["skipped"]}
    assert set(expected) <= set(reasons), set(expected) - set(reasons)
    for source, fragment in expected.items():
        assert reasons[source].startswith(f"{source}: ") and fragment in reasons[source], reasons[source]
    assert "Package not found" not in reasons["truncated.docx"]
    assert str(tmp_path) not in reasons["truncated.docx"]
    assert not any("root:" in d.text for d in opened.index.documents.values())  # /etc/passwd never indexed
    answer = opened.answerer.ask(QUESTION)
    assert not answer.abstained and any(c.source in plans for c in answer.citations)
    # served over HTTP: /readyz lists the skipped files with their reasons, /api/ask answers
    from fastapi.testclient import TestClient

    from assistant.api.app import create_app

    with TestClient(create_app(settings, opened)) as client:
        ready = client.get("/readyz").json()
        assert ready["status"] == "ready" and {s["source"]: s["reason"] for s in ready["skipped"]} == reasons
        assert client.post("/api/ask", json={"question": QUESTION}).json()["citations"]

    command = [sys.executable, "-m", "assistant.cli", "ingest", str(tmp_path / "corpus"), "--json"]
    out = subprocess.run(command,
                         capture_output=True, text=True, cwd=ROOT, timeout=600,
                         env={**os.environ, "ASSISTANT_MAX_FILE_MB": "0.1"})
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert {d["source"] for d in report["documents"]} == set(opened.index.documents)
    assert {s["source"]: s["reason"] for s in report["skipped"]} == reasons
