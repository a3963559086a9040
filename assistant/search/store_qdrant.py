"""The Qdrant store: one collection per index build behind an alias, through the official `qdrant-client`.

Each collection has a named dense vector ("dense", cosine) and a sparse vector ("bm25") holding the document-side
BM25 weights of the project's own search tokens; `Modifier.IDF` makes Qdrant supply the IDF from its own corpus
statistics, so a BM25 query is the question's token counts. Payload = the chunk's metadata, with payload indexes on
the filter fields. A build writes a new collection, then moves the alias in one atomic request: readers of the alias
see the old build or the new one, never a half-written one; a failed build deletes its collection and leaves the
alias where it was. Serving processes search the collection their manifest names (records and vectors of one
build), so the previous collection is kept for processes that have not reloaded yet.
"""

from __future__ import annotations

import atexit
import json
import logging
import threading
import warnings
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
from qdrant_client import QdrantClient, models

from assistant.errors import IndexMismatchError, NotReady
from assistant.search.query import years_covered
from assistant.search.store import Backend, Filters, Store, bm25_term_weights, query_counts
from assistant.search.store_local import folder_vectors
from assistant.text.fold import fold
from assistant.types import Chunk, Document, Metadata

log = logging.getLogger(__name__)

DENSE, SPARSE = "dense", "bm25"
BATCH = 256
FIX = "run `ASSISTANT_STORE=qdrant assistant index` against this Qdrant to rebuild the index"


_CLIENTS: dict[tuple, QdrantClient] = {}
_CLIENTS_LOCK = threading.Lock()


def connect(url: str | None, api_key: str | None, path: str | None) -> QdrantClient:
    """One client per Qdrant per process: embedded mode locks its folder, so a second client on the same path
    (an engine reloaded after a rebuild) would fail; a server client is thread-safe and reused likewise."""
    key = (url, api_key, path)
    with _CLIENTS_LOCK:
        if key not in _CLIENTS:
            if url:
                _CLIENTS[key] = QdrantClient(url=url, api_key=api_key)
            elif path:
                Path(path).mkdir(parents=True, exist_ok=True)
                try:
                    _CLIENTS[key] = QdrantClient(path=path)
                except RuntimeError as exc:  # the folder's lock is held by another process
                    raise NotReady(f"Qdrant's embedded folder {path} is open in another process ({exc})",
                                   hint="stop that process (e.g. assistant serve), or run a Qdrant server and set "
                                        "ASSISTANT_QDRANT_URL") from exc
            else:
                raise IndexMismatchError("the qdrant store needs ASSISTANT_QDRANT_URL or ASSISTANT_QDRANT_PATH",
                                         hint="set one of them, or ASSISTANT_STORE=local")
        return _CLIENTS[key]


@atexit.register
def _close_all() -> None:
    """Close clients before the interpreter tears modules down (their finaliser fails that late)."""
    for key in list(_CLIENTS):
        disconnect(*key)


def disconnect(url: str | None, api_key: str | None, path: str | None) -> None:
    """Close a client nothing will use again (embedded mode keeps every point of its folder in memory)."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.pop((url, api_key, path), None)
    if client is not None:
        client.close()


def payload(chunk: Chunk, document: Document | None) -> dict:
    """A chunk's metadata, with the filter fields as the filters compare them (folded, years as a list)."""
    md = document.metadata if document else Metadata()
    return {
        "chunk": chunk.id, "source": chunk.source, "start": chunk.start, "end": chunk.end, "section": chunk.section,
        "content_hash": chunk.content_hash, "province": fold(md.province or ""), "issuer": fold(md.issuer or ""),
        "years": sorted(years_covered(document)) if document else [], "doc_type": md.doc_type or "",
        "metadata": md.to_dict(),
    }


def payload_filter(filters: Filters) -> list[models.FieldCondition]:
    """Filters as payload conditions. The issuer is a phrase of whole folded words (Qdrant has no substring
    match on an indexed field), the local store's substring on word boundaries."""
    conds = []
    if filters.source:
        conds.append(models.FieldCondition(key="source", match=models.MatchValue(value=filters.source)))
    if filters.province:
        conds.append(models.FieldCondition(key="province", match=models.MatchValue(value=fold(filters.province))))
    if filters.year:
        conds.append(models.FieldCondition(key="years", match=models.MatchValue(value=int(filters.year))))
    if filters.issuer:
        conds.append(models.FieldCondition(key="issuer", match=models.MatchPhrase(phrase=fold(filters.issuer))))
    return conds


