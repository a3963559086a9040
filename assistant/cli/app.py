"""The typer app, its consoles and the entry point that turns errors into one line and exit 1."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from assistant.errors import AssistantError
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


# Options several commands share.
SourceOpt = Annotated[str | None, typer.Option(help="Only this document")]
ProvinceOpt = Annotated[str | None, typer.Option(help="Only this province")]
YearOpt = Annotated[int | None, typer.Option(help="Only plans covering this year")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]
DocOpt = Annotated[str | None, typer.Option("--doc", help="Only this document (source name)")]
JsonRowsOpt = Annotated[bool, typer.Option("--json", help="One JSON object per row")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="CSV rows")]


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

