"""Evaluate task extraction against hand annotations: `python -m assistant.evaluation.tasks`.

A gold row names one task by an evidence string (its first occurrence in the file is the task's span) with the
lead unit, the coordinating units and the deadline a reader finds there. A predicted task is matched to a gold
task when their spans overlap (one to one, largest overlap first); precision and recall count matched
tasks, and the fields of matched pairs are compared after folding: a unit name is right at word-set F1 of
at least 0.8, a deadline when one contains the other; both empty counts as right.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path

from assistant.documents.pipeline import parse_document
from assistant.documents.read import read_file
from assistant.restore.restorer import get_model
from assistant.settings import ROOT
from assistant.tables.tasks import Task, extract_tasks
from assistant.text.fold import fold_words

log = logging.getLogger(__name__)

GOLD = ROOT / "evals" / "tasks_gold.jsonl"
FOLDERS = (ROOT / "corpus", ROOT.parent / "shared" / "evals" / "wider" / "docs")
NAME_F1 = 0.8
FIELDS = ("lead", "partners", "deadline", "product")
# Blind checks, measured before these sets were read for development (the extractor frozen, outputs unseen):
# (split, documents, gold, predicted, matched, lead right, deadline right, partners right) of matched tasks.
BLIND = (
    ("heldout", "w05, w06", 49, 43, 42, 39, 42, 39),
    ("heldout2", "w04, w08", 30, 26, 25, 25, 24, 22),
)


def load_gold(path: Path = GOLD) -> list[dict]:
    """Annotated tasks, one JSON object a line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _key(s: str | None) -> str:
    return re.sub(r"[^\w% ]+", " ", fold_words(s or "")).strip()


def _f1(a: str, b: str) -> float:
    x, y = set(_key(a).split()), set(_key(b).split())
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


def same(field: str, gold: str | None, predicted: str | None, alternatives: Iterable[str] = ()) -> bool:
    """Whether a predicted field value says what the annotated one says (see the module docstring)."""
    if not _key(gold) or not _key(predicted):
        return not _key(gold) and not _key(predicted)
    if field == "deadline":
        g, p = " ".join(_key(gold).split()), " ".join(_key(predicted).split())
        return g in p or p in g
    return any(_f1(g, predicted or "") >= NAME_F1 for g in (gold, *alternatives))


def _match(gold: list[dict], predicted: list[Task]) -> dict[int, int]:
    """One-to-one pairs gold index → predicted index of overlapping spans, the largest overlaps first."""
    pairs = sorted(((min(g["end"], t.end) - max(g["start"], t.start), gi, ti)
                    for gi, g in enumerate(gold) for ti, t in enumerate(predicted)
                    if t.start < g["end"] and g["start"] < t.end), reverse=True)
    out: dict[int, int] = {}
    for _, gi, ti in pairs:
        if gi not in out and ti not in out.values():
            out[gi] = ti
    return out


def _summary(rows: list[dict], n_pred: int) -> dict:
    found = [r for r in rows if r["found"]]
    out = {"gold": len(rows), "predicted": n_pred, "matched": len(found),
           "precision": round(len(found) / n_pred, 4) if n_pred else 0.0,
           "recall": round(len(found) / len(rows), 4) if rows else 0.0}
    for f in FIELDS:
        pool = [r for r in found if f != "product" or r.get("product")]
        out[f"{f}_accuracy"] = round(sum(r[f"{f}_ok"] for r in pool) / len(pool), 4) if pool else None
        out[f"{f}_n"] = len(pool)
    stated = [r for r in found if r.get("deadline")]
    ok = sum(r["deadline_ok"] for r in stated)
    out["deadline_accuracy_stated"] = round(ok / len(stated), 4) if stated else None
    return out


