"""Metrics: span relevance, standard nDCG/RR checked against ir_measures, fact matching, the one percentile."""

from __future__ import annotations

import ir_measures
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ir_measures import RR, Qrel, ScoredDoc, nDCG

from assistant.evaluation import metrics as m

# Excerpt of corpus/004 (Thanh Hóa) and a line of corpus/001 (Khánh Hòa).
DOC_A = ("Phấn đấu 100% TTHC đủ điều kiện được cung cấp dịch vụ công trực tuyến toàn trình; "
         "tỷ lệ hồ sơ giải quyết trực tuyến đạt từ 80% trở lên.")
DOC_B = "Xây dựng các giải pháp cải thiện và nâng cao các Chỉ số PARI, SIPAS, PCI, PAPI"
TEXTS = {"a.txt": DOC_A, "b.txt": DOC_B}


def p(source: str, start: int, end: int) -> dict:
    return {"source": source, "start": start, "end": end}


def test_evidence_span_is_the_first_occurrence_and_missing_evidence_is_none() -> None:
    gold = [{"doc": "a.txt", "evidence": "trực tuyến"}, {"doc": "b.txt", "evidence": "không có ở đây"}]
    first = DOC_A.find("trực tuyến")
    assert m.evidence_spans(gold, TEXTS) == [("a.txt", first, first + len("trực tuyến")), None]
    later = DOC_A.find("trực tuyến", first + 1)
    # A passage over the second occurrence only is not relevant: the gold span is the first one.
    assert not m.relevant(p("a.txt", later, later + 10), m.evidence_spans(gold, TEXTS))


def test_overlap_is_half_open_and_per_file() -> None:
    span = ("a.txt", 10, 20)
    assert m.overlaps(p("a.txt", 19, 30), span)
    assert not m.overlaps(p("a.txt", 20, 30), span)
    assert not m.overlaps(p("a.txt", 0, 10), span)
    assert not m.overlaps(p("b.txt", 0, 100), span)
    assert not m.overlaps(p("a.txt", 0, 100), None)


def test_second_passage_over_a_credited_span_gains_nothing() -> None:
    spans = [("a.txt", 100, 150)]
    ranked = [p("a.txt", 90, 120), p("a.txt", 140, 200)]  # both overlap the only gold entry
    assert m.credited(ranked, spans, 10) == [0, None]
    assert m.ndcg_at(ranked, spans, 10) == 1.0
    # Before the fix the second passage added 1/log2(3) to DCG over an IDCG of 1 (nDCG 1.63).
    assert m.ndcg_at(list(reversed(ranked)), spans, 10) == 1.0


def test_one_passage_covering_two_gold_entries_is_credited_once() -> None:
    spans = [("a.txt", 0, 10), ("a.txt", 20, 30)]
    ranked = [p("a.txt", 0, 40), p("a.txt", 25, 35)]
    assert m.credited(ranked, spans, 10) == [0, 1]
    assert m.recall_at(ranked[:1], spans, 10) == 1.0  # both evidence spans were retrieved
    assert m.ndcg_at(ranked[:1], spans, 10) == pytest.approx(1 / (1 + 1 / 1.584962500721156))


def test_mrr_and_hit_use_the_first_relevant_passage() -> None:
    spans = [("b.txt", 5, 15)]
    ranked = [p("a.txt", 0, 50), p("b.txt", 20, 40), p("b.txt", 0, 6)]
    assert m.mrr_at(ranked, spans, 10) == pytest.approx(1 / 3)
    assert m.mrr_at(ranked, spans, 2) == 0.0
    assert m.hit_at(ranked, spans, 3) == 1.0
    assert m.hit_at(ranked, spans, 2) == 0.0


def test_doc_recall_counts_documents_not_entries() -> None:
    gold = [{"doc": "a.txt"}, {"doc": "a.txt"}, {"doc": "b.txt"}]
    spans = [("a.txt", 0, 10), ("a.txt", 50, 60), ("b.txt", 0, 10)]
    assert m.doc_recall_at([p("a.txt", 55, 70)], gold, spans, 5) == 0.5
    assert m.doc_recall_at([p("a.txt", 55, 70), p("b.txt", 3, 4)], gold, spans, 5) == 1.0
    assert m.doc_recall_at([p("c.txt", 0, 5)] * 5 + [p("b.txt", 3, 4)], gold, spans, 5) == 0.0


def _ir_measures(queries: dict[str, tuple[list[dict], list]], k: int = 10) -> dict[str, dict[str, float]]:
    """nDCG@k and RR@k by ir_measures: each passage is the gold entry it first newly covers, or a fresh id."""
    qrels, run = [], []
    for qid, (ranked, spans) in queries.items():
        qrels += [Qrel(qid, f"g{i}", 1) for i in range(len(spans))]
        for rank, gold in enumerate(m.credited(ranked, spans, len(ranked))):
            doc_id = f"g{gold}" if gold is not None else f"n{rank}"
            run.append(ScoredDoc(qid, doc_id, float(len(ranked) - rank)))  # strictly decreasing: no tie-breaking
    out: dict[str, dict[str, float]] = {qid: {"ndcg": 0.0, "rr": 0.0} for qid in queries}
    for metric in ir_measures.iter_calc([nDCG @ k, RR @ k], qrels, run):
        out[metric.query_id]["ndcg" if metric.measure == nDCG @ k else "rr"] = metric.value
    return out


