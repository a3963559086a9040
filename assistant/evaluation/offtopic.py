"""Off-topic detection: its features on question sets, and its two settings chosen by cross-validation over documents.

`python -m assistant.evaluation.offtopic features --label LABEL --out F.jsonl QUESTIONS.jsonl ...` records, with the
index the settings name, what the answerer's scope check sees for every question; `... calibrate F.jsonl ... --out
evals/offtopic_calibration.md` fits the evidence floor and the weight of unseen words on some documents' questions
(and some off-topic questions), scores the held-out ones, and writes per-fold figures (Markdown and JSON).
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from assistant.answer.scope import best_share
from assistant.evaluation.runner import load_questions
from assistant.search.crosslingual import to_vietnamese
from assistant.search.query import analyse

log = logging.getLogger(__name__)

UNSEEN_GRID = (1.0, 1.5, 2.0, 3.0)
FLOOR_GRID = tuple(round(0.01 * i, 2) for i in range(61))
# A false abstention on a question the plans answer costs more than an off-topic question answered.
FALSE_ABSTENTION_COST = 10.0


def features(engine, questions: Iterable[dict], corpus: str) -> list[dict]:
    """What `Answerer.ask` checks for each question (no history): unrendered English, uncovered words, evidence."""
    answerer = engine.answerer
    scope = answerer.scope
    docs = engine.index.documents
    out = []
    for q in questions:
        rendered = to_vietnamese(q["question"])
        used = rendered or q["question"]
        record = {"id": q["id"], "kind": q.get("kind", "fact"), "corpus": corpus,
                  "docs": sorted({g["doc"] for g in q.get("gold") or []}), "question": q["question"]}
        if rendered is not None and not any(ch.isalnum() for ch in rendered):
            out.append(record | {"flagged": "english", "idf": [], "supported": [], "presence": []})
            continue
        info = analyse(used, docs.values())
        words, left_out = scope.question_words(q["question"], rendered)
        uncovered = scope.uncovered(words + left_out, used, bool(info.sources))
        passages = engine.retriever.search(used, answerer.k, None, "hybrid", info)
        out.append(record | {"flagged": "vocabulary" if uncovered else None,
                             "words": [" ".join(w.syllables) for w in words],
                             "idf": [scope.idf(w) for w in words], "supported": [scope.supported(w) for w in words],
                             "presence": scope.presence(words, passages)})
    return out


def flagged(sample: dict, unseen: float, floor: float) -> bool:
    """Whether the answerer abstains on the sample as off-topic with these settings."""
    if sample["flagged"]:
        return True
    if not sample["presence"] or all(sample["supported"]):  # as Scope.unrelated: only with a word the corpus lacks
        return False
    return best_share(sample["idf"], sample["supported"], sample["presence"], unseen) < floor


def _rates(samples: Sequence[dict], unseen: float, floor: float) -> tuple[int, int, int, int]:
    """(off-topic flagged, off-topic, answerable flagged, answerable)."""
    off = [s for s in samples if s["offtopic"]]
    on = [s for s in samples if not s["offtopic"]]
    return (sum(flagged(s, unseen, floor) for s in off), len(off), sum(flagged(s, unseen, floor) for s in on), len(on))


def fit(samples: Sequence[dict]) -> tuple[float, float]:
    """The (unseen weight, floor) that best separates off-topic from answerable questions; among equally good floors
    the middle one, so the floor keeps its distance from both kinds."""
    best: tuple[float, float, float] | None = None  # (objective, width of the best interval, unseen)
    chosen = (UNSEEN_GRID[0], 0.0)
    for unseen in UNSEEN_GRID:
        scores = []
        for floor in FLOOR_GRID:
            off_hit, off_n, on_hit, on_n = _rates(samples, unseen, floor)
            scores.append(off_hit / max(off_n, 1) - FALSE_ABSTENTION_COST * on_hit / max(on_n, 1))
        top = max(scores)
        ties = [f for f, s in zip(FLOOR_GRID, scores, strict=True) if s >= top - 1e-12]
        key = (top, ties[-1] - ties[0], -unseen)
        if best is None or key > best:
            best = key
            chosen = (unseen, ties[len(ties) // 2])
    return chosen


def cross_validate(samples: Sequence[dict]) -> dict:
    """Leave one document out: fit on the questions of the other documents (and the off-topic questions of the
    other folds), score the held-out document's questions and its share of off-topic questions."""
    answerable = [s | {"offtopic": False} for s in samples if s["kind"] != "unanswerable"]
    offtopic = [s | {"offtopic": True} for s in samples if s["id"].startswith("o")]
    documents = sorted({d for s in answerable for d in s["docs"]})
    off_ids = sorted({s["id"] for s in offtopic})
    fold_of = {i: n % len(documents) for n, i in enumerate(off_ids)}
    folds = []
    for k, doc in enumerate(documents):
        test = [s for s in answerable if doc in s["docs"]] + [s for s in offtopic if fold_of[s["id"]] == k]
        train = [s for s in answerable if doc not in s["docs"]] + [s for s in offtopic if fold_of[s["id"]] != k]
        unseen, floor = fit(train)
        off_hit, off_n, on_hit, on_n = _rates(test, unseen, floor)
        folds.append({"held_out": doc, "unseen": unseen, "floor": floor, "offtopic_flagged": off_hit,
                      "offtopic": off_n, "answerable_flagged": on_hit, "answerable": on_n,
                      "false_flags": [s["id"] for s in test if not s["offtopic"] and flagged(s, unseen, floor)]})
    unseen, floor = fit(answerable + offtopic)
    in_domain = [s for s in samples if s["kind"] == "unanswerable" and not s["id"].startswith("o")]

    def evidence(s: dict) -> float | None:
        if s["flagged"] or not s["presence"] or all(s["supported"]):
            return None
        return best_share(s["idf"], s["supported"], s["presence"], unseen)

    margins = {"lowest_answerable": min((round(e, 3), s["id"]) for s in answerable if (e := evidence(s)) is not None),
               "highest_offtopic_below": max(((round(e, 3), s["id"]) for s in offtopic
                                              if (e := evidence(s)) is not None and e < floor), default=None)}
    off_hit, off_n, on_hit, on_n = _rates(answerable + offtopic, unseen, floor)
    return {"folds": folds, "chosen": {"unseen": unseen, "floor": floor}, "margins": margins,
            "held_out": {"offtopic_flagged": sum(f["offtopic_flagged"] for f in folds),
                         "answerable_flagged": sum(f["answerable_flagged"] for f in folds),
                         "answerable": sum(f["answerable"] for f in folds), "offtopic": sum(f["offtopic"] for f in folds)},
            "all_data": {"offtopic_flagged": off_hit, "offtopic": off_n, "answerable_flagged": on_hit, "answerable": on_n,
                         "missed_offtopic": sorted({f"{s['id']}@{s['corpus']}" for s in offtopic
                                                    if not flagged(s, unseen, floor)})},
            "in_domain_unanswerable_flagged": [f"{s['id']}@{s['corpus']}" for s in in_domain
                                               if flagged(s, unseen, floor)]}


