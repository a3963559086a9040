"""The evaluation runner: results in the shared contract, a report in Markdown and JSON, and an ablation."""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from assistant.evaluation import metrics as m
from assistant.types import Answer

log = logging.getLogger(__name__)

AskFn = Callable[[str, str], Answer]  # (question, retrieval mode) -> Answer


def load_questions(path: Path) -> list[dict]:
    """Questions file: one JSON object per line; `gold` and `answer_facts` optional."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                q = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: not JSON ({exc.msg})") from exc
            if "id" not in q or "question" not in q:
                raise ValueError(f"{path}:{n}: needs 'id' and 'question'")
            out.append(q)
    return out


def result_record(q: Mapping, answer: Answer, latency_ms: float) -> dict:
    """One line of the results contract."""
    return {
        "id": q["id"],
        "question": q["question"],
        "answer": answer.text,
        "abstained": answer.abstained,
        "passages": [p.to_dict() for p in answer.passages],
        "citations": [
            {"source": c.source, "start": c.start, "end": c.end, "text": c.quote, "section": c.section, "n": c.n}
            | ({"page": c.page} if c.page is not None else {})
            for c in answer.citations
        ],
        "latency_ms": round(latency_ms, 2),
    }


def check_spans(record: Mapping, texts: Mapping[str, str]) -> None:
    """Raise ValueError unless every passage and citation is its document's text sliced at [start, end)."""
    for p in record["passages"] + record["citations"]:
        text = texts.get(p["source"])
        if text is None or text[p["start"] : p["end"]] != p["text"]:
            raise ValueError(f"{record['id']}: {p['source']}[{p['start']}:{p['end']}] is not the passage text")


def score(q: Mapping, record: Mapping, texts: Mapping[str, str], ocr_sources: frozenset[str] = frozenset(),
          retrieved: Sequence[Mapping] | None = None) -> dict:
    """Per-question metrics."""
    gold = q.get("gold") or []
    spans = m.evidence_spans(gold, texts)
    passages = record["passages"]
    kind = q.get("kind", "fact")
    s: dict = {"id": q["id"], "kind": kind, "question": q["question"], "abstained": record["abstained"],
               "source_type": "ocr" if any(g["doc"] in ocr_sources for g in gold) else ("clean" if gold else None)}
    if gold:
        s |= {
            "hit@1": m.hit_at(passages, spans, 1),
            "hit@5": m.hit_at(passages, spans, 5),
            "recall@5": m.recall_at(passages, spans, 5),
            "recall@10": m.recall_at(passages, spans, 10),
            "mrr@10": m.mrr_at(passages, spans, 10),
            "ndcg@10": m.ndcg_at(passages, spans, 10),
            "citation_precision": m.citation_precision(record["citations"], spans),
        }
        # Retrieval alone, before the answer stage puts the cited passages first (passages keep their rank).
        retrieved = passages if retrieved is None else retrieved
        s |= {"retrieval_hit@5": m.hit_at(retrieved, spans, 5), "retrieval_mrr@10": m.mrr_at(retrieved, spans, 10)}
        if kind == "list":
            s["doc_recall@5"] = m.doc_recall_at(passages, gold, spans, 5)
            s["retrieval_doc_recall@5"] = m.doc_recall_at(retrieved, gold, spans, 5)
    if q.get("answer_facts"):
        s["fact_recall"] = m.fact_recall(record["answer"], q["answer_facts"])
    s["latency_ms"] = record["latency_ms"]
    return s


def summarise(scores: Sequence[dict]) -> dict:
    """Means overall and per kind, abstention rates, latency percentiles."""
    keys = ["hit@1", "hit@5", "recall@5", "recall@10", "mrr@10", "ndcg@10", "doc_recall@5", "fact_recall",
            "citation_precision", "retrieval_hit@5", "retrieval_mrr@10", "retrieval_doc_recall@5"]

    def agg(rows: Sequence[dict]) -> dict:
        out = {k: m.mean([r[k] for r in rows if k in r]) for k in keys if any(k in r for r in rows)}
        out["abstained"] = m.mean([float(r["abstained"]) for r in rows])
        out["n"] = len(rows)
        return out

    by_kind = defaultdict(list)
    for s in scores:
        by_kind[s["kind"]].append(s)
    unanswerable = by_kind.get("unanswerable", [])
    answerable = [s for s in scores if s["kind"] != "unanswerable"]
    latencies = [s["latency_ms"] for s in scores]
    return {
        "overall": agg(answerable),
        "per_kind": {k: agg(v) for k, v in sorted(by_kind.items())},
        "per_source_type": {t: agg([s for s in answerable if s.get("source_type") == t]) for t in ("ocr", "clean")},
        "abstention_unanswerable": m.mean([float(s["abstained"]) for s in unanswerable]) if unanswerable else None,
        "abstention_answerable": m.mean([float(s["abstained"]) for s in answerable]) if answerable else None,
        "latency_ms": {"p50": round(m.percentile(latencies, 50), 3), "p95": round(m.percentile(latencies, 95), 3),
                       "mean": m.mean(latencies)} if latencies else None,
    }


