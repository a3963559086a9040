"""Shared fixtures: the real corpus and a cheap token counter for unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
EVALS = ROOT / "evals"


def approx_tokens(text: str) -> int:
    """A stand-in for the model tokenizer in unit tests: Vietnamese syllables cost about 1.5 pieces."""
    return (len(text.split()) * 3 + 1) // 2


@pytest.fixture(scope="session")
def corpus_texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))}


def corpus_file(prefix: str) -> Path:
    return next(CORPUS.glob(f"{prefix}_*"))
