"""Serving from several processes: the index is built once before the workers start, then every worker loads it
read-only, with torch's threads split between the workers and conversations shared through one SQLite file."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from fastapi import FastAPI

from assistant.api.app import create_app
from assistant.api.memory import SharedMemory
from assistant.api.state import AppState
from assistant.engine import Engine, ensure_index
from assistant.search.index import build_id, read_manifest
from assistant.settings import Settings

log = logging.getLogger(__name__)

# What the serving parent tells its workers (they are started afresh by uvicorn and read only the environment).
BUILD_ERROR_ENV = "ASSISTANT_SERVE_BUILD_ERROR"
MEMORY_ENV = "ASSISTANT_SERVE_MEMORY"
THREAD_ENVS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
# A worker is in service once its engine is loaded (model, index, one warm-up question): on a busy 2-core machine
# that takes tens of seconds, and uvicorn waits this long for a replacement worker on SIGHUP.
WORKER_STARTUP_S = 300


def cpu_count() -> int:
    """CPUs this process may run on."""
    return len(os.sched_getaffinity(0))


def worker_count(requested: int | None, settings: Settings) -> int:
    """Workers to start: the request, else the setting, else one per core; one with Qdrant's embedded mode,
    whose folder only one process at a time may open."""
    workers = requested or settings.workers or cpu_count()
    if workers > 1 and settings.store == "qdrant" and settings.qdrant_path and not settings.qdrant_url:
        log.warning("Qdrant's embedded mode (ASSISTANT_QDRANT_PATH) allows one process: serving with one worker")
        return 1
    return workers


def threads_per_worker(workers: int) -> int:
    """Torch threads of each worker: its share of the cores less one, left to the event loops, the JSON work and
    the clients. libgomp's threads spin between parallel regions; a team that does not fit the free cores waits
    for a descheduled member at each of the ~400 regions of a question (measured under load: 2 threads in one
    process 350-540 ms a query embedding, 1 thread 42-45 ms; quiet: 15 and 19 ms)."""
    return max(1, cpu_count() // workers - 1)


def use_threads(workers: int) -> dict[str, str]:
    """Set torch's thread count for `workers` processes in this process's environment (read when torch loads and
    inherited by the workers), unless the operator set it; returns what was set."""
    threads = {name: str(threads_per_worker(workers)) for name in THREAD_ENVS if name not in os.environ}
    os.environ.update(threads)
    return threads


def prepare_index(settings: Settings) -> dict:
    """Build the index when missing or stale, before any worker starts (workers only load it). When only the
    corpus changed and the rebuild fails, the previous build serves; any other failure is raised. Returns the
    build that will serve, its skipped files and why the rebuild failed."""
    from assistant.search.embed import load_encoder

    encoder = load_encoder(settings.embedding_model, settings.cache_dir / "models", settings.embedding_segmented)
    build_error = ensure_index(settings, encoder)
    manifest = read_manifest(settings.index_dir)
    return {"build": build_id(settings.index_dir / "current"), "skipped": manifest.get("skipped", []),
            "build_error": build_error}


def prepare_index_apart(settings: Settings) -> dict:
    """`prepare_index` in a short-lived process: the supervisor of the workers stays up as long as they do, and
    would otherwise keep the encoder it loaded (~280 MB measured, more after a build)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(prepare_index, settings).result()


def single_process_state(settings: Settings) -> AppState:
    """The state of a one-process server, its engine opened (built when needed) on the engine thread, so that
    torch runs on that one thread; a failure is raised."""
    use_threads(1)
    state = AppState(settings)
    state.engine = state.run_blocking(Engine.open, settings, True)
    return state


def worker_environment(status: dict, memory: Path) -> dict[str, str]:
    """Environment variables for the workers: why the rebuild at start-up failed, with the build that serves
    instead, and the shared memory file."""
    failure = {"build": status["build"], "error": status["build_error"]} if status["build_error"] else None
    return {BUILD_ERROR_ENV: json.dumps(failure), MEMORY_ENV: str(memory)}


def worker_app() -> FastAPI:
    """The app of one worker process (uvicorn's factory): settings from the environment, the engine loaded
    without building before the worker accepts requests."""
    settings = Settings()
    failure = json.loads(os.environ.get(BUILD_ERROR_ENV) or "null")
    memory = os.environ.get(MEMORY_ENV)
    state = AppState(settings, memory=SharedMemory(Path(memory)) if memory else None)

    async def load(s: AppState) -> None:
        await s.run(s.load, False)
        # A worker started after a later `assistant index` (SIGHUP, or a dead worker replaced) serves a newer
        # build, which the start-up failure is not about.
        if failure and s.engine is not None and s.engine.build_id == failure["build"] and not s.engine.build_error:
            s.engine.build_error = failure["error"]

    return create_app(settings, state=state, startup=load)


def serve_workers(settings: Settings, host: str, port: int, workers: int, status: dict) -> None:
    """Serve with `workers` processes sharing the listening socket (uvicorn's supervisor restarts a dead worker;
    SIGHUP replaces the workers one by one, each new one loading the newest build before the old one stops)."""
    import uvicorn

    with tempfile.TemporaryDirectory(prefix="assistant-serve-") as tmp:
        memory = Path(tmp) / "memory.sqlite3"
        SharedMemory(memory)  # created once here, so that workers starting together find the tables
        use_threads(workers)
        os.environ.update(worker_environment(status, memory))
        uvicorn.run("assistant.api.serving:worker_app", factory=True, host=host, port=port, workers=workers,
                    log_level="info", timeout_worker_healthcheck=WORKER_STARTUP_S)
