"""On-disk cache of restoration models and per-document OCR channels, keyed by what they were learned from."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
from collections.abc import Iterable
from pathlib import Path

from assistant.restore import names as rn
from assistant.restore.model import MODEL_VERSION
from assistant.text import glossary
from assistant.text import syllables as sy

log = logging.getLogger(__name__)

KEEP_MODELS = 6  # corpora (sets of clean documents, code versions) whose models stay on disk


def cache_dir() -> Path:
    """~/.cache/assistant/restore (XDG_CACHE_HOME honoured), never inside the package."""
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "assistant" / "restore"


def text_hash(text: str) -> str:
    """sha256 of a decoded text: the identity of an in-domain document or of a restored one."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@functools.cache
def _code_and_shipped() -> bytes:
    """Digest of the model version, the code that builds and decodes, and the shipped training files."""
    digest = hashlib.sha256(MODEL_VERSION.encode())
    gazetteer = rn.gazetteer_file()
    shipped = [*sy.lexicon_files(), *sy.running_text_files(), glossary.DOMAIN_GLOSSARY]
    shipped += [gazetteer] if gazetteer else []
    words = sy.word_ngram_dir()
    shipped += [words / "unigram.xml", words / "bigram.xml"] if words else []
    for path in sorted(shipped):
        digest.update(f"{path.name}:{path.stat().st_size}|".encode())
    # The code is part of the model's identity: an edited builder or decoder must not reuse an old pickle.
    here = Path(__file__).parent
    for module in (*sorted(here.glob("*.py")), here.parent / "text" / "syllables.py"):
        digest.update(module.read_bytes())
    return digest.digest()


def model_key(clean_hashes: Iterable[str]) -> str:
    """Cache key of a model: version, code, shipped files and the in-domain texts' hashes (any order)."""
    digest = hashlib.sha256(_code_and_shipped())
    for h in sorted(clean_hashes):
        digest.update(h.encode())
    return f"{MODEL_VERSION}-{digest.hexdigest()[:16]}"


def load(name: str, kind: type) -> object | None:
    """The cached object `name` if it is a `kind`, else None (missing, truncated or foreign pickle)."""
    path = cache_dir() / name
    try:
        with path.open("rb") as fh:
            obj = pickle.load(fh)
        os.utime(path)  # recently used: kept by prune()
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
        return None
    return obj if isinstance(obj, kind) else None


def prune(keep: int = KEEP_MODELS) -> None:
    """Remove all but the `keep` most recently used models, with their documents' channels: every edit of the
    corpus's clean documents or of this code makes a new model of a few megabytes."""
    try:
        models = sorted(cache_dir().glob("*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in models[keep:]:
            for channel in cache_dir().glob(f"{old.stem}-*.channel"):
                channel.unlink(missing_ok=True)
            old.unlink(missing_ok=True)
    except OSError as exc:  # another process pruning at the same time
        log.info("cache prune: %s", exc)


def save(name: str, obj: object) -> None:
    """Write atomically; a read-only home still works, just slower."""
    path = cache_dir() / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError as exc:
        log.warning("cannot cache %s: %s", name, exc)
