"""Runs side by side: per-kind rows for every run, abstention and false abstention, misses, the command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.evaluation import compare, runner
from tests.evaluation.test_runner import PLANS, QUESTIONS, TEXTS, DoubleEngine


@pytest.fixture
def reports(tmp_path: Path) -> dict[str, Path]:
    worse = dict(PLANS, f1=(PLANS["f1"][0][::-1], 0, True), u1=(PLANS["u1"][0], 1, False))
    paths = {}
    for label, plans in (("seed", PLANS), ("wider", worse)):
        runner.evaluate(QUESTIONS, DoubleEngine(plans, TEXTS).ask, TEXTS, tmp_path / label / "results.jsonl",
                        tmp_path / label, ablation=("hybrid",), label=label)
        paths[label] = tmp_path / label / "latest.json"
    return paths


def test_compare_puts_every_kind_of_every_run_side_by_side(reports: dict[str, Path]) -> None:
    c = compare.compare({label: compare.load_report(p) for label, p in reports.items()})
    assert list(c["per_kind"]) == ["all answerable", "fact", "list", "unanswerable"]
    assert list(c["per_kind"]["fact"]) == ["seed", "wider"]
    assert c["per_kind"]["fact"]["seed"]["false_abstention"] == 0.0
    assert c["per_kind"]["fact"]["wider"]["false_abstention"] == 1.0
    assert c["per_kind"]["fact"]["wider"]["mrr@10"] == 0.5  # the relevant passage moved to rank 2
    assert c["per_kind"]["unanswerable"]["seed"]["abstention"] == 1.0
    assert c["per_kind"]["unanswerable"]["wider"]["abstention"] == 0.0
    assert c["per_kind"]["all answerable"]["wider"]["false_abstention"] == 0.5
    assert "abstained" not in c["per_kind"]["all answerable"]["seed"]
    assert [q["id"] for q in c["misses"]["seed"]] == ["l1"]  # fact recall 0.5
    assert [q["id"] for q in c["misses"]["wider"]] == ["f1", "l1", "u1"]


def test_command_writes_markdown_and_json(reports: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "report_wider.md"
    assert compare.main(["--run", f"seed={reports['seed']}", "--run", f"wider={reports['wider']}",
                         "--out", str(out), "--title", "Wider beside seed"]) == 0
    md = out.read_text(encoding="utf-8")
    assert md.startswith("# Wider beside seed")
    assert "| fact | seed | 1 | 1.00 | 1.00 |" in md and "| unanswerable | wider | 1 |" in md
    assert "## `wider`: questions with a miss (3)" in md
    data = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert set(data["runs"]) == {"seed", "wider"} and data["runs"]["wider"]["questions"] == 3
    with pytest.raises(SystemExit):
        compare.main(["--run", "no-equals-sign", "--out", str(out)])
