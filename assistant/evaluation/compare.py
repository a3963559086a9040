"""Evaluation runs side by side (the seed set beside the wider set): per-kind figures in Markdown and JSON.

`python -m assistant.evaluation.compare --run seed=evals/runs/dev/latest.json --run wider=... --out evals/report_wider.md`
reads the runner's `latest.json` reports and writes OUT and OUT with suffix `.json`.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

KIND_ORDER = ("fact", "number", "list", "citation", "unanswerable")
COLUMNS = (("hit@5", "Hit@5"), ("mrr@10", "MRR@10"), ("ndcg@10", "nDCG@10"), ("doc_recall@5", "doc recall@5 (list)"),
           ("fact_recall", "fact recall"), ("citation_precision", "citation precision"))
RETRIEVAL = (("retrieval_hit@5", "Hit@5"), ("retrieval_mrr@10", "MRR@10"), ("retrieval_doc_recall@5", "doc recall@5"))


def load_report(path: Path) -> dict:
    """A report written by runner.evaluate."""
    return json.loads(path.read_text(encoding="utf-8"))


def compare(reports: Mapping[str, dict]) -> dict:
    """Per-kind rows of every run, keyed by kind then run label, plus each run's headline figures."""
    kinds = sorted({k for r in reports.values() for k in r["summary"]["per_kind"]},
                   key=lambda k: (KIND_ORDER.index(k) if k in KIND_ORDER else len(KIND_ORDER), k))
    rows: dict[str, dict[str, dict]] = {"all answerable": {}}
    for label, r in reports.items():
        s = r["summary"]
        overall = {k: v for k, v in s["overall"].items() if k != "abstained"}
        rows["all answerable"][label] = overall | {"false_abstention": s["abstention_answerable"]}
        for kind in kinds:
            row = s["per_kind"].get(kind)
            if row is None:
                continue
            rate = row.get("abstained")
            extra = {"abstention": rate} if kind == "unanswerable" else {"false_abstention": rate}
            rows.setdefault(kind, {})[label] = {k: v for k, v in row.items() if k != "abstained"} | extra
    return {
        "runs": {label: {"label": r.get("label"), "created": r.get("created"), "questions": r.get("questions"),
                         "abstention_unanswerable": r["summary"]["abstention_unanswerable"],
                         "abstention_answerable": r["summary"]["abstention_answerable"],
                         "latency_ms": r["summary"]["latency_ms"], "ablation": r.get("ablation", {})}
                 for label, r in reports.items()},
        "per_kind": rows,
        "misses": {label: misses(r["per_question"]) for label, r in reports.items()},
    }


def misses(per_question: Sequence[Mapping]) -> list[dict]:
    """Questions with a retrieval miss, a missing fact or the wrong abstention decision."""
    out = []
    for q in per_question:
        unanswerable = q["kind"] == "unanswerable"
        wrong = (q["abstained"] != unanswerable or q.get("hit@5", 1.0) < 1.0 or q.get("fact_recall", 1.0) < 1.0
                 or q.get("doc_recall@5", 1.0) < 1.0)
        if wrong:
            out.append({k: q.get(k) for k in ("id", "kind", "hit@5", "mrr@10", "doc_recall@5", "fact_recall",
                                              "citation_precision", "abstained", "question")})
    return out


def _fmt(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def to_markdown(comparison: dict, title: str = "Evaluation: runs side by side") -> str:
    """The comparison as Markdown tables."""
    runs = comparison["runs"]
    lines = [f"# {title}", ""]
    lines += [f"- `{label}`: {r['questions']} questions, run {r['created']}; latency ms "
              f"{_fmt((r['latency_ms'] or {}).get('p50'))} p50 / {_fmt((r['latency_ms'] or {}).get('p95'))} p95"
              for label, r in runs.items()]
    lines += ["", "Passages in answer order (cited first). Abstention: share of unanswerable questions the assistant "
              "declines (higher is better); false abstention: share of answerable questions it declines (lower is "
              "better).", ""]
    head = ["kind", "set", "n", *(name for _, name in COLUMNS), "abstention", "false abstention"]
    lines += ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for kind, by_run in comparison["per_kind"].items():
        for label, row in by_run.items():
            cells = [kind, label, _fmt(row.get("n")), *(_fmt(row.get(key)) for key, _ in COLUMNS),
                     _fmt(row.get("abstention")), _fmt(row.get("false_abstention"))]
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Retrieval alone (the retriever's own ranks), answerable questions", ""]
    head = ["set", "mode", *(name for _, name in RETRIEVAL), "answer-order MRR@10"]
    lines += ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for label, r in runs.items():
        for mode, row in r["ablation"].items():
            lines.append("| " + " | ".join([label, mode, *(_fmt(row.get(key)) for key, _ in RETRIEVAL),
                                            _fmt(row.get("mrr@10"))]) + " |")
    for label, rows in comparison["misses"].items():
        lines += ["", f"## `{label}`: questions with a miss ({len(rows)})", "",
                  "| id | kind | Hit@5 | MRR@10 | doc recall@5 | fact recall | abstained | question |",
                  "|---|---|---|---|---|---|---|---|"]
        for q in rows:
            lines.append(f"| {q['id']} | {q['kind']} | {_fmt(q['hit@5'])} | {_fmt(q['mrr@10'])} | "
                         f"{_fmt(q['doc_recall@5'])} | {_fmt(q['fact_recall'])} | {q['abstained']} | "
                         f"{q['question'].replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: --run LABEL=REPORT.json (repeated, in column order) --out REPORT.md [--title T]."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", action="append", required=True, metavar="LABEL=PATH")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--title", default="Evaluation: runs side by side")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    reports = {}
    for spec in args.run:
        label, sep, path = spec.partition("=")
        if not sep or not label or not path:
            parser.error(f"--run wants LABEL=PATH, got {spec!r}")
        reports[label] = load_report(Path(path))
    comparison = compare(reports)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(to_markdown(comparison, args.title), encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps(comparison, ensure_ascii=False, indent=2), encoding="utf-8")
    log.info("wrote %s and %s", args.out, args.out.with_suffix(".json"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
