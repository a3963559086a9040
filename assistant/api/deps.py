"""FastAPI dependencies shared by the API's route modules: the app state and the ready engine."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.api.state import AppState
from assistant.engine import Engine


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.assistant
    return state


def _engine(state: Annotated[AppState, Depends(_state)]) -> Engine:
    return state.ready_engine()


State = Annotated[AppState, Depends(_state)]
EngineDep = Annotated[Engine, Depends(_engine)]
