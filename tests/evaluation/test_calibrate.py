"""Calibration: folds over documents, the objective on hand-made records, the fit, and the traced knobs."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.evaluation import calibrate, knobs, runner
from assistant.evaluation.knobs import GRID, traced

SEED = [f"{i:03d}_plan.txt" for i in range(5)]
WIDER = [f"w{i:02d}_doc.md" for i in range(1, 10)]


def record(qid: str, kind: str, fact: float | None, cite: float | None, abstained: bool) -> dict:
    """A per-question score as runner.score writes it (absent figures are absent keys)."""
    s = {"id": qid, "kind": kind, "question": qid, "abstained": abstained, "latency_ms": 1.0}
    if fact is not None:
        s["fact_recall"] = fact
    if cite is not None:
        s["citation_precision"] = cite
    return s


# --- folds --------------------------------------------------------------------------------------------------------
def test_folds_deal_every_document_once_with_balanced_sizes_and_every_set_in_every_fold() -> None:
    fold_of = calibrate.assign_folds([SEED, WIDER + SEED[:2]], 5, seed=14)
    assert sorted(fold_of) == sorted(SEED + WIDER)
    sizes = np.bincount(list(fold_of.values()), minlength=5)
    assert sizes.max() - sizes.min() <= 1
    assert sorted(fold_of[d] for d in SEED) == [0, 1, 2, 3, 4]  # five seed documents: one in each fold
    assert {fold_of[d] for d in WIDER} == {0, 1, 2, 3, 4}


def test_folds_are_seeded() -> None:
    again = calibrate.assign_folds([SEED, WIDER], 5, seed=14)
    assert calibrate.assign_folds([SEED, WIDER], 5, seed=14) == again
    assert any(calibrate.assign_folds([SEED, WIDER], 5, seed=s) != again for s in range(1, 4))
    assert calibrate.assign_folds([list(reversed(SEED)), WIDER], 5, seed=14) == again  # order of the input is moot


def test_a_question_is_held_out_where_most_of_its_documents_are_and_trains_only_where_none_is() -> None:
    fold_of = {"a": 0, "b": 1, "c": 1, "d": 2}
    assert calibrate.held_out_folds([("a", "b", "c"), ("d",)], fold_of) == [1, 2]
    assert [calibrate.trains(("a", "b", "c"), fold_of, f) for f in range(3)] == [False, False, True]


def test_questions_across_documents_are_spread_over_their_tied_folds() -> None:
    fold_of = {"a": 0, "b": 1, "c": 2}
    held = calibrate.held_out_folds([("a",), ("a", "b"), ("a", "b"), ("a", "b", "c"), ("a", "b", "c")], fold_of)
    assert held[0] == 0 and sorted(held[1:3]) == [0, 1]  # a tie goes to the tied fold with fewer questions
    assert held[3] in (1, 2) and held[4] in (1, 2) and held[3] != held[4]


def test_question_documents_are_the_gold_documents_else_the_named_ones() -> None:
    q = {"gold": [{"doc": "b.txt", "evidence": "x"}, {"doc": "a.txt", "evidence": "y"}, {"doc": "b.txt", "evidence": "z"}]}
    assert calibrate.question_documents(q, ["c.txt"]) == ("a.txt", "b.txt")
    assert calibrate.question_documents({"gold": []}, ["d.txt", "c.txt"]) == ("c.txt", "d.txt")


# --- the objective ------------------------------------------------------------------------------------------------
RECORDS = [
    record("a1", "fact", 1.0, 1.0, False),
    record("a2", "list", 0.5, 0.0, False),
    record("a3", "fact", 0.0, None, True),  # abstained on an answerable question: nothing cited
    record("u1", "unanswerable", None, None, True),
    record("u2", "unanswerable", None, None, False),
]


def test_objective_on_hand_made_records() -> None:
    values, answerable = calibrate.arrays(RECORDS)
    s = calibrate.summary(values, answerable)
    assert s["fact_recall"] == 0.5  # (1 + 0.5 + 0) / 3
    assert s["citation_precision"] == 0.5  # (1 + 0) / 2: the abstention cited nothing
    assert s["false_abstention"] == pytest.approx(1 / 3, abs=1e-4)
    assert s["abstention_unanswerable"] == 0.5
    assert s["objective"] == pytest.approx(0.5 + 0.5 - 2 / 3 + 0.5, abs=1e-4)
    assert (s["n"], s["unanswerable"]) == (5, 2)


def test_figures_are_those_of_the_eval_report() -> None:
    values, answerable = calibrate.arrays(RECORDS)
    s, report = calibrate.summary(values, answerable), runner.summarise(RECORDS)
    assert s["fact_recall"] == report["overall"]["fact_recall"]
    assert s["citation_precision"] == report["overall"]["citation_precision"]
    assert s["false_abstention"] == report["abstention_answerable"]
    assert s["abstention_unanswerable"] == report["abstention_unanswerable"]


def test_abstaining_on_an_answerable_question_never_pays_even_when_its_citation_is_wrong() -> None:
    answered = [record("a1", "fact", 1.0, 1.0, False), record("a2", "fact", 0.0, 0.0, False)]
    abstained = [answered[0], record("a2", "fact", 0.0, None, True)]
    assert calibrate.summary(*calibrate.arrays(abstained))["citation_precision"] == 1.0  # the mean rose ...
    assert (calibrate.summary(*calibrate.arrays(abstained))["objective"]
            < calibrate.summary(*calibrate.arrays(answered))["objective"])  # ... the objective fell


def test_a_subset_without_unanswerable_questions_counts_that_term_zero() -> None:
    values, answerable = calibrate.arrays(RECORDS[:2])
    s = calibrate.summary(values, answerable)
    assert s["abstention_unanswerable"] is None
    assert s["objective"] == pytest.approx(0.75 + 0.5)


# --- the fit ------------------------------------------------------------------------------------------------------
PRIOR = {n: grid[len(grid) // 2] for n, grid in GRID.items()}


def test_fit_takes_the_best_setting_on_the_masked_questions_and_breaks_ties_towards_the_prior() -> None:
    far = PRIOR | {"MIN_SUPPORT": max(GRID["MIN_SUPPORT"])}
    near = PRIOR | {"MIN_SUPPORT": GRID["MIN_SUPPORT"][len(GRID["MIN_SUPPORT"]) // 2 + 1]}
    good = [record("a", "fact", 1.0, 1.0, False), record("u", "unanswerable", None, None, True)]
    bad = [record("a", "fact", 0.0, 0.0, False), record("u", "unanswerable", None, None, False)]
    rows = [calibrate.arrays(r)[0] for r in (bad, good, good)]
    values, answerable = np.concatenate(rows), calibrate.arrays(good)[1]
    everything = np.ones(2, dtype=bool)
    assert calibrate.fit(values, answerable, everything, [PRIOR, far, near], PRIOR) == (2, 2)
    assert calibrate.fit(values, answerable, everything, [PRIOR, near, far], PRIOR) == (1, 2)
    only_u = np.array([False, True])
    assert calibrate.fit(values[[0, 1]], answerable, only_u, [far, PRIOR], PRIOR) == (1, 1)


def test_the_smoothed_objective_prefers_a_plateau_to_a_spike() -> None:
    j = np.array([0.0, 3.0, 0.0, 0.0, 2.0, 2.0, 2.0])
    assert int(np.argmax(j)) == 1
    assert int(np.argmax(calibrate.smoothed(j, (7,)))) == 5
    grid = np.arange(6.0)  # value 3·row + column on a 2 × 3 grid; every knob is smoothed, the edge repeated
    corner = calibrate.smoothed(grid, (2, 3)).reshape(2, 3)[0, 0]
    assert corner == pytest.approx(3 * (0 + 0 + 1) / 3 + (0 + 0 + 1) / 3)  # rows (0, 0, 1) × columns (0, 0, 1)


# --- traced knobs -------------------------------------------------------------------------------------------------
def test_traced_knobs_act_as_their_values_and_note_only_real_uses() -> None:
    reads: set[str] = set()
    weight, count = traced("W", 0.3, reads), traced("N", 3, reads)
    unused = 2.0 * (weight if False else 1.0)
    assert unused == 2.0 and reads == set()
    assert (1 - weight) * 0.5 + weight * 1.0 == pytest.approx(0.65) and reads == {"W"}
    assert list(range(10))[:count] == [0, 1, 2] and reads == {"W", "N"}
    reads.clear()
    score = 0.5
    score += weight
    assert type(score) is float and score == pytest.approx(0.8) and reads == {"W"}


def test_every_knob_is_a_number_some_answer_module_holds_and_every_setting_has_a_number() -> None:
    current = knobs.current_knobs()
    assert set(current) == set(GRID) and all(isinstance(v, int | float) for v in current.values())
    grid = knobs.Grid(current)
    assert len(grid) == int(np.prod(grid.shape))
    for c in (0, len(grid) // 3, len(grid) - 1, grid.index(current)):
        assert grid.index(grid[c]) == c
    assert grid[grid.index(current)] == current
