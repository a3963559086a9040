"""Commands that ask: search, ask, eval, restore, serve."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.app import JsonOpt, ProvinceOpt, SourceOpt, YearOpt, _settings, app, console, err
from assistant.errors import BadRequest
from assistant.types import Citation


def marked_reading(c: Citation, limit: int = 300) -> str:
    """A citation's restored reading on one line, each word the restoration is unsure of followed by "?"."""
    text = c.reading or ""
    for u in reversed(c.unsure):
        text = text[:u.end] + "?" + text[u.end:]
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


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
        page = f" trang {p.page}" if p.page is not None else ""
        console.print(f"[bold]{rank}.[/] {p.source} [{p.start}:{p.end}]{page} score={p.score:.4f}", highlight=False)
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
            f"[{c.n}] {md.issuer or c.source} · {md.number or ''} · {c.section} · {c.source} [{c.start}:{c.end}]"
            + (f" · trang {c.page}" if c.page is not None else ""),
            markup=False, highlight=False,
        )
        if c.unsure and c.reading:  # OCR words read with doubt: marked in the reading, with their OCR spelling
            words = ", ".join(f"{c.reading[u.start:u.end]} ← {u.ocr}" for u in c.unsure)
            console.print(f"    {marked_reading(c)}\n    (?) chưa chắc, bản gốc OCR: {words}", markup=False,
                          highlight=False)


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
        texts = [r.text for r in read_corpus(settings.corpus_dir, settings.max_file_bytes,
                                             settings.cache_dir / "ocr")[0] if not r.pages]
    except CorpusError:
        texts = []
    if file is not None:  # a document: read with the OCR channel fitted on itself
        raw = read_file(file, file.name, settings.max_file_bytes, settings.cache_dir / "ocr")
        sys.stdout.write(restore_text(raw.text, get_model(texts)).text)
        return
    model = line_model(texts)
    for line in sys.stdin:
        body = line.rstrip("\n")
        sys.stdout.write(restore_line(body, model) + ("\n" if line.endswith("\n") else ""))
        sys.stdout.flush()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default: settings.host)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: settings.port)")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Server processes (default: settings.workers, "
                                                            "else one per CPU core)")] = None,
) -> None:
    """Build the index when missing or stale, then serve the API and chat widget."""
    from assistant.api import serving

    settings = _settings()
    host, port = host or settings.host, port or settings.port
    workers = serving.worker_count(workers, settings)
    err.print(f"Đang nạp chỉ mục {settings.index_dir} (xây dựng lại nếu cần)…", markup=False, highlight=False)
    if workers == 1:  # the engine in this process, loaded on the thread that will run it
        state = serving.single_process_state(settings)
        status = state.ready_engine().status()
    else:  # built here if needed; each worker loads it
        status = serving.prepare_index_apart(settings)
    skipped, build_error, build = status["skipped"], status["build_error"], status["build"]
    for s in skipped:
        err.print(f"bỏ qua {s['reason']}", markup=False, highlight=False)
    if build_error:
        err.print(f"Không xây dựng lại được chỉ mục ({build_error}); đang dùng bản {build}",
                  markup=False, highlight=False)
    err.print(f"Trợ lý: http://{host}:{port}/  ·  API: http://{host}:{port}/docs  ·  {workers} tiến trình",
              markup=False, highlight=False)
    if workers == 1:
        import uvicorn

        from assistant.api.app import create_app

        uvicorn.run(create_app(state=state), host=host, port=port, log_level="info")
    else:
        serving.serve_workers(settings, host, port, workers, status)


