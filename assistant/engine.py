"""Wiring from settings to a ready system: encoder, index (built when missing or stale), retriever, answerer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from assistant.answer.answerer import Answerer
from assistant.answer.generate import Generator
from assistant.documents.chunk import ChunkingConfig
from assistant.documents.pipeline import parse_corpus
from assistant.errors import IndexMissingError
from assistant.search.embed import load_encoder
from assistant.search.index import (
    Index,
    IndexConfig,
    build_index,
    file_hashes,
    is_stale,
    load_index,
    read_manifest,
)
from assistant.search.retrieve import Retriever
from assistant.settings import Settings

log = logging.getLogger(__name__)


def index_config(settings: Settings, encoder) -> IndexConfig:
    """What the index must agree with, from the settings and the loaded model."""
    return IndexConfig(
        model=encoder.name,
        dim=encoder.dim,
        chunking=ChunkingConfig(settings.chunk_max_tokens, settings.chunk_overlap_tokens),
        faiss_type=settings.faiss_index,
        restore_ocr=settings.restore_ocr,
    )


def build(
    settings: Settings,
    encoder=None,
    on_file: Callable[[str], None] | None = None,
    on_embed: Callable[[int, int], None] | None = None,
) -> dict:
    """Parse the corpus and (re)build the index; returns statistics."""
    encoder = encoder or load_encoder(settings.embedding_model, settings.cache_dir / "models", settings.embedding_segmented)
    config = index_config(settings, encoder)
    files = file_hashes(settings.corpus_dir)
    parsed = parse_corpus(settings.corpus_dir, encoder.count_tokens, config.chunking, settings.restore_ocr, on_file)
    stats = build_index(parsed, encoder, settings.index_dir, config, files, on_embed)
    stats["documents"] = len(parsed.documents)
    stats["skipped"] = [{"source": s.source, "reason": s.reason} for s in parsed.skipped]
    return stats


def needs_build(settings: Settings, encoder) -> str | None:
    """Why the index must be (re)built, or None when it can serve as is."""
    try:
        manifest = read_manifest(settings.index_dir)
    except IndexMissingError:
        return "missing"
    expected = index_config(settings, encoder).expected()
    if any(manifest.get(k) != v for k, v in expected.items()):
        return "settings changed"
    if is_stale(manifest, file_hashes(settings.corpus_dir)):
        return "corpus changed"
    return None


@dataclass
class Engine:
    """A loaded, ready-to-answer system."""

    settings: Settings
    encoder: object
    index: Index
    retriever: Retriever
    answerer: Answerer

    @classmethod
    def open(cls, settings: Settings, build_if_needed: bool = False) -> Engine:
        """Load the index (building it first when allowed and needed) and everything that reads it."""
        encoder = load_encoder(settings.embedding_model, settings.cache_dir / "models", settings.embedding_segmented)
        if build_if_needed:
            reason = needs_build(settings, encoder)
            if reason:
                log.warning("building the index (%s)", reason)
                build(settings, encoder)
        index = load_index(settings.index_dir, index_config(settings, encoder))
        retriever = Retriever(index, encoder)
        engine = cls(settings, encoder, index, retriever, Answerer(retriever, generator=Generator.from_settings(settings)))
        # One question at start-up loads torch kernels, pyvi and the restoration model, so the first user
        # does not wait for them.
        engine.answerer.ask("Những kế hoạch nào đặt chỉ tiêu hài lòng của người dân?")
        return engine


def texts_of(index: Index) -> dict[str, str]:
    """Document texts by source, for span checks."""
    return {s: d.text for s, d in index.documents.items()}

