"""The one errors module: every failure the user can cause or fix is one of these."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class; `code` is stable for API clients, `status` is the HTTP status."""

    code = "error"
    status = 500

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class IngestError(AssistantError):
    """A file could not be read; ingest reports it and goes on with the rest."""

    code = "unreadable_file"
    status = 422


class CorpusError(AssistantError):
    """The corpus folder is missing or holds nothing readable."""

    code = "corpus_error"
    status = 400


class ModelError(AssistantError):
    """The embedding model could not be found or built."""

    code = "model_error"
    status = 500


class IndexMissingError(AssistantError):
    """No index has been built yet."""

    code = "index_missing"
    status = 503


class IndexMismatchError(AssistantError):
    """The index on disk was built with other settings or another corpus."""

    code = "index_mismatch"
    status = 503


class BadRequest(AssistantError):
    """The request itself is invalid (empty or oversized question, bad filter, bad span)."""

    code = "bad_request"
    status = 400


class NotFound(AssistantError):
    """An unknown document or resource."""

    code = "not_found"
    status = 404


class NotReady(AssistantError):
    """The index is still loading (or failed to load)."""

    code = "not_ready"
    status = 503


class UpstreamError(AssistantError):
    """The optional generative model endpoint failed or timed out."""

    code = "upstream_error"
    status = 502
