"""Token accuracy of OCR restoration against hand-read lines (evals/ocr_restore_dev.jsonl)."""

from __future__ import annotations

import argparse
import json
import logging
import time
import unicodedata
from collections import Counter
from pathlib import Path

from assistant.documents.read import read_corpus
from assistant.restore.restorer import for_document, get_model, restore_line
from assistant.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_PATHS = (Path("/work/shared/evals/ocr_restore_dev.jsonl"), Path("evals/ocr_restore_dev.jsonl"))


def _norm(token: str) -> str:
    return unicodedata.normalize("NFC", token).lower()


def evaluate(path: str | Path, corpus_dir: Path) -> dict:
    """Restore every `ocr` line as the index does (the corpus's model, the OCR channel fitted on the line's
    own document) and compare token i with gold token i (NFC, case-insensitive)."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = {raw.source: raw.text for raw in read_corpus(corpus_dir)[0]}
    model = get_model(texts.values())
    # building and fitting are not part of the timed restoration
    models = {source: for_document(model, texts[source]) if source in texts else model
              for source in {row.get("source") for row in rows}}
    total = correct = sure_total = sure_correct = raw_correct = 0
    errors: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], str] = {}
    misaligned = 0
    start = time.perf_counter()
    for row in rows:
        predicted = restore_line(row["ocr"], models[row.get("source")]).split()
        gold = row["restored"].split()
        ocr = row["ocr"].split()
        unsure = set(row.get("unsure", []))
        if len(predicted) != len(gold):
            misaligned += 1
        for i, g in enumerate(gold):
            p = predicted[i] if i < len(predicted) else ""
            ok = _norm(p) == _norm(g)
            total += 1
            correct += ok
            raw_correct += i < len(ocr) and _norm(ocr[i]) == _norm(g)
            if i not in unsure:
                sure_total += 1
                sure_correct += ok
            if not ok:
                errors[(g, p)] += 1
                examples.setdefault((g, p), ocr[i] if i < len(ocr) else "")
    elapsed = time.perf_counter() - start
    return {
        "path": str(path),
        "lines": len(rows),
        "tokens": total,
        "accuracy": correct / total if total else 0.0,
        "accuracy_excluding_unsure": sure_correct / sure_total if sure_total else 0.0,
        "raw_ocr_accuracy": raw_correct / total if total else 0.0,
        "misaligned_lines": misaligned,
        "seconds": round(elapsed, 3),
        "top_errors": [{"gold": g, "predicted": p, "ocr": examples[(g, p)], "count": c}
                       for (g, p), c in errors.most_common(30)],
    }


def _markdown(report: dict) -> str:
    lines = [
        "# OCR restoration report",
        "",
        f"- data: `{report['path']}` ({report['lines']} lines, {report['tokens']} tokens)",
        f"- token accuracy: **{report['accuracy']:.4f}** (excluding unsure: {report['accuracy_excluding_unsure']:.4f})",
        f"- raw OCR accuracy: {report['raw_ocr_accuracy']:.4f}",
        f"- lines with a token-count mismatch: {report['misaligned_lines']}",
        f"- restoration time: {report['seconds']} s",
        "",
        "| gold | predicted | OCR | count |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {e['gold']} | {e['predicted']} | {e['ocr']} | {e['count']} |" for e in report["top_errors"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """CLI: python -m assistant.evaluation.restoration [PATH] [--out evals/ocr_restore_report.md]."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", default=None)
    parser.add_argument("--out", default="evals/ocr_restore_report.md")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    path = Path(args.path) if args.path else next((p for p in DEFAULT_PATHS if p.is_file()), DEFAULT_PATHS[-1])
    report = evaluate(path, Settings().corpus_dir)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(_markdown(report), encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    log.info("accuracy %.4f (excluding unsure %.4f) -> %s", report["accuracy"],
             report["accuracy_excluding_unsure"], out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
