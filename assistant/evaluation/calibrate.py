"""Cross-validated calibration of the answer stage's thresholds and weights, folds made of documents.

Every development question belongs to documents: an answerable one to its gold entries' documents, an unanswerable
one to the documents it names. The documents of the seed and the wider set are dealt into K seeded folds; for each
fold the knobs (`knobs.GRID`) are fitted by grid search on the questions none of whose documents are in it, and
scored on the questions it holds (each question is held out once, in the fold holding most of its documents).

`python -m assistant.evaluation.calibrate --seed-index I --wider-corpus C --wider-index J` writes
evals/calibration_report.md and evals/calibration_report.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from assistant.evaluation.knobs import (
    GRID,
    Harness,
    configurations,
    current_knobs,
    distance,
    set_knobs,
    triple,
)

log = logging.getLogger(__name__)

# Abstaining on an answerable question costs twice what its fact recall and citation precision could bring:
# citation precision is a mean over the questions that cite, so without this weight abstaining on a question whose
# citation would be wrong could pay.
FALSE_ABSTENTION_WEIGHT = 2.0
OBJECTIVE = "fact recall + citation precision − 2·false abstention + abstention on unanswerable"
FIGURES = ("fact_recall", "citation_precision", "false_abstention", "abstention_unanswerable", "objective")


# --- the objective ------------------------------------------------------------------------------------------------
def arrays(scores: Sequence[Mapping]) -> tuple[np.ndarray, np.ndarray]:
    """runner.score records as one configuration's row: values of shape (1, n, 3) (fact recall, citation precision,
    abstained; NaN where absent) and the answerable mask of shape (n,)."""
    values = np.array([triple(s) for s in scores], dtype=float).reshape(1, len(scores), 3)
    return values, np.array([s["kind"] != "unanswerable" for s in scores], dtype=bool)


def figures(values: np.ndarray, answerable: np.ndarray) -> dict[str, np.ndarray]:
    """Per configuration (axis 0), the eval report's answer figures over the questions (axis 1): fact recall and
    citation precision are means of the values present among answerable questions, abstentions are shares."""
    def mean(x: np.ndarray) -> np.ndarray:
        present = (~np.isnan(x)).sum(axis=1)
        return np.where(present > 0, np.nansum(x, axis=1) / np.maximum(present, 1), np.nan)

    ans = answerable.astype(bool)
    return {"fact_recall": mean(values[:, ans, 0]), "citation_precision": mean(values[:, ans, 1]),
            "false_abstention": mean(values[:, ans, 2]), "abstention_unanswerable": mean(values[:, ~ans, 2])}


def objective(fig: Mapping[str, np.ndarray]) -> np.ndarray:
    """fact recall + citation precision − 2·false abstention + abstention on unanswerable (an absent term counts 0)."""
    def term(key: str) -> np.ndarray:
        return np.nan_to_num(fig[key], nan=0.0)

    return (term("fact_recall") + term("citation_precision") - FALSE_ABSTENTION_WEIGHT * term("false_abstention")
            + term("abstention_unanswerable"))


def summary(values: np.ndarray, answerable: np.ndarray, mask: np.ndarray | None = None, c: int = 0) -> dict:
    """Figures and objective of configuration c over the masked questions, rounded for the report."""
    mask = np.ones(values.shape[1], dtype=bool) if mask is None else mask
    fig = figures(values[c : c + 1, mask], answerable[mask])
    out = {k: None if np.isnan(v[0]) else round(float(v[0]), 4) for k, v in fig.items()}
    return out | {"objective": round(float(objective(fig)[0]), 4), "n": int(mask.sum()),
                  "unanswerable": int((mask & ~answerable).sum())}


# --- folds over documents -----------------------------------------------------------------------------------------
def question_documents(question: Mapping, named: Sequence[str]) -> tuple[str, ...]:
    """The documents a question is about: its gold entries' documents, else the documents it names."""
    gold = sorted({g["doc"] for g in question.get("gold") or []})
    return tuple(gold or sorted(named))


