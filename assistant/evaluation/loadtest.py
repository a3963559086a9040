"""Load test of POST /api/ask: concurrent clients on loopback for a fixed time; errors, latency and throughput."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import time
from collections.abc import Sequence

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
