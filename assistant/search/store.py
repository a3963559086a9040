"""Where an index build's search structures live, behind one interface: `local` (FAISS + bm25s files in the build
folder) or `qdrant` (one collection per build behind an alias, store_qdrant.py).

The retriever asks a store for three things only: dense top-k, lexical (BM25) top-k, and which of a set of
candidates pass the hard filters. Fusion, boosts and diversification stay above it, identical for every store.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.search.query import years_covered
from assistant.text.fold import fold
from assistant.types import Chunk, Document

# bm25s defaults (method "lucene"), which the Qdrant store reproduces term by term.
BM25_K1 = 1.5
BM25_B = 0.75


@dataclass(frozen=True)
class Filters:
    """Hard metadata filters; None means no constraint."""

    source: str | None = None
    issuer: str | None = None
    province: str | None = None
    year: int | None = None

    def empty(self) -> bool:
        """True when nothing is filtered."""
        return not any((self.source, self.issuer, self.province, self.year))


def document_passes(filters: Filters, document: Document) -> bool:
    """The filters' meaning on one document: exact source, issuer containing the folded text, same folded
    province, a year the plan covers."""
    md = document.metadata
    if filters.source and document.source != filters.source:
        return False
    if filters.issuer and fold(filters.issuer) not in fold(md.issuer or ""):
        return False
    if filters.province and fold(filters.province) != fold(md.province or ""):
        return False
    return not (filters.year and filters.year not in years_covered(document))


class Store(ABC):
    """The search structures of one loaded build; chunk ids are positions in the build's chunk list."""

    name: str

    @abstractmethod
    def dense(self, vector: np.ndarray, k: int) -> dict[int, float]:
        """Top-k chunks by cosine similarity to a unit query vector."""

    @abstractmethod
    def lexical(self, tokens: Sequence[str], k: int) -> dict[int, float]:
        """Top-k chunks by BM25 over the chunk keys (only positive scores); a repeated token counts again."""

    def runs(self, tokens: Sequence[str] | None, vector: np.ndarray | None, k: int
             ) -> tuple[dict[int, float] | None, dict[int, float] | None]:
        """(lexical, dense) top-k for what is given (None = that run is not asked for), in one round trip where
        the store allows it."""
        return (None if tokens is None else self.lexical(tokens, k),
                None if vector is None else self.dense(vector, k))

    @abstractmethod
    def allowed(self, filters: Filters, candidates: Collection[int]) -> set[int]:
        """The candidates that pass the hard filters."""

    @property
    @abstractmethod
    def vocabulary(self) -> Mapping[str, int]:
        """Every search token of the indexed keys."""


class Backend(ABC):
    """How builds are written to, published in and opened from one kind of store."""

    name: str

    @abstractmethod
    def previous_vectors(self, folder: Path, manifest: dict) -> dict[str, np.ndarray]:
        """content_hash -> vector of the serving build, so unchanged chunks are not embedded again."""

    @abstractmethod
    def write(self, folder: Path, build: str, chunks: Sequence[Chunk], vectors: np.ndarray,
              documents: Mapping[str, Document]) -> dict:
        """Write a build's search structures (nothing serves it yet); returns fields for its manifest."""

    @abstractmethod
    def publish(self, fields: dict) -> None:
        """Make a written build the one new readers get (before the folder link moves)."""

    @abstractmethod
    def discard(self, fields: dict) -> None:
        """Remove what `write` made for a build that failed."""

    @abstractmethod
    def clean(self, keep: Iterable[dict], writing: Iterable[str]) -> None:
        """Remove the store's data of builds other than `keep` (manifest fields) and those still `writing` (ids)."""

    @abstractmethod
    def open(self, folder: Path, manifest: dict, chunks: Sequence[Chunk],
             documents: Mapping[str, Document]) -> Store:
        """The searchable store of a published build."""


def bm25_term_weights(keys: Sequence[Sequence[str]]) -> tuple[dict[str, int], list[dict[int, float]]]:
    """Vocabulary and per-chunk document-side BM25 weights tf / (tf + k1 (1 - b + b dl/avgdl)), as bm25s
    computes them before multiplying by IDF; IDF is left to the engine that holds the corpus statistics."""
    vocab = {t: i for i, t in enumerate(sorted({t for k in keys for t in k}))}
    avgdl = (sum(len(k) for k in keys) / len(keys)) if keys else 1.0
    out = []
    for k in keys:
        tf: dict[int, int] = {}
        for t in k:
            tf[vocab[t]] = tf.get(vocab[t], 0) + 1
        norm = BM25_K1 * (1 - BM25_B + BM25_B * len(k) / (avgdl or 1.0))
        out.append({i: n / (n + norm) for i, n in tf.items()})
    return vocab, out


def query_counts(tokens: Iterable[str], vocab: Mapping[str, int]) -> dict[int, int]:
    """Term id -> occurrences of the question's tokens that the vocabulary knows."""
    out: dict[int, int] = {}
    for t in tokens:
        if t in vocab:
            out[vocab[t]] = out.get(vocab[t], 0) + 1
    return out


def make_backend(store: str, faiss_type: str = "flat", qdrant_url: str | None = None,
                 qdrant_api_key: str | None = None, qdrant_path: Path | None = None,
                 qdrant_collection: str = "assistant", qdrant_shards: int | None = None,
                 qdrant_replicas: int | None = None) -> Backend:
    """The backend a store setting names."""
    if store == "qdrant":
        from assistant.search.store_qdrant import QdrantBackend

        return QdrantBackend(qdrant_url, qdrant_api_key, qdrant_path, qdrant_collection, qdrant_shards,
                             qdrant_replicas)
    from assistant.search.store_local import LocalBackend

    return LocalBackend(faiss_type)
