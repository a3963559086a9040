"""Evaluate percentage-target extraction against hand annotations: `python -m assistant.evaluation.targets`."""

from __future__ import annotations

import argparse
import json
import logging
import re
from pathlib import Path

from assistant.documents.pipeline import parse_document
from assistant.documents.read import read_corpus
from assistant.restore.restorer import get_model
from assistant.settings import ROOT
from assistant.tables.targets import Target, extract_targets
from assistant.text.fold import fold_words

log = logging.getLogger(__name__)

GOLD = ROOT / "evals" / "targets_gold.jsonl"
SUBJECT_OVERLAP = 0.5


def load_gold(path: Path = GOLD) -> list[dict]:
    """Annotated percentage targets, one JSON object a line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def word_overlap(gold: str, predicted: str) -> float:
    """F1 of the two folded word sets: a long run-on subject is penalised as much as a truncated one."""
    g, p = set(re.findall(r"\w+", fold_words(gold))), set(re.findall(r"\w+", fold_words(predicted)))
    if not g or not p:
        return 0.0
    common = len(g & p)
    return 2 * common / (len(g) + len(p))


def score(gold: list[dict], predicted: dict[str, list[Target]]) -> dict:
    """Per gold row: found (value span overlaps, same number), subject overlap; totals per source and overall."""
    rows = []
    for g in gold:
        cands = [t for t in predicted.get(g["source"], []) if t.kind == "percent"
                 and t.start < g["end"] and g["start"] < t.end]
        t = cands[0] if cands else None
        value_ok = t is not None and t.number is not None and abs(t.number - float(g["value"])) < 1e-9
        overlap = word_overlap(g["subject"], t.subject) if t is not None else 0.0
        rows.append({**g, "predicted_value": t.value if t else None, "predicted_subject": t.subject if t else None,
                     "comparator": t.comparator if t else None, "area": t.area if t else None,
                     "value_ok": value_ok, "overlap": round(overlap, 3),
                     "correct": value_ok and overlap >= SUBJECT_OVERLAP})
    gold_spans = {(g["source"], g["start"]) for g in gold}
    extra = [t.to_dict() for ts in predicted.values() for t in ts
             if t.kind == "percent" and (t.source, t.start) not in gold_spans]

    def share(rs: list[dict], key: str) -> float:
        return round(sum(r[key] for r in rs) / len(rs), 4) if rs else 0.0

    per_source = {src: {"n": len(rs), "value": share(rs, "value_ok"), "correct": share(rs, "correct")}
                  for src in sorted({r["source"] for r in rows}) for rs in [[r for r in rows if r["source"] == src]]}
    strict = [{"ok": r["value_ok"] and r["overlap"] >= 0.7} for r in rows]
    return {"n": len(rows), "value_share": share(rows, "value_ok"), "correct_share": share(rows, "correct"),
            "strict_share_0_7": share(strict, "ok"),
            "mean_overlap": round(sum(r["overlap"] for r in rows) / len(rows), 4) if rows else 0.0,
            "subject_overlap_threshold": SUBJECT_OVERLAP, "per_source": per_source,
            "unannotated_predictions": len(extra), "rows": rows, "extra": extra}


def run(corpus_dir: Path, gold_path: Path = GOLD) -> dict:
    """Extract targets from every corpus document and score them against the gold file."""
    raws, _ = read_corpus(corpus_dir)
    model = get_model([raw.text for raw in raws])  # the corpus's restoration model, as the index reads it
    predicted: dict[str, list[Target]] = {}
    texts: dict[str, str] = {}
    for raw in raws:
        doc, restoration = parse_document(raw, model=model)
        texts[doc.source] = doc.text
        predicted[doc.source] = extract_targets(doc, restoration)
    gold = load_gold(gold_path)
    for g in gold:  # the annotation's spans must point at the value in the document text
        if texts[g["source"]][g["start"]:g["end"]] != g["text"]:
            raise ValueError(f"gold span {g['source']}:{g['start']}-{g['end']} is not {g['text']!r}")
    return score(gold, predicted)


def write_report(report: dict, out_dir: Path) -> None:
    """targets_report.json and a short Markdown summary with every miss."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "targets_report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    lines = [
        "# Quantitative targets: percentage extraction", "",
        f"Gold: {report['n']} percentage targets annotated by hand in `evals/targets_gold.jsonl` (all five plans).",
        f"A target is correct when a percentage is extracted at the annotated span with the same value and its "
        f"subject shares words with the annotated one (F1 of folded word sets ≥ {report['subject_overlap_threshold']}).",
        "", f"- right value: **{report['value_share']:.1%}**",
        f"- right value and subject: **{report['correct_share']:.1%}**",
        f"- stricter (overlap ≥ 0.7): {report['strict_share_0_7']:.1%}; mean subject overlap "
        f"{report['mean_overlap']:.2f}",
        f"- percentages extracted but not annotated: {report['unannotated_predictions']}", "",
        "Caveat: the rules were written while reading these same five plans, so this is a development-set "
        "figure; unseen plans will score lower.", "",
        "| source | n | value | value + subject |", "|---|---|---|---|",
    ]
    for src, s in report["per_source"].items():
        lines.append(f"| {src} | {s['n']} | {s['value']:.1%} | {s['correct']:.1%} |")
    misses = [r for r in report["rows"] if not r["correct"]]
    lines += ["", f"## Misses ({len(misses)})", "", "| source | value | gold subject | extracted subject | overlap |",
              "|---|---|---|---|---|"]
    for r in misses:
        cells = [r["source"], r["text"], r["subject"], r["predicted_subject"] or "—", str(r["overlap"])]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    (out_dir / "targets_report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    """CLI entry: score the corpus and write the reports."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--out", type=Path, default=ROOT / "evals")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    report = run(args.corpus, args.gold)
    write_report(report, args.out)
    log.warning("targets: value %.3f, value+subject %.3f over %d", report["value_share"], report["correct_share"],
                report["n"])


if __name__ == "__main__":
    main()
