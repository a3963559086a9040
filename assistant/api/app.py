"""HTTP API: ask, stream, search, documents, feedback, health, the chat widget and an OpenAI-compatible endpoint."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from anyio import to_thread
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.api import models as m
from assistant.api.auditor import add_auditor_routes
from assistant.api.deps import EngineDep, State
from assistant.api.openai_compat import add_openai_routes
from assistant.api.state import AppState, answer_deltas, sse
from assistant.errors import AssistantError, BadRequest, NotFound
from assistant.restore.restorer import to_restored_span
from assistant.search.query import years_covered
from assistant.settings import Settings

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent / "web"
MAX_BODY_BYTES = 1_000_000
# The page only ever loads its own script and style and talks to its own API; answers are rendered as text.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'self'")
ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": m.ErrorResponse} for s in (400, 404, 413, 422, 500, 503)
}


def _error(status: int, code: str, message: str, hint: str | None = None) -> JSONResponse:
    body = m.ErrorResponse(error=m.ErrorBody(code=code, message=message, hint=hint))
    return JSONResponse(body.model_dump(), status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    """Every failure leaves in the one shape {"error": {"code", "message", "hint"}}."""

    @app.exception_handler(AssistantError)
    async def assistant_error(_: Request, exc: AssistantError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, exc.hint)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return _error(400, "malformed_json", "Request body is not valid JSON.",
                          "Send a JSON object with Content-Type: application/json.")
        parts = [f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg', '')}" for e in errors[:5]]
        return _error(422, "invalid_request", "; ".join(parts), "See /docs for the request schema.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette raises 400 only when it cannot parse the body (invalid UTF-8, broken form data).
        codes = {400: "malformed_json", 404: "not_found", 405: "method_not_allowed"}
        return _error(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail))

    def internal_error(request: Request) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error(500, "internal_error", "Internal server error.", "The server log has the details.")

    @app.middleware("http")
    async def contain_errors(request: Request, call_next: Any) -> Any:
        # Starlette re-raises an unhandled error after the 500 is sent, and the server then drops the client's
        # kept-alive connection; answering here keeps the connection and the server serving.
        try:
            return await call_next(request)
        except Exception:
            return internal_error(request)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return internal_error(request)  # an error in a middleware outside `contain_errors`


def create_app(settings: Settings | None = None, engine: Any = None) -> FastAPI:
    """The FastAPI application; the engine is loaded in the background at startup when not given."""
    settings = settings or Settings()
    state = AppState(settings, engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if state.engine is None:
            threading.Thread(target=state.load, name="engine-loader", daemon=True).start()
        yield

    app = FastAPI(
        title="Trợ lý kế hoạch CCHC",
        description="Hỏi đáp có trích dẫn trên các kế hoạch cải cách hành chính (offline). "
                    "Every error has the shape {\"error\": {\"code\", \"message\", \"hint\"}}.",
        version="0.1.0",
        lifespan=lifespan,
        responses=ERRORS,
        docs_url=None,
    )
    app.state.assistant = state
    # The widget is meant to be embedded in other intranet pages; the API carries no cookies or credentials.
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"], allow_headers=["*"])
    _install_error_handlers(app)

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable) -> Any:
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            return _error(413, "payload_too_large", f"Request body over {MAX_BODY_BYTES} bytes.")
        return await call_next(request)

    _add_api_routes(app)
    add_auditor_routes(app)
    add_openai_routes(app)
    _add_static_routes(app)
    _add_docs_routes(app)
    return app


def _add_api_routes(app: FastAPI) -> None:
    @app.get("/healthz", response_model=m.Health, tags=["health"])
    async def healthz() -> m.Health:
        """Liveness: the process answers."""
        return m.Health(status="ok")

    @app.get("/readyz", response_model=m.Health, tags=["health"])
    async def readyz(state: State) -> m.Health:
        """Readiness: 503 until the index is loaded."""
        engine = state.ready_engine()
        return m.Health(status="ready", documents=len(engine.index.documents), chunks=len(engine.index.chunks))

    @app.post("/api/ask", response_model=m.AskResponse, tags=["ask"])
    async def ask(body: m.AskRequest, state: State, engine: EngineDep) -> m.AskResponse:
        """Answer a question with numbered citations; pass `conversation_id` back for follow-ups."""
        return await to_thread.run_sync(state.ask, engine, body)

    @app.post("/api/ask/stream", tags=["ask"],
              responses={200: {"content": {"text/event-stream": {}},
                               "description": "Events: delta {text}…, citations [..], done {id, conversation_id, …}"}})
    async def ask_stream(body: m.AskRequest, state: State, engine: EngineDep) -> StreamingResponse:
        """The answer as server-sent events: `delta` pieces of text, then `citations`, then `done`."""
        state.check_question(body.question)
        state.filters(engine, body.filters)

        async def events() -> AsyncIterator[str]:
            try:
                result = await to_thread.run_sync(state.ask, engine, body)
            except AssistantError as exc:
                yield sse("error", {"error": {"code": exc.code, "message": exc.message, "hint": exc.hint}})
                return
            except Exception:
                log.exception("streamed answer failed")
                yield sse("error", {"error": {"code": "internal_error", "message": "Internal server error.",
                                              "hint": None}})
                return
            for piece in answer_deltas(result.answer):
                yield sse("delta", {"text": piece})
            yield sse("citations", [c.model_dump() for c in result.citations])
            yield sse("done", result.model_dump(exclude={"citations", "answer"}))

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.get("/api/search", response_model=m.SearchResponse, tags=["search"])
    async def search(
        state: State,
        engine: EngineDep,
        q: Annotated[str, Query(description="Query text")] = "",
        k: Annotated[int, Query(ge=1, le=50)] = 10,
        source: str | None = None,
        province: str | None = None,
        year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
        issuer: str | None = None,
        mode: Annotated[str, Query(pattern="^(hybrid|bm25|dense)$")] = "hybrid",
    ) -> m.SearchResponse:
        """Ranked passages with exact spans."""
        state.check_question(q)
        filters = state.filters(engine, m.FiltersIn(source=source, province=province, year=year, issuer=issuer))

        def run() -> list:
            with state.engine_lock:
                return engine.retriever.search(q, k, filters, mode)

        passages = await to_thread.run_sync(run)
        return m.SearchResponse(query=q, passages=[m.passage_out(p) for p in passages])

    @app.get("/api/documents", response_model=m.DocumentList, tags=["documents"])
    async def documents(engine: EngineDep) -> m.DocumentList:
        """Every indexed document with its metadata, and the provinces and years to filter by."""
        docs = [m.document_summary(d, years_covered(d), d.source in engine.index.restorations)
                for d in engine.index.documents.values()]
        provinces = sorted({d.metadata["province"] for d in docs if d.metadata.get("province")})
        years = sorted({y for d in docs for y in d.years})
        return m.DocumentList(documents=docs, provinces=provinces, years=years)

    @app.get("/api/documents/{doc_id:path}", response_model=m.DocumentDetail, tags=["documents"])
    async def document(
        doc_id: str,
        engine: EngineDep,
        start: Annotated[int | None, Query(description="Highlight start (character offset)")] = None,
        end: Annotated[int | None, Query(description="Highlight end (exclusive)")] = None,
    ) -> m.DocumentDetail:
        """A document's text, section tree, restored reading (OCR text) and a validated highlight span."""
        doc = engine.index.documents.get(doc_id)
        if doc is None:
            raise NotFound(f"Unknown document: {doc_id!r}.", hint="GET /api/documents lists the document ids.")
        restoration = engine.index.restorations.get(doc_id)
        highlight = None
        if start is not None or end is not None:
            if start is None or end is None or not 0 <= start < end <= len(doc.text):
                raise BadRequest(f"Span {start}-{end} is outside the document.",
                                 hint=f"Give both start and end with 0 ≤ start < end ≤ {len(doc.text)}.")
            highlight = m.Highlight(start=start, end=end, text=doc.text[start:end])
            if restoration is not None:
                highlight.reading_start, highlight.reading_end = to_restored_span(restoration, start, end)
        summary = m.document_summary(doc, years_covered(doc), restoration is not None)
        return m.DocumentDetail(**summary.model_dump(), text=doc.text,
                                reading=restoration.text if restoration is not None else None,
                                sections=[m.section_out(s) for s in doc.sections], highlight=highlight)

    @app.post("/api/feedback", response_model=m.FeedbackResponse, tags=["feedback"])
    async def feedback(body: m.FeedbackRequest, state: State) -> m.FeedbackResponse:
        """Store a thumbs up/down (and comment) on an answer."""
        return m.FeedbackResponse(id=await to_thread.run_sync(state.add_feedback, body))


