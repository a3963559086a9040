"""Rank fusion as pure functions over {id: score} runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def ranks(scores: Mapping[int, float]) -> dict[int, int]:
    """1-based rank of each id, best score first (ties broken by id for determinism)."""
    order = sorted(scores, key=lambda i: (-scores[i], i))
    return {doc: r for r, doc in enumerate(order, start=1)}


def reciprocal_rank_fusion(
    runs: Sequence[Mapping[int, float]], k: int = 60, weights: Sequence[float] | None = None
) -> dict[int, float]:
    """RRF: sum of w / (k + rank) over runs (Cormack, Clarke & Büttcher, SIGIR 2009)."""
    weights = weights or [1.0] * len(runs)
    fused: dict[int, float] = {}
    for run, w in zip(runs, weights, strict=True):
        for doc, r in ranks(run).items():
            fused[doc] = fused.get(doc, 0.0) + w / (k + r)
    return fused


def min_max(scores: Mapping[int, float]) -> dict[int, float]:
    """Scale a run to [0, 1] (Lee, SIGIR 1997 "Analyses of multiple evidence combination")."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    span = hi - lo or 1.0
    return {d: (s - lo) / span for d, s in scores.items()}


def convex_combination(runs: Sequence[Mapping[int, float]], weights: Sequence[float]) -> dict[int, float]:
    """Weighted sum of min-max normalised scores (Bruch, Gai & Ingber, TOIS 2023: "An analysis of fusion functions
    for hybrid retrieval"); missing ids count as 0."""
    fused: dict[int, float] = {}
    for run, w in zip(runs, weights, strict=True):
        for doc, s in min_max(run).items():
            fused[doc] = fused.get(doc, 0.0) + w * s
    return fused
