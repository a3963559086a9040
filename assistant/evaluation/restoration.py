"""Token accuracy of OCR restoration against hand-read lines (evals/ocr_restore_dev.jsonl), how well the
decoder's margin tells its wrong tokens (precision and recall of the tokens it marks unsure), and the standard
diacritic-restoration benchmark: clean documents stripped of their marks, each restored leave-one-document-out."""

from __future__ import annotations

import argparse
import json
import logging
import math
import re
import time
import unicodedata
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from assistant.documents.pipeline import parse_document
from assistant.documents.read import RawText, read_corpus
from assistant.restore.decode import decode_with_margins
from assistant.restore.restorer import (
    UNSURE_MARGIN,
    RestoreModel,
    for_document,
    get_model,
    line_margins,
    restore_text,
)
from assistant.restore.train import build_model
from assistant.settings import Settings
from assistant.text import syllables as sy

log = logging.getLogger(__name__)

DEFAULT_PATHS = (Path("/work/shared/evals/ocr_restore_dev.jsonl"), Path("evals/ocr_restore_dev.jsonl"))
DEFAULT_STRIPPED_DIRS = (Path("corpus"), Path("../shared/evals/wider/docs"))
MARGIN_SWEEP = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0)  # margins reported beside UNSURE_MARGIN, to choose it


def _norm(token: str) -> str:
    """NFC, lower case, each syllable's tone on the vowel the one convention puts it on ("uỷ" is "ủy")."""
    low = unicodedata.normalize("NFC", token).lower()
    return re.sub(r"[^\W\d_]+", lambda m: sy.canonical_tone(m[0]) if sy.is_syllable(m[0]) else m[0], low)


def _paragraph(lines: list[str], k: int) -> tuple[int, int]:
    """(first, end) line numbers of the run of non-blank lines holding line k: what the restorer decodes at once."""
    a, b = k, k + 1
    while a > 0 and lines[a - 1].strip():
        a -= 1
    while b < len(lines) and lines[b].strip():
        b += 1
    return a, b


def _in_document(raw: RawText, k: int, model: RestoreModel, readings: dict) -> tuple[str, list[float] | None]:
    """Line k of the document as the index holds it (the pipeline's own reading of the whole file), with its
    tokens' margins from decoding the line's paragraph as the restorer does (inf where the line was not decoded;
    None if that decoding is not the pipeline's reading)."""
    if raw.source not in readings:
        readings[raw.source] = parse_document(raw, model=model)[1]
    reading = readings[raw.source]
    lines = raw.text.split("\n")
    line = reading.text.split("\n")[k] if reading is not None else lines[k]
    if line == lines[k]:
        return line, [math.inf] * len(line.split())
    a, b = _paragraph(lines, k)
    adapted = model if raw.pages else for_document(model, raw.text)
    decoded, margins = decode_with_margins(lines[a:b], adapted)
    before = sum(len(x.split()) for x in lines[a:k])
    if decoded[k - a] != line:  # the pipeline read it otherwise (block restoration): margins unknown
        return line, None
    return line, margins[before:before + len(line.split())]


