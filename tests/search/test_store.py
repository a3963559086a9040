"""The store interface against both implementations (local files, Qdrant in embedded mode), with a hashing
encoder over two real plans so the tests need no model."""

from __future__ import annotations

import hashlib
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from assistant.documents.chunk import ChunkingConfig
from assistant.documents.pipeline import parse_corpus
from assistant.errors import IndexMismatchError
from assistant.search.index import IndexConfig, build_index, file_hashes, load_index, read_manifest
from assistant.search.retrieve import Filters, Retriever
from assistant.search.store import make_backend
from assistant.search.store_qdrant import QdrantBackend
from tests.conftest import CORPUS, approx_tokens

DIM = 64
QUESTIONS = ["tỷ lệ hài lòng của người dân", "cai cach tai chinh cong", "Nghị định 61/2018/NĐ-CP",
             "ứng dụng công nghệ thông tin", "kiểm soát thủ tục hành chính"]


class HashEncoder:
    """Bag of hashed words, normalised: deterministic vectors where shared words mean similarity."""

    name, dim = "hash-encoder", DIM

    def __init__(self) -> None:
        self.calls = 0

    def _one(self, text: str) -> np.ndarray:
        v = np.zeros(DIM, dtype=np.float32)
        for w in text.lower().split():
            h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little")
            v[h % DIM] += 1.0 if h & 1 << 31 else -1.0
        return v / (np.linalg.norm(v) or 1.0)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.calls += len(texts)
        return np.stack([self._one(t) for t in texts])

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._one(t) for t in texts])


