"""Serving from several processes: shared conversation memory, worker count and environment, and a real
`assistant serve --workers 2` answering over HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.answer.answerer import Turn
from assistant.api import serving
from assistant.api.memory import MAX_TURNS, LocalMemory, SharedMemory
from assistant.settings import Settings
from tests.api.conftest import QUESTION


@pytest.mark.parametrize("kind", ["local", "shared"])
def test_memory_keeps_the_last_turns_and_answers_by_id(tmp_path, kind):
    memory = LocalMemory() if kind == "local" else SharedMemory(tmp_path / "m.sqlite3")
    assert memory.history("c1") == () and memory.answer("a0") is None
    for i in range(MAX_TURNS + 2):
        memory.remember("c1", Turn(f"hỏi {i}", f"đáp {i}", ("000.txt", f"00{i}.txt")), f"a{i}")
    history = memory.history("c1")
    assert [t.question for t in history] == [f"hỏi {i}" for i in range(2, MAX_TURNS + 2)]
    assert history[-1] == Turn(f"hỏi {MAX_TURNS + 1}", f"đáp {MAX_TURNS + 1}", ("000.txt", f"00{MAX_TURNS + 1}.txt"))
    assert memory.answer("a3") == ("hỏi 3", "đáp 3", ["000.txt", "003.txt"])
    assert memory.history("other") == ()


def test_shared_memory_is_seen_by_another_process_and_keeps_resolved_turns(tmp_path):
    path = tmp_path / "m.sqlite3"
    SharedMemory(path).remember("c", Turn("q", "a", ("s",), "q resolved", ("s",), "Lai Châu"), "a1")
    # another worker process opens the same file
    code = ("import sys, json; from pathlib import Path; from assistant.api.memory import SharedMemory; "
            "m = SharedMemory(Path(sys.argv[1])); t = m.history('c')[0]; "
            "print(json.dumps([t.question, t.resolved, list(t.plan), t.province, m.answer('a1')]))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ["q", "q resolved", ["s"], "Lai Châu", ["q", "a", ["s"]]]


def test_shared_memory_turns_of_one_conversation_from_two_threads_are_all_kept(tmp_path):
    memory = SharedMemory(tmp_path / "m.sqlite3")

    def add(tag: str) -> None:
        for i in range(3):
            memory.remember("c", Turn(f"{tag}{i}", "a"), f"{tag}{i}")

    threads = [threading.Thread(target=add, args=(t,)) for t in "xy"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(t.question for t in memory.history("c")) == ["x0", "x1", "x2", "y0", "y1", "y2"]


def test_worker_count_and_threads(monkeypatch):
    monkeypatch.setattr(serving, "cpu_count", lambda: 4)
    assert serving.worker_count(None, Settings()) == 4
    assert serving.worker_count(None, Settings(workers=3)) == 3
    assert serving.worker_count(2, Settings(workers=3)) == 2
    embedded = Settings(store="qdrant", qdrant_path="/tmp/q")
    assert serving.worker_count(4, embedded) == 1  # Qdrant's embedded mode: one process may open the folder
    assert serving.worker_count(4, embedded.model_copy(update={"qdrant_url": "http://q:6333"})) == 4


def test_threads_split_between_workers_unless_the_operator_set_them(monkeypatch, tmp_path):
    monkeypatch.setattr(serving, "cpu_count", lambda: 4)
    assert [serving.threads_per_worker(n) for n in (1, 2, 3, 4, 8)] == [3, 1, 1, 1, 1]
    for name in serving.THREAD_ENVS:  # set first, so that monkeypatch restores what use_threads writes
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    assert serving.use_threads(1) == {"OMP_NUM_THREADS": "3", "MKL_NUM_THREADS": "3"}
    assert os.environ["OMP_NUM_THREADS"] == "3"
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    monkeypatch.delenv("MKL_NUM_THREADS")
    assert serving.use_threads(4) == {"MKL_NUM_THREADS": "1"} and os.environ["OMP_NUM_THREADS"] == "2"
    env = serving.worker_environment({"build": "b1", "build_error": "OSError: boom"}, tmp_path / "m")
    assert json.loads(env[serving.BUILD_ERROR_ENV]) == {"build": "b1", "error": "OSError: boom"}
    assert env[serving.MEMORY_ENV] == str(tmp_path / "m")
    assert json.loads(serving.worker_environment({"build": "b1", "build_error": None}, tmp_path)[serving.BUILD_ERROR_ENV]) is None


def test_worker_loads_without_building_before_serving_and_keeps_the_start_up_failure_of_its_build(
        monkeypatch, tmp_path):
    import assistant.engine
    from tests.api_double import make_engine

    double = make_engine()
    double.build_id, double.build_error = "b1", None
    calls = []

    def fake_open(settings, build_if_needed=False):
        calls.append(build_if_needed)
        return double

    monkeypatch.setattr(assistant.engine.Engine, "open", staticmethod(fake_open))
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(tmp_path / "feedback.sqlite3"))
    monkeypatch.setenv(serving.MEMORY_ENV, str(tmp_path / "memory.sqlite3"))
    monkeypatch.setenv(serving.BUILD_ERROR_ENV, json.dumps({"build": "b1", "error": "OSError: boom"}))
    with TestClient(serving.worker_app()) as c:
        assert c.get("/readyz").status_code == 200  # loaded during start-up: ready with its first request
        first = c.post("/api/ask", json={"question": QUESTION}).json()
        follow = c.post("/api/ask", json={"question": "Còn năm sau?", "conversation_id": first["conversation_id"]})
        assert follow.status_code == 200
    assert calls == [False] and double.build_error == "OSError: boom"
    # the conversation is in the shared file, for the other workers
    assert [t.question for t in SharedMemory(tmp_path / "memory.sqlite3").history(first["conversation_id"])] == [
        QUESTION, "Còn năm sau?"]
    double.build_id, double.build_error = "b2", None  # a worker started after a later `assistant index`
    with TestClient(serving.worker_app()) as c:
        assert c.get("/readyz").status_code == 200
    assert double.build_error is None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
        return [int(x) for x in f.read().split()]


@pytest.mark.slow
def test_serve_with_two_workers_answers_and_shares_conversations(tmp_path):
    from tests.live_server import real_engine_and_settings

    _, settings = real_engine_and_settings()
    port = _free_port()
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(settings.index_dir),
           "ASSISTANT_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3")}
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port), "--workers", "2"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "server not ready"
            try:
                if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        # both workers load the index before the supervisor lets them serve; the parent has them as children
        workers = [p for p in _children(proc.pid) if "resource_tracker" not in open(f"/proc/{p}/cmdline").read()]
        assert len(workers) == 2
        with httpx.Client(base_url=url, timeout=120) as http:
            ready = http.get("/readyz").json()
            assert ready["build"] == settings.index_dir.joinpath("current").resolve().name
            # a new connection per request reaches either worker; every answer id must be known to all of them
            for _ in range(6):
                r = httpx.post(f"{url}/api/ask", json={"question": "Tỷ lệ hài lòng của người dân đạt bao nhiêu?"},
                               timeout=120)
                assert r.status_code == 200 and r.json()["citations"], r.text
                rated = httpx.post(f"{url}/api/feedback", json={"answer_id": r.json()["id"], "rating": "up"},
                                   timeout=60)
                assert rated.status_code == 200, rated.text
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert proc.returncode == 0
