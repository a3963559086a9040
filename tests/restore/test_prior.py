"""The OCR channel prior and the hard-EM step."""

from __future__ import annotations

import math

from assistant.restore.prior import letter_counts, prior_emit, skeleton_bound, smoothed_cost


def test_marked_vowels_printed_as_small_glyphs_keep_a_floor() -> None:
    # "ủ" printed as "ii" is unlisted in the class prior, yet must stay a candidate
    assert math.isfinite(prior_emit("ủ", "ii"))
    assert prior_emit("u", "ii") > prior_emit("ủ", "ii")
    # the bound over every marked form of a letter is never above one of them
    assert skeleton_bound("u", "ii") <= prior_emit("ủ", "ii")


def test_em_step_counts_aligned_letters_and_smooths_toward_the_prior() -> None:
    counts = letter_counts([("tử", "tir"), ("từ", "tir")], prior_emit)
    assert counts[("t", "t")] == 2 and counts[("ử", "ir")] == 1 and counts[("ừ", "ir")] == 1
    seen = smoothed_cost(counts[("ử", "ir")], 1, prior_emit("ử", "ir"), 20.0)
    assert seen < prior_emit("ử", "ir")  # seen once in one occurrence: cheaper than the prior said
    assert smoothed_cost(0, 100, prior_emit("ử", "ir"), 20.0) > prior_emit("ử", "ir")  # never seen in 100