def _add_static_routes(app: FastAPI) -> None:
    def static(name: str, media_type: str, headers: dict[str, str] | None = None) -> Callable:
        async def serve() -> FileResponse:
            return FileResponse(WEB_DIR / name, media_type=media_type,
                                headers={"Cache-Control": "no-cache", **(headers or {})})

        return serve

    app.get("/", include_in_schema=False)(static("index.html", "text/html; charset=utf-8",
                                                 {"Content-Security-Policy": PAGE_CSP}))
    app.get("/widget.js", include_in_schema=False)(static("widget.js", "text/javascript; charset=utf-8"))
    app.get("/widget.css", include_in_schema=False)(static("widget.css", "text/css; charset=utf-8"))
    app.get("/auditor", include_in_schema=False)(static("auditor.html", "text/html; charset=utf-8",
                                                        {"Content-Security-Policy": PAGE_CSP}))
    app.get("/auditor.js", include_in_schema=False)(static("auditor.js", "text/javascript; charset=utf-8"))
    app.get("/auditor.css", include_in_schema=False)(static("auditor.css", "text/css; charset=utf-8"))

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204)



def _add_docs_routes(app: FastAPI) -> None:
    """Swagger UI at /docs from the swagger-ui-bundle package: the default page pulls its assets from a CDN."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:  # still usable where a CDN is reachable
        log.warning("swagger-ui-bundle is not installed; /docs loads Swagger UI from a CDN")
        swagger_ui_path = None
    if swagger_ui_path is not None:
        app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")
    assets = "/docs-assets" if swagger_ui_path is not None else None

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        if assets is None:
            return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} — API")
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} — API",
                                   swagger_js_url=f"{assets}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{assets}/swagger-ui.css",
                                   swagger_favicon_url=f"{assets}/favicon-32x32.png")
