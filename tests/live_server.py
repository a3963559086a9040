"""A real uvicorn server on a free loopback port, and the real engine built once per test session."""

from __future__ import annotations

import functools
import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn

from assistant.settings import Settings


class LiveServer:
    """Runs an ASGI app in a background thread; `url` is its base address."""

    def __init__(self, app) -> None:
        # Bind first and hand the socket to uvicorn: no window in which another process can take the port.
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@functools.lru_cache(maxsize=1)
def real_engine_and_settings() -> tuple[object, Settings]:
    """The real engine over the bundled corpus, its index built into a fresh temporary folder (once)."""
    from assistant.engine import Engine

    tmp = Path(tempfile.mkdtemp(prefix="assistant-live-"))
    settings = Settings(index_dir=tmp / "index", feedback_db=tmp / "feedback.sqlite3")
    return Engine.open(settings, build_if_needed=True), settings