class QdrantStore(Store):
    """Searches one build's collection."""

    name = "qdrant"

    def __init__(self, client: QdrantClient, collection: str, vocab: Mapping[str, int]) -> None:
        self.client = client
        self.collection = collection
        self._vocab = vocab

    def dense(self, vector: np.ndarray, k: int) -> dict[int, float]:
        """Top-k by cosine (exact in embedded mode, HNSW on a server)."""
        query = np.asarray(vector, dtype=np.float32).ravel().tolist()
        points = self.client.query_points(self.collection, query=query, using=DENSE, limit=k,
                                          with_payload=False).points
        return {int(p.id): float(p.score) for p in points}

    def lexical(self, tokens: Sequence[str], k: int) -> dict[int, float]:
        """Top-k BM25: the question's token counts against the stored term weights, IDF applied by Qdrant."""
        counts = query_counts(tokens, self._vocab)
        if not counts:
            return {}
        query = models.SparseVector(indices=list(counts), values=[float(v) for v in counts.values()])
        points = self.client.query_points(self.collection, query=query, using=SPARSE, limit=k,
                                          with_payload=False).points
        return {int(p.id): float(p.score) for p in points if p.score > 0}

    def runs(self, tokens: Sequence[str] | None, vector: np.ndarray | None, k: int
             ) -> tuple[dict[int, float] | None, dict[int, float] | None]:
        """Both candidate lists in one `query_batch_points` request (fused client-side: docs/operators.md)."""
        counts = query_counts(tokens or (), self._vocab)
        requests = []
        if counts:
            requests.append(models.QueryRequest(query=models.SparseVector(
                indices=list(counts), values=[float(v) for v in counts.values()]), using=SPARSE, limit=k))
        if vector is not None:
            requests.append(models.QueryRequest(query=np.asarray(vector, dtype=np.float32).ravel().tolist(),
                                                using=DENSE, limit=k))
        answers = iter(self.client.query_batch_points(self.collection, requests) if requests else [])
        lexical = dense = None
        if tokens is not None:
            lexical = {int(p.id): float(p.score) for p in next(answers).points if p.score > 0} if counts else {}
        if vector is not None:
            dense = {int(p.id): float(p.score) for p in next(answers).points}
        return lexical, dense

    def allowed(self, filters: Filters, candidates: Collection[int]) -> set[int]:
        """The candidates matching the payload filter, asked of Qdrant in one scroll."""
        if not candidates:
            return set()
        must = [models.HasIdCondition(has_id=sorted(candidates)), *payload_filter(filters)]
        points, _ = self.client.scroll(self.collection, scroll_filter=models.Filter(must=must),
                                       limit=len(candidates), with_payload=False, with_vectors=False)
        return {int(p.id) for p in points}

    @property
    def vocabulary(self) -> Mapping[str, int]:
        """The build's search tokens (vocab.json of the build folder)."""
        return self._vocab


