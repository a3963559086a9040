"""Restore Vietnamese diacritics in OCR-damaged text, one output token per input token.

The restoration layer never reads the corpus folder: the caller passes the decoded documents. The model learns
in-domain text from the clean ones only (keyed by their hashes), and a damaged document is read with the OCR
channel fitted on itself, so adding a damaged or unreadable document never changes another document's reading.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import fields, replace

from assistant.restore import store
from assistant.restore.decode import (
    DAMAGE_THRESHOLD,
    UNSURE_MARGIN,
    damage,
    decode_line,
    decode_with_margins,
    split_glued,
)
from assistant.restore.model import MODEL_VERSION, RestoreModel
from assistant.restore.spans import Restoration, UnsureWord, to_original_span, to_restored_span, unsure_words
from assistant.restore.train import build_model, train_channel
from assistant.text import syllables as sy

log = logging.getLogger(__name__)

# Recorded in the index manifest: a new restorer, or another margin for unsure words, means a rebuilt index.
VERSION = f"{MODEL_VERSION}+unsure<{UNSURE_MARGIN}"
MAX_MODELS = 4  # corpora (sets of clean documents) kept in memory
MAX_ADAPTED = 64  # damaged documents whose fitted channel is kept in memory
MAX_LINE_MEMO = 100_000

_models: OrderedDict[str, RestoreModel] = OrderedDict()
_adapted: OrderedDict[tuple[str, str], RestoreModel] = OrderedDict()
_lock = threading.RLock()

__all__ = ["DAMAGE_THRESHOLD", "UNSURE_MARGIN", "VERSION", "Restoration", "RestoreModel", "UnsureWord",
           "damage_score", "for_document", "get_model", "is_damaged", "line_margins", "line_model", "restore_heading",
           "restore_line", "restore_text", "to_original_span", "to_restored_span", "unsure_words"]


def _remember(memo: OrderedDict, key: object, value: RestoreModel, limit: int) -> RestoreModel:
    memo[key] = value
    memo.move_to_end(key)
    while len(memo) > limit:
        memo.popitem(last=False)
    return value


def get_model(texts: Iterable[str] = ()) -> RestoreModel:
    """The restoration model for a corpus: text shipped with the packages plus the clean documents among
    `texts` (decoded by the caller). Damaged texts are left out, so an added OCR document changes nothing."""
    clean = {store.text_hash(t): t for t in texts if sy.is_clean_text(t)}
    key = store.model_key(clean)
    with _lock:
        model = _models.get(key)
        if model is None:
            model = store.load(f"{key}.pkl", RestoreModel)
            if model is None or any(f.name not in vars(model) for f in fields(RestoreModel)):
                # sorted by hash: the same documents give the same model in whatever order they come
                model = build_model([clean[h] for h in sorted(clean)], key=key)
                store.save(f"{key}.pkl", model)
                store.prune()
            log.info("restoration model %s (%d clean in-domain documents)", key, len(clean))
        return _remember(_models, key, model, MAX_MODELS)


def for_document(model: RestoreModel, text: str) -> RestoreModel:
    """`model` with its OCR channel fitted by hard EM on this document alone; a clean text gets `model`."""
    h = store.text_hash(text)
    if model.adapted_to:
        if model.adapted_to != h:
            raise ValueError("this model's OCR channel was fitted on another document")
        return model
    if damage(text, model) < DAMAGE_THRESHOLD:
        return model
    with _lock:
        hit = _adapted.get((model.key, h)) if model.key else None
        if hit is not None:
            return _remember(_adapted, (model.key, h), hit, MAX_ADAPTED)
        adapted = replace(model, adapted_to=h)
        name = f"{model.key}-{h[:24]}.channel"
        channel = store.load(name, tuple) if model.key else None
        if channel is not None and len(channel) == 2:
            adapted.emission, adapted.emit_unseen = channel
        else:
            train_channel(adapted, text)
            if model.key:
                store.save(name, (adapted.emission, adapted.emit_unseen))
        return _remember(_adapted, (model.key, h), adapted, MAX_ADAPTED) if model.key else adapted


def line_model(texts: Iterable[str]) -> RestoreModel:
    """For lines that belong to no document (`assistant restore` reading stdin): the corpus model with the OCR
    channel fitted on all its damaged documents together. Documents themselves are never read with it."""
    texts = list(texts)
    model = get_model(texts)
    damaged = sorted((t for t in texts if damage(t, model) >= DAMAGE_THRESHOLD), key=store.text_hash)
    return for_document(model, "\n\n".join(damaged)) if damaged else model


def restore_line(line: str, model: RestoreModel | None = None) -> str:
    """Restore one OCR line; a line that does not look damaged comes back unchanged. Without a model, the
    general one (shipped text only) reads it."""
    model = model or get_model()
    out = model.memo_lines.get(line)
    if out is None:
        out = decode_line(line, model) if damage(line, model) >= DAMAGE_THRESHOLD else line
        if len(model.memo_lines) >= MAX_LINE_MEMO:
            model.memo_lines.clear()
        model.memo_lines[line] = out
    return out


def restore_heading(line: str, model: RestoreModel | None = None) -> str:
    """A heading or title shown on its own, restored with the words the OCR ran together taken apart."""
    model = model or get_model()
    return restore_line(split_glued(line, model), model)


def line_margins(line: str, model: RestoreModel | None = None) -> tuple[str, list[float]]:
    """`restore_line` and each whitespace token's margin (nats; inf where the line is not decoded or a token has no
    alternative): what the restoration eval measures unsure words on."""
    model = model or get_model()
    if damage(line, model) < DAMAGE_THRESHOLD:
        return line, [math.inf] * len(line.split())
    out, margins = decode_with_margins([line], model)
    return out[0], margins


def damage_score(text: str, model: RestoreModel | None = None) -> float:
    """Share of word tokens that look OCR-damaged or stripped of diacritics (0 clean .. 1 damaged)."""
    return damage(text, model or get_model())


def is_damaged(text: str, model: RestoreModel | None = None) -> bool:
    """True when a document or line needs restoration."""
    return damage_score(text, model) >= DAMAGE_THRESHOLD


def restore_text(text: str, model: RestoreModel | None = None) -> Restoration:
    """Restore a whole document when it looks damaged (with the channel fitted on it); keep lines and
    whitespace tokens aligned, and mark the tokens decoded with a margin under UNSURE_MARGIN."""
    model = for_document(model or get_model(), text)
    lines = text.split("\n")
    unsure: list[int] = []
    if damage(text, model) >= DAMAGE_THRESHOLD:
        out_lines, para_start, seen = list(lines), None, 0  # seen: tokens of the paragraphs before this one
        for i, line in enumerate(lines + [""]):
            if line.strip() and para_start is None:
                para_start = i
            elif not line.strip() and para_start is not None:
                out_lines[para_start:i], margins = decode_with_margins(lines[para_start:i], model)
                unsure += [seen + k for k, m in enumerate(margins) if m < UNSURE_MARGIN]
                seen += len(margins)
                para_start = None
        lines = out_lines
    restored = "\n".join(lines)
    spans_o = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    spans_r = [(m.start(), m.end()) for m in re.finditer(r"\S+", restored)]
    if len(spans_o) != len(spans_r):  # cannot happen: each token maps to one non-space token
        raise RuntimeError("restoration changed the token count")
    tokens = tuple((a, b, c, d) for (a, b), (c, d) in zip(spans_o, spans_r, strict=True))
    return Restoration(restored, tokens, tuple(unsure))
