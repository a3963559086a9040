"""Wiring from settings to a ready system: encoder, index (built when missing or stale), retriever, answerer."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from assistant.answer.answerer import Answerer
from assistant.answer.generate import Generator
from assistant.documents.chunk import ChunkingConfig
from assistant.documents.pipeline import parse_corpus
from assistant.documents.read import nothing_readable
from assistant.errors import IndexMissingError
from assistant.search.embed import load_encoder
from assistant.search.index import (
    Index,
    IndexConfig,
    build_id,
    build_index,
    file_hashes,
    is_stale,
    load_index,
    mismatches,
    read_manifest,
)
from assistant.search.retrieve import Retriever
from assistant.search.store import Backend, make_backend
from assistant.settings import Settings
from assistant.tables.tasks import Task, tasks_table

log = logging.getLogger(__name__)


def index_config(settings: Settings, encoder) -> IndexConfig:
    """What the index must agree with, from the settings and the loaded model."""
    return IndexConfig(
        model=encoder.name,
        dim=encoder.dim,
        chunking=ChunkingConfig(settings.chunk_max_tokens, settings.chunk_overlap_tokens),
        faiss_type=settings.faiss_index,
        restore_ocr=settings.restore_ocr,
        store=settings.store,
    )


def backend(settings: Settings) -> Backend:
    """The store the settings name (a Qdrant client is opened once per process and shared)."""
    return make_backend(settings.store, settings.faiss_index, settings.qdrant_url, settings.qdrant_api_key,
                        settings.qdrant_path, settings.qdrant_collection, settings.qdrant_shards,
                        settings.qdrant_replicas)


def _encoder(settings: Settings):
    return load_encoder(settings.embedding_model, settings.cache_dir / "models", settings.embedding_segmented)


def build(
    settings: Settings,
    encoder=None,
    on_file: Callable[[str], None] | None = None,
    on_embed: Callable[[int, int], None] | None = None,
) -> dict:
    """Parse the corpus and (re)build the index; returns statistics, `seconds` being the whole build (model
    loading, reading, OCR restoration, embedding, writing). CorpusError when no file could be read."""
    started = time.perf_counter()
    encoder = encoder or _encoder(settings)
    config = index_config(settings, encoder)
    files = file_hashes(settings.corpus_dir, settings.max_file_bytes)
    parsed = parse_corpus(settings.corpus_dir, encoder.count_tokens, config.chunking, settings.restore_ocr,
                          on_file, max_file_bytes=settings.max_file_bytes, max_chunks=settings.max_chunks_per_file,
                          ocr_cache=settings.cache_dir / "ocr")
    read_s = time.perf_counter() - started
    if not parsed.documents:
        raise nothing_readable(settings.corpus_dir, parsed.skipped)
    stats = build_index(parsed, encoder, settings.index_dir, config, files, on_embed, backend(settings))
    stats["documents"] = len(parsed.documents)
    stats["skipped"] = [{"source": s.source, "reason": s.reason} for s in parsed.skipped]
    stats["read_seconds"] = round(read_s, 3)
    stats["seconds"] = round(time.perf_counter() - started, 3)
    return stats


def needs_build(settings: Settings, encoder) -> str | None:
    """Why the index must be (re)built, or None when it can serve as is."""
    try:
        manifest = read_manifest(settings.index_dir)
    except IndexMissingError:
        return "missing"
    if mismatches(manifest, index_config(settings, encoder)):
        return "settings changed"
    if is_stale(manifest, file_hashes(settings.corpus_dir, settings.max_file_bytes)):
        return "corpus changed"
    return None


def ensure_index(settings: Settings, encoder) -> str | None:
    """Build the index when it is missing or stale. When only the corpus changed and the rebuild fails, the
    previous build keeps serving and the error is returned; otherwise None."""
    reason = needs_build(settings, encoder)
    if not reason:
        return None
    log.warning("building the index (%s)", reason)
    try:
        build(settings, encoder)
    except Exception as exc:
        if reason != "corpus changed":  # no index that fits the settings to fall back on
            raise
        build_error = f"{type(exc).__name__}: {exc}"
        log.warning("the index could not be rebuilt (%s); serving the previous build", build_error)
        return build_error
    return None

@dataclass
class Engine:
    """A loaded, ready-to-answer system."""

    settings: Settings
    encoder: object
    index: Index
    retriever: Retriever
    answerer: Answerer
    build_error: str | None = None  # why the rebuild at start-up failed, while the previous build serves

    @classmethod
    def open(cls, settings: Settings, build_if_needed: bool = False, encoder=None) -> Engine:
        """Load the index (building it first when allowed and needed) and everything that reads it. When only
        the corpus changed and the rebuild fails, the previous build serves and `build_error` says why."""
        encoder = encoder or _encoder(settings)
        build_error = ensure_index(settings, encoder) if build_if_needed else None
        index = load_index(settings.index_dir, index_config(settings, encoder), backend(settings))
        retriever = Retriever(index, encoder)
        answerer = Answerer(retriever, generator=Generator.from_settings(settings))
        engine = cls(settings, encoder, index, retriever, answerer, build_error)
        # One question at start-up loads torch kernels, pyvi and the restoration model, so the first user
        # does not wait for them.
        engine.answerer.ask("Những kế hoạch nào đặt chỉ tiêu hài lòng của người dân?")
        return engine

    @property
    def build_id(self) -> str:
        """The id of the build this engine serves (its folder under index/builds)."""
        return self.index.path.name

    @cached_property
    def tasks(self) -> list[Task]:
        """The tasks table of the served build, extracted on first use (a reloaded engine extracts afresh)."""
        return tasks_table(self.index)

    @property
    def skipped(self) -> list[dict]:
        """Files the served build could not use, each {source, reason}."""
        return list(self.index.manifest.get("skipped", []))

    def newer_build(self) -> str | None:
        """The id of a build published after this engine loaded its own (`assistant index` ran), or None."""
        current = self.settings.index_dir / "current"
        if not (current / "manifest.json").is_file():
            return None
        newest = build_id(current)
        return newest if newest != self.build_id else None

    def reloaded(self) -> Engine:
        """A new engine over the newest build, sharing this one's encoder. The caller swaps it in with one
        reference assignment; requests already running finish on the old engine."""
        return Engine.open(self.settings, encoder=self.encoder)

    def status(self) -> dict:
        """What a readiness check reports: the build served, whether a newer one exists, skipped files."""
        return {
            "build": self.build_id,
            "built_at": self.index.manifest.get("created"),
            "newer_build": self.newer_build(),
            "documents": len(self.index.documents),
            "chunks": len(self.index.chunks),
            "skipped": self.skipped,
            "build_error": self.build_error,
        }


def texts_of(index: Index) -> dict[str, str]:
    """Document texts by source, for span checks."""
    return {s: d.text for s, d in index.documents.items()}
