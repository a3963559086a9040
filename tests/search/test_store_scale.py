"""The scale table builds and searches both stores through their own interfaces (tiny sizes here)."""

from __future__ import annotations

import random

import numpy as np

from assistant.evaluation.scale import scale_table, synthetic_keys, to_markdown


def test_synthetic_keys_are_windows_of_real_keys():
    base = [["a", "b", "c"], ["d", "e"]]
    keys = synthetic_keys(base, 20, random.Random(1))
    assert len(keys) == 20 and all(k and set(k) <= set("abcde") for k in keys)


def test_scale_table_measures_both_stores():
    rng = np.random.default_rng(3)
    base = [[f"t{int(x) % 400}" for x in rng.zipf(1.3, 80)] for _ in range(50)]
    queries = rng.standard_normal((3, 16)).astype(np.float32)
    table = scale_table(base, [b[:5] for b in base[:3]], queries, sizes=(300,), queries=3)
    rows = {r["store"]: r for r in table["runs"]}
    assert set(rows) == {"local", "qdrant"}
    for r in rows.values():
        assert r["chunks"] == 300 and r["index_mb"] > 0 and r["build_s"] >= 0
        assert r["search_ms"]["n"] == 3 and r["search_ms"]["p50"] >= r["dense_ms"]["p50"]
    assert "| 300 | qdrant |" in to_markdown(table)
