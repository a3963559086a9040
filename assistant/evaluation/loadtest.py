"""Load test of POST /api/ask: concurrent clients on loopback for a fixed time; errors, latency and throughput."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from assistant.evaluation.metrics import percentile

log = logging.getLogger(__name__)

# Generic questions about administrative-reform plans, with and without diacritics, and in English.
QUESTIONS = (
    "Mục tiêu cải cách hành chính của Sở Y tế là gì?",
    "Tỷ lệ hồ sơ thủ tục hành chính được giải quyết trực tuyến là bao nhiêu?",
    "Kế hoạch giao nhiệm vụ tuyên truyền cải cách hành chính cho đơn vị nào?",
    "cai cach the che gom nhung noi dung gi",
    "Những giải pháp nâng cao chỉ số hài lòng của người dân?",
    "What are the digital transformation targets of the health department?",
)


async def _client(http: httpx.AsyncClient, worker: int, deadline: float, questions: Sequence[str],
                  latencies: list[float], errors: dict[str, int]) -> None:
    i = worker
    while time.perf_counter() < deadline:
        question = questions[i % len(questions)]
        i += 1
        t0 = time.perf_counter()
        try:
            r = await http.post("/api/ask", json={"question": question})
            ok = r.status_code == 200 and "answer" in r.json()
            key = "ok" if ok else f"http_{r.status_code}"
        except (httpx.HTTPError, json.JSONDecodeError) as exc:
            key = type(exc).__name__
        if key == "ok":
            latencies.append((time.perf_counter() - t0) * 1000)
        else:
            errors[key] = errors.get(key, 0) + 1


async def wait_ready(http: httpx.AsyncClient, timeout_s: float = 600) -> None:
    """Poll /readyz until the server has its index loaded (it may still be building it)."""
    deadline = time.perf_counter() + timeout_s
    while True:
        try:
            if (await http.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.perf_counter() > deadline:
            raise TimeoutError(f"server not ready after {timeout_s:.0f} s")
        await asyncio.sleep(1)


async def run_async(base_url: str, clients: int = 32, seconds: float = 30,
                    questions: Sequence[str] = QUESTIONS) -> dict:
    """Drive `clients` concurrent loops of POST /api/ask for `seconds`; returns the measurements."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    # Requests queue behind one another on a busy server; the timeout only guards against a hung one.
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=max(60.0, seconds * 4)) as http:
        await wait_ready(http)
        start = time.perf_counter()
        deadline = start + seconds
        await asyncio.gather(*(_client(http, w, deadline, questions, latencies, errors) for w in range(clients)))
        elapsed = time.perf_counter() - start
    total = len(latencies) + sum(errors.values())
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests": total,
        "ok": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "requests_per_s": round(total / elapsed, 2) if elapsed else 0.0,
        "p50_ms": round(percentile(latencies, 50), 1) if latencies else float("nan"),
        "p95_ms": round(percentile(latencies, 95), 1) if latencies else float("nan"),
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else float("nan"),
        "max_ms": round(max(latencies), 1) if latencies else float("nan"),
    }


def single_client(base_url: str, questions: Sequence[str], rounds: int = 5) -> dict:
    """One client asking `questions` one after another, `rounds` times after a warm-up pass: latency as the client
    sees it, and the server's own timings of each answer (retrieval, composition)."""
    import httpx

    total, retrieve, compose = [], [], []
    with httpx.Client(base_url=base_url, timeout=120) as http:
        for q in questions:
            http.post("/api/ask", json={"question": q}).raise_for_status()
        for _ in range(rounds):
            for q in questions:
                t0 = time.perf_counter()
                r = http.post("/api/ask", json={"question": q})
                total.append((time.perf_counter() - t0) * 1000)
                r.raise_for_status()
                retrieve.append(r.json()["timings_ms"]["retrieve_ms"])
                compose.append(r.json()["timings_ms"]["compose_ms"])

    def pct(xs: list[float]) -> dict[str, float]:
        return {"p50": round(percentile(xs, 50), 2), "p95": round(percentile(xs, 95), 2), "n": len(xs)}

    return {"http_ms": pct(total), "server_retrieve_ms": pct(retrieve), "server_compose_ms": pct(compose)}


def memory_mb(pid: int) -> dict[str, float]:
    """Resident (RSS), proportional (PSS: shared pages divided among the processes mapping them) and private
    anonymous memory of a process, from /proc/<pid>/smaps_rollup."""
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                fields[parts[0].rstrip(":")] = int(parts[1])
    return {"rss_mb": round(fields.get("Rss", 0) / 1024, 1), "pss_mb": round(fields.get("Pss", 0) / 1024, 1),
            "anonymous_mb": round(fields.get("Anonymous", 0) / 1024, 1)}


def _worker_pids(pid: int, workers: int) -> list[int]:
    """The processes that serve: the server itself, or with several workers its children (less multiprocessing's
    resource tracker)."""
    if workers == 1:
        return [pid]
    with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
        children = [int(x) for x in f.read().split()]
    out = []
    for child in children:
        with open(f"/proc/{child}/cmdline", "rb") as f:
            if b"resource_tracker" not in f.read():
                out.append(child)
    return out


@dataclass
class Server:
    """A running `assistant serve` subprocess."""

    url: str
    pid: int
    workers: int

    def memory(self) -> dict:
        """Memory of the supervising process (with several workers) and of each worker."""
        per_worker = [memory_mb(p) for p in _worker_pids(self.pid, self.workers)]
        out: dict = {"workers": per_worker}
        if self.workers > 1:
            out["supervisor"] = memory_mb(self.pid)
        out["total_pss_mb"] = round(sum(w["pss_mb"] for w in per_worker) + out.get("supervisor", {}).get("pss_mb", 0), 1)
        return out


@contextmanager
def serve(workers: int, timeout_s: float = 600, env: dict[str, str] | None = None) -> Iterator[Server]:
    """`assistant serve --workers N` on a free loopback port, yielded once every worker has its engine loaded."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--workers", str(workers)], env={**os.environ, **(env or {})},
                            stderr=subprocess.PIPE, text=True)
    started = threading.Semaphore(0)

    def follow() -> None:  # the server's log goes on to ours, less the access log of the measured requests; each
        # worker logs its start-up once its engine is loaded
        for line in proc.stderr:
            if " HTTP/1.1\" " not in line:
                sys.stderr.write(line)
            if "Application startup complete" in line:
                started.release()

    threading.Thread(target=follow, daemon=True).start()
    try:
        deadline = time.monotonic() + timeout_s
        for _ in range(workers):
            while not started.acquire(timeout=1):
                if proc.poll() is not None:
                    raise RuntimeError(f"the server exited with {proc.returncode}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"server not ready after {timeout_s:.0f} s")
        yield Server(f"http://127.0.0.1:{port}", proc.pid, workers)
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def run(base_url: str, clients: int = 32, seconds: float = 30, questions: Sequence[str] = QUESTIONS) -> dict:
    """Synchronous wrapper of `run_async`."""
    return asyncio.run(run_async(base_url, clients, seconds, questions))


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m assistant.evaluation.loadtest http://127.0.0.1:8000 --clients 32 --seconds 30` prints JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base_url")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    result = run(args.base_url, args.clients, args.seconds)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