def _corpus(folder: Path, prefixes: tuple[str, ...]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for p in prefixes:
        shutil.copy(next(CORPUS.glob(f"{p}_*")), folder)
    return folder


def _build(corpus: Path, index_dir: Path, backend, encoder=None) -> dict:
    config = IndexConfig(HashEncoder.name, DIM, ChunkingConfig(), restore_ocr=False, store=backend.name)
    parsed = parse_corpus(corpus, approx_tokens, config.chunking, restore_ocr=False)
    return build_index(parsed, encoder or HashEncoder(), index_dir, config, file_hashes(corpus), backend=backend)


def _load(index_dir: Path, backend):
    config = IndexConfig(HashEncoder.name, DIM, ChunkingConfig(), restore_ocr=False, store=backend.name)
    return load_index(index_dir, config, backend)


def _backend(kind: str, tmp: Path):
    return make_backend(kind, qdrant_path=tmp / "qdrant") if kind == "qdrant" else make_backend("local")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Both stores built from the same two plans."""
    tmp = tmp_path_factory.mktemp("stores")
    corpus = _corpus(tmp / "corpus", ("001", "002"))
    out = {}
    for kind in ("local", "qdrant"):
        backend = _backend(kind, tmp)
        _build(corpus, tmp / kind, backend)
        out[kind] = _load(tmp / kind, backend)
    return out


@pytest.mark.parametrize("kind", ["local", "qdrant"])
def test_store_answers_the_three_questions(built, kind):
    index = built[kind]
    store, encoder = index.store, HashEncoder()
    assert store.name == kind and len(index.chunks) > 30
    vectors = encoder.encode_passages([c.embed_text for c in index.chunks])
    q = encoder.encode_queries(["cải cách hành chính"])[0]
    dense = store.dense(q, 10)
    expected = np.argsort(-(vectors @ q), kind="stable")[:10]
    assert sorted(dense.values(), reverse=True) == pytest.approx(sorted((vectors @ q)[expected], reverse=True), abs=1e-5)
    lexical = store.lexical(["cai_cach", "hanh_chinh", "hanh_chinh"], 20)
    assert lexical and all(s > 0 for s in lexical.values())
    assert store.lexical(["khongcotu"], 20) == {} and store.lexical([], 20) == {}
    tokens = ["cai_cach", "hanh_chinh", "hanh_chinh"]
    assert store.runs(tokens, q, 20) == (lexical, store.dense(q, 20))  # one round trip on Qdrant, same lists
    assert store.runs(None, q, 20) == (None, store.dense(q, 20)) and store.runs(tokens, None, 20) == (lexical, None)
    assert store.runs(["khongcotu"], None, 20) == ({}, None)
    sources = sorted(index.documents)
    mine = {i for i, c in enumerate(index.chunks) if c.source == sources[0]}
    candidates = set(range(0, len(index.chunks), 3))
    assert store.allowed(Filters(source=sources[0]), candidates) == mine & candidates
    assert store.allowed(Filters(province="Không Có Tỉnh"), candidates) == set()
    assert store.allowed(Filters(source=sources[0]), set()) == set()
    assert "cai_cach" in store.vocabulary or "cai" in store.vocabulary


def test_both_stores_score_alike(built):
    local, qdrant = built["local"].store, built["qdrant"].store
    assert set(local.vocabulary) - {""} == set(qdrant.vocabulary)  # bm25s keeps an empty token of its own
    for tokens in (["cai", "cach", "hanh", "chinh"], ["hai", "long", "hai"], ["61/2018/nd-cp"]):
        a, b = local.lexical(tokens, 100), qdrant.lexical(tokens, 100)
        # same BM25 (bm25s lucene = Qdrant's IDF modifier over the document-side weights), float32 both sides
        common = set(a) & set(b)
        assert len(common) >= 0.9 * max(len(a), len(b))
        assert all(abs(a[i] - b[i]) < 1e-4 * max(1.0, a[i]) for i in common)
    docs = built["local"].documents
    some = next(iter(docs.values()))
    everything = set(range(len(built["local"].chunks)))
    for f in (Filters(province=some.metadata.province), Filters(year=2024), Filters(issuer="sở y tế"),
              Filters(source=some.source, year=1999)):
        assert local.allowed(f, everything) == qdrant.allowed(f, everything), f


def test_retriever_ranks_the_same_over_both_stores(built):
    encoder = HashEncoder()
    for q in QUESTIONS:
        for f in (None, Filters(source=sorted(built["local"].documents)[1])):
            a = Retriever(built["local"], encoder).search(q, 10, f)
            b = Retriever(built["qdrant"], encoder).search(q, 10, f)
            assert [(p.source, p.start, p.end) for p in a] == [(p.source, p.start, p.end) for p in b], q


@pytest.mark.parametrize("kind", ["local", "qdrant"])
def test_rebuild_reuses_embeddings_and_records_the_store(tmp_path, kind):
    corpus = _corpus(tmp_path / "corpus", ("001",))
    backend = _backend(kind, tmp_path)
    encoder = HashEncoder()
    first = _build(corpus, tmp_path / "index", backend, encoder)
    _corpus(corpus, ("002",))
    second = _build(corpus, tmp_path / "index", backend, encoder)
    assert first["embedded"] == first["chunks"] and second["reused"] == first["chunks"]
    assert encoder.calls == second["chunks"]
    manifest = read_manifest(tmp_path / "index")
    assert manifest["store"] == kind
    if kind == "qdrant":
        assert manifest["collection"] == backend.serving() == f"assistant-{second['build']}"
    # the other store's settings are refused with the command that fixes it
    other = IndexConfig(HashEncoder.name, DIM, ChunkingConfig(), restore_ocr=False,
                        store="local" if kind == "qdrant" else "qdrant")
    with pytest.raises(IndexMismatchError, match="store: index has .*assistant index"):
        load_index(tmp_path / "index", other, _backend(other.store, tmp_path))


def test_qdrant_index_against_another_qdrant_is_refused(tmp_path):
    corpus = _corpus(tmp_path / "corpus", ("001",))
    _build(corpus, tmp_path / "index", _backend("qdrant", tmp_path))
    with pytest.raises(IndexMismatchError, match="no collection .*assistant index"):
        _load(tmp_path / "index", make_backend("qdrant", qdrant_path=tmp_path / "elsewhere"))


def test_embedded_qdrant_is_shared_by_engines_of_one_process(tmp_path):
    corpus = _corpus(tmp_path / "corpus", ("001",))
    _build(corpus, tmp_path / "index", _backend("qdrant", tmp_path))
    # an engine reloaded after a rebuild opens the same folder again: one client per folder per process
    a, b = _load(tmp_path / "index", _backend("qdrant", tmp_path)), _load(tmp_path / "index", _backend("qdrant", tmp_path))
    assert a.store.client is b.store.client


def test_alias_switch_during_reads(tmp_path):
    corpus = _corpus(tmp_path / "corpus", ("001",))
    backend = _backend("qdrant", tmp_path)
    _build(corpus, tmp_path / "index", backend)
    old = backend.client.count(backend.alias).count
    _corpus(corpus, ("002",))
    seen, errors, stop = [], [], threading.Event()
    query = HashEncoder().encode_queries(["cải cách hành chính"])[0].tolist()

    def read() -> None:
        while not stop.is_set():
            try:
                n = backend.client.count(backend.alias, exact=True).count
                hits = backend.client.query_points(backend.alias, query=query, using="dense", limit=5).points
                seen.append((n, len(hits)))
            except Exception as exc:  # any failure while the alias moves is what this test looks for
                errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        stats = _build(corpus, tmp_path / "index", backend)
    finally:
        stop.set()
        reader.join()
    assert not errors
    assert {n for n, _ in seen} <= {old, stats["chunks"]} and all(h == 5 for _, h in seen)
    assert backend.client.count(backend.alias).count == stats["chunks"] > old


@pytest.mark.parametrize("kind", ["local", "qdrant"])
def test_failed_build_leaves_the_old_build_serving(tmp_path, monkeypatch, kind):
    corpus = _corpus(tmp_path / "corpus", ("001",))
    backend = _backend(kind, tmp_path)
    first = _build(corpus, tmp_path / "index", backend)
    before = read_manifest(tmp_path / "index")
    _corpus(corpus, ("002",))
    if kind == "qdrant":
        calls = []
        real = backend.client.upsert

        def failing(*args, **kwargs):
            calls.append(1)
            if len(calls) > 1:  # the first batch is written, the second fails
                raise RuntimeError("disk full")
            return real(*args, **kwargs)

        monkeypatch.setattr(backend.client, "upsert", failing)
        monkeypatch.setattr("assistant.search.store_qdrant.BATCH", 16)
    else:
        import assistant.search.store_local as local

        monkeypatch.setattr(local.faiss, "write_index", lambda *a: (_ for _ in ()).throw(RuntimeError("disk full")))
    with pytest.raises(RuntimeError, match="disk full"):
        _build(corpus, tmp_path / "index", backend)
    monkeypatch.undo()
    assert read_manifest(tmp_path / "index") == before
    assert [p.name for p in (tmp_path / "index" / "builds").iterdir()] == [first["build"]]
    if kind == "qdrant":
        assert backend.serving() == before["collection"]
        assert [c.name for c in backend.client.get_collections().collections] == [before["collection"]]
    index = _load(tmp_path / "index", backend)
    assert len(index.chunks) == first["chunks"] and index.store.dense(np.ones(DIM) / 8, 3)


def test_an_older_build_without_a_store_field_is_local(tmp_path):
    import json

    corpus = _corpus(tmp_path / "corpus", ("001",))
    _build(corpus, tmp_path / "index", make_backend("local"))
    path = tmp_path / "index" / "current" / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["store"]
    path.write_text(json.dumps(manifest))
    assert _load(tmp_path / "index", make_backend("local")).store.name == "local"


def test_qdrant_build_of_a_tiny_corpus_keeps_two_collections(tmp_path):
    corpus = _corpus(tmp_path / "corpus", ("001",))
    backend = QdrantBackend(path=tmp_path / "qdrant", prefix="plans")
    builds = [_build(corpus, tmp_path / "index", backend)["build"] for _ in range(3)]
    names = sorted(c.name for c in backend.client.get_collections().collections)
    # the serving build and the one before it (processes not yet reloaded still search it)
    assert names == [f"plans-{b}" for b in builds[1:]]


def test_embedded_folder_held_by_another_process_is_a_clear_error(tmp_path):
    import subprocess
    import sys

    from assistant.errors import NotReady

    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from qdrant_client import QdrantClient; "
                               f"c = QdrantClient(path={str(tmp_path / 'q')!r}); print('open', flush=True); "
                               "time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(NotReady, match="another process"):
            _build(_corpus(tmp_path / "corpus", ("001",)), tmp_path / "index", make_backend("qdrant", qdrant_path=tmp_path / "q"))
    finally:
        holder.kill()
        holder.wait()
