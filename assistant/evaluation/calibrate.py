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

from assistant.evaluation import knobs
from assistant.evaluation.knobs import GRID, Harness

log = logging.getLogger(__name__)

# The objective's weight of false abstention (why(): abstaining must never pay through citation precision).
FALSE_ABSTENTION_WEIGHT = 2.0
OBJECTIVE = "fact recall + citation precision − 2·false abstention + abstention on unanswerable"
FIGURES = ("fact_recall", "citation_precision", "false_abstention", "abstention_unanswerable", "objective")


# --- the objective ------------------------------------------------------------------------------------------------
def arrays(scores: Sequence[Mapping]) -> tuple[np.ndarray, np.ndarray]:
    """runner.score records as one configuration's row: values of shape (1, n, 3) (fact recall, citation precision,
    abstained; NaN where absent) and the answerable mask of shape (n,)."""
    values = np.array([knobs.triple(s) for s in scores], dtype=float).reshape(1, len(scores), 3)
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


def why(answerable: int, unanswerable: int) -> str:
    """Why the objective weighs what it weighs, in the development sets' own numbers."""
    return ("False abstention weighs 2: citation precision is a mean over the questions that cite, so abstaining on an "
            "answerable question whose citation would be wrong raises it; at weight 2 that never pays. Abstention on "
            f"unanswerable questions weighs 1: with {unanswerable} of them against {answerable} answerable, answering "
            f"one costs {1 / unanswerable:.3f}, a false abstention {2 / answerable:.3f} plus the fact recall lost "
            f"(up to {1 / answerable:.3f}), because an answer the documents do not support misleads where an "
            "abstention only fails to help.")


def summary(values: np.ndarray, answerable: np.ndarray, mask: np.ndarray | None = None, c: int = 0) -> dict:
    """Figures and objective of configuration c over the masked questions, rounded for the report."""
    mask = np.ones(values.shape[1], dtype=bool) if mask is None else mask
    fig = figures(values[c : c + 1, mask].astype(np.float64), answerable[mask])
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


def held_out_folds(documents: Sequence[Sequence[str]], fold_of: Mapping[str, int]) -> list[int]:
    """The fold each question is scored in: the one holding most of its documents; a tie goes to the tied fold with
    the fewest questions so far (then the lowest), so questions across documents do not pile up in one fold."""
    counts = [Counter(fold_of[d] for d in docs) for docs in documents]
    tops = [sorted(f for f in c if c[f] == max(c.values())) for c in counts]
    sizes = Counter(t[0] for t in tops if len(t) == 1)
    out = []
    for top in tops:
        fold = top[0] if len(top) == 1 else min(top, key=lambda f: (sizes[f], f))
        sizes[fold] += len(top) > 1
        out.append(fold)
    return out


def trains(documents: Sequence[str], fold_of: Mapping[str, int], fold: int) -> bool:
    """Whether a question may fit the knobs for a fold: none of its documents is held out there."""
    return all(fold_of[d] != fold for d in documents)


