"""Liveness, readiness and feedback on answers."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter

from assistant.api import models as m
from assistant.api.deps import State

router = APIRouter()


@router.get("/healthz", response_model=m.Health, tags=["health"])
async def healthz() -> m.Health:
    """Liveness: the process answers."""
    return m.Health(status="ok")


@router.get("/readyz", response_model=m.Health, tags=["health"])
async def readyz(state: State) -> m.Health:
    """Readiness: 503 until the index is loaded; then the build served, a newer build if one exists, skipped files."""
    engine = state.ready_engine()
    return m.Health(status="ready", **await to_thread.run_sync(engine.status))


@router.post("/api/feedback", response_model=m.FeedbackResponse, tags=["feedback"])
async def feedback(body: m.FeedbackRequest, state: State) -> m.FeedbackResponse:
    """Store a thumbs up/down (and comment) on an answer."""
    return m.FeedbackResponse(id=await to_thread.run_sync(state.add_feedback, body))
