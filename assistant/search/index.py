"""The index: records (documents, chunks, restorations) and a self-describing manifest in a build folder, and
the search structures in a store (store.py: FAISS + bm25s files in the same folder, or a Qdrant collection).

Layout: `index/current` is a symlink to `index/builds/<id>/`; a build is written beside it and the link is swapped
atomically (os.replace of a symlink), so a crash mid-build leaves the old index serving. A store with its own
publishing step (the Qdrant alias) publishes just before the link moves. A finished build removes older builds
only, never another process's `.tmp-*` folder still being written.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from assistant.documents.chunk import ChunkingConfig
from assistant.documents.pipeline import ParsedCorpus
from assistant.documents.read import MAX_BYTES, fingerprint
from assistant.errors import IndexMismatchError, IndexMissingError
from assistant.restore.restorer import VERSION as RESTORE_VERSION
from assistant.restore.restorer import Restoration
from assistant.search.store import Backend, Store, make_backend
from assistant.text.normalize import VERSION as NORMALIZER_VERSION
from assistant.types import Chunk, Document, Metadata, Section

log = logging.getLogger(__name__)

FORMAT = 3  # 3: an OCR document's place, recipients and signature note restored; 2: a restoration stores its unsure tokens
FIX = "run `assistant index` (or `make index`) to rebuild it"
# Manifest fields older builds did not write, and what they meant.
LEGACY = {"store": "local"}


@dataclass(frozen=True)
class IndexConfig:
    """What an index must agree with to be loaded."""

    model: str
    dim: int
    chunking: ChunkingConfig
    faiss_type: str = "flat"
    restore_ocr: bool = True
    store: str = "local"

    def expected(self) -> dict:
        """Manifest fields compared on load."""
        return {
            "format": FORMAT,
            "model": self.model,
            "dim": self.dim,
            "normalizer_version": NORMALIZER_VERSION,
            "restore_version": RESTORE_VERSION if self.restore_ocr else None,
            "chunking": self.chunking.to_dict(),
            "faiss": self.faiss_type if self.store == "local" else None,
            "store": self.store,
        }


@dataclass
class Index:
    """A loaded index: records and the store that searches them."""

    path: Path
    manifest: dict
    documents: dict[str, Document]
    chunks: list[Chunk]
    store: Store
    restorations: dict[str, Restoration]


def file_hashes(corpus_dir: Path, max_bytes: int = MAX_BYTES) -> dict[str, str]:
    """sha256 of every readable corpus file and the reason of every skipped one: is an index stale?"""
    return fingerprint(corpus_dir, max_bytes)


def build_id(path: Path) -> str:
    """The id of the build a path (e.g. `index/current`) leads to."""
    return path.resolve().name


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean_builds(builds: Path, own: str, serving: str) -> None:
    """Remove builds older than ours (ids sort by start time) and temporary folders of dead processes; a
    folder another build is still writing, or a newer build that finished first, is left alone."""
    for old in builds.iterdir():
        if old.name in (own, serving):
            continue
        if old.name.startswith(".tmp-"):
            parts = old.name.split("-")  # .tmp, date, time[.microseconds], pid[, random]
            pid = parts[3] if len(parts) > 3 else ""
            if pid.isdigit() and not _pid_alive(int(pid)):
                shutil.rmtree(old, ignore_errors=True)
        elif old.name < own:
            shutil.rmtree(old, ignore_errors=True)


def _live_tmp_builds(builds: Path) -> list[str]:
    """Ids of builds other processes are still writing."""
    out = []
    for tmp in builds.glob(".tmp-*"):
        parts = tmp.name.split("-")
        if len(parts) > 3 and parts[3].isdigit() and _pid_alive(int(parts[3])):
            out.append(tmp.name.removeprefix(".tmp-"))
    return out


def _serving_manifest(index_dir: Path) -> dict:
    try:
        return json.loads((index_dir / "current" / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def build_index(
    parsed: ParsedCorpus,
    encoder,
    index_dir: Path,
    config: IndexConfig,
    corpus_files: dict[str, str],
    progress: Callable[[int, int], None] | None = None,
    backend: Backend | None = None,
) -> dict:
    """Embed (reusing unchanged chunks), index and atomically publish; returns build statistics."""
    started = time.perf_counter()
    backend = backend or make_backend(config.store, config.faiss_type)
    chunks = list(parsed.chunks)
    serving = _serving_manifest(index_dir)
    previous = {}
    if serving.get("model") == config.model:
        previous = backend.previous_vectors((index_dir / "current").resolve(), serving)
    vectors = np.zeros((len(chunks), config.dim), dtype=np.float32)
    todo = [i for i, c in enumerate(chunks) if c.content_hash not in previous]
    for i, c in enumerate(chunks):
        if c.content_hash in previous:
            vectors[i] = previous[c.content_hash]
    batch = 32
    for lo in range(0, len(todo), batch):
        ids = todo[lo : lo + batch]
        vectors[ids] = encoder.encode_passages([chunks[i].embed_text for i in ids])
        if progress:
            progress(min(lo + batch, len(todo)), len(todo))
    embed_s = time.perf_counter() - started

    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    # <date>-<time.microseconds>-<pid>-<random>: sorts by start time, names the writer, never collides
    now = time.time()
    own = time.strftime("%Y%m%d-%H%M%S", time.localtime(now)) + f".{int(now * 1e6) % 1_000_000:06d}"
    own += f"-{os.getpid()}-{secrets.token_hex(3)}"
    tmp = builds / f".tmp-{own}"
    tmp.mkdir()
    fields: dict = {}
    try:
        fields = backend.write(tmp, own, chunks, vectors, {d.source: d for d in parsed.documents})
        _write(tmp, parsed, chunks, config, corpus_files, fields)
        tmp.rename(builds / own)
        backend.publish(fields)
        link = index_dir / f".current-{own}"
        link.symlink_to(Path("builds") / own)
        os.replace(link, index_dir / "current")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        backend.discard(fields)
        raise
    _clean_builds(builds, own, build_id(index_dir / "current"))
    # The build that served until now stays in the store: processes still on it search it until they reload.
    backend.clean([fields, serving], [own, *_live_tmp_builds(builds)])
    return {
        "build": own,
        "chunks": len(chunks),
        "embedded": len(todo),
        "reused": len(chunks) - len(todo),
        "index_seconds": round(time.perf_counter() - started, 3),  # embedding and writing, not reading
        "embed_seconds": round(embed_s, 3),
    }


def _write(path: Path, parsed: ParsedCorpus, chunks: list[Chunk], config: IndexConfig, files: dict,
           store_fields: dict) -> None:
    """Records and manifest into the build folder (the store has written its part)."""
    with (path / "chunks.jsonl").open("w", encoding="utf-8") as f:
        for c in chunks:
            record = asdict(c)
            record.pop("metadata")  # stored once per document
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    with (path / "documents.jsonl").open("w", encoding="utf-8") as f:
        for d in parsed.documents:
            record = {
                "source": d.source, "text": d.text, "sha256": d.sha256, "format": d.format, "encoding": d.encoding,
                "metadata": d.metadata.to_dict(), "sections": [s.to_dict() for s in d.sections],
                "ocr_damaged": d.ocr_damaged, "pages": list(d.pages),
            }
            r = parsed.restorations.get(d.source)
            if r is not None:
                record["restoration"] = {"text": r.text, "tokens": [list(t) for t in r.tokens], "unsure": list(r.unsure)}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    manifest = config.expected() | store_fields | {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "documents": {d.source: d.sha256 for d in parsed.documents},
        "files": files,
        "skipped": [{"source": s.source, "reason": s.reason} for s in parsed.skipped],
        "counts": {"documents": len(parsed.documents), "chunks": len(chunks)},
    }
    (path / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")


def read_manifest(index_dir: Path) -> dict:
    """The serving index's manifest, or IndexMissingError."""
    path = index_dir / "current" / "manifest.json"
    if not path.exists():
        raise IndexMissingError(f"no index in {index_dir}", hint=FIX)
    return json.loads(path.read_text(encoding="utf-8"))


