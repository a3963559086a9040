"""FastAPI dependencies shared by the API's route modules: the app state and the ready engine."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from assistant.api.state import AppState


def _state(request: Request) -> AppState:
    return request.app.state.assistant


def _engine(state: Annotated[AppState, Depends(_state)]) -> Any:
    return state.ready_engine()


State = Annotated[AppState, Depends(_state)]
EngineDep = Annotated[Any, Depends(_engine)]
