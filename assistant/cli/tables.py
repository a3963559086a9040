"""Auditor tables on the command line: legal references, targets, tasks."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.app import CsvOpt, DocOpt, JsonRowsOpt, _settings, app, console
from assistant.errors import BadRequest


@app.command("legal-refs")
def legal_refs(
    doc: DocOpt = None,
    cites: Annotated[str | None, typer.Option("--cites", help="Documents citing this symbol (typed loosely)")] = None,
    as_json: JsonRowsOpt = False,
    as_csv: CsvOpt = False,
    corpus: Annotated[Path | None, typer.Option(help="Corpus folder")] = None,
) -> None:
    """Legal documents each plan cites, or the plans citing a given instrument."""
    import csv

    from assistant.documents.read import read_corpus
    from assistant.legal.citations import ReferenceIndex

    if as_json and as_csv:
        raise BadRequest("choose one of --json and --csv")
    settings = _settings()
    raws, _ = read_corpus(corpus or settings.corpus_dir, settings.max_file_bytes, settings.cache_dir / "ocr")
    if doc and doc not in {r.source for r in raws}:
        raise BadRequest(f"unknown document {doc!r}", hint="known: " + ", ".join(sorted(r.source for r in raws)))
    refs = ReferenceIndex.from_texts({r.source: r.text for r in raws})
    rows = [r.to_dict() for r in refs.cited_by(cites)] if cites else refs.to_rows()
    if doc:
        rows = [r for r in rows if r["source"] == doc]
    if as_json:
        for r in rows:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(["source", "type", "number", "issuer", "date", "own", "mentions"])
        for r in rows:
            writer.writerow([r["source"], r["type"], r["number"], r["issuer"], r["date"], r["own"], len(r["mentions"])])
        return
    for r in rows:
        own = " (số của chính văn bản)" if r["own"] else ""
        console.print(f"{r['source']}: {r['type']} {r['number']}{own} · {r['issuer'] or '?'} · {r['date'] or '—'} · "
                      f"{len(r['mentions'])} lần", markup=False, highlight=False)


@app.command()
def targets(
    doc: DocOpt = None,
    area: Annotated[str | None, typer.Option("--area", help="Only this reform area, e.g. TTHC, 'công vụ'")] = None,
    as_json: JsonRowsOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Quantitative targets (percentages, counts, amounts, deadlines) each plan sets, with exact spans."""
    import csv

    from assistant.engine import Engine
    from assistant.tables.targets import Target, targets_table
    from assistant.text.fold import fold_words

    rows = [t.to_dict() for t in targets_table(Engine.open(_settings()).index)
            if (not doc or t.source == doc) and (not area or fold_words(t.area or "") == fold_words(area))]
    if as_json:
        for r in rows:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(Target.__dataclass_fields__))
        writer.writeheader()
        writer.writerows(rows)
        return
    for r in rows:
        console.print(f"{r['source']} [{r['start']}:{r['end']}] {r['comparator'] or ''} {r['value']} · "
                      f"{r['subject']} · {r['area'] or '?'} · {r['year'] or '—'}", markup=False, highlight=False)


def csv_safe(value: object) -> object:
    """A cell a spreadsheet will not run as a formula: text starting with = + - @ gets a leading quote."""
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


@app.command()
def tasks(
    doc: DocOpt = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Only tasks this unit leads or coordinates")] = None,
    as_json: JsonRowsOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Tasks each plan assigns (content, lead unit, coordinating units, deadline, product), with exact spans."""
    import csv

    from assistant.engine import Engine
    from assistant.tables.tasks import Task, extract_tasks, tasks_table
    from assistant.text.fold import fold_words

    if as_json and as_csv:
        raise BadRequest("choose one of --json and --csv")
    index = Engine.open(_settings()).index
    if doc and doc not in index.documents:
        raise BadRequest(f"unknown document {doc!r}", hint="known: " + ", ".join(sorted(index.documents)))
    wanted = fold_words(unit or "")
    readings = getattr(index, "restorations", {}) or {}
    found = extract_tasks(index.documents[doc], readings.get(doc)) if doc else tasks_table(index)
    rows = [t.to_dict() for t in found
            if not wanted or wanted in fold_words(f"{t.lead or ''} | {t.partners or ''}")]
    if as_json:
        for r in rows:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(Task.__dataclass_fields__))
        writer.writeheader()
        writer.writerows({k: csv_safe(v) for k, v in r.items()} for r in rows)
        return
    for r in rows:
        console.print(f"{r['source']} [{r['start']}:{r['end']}] {r['lead'] or '?'} · {r['deadline'] or '—'} · "
                      f"{r['content'][:120]}", markup=False, highlight=False)


