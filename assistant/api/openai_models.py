"""Request and response models of the OpenAI-compatible endpoints (/v1/models, /v1/chat/completions)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from assistant.api.models import MODEL_ID, CitationOut, FiltersIn


class ChatMessage(BaseModel):
    """An OpenAI chat message; list content keeps only its text parts."""

    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, JsonValue]] | None = None

    def text(self) -> str:
        """The message's text."""
        if isinstance(self.content, list):
            parts = [p.get("text") for p in self.content if p.get("type") == "text"]
            return "".join(t for t in parts if isinstance(t, str))
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    """An OpenAI chat completion request; sampling parameters are accepted and ignored (answers are extractive)."""

    model_config = ConfigDict(extra="allow")

    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    filters: FiltersIn | None = Field(None, description="Extension: the same filters as /api/ask")


class ChatChoice(BaseModel):
    """One completion choice."""

    index: int = 0
    message: dict[str, str]
    finish_reason: str = "stop"


class ChatCompletion(BaseModel):
    """An OpenAI chat completion plus the extension field `citations`."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    citations: list[CitationOut]


class ModelCard(BaseModel):
    """An OpenAI model entry."""

    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "assistant"


class ModelList(BaseModel):
    """The OpenAI model list."""

    object: Literal["list"] = "list"
    data: list[ModelCard]