def to_markdown(result: dict) -> str:
    """Per-fold figures and the chosen settings."""
    c, h, a, m = result["chosen"], result["held_out"], result["all_data"], result["margins"]
    lines = ["# Off-topic detection: cross-validation over documents", "",
             f"Chosen on all questions: unseen-word weight **{c['unseen']}**, evidence floor **{c['floor']}** "
             f"(flags {a['offtopic_flagged']}/{a['offtopic']} off-topic, {a['answerable_flagged']}/{a['answerable']} "
             "answerable questions).", "",
             f"Held out, pooled over folds: off-topic flagged {h['offtopic_flagged']}/{h['offtopic']}, answerable "
             f"flagged {h['answerable_flagged']}/{h['answerable']} (a question of several documents is held out "
             "with each).", "",
             f"Margins at the chosen settings: lowest answerable evidence {m['lowest_answerable']}, highest "
             f"off-topic evidence under the floor {m['highest_offtopic_below']}.", "",
             "| held-out document | unseen | floor | off-topic flagged | answerable flagged | false flags |",
             "|---|---|---|---|---|---|"]
    for f in result["folds"]:
        lines.append(f"| {f['held_out']} | {f['unseen']} | {f['floor']} | {f['offtopic_flagged']}/{f['offtopic']} | "
                     f"{f['answerable_flagged']}/{f['answerable']} | {', '.join(f['false_flags']) or '–'} |")
    lines += ["", "Off-topic questions the check lets through (the answerer's own checks may still abstain): "
              + (", ".join(a["missed_offtopic"]) or "none") + ".",
              "In-domain unanswerable questions it flags (abstaining is right; the message says the documents do not "
              "cover the question): " + (", ".join(result["in_domain_unanswerable_flagged"]) or "none") + "."]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    feat = sub.add_parser("features", help="features of question sets on the index the settings name")
    feat.add_argument("questions", nargs="+", type=Path)
    feat.add_argument("--label", required=True, help="name of the corpus (samples of several corpora are pooled)")
    feat.add_argument("--out", required=True, type=Path)
    cal = sub.add_parser("calibrate", help="cross-validate the settings over documents")
    cal.add_argument("features", nargs="+", type=Path)
    cal.add_argument("--out", required=True, type=Path, help="Markdown report (JSON beside it)")
    args = parser.parse_args(argv)
    if args.command == "features":
        from assistant.engine import Engine
        from assistant.settings import Settings

        engine = Engine.open(Settings())
        rows = [r for path in args.questions for r in features(engine, load_questions(path), args.label)]
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        return
    samples = [json.loads(line) for path in args.features for line in path.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    result = cross_validate(samples)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(to_markdown(result), encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    log.info("chosen %s", result["chosen"])


if __name__ == "__main__":
    main()