def mismatches(manifest: dict, config: IndexConfig) -> list[str]:
    """Every manifest field that differs from what the settings want, as `field: index has X, settings want Y`."""
    return [f"{k}: index has {manifest.get(k, LEGACY.get(k))!r}, settings want {v!r}"
            for k, v in config.expected().items() if manifest.get(k, LEGACY.get(k)) != v]


def check_manifest(manifest: dict, config: IndexConfig) -> None:
    """Raise IndexMismatchError naming every field that differs from the settings."""
    diffs = mismatches(manifest, config)
    if diffs:
        raise IndexMismatchError("index does not match the settings (" + "; ".join(diffs) + ")", hint=FIX)


def is_stale(manifest: dict, corpus_files: dict[str, str]) -> bool:
    """True when the corpus folder changed since the index was built."""
    return manifest.get("files") != corpus_files


def _section(d: dict) -> Section:
    return Section(d["title"], d["level"], d["start"], d["end"], tuple(_section(c) for c in d["children"]))


def load_index(index_dir: Path, config: IndexConfig, backend: Backend | None = None) -> Index:
    """Load and verify the serving index; the store searches the build the manifest names."""
    manifest = read_manifest(index_dir)
    check_manifest(manifest, config)
    path = (index_dir / "current").resolve()
    documents: dict[str, Document] = {}
    restorations: dict[str, Restoration] = {}
    for line in (path / "documents.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        metadata = Metadata(**r["metadata"])
        documents[r["source"]] = Document(
            source=r["source"], text=r["text"], sha256=r["sha256"], format=r["format"], encoding=r["encoding"],
            metadata=metadata, sections=tuple(_section(s) for s in r["sections"]), ocr_damaged=r["ocr_damaged"],
            pages=tuple(r.get("pages", ())),
        )
        if "restoration" in r:
            restorations[r["source"]] = Restoration(
                text=r["restoration"]["text"], tokens=tuple(tuple(t) for t in r["restoration"]["tokens"]),
                unsure=tuple(r["restoration"]["unsure"]),
            )
    chunks = []
    for line in (path / "chunks.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        chunks.append(Chunk(**r, metadata=documents[r["source"]].metadata))
    backend = backend or make_backend(config.store, config.faiss_type)
    store = backend.open(path, manifest, chunks, documents)
    return Index(path=path, manifest=manifest, documents=documents, chunks=chunks, store=store,
                 restorations=restorations)
