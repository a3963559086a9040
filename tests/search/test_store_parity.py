"""Parity: the retriever's top-10 over the Qdrant store (embedded mode) agrees with the local store on the
development questions, except for documented tie-breaks (assistant/evaluation/parity.py)."""

from __future__ import annotations

import shutil

import pytest

from assistant.evaluation.parity import agreement, compare
from assistant.evaluation.runner import load_questions
from assistant.types import Passage
from tests.conftest import EVALS
from tests.live_server import real_engine_and_settings


def _p(source: str, score: float) -> Passage:
    return Passage(source, 0, 1, "x", score, "", f"{source}#0-1")


def test_compare_names_tie_breaks_and_differences():
    a = [_p("a", 0.3), _p("b", 0.2), _p("c", 0.2), _p("d", 0.1)]
    assert compare(a, list(a)) == "same"
    assert compare(a, [a[0], a[2], a[1], a[3]]) == "tie-break"  # equal scores in either order
    assert compare(a[:3], [a[0], a[1], _p("e", 0.2)]) == "tie-break"  # the 10th's score shared by another
    assert compare(a, [a[1], a[0], a[2], a[3]]) == "different"
    assert compare(a, [a[0], a[1], _p("e", 0.2), a[3]]) == "different"


@pytest.mark.slow
def test_top10_agree_on_the_development_questions(tmp_path):
    from assistant.engine import Engine, backend

    engine, settings = real_engine_and_settings()
    # start from a copy of the local build so the Qdrant build reuses its embeddings (the manifest names the
    # local store, so this is a rebuild for "settings changed")
    index_dir = tmp_path / "qidx"
    shutil.copytree(settings.index_dir.resolve() / "current", index_dir / "builds" / "seed", symlinks=True)
    (index_dir / "current").symlink_to("builds/seed")
    qsettings = settings.model_copy(update={"store": "qdrant", "index_dir": index_dir,
                                            "qdrant_path": tmp_path / "qdrant"})
    qengine = Engine.open(qsettings, build_if_needed=True, encoder=engine.encoder)
    assert qengine.index.store.name == "qdrant" and len(qengine.index.chunks) == len(engine.index.chunks)
    questions = load_questions(EVALS / "dev_questions.jsonl")
    result = agreement(questions, engine.retriever, qengine.retriever)
    assert result["counts"]["different"] == 0, [q for q in result["questions"] if q["verdict"] == "different"]
    assert result["counts"]["same"] >= len(questions) - 3
    backend(qsettings).close()  # embedded mode keeps the collection in memory until its client closes
