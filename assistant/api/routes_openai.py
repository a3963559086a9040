"""OpenAI-compatible endpoints: GET /v1/models and POST /v1/chat/completions (streaming and not)."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import JsonValue

from assistant.api import models as m
from assistant.api import openai_models as oai
from assistant.api.deps import EngineDep, State
from assistant.api.error_handlers import error_body, internal_error_body
from assistant.api.state import answer_deltas
from assistant.errors import AssistantError

log = logging.getLogger(__name__)
router = APIRouter()


@router.get("/v1/models", response_model=oai.ModelList, tags=["openai"])
async def models(state: State) -> oai.ModelList:
    """The one model this server offers."""
    return oai.ModelList(data=[oai.ModelCard(id=m.MODEL_ID, created=state.started)])


@router.post("/v1/chat/completions", response_model=oai.ChatCompletion, tags=["openai"],
             responses={200: {"content": {"text/event-stream": {}}}})
async def chat_completions(body: oai.ChatCompletionRequest, state: State,
                           engine: EngineDep) -> oai.ChatCompletion | StreamingResponse:
    """OpenAI-compatible chat: the last user message is the question, earlier ones the history."""
    question, history = state.chat_question(body.messages)
    state.check_question(question)
    filters = state.filters(engine, body.filters)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    if not body.stream:
        return await state.run(state.chat, engine, question, history, filters, completion_id)

    def data(payload: JsonValue) -> str:
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    def chunk(delta: dict[str, str], finish: str | None = None, **extra: JsonValue) -> str:
        return data({"id": completion_id, "object": "chat.completion.chunk", "created": state.now(),
                     "model": m.MODEL_ID, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra})

    async def chunks() -> AsyncIterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        try:
            completion = await state.run(state.chat, engine, question, history, filters, completion_id)
        except Exception as exc:  # the stream has started: the error travels inside it, then it ends
            if isinstance(exc, AssistantError):
                err = error_body(exc)
            else:
                log.exception("streamed chat completion failed")
                err = internal_error_body()
            yield data(m.ErrorResponse(error=err).model_dump())
            yield "data: [DONE]\n\n"
            return
        for piece in answer_deltas(completion.choices[0].message["content"]):
            yield chunk({"content": piece})
        yield chunk({}, "stop", citations=[c.model_dump() for c in completion.citations])
        yield "data: [DONE]\n\n"

    return StreamingResponse(chunks(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
