"""Score legal-reference extraction against annotated (document, instrument) rows."""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path

from assistant.legal.extract import LegalReference, extract_references
from assistant.text.fold import fold_words

log = logging.getLogger(__name__)
NAMED_TYPES = {"Luật", "Bộ luật", "Hiến pháp", "Pháp lệnh", "Đề án", "Chương trình"}


def category(number: str, type_: str) -> str:
    """'numbered' (has a symbol), 'standard' (TCVN/ISO) or 'named' (cited by name only)."""
    if type_ == "Tiêu chuẩn" or number.startswith(("TCVN", "ISO")):
        return "standard"
    if re.match(r"[\d/]", number):
        return "numbered"
    return "named"


def _tokens(name: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", fold_words(name)))


def _same_name(a: str, b: str) -> bool:
    """By-name instruments match when their folded words overlap enough (OCR garbles names, annotators restore them)."""
    ta, tb = _tokens(a), _tokens(b)
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) >= 0.5


def _pr(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 1.0
    r = tp / n_gold if n_gold else 1.0
    return {"precision": round(p, 4), "recall": round(r, 4), "tp": tp, "predicted": n_pred, "gold": n_gold}


def evaluate(gold_path: str | Path, corpus_dir: str | Path) -> dict:
    """Precision/recall per category and field agreement on matched pairs, for the annotated documents."""
    gold = [json.loads(ln) for ln in Path(gold_path).read_text(encoding="utf-8").splitlines() if ln.strip()]
    sources = sorted({g["source"] for g in gold})
    pred: dict[str, list[LegalReference]] = {}
    for src in sources:
        text = Path(corpus_dir, src).read_text(encoding="utf-8")
        pred[src] = extract_references(text, src)
    result: dict = {"documents": sources, "categories": {}, "agreement": {}, "errors": []}
    pairs: list[tuple[dict, LegalReference]] = []
    for cat in ("numbered", "standard", "named"):
        tp = n_pred = n_gold = 0
        for src in sources:
            g_rows = [g for g in gold if g["source"] == src and category(g["number"], g["type"]) == cat]
            p_rows = [p for p in pred[src] if category(p.number, p.type) == cat]
            n_pred += len(p_rows)
            n_gold += len(g_rows)
            unmatched = list(p_rows)
            for g in g_rows:
                hit = next((p for p in unmatched if _matches(cat, g, p)), None)
                if hit is None:
                    result["errors"].append({"kind": "missed", "category": cat, "source": src, "number": g["number"]})
                    continue
                unmatched.remove(hit)
                tp += 1
                pairs.append((g, hit))
            for p in unmatched:
                result["errors"].append({"kind": "spurious", "category": cat, "source": src, "number": p.number})
        result["categories"][cat] = _pr(tp, n_pred, n_gold)
    result["agreement"] = _agreement(pairs)
    return result


def _matches(cat: str, g: dict, p: LegalReference) -> bool:
    if cat == "named":
        return g["type"] == p.type and _same_name(g["number"], p.number)
    return g["number"] == p.number


def _agreement(pairs: list[tuple[dict, LegalReference]]) -> dict:
    """Share of matched pairs whose type, issuer, date, own flag and mention count agree with the annotation."""
    checks = {
        "type": lambda g, p: g["type"] == p.type,
        "issuer": lambda g, p: g["issuer"] == p.issuer,
        "issuer_folded": lambda g, p: fold_words(g["issuer"] or "") == fold_words(p.issuer or ""),
        "date": lambda g, p: g["date"] == p.date,
        "own": lambda g, p: bool(g["own"]) == p.own,
        "count": lambda g, p: g["count"] == len(p.mentions),
    }
    out: dict = {"pairs": len(pairs)}
    for name, check in checks.items():
        ok = [check(g, p) for g, p in pairs]
        out[name] = round(sum(ok) / len(ok), 4) if ok else None
        out[f"{name}_disagreements"] = [
            {"source": g["source"], "number": g["number"], "gold": _field(g, name), "predicted": _pfield(p, name)}
            for (g, p), good in zip(pairs, ok, strict=True) if not good
        ]
    return out


def _field(g: dict, name: str):
    return g.get(name.replace("_folded", ""))


def _pfield(p: LegalReference, name: str):
    return len(p.mentions) if name == "count" else getattr(p, name.replace("_folded", ""))


def report_markdown(res: dict) -> str:
    """Human-readable report of an evaluate() result."""
    lines = ["# Legal-reference extraction: dev evaluation", "", f"Documents: {', '.join(res['documents'])}", "",
             "| category | precision | recall | tp | predicted | gold |", "|---|---|---|---|---|---|"]
    for cat, m in res["categories"].items():
        lines.append(f"| {cat} | {m['precision']:.3f} | {m['recall']:.3f} | {m['tp']} | {m['predicted']} | {m['gold']} |")
    ag = res["agreement"]
    lines += ["", f"Field agreement on {ag['pairs']} matched pairs:", ""]
    for name in ("type", "issuer", "issuer_folded", "date", "own", "count"):
        lines.append(f"- {name}: {ag[name]}")
        for d in ag[f"{name}_disagreements"]:
            lines.append(f"  - {d['source']} `{d['number']}`: gold {d['gold']!r}, predicted {d['predicted']!r}")
    lines += ["", "Errors:", ""] + [f"- {e['kind']} ({e['category']}) {e['source']}: `{e['number']}`"
                                    for e in res["errors"]]
    lines += ["", "Named instruments match on folded-word Jaccard ≥ 0.5 and equal type; others match exactly."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """CLI: `python -m assistant.evaluation.legal_refs [gold] [corpus] [out_dir]` writes legal_refs_report.md/.json."""
    args = list(sys.argv[1:] if argv is None else argv)
    gold = Path(args[0] if args else "evals/dev_legal_refs.jsonl")
    corpus = Path(args[1] if len(args) > 1 else "corpus")
    out = Path(args[2] if len(args) > 2 else "evals")
    res = evaluate(gold, corpus)
    out.mkdir(parents=True, exist_ok=True)
    (out / "legal_refs_report.json").write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
    md = report_markdown(res)
    (out / "legal_refs_report.md").write_text(md, encoding="utf-8")
    sys.stdout.write(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