def run(questions: Sequence[dict], ask: AskFn, texts: Mapping[str, str], mode: str = "hybrid",
        ocr_sources: frozenset[str] = frozenset()) -> tuple[list[dict], list[dict]]:
    """Answer every question; returns (results records, per-question scores)."""
    records, scores = [], []
    for q in questions:
        t0 = time.perf_counter()
        answer = ask(q["question"], mode)
        latency = (time.perf_counter() - t0) * 1000
        record = result_record(q, answer, latency)
        check_spans(record, texts)
        records.append(record)
        retrieved = [p.to_dict() for p in sorted(answer.passages, key=lambda p: p.rank or 10**6)]
        scores.append(score(q, record, texts, ocr_sources, retrieved))
    return records, scores


def evaluate(
    questions: Sequence[dict],
    ask: AskFn,
    texts: Mapping[str, str],
    out: Path,
    report_dir: Path,
    ablation: Sequence[str] = ("bm25", "dense", "hybrid"),
    label: str = "",
    ocr_sources: frozenset[str] = frozenset(),
) -> dict:
    """Run the main system, write results and the report, then the retrieval ablation."""
    records, scores = run(questions, ask, texts, "hybrid", ocr_sources)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    summary = summarise(scores)
    ablations = {}
    for mode in ablation:
        if mode == "hybrid":
            ablations[mode] = summary["overall"]
        else:
            ablations[mode] = summarise(run(questions, ask, texts, mode, ocr_sources)[1])["overall"]
    report = {
        "label": label,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "questions": len(questions),
        "summary": summary,
        "ablation": ablations,
        "worst": sorted(scores, key=lambda s: (s.get("mrr@10", 1.0) + s.get("fact_recall", 1.0), s["id"]))[:10],
        "per_question": scores,
    }
    report_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (report_dir / f"report-{stamp}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (report_dir / f"report-{stamp}.md").write_text(to_markdown(report), encoding="utf-8")
    (report_dir / "latest.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (report_dir / "latest.md").write_text(to_markdown(report), encoding="utf-8")
    return report


def to_markdown(report: dict) -> str:
    """Human-readable report."""
    s = report["summary"]
    lines = [f"# Evaluation report {report['created']} {report['label']}", "", f"{report['questions']} questions.", ""]
    cols = ["n", "hit@1", "hit@5", "recall@5", "mrr@10", "ndcg@10", "doc_recall@5", "fact_recall", "citation_precision",
            "abstained"]
    lines += ["| kind | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    rows = [("all answerable", s["overall"])] + list(s["per_kind"].items())
    rows += [(f"gold in {t} documents", row) for t, row in s.get("per_source_type", {}).items()]
    for kind, row in rows:
        lines.append(f"| {kind} | " + " | ".join(str(row.get(c, "")) for c in cols) + " |")
    lines += ["", f"Abstention on unanswerable: {s['abstention_unanswerable']}; on answerable: "
              f"{s['abstention_answerable']}.", f"Latency ms: {s['latency_ms']}.", "", "## Ablation (retrieval)", "",
              "Full system with the retrieval mode switched; `retrieval_*` columns rank passages by retrieval score "
              "alone, before the answer stage puts cited passages first.", "",
              "| mode | hit@5 | mrr@10 | ndcg@10 | doc_recall@5 | retrieval_hit@5 | retrieval_mrr@10 | "
              "retrieval_doc_recall@5 |", "|---|---|---|---|---|---|---|---|"]
    for mode, row in report["ablation"].items():
        lines.append(f"| {mode} | {row.get('hit@5')} | {row.get('mrr@10')} | {row.get('ndcg@10')} | "
                     f"{row.get('doc_recall@5', '')} | {row.get('retrieval_hit@5')} | {row.get('retrieval_mrr@10')} | "
                     f"{row.get('retrieval_doc_recall@5', '')} |")
    lines += ["", "## Worst questions", ""]
    for w in report["worst"]:
        lines.append(f"- {w['id']} ({w['kind']}): mrr@10={w.get('mrr@10')}, fact_recall={w.get('fact_recall')} — "
                     f"{w['question']}")
    return "\n".join(lines) + "\n"