HAND_MADE = {
    # Three gold entries; a repeat over gold 0, a passage covering gold 0 and 1, one relevant beyond rank 10.
    "q1": ([p("a.txt", 0, 90), p("a.txt", 120, 200), p("a.txt", 90, 160), p("b.txt", 60, 100),
            p("a.txt", 140, 410), p("c.txt", 0, 10), p("c.txt", 10, 20), p("a.txt", 0, 5), p("b.txt", 0, 10),
            p("c.txt", 30, 40), p("b.txt", 55, 65)],
           [("a.txt", 100, 150), ("a.txt", 400, 420), ("b.txt", 50, 80)]),
    # The only relevant passage at rank 4, followed by two more over the same span.
    "q2": ([p("c.txt", 0, 10), p("c.txt", 10, 20), p("a.txt", 0, 5), p("a.txt", 10, 30), p("a.txt", 15, 25),
            p("a.txt", 0, 40)], [("a.txt", 12, 20)]),
    # More gold entries than passages, all found.
    "q3": ([p("a.txt", 0, 10), p("b.txt", 0, 10)], [("a.txt", 0, 5), ("b.txt", 0, 5), ("c.txt", 0, 5)]),
}


def test_ndcg_and_rr_match_ir_measures_on_a_hand_made_run() -> None:
    reference = _ir_measures(HAND_MADE)
    for qid, (ranked, spans) in HAND_MADE.items():
        assert m.ndcg_at(ranked, spans, 10) == pytest.approx(reference[qid]["ndcg"], abs=1e-9), qid
        assert m.mrr_at(ranked, spans, 10) == pytest.approx(reference[qid]["rr"], abs=1e-9), qid
    assert m.mrr_at(*HAND_MADE["q2"], 10) == 0.25
    assert 0.0 < m.ndcg_at(*HAND_MADE["q1"], 10) < 1.0


_passages = st.lists(st.builds(lambda s, a, n: p(s, a, a + n), st.sampled_from(["a.txt", "b.txt"]),
                               st.integers(0, 60), st.integers(1, 30)), max_size=14)
_spans = st.lists(st.builds(lambda s, a, n: (s, a, a + n), st.sampled_from(["a.txt", "b.txt"]),
                            st.integers(0, 60), st.integers(1, 20)), min_size=1, max_size=5)


@settings(max_examples=60, deadline=None)
@given(_passages, _spans)
def test_ndcg_is_bounded_and_agrees_with_ir_measures(ranked: list[dict], spans: list) -> None:
    value = m.ndcg_at(ranked, spans, 10)
    assert 0.0 <= value <= 1.0 + 1e-12
    if ranked:
        reference = _ir_measures({"q": (ranked, spans)})["q"]
        assert value == pytest.approx(reference["ndcg"], abs=1e-9)
        assert m.mrr_at(ranked, spans, 10) == pytest.approx(reference["rr"], abs=1e-9)


def test_fact_recall_ignores_case_and_dash_kind_but_not_accents() -> None:
    answer = "Thực hiện theo Nghị định số 61/2018/NĐ–CP; chỉ tiêu ĐẠT TỪ 80% trở lên."
    assert m.fact_recall(answer, ["61/2018/NĐ-CP", "đạt từ 80%"]) == 1.0
    assert m.fact_recall(answer, ["61/2018/ND-CP"]) == 0.0  # accents are part of a fact
    assert m.fact_recall("Sở Y tế — Khánh Hòa", ["sở y tế - khánh hòa", "Hà Tĩnh"]) == 0.5
    decomposed = "Sở Y tế".replace("ở", "o\u031b\u0309")  # NFD input still matches
    assert m.fact_recall(decomposed, ["Sở Y tế"]) == 1.0
    assert m.fact_recall("anything", []) == 0.0


def test_citation_precision_and_mean() -> None:
    spans = [("a.txt", 0, 10)]
    assert m.citation_precision([p("a.txt", 5, 8), p("b.txt", 0, 5)], spans) == 0.5
    assert m.citation_precision([], spans) is None
    assert m.mean([1.0, None, 0.0, 0.5]) == 0.5
    assert m.mean([]) == 0.0


def test_percentile_is_nearest_rank() -> None:
    values = [15.0, 20.0, 35.0, 40.0, 50.0]  # the textbook nearest-rank example
    assert m.percentile(values, 5) == 15.0
    assert m.percentile(values, 30) == 20.0
    assert m.percentile(values, 40) == 20.0
    assert m.percentile(values, 50) == 35.0
    assert m.percentile(values, 100) == 50.0
    assert m.percentile(values, 0) == 15.0
    assert m.percentile([3.0, 1.0, 2.0, 4.0], 50) == 2.0  # lower middle, no interpolation
    hundred = [float(i) for i in range(1, 101)]
    assert m.percentile(hundred, 7) == 7.0  # 7 * 100 / 100, not ceil(7.000000000000001)
    assert m.percentile(hundred, 95) == 95.0
    with pytest.raises(ValueError):
        m.percentile([], 50)
    with pytest.raises(ValueError):
        m.percentile(values, 101)
