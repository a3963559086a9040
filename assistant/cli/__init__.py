"""Thin command line over the library: commands register on one typer app (corpus, questions, tables)."""

from assistant.cli import corpus, questions, tables  # noqa: F401  (each module registers its commands)
from assistant.cli.app import app, main

__all__ = ["app", "main"]
