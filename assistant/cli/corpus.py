"""Commands over a corpus folder: ingest, inspect, index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from assistant.cli.app import _file_progress, _settings, _token_counter, app, console, err


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
                              max_file_bytes=settings.max_file_bytes, max_chunks=settings.max_chunks_per_file,
                              ocr_cache=settings.cache_dir / "ocr")
    from assistant.documents.structure import count_sections

    report = {
        "corpus": str(folder),
        "documents": [
            {
                "source": d.source,
                "format": d.format,
                "encoding": d.encoding,
                "ocr_damaged": d.ocr_damaged,
                **({"pages": len(d.pages)} if d.pages else {}),  # a scan read by OCR
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
    from assistant.documents.pipeline import parse_file, shown_metadata

    settings = _settings()
    config = ChunkingConfig(settings.chunk_max_tokens, settings.chunk_overlap_tokens)
    document, chunks, restoration = parse_file(file, _token_counter(settings), config,
                                               ocr_cache=settings.cache_dir / "ocr")
    console.print(f"[bold]{document.source}[/] ({document.format}, {document.encoding}, OCR: {document.ocr_damaged})")
    for key, value in shown_metadata(document, restoration).items():
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
