"""Command line: a thin layer over the library; errors become one line and exit code 1."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from assistant.errors import AssistantError, BadRequest
from assistant.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Trợ lý hỏi đáp kế hoạch CCHC (offline).")
# Soft wrap: a row piped to grep or a file stays one line instead of being cut at 80 columns.
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _settings() -> Settings:
    return Settings()


def _token_counter(settings: Settings):
    from assistant.search.embed import load_token_counter

    return load_token_counter(settings.embedding_model, settings.cache_dir / "models")


@contextmanager
def _file_progress(folder: Path, label: str) -> Iterator[Callable[[str], None]]:
    """Per-file callback: a live "label i/N" bar on a terminal, else a line per tenth of 20+ files."""
    from assistant.documents.read import iter_entries

    total = sum(1 for *_, reason in iter_entries(folder) if reason is None)
    done = [0]
    with Progress(console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(label, total=total)

        def show(source: str) -> None:
            done[0] += 1
            bar.update(task, completed=done[0], description=f"{label} {done[0]}/{total}: {source}")
            if not err.is_terminal and total >= 20 and done[0] % max(1, total // 10) == 0:
                err.print(f"{label}: {done[0]}/{total} tệp", markup=False, highlight=False)

        yield show


@app.command()
def ingest(
    corpus: Annotated[Path | None, typer.Argument(help="Corpus folder (default: settings.corpus_dir)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable report")] = False,
) -> None:
    """Read a corpus folder and report documents, chunks and skipped files; exit 1 when none can be read."""
    from assistant.documents.chunk import ChunkingConfig
    from assistant.documents.pipeline import parse_corpus
    from assistant.documents.read import nothing_readable

    settings = _settings()
    folder = corpus or settings.corpus_dir
    count = _token_counter(settings)
    config = ChunkingConfig(settings.chunk_max_tokens, settings.chunk_overlap_tokens)
    with _file_progress(folder, "Đọc tài liệu") as on_file:
        parsed = parse_corpus(folder, count, config, settings.restore_ocr, progress=on_file,
                              max_file_bytes=settings.max_file_bytes, max_chunks=settings.max_chunks_per_file)
    from assistant.documents.structure import count_sections

    report = {
        "corpus": str(folder),
        "documents": [
            {
                "source": d.source,
                "format": d.format,
                "encoding": d.encoding,
                "ocr_damaged": d.ocr_damaged,
                "sections": count_sections(d.sections),
                "chunks": sum(1 for c in parsed.chunks if c.source == d.source),
                "metadata": d.metadata.to_dict(),
                # header fields the reader could not find: the document may not state them, or states them oddly
                "missing": [k for k, v in d.metadata.to_dict().items() if v is None],
            }
            for d in parsed.documents
        ],
        "chunks": len(parsed.chunks),
        "skipped": [{"source": s.source, "reason": s.reason} for s in parsed.skipped],
    }
    if as_json:
        console.print_json(json.dumps(report, ensure_ascii=False))
    else:
        _print_ingest(report)
    if not parsed.documents:
        raise nothing_readable(folder, parsed.skipped)


def _print_ingest(report: dict) -> None:
    for d in report["documents"]:
        md = d["metadata"]
        console.print(
            f"[bold]{d['source']}[/] {d['format']}/{d['encoding']}{' OCR' if d['ocr_damaged'] else ''}: "
            f"{d['sections']} mục, {d['chunks']} đoạn — {md.get('issuer')} · {md.get('number')} · {md.get('issue_date')}"
        )
    for s in report["skipped"]:
        console.print(f"[yellow]bỏ qua[/] {s['reason']}")
    console.print(f"{len(report['documents'])} tài liệu, {report['chunks']} đoạn, {len(report['skipped'])} tệp bị bỏ qua")


@app.command()
def inspect(file: Annotated[Path, typer.Argument(help="A document file")]) -> None:
    """Show a document's metadata, section tree and chunks."""
    from assistant.documents.chunk import ChunkingConfig
    from assistant.documents.pipeline import parse_file

    settings = _settings()
    config = ChunkingConfig(settings.chunk_max_tokens, settings.chunk_overlap_tokens)
    document, chunks, restoration = parse_file(file, _token_counter(settings), config)
    console.print(f"[bold]{document.source}[/] ({document.format}, {document.encoding}, OCR: {document.ocr_damaged})")
    for key, value in document.metadata.to_dict().items():
        console.print(f"  {key}: {value}")
    console.print("[bold]Mục lục[/]")

    def show(sections, depth=0):
        for s in sections:
            console.print(f"{'  ' * (depth + 1)}{s.title} [dim]({s.start}-{s.end})[/]", markup=True, highlight=False)
            show(s.children, depth + 1)

    show(document.sections)
    console.print(f"[bold]{len(chunks)} đoạn[/]")
    for c in chunks:
        preview = " ".join(c.text.split())[:120]
        console.print(f"  [{c.start}:{c.end}] [cyan]{c.section}[/]\n    {preview}", highlight=False)


