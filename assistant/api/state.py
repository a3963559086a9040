"""Server-side state of the HTTP API: the engine, conversations, recent answers and the feedback store."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from pydantic import JsonValue

from assistant.answer.answerer import Turn
from assistant.api import models as m
from assistant.api import openai_models as oai
from assistant.api.memory import MAX_TURNS, History, LocalMemory, Memory
from assistant.engine import Engine
from assistant.errors import BadRequest, NotFound, NotReady
from assistant.search.retrieve import Filters, check_question
from assistant.settings import Settings

log = logging.getLogger(__name__)

_DELTA_RE = re.compile(r"\S+\s*")
R = TypeVar("R")


class FeedbackStore:
    """Ratings in SQLite (stdlib), the file and table created on first use."""

    SCHEMA = """CREATE TABLE IF NOT EXISTS feedback (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        answer_id TEXT, question TEXT, answer TEXT, sources TEXT,
        rating TEXT NOT NULL CHECK (rating IN ('up', 'down')), comment TEXT)"""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def add(self, answer_id: str | None, question: str | None, answer: str | None, sources: list[str],
            rating: str, comment: str | None) -> int:
        """Store one rating; returns its row id."""
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path)
            try:
                with con:
                    con.execute(self.SCHEMA)
                    cur = con.execute(
                        "INSERT INTO feedback (answer_id, question, answer, sources, rating, comment) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (answer_id, question, answer, json.dumps(sources, ensure_ascii=False), rating, comment),
                    )
                return int(cur.lastrowid)
            finally:
                con.close()


def sse(event: str, data: JsonValue) -> str:
    """One server-sent event with a JSON payload."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def answer_deltas(text: str, words: int = 4) -> list[str]:
    """The answer text in pieces of a few words, whitespace kept, so the pieces join back to the text."""
    tokens = _DELTA_RE.findall(text)
    lead = text[: len(text) - len(text.lstrip())]
    pieces = ["".join(tokens[i : i + words]) for i in range(0, len(tokens), words)]
    if lead:
        pieces = [lead + (pieces[0] if pieces else "")] + pieces[1:]
    return pieces


