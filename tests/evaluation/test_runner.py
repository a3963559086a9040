"""The evaluation runner: the results contract, per-question scores, summary and report, with a test-double engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.evaluation import runner
from assistant.types import Answer, Citation, Metadata, Passage
from tests.conftest import corpus_file

KH = corpus_file("001")  # Khánh Hòa, clean Markdown
TH = corpus_file("004")  # Thanh Hóa
TEXTS = {KH.name: KH.read_text(encoding="utf-8"), TH.name: TH.read_text(encoding="utf-8")}

QUESTIONS = [
    {"id": "f1", "kind": "fact", "question": "Khánh Hòa cải thiện những chỉ số nào?",
     "gold": [{"doc": KH.name, "evidence": "nâng cao các Chỉ số PARI, SIPAS, PCI, PAPI"}],
     "answer_facts": ["PARI", "SIPAS", "chỉ số pari"]},
    {"id": "l1", "kind": "list", "question": "Những kế hoạch nào căn cứ quyết định của UBND tỉnh?",
     "gold": [{"doc": KH.name, "evidence": "Quyết định số 91/QĐ-UBND"},
              {"doc": TH.name, "evidence": "Quyết định số 5476/QĐ-UBND"}],
     "answer_facts": ["91/QĐ-UBND", "5476/QĐ-UBND"]},
    {"id": "u1", "kind": "unanswerable", "question": "Kinh phí mua xe ô tô là bao nhiêu?", "gold": []},
]


class DoubleEngine:
    """Answers from a fixed plan per question: (source, phrase) passages in answer order, the cited ones first."""

    def __init__(self, plans: dict[str, tuple[list[tuple[str, str]], int, bool]], texts: dict[str, str]) -> None:
        self.plans, self.texts, self.calls = plans, texts, []

    def passage(self, source: str, phrase: str, rank: int) -> Passage:
        start = self.texts[source].index(phrase)
        end = start + len(phrase)
        return Passage(source, start, end, self.texts[source][start:end], 1.0 / rank, "I. MỤC ĐÍCH",
                       f"{source}#{start}-{end}", rank=rank)

    def ask(self, question: str, mode: str) -> Answer:
        self.calls.append((question, mode))
        qid = next(q["id"] for q in QUESTIONS if q["question"] == question)
        phrases, n_cited, abstained = self.plans[qid]
        # The retriever ranked them in reverse order; the answer stage puts its cited passages first.
        passages = tuple(self.passage(s, ph, len(phrases) - i) for i, (s, ph) in enumerate(phrases))
        cited = passages[:n_cited]
        citations = tuple(Citation(n, c.source, c.start, c.end, c.text, c.section, Metadata(province="Khánh Hòa"))
                          for n, c in enumerate(cited, start=1))
        text = "Tài liệu không có thông tin này." if abstained else " ".join(f"{c.quote} [{c.n}]" for c in citations)
        return Answer(question, text, citations, passages, abstained)


PLANS = {
    "f1": ([(KH.name, "giải pháp cải thiện và nâng cao các Chỉ số PARI, SIPAS, PCI, PAPI"), (TH.name, "Cải cách hành chính năm 2021")], 1, False),
    "l1": ([(KH.name, "Quyết định số 91/QĐ-UBND ngày 11/01/2024"), (TH.name, "Chỉ thị số 08/CT-BYT"),
            (TH.name, "Quyết định số 5476/QĐ-UBND")], 2, False),
    "u1": ([(TH.name, "Chỉ thị số 08/CT-BYT")], 0, True),
}


def test_result_record_has_every_contract_field_and_exact_spans() -> None:
    engine = DoubleEngine(PLANS, TEXTS)
    records, _ = runner.run(QUESTIONS, engine.ask, TEXTS)
    assert [r["id"] for r in records] == ["f1", "l1", "u1"]
    for r in records:
        assert set(r) >= {"id", "question", "answer", "abstained", "passages", "citations", "latency_ms"}
        assert isinstance(r["abstained"], bool) and r["latency_ms"] >= 0
        for item in r["passages"] + r["citations"]:
            assert set(item) >= {"source", "start", "end", "text", "section"}
            assert TEXTS[item["source"]][item["start"] : item["end"]] == item["text"]
        assert all(isinstance(p["score"], float) for p in r["passages"])
    assert records[1]["citations"][1]["n"] == 2
    assert json.loads(json.dumps(records, ensure_ascii=False)) == records


def test_a_passage_whose_text_is_not_its_span_is_refused() -> None:
    engine = DoubleEngine(PLANS, TEXTS)

    def shifted(question: str, mode: str) -> Answer:
        a = engine.ask(question, mode)
        bad = a.passages[0]
        moved = Passage(bad.source, bad.start + 1, bad.end + 1, bad.text, bad.score, bad.section, bad.chunk_id)
        return Answer(a.question, a.text, a.citations, (moved, *a.passages[1:]), a.abstained)

    with pytest.raises(ValueError, match="f1"):
        runner.run(QUESTIONS, shifted, TEXTS)
    with pytest.raises(ValueError, match="unknown.txt"):
        runner.check_spans({"id": "x", "passages": [{"source": "unknown.txt", "start": 0, "end": 1, "text": "a"}],
                            "citations": []}, TEXTS)


def test_scores_use_answer_order_and_retriever_order() -> None:
    _, scores = runner.run(QUESTIONS, DoubleEngine(PLANS, TEXTS).ask, TEXTS)
    f1, l1, u1 = scores
    assert f1["hit@1"] == 1.0 and f1["mrr@10"] == 1.0 and f1["fact_recall"] == 1.0
    assert f1["citation_precision"] == 1.0
    # Retriever ranks: the relevant passage was ranked 2nd, behind the Thanh Hóa one.
    assert f1["retrieval_mrr@10"] == 0.5
    assert l1["doc_recall@5"] == 1.0 and l1["recall@5"] == 1.0
    assert l1["citation_precision"] == 0.5  # one of the two cited passages is the wrong instrument
    assert l1["fact_recall"] == 0.5  # the answer cites 91/QĐ-UBND but not 5476/QĐ-UBND
    assert u1["kind"] == "unanswerable" and "hit@5" not in u1 and u1["abstained"] is True


def test_summary_reports_abstention_per_kind_and_latency() -> None:
    plans = dict(PLANS, f1=(PLANS["f1"][0], 0, True))  # a false abstention on an answerable question
    _, scores = runner.run(QUESTIONS, DoubleEngine(plans, TEXTS).ask, TEXTS)
    s = runner.summarise(scores)
    assert s["abstention_unanswerable"] == 1.0
    assert s["abstention_answerable"] == 0.5
    assert s["per_kind"]["fact"]["abstained"] == 1.0 and s["per_kind"]["list"]["abstained"] == 0.0
    assert s["overall"]["n"] == 2 and s["per_kind"]["unanswerable"]["n"] == 1
    assert s["latency_ms"]["p50"] <= s["latency_ms"]["p95"]


def test_evaluate_writes_results_and_report(tmp_path: Path) -> None:
    engine = DoubleEngine(PLANS, TEXTS)
    out = tmp_path / "results.jsonl"
    report = runner.evaluate(QUESTIONS, engine.ask, TEXTS, out, tmp_path / "reports", ablation=("bm25", "hybrid"),
                             label="double", ocr_sources=frozenset())
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["f1", "l1", "u1"]
    assert {mode for _, mode in engine.calls} == {"hybrid", "bm25"}
    latest = json.loads((tmp_path / "reports" / "latest.json").read_text(encoding="utf-8"))
    assert latest["label"] == "double" and latest["questions"] == 3
    assert set(latest["ablation"]) == {"bm25", "hybrid"}
    assert latest["summary"]["per_kind"]["list"]["doc_recall@5"] == 1.0
    md = (tmp_path / "reports" / "latest.md").read_text(encoding="utf-8")
    assert "| list | 1 |" in md and report["summary"] == latest["summary"]


def test_load_questions_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "question": "Ai ký?"}\n\n{"question": "thiếu id"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"q.jsonl:3"):
        runner.load_questions(path)
    path.write_text('{"id": "a", "question": "Ai ký?"}\nnot json\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"q.jsonl:2"):
        runner.load_questions(path)
