"""The app factory: HTTP API (ask, stream, search, documents, auditor, feedback, health, OpenAI-compatible), widget."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from assistant.api import (
    routes_ask,
    routes_auditor,
    routes_documents,
    routes_health,
    routes_openai,
    routes_pages,
)
from assistant.api.error_handlers import ERRORS, ContainErrors, install_error_handlers
from assistant.api.middleware import BodyLimit, HeadAsGet
from assistant.api.state import AppState
from assistant.engine import Engine
from assistant.settings import Settings

MAX_BODY_BYTES = 1_000_000
# Time for a whole request body to arrive once the app starts reading it: 1 MB takes seconds on a slow intranet
# link, while a client trickling bytes would otherwise hold a worker and a connection for as long as it likes.
BODY_TIMEOUT_S = 30.0


def create_app(settings: Settings | None = None, engine: Engine | None = None, *, state: AppState | None = None,
               startup: Callable[[AppState], Awaitable[None]] | None = None) -> FastAPI:
    """The FastAPI application. Without an engine, `startup` loads it before the server accepts requests, or by
    default it is loaded (built when needed) in the background while requests get 503."""
    state = state or AppState(settings or Settings(), engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if state.engine is None:
            if startup is not None:
                await startup(state)
            else:
                state.start_loading()
        try:
            yield
        finally:
            state.close()

    app = FastAPI(
        title="Trợ lý kế hoạch CCHC",
        description="Hỏi đáp có trích dẫn trên các kế hoạch cải cách hành chính (offline). "
                    "Every error has the shape {\"error\": {\"code\", \"message\", \"hint\"}}: `message` in "
                    "Vietnamese for people, `hint` in English for programs.",
        version="0.1.0",
        lifespan=lifespan,
        responses=ERRORS,
        docs_url=None,
        redoc_url=None,
    )
    app.state.assistant = state
    install_error_handlers(app)
    # Added innermost first: CORS outermost, so that a 413 or 408 reaches a widget on another origin readable.
    app.add_middleware(ContainErrors)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES, timeout_s=BODY_TIMEOUT_S)
    app.add_middleware(HeadAsGet)
    # The widget is meant to be embedded in other intranet pages; the API carries no cookies or credentials.
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "HEAD", "POST"],
                       allow_headers=["*"])
    for module in (routes_health, routes_ask, routes_documents, routes_auditor, routes_openai, routes_pages):
        app.include_router(module.router)
    routes_pages.add_doc_pages(app)
    return app
