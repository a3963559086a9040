"""The same evaluation on both stores in one run, and how far their top-10 agree.

`python -m assistant.evaluation.parity evals/dev_questions.jsonl --qdrant-index-dir /tmp/qidx --report-dir DIR`
opens the local index of the settings (ASSISTANT_INDEX_DIR) and a Qdrant index (ASSISTANT_QDRANT_URL or
ASSISTANT_QDRANT_PATH), building either when missing or stale with one shared encoder, runs the results-contract
evaluation on each (DIR/local, DIR/qdrant) and writes DIR/parity.json: both summaries side by side and, per
question, whether the retriever's top-10 (source, start, end) agree.

A difference is a tie-break when it only reorders passages of equal fused score, or picks different passages of
the score the 10th shares: fusion breaks ties by chunk position, the same on both stores, but two chunks whose
BM25 scores are equal up to float rounding may come back in either order, and then either rank is right.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from pathlib import Path

from assistant.evaluation.runner import evaluate, load_questions
from assistant.types import Passage

log = logging.getLogger(__name__)

TIE = 1e-9


def _groups(passages: Sequence[Passage]) -> list[tuple[float, frozenset]]:
    """Passages grouped by (rounded) fused score, best first."""
    out: list[tuple[float, set]] = []
    for p in passages:
        s = round(p.score / TIE) * TIE
        if out and abs(out[-1][0] - s) <= TIE:
            out[-1][1].add((p.source, p.start, p.end))
        else:
            out.append((s, {(p.source, p.start, p.end)}))
    return [(s, frozenset(keys)) for s, keys in out]


def compare(a: Sequence[Passage], b: Sequence[Passage]) -> str:
    """"same", "tie-break" (equal up to the order of equal scores, or the members of a group cut at the end),
    or "different"."""
    if [(p.source, p.start, p.end) for p in a] == [(p.source, p.start, p.end) for p in b]:
        return "same"
    ga, gb = _groups(a), _groups(b)
    if len(a) != len(b) or len(ga) != len(gb):
        return "different"
    for i, ((sa, ka), (sb, kb)) in enumerate(zip(ga, gb, strict=True)):
        last = i == len(ga) - 1
        if abs(sa - sb) > 1e-6 or (len(ka) != len(kb)) or (not last and ka != kb):
            return "different"
    return "tie-break"


def agreement(questions: Sequence[dict], local, qdrant, k: int = 10) -> dict:
    """Per question, how the two retrievers' top-k compare; counts of each verdict."""
    rows = []
    for q in questions:
        a, b = local.search(q["question"], k), qdrant.search(q["question"], k)
        verdict = compare(a, b)
        row = {"id": q["id"], "verdict": verdict}
        if verdict != "same":
            row["local"] = [f"{p.source}[{p.start}:{p.end}] {p.score:.6f}" for p in a]
            row["qdrant"] = [f"{p.source}[{p.start}:{p.end}] {p.score:.6f}" for p in b]
        rows.append(row)
    counts = {v: sum(r["verdict"] == v for r in rows) for v in ("same", "tie-break", "different")}
    return {"k": k, "counts": counts, "questions": rows}


def main(argv: list[str] | None = None) -> None:
    """Evaluate both stores and write their parity."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--qdrant-index-dir", type=Path, required=True, help="index folder of the Qdrant build")
    parser.add_argument("--report-dir", type=Path, default=Path("evals/runs/parity"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    from assistant.engine import Engine, texts_of
    from assistant.search.embed import load_encoder
    from assistant.settings import Settings

    base = Settings()
    encoder = load_encoder(base.embedding_model, base.cache_dir / "models", base.embedding_segmented)
    engines = {
        "local": Engine.open(base.model_copy(update={"store": "local"}), build_if_needed=True, encoder=encoder),
        "qdrant": Engine.open(base.model_copy(update={"store": "qdrant", "index_dir": args.qdrant_index_dir}),
                              build_if_needed=True, encoder=encoder),
    }
    questions = load_questions(args.questions)
    summaries = {}
    for name, engine in engines.items():
        report = evaluate(questions, lambda q, mode, e=engine: e.answerer.ask(q, mode=mode), texts_of(engine.index),
                          args.report_dir / name / "results.jsonl", args.report_dir / name, label=name,
                          ocr_sources=frozenset(s for s, d in engine.index.documents.items() if d.ocr_damaged))
        summaries[name] = {"overall": report["summary"]["overall"], "ablation": report["ablation"]}
    parity = {"summaries": summaries,
              "top10": agreement(questions, engines["local"].retriever, engines["qdrant"].retriever)}
    (args.report_dir / "parity.json").write_text(json.dumps(parity, ensure_ascii=False, indent=2), encoding="utf-8")
    brief = {name: {k: s["overall"].get(k) for k in ("hit@5", "mrr@10", "ndcg@10", "fact_recall")}
             for name, s in summaries.items()}
    print(json.dumps({"overall": brief, "top10": parity["top10"]["counts"]}, ensure_ascii=False, indent=2))  # noqa: T201


if __name__ == "__main__":
    main()