def assign_folds(groups: Sequence[Iterable[str]], k: int, seed: int) -> dict[str, int]:
    """Fold of every document: each group (one development set's documents) shuffled with the seed and dealt round
    the folds after the previous group, so every fold mixes the sets and fold sizes differ by at most one."""
    rng = random.Random(seed)
    order: list[str] = []
    for group in groups:
        docs = sorted(set(group) - set(order))
        rng.shuffle(docs)
        order += docs
    return {d: i % k for i, d in enumerate(order)}


def held_out_fold(documents: Sequence[str], fold_of: Mapping[str, int]) -> int:
    """The fold a question is scored in: the one holding most of its documents (the lowest on a tie)."""
    counts = Counter(fold_of[d] for d in documents)
    return max(sorted(counts), key=lambda f: counts[f])


def trains(documents: Sequence[str], fold_of: Mapping[str, int], fold: int) -> bool:
    """Whether a question may fit the knobs for a fold: none of its documents is held out there."""
    return all(fold_of[d] != fold for d in documents)


def fit(values: np.ndarray, answerable: np.ndarray, mask: np.ndarray, configs: Sequence[Mapping],
        prior: Mapping[str, float]) -> tuple[int, int]:
    """(index of the best configuration on the masked questions, how many tie with it); a tie goes to the setting
    nearest the prior (the current constants), so a value moves only where the questions ask for it."""
    j = objective(figures(values[:, mask], answerable[mask]))
    best = np.flatnonzero(j >= j.max() - 1e-9)
    return int(min(best, key=lambda c: (distance(configs[c], prior), c))), len(best)


def cross_validate(values: np.ndarray, answerable: np.ndarray, documents: Sequence[Sequence[str]], sets: np.ndarray,
                   fold_of: Mapping[str, int], configs: Sequence[Mapping], prior: Mapping[str, float]) -> dict:
    """Per-fold fits and scores, every question scored once by values fitted without its documents, the final fit."""
    k = max(fold_of.values()) + 1
    held = np.array([held_out_fold(d, fold_of) for d in documents])
    now = configs.index(dict(prior))
    pooled = np.empty((1, *values.shape[1:]))
    folds = []
    for f in range(k):
        train = np.array([trains(d, fold_of, f) for d in documents])
        test = held == f
        c, ties = fit(values, answerable, train, configs, prior)
        pooled[0, test] = values[c, test]
        folds.append({"fold": f, "documents": sorted(d for d, x in fold_of.items() if x == f), "chosen": configs[c],
                      "ties": ties, "train": summary(values, answerable, train, c),
                      "test": summary(values, answerable, test, c), "test_current": summary(values, answerable, test, now),
                      "excluded_from_train": int((~train & ~test).sum())})
    final, ties = fit(values, answerable, np.ones(len(documents), dtype=bool), configs, prior)

    def per_set(v: np.ndarray, c: int) -> dict:
        return {"all": summary(v, answerable, None, c)} | {s: summary(v, answerable, sets == s, c) for s in sorted(set(sets))}

    profiles, index = {}, {tuple(sorted(x.items())): i for i, x in enumerate(configs)}
    for name, (_, grid) in GRID.items():  # the objective on all questions as one knob moves, the others at final
        at = [index[tuple(sorted((configs[final] | {name: v}).items()))] for v in grid]
        profiles[name] = [[v, summary(values, answerable, None, i)["objective"]] for v, i in zip(grid, at, strict=True)]
    return {"folds": folds, "held_out": held.tolist(), "final": configs[final], "final_ties": ties,
            "cross_validated": per_set(pooled, 0), "current": per_set(values, now), "fitted": per_set(values, final),
            "profiles": profiles, "final_index": final, "current_index": now,
            "chosen_indices": sorted({configs.index(f["chosen"]) for f in folds})}


