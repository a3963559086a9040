from __future__ import annotations

from assistant.search.fusion import convex_combination, min_max, ranks, reciprocal_rank_fusion


def test_ranks_best_first():
    assert ranks({7: 0.1, 3: 0.9, 5: 0.5}) == {3: 1, 5: 2, 7: 3}


def test_rrf_rewards_agreement():
    bm25 = {1: 9.0, 2: 8.0, 3: 1.0}
    dense = {2: 0.9, 3: 0.8, 4: 0.7}
    fused = reciprocal_rank_fusion([bm25, dense], k=60)
    assert max(fused, key=fused.get) == 2  # second and first beats first and absent
    assert abs(fused[1] - 1 / 61) < 1e-12


def test_convex_combination_and_min_max():
    assert min_max({1: 2.0, 2: 4.0}) == {1: 0.0, 2: 1.0}
    fused = convex_combination([{1: 1.0, 2: 0.0}, {1: 0.0, 2: 1.0}], [0.7, 0.3])
    assert fused[1] > fused[2]