def score(gold: list[dict], predicted: dict[str, list[Task]]) -> dict:
    """Precision and recall of tasks found, field accuracy of matched ones; per source, split and kind."""
    rows, extra = [], []
    for source in sorted({g["source"] for g in gold}):
        gs = [g for g in gold if g["source"] == source]
        ts = predicted.get(source, [])
        pairs = _match(gs, ts)
        for gi, g in enumerate(gs):
            t = ts[pairs[gi]] if gi in pairs else None
            row = {**g, "found": t is not None, "predicted": t.to_dict() if t else None}
            for f in FIELDS:
                row[f"{f}_ok"] = t is not None and same(f, g.get(f), getattr(t, f), g.get(f"{f}_alt", ()))
            rows.append(row)
        extra += [t.to_dict() for ti, t in enumerate(ts) if ti not in pairs.values()]
    n_pred = {s: len(predicted.get(s, [])) for s in {g["source"] for g in gold}}

    def part(keep) -> dict:
        sources = {g["source"] for g in gold if keep(g)}
        return _summary([r for r in rows if r["source"] in sources], sum(n_pred[s] for s in sources))

    kinds = {k: _summary([r for r in rows if r["kind"] == k],
                         sum(1 for s in n_pred for t in predicted.get(s, []) if t.kind == k))
             for k in ("table", "prose")}
    return {"overall": _summary(rows, sum(n_pred.values())),
            "per_split": {sp: part(lambda g, sp=sp: g.get("split", "dev") == sp)
                          for sp in sorted({g.get("split", "dev") for g in gold})},
            "per_source": {s: part(lambda g, s=s: g["source"] == s) for s in sorted(n_pred)},
            "per_kind": kinds, "name_f1": NAME_F1, "rows": rows, "extra": extra}


def _find(source: str, folders: Iterable[Path]) -> Path:
    for folder in folders:
        if (folder / source).is_file():
            return folder / source
    raise FileNotFoundError(f"{source} is in none of {', '.join(map(str, folders))}")


def run(gold_path: Path = GOLD, folders: Iterable[Path] = FOLDERS) -> dict:
    """Extract the tasks of every annotated document and score them against the gold file."""
    folders = [f for f in folders if f.is_dir()]
    gold = load_gold(gold_path)
    raws = {s: read_file(_find(s, folders), s) for s in sorted({g["source"] for g in gold})}
    # The restoration model learns from the decoded documents indexed together, as the index does.
    texts = [read_file(p, p.name).text for f in folders for p in sorted(f.iterdir()) if p.is_file()]
    model = get_model(texts)
    predicted = {}
    for source, raw in raws.items():
        document, reading = parse_document(raw, model=model)
        predicted[source] = extract_tasks(document, reading)
        for g in (g for g in gold if g["source"] == source):
            start = document.text.find(g["evidence"])
            if start < 0:
                raise ValueError(f"gold evidence not in {source}: {g['evidence']!r}")
            g["start"], g["end"] = start, start + len(g["evidence"])
    return score(gold, predicted)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def _cell(x: object, width: int = 120) -> str:
    return " ".join(str(x if x is not None else "—").split()).replace("|", "/")[:width]


def _table(named: Iterable[tuple[str, dict]]) -> list[str]:
    lines = ["| set | gold | predicted | precision | recall | lead | deadline | partners |",
             "|---|---|---|---|---|---|---|---|"]
    for name, s in named:
        cells = [name, s["gold"], s["predicted"], *(_pct(s[k]) for k in (
            "precision", "recall", "lead_accuracy", "deadline_accuracy", "partners_accuracy"))]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return lines