def evaluate(path: str | Path, corpus_dir: Path) -> dict:
    """Token i of every `ocr` line against gold token i (NFC, case-insensitive), for two readings: the line in
    its document as the index holds it (paragraph context, the OCR channel fitted on the document), and the line
    restored alone. A wrong token the restorer would mark unsure (margin under UNSURE_MARGIN) is a hit for the
    unsure-word figures, which are taken on the in-document reading."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    raws = {raw.source: raw for raw in read_corpus(corpus_dir)[0]}
    model = get_model(raw.text for raw in raws.values())
    # building, fitting and the whole-document readings are not part of the timed restoration
    models = {source: for_document(model, raws[source].text) if source in raws else model
              for source in {row.get("source") for row in rows}}
    readings: dict = {}
    for row in rows:
        if row.get("source") in raws:
            _in_document(raws[row["source"]], row["line_no"] - 1, model, readings)
    total = correct = alone_correct = sure_total = sure_correct = raw_correct = 0
    errors: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], str] = {}
    misaligned = no_margins = 0
    judged: list[tuple[float, bool]] = []  # (margin, wrong) per token
    start = time.perf_counter()
    for row in rows:
        alone, _margins = line_margins(row["ocr"], models[row.get("source")])
        raw = raws.get(row.get("source"))
        if raw is not None and raw.text.split("\n")[row["line_no"] - 1] == row["ocr"]:
            line, found = _in_document(raw, row["line_no"] - 1, model, readings)
            no_margins += found is None
            margins = found if found is not None else [0.0] * len(line.split())
        else:  # a line of no corpus document: only its own reading exists
            line, margins = alone, _margins
        predicted, alone_tokens = line.split(), alone.split()
        gold = row["restored"].split()
        ocr = row["ocr"].split()
        unsure = set(row.get("unsure", []))
        if len(predicted) != len(gold) or len(alone_tokens) != len(gold):
            misaligned += 1
        for i, g in enumerate(gold):
            p = predicted[i] if i < len(predicted) else ""
            ok = _norm(p) == _norm(g)
            total += 1
            correct += ok
            alone_correct += i < len(alone_tokens) and _norm(alone_tokens[i]) == _norm(g)
            raw_correct += i < len(ocr) and _norm(ocr[i]) == _norm(g)
            judged.append((margins[i] if i < len(margins) else 0.0, not ok))
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
        "accuracy_line_alone": alone_correct / total if total else 0.0,
        "accuracy_excluding_unsure": sure_correct / sure_total if sure_total else 0.0,
        "raw_ocr_accuracy": raw_correct / total if total else 0.0,
        "misaligned_lines": misaligned,
        "lines_without_margins": no_margins,
        "seconds": round(elapsed, 3),
        "unsure_margin": UNSURE_MARGIN,
        "unsure": _flagging(judged, UNSURE_MARGIN),
        "unsure_sweep": [_flagging(judged, m) for m in MARGIN_SWEEP],
        "top_errors": [{"gold": g, "predicted": p, "ocr": examples[(g, p)], "count": c}
                       for (g, p), c in errors.most_common(30)],
    }


def strip_marks(text: str) -> str:
    """Text with every Vietnamese diacritic removed and đ written d: what the stripped benchmark restores."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", text)
                                                if not unicodedata.combining(c)))


def _restore_held_out(job: tuple[RawText, list[str]]) -> dict:
    """Restore one stripped document with a model whose in-domain text is the other clean documents (its own OCR
    channel fitted on the stripped text itself, as the index does) and score its word tokens."""
    raw, others = job
    model = build_model(others)
    stripped = strip_marks(raw.text)
    start = time.perf_counter()
    restored = restore_text(stripped, for_document(model, stripped)).text.split()
    seconds = time.perf_counter() - start
    gold = raw.text.split()
    if len(restored) != len(gold):
        raise RuntimeError(f"{raw.source}: restoration changed the token count")
    words = correct = marked = marked_correct = 0
    errors: Counter[tuple[str, str]] = Counter()
    for g, p, s in zip(gold, restored, stripped.split(), strict=True):
        if not any(c.isalpha() for c in g):
            continue
        ok = _norm(g) == _norm(p)
        words += 1
        correct += ok
        if s != g:  # the stripping took marks off this word
            marked += 1
            marked_correct += ok
        if not ok:
            errors[(g, p)] += 1
    return {"source": raw.source, "words": words, "correct": correct, "accuracy": correct / words if words else 0.0,
            "marked_words": marked, "marked_accuracy": marked_correct / marked if marked else 0.0,
            "seconds": round(seconds, 1), "top_errors": [f"{g}→{p} ×{c}" for (g, p), c in errors.most_common(8)]}


def evaluate_stripped(dirs: tuple[Path, ...], jobs: int = 1) -> dict:
    """Every clean document of `dirs` stripped of its diacritics and restored leave-one-document-out: the in-domain
    LM learns from the other clean documents only; the general LM and inventory are the shipped text."""
    raws = [raw for d in dirs for raw in read_corpus(d)[0] if sy.is_clean_text(raw.text)]
    work = [(raw, [o.text for o in raws if o is not raw]) for raw in raws]
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            docs = list(pool.map(_restore_held_out, work))
    else:
        docs = [_restore_held_out(w) for w in work]
    words, correct = sum(d["words"] for d in docs), sum(d["correct"] for d in docs)
    return {"dirs": [str(d) for d in dirs], "documents": docs, "words": words,
            "accuracy": correct / words if words else 0.0,
            "macro_accuracy": sum(d["accuracy"] for d in docs) / len(docs) if docs else 0.0}


