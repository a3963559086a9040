"""The local store: FAISS vectors and a bm25s index as files in the build folder, loaded into the process."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path

import bm25s
import faiss
import numpy as np

from assistant.search.store import Backend, Filters, Store, document_passes
from assistant.types import Chunk, Document


def faiss_index(vectors: np.ndarray, kind: str) -> faiss.Index:
    """Exact inner product by default; HNSW or IVF for corpora where exact search is too slow."""
    dim = vectors.shape[1]
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = 128
    elif kind == "ivf" and len(vectors) >= 1024:
        nlist = int(4 * np.sqrt(len(vectors)))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
        index.nprobe = max(8, nlist // 16)
    else:
        index = faiss.IndexFlatIP(dim)
    index.add(vectors)
    return index


def folder_vectors(folder: Path) -> dict[str, np.ndarray]:
    """content_hash -> vector from a build folder's vectors.npy and chunks.jsonl ({} when they are not there)."""
    try:
        vectors = np.load(folder / "vectors.npy")
        hashes = [json.loads(line)["content_hash"] for line in (folder / "chunks.jsonl").open(encoding="utf-8")]
    except (OSError, ValueError, KeyError):
        return {}
    return dict(zip(hashes, vectors, strict=False))


class LocalStore(Store):
    """FAISS and bm25s in memory."""

    name = "local"

    def __init__(self, index: faiss.Index, bm25: bm25s.BM25, chunks: Sequence[Chunk],
                 documents: Mapping[str, Document]) -> None:
        self.faiss_index = index
        self.bm25 = bm25
        self.documents = documents
        self._chunk_doc = [c.source for c in chunks]
        self._passing: dict[Filters, frozenset[str]] = {}  # a build never changes: filters resolve once

    def dense(self, vector: np.ndarray, k: int) -> dict[int, float]:
        """Top-k by inner product of unit vectors (cosine)."""
        k = min(k, self.faiss_index.ntotal)
        scores, ids = self.faiss_index.search(np.asarray(vector, dtype=np.float32).reshape(1, -1), k)
        return {int(i): float(s) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0}

    def lexical(self, tokens: Sequence[str], k: int) -> dict[int, float]:
        """Top-k BM25 scores from bm25s."""
        if not tokens:  # bm25s cannot score an empty query
            return {}
        scores = self.bm25.get_scores(list(tokens))
        top = np.argsort(-scores)[:k]
        return {int(i): float(scores[i]) for i in top if scores[i] > 0}

    def allowed(self, filters: Filters, candidates: Collection[int]) -> set[int]:
        """Candidates whose document passes the filters (evaluated on the loaded metadata)."""
        ok = self._passing.get(filters)
        if ok is None:
            ok = frozenset(s for s, d in self.documents.items() if document_passes(filters, d))
            self._passing[filters] = ok
        return {i for i in candidates if self._chunk_doc[i] in ok}

    @property
    def vocabulary(self) -> Mapping[str, int]:
        """bm25s's vocabulary."""
        return self.bm25.vocab_dict


class LocalBackend(Backend):
    """Builds as files in the build folder; publishing is the folder link the index module moves."""

    name = "local"

    def __init__(self, faiss_type: str = "flat") -> None:
        self.faiss_type = faiss_type

    def previous_vectors(self, folder: Path, manifest: dict) -> dict[str, np.ndarray]:
        """The serving build's vectors.npy."""
        return folder_vectors(folder)

    def write(self, folder: Path, build: str, chunks: Sequence[Chunk], vectors: np.ndarray,
              documents: Mapping[str, Document]) -> dict:
        """vectors.npy, faiss.index and the bm25 folder."""
        np.save(folder / "vectors.npy", vectors)
        faiss.write_index(faiss_index(vectors, self.faiss_type), str(folder / "faiss.index"))
        bm25 = bm25s.BM25()
        bm25.index([c.keys.split() for c in chunks], show_progress=False)
        bm25.save(str(folder / "bm25"))
        return {}

    def publish(self, fields: dict) -> None:
        """Nothing beyond the folder link."""

    def discard(self, fields: dict) -> None:
        """Nothing outside the build folder, which the index module removes."""

    def clean(self, keep: Iterable[dict], writing: Iterable[str]) -> None:
        """Nothing outside the build folders."""

    def open(self, folder: Path, manifest: dict, chunks: Sequence[Chunk],
             documents: Mapping[str, Document]) -> LocalStore:
        """Read FAISS and bm25s from the build folder."""
        return LocalStore(faiss.read_index(str(folder / "faiss.index")), bm25s.BM25.load(str(folder / "bm25")),
                          chunks, documents)