def write_report(report: dict, out_dir: Path) -> None:
    """tasks_report.json and a Markdown summary with every miss, extra and wrong field."""
    out_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    (out_dir / "tasks_report.json").write_text(text, encoding="utf-8")
    o = report["overall"]
    blind = [(f"{split} ({docs}), blind", {"gold": g, "predicted": p, "matched": m, "precision": m / p,
                                           "recall": m / g, "lead_accuracy": lead / m,
                                           "deadline_accuracy": dl / m, "partners_accuracy": pa / m})
             for split, docs, g, p, m, lead, dl, pa in BLIND]
    lines = [
        "# Tasks as data: extraction of the tasks a plan assigns", "",
        f"Gold: {o['gold']} tasks annotated by hand in `evals/tasks_gold.jsonl`: every task of the "
        "annotated documents, i.e. the rows of task tables and the prose that assigns work to units (items "
        "under a unit's heading in \"Tổ chức thực hiện\" / \"Phân công nhiệm vụ\" sections, statements "
        "whose subject is a unit, \"Giao X chủ trì ...\", items under \"Đơn vị thực hiện: ...\"); items of "
        "\"Nhiệm vụ, giải pháp\" sections that name no unit are not tasks. Annotated: the bundled plans "
        "000, 002, 003 (OCR), 004 (PDF text: task appendix and prose) and the portal documents w03 "
        "(appendix table and prose), w07 (prose phân công), split `dev`; w05 and w06 (`heldout`); w04 and "
        "w08 (`heldout2`).", "",
        "A predicted task is found when its span overlaps a gold task's evidence (one to one); units match "
        f"at folded word-set F1 ≥ {report['name_f1']}, deadlines when one contains the other; both empty "
        "is right.", "",
        "**These are development figures.** The rules were written while reading the `dev` documents (and "
        "the other bundled and wider documents). The two held-out sets were annotated from the files only "
        "and scored once with the extractor frozen (the *blind* rows below); their misses were then fixed "
        "with general rules, so their current rows are development figures too. The blind rows are the "
        "estimate for unseen documents.", "",
        f"- now, all sets: precision **{_pct(o['precision'])}**, recall **{_pct(o['recall'])}** "
        f"({o['matched']} matched of {o['gold']} gold, {o['predicted']} predicted); lead unit right "
        f"**{_pct(o['lead_accuracy'])}**, deadline right **{_pct(o['deadline_accuracy'])}** "
        f"({_pct(o['deadline_accuracy_stated'])} where the gold states one), coordinating units right "
        f"{_pct(o['partners_accuracy'])}, product right {_pct(o['product_accuracy'])} of {o['product_n']}",
        "",
        *_table([*blind, *report["per_split"].items()]), "",
        "Per document and kind (current code):", "",
        *_table([*report["per_source"].items(), *((f"*{k}*", v) for k, v in report["per_kind"].items())]),
    ]
    missed = [r for r in report["rows"] if not r["found"]]
    lines += ["", f"## Gold tasks not found ({len(missed)})", "",
              "| source | evidence | lead |", "|---|---|---|"]
    lines += [f"| {r['source']} | {_cell(r['evidence'])} | {_cell(r['lead'])} |" for r in missed]
    wrong = [(r, f) for r in report["rows"] if r["found"] for f in FIELDS
             if not r[f"{f}_ok"] and (f != "product" or r.get("product"))]
    lines += ["", f"## Wrong fields of found tasks ({len(wrong)})", "",
              "| source | evidence | field | gold | extracted |", "|---|---|---|---|---|"]
    lines += [f"| {r['source']} | {_cell(r['evidence'], 50)} | {f} | {_cell(r.get(f))} "
              f"| {_cell(r['predicted'][f])} |" for r, f in wrong]
    lines += ["", f"## Extracted tasks matching no gold task ({len(report['extra'])})", "",
              "| source | content | lead |", "|---|---|---|"]
    lines += [f"| {t['source']} | {_cell(t['content'], 100)} | {_cell(t['lead'])} |" for t in report["extra"]]
    (out_dir / "tasks_report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    """CLI entry: score the annotated documents and write the reports."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--folder", type=Path, action="append", help="folder holding gold sources (repeat)")
    parser.add_argument("--out", type=Path, default=ROOT / "evals")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    report = run(args.gold, args.folder or FOLDERS)
    write_report(report, args.out)
    o = report["overall"]
    log.warning("tasks: precision %.3f recall %.3f lead %.3f deadline %.3f over %d gold", o["precision"],
                o["recall"], o["lead_accuracy"] or 0, o["deadline_accuracy"] or 0, o["gold"])


if __name__ == "__main__":
    main()