def _stripped_markdown(report: dict) -> str:
    lines = [
        "# Diacritic restoration of stripped clean documents (leave-one-document-out)",
        "",
        f"- documents: every clean document of {', '.join(f'`{d}`' for d in report['dirs'])} with its diacritics "
        "stripped (đ → d); each restored by a model whose in-domain LM saw only the other clean documents",
        f"- word-token accuracy: **{report['accuracy']:.4f}** over {report['words']} word tokens "
        f"(mean per document {report['macro_accuracy']:.4f})",
        "",
        "| document | words | accuracy | accuracy on words that had marks | seconds | most frequent errors |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {d['source']} | {d['words']} | {d['accuracy']:.4f} | {d['marked_accuracy']:.4f} | {d['seconds']} "
              f"| {'; '.join(d['top_errors'])} |" for d in report["documents"]]
    return "\n".join(lines) + "\n"


def _flagging(judged: list[tuple[float, bool]], margin: float) -> dict:
    """Tokens marked unsure at `margin` against the wrong ones: precision, recall and counts."""
    marked = [wrong for m, wrong in judged if m < margin]
    hits, wrong = sum(marked), sum(w for _, w in judged)
    return {"margin": margin, "marked": len(marked), "marked_wrong": hits, "marked_right": len(marked) - hits,
            "wrong": wrong, "precision": hits / len(marked) if marked else 0.0,
            "recall": hits / wrong if wrong else 0.0, "f1": 2 * hits / (len(marked) + wrong) if marked or wrong else 0.0}


def _markdown(report: dict) -> str:
    lines = [
        "# OCR restoration report",
        "",
        f"- data: `{report['path']}` ({report['lines']} lines, {report['tokens']} tokens)",
        f"- token accuracy, each line in its document as the index holds it: **{report['accuracy']:.4f}** "
        f"(excluding the tokens the hand reading marks unsure: {report['accuracy_excluding_unsure']:.4f})",
        f"- token accuracy, each line restored alone (no neighbouring lines): {report['accuracy_line_alone']:.4f}",
        f"- raw OCR accuracy: {report['raw_ocr_accuracy']:.4f}",
        f"- lines with a token-count mismatch: {report['misaligned_lines']}",
        f"- restoration time (with margins): {report['seconds']} s",
        "",
        f"## Unsure words (margin under {report['unsure_margin']} nats)",
        "",
        _flag_line(report["unsure"]),
        "",
        "| margin | marked | wrong marked | right marked | precision | recall | F1 |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *(f"| {f['margin']} | {f['marked']} | {f['marked_wrong']} | {f['marked_right']} | {f['precision']:.3f} "
          f"| {f['recall']:.3f} | {f['f1']:.3f} |" for f in report["unsure_sweep"]),
        "",
        "## Most frequent errors",
        "",
        "| gold | predicted | OCR | count |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {e['gold']} | {e['predicted']} | {e['ocr']} | {e['count']} |" for e in report["top_errors"]]
    return "\n".join(lines) + "\n"


def _flag_line(f: dict) -> str:
    return (f"- marked unsure: {f['marked']} tokens, {f['marked_wrong']} of the {f['wrong']} wrong ones and "
            f"{f['marked_right']} right ones: precision {f['precision']:.3f}, recall {f['recall']:.3f}")


def main(argv: list[str] | None = None) -> int:
    """CLI: python -m assistant.evaluation.restoration [PATH] [--out evals/ocr_restore_report.md]."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", default=None)
    parser.add_argument("--out", default="evals/ocr_restore_report.md")
    parser.add_argument("--stripped", nargs="*", type=Path, default=None, metavar="DIR",
                        help="also the stripped-document benchmark over these folders (default: corpus and wider)")
    parser.add_argument("--stripped-out", default="evals/ocr_restore_stripped.md")
    parser.add_argument("--jobs", type=int, default=1, help="processes for the stripped benchmark")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.stripped is not None:
        stripped = evaluate_stripped(tuple(args.stripped) or DEFAULT_STRIPPED_DIRS, args.jobs)
        sout = Path(args.stripped_out)
        sout.parent.mkdir(parents=True, exist_ok=True)
        sout.write_text(_stripped_markdown(stripped), encoding="utf-8")
        sout.with_suffix(".json").write_text(json.dumps(stripped, ensure_ascii=False, indent=2), encoding="utf-8")
        log.info("stripped documents: accuracy %.4f over %d words -> %s", stripped["accuracy"], stripped["words"],
                 sout)
    path = Path(args.path) if args.path else next((p for p in DEFAULT_PATHS if p.is_file()), DEFAULT_PATHS[-1])
    report = evaluate(path, Settings().corpus_dir)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(_markdown(report), encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    log.info("accuracy %.4f (excluding hand-marked unsure %.4f); marked unsure: precision %.3f, recall %.3f -> %s",
             report["accuracy"], report["accuracy_excluding_unsure"], report["unsure"]["precision"],
             report["unsure"]["recall"], out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