class QdrantBackend(Backend):
    """Collections named `<prefix>-<build id>` behind the alias `<prefix>`."""

    name = "qdrant"

    def __init__(self, url: str | None = None, api_key: str | None = None, path: Path | str | None = None,
                 prefix: str = "assistant", shards: int | None = None, replicas: int | None = None) -> None:
        self.url, self.api_key = url, api_key
        self.shards, self.replicas = shards, replicas
        self.path = str(Path(path).resolve()) if path and not url else None
        self.alias = prefix

    @property
    def client(self) -> QdrantClient:
        """The process's client for this Qdrant."""
        return connect(self.url, self.api_key, self.path)

    def close(self) -> None:
        """Release this process's client of this Qdrant."""
        disconnect(self.url, self.api_key, self.path)

    def collection(self, build: str) -> str:
        """The collection of one build."""
        return f"{self.alias}-{build}"

    def serving(self) -> str | None:
        """The collection the alias points to, or None before the first build."""
        for a in self.client.get_aliases().aliases:
            if a.alias_name == self.alias:
                return a.collection_name
        return None

    def previous_vectors(self, folder: Path, manifest: dict) -> dict[str, np.ndarray]:
        """Vectors of the serving build's collection (or of its vectors.npy when it was a local build)."""
        name = manifest.get("collection")
        if manifest.get("store") != "qdrant" or not name or not self.client.collection_exists(name):
            return folder_vectors(folder)
        out: dict[str, np.ndarray] = {}
        offset = None
        while True:
            points, offset = self.client.scroll(name, limit=1024, offset=offset, with_payload=["content_hash"],
                                                with_vectors=[DENSE])
            for p in points:
                out[p.payload["content_hash"]] = np.asarray(p.vector[DENSE], dtype=np.float32)
            if offset is None:
                return out

    def write(self, folder: Path, build: str, chunks: Sequence[Chunk], vectors: np.ndarray,
              documents: Mapping[str, Document]) -> dict:
        """A new collection with every chunk; vocab.json (token -> sparse index) into the build folder."""
        name = self.collection(build)
        vocab, weights = bm25_term_weights([c.keys.split() for c in chunks])
        (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        client = self.client
        try:
            client.create_collection(
                name,
                vectors_config={DENSE: models.VectorParams(size=int(vectors.shape[1]),
                                                           distance=models.Distance.COSINE)},
                sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
                shard_number=self.shards, replication_factor=self.replicas,
            )
            for field, schema in (("source", models.PayloadSchemaType.KEYWORD),
                                  ("province", models.PayloadSchemaType.KEYWORD),
                                  ("years", models.PayloadSchemaType.INTEGER),
                                  ("doc_type", models.PayloadSchemaType.KEYWORD),
                                  ("issuer", models.TextIndexParams(type=models.TextIndexType.TEXT, lowercase=True,
                                                                    tokenizer=models.TokenizerType.WORD,
                                                                    phrase_matching=True))):
                with warnings.catch_warnings():  # embedded mode warns that it keeps no payload index
                    warnings.simplefilter("ignore", UserWarning)
                    client.create_payload_index(name, field, field_schema=schema)
            for lo in range(0, len(chunks), BATCH):
                client.upsert(name, wait=True, points=[
                    models.PointStruct(
                        id=i,
                        vector={DENSE: vectors[i].tolist(), SPARSE: models.SparseVector(
                            indices=list(weights[i]), values=list(weights[i].values()))},
                        payload=payload(chunks[i], documents.get(chunks[i].source)),
                    )
                    for i in range(lo, min(lo + BATCH, len(chunks)))
                ])
        except BaseException:
            self.discard({"collection": name})
            raise
        return {"collection": name, "alias": self.alias}

    def publish(self, fields: dict) -> None:
        """Move the alias to the new collection in one request (Qdrant applies alias operations atomically)."""
        ops: list = []
        if self.serving() is not None:
            ops.append(models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=self.alias)))
        ops.append(models.CreateAliasOperation(create_alias=models.CreateAlias(
            collection_name=fields["collection"], alias_name=self.alias)))
        self.client.update_collection_aliases(change_aliases_operations=ops)

    def discard(self, fields: dict) -> None:
        """Delete a failed build's collection (never the one the alias serves)."""
        name = fields.get("collection")
        try:
            if name and name != self.serving() and self.client.collection_exists(name):
                self.client.delete_collection(name)
        except Exception as exc:  # the original failure matters more than a failed clean-up
            log.warning("could not delete collection %s: %s", name, exc)

    def clean(self, keep: Iterable[dict], writing: Iterable[str]) -> None:
        """Delete this alias's collections of older builds, except those kept and those still being written."""
        kept = {f.get("collection") for f in keep} | {self.collection(b) for b in writing} | {self.serving()}
        newest = max((c for c in kept if c), default="")
        for c in self.client.get_collections().collections:
            if c.name.startswith(self.alias + "-") and c.name not in kept and c.name < newest:
                self.client.delete_collection(c.name)

    def open(self, folder: Path, manifest: dict, chunks: Sequence[Chunk],
             documents: Mapping[str, Document]) -> QdrantStore:
        """The collection the manifest names; refused when this Qdrant does not hold it whole."""
        name = manifest.get("collection") or ""
        where = self.url or self.path
        if not name or not self.client.collection_exists(name):
            raise IndexMismatchError(f"Qdrant at {where} has no collection {name!r} for the index in {folder}",
                                     hint=FIX)
        count = self.client.count(name, exact=True).count
        if count != len(chunks):
            raise IndexMismatchError(f"collection {name} has {count} points, the index {len(chunks)} chunks",
                                     hint=FIX)
        vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        return QdrantStore(self.client, name, vocab)