@app.command()
def index(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable statistics")] = False,
) -> None:
    """Build or refresh the index of the corpus (reuses embeddings of unchanged chunks)."""
    from assistant.engine import build

    settings = _settings()
    reading = _file_progress(settings.corpus_dir, "Đọc tài liệu")
    with reading as on_file, Progress(console=err, transient=True) as bar:
        embed_task = bar.add_task("Tính vector", total=None)
        stats = build(settings, on_file=on_file,
                      on_embed=lambda done, total: bar.update(embed_task, completed=done, total=total))
    if as_json:
        console.print_json(json.dumps(stats, ensure_ascii=False))
        return
    # `seconds` is the whole build: loading the model, reading and restoring, embedding, writing.
    console.print(
        f"Chỉ mục {stats['build']}: {stats['documents']} tài liệu, {stats['chunks']} đoạn "
        f"({stats['embedded']} tính mới, {stats['reused']} dùng lại) trong {stats['seconds']} s "
        f"(đọc và khôi phục {stats['read_seconds']} s, tính vector {stats['embed_seconds']} s) "
        f"→ {settings.index_dir}"
    )
    for s in stats["skipped"]:
        console.print(f"[yellow]bỏ qua[/] {s['reason']}")


SourceOpt = Annotated[str | None, typer.Option(help="Only this document")]
ProvinceOpt = Annotated[str | None, typer.Option(help="Only this province")]
YearOpt = Annotated[int | None, typer.Option(help="Only plans covering this year")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def _filters(source, province, year):
    from assistant.search.retrieve import Filters

    return Filters(source=source, province=province, year=year)


@app.command()
def search(
    question: Annotated[str, typer.Argument(help="Câu hỏi")],
    k: Annotated[int, typer.Option("-k", "--k", help="Number of passages")] = 10,
    mode: Annotated[str, typer.Option(help="hybrid, bm25 or dense")] = "hybrid",
    source: SourceOpt = None,
    province: ProvinceOpt = None,
    year: YearOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print ranked passages with source, section and exact span."""
    from assistant.engine import Engine

    if mode not in ("hybrid", "bm25", "dense"):
        raise BadRequest(f"unknown --mode {mode!r}", hint="use hybrid, bm25 or dense")
    if not 1 <= k <= 100:
        raise BadRequest(f"-k must be between 1 and 100, got {k}")
    engine = Engine.open(_settings())
    passages = engine.retriever.search(question, k, _filters(source, province, year), mode)
    if as_json:
        console.print_json(json.dumps([p.to_dict() for p in passages], ensure_ascii=False))
        return
    for rank, p in enumerate(passages, start=1):
        console.print(f"[bold]{rank}.[/] {p.source} [{p.start}:{p.end}] score={p.score:.4f}", highlight=False)
        console.print(f"   [cyan]{p.section}[/]", highlight=False)
        console.print("   " + " ".join((p.reading or p.text).split())[:300], markup=False, highlight=False)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Câu hỏi")],
    source: SourceOpt = None,
    province: ProvinceOpt = None,
    year: YearOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question with numbered citations."""
    from assistant.engine import Engine

    engine = Engine.open(_settings())
    answer = engine.answerer.ask(question, filters=_filters(source, province, year))
    if as_json:
        from assistant.evaluation.runner import result_record

        console.print_json(json.dumps(result_record({"id": "cli", "question": question}, answer, 0.0) | {
            "timings_ms": answer.timings_ms}, ensure_ascii=False))
        return
    console.print(answer.text, markup=False, highlight=False)
    for c in answer.citations:
        md = c.document
        console.print(
            f"[{c.n}] {md.issuer or c.source} · {md.number or ''} · {c.section} · {c.source} [{c.start}:{c.end}]",
            markup=False, highlight=False,
        )


@app.command("eval")
def eval_(
    questions: Annotated[Path, typer.Argument(help="Questions JSONL")],
    out: Annotated[Path, typer.Option(help="Results JSONL")] = Path("evals/runs/results.jsonl"),
    report_dir: Annotated[Path, typer.Option(help="Report folder")] = Path("evals/runs"),
    no_ablation: Annotated[bool, typer.Option("--no-ablation")] = False,
    label: Annotated[str, typer.Option(help="Name of this run in the report")] = "",
) -> None:
    """Run the question set and write results and a report."""
    from assistant.engine import Engine, texts_of
    from assistant.evaluation.runner import evaluate, load_questions

    engine = Engine.open(_settings())
    qs = load_questions(questions)
    report = evaluate(
        qs,
        lambda q, mode: engine.answerer.ask(q, mode=mode),
        texts_of(engine.index),
        out,
        report_dir,
        ablation=("hybrid",) if no_ablation else ("bm25", "dense", "hybrid"),
        label=label,
        ocr_sources=frozenset(s for s, d in engine.index.documents.items() if d.ocr_damaged),
    )
    s = report["summary"]
    console.print_json(json.dumps({"overall": s["overall"], "per_kind": s["per_kind"],
                                   "abstention": [s["abstention_unanswerable"], s["abstention_answerable"]],
                                   "latency_ms": s["latency_ms"], "ablation": report["ablation"]}, ensure_ascii=False))


@app.command()
def restore(
    file: Annotated[Path | None, typer.Argument(help="A document to restore whole (default: lines on stdin)")] = None,
) -> None:
    """Restore Vietnamese diacritics in OCR text: one output line per input line."""
    from assistant.documents.read import read_corpus, read_file
    from assistant.errors import CorpusError
    from assistant.restore.restorer import get_model, line_model, restore_line, restore_text

    settings = _settings()
    try:  # the corpus's clean documents are the model's in-domain text
        texts = [r.text for r in read_corpus(settings.corpus_dir, settings.max_file_bytes)[0]]
    except CorpusError:
        texts = []
    if file is not None:  # a document: read with the OCR channel fitted on itself
        raw = read_file(file, file.name, settings.max_file_bytes)
        sys.stdout.write(restore_text(raw.text, get_model(texts)).text)
        return
    model = line_model(texts)
    for line in sys.stdin:
        body = line.rstrip("\n")
        sys.stdout.write(restore_line(body, model) + ("\n" if line.endswith("\n") else ""))
        sys.stdout.flush()


@app.command("legal-refs")
def legal_refs(
    doc: Annotated[str | None, typer.Option("--doc", help="Only this document (source name)")] = None,
    cites: Annotated[str | None, typer.Option("--cites", help="Documents citing this symbol (typed loosely)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per (document, instrument)")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV rows")] = False,
    corpus: Annotated[Path | None, typer.Option(help="Corpus folder")] = None,
) -> None:
    """Legal documents each plan cites, or the plans citing a given instrument."""
    import csv

    from assistant.documents.read import read_corpus
    from assistant.legal.citations import ReferenceIndex

    if as_json and as_csv:
        raise BadRequest("choose one of --json and --csv")
    raws, _ = read_corpus(corpus or _settings().corpus_dir)
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
    doc: Annotated[str | None, typer.Option("--doc", help="Only this document (source name)")] = None,
    area: Annotated[str | None, typer.Option("--area", help="Only this reform area, e.g. TTHC, 'công vụ'")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per target")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV rows")] = False,
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


def _csv_safe(value: object) -> object:
    """A cell a spreadsheet will not run as a formula: text starting with = + - @ gets a leading quote."""
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


@app.command()
def tasks(
    doc: Annotated[str | None, typer.Option("--doc", help="Only this document (source name)")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Only tasks this unit leads or coordinates")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per task")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV rows")] = False,
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
        writer.writerows({k: _csv_safe(v) for k, v in r.items()} for r in rows)
        return
    for r in rows:
        console.print(f"{r['source']} [{r['start']}:{r['end']}] {r['lead'] or '?'} · {r['deadline'] or '—'} · "
                      f"{r['content'][:120]}", markup=False, highlight=False)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default: settings.host)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: settings.port)")] = None,
) -> None:
    """Build the index when missing or stale, then serve the API and chat widget."""
    import uvicorn

    from assistant.api.app import create_app
    from assistant.engine import Engine

    settings = _settings()
    err.print(f"Đang nạp chỉ mục {settings.index_dir} (xây dựng lại nếu cần)…", markup=False, highlight=False)
    engine = Engine.open(settings, build_if_needed=True)
    for s in engine.skipped:
        err.print(f"bỏ qua {s['reason']}", markup=False, highlight=False)
    if engine.build_error:
        err.print(f"Không xây dựng lại được chỉ mục ({engine.build_error}); đang dùng bản {engine.build_id}",
                  markup=False, highlight=False)
    host, port = host or settings.host, port or settings.port
    err.print(f"Trợ lý: http://{host}:{port}/  ·  API: http://{host}:{port}/docs", markup=False, highlight=False)
    uvicorn.run(create_app(settings, engine), host=host, port=port, log_level="info")


def main() -> None:
    """Entry point: run the app, turning AssistantError into one line on stderr and exit 1."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app(standalone_mode=False)
    except AssistantError as exc:
        sys.stderr.write(f"error: {' '.join(str(exc).split())}\n")  # one line, never wrapped
        sys.exit(1)
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        sys.exit(code or 0)
    except typer.Abort:
        sys.exit(130)
    except Exception as exc:  # usage errors (click's, vendored by typer) come through here in non-standalone mode
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    main()