# --- running and reporting ----------------------------------------------------------------------------------------
def collect(harnesses: Sequence[Harness], prior: Mapping[str, float]) -> tuple[list[dict], np.ndarray]:
    """Every configuration of the grid (axis 0) over every question of every harness (axis 1)."""
    scoring, thresholds = configurations(prior)
    blocks, started = [], time.perf_counter()
    for i, s in enumerate(scoring, start=1):
        blocks.append(np.concatenate([h.grid(s, thresholds) for h in harnesses], axis=1))
        if i % 20 == 0 or i == len(scoring):
            log.info("%d/%d settings, %d answers composed, %.0f s", i, len(scoring), sum(h.runs for h in harnesses),
                     time.perf_counter() - started)
    return [s | t for s in scoring for t in thresholds], np.concatenate(blocks, axis=0)


def _plain(v: np.ndarray) -> list[float | None]:
    return [None if np.isnan(x) else round(float(x), 3) for x in v]


def _row(label: str, s: Mapping) -> str:
    return f"| {label} | {s['n']} ({s['unanswerable']}) | " + " | ".join(
        "–" if s[k] is None else f"{s[k]:.3f}" for k in FIGURES) + " |"


def to_markdown(r: Mapping) -> str:
    """The report in Markdown."""
    names, head = list(GRID), "| n (unanswerable) | fact recall | citation precision | false abstention | " \
        "abstention on unanswerable | objective |"
    lines = [f"# Calibration of the answer stage ({r['created']}, commit {r['commit']})", "", f"`{r['command']}`", "",
             r["method"], "", "## Chosen values", "", "| knob | current | fitted on all folds | "
             + " | ".join(f"fold {f['fold']}" for f in r["folds"]) + " |", "|---" * (3 + len(r["folds"])) + "|"]
    for n in names:
        lines.append(f"| {n} | {r['current_values'][n]} | **{r['final'][n]}** | "
                     + " | ".join(str(f["chosen"][n]) for f in r["folds"]) + " |")
    lines += ["", f"{r['final_ties']} settings of the grid tie with the final fit on all questions; the one nearest "
              "the current constants is reported.", "", "## Per fold", "",
              "Test figures of the values fitted on the other folds, and of the current constants on the same questions.",
              "", "| fold | held-out documents | values | " + head[2:], "|---" * 9 + "|"]
    for f in r["folds"]:
        for label, key in (("train", "train"), ("test", "test"), ("test, current", "test_current")):
            docs = ", ".join(d.split("_")[0] for d in f["documents"]) if key == "train" else ""
            lines.append(f"| {f['fold'] if key == 'train' else ''} | {docs} " + _row(label, f[key]))
    lines += ["", "## All questions", "", "Cross-validated: each question answered with the values fitted without its "
              "documents. Fitted: the final values, in sample (optimistic).", "", "| values | set " + head, "|---" * 8 + "|"]
    for label, key in (("cross-validated", "cross_validated"), ("current constants", "current"), ("fitted", "fitted")):
        for s, row in r[key].items():
            lines.append(f"| {label} " + _row(s, row))
    lines += ["", "## Sensitivity", "", "Objective on all questions as one knob moves, the others at the final values.", ""]
    lines += [f"- {n}: " + ", ".join(f"{v} → {o:.3f}" for v, o in r["profiles"][n]) for n in names]
    lines += ["", "## Questions whose figures change (current → final)", "",
              "(fact recall, citation precision, abstained)", ""]
    lines += [f"- {c['id']} ({c['set']}, {c['kind']}): {c['current']} → {c['final']}" for c in r["changed"]] or ["- none"]
    lines += ["", f"Grid: {r['configurations']} settings × {r['questions']} questions; {r['compositions']} answers "
              f"composed in {r['seconds']} s. Check: {r['verified']}"]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: calibrate on the two development sets and write the report."""
    from assistant.engine import Engine
    from assistant.evaluation.runner import load_questions
    from assistant.settings import Settings

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed-questions", type=Path, default=Path("evals/dev_questions.jsonl"))
    p.add_argument("--seed-index", type=Path, default=Settings().index_dir)
    p.add_argument("--wider-questions", type=Path, default=Path("../shared/evals/wider/questions.jsonl"))
    p.add_argument("--wider-corpus", type=Path, default=Path("evals/runs/wider/corpus"))
    p.add_argument("--wider-index", type=Path, default=Path("evals/runs/wider/index"))
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--out", type=Path, default=Path("evals/calibration_report"))
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    started, prior = time.perf_counter(), current_knobs()
    seed_engine = Engine.open(Settings(index_dir=a.seed_index))
    wider_engine = Engine.open(Settings(corpus_dir=a.wider_corpus, index_dir=a.wider_index), encoder=seed_engine.encoder)
    harnesses = [Harness(seed_engine, load_questions(a.seed_questions), "seed"),
                 Harness(wider_engine, load_questions(a.wider_questions), "wider")]
    questions = [(h.label, q, n) for h in harnesses for q, n in zip(h.questions, h.named, strict=True)]
    documents = [question_documents(q, n) for _, q, n in questions]
    answerable = np.array([q.get("kind") != "unanswerable" for _, q, _ in questions])
    sets = np.array([s for s, _, _ in questions])
    groups = [sorted({d for ds, s in zip(documents, sets, strict=True) if s == label for d in ds})
              for label in ("seed", "wider")]
    fold_of = assign_folds(groups, a.folds, a.seed)
    configs, values = collect(harnesses, prior)
    r = cross_validate(values, answerable, documents, sets, fold_of, configs, prior)
    checked = []  # the shortcuts are exact: the settings reported, answered the ordinary way, give the same figures
    for c in sorted({r["current_index"], r["final_index"], *r["chosen_indices"]}):
        again = np.concatenate([h.plain(configs[c], fresh_retrieval=c == r["current_index"]) for h in harnesses])
        checked.append(bool(np.allclose(again, values[c], equal_nan=True)))
        if not checked[-1]:
            log.error("setting %s: figures differ when answered without the shortcuts", configs[c])
    set_knobs(harnesses[0].answerer, prior)
    set_knobs(harnesses[1].answerer, prior)
    now, final = r["current_index"], r["final_index"]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    r |= {"created": time.strftime("%Y-%m-%dT%H:%M:%S"), "commit": commit, "current_values": prior,
          "command": "python -m assistant.evaluation.calibrate " + " ".join(sys.argv[1:] if argv is None else argv),
          "method": (f"{a.folds} folds over {len(fold_of)} documents (seed {a.seed}); objective: {OBJECTIVE}. "
                     "Grid: " + "; ".join(f"{n} {list(v)}" for n, (_, v) in GRID.items()) + "."),
          "documents": fold_of, "configurations": len(configs), "questions": len(questions),
          "question_documents": {q["id"]: list(d) for (_, q, _), d in zip(questions, documents, strict=True)},
          "changed": [{"id": q["id"], "set": s, "kind": q.get("kind"), "current": _plain(values[now, i]),
                       "final": _plain(values[final, i])}
                      for i, (s, q, _) in enumerate(questions)
                      if not np.allclose(values[now, i], values[final, i], equal_nan=True)],
          "compositions": sum(h.runs for h in harnesses), "seconds": round(time.perf_counter() - started),
          "verified": f"{sum(checked)}/{len(checked)} of the settings reported (current constants with fresh retrieval) "
                      "answered without the shortcuts gave the same figures"}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.with_suffix(".json").write_text(json.dumps(r, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    a.out.with_suffix(".md").write_text(to_markdown(r), encoding="utf-8")
    log.info("final values %s (cross-validated objective %s, current %s)", r["final"],
             r["cross_validated"]["all"]["objective"], r["current"]["all"]["objective"])


if __name__ == "__main__":
    main()