# --- fitting ------------------------------------------------------------------------------------------------------
def smoothed(j: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """The objective averaged over each setting's grid neighbourhood (one step either way on every knob, the edge
    repeated): a plateau wins over a spike that one question's flip makes."""
    a = j.reshape(shape)
    for axis, n in enumerate(shape):
        if n > 1:
            idx = np.arange(n)
            a = (a.take(np.maximum(idx - 1, 0), axis) + a + a.take(np.minimum(idx + 1, n - 1), axis)) / 3
    return a.reshape(-1)


def fit(values: np.ndarray, answerable: np.ndarray, mask: np.ndarray, configs: Sequence[Mapping],
        prior: Mapping[str, float], shape: Sequence[int] | None = None) -> tuple[int, int]:
    """(index of the best setting on the masked questions, how many tie with it), by the objective or, given the
    grid's shape, by its smoothed value; a tie goes to the setting nearest the prior (the current constants), so a
    value moves only where the questions ask for it."""
    j = objective(figures(values[:, mask], answerable[mask]))
    if shape is not None:
        j = smoothed(j, shape)
    best = np.flatnonzero(j >= j.max() - 1e-6)  # the grid is stored in float32; one flip moves j by > 1e-3
    return int(min(best, key=lambda c: (knobs.distance(configs[c], prior), c))), len(best)


def per_set(values: np.ndarray, answerable: np.ndarray, sets: np.ndarray, c: int) -> dict:
    """Figures of setting c over all questions and over each development set's."""
    return {"all": summary(values, answerable, None, c)} | {
        s: summary(values, answerable, sets == s, c) for s in sorted(set(sets.tolist()))}


def cross_validate(values: np.ndarray, answerable: np.ndarray, documents: Sequence[Sequence[str]], sets: np.ndarray,
                   fold_of: Mapping[str, int], configs: Sequence[Mapping], prior: Mapping[str, float],
                   shape: Sequence[int] | None = None) -> dict:
    """Per-fold fits and scores, every question scored once by values fitted without its documents, the final fit."""
    held = np.array(held_out_folds(documents, fold_of))
    now = configs.index(prior)
    pooled = np.empty((1, *values.shape[1:]))
    folds = []
    for f in range(max(fold_of.values()) + 1):
        train = np.array([trains(d, fold_of, f) for d in documents])
        test = held == f
        c, ties = fit(values, answerable, train, configs, prior, shape)
        pooled[0, test] = values[c, test]
        folds.append({"fold": f, "documents": sorted(d for d, x in fold_of.items() if x == f), "chosen": configs[c],
                      "index": c, "ties": ties, "train": summary(values, answerable, train, c),
                      "test": summary(values, answerable, test, c), "test_current": summary(values, answerable, test, now),
                      "excluded_from_train": int((~train & ~test).sum())})
    final, ties = fit(values, answerable, np.ones(len(documents), dtype=bool), configs, prior, shape)
    return {"folds": folds, "final": configs[final], "final_index": final, "final_ties": ties,
            "cross_validated": per_set(pooled, answerable, sets, 0), "fitted": per_set(values, answerable, sets, final)}


def profiles(values: np.ndarray, answerable: np.ndarray, configs: knobs.Grid, c: int) -> dict:
    """The objective on all questions as one knob moves along its grid, the others as in setting c."""
    return {name: [[v, summary(values, answerable, None, configs.index(configs[c] | {name: v}))["objective"]]
                   for v in grid] for name, grid in GRID.items()}


def changes(values: np.ndarray, questions: Sequence[tuple[str, Mapping]], a: int, b: int) -> list[dict]:
    """Questions whose figures differ between settings a and b."""
    def plain(v: np.ndarray) -> list[float | None]:
        return [None if np.isnan(x) else round(float(x), 3) for x in v]

    return [{"id": q["id"], "set": s, "kind": q.get("kind"), "before": plain(values[a, i]), "after": plain(values[b, i])}
            for i, (s, q) in enumerate(questions) if not np.allclose(values[a, i], values[b, i], equal_nan=True)]


# --- the report ---------------------------------------------------------------------------------------------------
def _row(label: str, s: Mapping) -> str:
    return f"| {label} | {s['n']} ({s['unanswerable']}) | " + " | ".join(
        "–" if s[k] is None else f"{s[k]:.3f}" for k in FIGURES) + " |"


def to_markdown(r: Mapping) -> str:
    """The report in Markdown."""
    rules, head = r["rules"], ("n (unanswerable) | fact recall | citation precision | false abstention | "
                               "abstention on unanswerable | objective |")
    lines = [f"# Calibration of the answer stage ({r['created']}, commit {r['commit']})", "", f"`{r['command']}`", "",
             r["method"], "", r["tree"], "", "## Summary", "", "Cross-validated: each question answered with the "
             "values fitted without its documents. Fitted: the rule's final values on all questions, in sample "
             "(optimistic). The current constants were set on the seed questions, so theirs are partly in sample too.",
             "", "| values | set | " + head, "|---" * 8 + "|"]
    lines += [f"| current constants {_row(s, row)}" for s, row in r["current"].items()]
    for name, rule in rules.items():
        lines += [f"| {name}, cross-validated {_row(s, row)}" for s, row in rule["cross_validated"].items()]
        lines.append(f"| {name}, fitted {_row('all', rule['fitted']['all'])}")
    lines += ["", f"**{r['recommendation']}**", "", "## Chosen values", "",
              "| knob | current | " + " | ".join(f"{n}: all folds | {n}: folds 0–{len(rules[n]['folds']) - 1}"
                                                 for n in rules) + " |", "|---" * (2 + 2 * len(rules)) + "|"]
    for k in GRID:
        lines.append(f"| {k} | {r['current_values'][k]} | " + " | ".join(
            f"**{rule['final'][k]}** | " + " · ".join(str(f["chosen"][k]) for f in rule["folds"])
            for rule in rules.values()) + " |")
    lines += [""] + [f"{name}: {rule['final_ties']} settings tie with the final fit; the one nearest the current "
                     "constants is taken." for name, rule in rules.items()]
    lines += ["", "## Per fold", "", "Train and test figures of each rule's values fitted on the other folds, and the "
              "current constants on the same held-out questions.", "", "| fold | held-out documents | values | " + head,
              "|---" * 9 + "|"]
    for i, base in enumerate(next(iter(rules.values()))["folds"]):
        docs = ", ".join(d.split("_")[0] for d in base["documents"])
        lines.append(f"| {i} | {docs} " + _row("current, test", base["test_current"]))
        for name, rule in rules.items():
            f = rule["folds"][i]
            lines += ["| | " + _row(f"{name}, train", f["train"]), "| | " + _row(f"{name}, test", f["test"])]
    lines += ["", "## Sensitivity", "", f"Objective on all questions as one knob moves, the others at {r['profile_of']}.",
              ""] + [f"- {n}: " + ", ".join(f"{v} → {o:.3f}" for v, o in p) for n, p in r["profiles"].items()]
    for name, rule in rules.items():
        lines += ["", f"## Questions whose figures change: current constants → {name} final", "",
                  "(fact recall, citation precision, abstained)", ""]
        lines += [f"- {c['id']} ({c['set']}, {c['kind']}): {c['before']} → {c['after']}"
                  for c in rule["changed"]] or ["- none"]
    lines += ["", f"Grid: {r['configurations']} settings × {r['questions']} questions; {r['compositions']} answers "
              f"composed in {r['seconds']} s. Check: {r['verified']}."]
    return "\n".join(lines) + "\n"


RULES = {"best": False, "smoothed": True}  # rule name -> whether it fits the smoothed objective


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
    started, prior = time.perf_counter(), knobs.current_knobs()  # the answer modules are imported by now
    git = ["git", "-C", str(Path(__file__).parent)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "--", "../answer"], capture_output=True, text=True).stdout
    seed_engine = Engine.open(Settings(index_dir=a.seed_index))
    wider_engine = Engine.open(Settings(corpus_dir=a.wider_corpus, index_dir=a.wider_index), encoder=seed_engine.encoder)
    harnesses = [Harness(seed_engine, load_questions(a.seed_questions), "seed"),
                 Harness(wider_engine, load_questions(a.wider_questions), "wider")]
    questions = [(h.label, q) for h in harnesses for q in h.questions]
    documents = [question_documents(q, n) for h in harnesses for q, n in zip(h.questions, h.named, strict=True)]
    answerable = np.array([q.get("kind") != "unanswerable" for _, q in questions])
    sets = np.array([s for s, _ in questions])
    fold_of = assign_folds([sorted({d for ds, s in zip(documents, sets, strict=True) if s == h.label for d in ds})
                            for h in harnesses], a.folds, a.seed)
    configs, values = knobs.run_grid(harnesses, prior)
    now = configs.index(prior)
    rules = {name: cross_validate(values, answerable, documents, sets, fold_of, configs, prior,
                                  configs.shape if smooth else None) for name, smooth in RULES.items()}
    current = per_set(values, answerable, sets, now)
    for rule in rules.values():
        rule["changed"] = changes(values, questions, now, rule["final_index"])
    top = max(rules, key=lambda n: rules[n]["cross_validated"]["all"]["objective"])
    cv, mine = rules[top]["cross_validated"]["all"]["objective"], current["all"]["objective"]
    chosen = rules[top]["final_index"] if cv > mine else now
    recommendation = (f"Apply the {top} rule's final values: cross-validated objective {cv} against {mine} for the "
                      "current constants." if cv > mine else
                      f"Keep the current constants: no rule's cross-validated objective beats theirs ({top}: {cv} "
                      f"against {mine}): values fitted on some documents' questions do worse on the others'.")
    checked = []  # the shortcuts are exact: the settings reported, answered the ordinary way, give the same figures
    for c in sorted({now, *(r["final_index"] for r in rules.values()),
                     *(f["index"] for r in rules.values() for f in r["folds"])}):
        again = np.concatenate([h.plain(configs[c], fresh_retrieval=c == now) for h in harnesses])
        checked.append(bool(np.allclose(again, values[c], equal_nan=True)))
        if not checked[-1]:
            log.error("setting %s: figures differ when answered without the shortcuts", configs[c])
    for h in harnesses:
        knobs.set_knobs(h.answerer, prior)
    r = {"created": time.strftime("%Y-%m-%dT%H:%M:%S"),
         "commit": commit,
         "command": "python -m assistant.evaluation.calibrate " + " ".join(sys.argv[1:] if argv is None else argv),
         "method": (f"{a.folds} folds over {len(fold_of)} documents (seed {a.seed}); objective: {OBJECTIVE}. "
                    f"{why(int(answerable.sum()), int((~answerable).sum()))} Rules: "
                    "best = the grid's best setting on the training questions; smoothed = the best after averaging the "
                    "objective over each setting's grid neighbours. Grid: "
                    + "; ".join(f"{n} {list(v)}" for n, v in GRID.items()) + "."),
         "tree": "Answer-stage files differing from that commit when the run started: "
                 + (", ".join(line[3:] for line in dirty.splitlines()) or "none") + ".",
         "current_values": prior, "current": current, "rules": rules, "recommendation": recommendation,
         "recommended": configs[chosen], "profile_of": "the recommended values",
         "profiles": profiles(values, answerable, configs, chosen), "documents": fold_of,
         "question_documents": {q["id"]: list(d) for (_, q), d in zip(questions, documents, strict=True)},
         "held_out": dict(zip((q["id"] for _, q in questions), held_out_folds(documents, fold_of), strict=True)),
         "configurations": len(configs), "questions": len(questions), "compositions": sum(h.runs for h in harnesses),
         "seconds": round(time.perf_counter() - started),
         "verified": f"{sum(checked)}/{len(checked)} of the settings reported (the current constants with fresh "
                     "retrieval) gave the same figures answered without the shortcuts"}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.with_suffix(".json").write_text(json.dumps(r, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    a.out.with_suffix(".md").write_text(to_markdown(r), encoding="utf-8")
    log.info("%s", recommendation)


if __name__ == "__main__":
    main()
