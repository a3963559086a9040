"""OpenAI-compatible endpoints: GET /v1/models and POST /v1/chat/completions (streaming and not)."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

from anyio import to_thread
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from assistant.api import models as m
from assistant.api import openai_models as oai
from assistant.api.deps import EngineDep, State
from assistant.api.state import answer_deltas
from assistant.errors import AssistantError

log = logging.getLogger(__name__)


def add_openai_routes(app: FastAPI) -> None:
    @app.get("/v1/models", response_model=oai.ModelList, tags=["openai"])
    async def models(state: State) -> oai.ModelList:
        """The one model this server offers."""
        return oai.ModelList(data=[oai.ModelCard(id=m.MODEL_ID, created=state.started)])

    @app.post("/v1/chat/completions", response_model=oai.ChatCompletion, tags=["openai"],
              responses={200: {"content": {"text/event-stream": {}}}})
    async def chat_completions(body: oai.ChatCompletionRequest, state: State, engine: EngineDep) -> Any:
        """OpenAI-compatible chat: the last user message is the question, earlier ones the history."""
        question, history = state.chat_question(body.messages)
        state.check_question(question)
        filters = state.filters(engine, body.filters)
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        if not body.stream:
            completion = await to_thread.run_sync(state.chat, engine, question, history, filters, completion_id)
            return completion

        async def chunks() -> AsyncIterator[str]:
            def chunk(delta: dict, finish: str | None = None, **extra: Any) -> str:
                payload = {"id": completion_id, "object": "chat.completion.chunk", "created": state.now(),
                           "model": m.MODEL_ID, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                return f"data: {json.dumps(payload | extra, ensure_ascii=False)}\n\n"

            yield chunk({"role": "assistant", "content": ""})
            try:
                completion = await to_thread.run_sync(state.chat, engine, question, history, filters, completion_id)
            except AssistantError as exc:  # the stream has started: the error travels inside it, then it ends
                err = {"error": {"code": exc.code, "message": exc.message, "hint": exc.hint}}
            except Exception:
                log.exception("streamed chat completion failed")
                err = {"error": {"code": "internal_error", "message": "Internal server error.", "hint": None}}
            else:
                err = None
            if err is not None:
                yield f"data: {json.dumps(err, ensure_ascii=False)}\n\n"
                yield "data: [DONE]\n\n"
                return
            for piece in answer_deltas(completion.choices[0].message["content"]):
                yield chunk({"content": piece})
            yield chunk({}, "stop", citations=[c.model_dump() for c in completion.citations])
            yield "data: [DONE]\n\n"

        return StreamingResponse(chunks(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
