"""The cost curve of both stores on synthetic corpora: index size, build time and search p50 at 10k / 100k
(/ 1M) chunks. Run alone with `python -m assistant.evaluation.scale --sizes 10000,100000`; `make bench` runs it too.

BM25 keys are spliced from random windows of two real chunk keys (realistic term statistics); dense vectors are
random unit vectors (search cost depends on size and dimension, not on the values); queries are the real search
tokens and embeddings of the bench questions; top-100 candidates as in retrieval. Each store is built through its
own Backend.write, exactly as `assistant index` builds it, and searched through its Store.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import resource
import secrets
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.evaluation.metrics import percentile
from assistant.search.retrieve import CANDIDATES
from assistant.search.store import Backend, make_backend
from assistant.types import Chunk

log = logging.getLogger(__name__)

DOCUMENT_CHUNKS = 50  # synthetic chunks per synthetic document (only the payload's source field sees it)


def synthetic_keys(base: list[list[str]], n: int, rng: random.Random) -> list[list[str]]:
    """n chunk keys made by splicing random windows of real chunk keys (realistic term statistics)."""
    out = []
    for _ in range(n):
        a, b = rng.choice(base), rng.choice(base)
        i, j = rng.randrange(max(1, len(a))), rng.randrange(max(1, len(b)))
        out.append(a[i : i + 60] + b[j : j + 60])
    return out


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _ms(samples: list[float]) -> dict[str, float]:
    return {"p50": round(percentile(samples, 50), 2), "p95": round(percentile(samples, 95), 2), "n": len(samples)}


def _size_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def _chunks(keys: list[list[str]]) -> list[Chunk]:
    return [Chunk(id=f"s{i}", source=f"s{i // DOCUMENT_CHUNKS}.txt", start=0, end=0, text="", section="",
                  top_section=0, keys=" ".join(k), embed_text="", content_hash=str(i)) for i, k in enumerate(keys)]


def measure_store(backend: Backend, folder: Path, data_dir: Path, chunks: list[Chunk], vectors: np.ndarray,
                  qtokens: Sequence[list[str]], qvecs: np.ndarray, queries: int) -> dict:
    """Build one store from the chunks and time its dense and lexical top-100 for `queries` questions."""
    folder.mkdir(parents=True)
    before = _peak_rss_mb()
    t0 = time.perf_counter()
    fields = backend.write(folder, time.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3), chunks, vectors, {})
    build_s = time.perf_counter() - t0
    store = backend.open(folder, {"store": backend.name, **fields}, chunks, {})
    dense_ms, lexical_ms = [], []
    for i in range(queries):
        t0 = time.perf_counter()
        store.dense(qvecs[i % len(qvecs)], CANDIDATES)
        dense_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        store.lexical(qtokens[i % len(qtokens)], CANDIDATES)
        lexical_ms.append((time.perf_counter() - t0) * 1000)
    both = [d + b for d, b in zip(dense_ms, lexical_ms, strict=True)]
    return {"build_s": round(build_s, 2), "index_mb": _size_mb(data_dir), "dense_ms": _ms(dense_ms),
            "lexical_ms": _ms(lexical_ms), "search_ms": _ms(both), "rss_growth_mb": round(_peak_rss_mb() - before, 1)}


def scale_table(base: list[list[str]], qtokens: Sequence[list[str]], qvecs: np.ndarray,
                sizes: Sequence[int] = (10_000, 100_000), stores: Sequence[str] = ("local", "qdrant"),
                queries: int = 40, faiss_type: str = "flat") -> dict:
    """One row per size and store; `search_ms` is dense + lexical top-100, what one hybrid question asks of the
    store (query encoding and fusion are the same for both stores and left out)."""
    rng = random.Random(7)
    dim = qvecs.shape[1]
    rows = []
    for n in sizes:
        keys = synthetic_keys(base, n, rng)
        vectors = np.random.default_rng(n).standard_normal((n, dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        chunks = _chunks(keys)
        for kind in stores:
            with tempfile.TemporaryDirectory(prefix="assistant-scale-") as tmp:
                qdrant = Path(tmp) / "qdrant"
                backend = make_backend(kind, faiss_type, qdrant_path=qdrant, qdrant_collection=f"scale{n}")
                folder = Path(tmp) / "build"
                row = measure_store(backend, folder, qdrant if kind == "qdrant" else folder, chunks, vectors,
                                    qtokens, qvecs, queries)
                if kind == "qdrant":  # embedded mode keeps the collection in memory until its client closes
                    backend.close()
            rows.append({"chunks": n, "store": kind} | row)
            log.warning("scale %s %d: %s", kind, n, row)
    return {
        "method": "BM25 keys spliced from random windows of two real chunk keys; dense vectors random unit vectors "
                  f"of dimension {dim}; real query tokens and embeddings; top-100 candidates as in retrieval; "
                  "qdrant = embedded mode (QdrantClient(path=...)) in this process",
        "runs": rows,
    }


def bench_scale(engine, sizes: Sequence[int] = (10_000, 100_000), stores: Sequence[str] = ("local", "qdrant"),
                queries: int = 40) -> dict:
    """The scale table with the keys of the engine's chunks and the bench questions."""
    from assistant.evaluation.bench import QUESTIONS
    from assistant.text.normalize import search_tokens

    base = [c.keys.split() for c in engine.index.chunks]
    qvecs = np.asarray(engine.encoder.encode_queries(QUESTIONS), dtype=np.float32)
    return scale_table(base, [search_tokens(q) for q in QUESTIONS], qvecs, sizes, stores, queries,
                       engine.settings.faiss_index)


def to_markdown(table: dict) -> str:
    """The table as Markdown rows."""
    lines = ["| chunks | store | index size | build | search p50 (dense + BM25) | dense p50 | BM25 p50 |",
             "|---|---|---|---|---|---|---|"]
    for r in table["runs"]:
        lines.append(f"| {r['chunks']:,} | {r['store']} | {r['index_mb']} MB | {r['build_s']} s | "
                     f"{r['search_ms']['p50']} ms | {r['dense_ms']['p50']} ms | {r['lexical_ms']['p50']} ms |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Measure the scale table alone and write it as JSON (and Markdown beside it)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated chunk counts")
    parser.add_argument("--stores", default="local,qdrant")
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--out", type=Path, default=Path("evals/scale.json"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    from assistant.engine import Engine
    from assistant.settings import Settings

    engine = Engine.open(Settings(), build_if_needed=True)
    table = bench_scale(engine, [int(s) for s in args.sizes.split(",")], args.stores.split(","), args.queries)
    table["created"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(table, ensure_ascii=False, indent=2), encoding="utf-8")
    args.out.with_suffix(".md").write_text(to_markdown(table), encoding="utf-8")
    print(to_markdown(table))  # noqa: T201 - this is a command's output


if __name__ == "__main__":
    main()
