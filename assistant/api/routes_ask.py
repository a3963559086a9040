"""Questions: a cited answer (whole or streamed as server-sent events) and ranked passages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from assistant.api import models as m
from assistant.api.deps import EngineDep, State
from assistant.api.error_handlers import error_body, internal_error_body
from assistant.api.state import answer_deltas, sse
from assistant.errors import AssistantError
from assistant.types import Passage

log = logging.getLogger(__name__)
router = APIRouter()
MAX_K = 100  # the CLI's `search -k` range too


@router.post("/api/ask", response_model=m.AskResponse, tags=["ask"])
async def ask(body: m.AskRequest, state: State, engine: EngineDep) -> m.AskResponse:
    """Answer a question with numbered citations; pass `conversation_id` back for follow-ups."""
    return await state.run(state.ask, engine, body)


@router.post("/api/ask/stream", tags=["ask"],
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "Events: delta {text}…, citations [..], done {id, conversation_id, …}"}})
async def ask_stream(body: m.AskRequest, state: State, engine: EngineDep) -> StreamingResponse:
    """The answer as server-sent events: `delta` pieces of text, then `citations`, then `done`."""
    state.check_question(body.question)
    state.filters(engine, body.filters)

    async def events() -> AsyncIterator[str]:
        try:
            result = await state.run(state.ask, engine, body)
        except AssistantError as exc:
            yield sse("error", m.ErrorResponse(error=error_body(exc)).model_dump())
            return
        except Exception:
            log.exception("streamed answer failed")
            yield sse("error", m.ErrorResponse(error=internal_error_body()).model_dump())
            return
        for piece in answer_deltas(result.answer):
            yield sse("delta", {"text": piece})
        yield sse("citations", [c.model_dump() for c in result.citations])
        yield sse("done", result.model_dump(exclude={"citations", "answer"}))

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/api/search", response_model=m.SearchResponse, tags=["search"])
async def search(
    state: State,
    engine: EngineDep,
    # Emptiness and length are checked in code (400 bad_request), like the question of /api/ask.
    q: Annotated[str, Query(description="Query text: at least one letter or digit",
                            json_schema_extra={"minLength": 1})],
    k: Annotated[int, Query(ge=1, le=MAX_K, description="Number of passages")] = 10,
    source: Annotated[str | None, Query(max_length=500, description="Document id")] = None,
    province: Annotated[str | None, Query(max_length=100)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2200, description="Plans covering this year")] = None,
    issuer: Annotated[str | None, Query(max_length=200)] = None,
    mode: Literal["hybrid", "bm25", "dense"] = "hybrid",
) -> m.SearchResponse:
    """Ranked passages with exact spans."""
    state.check_question(q)
    filters = state.filters(engine, m.FiltersIn(source=source, province=province, year=year, issuer=issuer))

    passages: list[Passage] = await state.run(engine.retriever.search, q, k, filters, mode)
    return m.SearchResponse(query=q, passages=[m.passage_out(p) for p in passages])