class AppState:
    """Everything one app instance keeps between requests."""

    def __init__(self, settings: Settings, engine: Engine | None = None, memory: Memory | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.load_error: str | None = None
        self.started = int(time.time())
        # Engine work (loading, embedding, retrieval, answers) runs on one thread of its own, which also serialises
        # it: the tokenizer and encoder are not safe to share between threads, and every further thread that runs
        # torch starts its own OpenMP team, after which libgomp stops spinning between parallel regions and sleeps
        # on a futex instead (~400 sleeps a question: retrieval 19 -> 33 ms when it ran on anyio's pool).
        self._engine_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine")
        self.memory: Memory = memory or LocalMemory()
        self.feedback = FeedbackStore(settings.feedback_db)

    @staticmethod
    def now() -> int:
        """Unix time, for OpenAI `created` fields."""
        return int(time.time())

    async def run(self, fn: Callable[..., R], *args: object) -> R:
        """Run `fn(*args)` on the engine thread without blocking the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._engine_thread, functools.partial(fn, *args))

    def run_blocking(self, fn: Callable[..., R], *args: object) -> R:
        """Run `fn(*args)` on the engine thread and wait for it (before the server starts)."""
        return self._engine_thread.submit(fn, *args).result()

    def start_loading(self, build: bool = True) -> None:
        """Load the engine on its thread in the background; requests get 503 until it is ready."""
        self._engine_thread.submit(self.load, build)

    def close(self) -> None:
        """Stop the engine thread once its current work is done."""
        self._engine_thread.shutdown(wait=False, cancel_futures=True)

    def load(self, build: bool = True) -> None:
        """Open the engine (building the index first when `build` and needed); call it on the engine thread."""
        try:
            engine = Engine.open(self.settings, build_if_needed=build)
            log.info("engine ready: %d documents", len(engine.index.documents))
            self.engine = engine
        except Exception as exc:  # reported by /readyz and every engine endpoint instead of killing the server
            log.exception("engine failed to load")
            self.load_error = str(exc)

    def ready_engine(self) -> Engine:
        """The engine, or NotReady (503) while it loads."""
        if self.engine is not None:
            return self.engine
        if self.load_error:
            raise NotReady("Không nạp được chỉ mục tài liệu; quản trị viên cần xem nhật ký máy chủ.",
                           hint=f"The index failed to load: {self.load_error}. See the server log; fix and restart.")
        raise NotReady("Hệ thống đang nạp chỉ mục tài liệu, vui lòng thử lại sau ít giây.",
                       hint="The index is still loading; retry in a few seconds (GET /readyz tells when it is ready).")

    def check_question(self, question: str) -> None:
        """Reject empty, oversized and unsearchable questions (400)."""
        if not question or not question.strip():
            raise BadRequest("Câu hỏi đang để trống.",
                             hint="The question is empty; type one, e.g. 'Mục tiêu CCHC năm 2023 là gì?'.")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise BadRequest(f"Câu hỏi dài {len(question)} ký tự, quá giới hạn {limit} ký tự.",
                             hint=f"The question is {len(question)} characters long; the limit is {limit}.")
        try:
            check_question(question)  # something to search for, valid Unicode
        except BadRequest as exc:  # the library's message is English: it becomes the hint
            raise BadRequest("Câu hỏi cần có chữ hoặc chữ số để tìm kiếm và chỉ gồm ký tự hợp lệ.",
                             hint=str(exc)) from exc

    def filters(self, engine: Engine, f: m.FiltersIn | None) -> Filters | None:
        """Library filters from the request's, checking that a named document exists."""
        if f is None:
            return None
        if f.source and f.source not in engine.index.documents:
            raise BadRequest(f"Bộ lọc chọn một tài liệu không có trong chỉ mục: {f.source!r}.",
                             hint=f"Unknown document in filters: {f.source!r}; GET /api/documents lists the ids.")
        return Filters(source=f.source or None, issuer=f.issuer or None, province=f.province or None, year=f.year)

    def ask(self, engine: Engine, body: m.AskRequest) -> m.AskResponse:
        """Answer inside a conversation and remember the turn (runs on the engine thread)."""
        self.check_question(body.question)
        filters = self.filters(engine, body.filters)
        conversation_id = body.conversation_id or uuid.uuid4().hex
        history = self.memory.history(conversation_id) if body.conversation_id else ()
        answer = engine.answerer.ask(body.question, history, filters)
        sources = tuple(dict.fromkeys(c.source for c in answer.citations))
        answer_id = uuid.uuid4().hex
        self.memory.remember(conversation_id, Turn(body.question, answer.text, sources), answer_id)
        return m.ask_response(answer, answer_id, conversation_id)

    @staticmethod
    def chat_question(messages: list[oai.ChatMessage]) -> tuple[str, History]:
        """The last user message, and earlier user/assistant pairs as history."""
        users = [i for i, msg in enumerate(messages) if msg.role == "user"]
        if not users:
            raise BadRequest("Không có tin nhắn nào của người dùng để trả lời.",
                             hint="No user message: the last message with role 'user' is the question.")
        last = users[-1]
        history: list[Turn] = []
        pending: str | None = None
        for msg in messages[:last]:
            if msg.role == "user":
                pending = msg.text()
            elif msg.role == "assistant" and pending is not None:
                # Our own earlier replies end with a "Nguồn:" footer; the answerer wants the answer alone.
                history.append(Turn(pending, msg.text().split("\n\nNguồn:\n")[0]))
                pending = None
        return messages[last].text(), tuple(history[-MAX_TURNS:])

    def chat(self, engine: Engine, question: str, history: History, filters: Filters | None,
             completion_id: str) -> oai.ChatCompletion:
        """An OpenAI chat completion with citations (runs on the engine thread)."""
        answer = engine.answerer.ask(question, history, filters)
        citations = [m.citation_out(c) for c in answer.citations]
        content = answer.text + m.sources_footer(citations)
        return oai.ChatCompletion(id=completion_id, created=self.now(), model=m.MODEL_ID,
                                choices=[oai.ChatChoice(message={"role": "assistant", "content": content})],
                                citations=citations)

    def add_feedback(self, body: m.FeedbackRequest) -> int:
        """Store feedback on a recent answer (by id) or on a given question and answer."""
        question, answer = body.question, body.answer
        sources: list[str] = []
        if body.answer_id:
            known = self.memory.answer(body.answer_id)
            if known is not None:
                question, answer, sources = known
        if not (question and answer):
            if body.answer_id:
                raise NotFound("Không tìm thấy câu trả lời được đánh giá.",
                               hint=f"Unknown answer id {body.answer_id!r} (recent answers are kept in memory); "
                                    "send the question and answer text with the rating.")
            raise BadRequest("Đánh giá cần kèm mã câu trả lời, hoặc cả câu hỏi lẫn câu trả lời.",
                             hint="Feedback needs an answer_id, or a question and an answer.")
        return self.feedback.add(body.answer_id, question, answer, sources, body.rating, body.comment)
