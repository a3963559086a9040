"""What the server remembers between requests: conversations (for follow-up questions) and recent answers (for
feedback by answer id), in this process or, when several worker processes serve, in one SQLite file they share."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from assistant.answer.answerer import Turn

MAX_CONVERSATIONS = 2000
MAX_TURNS = 8
MAX_ANSWERS = 5000
V = TypeVar("V")
History = tuple[Turn, ...]
Remembered = tuple[str, str, list[str]]  # question, answer, cited sources


class LRU(OrderedDict[str, V], Generic[V]):
    """A bounded mapping that forgets the least recently used entry."""

    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.capacity = capacity

    def touch(self, key: str, value: V) -> None:
        """Insert or refresh an entry, evicting the oldest beyond capacity."""
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.capacity:
            self.popitem(last=False)


class Memory(Protocol):
    """Conversations and recent answers, bounded."""

    def history(self, conversation_id: str) -> History:
        """The turns of a conversation so far (empty when unknown)."""
        ...

    def remember(self, conversation_id: str, turn: Turn, answer_id: str) -> None:
        """Append a turn to its conversation (keeping the last MAX_TURNS) and remember the answer by id."""
        ...

    def answer(self, answer_id: str) -> Remembered | None:
        """A recent answer by id: question, answer text, cited sources."""
        ...


class LocalMemory:
    """In this process only: one server process, or tests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.conversations: LRU[History] = LRU(MAX_CONVERSATIONS)
        self.answers: LRU[Remembered] = LRU(MAX_ANSWERS)

    def history(self, conversation_id: str) -> History:
        """The turns of a conversation so far (empty when unknown)."""
        with self._lock:
            return tuple(self.conversations.get(conversation_id, ()))

    def remember(self, conversation_id: str, turn: Turn, answer_id: str) -> None:
        """Append a turn to its conversation (keeping the last MAX_TURNS) and remember the answer by id."""
        with self._lock:
            turns = (*self.conversations.get(conversation_id, ()), turn)
            self.conversations.touch(conversation_id, turns[-MAX_TURNS:])
            self.answers.touch(answer_id, (turn.question, turn.answer, list(turn.sources)))

    def answer(self, answer_id: str) -> Remembered | None:
        """A recent answer by id: question, answer text, cited sources."""
        with self._lock:
            return self.answers.get(answer_id)


def _turn(d: dict) -> Turn:
    return Turn(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


class SharedMemory:
    """In a SQLite file the worker processes of one server share: a follow-up question or a rating reaches any
    worker. WAL without fsync per commit: this is a cache of the running server, not a record to keep."""

    SCHEMA = (
        "CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, turns TEXT NOT NULL, used REAL NOT NULL)",
        "CREATE TABLE IF NOT EXISTS answers (id TEXT PRIMARY KEY, question TEXT, answer TEXT, sources TEXT, "
        "used REAL NOT NULL)",
        "CREATE INDEX IF NOT EXISTS conversations_used ON conversations (used)",
        "CREATE INDEX IF NOT EXISTS answers_used ON answers (used)",
    )

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._writes = 0
        with self._connect() as con:
            for statement in self.SCHEMA:
                con.execute(statement)

    def _connect(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=10)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=OFF")
            self._local.con = con
        return con

    def history(self, conversation_id: str) -> History:
        """The turns of a conversation so far (empty when unknown)."""
        row = self._connect().execute("SELECT turns FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
        return tuple(_turn(t) for t in json.loads(row[0])) if row else ()

    def remember(self, conversation_id: str, turn: Turn, answer_id: str) -> None:
        """Append a turn to its conversation (keeping the last MAX_TURNS) and remember the answer by id."""
        now = time.time()
        con = self._connect()
        with con:  # one transaction: a concurrent turn of the same conversation waits for this one
            con.execute("BEGIN IMMEDIATE")
            row = con.execute("SELECT turns FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
            turns = [*(json.loads(row[0]) if row else []), dataclasses.asdict(turn)][-MAX_TURNS:]
            con.execute("INSERT OR REPLACE INTO conversations VALUES (?, ?, ?)",
                        (conversation_id, json.dumps(turns, ensure_ascii=False), now))
            con.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?)",
                        (answer_id, turn.question, turn.answer, json.dumps(list(turn.sources), ensure_ascii=False),
                         now))
            self._writes += 1
            if self._writes % 100 == 0:  # bounded like the in-process memory, trimmed now and then
                con.execute("DELETE FROM conversations WHERE id NOT IN "
                            "(SELECT id FROM conversations ORDER BY used DESC LIMIT ?)", (MAX_CONVERSATIONS,))
                con.execute("DELETE FROM answers WHERE id NOT IN (SELECT id FROM answers ORDER BY used DESC LIMIT ?)",
                            (MAX_ANSWERS,))

    def answer(self, answer_id: str) -> Remembered | None:
        """A recent answer by id: question, answer text, cited sources."""
        row = self._connect().execute("SELECT question, answer, sources FROM answers WHERE id = ?",
                                      (answer_id,)).fetchone()
        return (row[0], row[1], json.loads(row[2])) if row else None
